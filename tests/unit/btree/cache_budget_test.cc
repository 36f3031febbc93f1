// The block cache's byte budget (BeeOptions::cache_bytes): a store read and
// written under a budget far smaller than its tree answers and writes
// exactly as one under the default budget, the cache stays within its
// budget, and what readers hold (entry views, a batch's compared keys)
// survives evictions. The resident-memory test is in cache_rss_test.cc.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "btree/diff.h"
#include "btree/history.h"
#include "btree/internal/block_cache.h"
#include "btree/internal/epoch.h"
#include "btree/internal/snapshot_access.h"
#include "btree/iterator.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

constexpr size_t kTinyBudget = 48 << 10;

std::unique_ptr<Bee> MakeStore(test::FaultEnv* env, const std::string& dir,
                               size_t cache_bytes) {
  BeeOptions options;
  options.core.env = env;
  options.core.durability = log::Durability::kNoSync;
  options.cache_bytes = cache_bytes;
  return Bee::Create(dir, log::KeyPair::FromSeed(log::Seed{}), std::nullopt,
                     options)
      .value();
}

std::string Key(std::mt19937_64& rng) {
  return "key-" + std::to_string(rng() % 3000);
}

std::vector<Entry> Scan(const Snapshot& snap, RangeOptions options = {}) {
  std::vector<Entry> out;
  RangeIterator it(snap, std::move(options));
  while (true) {
    auto e = it.Next();
    REQUIRE(e.ok());
    if (!e->has_value()) break;
    out.push_back(**e);
  }
  return out;
}

// The cache may pass its budget by at most the entry it just took.
void CheckWithinBudget(const Bee& bee) {
  const auto& cache = internal::CacheOf(bee.GetSnapshot().value());
  CHECK(cache.usage() <= cache.budget() + 16 * 1024);
}

TEST_CASE(
    "a store under a tiny cache budget writes and reads as one with "
    "the default budget",
    "[btree][cache]") {
  const uint64_t seed = Catch::rngSeed();
  CAPTURE(seed);
  test::FaultEnv env;
  auto tiny = MakeStore(&env, "/tiny", kTinyBudget);
  auto normal = MakeStore(&env, "/normal", internal::kDefaultCacheBytes);
  std::mt19937_64 rng(seed);
  std::map<std::string, std::string> model;
  for (int round = 0; round < 30; round++) {
    CAPTURE(round);
    // Batches (one block each op or all in one), single puts and dels.
    const int kind = static_cast<int>(rng() % 3);
    std::vector<std::pair<bool, std::string>> ops;
    const int n = kind == 2 ? 5 : 300;
    for (int j = 0; j < n; j++) ops.emplace_back(rng() % 5 != 0, Key(rng));
    for (Bee* bee : std::vector<Bee*>{tiny.get(), normal.get()}) {
      if (kind == 2) {
        for (const auto& [put, key] : ops) {
          REQUIRE(
              (put ? bee->Put(key, "value of " + key) : bee->Del(key)).ok());
        }
        continue;
      }
      auto batch = bee->MakeBatch({.separate_blocks = kind == 1}).value();
      for (const auto& [put, key] : ops) {
        REQUIRE(
            (put ? batch->Put(key, "value of " + key) : batch->Del(key)).ok());
      }
      REQUIRE(batch->Flush().ok());
    }
    for (const auto& [put, key] : ops) {
      if (put) {
        model[key] = "value of " + key;
      } else {
        model.erase(key);
      }
    }
    CheckWithinBudget(*tiny);
  }
  // The same blocks, so the same tree hash and signature.
  REQUIRE(tiny->core().length() == normal->core().length());
  CHECK(tiny->core().tree_hash() == normal->core().tree_hash());
  CHECK(tiny->core().signature() == normal->core().signature());

  // Every read agrees, while the tiny cache keeps evicting.
  Snapshot a = tiny->GetSnapshot().value();
  Snapshot b = normal->GetSnapshot().value();
  std::vector<Entry> all = Scan(a);
  CHECK(all == Scan(b));
  REQUIRE(all.size() == model.size());
  auto m = model.begin();
  for (const Entry& e : all) {
    CHECK(e.key == m->first);
    CHECK(e.value == m->second);
    ++m;
  }
  RangeOptions reverse;
  reverse.reverse = true;
  CHECK(Scan(a, reverse) == Scan(b, reverse));
  for (int i = 0; i < 300; i++) {
    std::string key = Key(rng);
    auto x = a.Get(key);
    auto y = b.Get(key);
    REQUIRE(x.ok());
    REQUIRE(y.ok());
    CHECK(*x == *y);
    CHECK(x->has_value() == model.contains(key));
    RangeOptions r;
    r.gte = key;
    r.limit = 20;
    CHECK(Scan(a, r) == Scan(b, r));
  }
  CheckWithinBudget(*tiny);
  // It did evict: the tree does not fit.
  CHECK(internal::CacheOf(a).cached_blocks() < tiny->core().length() / 4);
  CHECK(internal::CacheOf(b).cached_blocks() > tiny->core().length() / 2);

  // Diff and history across the evictions.
  const std::vector<uint64_t> ends = tiny->Boundaries();
  REQUIRE(ends.size() > 2);
  const uint64_t old_version = ends[ends.size() / 2];
  auto diff_of = [&](Bee& bee) {
    std::vector<std::string> out;
    DiffIterator it(bee.Checkout(old_version).value(),
                    bee.GetSnapshot().value(), {});
    while (true) {
      auto d = it.Next();
      REQUIRE(d.ok());
      if (!d->has_value()) break;
      out.push_back((*d)->left ? (*d)->left->key : (*d)->right->key);
    }
    return out;
  };
  CHECK(diff_of(*tiny) == diff_of(*normal));
  auto history_of = [&](Bee& bee) {
    std::vector<uint64_t> out;
    HistoryIterator it(bee.GetSnapshot().value(), {});
    while (true) {
      auto h = it.Next();
      REQUIRE(h.ok());
      if (!h->has_value()) break;
      out.push_back((*h)->seq);
    }
    return out;
  };
  CHECK(history_of(*tiny) == history_of(*normal));
  CheckWithinBudget(*tiny);
}

