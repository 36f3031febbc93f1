// The `boundaries` file (docs/FORMAT.md §4.1): its bytes, and recovery from
// torn tails, truncations and appends whose record was never written.
#include "btree/internal/boundaries.h"

#include <catch2/catch.hpp>

#include "btree/bee.h"
#include "encoding/varint.h"
#include "log/crypto.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

TEST_CASE("boundary record bytes", "[btree][format]") {
  std::string check = "bee-boundary";
  PutFixed64(&check, 5);
  std::string expect("\x05\0\0\0\0\0\0\0", 8);
  expect += std::string(AsChars(log::Blake2b256(check)).substr(0, 8));
  CHECK(internal::Boundaries::EncodeRecord(5) == expect);
}

struct Store {
  test::FaultEnv env;
  BeeOptions options;
  Store() {
    options.core.env = &env;
    auto bee = Bee::Create("/s", log::KeyPair::FromSeed(log::Seed{}),
                           std::nullopt, options)
                   .value();
    REQUIRE(bee->Put("a", "1").ok());
    auto batch = bee->MakeBatch().value();
    REQUIRE(batch->Put("b", "2").ok());
    REQUIRE(batch->Put("c", "3").ok());
    REQUIRE(batch->Flush().ok());
    REQUIRE(bee->Close().ok());
  }
  std::unique_ptr<Bee> Open() { return Bee::Open("/s", options).value(); }
};

TEST_CASE("boundaries are recorded and survive reopen", "[btree]") {
  Store s;
  CHECK(s.env.Contents("/s/boundaries").size() == 3 * 16);
  auto bee = s.Open();
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 2, 4});
  CHECK(bee->Checkout(3).status().message().find("inside a batch") !=
        std::string::npos);
  CHECK(bee->Checkout(4).ok());
}

TEST_CASE("a torn or missing last record is repaired from the log", "[btree]") {
  Store s;
  std::string file = s.env.Contents("/s/boundaries");
  s.env.SetContents("/s/boundaries", file.substr(0, 16 + 16 + 7));  // torn
  auto bee = s.Open();
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 2, 4});
  bee.reset();
  s.env.SetContents("/s/boundaries", file.substr(0, 32));  // never written
  CHECK(s.Open()->Boundaries() == std::vector<uint64_t>{1, 2, 4});
  std::string bad = file;
  bad[20] ^= 1;  // the second record's check bytes
  s.env.SetContents("/s/boundaries", bad);
  CHECK(s.Open()->Boundaries() == std::vector<uint64_t>{1, 4});
}

TEST_CASE("truncation forgets later boundaries", "[btree]") {
  Store s;
  auto bee = s.Open();
  REQUIRE(bee->Truncate(2).ok());
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 2});
  REQUIRE(bee->Put("z", "9").ok());
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 2, 3});
  CHECK(bee->Get("b")->has_value() == false);
  CHECK(bee->Get("z")->value().seq == 2);
  REQUIRE(bee->Close().ok());
  bee.reset();
  auto again = s.Open();
  CHECK(again->Boundaries() == std::vector<uint64_t>{1, 2, 3});
  CHECK(again->core().fork() == 1);
}

}  // namespace
}  // namespace bee::btree

namespace bee::btree {
namespace {

TEST_CASE("a store whose boundaries file is lost falls back to unknown",
          "[btree]") {
  Store s;
  REQUIRE(s.env.RemoveFile("/s/boundaries").ok());
  auto bee = s.Open();
  CHECK(bee->Boundaries().empty());
  // Versions are then judged by their last block alone: 2 is a plain put.
  CHECK(bee->Checkout(2).ok());
  CHECK(bee->Checkout(4).ok());
  REQUIRE(bee->Put("d", "4").ok());
  CHECK(bee->Boundaries().empty());
  CHECK_FALSE(s.env.FileExists("/s/boundaries"));
}

}  // namespace
}  // namespace bee::btree

namespace bee::btree {
namespace {

TEST_CASE("a bare empty log opens as a new store with the default header",
          "[btree]") {
  test::FaultEnv env;
  log::CoreOptions options;
  options.env = &env;
  REQUIRE(log::Core::Create("/h", log::KeyPair::FromSeed(log::Seed{}), options)
              .value()
              ->Close()
              .ok());
  BeeOptions bee_options;
  bee_options.core.env = &env;
  auto bee = Bee::Open("/h", bee_options);
  REQUIRE(bee.ok());
  CHECK((*bee)->version() == 1);
  CHECK((*bee)->GetHeader().status().IsNotFound());
  REQUIRE((*bee)->Put("k", "v").ok());
  CHECK((*bee)->core().Get(0).value() == EncodeHeaderBlock(HeaderBlock{}));
  CHECK((*bee)->Get("k").value()->seq == 1);
}

}  // namespace
}  // namespace bee::btree
