// Store-level behaviour around truncation and watching, through the public
// API: open snapshots, watchers and live histories across a truncation;
// watchers over several writes.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "btree/history.h"
#include "btree/iterator.h"
#include "btree/watch.h"
#include "tests/util/drain.h"

namespace bee::btree {
namespace {

using std::chrono::milliseconds;

std::unique_ptr<Bee> NewBee() {
  return Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
}

Snapshot Now(const Bee& bee) { return bee.Checkout(bee.version()).value(); }

std::vector<std::string> Keys(const Snapshot& snap) {
  RangeIterator it(snap, {});
  std::vector<std::string> keys;
  for (const Entry& e : test::Drain(it)) keys.push_back(e.key);
  return keys;
}

TEST_CASE("snapshots at or below a truncation keep their contents",
          "[btree][truncate]") {
  auto bee = NewBee();
  for (const char* k : {"a", "b", "c"}) REQUIRE(bee->Put(k, k).ok());
  const uint64_t v = bee->version();
  Snapshot kept = bee->Checkout(v - 1).value();   // a, b
  Snapshot older = bee->Checkout(v - 2).value();  // a
  REQUIRE(Keys(kept) == std::vector<std::string>{"a", "b"});
  REQUIRE(bee->Truncate(v - 1).ok());
  CHECK(bee->version() == v - 1);
  // The new fork overwrites block v - 1 and goes past the old length.
  REQUIRE(bee->Put("d", "d").ok());
  REQUIRE(bee->Put("e", "e").ok());
  CHECK(Keys(kept) == std::vector<std::string>{"a", "b"});
  CHECK(Keys(older) == std::vector<std::string>{"a"});
  CHECK_FALSE(kept.Get("c")->has_value());
  CHECK_FALSE(kept.Get("d")->has_value());
  CHECK(Keys(Now(*bee)) == std::vector<std::string>{"a", "b", "d", "e"});
  // The truncated version is now the new fork's.
  CHECK(Keys(bee->Checkout(v).value()) ==
        std::vector<std::string>{"a", "b", "d"});
}

TEST_CASE(
    "a watcher and a live history made after a truncation follow the "
    "new fork",
    "[btree][truncate][watch]") {
  auto bee = NewBee();
  for (const char* k : {"a", "b", "c"}) REQUIRE(bee->Put(k, k).ok());
  REQUIRE(bee->Truncate(bee->version() - 1).ok());
  const uint64_t v = bee->version();
  Watcher w(bee.get(), DiffOptions{});
  HistoryOptions o;
  o.live = true;
  o.gte = static_cast<int64_t>(v);
  HistoryIterator live(Now(*bee), o);
  REQUIRE(bee->Put("d", "d").ok());
  auto e = w.Next(milliseconds(0));
  REQUIRE(e.ok());
  REQUIRE(e->has_value());
  CHECK((*e)->previous.version() == v);
  REQUIRE((*e)->changes.size() == 1);
  CHECK((*e)->changes[0].left->key == "d");
  CHECK_FALSE((*e)->changes[0].right.has_value());
  auto h = live.Next(milliseconds(0));
  REQUIRE(h.ok());
  REQUIRE(h->has_value());
  CHECK(**h == HistoryEntry{HistoryEntry::Type::kPut, v, "d", "d"});
}

TEST_CASE("a watcher made before a truncation yields it, then follows",
          "[btree][truncate][watch]") {
  auto bee = NewBee();
  for (const char* k : {"a", "b", "c"}) REQUIRE(bee->Put(k, k).ok());
  Watcher w(bee.get(), DiffOptions{});
  const uint64_t before = bee->version();
  REQUIRE(bee->Truncate(before - 1).ok());
  // The truncation itself is an event: a new fork, nothing diffed against
  // blocks that are gone (as hyperbee's watcher yields it).
  auto e = w.Next(milliseconds(0));
  REQUIRE(e.ok());
  REQUIRE(e->has_value());
  CHECK((*e)->truncated);
  CHECK((*e)->previous.version() == before);
  CHECK((*e)->current.version() == before - 1);
  CHECK((*e)->changes.empty());
  // A write at a version the old fork had is seen, diffed against the
  // truncated version.
  REQUIRE(bee->Put("x", "x").ok());
  e = w.Next(milliseconds(0));
  REQUIRE(e.ok());
  REQUIRE(e->has_value());
  CHECK_FALSE((*e)->truncated);
  CHECK((*e)->current.version() == before);
  REQUIRE((*e)->changes.size() == 1);
  CHECK((*e)->changes[0].left->key == "x");
  CHECK_FALSE((*e)->changes[0].right.has_value());
}

// The keys of an event's changes, as "left/right" ("-" for absent).
std::vector<std::string> Changes(const WatchEvent& e) {
  std::vector<std::string> out;
  for (const DiffEntry& d : e.changes) {
    out.push_back((d.left ? d.left->key : "-") + "/" +
                  (d.right ? d.right->key : "-"));
  }
  return out;
}

TEST_CASE("a watcher skips writes outside its range", "[btree][watch]") {
  auto bee = NewBee();
  DiffOptions range;
  range.gt = "b";
  range.lte = "d";
  Watcher w(bee.get(), range);
  for (const char* k : {"a", "b", "e"}) REQUIRE(bee->Put(k, k).ok());
  CHECK_FALSE(w.Next(milliseconds(0))->has_value());
  const uint64_t before = bee->version();
  REQUIRE(bee->Put("d", "d").ok());  // the upper bound is inclusive
  auto e = w.Next(milliseconds(0));
  REQUIRE(e.ok());
  REQUIRE(e->has_value());
  // The outside writes moved the watcher on without an event.
  CHECK((*e)->previous.version() == before);
  CHECK((*e)->current.version() == before + 1);
  CHECK(Changes(**e) == std::vector<std::string>{"d/-"});
}

TEST_CASE("a watcher reports a batch as one event, updates and deletes",
          "[btree][watch]") {
  auto bee = NewBee();
  REQUIRE(bee->Put("k1", "old").ok());
  REQUIRE(bee->Put("k2", "old").ok());
  Watcher w(bee.get(), DiffOptions{});
  auto batch = bee->MakeBatch().value();
  REQUIRE(batch->Put("k3", "new").ok());
  REQUIRE(batch->Put("k1", "new").ok());
  REQUIRE(batch->Del("k2").ok());
  REQUIRE(batch->Flush().ok());
  auto e = w.Next(milliseconds(0));
  REQUIRE(e.ok());
  REQUIRE(e->has_value());
  CHECK(Changes(**e) == std::vector<std::string>{"k1/k1", "-/k2", "k3/-"});
  CHECK((*e)->changes[0].left->value == "new");
  CHECK((*e)->changes[0].right->value == "old");
  // Consecutive events chain: each previous is the last current.
  const uint64_t last = (*e)->current.version();
  REQUIRE(bee->Del("k3").ok());
  auto next = w.Next(milliseconds(0));
  REQUIRE(next->has_value());
  CHECK((*next)->previous.version() == last);
  CHECK(Changes(**next) == std::vector<std::string>{"-/k3"});
  // Nothing more until the next write.
  CHECK_FALSE(w.Next(milliseconds(0))->has_value());
}

TEST_CASE("a cancelled watcher returns at once and stays cancelled",
          "[btree][watch]") {
  auto bee = NewBee();
  Watcher w(bee.get(), DiffOptions{});
  w.Cancel();
  REQUIRE(bee->Put("a", "a").ok());
  // An hour's timeout: only the cancel makes these return.
  CHECK_FALSE(w.Next(std::chrono::hours(1))->has_value());
  CHECK_FALSE(w.Next(std::chrono::hours(1))->has_value());
}

}  // namespace
}  // namespace bee::btree