TEST_CASE(
    "an entry view stays valid until the iterator's next call while "
    "other reads evict its block",
    "[btree][cache]") {
  test::FaultEnv env;
  auto bee = MakeStore(&env, "/s", kTinyBudget);
  {
    auto batch = bee->MakeBatch().value();
    for (int i = 0; i < 3000; i++) {
      std::string key = "k" + std::to_string(10000 + i);
      REQUIRE(batch->Put(key, std::string(50, static_cast<char>('a' + i % 26)))
                  .ok());
    }
    REQUIRE(batch->Flush().ok());
  }
  Snapshot snap = bee->GetSnapshot().value();
  RangeIterator it(snap, {});
  int i = 0;
  while (true) {
    auto v = it.NextView();
    REQUIRE(v.ok());
    if (!v->has_value()) break;
    // Enough other reads to evict every block the cache held.
    if (i % 500 == 0) {
      for (int j = 0; j < 3000; j += 7) {
        REQUIRE(snap.Get("k" + std::to_string(10000 + j)).ok());
      }
    }
    // Under AddressSanitizer a freed view is a use-after-free here.
    REQUIRE((*v)->key == "k" + std::to_string(10000 + i));
    REQUIRE((*v)->value == std::string(50, static_cast<char>('a' + i % 26)));
    i++;
  }
  CHECK(i == 3000);
  CHECK(internal::CacheOf(snap).cached_blocks() < 3000 / 4);
}

TEST_CASE("the cache frees evicted blocks once no reader can see them",
          "[btree][cache]") {
  test::FaultEnv env;
  auto bee = MakeStore(&env, "/s", kTinyBudget);
  {
    auto batch = bee->MakeBatch().value();
    for (int i = 0; i < 4000; i++) {
      REQUIRE(batch->Put("k" + std::to_string(i), std::string(40, 'v')).ok());
    }
    REQUIRE(batch->Flush().ok());
  }
  Snapshot snap = bee->GetSnapshot().value();
  // Scans and gets churn the cache; its usage stays near the budget at
  // every step (the accounting is what the resident-memory test checks
  // against the process's real memory).
  // Each call frees what earlier calls evicted: what waits is only what
  // the last call evicted.
  size_t peak = 0, waiting = 0;
  for (int round = 0; round < 3; round++) {
    RangeIterator it(snap, {});
    while (true) {
      auto v = it.NextView();
      REQUIRE(v.ok());
      if (!v->has_value()) break;
      peak = std::max(peak, internal::CacheOf(snap).usage());
      waiting = std::max(waiting, internal::CacheOf(snap).retired_objects());
    }
    for (int j = 0; j < 4000; j += 3) {
      REQUIRE(snap.Get("k" + std::to_string(j)).ok());
      peak = std::max(peak, internal::CacheOf(snap).usage());
      waiting = std::max(waiting, internal::CacheOf(snap).retired_objects());
    }
  }
  CHECK(peak <= kTinyBudget + 16 * 1024);
  CHECK(peak >= kTinyBudget / 2);  // it was used
  CHECK(waiting <= 256);
  // A batch's writer pins what it read until it is gone; then it is freed.
  {
    auto batch = bee->MakeBatch().value();
    for (int i = 0; i < 4000; i += 2) {
      REQUIRE(batch->Put("k" + std::to_string(i), "new").ok());
    }
    CHECK(internal::CacheOf(snap).retired_objects() > 256);
    REQUIRE(batch->Flush().ok());
  }
  // The next read that loads a block frees them.
  RangeOptions some;
  some.limit = 50;
  Scan(bee->GetSnapshot().value(), some);
  CHECK(internal::CacheOf(snap).retired_objects() <= 256);
}

