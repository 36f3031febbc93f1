// Store-level rules through the public API: one open batch at a time, a
// flushed batch is closed, and sub-databases with deletes, batches, a
// prefix ending in 0xff, reverse and limit.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "btree/sub.h"
#include "tests/util/drain.h"

namespace bee::btree {
namespace {

std::unique_ptr<Bee> NewBee() {
  return Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
}

// The user-level keys a sub lists at the store's current version.
std::vector<std::string> SubKeys(const Bee& bee, const SubDb& sub,
                                 const RangeOptions& o = {}) {
  SubRangeIterator it(sub, bee.Checkout(bee.version()).value(), o);
  std::vector<std::string> keys;
  for (const Entry& e : test::Drain(it)) keys.push_back(e.key);
  return keys;
}

TEST_CASE("a second batch or write while a batch is open is Busy",
          "[btree][batch]") {
  auto bee = NewBee();
  const uint64_t start = bee->version();
  auto first = bee->MakeBatch().value();
  REQUIRE(first->Put("a", "1").ok());
  auto second = bee->MakeBatch();
  CHECK(second.status().IsBusy());
  CHECK_THAT(second.status().message(),
             Catch::Contains("another batch is open"));
  CHECK(bee->Put("b", "2").status().IsBusy());
  CHECK(bee->Del("a").status().IsBusy());
  CHECK(bee->version() == start);
  REQUIRE(first->Flush().ok());
  CHECK(bee->version() == start + 1);
  // The flush released the store: new batches and writes go through.
  auto third = bee->MakeBatch();
  REQUIRE(third.ok());
  REQUIRE((*third)->Put("c", "3").ok());
  REQUIRE((*third)->Flush().ok());
  CHECK(bee->Put("d", "4").ok());
  CHECK(bee->version() == start + 3);
}

TEST_CASE("a flushed batch refuses further use and writes nothing",
          "[btree][batch]") {
  auto bee = NewBee();
  auto batch = bee->MakeBatch().value();
  REQUIRE(batch->Put("a", "1").ok());
  REQUIRE(batch->Flush().ok());
  const uint64_t flushed = bee->version();
  for (const Status& s :
       {batch->Put("b", "2").status(), batch->Del("a").status(),
        batch->Get("a").status(), batch->Flush()}) {
    CHECK(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains("already flushed"));
  }
  CHECK(bee->version() == flushed);
  CHECK_FALSE(bee->Get("b")->has_value());
  CHECK((*bee->Get("a"))->value == "1");
}

TEST_CASE("an unflushed batch destroyed writes nothing and frees the store",
          "[btree][batch]") {
  auto bee = NewBee();
  const uint64_t start = bee->version();
  {
    auto batch = bee->MakeBatch().value();
    REQUIRE(batch->Put("a", "1").ok());
    CHECK(batch->pending() == 1);
  }
  CHECK(bee->version() == start);
  CHECK_FALSE(bee->Get("a")->has_value());
  CHECK(bee->Put("a", "2").ok());
}

TEST_CASE("a sub-database deletes its own keys only", "[btree][sub]") {
  auto bee = NewBee();
  SubDb sub = SubDb::Of(bee.get(), "s");
  REQUIRE(sub.Put("k", "in").ok());
  REQUIRE(bee->Put("k", "root").ok());
  REQUIRE(SubDb::Of(bee.get(), "t").Put("k", "other").ok());
  CHECK(*sub.Del("k") == true);
  CHECK_FALSE(sub.Get("k")->has_value());
  CHECK_FALSE(bee->Get(std::string("s\0k", 3))->has_value());
  CHECK((*bee->Get("k"))->value == "root");
  CHECK((*SubDb::Of(bee.get(), "t").Get("k"))->value == "other");
  // Deleting a key the sub does not hold appends nothing.
  const uint64_t v = bee->version();
  CHECK(*sub.Del("k") == false);
  CHECK(bee->version() == v);
}

TEST_CASE("sub-database writes inside a batch land together",
          "[btree][sub][batch]") {
  auto bee = NewBee();
  SubDb sub = SubDb::Of(bee.get(), "s");
  REQUIRE(sub.Put("a", "1").ok());
  const uint64_t before = bee->version();
  auto batch = bee->MakeBatch().value();
  REQUIRE(sub.Put(batch.get(), "b", "2").ok());
  REQUIRE(sub.Del(batch.get(), "a").ok());
  // The batch reads its own pending writes; the store does not yet.
  CHECK((*batch->Get(sub.Key("b")))->value == "2");
  CHECK_FALSE(batch->Get(sub.Key("a"))->has_value());
  CHECK(sub.Get("a")->has_value());
  CHECK(SubKeys(*bee, sub) == std::vector<std::string>{"a"});
  REQUIRE(batch->Flush().ok());
  CHECK(bee->version() == before + 2);  // one block per operation
  CHECK(SubKeys(*bee, sub) == std::vector<std::string>{"b"});
}

TEST_CASE("a sub whose prefix ends in 0xff lists as hyperbee's does",
          "[btree][sub]") {
  auto bee = NewBee();
  SubDb sub = SubDb::Of(bee.get(), "a", std::string("\xff"));
  REQUIRE(sub.prefix() == "a\xff");
  for (const char* k : {"k1", "k2", "\xff", "\xff\xff"}) {
    REQUIRE(sub.Put(k, "v").ok());
  }
  for (std::string k : {std::string("a"), std::string("a\xfe\xff"),
                        std::string("b"), std::string("b\x00", 2)}) {
    REQUIRE(bee->Put(k, "outside").ok());
  }
  CHECK((*sub.Get("k1"))->value == "v");
  CHECK((*sub.Get("\xff\xff"))->value == "v");
  // hyperbee's default end is the prefix with its last byte incremented,
  // and 0xff wraps to 0x00 (index.js bump()): "a\x00" ends the range
  // before it starts, so nothing is listed unless the caller gives an
  // upper bound.
  CHECK(SubKeys(*bee, sub).empty());
  RangeOptions o;
  o.gte = "k2";
  CHECK(SubKeys(*bee, sub, o).empty());
  o = {};
  o.lte = "\xff\xff";
  const std::vector<std::string> all = {"k1", "k2", "\xff", "\xff\xff"};
  CHECK(SubKeys(*bee, sub, o) == all);
  o.reverse = true;
  o.limit = 2;
  CHECK(SubKeys(*bee, sub, o) == std::vector<std::string>{"\xff\xff", "\xff"});
}

TEST_CASE("sub ranges honour bounds, reverse and limit", "[btree][sub]") {
  auto bee = NewBee();
  SubDb sub = SubDb::Of(bee.get(), "s");
  for (const char* k : {"a", "b", "c", "d", "e"}) REQUIRE(sub.Put(k, k).ok());
  REQUIRE(bee->Put("s", "root").ok());
  REQUIRE(bee->Put("t", "root").ok());
  RangeOptions o;
  o.reverse = true;
  CHECK(SubKeys(*bee, sub, o) ==
        std::vector<std::string>{"e", "d", "c", "b", "a"});
  o.limit = 2;
  CHECK(SubKeys(*bee, sub, o) == std::vector<std::string>{"e", "d"});
  o.reverse = false;
  CHECK(SubKeys(*bee, sub, o) == std::vector<std::string>{"a", "b"});
  o.limit = 0;
  CHECK(SubKeys(*bee, sub, o).empty());
  o = {};
  o.gt = "a";
  o.lte = "d";
  o.reverse = true;
  o.limit = 2;
  CHECK(SubKeys(*bee, sub, o) == std::vector<std::string>{"d", "c"});
  o.reverse = false;
  CHECK(SubKeys(*bee, sub, o) == std::vector<std::string>{"b", "c"});
}

}  // namespace
}  // namespace bee::btree
