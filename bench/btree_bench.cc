// Benchmarks of the tree, on the workload of the issue: 100,000 random
// 16-byte keys with 100-byte values, no fsync (Durability::kNoSync), on disk
// in /tmp. The JS peer's harness generates the same keys
// (bench/bench_common.h).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>

#include "bench/bench_common.h"
#include "btree/bee.h"
#include "btree/diff.h"
#include "btree/iterator.h"

namespace bee::bench {
namespace {

constexpr size_t kKeys = 100000;

struct Data {
  std::vector<std::string> keys, values;
  Data() {
    Rng rng(0xbee);
    for (size_t i = 0; i < kKeys; i++) {
      keys.push_back(rng.Bytes(16));
      values.push_back(rng.Bytes(100));
    }
  }
};
const Data& TheData() {
  static const Data data;
  return data;
}

btree::BeeOptions NoSync() {
  btree::BeeOptions o;
  o.core.durability = log::Durability::kNoSync;
  return o;
}

log::KeyPair Key() {
  log::Seed seed{};
  seed.fill(9);
  return log::KeyPair::FromSeed(seed);
}

// A store holding every key, written in batches of 1,000.
struct Filled {
  ScratchDir dir;
  std::unique_ptr<btree::Bee> bee;
  Filled() {
    bee = btree::Bee::Create(dir.path() + "/db", Key(), std::nullopt, NoSync())
              .value();
    const Data& d = TheData();
    for (size_t i = 0; i < kKeys; i += 1000) {
      auto batch = bee->MakeBatch().value();
      for (size_t j = i; j < i + 1000; j++) {
        if (!batch->Put(d.keys[j], d.values[j]).ok()) std::abort();
      }
      if (!batch->Flush().ok()) std::abort();
    }
  }
};
Filled& TheStore() {
  static Filled* filled = new Filled();  // shared by the read benchmarks
  return *filled;
}

// Puts every key in batches of `per_batch`.
Status PutAll(btree::Bee* bee, size_t per_batch) {
  const Data& d = TheData();
  for (size_t i = 0; i < kKeys; i += per_batch) {
    BEE_ASSIGN_OR_RETURN(auto batch, bee->MakeBatch());
    for (size_t j = i; j < std::min(kKeys, i + per_batch); j++) {
      BEE_RETURN_IF_ERROR(batch->Put(d.keys[j], d.values[j]).status());
    }
    BEE_RETURN_IF_ERROR(batch->Flush());
  }
  return Status::OK();
}

// Counts the entries `next` yields up to the end of the scan. An error
// fails the benchmark (scripts/bench_smoke.sh fails on it) instead of
// passing for the end of the scan; the caller then leaves its loop.
template <typename Next>
size_t CountAll(benchmark::State& state, Next next) {
  for (size_t n = 0;; n++) {
    auto e = next();
    if (!e.ok()) {
      state.SkipWithError(e.status().ToString().c_str());
      return n;
    }
    if (!e->has_value()) return n;
  }
}

void BM_PutBatched(benchmark::State& state) {
  const size_t per_batch = static_cast<size_t>(state.range(0));
  size_t done = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto dir = std::make_unique<ScratchDir>();
    auto bee =
        btree::Bee::Create(dir->path() + "/db", Key(), std::nullopt, NoSync())
            .value();
    state.ResumeTiming();
    const Status s = PutAll(bee.get(), per_batch);
    if (!s.ok()) {
      state.SkipWithError(s.ToString().c_str());
      break;
    }
    done += kKeys;
    state.PauseTiming();
    bee.reset();
    dir.reset();  // removing the files is not part of the puts
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(done));
}
// Wall time: a large flush hashes its blocks on two threads
// (CoreOptions::parallel_hashing), which the calling thread's CPU time
// would not show.
BENCHMARK(BM_PutBatched)
    ->Arg(1000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3)
    ->UseRealTime();

// Single puts: one block and one signature each.
void BM_PutSingle(benchmark::State& state) {
  const Data& d = TheData();
  ScratchDir dir;
  auto bee =
      btree::Bee::Create(dir.path() + "/db", Key(), std::nullopt, NoSync())
          .value();
  size_t i = 0;
  for (auto _ : state) {
    if (!bee->Put(d.keys[i % kKeys], d.values[i % kKeys]).ok()) {
      state.SkipWithError("put failed");
      break;
    }
    i++;
  }
  state.SetItemsProcessed(static_cast<int64_t>(i));
}
BENCHMARK(BM_PutSingle);

void BM_GetWarm(benchmark::State& state) {
  Filled& s = TheStore();
  const Data& d = TheData();
  btree::Snapshot snap = s.bee->GetSnapshot().value();
  for (const std::string& k : d.keys) benchmark::DoNotOptimize(snap.Get(k));
  Rng rng(5);
  for (auto _ : state) {
    auto e = snap.Get(d.keys[rng.Next() % kKeys]);
    if (!e.ok() || !e->has_value()) {
      state.SkipWithError("get failed");
      break;
    }
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GetWarm);

void BM_CheckoutGet(benchmark::State& state) {
  Filled& s = TheStore();
  const Data& d = TheData();
  auto old = s.bee->Checkout(50001).value();  // after 50 of the 100 batches
  Rng rng(6);
  for (auto _ : state) {
    auto e = old.Get(d.keys[rng.Next() % 50000]);
    if (!e.ok() || !e->has_value()) {
      state.SkipWithError("get failed");
      break;
    }
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckoutGet);

// Scans every entry of the filled store: in place (`NextView`) or copying
// each key and value out (`Next`).
template <bool kCopy>
void FullScan(benchmark::State& state) {
  Filled& s = TheStore();
  btree::Snapshot snap = s.bee->GetSnapshot().value();
  size_t n = 0;
  for (auto _ : state) {
    btree::RangeIterator it(snap, {});
    const size_t count = CountAll(state, [&] {
      if constexpr (kCopy) {
        return it.Next();
      } else {
        auto e = it.NextView();
        if (e.ok() && e->has_value()) benchmark::DoNotOptimize((*e)->value);
        return e;
      }
    });
    n += count;
    if (state.error_occurred()) break;
    if (count != kKeys) {
      state.SkipWithError("the scan missed entries");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}

void BM_FullScan(benchmark::State& state) { FullScan<false>(state); }
BENCHMARK(BM_FullScan)->Unit(benchmark::kMillisecond);

void BM_FullScanCopy(benchmark::State& state) { FullScan<true>(state); }
BENCHMARK(BM_FullScanCopy)->Unit(benchmark::kMillisecond);

void BM_Range100(benchmark::State& state) {
  Filled& s = TheStore();
  const Data& d = TheData();
  btree::Snapshot snap = s.bee->GetSnapshot().value();
  Rng rng(7);
  size_t n = 0;
  for (auto _ : state) {
    btree::RangeOptions o;
    o.gte = d.keys[rng.Next() % kKeys];
    o.limit = 100;
    btree::RangeIterator it(snap, o);
    n += CountAll(state, [&] { return it.Next(); });
    if (state.error_occurred()) break;
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_Range100);

// Diff of the last batch (1,000 changed keys) against the tree before it:
// shared subtrees are skipped, so this is far below a full comparison.
void BM_DiffLastBatch(benchmark::State& state) {
  Filled& s = TheStore();
  auto before = s.bee->Checkout(s.bee->version() - 1000).value();
  btree::Snapshot now = s.bee->GetSnapshot().value();
  size_t n = 0;
  for (auto _ : state) {
    btree::DiffIterator it(now, before, {});
    const size_t count = CountAll(state, [&] { return it.Next(); });
    n += count;
    if (state.error_occurred()) break;
    if (count != 1000) {
      state.SkipWithError("the diff is not the last batch's 1,000 changes");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(n));
}
BENCHMARK(BM_DiffLastBatch)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace bee::bench

BENCHMARK_MAIN();
