// Which versions can be read back (every operation's end, as in hyperbee),
// how the boundaries that say so are written, and what a new store looks
// like before its first write (issue 9).
#include <catch2/catch.hpp>

#include "btree/bee.h"
#include "btree/internal/boundaries.h"
#include "btree/internal/header_file.h"
#include "btree/iterator.h"
#include "encoding/varint.h"
#include "log/crypto.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

BeeOptions On(test::FaultEnv* env,
              log::Durability durability = log::Durability::kNoSync) {
  BeeOptions options;
  options.core.env = env;
  options.core.durability = durability;
  return options;
}

std::unique_ptr<Bee> NewBee(const BeeOptions& options,
                            std::optional<HeaderMetadata> metadata = {}) {
  return Bee::Create("/s", log::KeyPair::FromSeed(log::Seed{}),
                     std::move(metadata), options)
      .value();
}

std::string Records(std::initializer_list<uint64_t> lengths) {
  std::string out;
  for (uint64_t l : lengths) out += internal::Boundaries::EncodeRecord(l);
  return out;
}

// A single put, then a separate-block batch of three (versions 3, 4, 5),
// then a plain batch of two (only version 7).
void WriteMixed(Bee* bee) {
  REQUIRE(bee->Put("a", "1").ok());
  auto separate = bee->MakeBatch(BatchOptions{true}).value();
  REQUIRE(separate->Put("b", "2").ok());
  REQUIRE(separate->Del("a").ok());
  REQUIRE(separate->Put("c", "3").ok());
  REQUIRE(separate->Flush().ok());
  auto plain = bee->MakeBatch().value();
  REQUIRE(plain->Put("d", "4").ok());
  REQUIRE(plain->Put("e", "5").ok());
  REQUIRE(plain->Flush().ok());
}

void CheckMixedVersions(const Bee& bee) {
  CHECK(bee.Boundaries() == std::vector<uint64_t>{1, 2, 3, 4, 5, 7});
  struct Want {
    uint64_t version;
    const char* key;
    bool present;
  } wants[] = {{2, "a", true},  {3, "b", true}, {3, "a", true}, {4, "a", false},
               {4, "c", false}, {5, "c", true}, {7, "e", true}};
  for (const Want& w : wants) {
    CAPTURE(w.version, w.key);
    auto snap = bee.Checkout(w.version);
    REQUIRE(snap.ok());
    CHECK(snap->Get(w.key).value().has_value() == w.present);
  }
  auto inside = bee.Checkout(6);
  CHECK(inside.status().IsInvalidArgument());
  CHECK(inside.status().message().find("inside a batch") != std::string::npos);
}

TEST_CASE("every operation of a separate-block batch is a version",
          "[btree][versions]") {
  test::FaultEnv env;
  const BeeOptions options = On(&env);
  auto bee = NewBee(options);
  WriteMixed(bee.get());
  CheckMixedVersions(*bee);
  REQUIRE(bee->Close().ok());
  bee.reset();
  CHECK(env.Contents("/s/boundaries") == Records({1, 2, 3, 4, 5, 7}));
  CheckMixedVersions(*Bee::Open("/s", options).value());
  // In memory too.
  auto mem = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  WriteMixed(mem.get());
  CheckMixedVersions(*mem);
}

TEST_CASE("a boundaries write that fails fails the commit before the append",
          "[btree][versions]") {
  // Whatever write fails, a put that reports failure is not in the store
  // after a crash, and one that reports success is.
  for (int64_t n = 0; n < 12; n++) {
    CAPTURE(n);
    test::FaultEnv env;
    const BeeOptions options = On(&env, log::Durability::kSync);
    auto bee = NewBee(options);
    REQUIRE(bee->Put("a", "1").ok());
    env.FailWritesAfter(n);
    const bool ok = bee->Put("b", "2").ok();
    bee.reset();
    env.Crash();
    env.FailWritesAfter(-1);
    auto reopened = Bee::Open("/s", options).value();
    CHECK(reopened->version() == (ok ? 3u : 2u));
    CHECK(reopened->Get("b").value().has_value() == ok);
    CHECK(reopened->Boundaries().back() == reopened->version());
  }
}