TEST_CASE(
    "a scan of a reopened store reads its entries and nodes in batches "
    "without caching them\\, around cached blocks and large values",
    "[btree][cache][scan]") {
  test::FaultEnv env;
  std::map<std::string, std::string> model;
  {
    auto bee = MakeStore(&env, "/s", internal::kDefaultCacheBytes);
    auto batch = bee->MakeBatch().value();
    for (int i = 0; i < 3000; i++) {
      std::string key = "k" + std::to_string(10000 + i);
      // Runs of large values: more than one node's batch may hold.
      std::string value = (i / 8) % 40 == 3
                              ? std::string(100 << 10, static_cast<char>(i))
                              : "value of " + key;
      REQUIRE(batch->Put(key, value).ok());
      model[key] = value;
    }
    REQUIRE(batch->Flush().ok());
    REQUIRE(bee->Close().ok());
  }
  BeeOptions options;
  options.core.env = &env;
  options.core.durability = log::Durability::kNoSync;
  auto bee = Bee::Open("/s", options).value();
  Snapshot snap = bee->GetSnapshot().value();
  // Some blocks cached before the scan: the scan reads those from the
  // cache.
  for (int i = 0; i < 3000; i += 97) {
    REQUIRE(snap.Get("k" + std::to_string(10000 + i)).ok());
  }
  const size_t cached_before = internal::CacheOf(snap).cached_blocks();
  for (bool reverse : {false, true}) {
    CAPTURE(reverse);
    RangeOptions o;
    o.reverse = reverse;
    RangeIterator it(snap, o);
    auto m = model.begin();
    auto r = model.rbegin();
    size_t n = 0;
    while (true) {
      auto v = it.NextView();
      REQUIRE(v.ok());
      if (!v->has_value()) break;
      const auto& [key, value] = reverse ? *r++ : *m++;
      REQUIRE((*v)->key == key);
      REQUIRE((*v)->value == value);
      n++;
    }
    CHECK(n == model.size());
    // What a scan walks once is not cached: the nodes it entered through a
    // bound-less position and their entries, bar the large values and the
    // root's path.
    CHECK(internal::CacheOf(snap).cached_blocks() < cached_before + 150);
  }
  // A point lookup's entry is copied without caching its block.
  {
    const auto& cache = internal::CacheOf(snap);
    internal::EpochGuard guard;
    const uint64_t seq = 2000;  // not cached: the scans did not cache it
    const size_t cached = cache.cached_blocks();
    auto e = cache.CopyEntry(seq);
    REQUIRE(e.ok());
    CHECK(cache.cached_blocks() == cached);
    auto block = cache.Get(seq);  // decoded through the cache
    REQUIRE(block.ok());
    CHECK(e->key == (*block)->key);
    CHECK(e->value == (*block)->value);
    CHECK(cache.cached_blocks() == cached + 1);
    auto again = cache.CopyEntry(seq);  // now from the cache
    REQUIRE(again.ok());
    CHECK(*again == *e);
    auto past = cache.CopyEntry(bee->core().length());
    REQUIRE_FALSE(past.ok());
    CHECK(past.status().ToString().find(std::to_string(bee->core().length())) !=
          std::string::npos);
  }
  // A bounded range (a seek, then a scan) and a limit agree too.
  RangeOptions o;
  o.gte = "k11000";
  o.limit = 700;
  auto m = model.lower_bound("k11000");
  RangeIterator it(snap, o);
  size_t n = 0;
  while (true) {
    auto e = it.Next();
    REQUIRE(e.ok());
    if (!e->has_value()) break;
    REQUIRE((*e)->key == m->first);
    REQUIRE((*e)->value == m->second);
    ++m;
    n++;
  }
  CHECK(n == 700);
}

}  // namespace
}  // namespace bee::btree
