// A new store is what a fresh hyperbee is: length 0, no block, no
// signature, until its first write appends the header block on its own and
// then the operation's block(s). The header given at create waits in the
// `header` file (docs/FORMAT.md §4.2).
#include <catch2/catch.hpp>

#include "btree/bee.h"
#include "btree/internal/header_file.h"
#include "btree/iterator.h"
#include "encoding/bytes.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

HeaderMetadata UserData(std::string u) {
  HeaderMetadata m;
  m.user_data = std::move(u);
  return m;
}

std::string HeaderWith(std::optional<HeaderMetadata> metadata) {
  HeaderBlock h;
  h.metadata = std::move(metadata);
  return EncodeHeaderBlock(h);
}

BeeOptions On(test::FaultEnv* env, bool read_only = false) {
  BeeOptions options;
  options.core.env = env;
  options.core.read_only = read_only;
  return options;
}

std::unique_ptr<Bee> Create(test::FaultEnv* env,
                            std::optional<HeaderMetadata> metadata) {
  return Bee::Create("/n", log::KeyPair::FromSeed(log::Seed{}),
                     std::move(metadata), On(env))
      .value();
}

TEST_CASE("header file bytes", "[btree][format]") {
  const std::string block = HeaderWith(UserData("u"));
  REQUIRE(HexEncode(block) == "0a0868797065726265651203120175");
  CHECK(HexEncode(internal::EncodeHeaderFile(block)) ==
        "4245452d48445231"  // BEE-HDR1
        "01000000"          // format version
        "0f000000"          // block length
        "0a0868797065726265651203120175"
        "6034ebea62719086213dcdb7ebce4bb04ed643598b79ff4c748e603709769586");
  CHECK(internal::DecodeHeaderFile(internal::EncodeHeaderFile(block)).value() ==
        block);
}

void CheckEmpty(const Bee& bee) {
  CHECK(bee.core().length() == 0);
  CHECK(bee.core().signature().empty());
  CHECK(bee.version() == 1);
  CHECK_FALSE(bee.Get("k").value().has_value());
  RangeIterator it(bee.GetSnapshot().value(), {});
  CHECK_FALSE(it.Next().value().has_value());
  CHECK(bee.Checkout(0).ok());
  CHECK(bee.Checkout(1).ok());
  CHECK(bee.Checkout(2).status().IsInvalidArgument());
}

TEST_CASE("a new store is empty, and keeps its header across reopen",
          "[btree][versions]") {
  test::FaultEnv env;
  auto bee = Create(&env, UserData("u"));
  CheckEmpty(*bee);
  CHECK(bee->GetHeader().value().metadata == UserData("u"));
  REQUIRE(bee->Close().ok());
  bee.reset();
  env.Crash();  // the header file was synced by Create
  CHECK(env.Contents("/n/header") ==
        internal::EncodeHeaderFile(HeaderWith(UserData("u"))));
  for (bool read_only : {true, false}) {
    CAPTURE(read_only);
    auto reopened = Bee::Open("/n", On(&env, read_only)).value();
    CheckEmpty(*reopened);
    CHECK(reopened->GetHeader().value().metadata == UserData("u"));
  }
  auto writer = Bee::Open("/n", On(&env)).value();
  REQUIRE(writer->Put("k", "v").ok());
  CHECK(writer->core().length() == 2);
  CHECK(writer->core().Get(0).value() == HeaderWith(UserData("u")));
  CHECK(writer->Get("k").value()->seq == 1);
  CHECK(writer->Boundaries() == std::vector<uint64_t>{1, 2});
}

TEST_CASE("any first write appends the header on its own first",
          "[btree][versions]") {
  auto fresh = [] {
    return Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{}),
                               UserData("m"))
        .value();
  };
  auto del = fresh();
  CheckEmpty(*del);
  CHECK_FALSE(del->Del("missing").value());  // no node block, as hyperbee
  CHECK(del->core().length() == 1);
  CHECK(del->core().Get(0).value() == HeaderWith(UserData("m")));
  CHECK(del->Boundaries() == std::vector<uint64_t>{1});
  auto dropped = fresh();
  {
    auto batch = dropped->MakeBatch().value();
    REQUIRE(batch->Put("a", "1").ok());
  }  // discarded: its put is gone, the header stays
  CHECK(dropped->core().length() == 1);
  CHECK_FALSE(dropped->Get("a").value().has_value());
  auto batch = fresh();
  auto b = batch->MakeBatch().value();
  REQUIRE(b->Put("a", "1").ok());
  REQUIRE(b->Put("b", "2").ok());
  REQUIRE(b->Flush().ok());
  CHECK(batch->core().length() == 3);
  CHECK(batch->Get("a").value()->seq == 1);
  CHECK(batch->Boundaries() == std::vector<uint64_t>{1, 3});
}

TEST_CASE("a damaged header file is named and nothing is written",
          "[btree][versions]") {
  test::FaultEnv env;
  Create(&env, UserData("u")).reset();
  const std::string log_data = env.Contents("/n/data");
  for (uint64_t offset : {0u, 17u, 40u}) {
    CAPTURE(offset);
    std::string file = internal::EncodeHeaderFile(HeaderWith(UserData("u")));
    env.SetContents("/n/header", file);
    env.FlipBit("/n/header", offset, 2);
    auto bee = Bee::Open("/n", On(&env));
    REQUIRE_FALSE(bee.ok());
    CHECK(bee.status().IsCorruption());
    CHECK(bee.status().message().find("header file") != std::string::npos);
  }
  CHECK(env.Contents("/n/data") == log_data);
}

TEST_CASE("creating over a store is refused and touches none of its files",
          "[btree][versions]") {
  test::FaultEnv env;
  Create(&env, UserData("u")).reset();
  const std::string header = env.Contents("/n/header");
  auto again = Bee::Create("/n", log::KeyPair::FromSeed(log::Seed{}),
                           UserData("other"), On(&env));
  CHECK(again.status().IsInvalidArgument());
  CHECK(again.status().message().find("already holds a log") !=
        std::string::npos);
  CHECK(env.Contents("/n/header") == header);
}

TEST_CASE("truncating to nothing keeps the header for the next write",
          "[btree][versions]") {
  test::FaultEnv env;
  Create(&env, UserData("u")).reset();
  {
    auto bee = Bee::Open("/n", On(&env)).value();
    REQUIRE(bee->Put("k", "v").ok());
  }
  auto bee =
      Bee::Open("/n", On(&env)).value();  // block 0 written: no file read
  REQUIRE(bee->Truncate(0).ok());         // signed at length 0, fork 1
  CHECK(bee->core().length() == 0);
  CHECK(bee->version() == 1);
  CHECK_FALSE(bee->Get("k").value().has_value());
  CHECK(bee->GetHeader().value().metadata == UserData("u"));
  REQUIRE(bee->Put("k", "w").ok());
  CHECK(bee->core().Get(0).value() == HeaderWith(UserData("u")));
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 2});
}

TEST_CASE("a store written elsewhere with no block gets the default header",
          "[btree][versions]") {
  auto core =
      log::Core::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  auto bee = Bee::FromCore(std::move(core)).value();
  CheckEmpty(*bee);
  CHECK(bee->GetHeader().status().IsNotFound());
  REQUIRE(bee->Put("k", "v").ok());
  CHECK(bee->core().Get(0).value() == HeaderWith(std::nullopt));
}

}  // namespace
}  // namespace bee::btree
