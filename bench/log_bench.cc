// Benchmarks of the signed log. Durability is named in every benchmark:
// "nosync" (no fsync, survives process crashes) or "sync" (fsync per append).
// The "floor" benchmarks measure only the cryptography an append cannot avoid
// (BLAKE2b of the same bytes plus one Ed25519 signature per append), so the
// ratio append/floor is the overhead of everything else.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "bench/bench_common.h"
#include "log/core.h"
#include "log/crypto.h"
#include "log/internal/multi_hash.h"
#include "log/proof.h"

namespace bee::bench {
namespace {

log::KeyPair BenchKey() {
  log::Seed seed{};
  seed.fill(7);
  return log::KeyPair::FromSeed(seed);
}

// Appends range(1) blocks of range(0) bytes per call to an on-disk log.
// Hashing stays on the calling thread unless `parallel`, so the time
// compares with the floor's (one thread's) work.
void AppendToDisk(benchmark::State& state, log::Durability durability,
                  bool parallel = false) {
  const size_t size = static_cast<size_t>(state.range(0));
  const size_t per_call = static_cast<size_t>(state.range(1));
  auto blocks = RandomBlocks(per_call, size);
  std::vector<std::string_view> views(blocks.begin(), blocks.end());
  ScratchDir dir;
  log::CoreOptions options;
  options.durability = durability;
  options.parallel_hashing = parallel;
  auto core =
      log::Core::Create(dir.path() + "/log", BenchKey(), options).value();
  for (auto _ : state) {
    if (!core->Append(views).ok()) {
      state.SkipWithError("append failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(per_call));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(per_call * size));
}

void BM_Append_NoSync(benchmark::State& state) {
  AppendToDisk(state, log::Durability::kNoSync);
}
BENCHMARK(BM_Append_NoSync)
    ->ArgNames({"bytes", "per_call"})
    ->Args({100, 1})
    ->Args({100, 1000})
    ->Args({4096, 1})
    ->Args({4096, 1000});

// The same appends with CoreOptions::parallel_hashing: the leaves of a
// large append are hashed on two threads (wall time; the CPU time shown
// is the calling thread's only).
void BM_Append_NoSync_Parallel(benchmark::State& state) {
  AppendToDisk(state, log::Durability::kNoSync, /*parallel=*/true);
}
BENCHMARK(BM_Append_NoSync_Parallel)
    ->ArgNames({"bytes", "per_call"})
    ->Args({100, 1000})
    ->Args({4096, 1000})
    ->UseRealTime();

void BM_Append_Sync(benchmark::State& state) {
  AppendToDisk(state, log::Durability::kSync);
}
BENCHMARK(BM_Append_Sync)
    ->ArgNames({"bytes", "per_call"})
    ->Args({100, 1})
    ->Args({100, 1000});

// The floor: a leaf hash per block, the parent hashes a merkle tree needs
// (one per block, amortized), the tree hash and one signature per call.
void BM_Floor(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  const size_t per_call = static_cast<size_t>(state.range(1));
  auto blocks = RandomBlocks(per_call, size);
  log::KeyPair kp = BenchKey();
  uint8_t out[32];
  const uint8_t parent_input[73] = {1};
  for (auto _ : state) {
    for (const std::string& b : blocks) {
      crypto_generichash(out, 32, reinterpret_cast<const uint8_t*>(b.data()),
                         b.size(), nullptr, 0);
      crypto_generichash(out, 32, parent_input, sizeof(parent_input), nullptr,
                         0);
    }
    benchmark::DoNotOptimize(kp.Sign(
        std::string_view(reinterpret_cast<const char*>(out), sizeof(out))));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(per_call));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(per_call * size));
}
BENCHMARK(BM_Floor)
    ->ArgNames({"bytes", "per_call"})
    ->Args({100, 1})
    ->Args({100, 1000})
    ->Args({4096, 1})
    ->Args({4096, 1000});

// Only the hashing (no signature): BLAKE2b over the same blocks.
void BM_FloorHashOnly(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  auto blocks = RandomBlocks(1000, size);
  uint8_t out[32];
  for (auto _ : state) {
    for (const std::string& b : blocks) {
      crypto_generichash(out, 32, reinterpret_cast<const uint8_t*>(b.data()),
                         b.size(), nullptr, 0);
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_FloorHashOnly)->Arg(100)->Arg(4096);

// Forces the hash path range(0) (0 scalar, 1 AVX2, 2 AVX-512) for one
// benchmark; false (the benchmark skipped) if the CPU lacks it. The
// "SKIPPED:" prefix tells scripts/bench_smoke.sh that this is no error.
bool ForcePath(benchmark::State& state) {
  const auto path = static_cast<log::HashPath>(state.range(0));
  if (!log::ForceHashPathForTesting(path)) {
    state.SkipWithError("SKIPPED: this CPU cannot run the path");
    return false;
  }
  static const char* const kNames[] = {"scalar", "avx2", "avx512"};
  state.SetLabel(kNames[state.range(0)]);
  return true;
}

// The leaf hashes of 1,000 blocks of 180 bytes (two compressions each) per
// call. Path 0 is a loop of LeafHash (libsodium), the baseline.
void BM_LeafHashes(benchmark::State& state) {
  if (!ForcePath(state)) return;
  auto blocks = RandomBlocks(1000, 180);
  std::vector<std::string_view> views(blocks.begin(), blocks.end());
  std::vector<Hash32> out(views.size());
  for (auto _ : state) {
    log::LeafHashes(views, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  log::ForceHashPathForTesting(std::nullopt);
  state.SetItemsProcessed(state.iterations() * 1000);
  state.SetBytesProcessed(state.iterations() * 1000 * 180);
}
BENCHMARK(BM_LeafHashes)->ArgName("path")->DenseRange(0, 2);

// The parent hashes of 1,000 pairs of nodes (one compression each) per call.
void BM_ParentHashes(benchmark::State& state) {
  if (!ForcePath(state)) return;
  Rng rng(4);
  std::vector<log::TreeNode> nodes(2000);
  for (size_t i = 0; i < nodes.size(); i++) {
    nodes[i].index = 2 * i;
    nodes[i].size = rng.Next() % 1000;
    std::string hash = rng.Bytes(32);
    std::memcpy(nodes[i].hash.data(), hash.data(), 32);
  }
  std::vector<Hash32> results(1000);
  std::vector<const log::TreeNode*> left, right;
  std::vector<Hash32*> out;
  for (size_t i = 0; i < 1000; i++) {
    left.push_back(&nodes[2 * i]);
    right.push_back(&nodes[2 * i + 1]);
    out.push_back(&results[i]);
  }
  for (auto _ : state) {
    log::ParentHashes(left, right, out);
    benchmark::DoNotOptimize(results.data());
  }
  log::ForceHashPathForTesting(std::nullopt);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_ParentHashes)->ArgName("path")->DenseRange(0, 2);

struct FilledLog {
  ScratchDir dir;
  std::unique_ptr<log::Core> core;
  explicit FilledLog(size_t n) {
    log::CoreOptions options;
    options.durability = log::Durability::kNoSync;
    core = log::Core::Create(dir.path() + "/log", BenchKey(), options).value();
    auto blocks = RandomBlocks(n, 100);
    if (!core->Append(blocks).ok()) std::abort();
  }
};

void BM_Get(benchmark::State& state) {
  FilledLog log(100000);
  Rng rng(1);
  std::string out;
  for (auto _ : state) {
    if (!log.core->Get(rng.Next() % 100000, &out).ok()) {
      state.SkipWithError("get failed");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Get);

// Reads of a 100k-block log of 100-byte blocks, written once per process
// and reopened for every iteration (a cold node cache, as after a restart;
// the files stay in the page cache). Per iteration: 20,000 random blocks
// read by Get one at a time or by GetMany 8 at a time (a B-tree node's
// keys), or every block in order by Get or by one GetMany. range(1): 1
// reads through mappings (CoreOptions::map_files), 0 with pread. Items are
// blocks; the open is not timed.
enum ReadPattern { kRandomGet, kRandomGetMany8, kScanGet, kScanGetMany };

const std::string& ReadLogDir() {
  static FilledLog* log = [] {
    static FilledLog filled(100000);
    filled.core.reset();
    return &filled;
  }();
  static const std::string dir = log->dir.path() + "/log";
  return dir;
}

Status ReadPatternOnce(const log::Core& core, ReadPattern pattern,
                       std::span<const uint64_t> indexes, uint64_t* bytes) {
  auto sink = [bytes](uint64_t, std::string_view b) {
    *bytes += b.size();
    return Status::OK();
  };
  std::string out;
  switch (pattern) {
    case kRandomGet:
    case kScanGet:
      for (uint64_t i : indexes) {
        BEE_RETURN_IF_ERROR(core.Get(i, &out));
        *bytes += out.size();
      }
      return Status::OK();
    case kRandomGetMany8:
      for (size_t k = 0; k < indexes.size(); k += 8) {
        BEE_RETURN_IF_ERROR(core.GetMany(indexes.subspan(k, 8), sink));
      }
      return Status::OK();
    case kScanGetMany:
      return core.GetMany(indexes, sink);
  }
  return Status::OK();
}

void BM_ReadAfterOpen(benchmark::State& state) {
  static const char* const kNames[] = {"random Get", "random GetMany x8",
                                       "scan Get", "scan GetMany"};
  const auto pattern = static_cast<ReadPattern>(state.range(0));
  state.SetLabel(kNames[pattern]);
  constexpr uint64_t kBlocks = 100000;
  const bool scan = pattern == kScanGet || pattern == kScanGetMany;
  log::CoreOptions options;
  options.durability = log::Durability::kNoSync;
  options.map_files = state.range(1) != 0;
  const std::string& dir = ReadLogDir();
  Rng rng(5);
  std::vector<uint64_t> indexes;
  uint64_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto core = log::Core::Open(dir, options).value();
    indexes.clear();
    for (uint64_t k = 0; k < (scan ? kBlocks : 20000); k++) {
      indexes.push_back(scan ? k : rng.Next() % kBlocks);
    }
    state.ResumeTiming();
    if (!ReadPatternOnce(*core, pattern, indexes, &bytes).ok()) {
      state.SkipWithError("read failed");
      break;
    }
    state.PauseTiming();
    core.reset();
    state.ResumeTiming();
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(scan ? kBlocks : 20000));
}
BENCHMARK(BM_ReadAfterOpen)
    ->ArgNames({"pattern", "map"})
    ->ArgsProduct({{kRandomGet, kRandomGetMany8, kScanGet, kScanGetMany},
                   {1, 0}})
    ->Unit(benchmark::kMillisecond);

void BM_ProofCreate(benchmark::State& state) {
  FilledLog log(100000);
  Rng rng(2);
  for (auto _ : state) {
    log::ProofRequest r;
    r.block = log::ProofRequest::Range{rng.Next() % 100000, 0};
    r.upgrade = log::ProofRequest::Upgrade{0, 100000};
    auto proof = log::CreateProof(*log.core, r);
    if (!proof.ok()) {
      state.SkipWithError("proof failed");
      break;
    }
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProofCreate);

// A replica that already verified the head fetches random blocks: each
// proof carries the block and the uncles it lacks (steady-state reads).
void BM_ProofVerify(benchmark::State& state) {
  FilledLog log(100000);
  std::unique_ptr<log::Env> env = log::NewMemEnv();
  log::CoreOptions options;
  options.env = env.get();
  options.durability = log::Durability::kNoSync;
  auto replica = log::Core::CreateReplica("/r", log.core->key(),
                                          log.core->manifest(), options)
                     .value();
  auto upgrade = log::MakeRequest(*replica, 0, 100000);
  if (!log::ApplyProof(replica.get(),
                       log::CreateProof(*log.core, upgrade).value())
           .ok()) {
    std::abort();
  }
  Rng rng(3);
  for (auto _ : state) {
    state.PauseTiming();
    auto request = log::MakeRequest(*replica, rng.Next() % 100000, 100000);
    auto proof = log::CreateProof(*log.core, request).value();
    state.ResumeTiming();
    if (!log::ApplyProof(replica.get(), proof).ok()) {
      state.SkipWithError("verify failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProofVerify);

}  // namespace
}  // namespace bee::bench

BENCHMARK_MAIN();