TEST_CASE("an append that fails forgets its boundaries, which are rewritten",
          "[btree][versions]") {
  test::FaultEnv env;
  const BeeOptions options = On(&env);
  auto bee = NewBee(options);
  REQUIRE(bee->Put("a", "1").ok());
  env.FailWritesAfter(1);  // the record lands, the append does not
  auto batch = bee->MakeBatch(BatchOptions{true}).value();
  REQUIRE(batch->Put("b", "2").ok());
  REQUIRE(batch->Put("c", "3").ok());
  REQUIRE_FALSE(batch->Flush().ok());
  CHECK(env.Contents("/s/boundaries") == Records({1, 2, 3, 4}));
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 2});
  env.FailWritesAfter(-1);
  // Write errors are sticky: the next write comes after a reopen, which
  // stops reading the file at the record of 3 (past the log).
  bee.reset();
  bee = Bee::Open("/s", options).value();
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 2});
  REQUIRE(bee->Put("d", "4").ok());
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 2, 3});
  CHECK(bee->Checkout(3).ok());
  bee.reset();
  // The leftover record of 4 is past the log: dropped on open, and the
  // next write overwrites it.
  CHECK(env.Contents("/s/boundaries") == Records({1, 2, 3, 4}));
  auto reopened = Bee::Open("/s", options).value();
  CHECK(reopened->Boundaries() == std::vector<uint64_t>{1, 2, 3});
  auto plain = reopened->MakeBatch().value();
  REQUIRE(plain->Put("e", "5").ok());
  REQUIRE(plain->Put("f", "6").ok());
  REQUIRE(plain->Flush().ok());
  CHECK(env.Contents("/s/boundaries") == Records({1, 2, 3, 5}));
  CHECK(reopened->Checkout(4).status().IsInvalidArgument());
}

TEST_CASE("a read-only open writes no boundary record", "[btree][versions]") {
  test::FaultEnv env;
  BeeOptions options = On(&env);
  auto bee = NewBee(options);
  REQUIRE(bee->Put("a", "1").ok());
  REQUIRE(bee->Put("b", "2").ok());
  bee.reset();
  // As if the last record had been lost with the page cache.
  env.SetContents("/s/boundaries", Records({1, 2}));
  options.core.read_only = true;
  auto reader = Bee::Open("/s", options).value();
  CHECK(reader->Boundaries() == std::vector<uint64_t>{1, 2, 3});
  CHECK(reader->Checkout(3).ok());
  CHECK(env.Contents("/s/boundaries") == Records({1, 2}));
  reader.reset();
  options.core.read_only = false;
  CHECK(Bee::Open("/s", options).value()->Boundaries().size() == 3);
  CHECK(env.Contents("/s/boundaries") == Records({1, 2, 3}));
}

TEST_CASE("checkout and snapshots report damage as damage",
          "[btree][versions]") {
  test::FaultEnv env;
  const BeeOptions options = On(&env);
  auto bee = NewBee(options);
  REQUIRE(bee->Put("a", "1").ok());
  REQUIRE(bee->Put("b", "2").ok());
  bee.reset();
  const uint64_t size = env.Contents("/s/data").size();
  env.FlipBit("/s/data", size - 2, 0);  // inside block 2, version 3's root
  auto reopened = Bee::Open("/s", options).value();
  auto checkout = reopened->Checkout(3);
  REQUIRE_FALSE(checkout.ok());
  CHECK(checkout.status().IsCorruption());
  auto snapshot = reopened->GetSnapshot();
  REQUIRE_FALSE(snapshot.ok());
  CHECK(snapshot.status().IsCorruption());
  CHECK(reopened->Get("a").status().IsCorruption());
  CHECK(reopened->Checkout(2).ok());  // older versions still read
}

TEST_CASE("truncate while a batch is open is Busy", "[btree][versions]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  REQUIRE(bee->Put("a", "1").ok());
  auto batch = bee->MakeBatch().value();
  REQUIRE(batch->Put("b", "2").ok());
  CHECK(bee->Truncate(1).IsBusy());
  CHECK(bee->version() == 2);
  REQUIRE(batch->Flush().ok());
  CHECK(bee->Truncate(2).ok());
  CHECK(bee->version() == 2);
}

}  // namespace
}  // namespace bee::btree
