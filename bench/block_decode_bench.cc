// Decoding one node block (encoding/block_codec.h): DecodeNodeBlock
// (libprotobuf, into a NodeBlock of vectors) against ScanNodeBlock +
// NodeLevelReader (views, no allocation), on a block shaped like the ones a
// batched put of a large store writes: a root-to-leaf path of full nodes
// with seqs near a million, a 16-byte key and a 100-byte value.
// Release only; no I/O.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>

#include "encoding/block_codec.h"
#include "encoding/limits.h"

namespace {

std::string PathBlock(size_t levels) {
  std::mt19937_64 rng(0xbee);
  bee::NodeBlock node;
  node.levels.resize(levels);
  for (size_t i = 0; i < levels; i++) {
    bee::IndexLevel& level = node.levels[i];
    for (size_t k = 0; k < bee::kMaxKeysPerLevel; k++) {
      level.keys.push_back(rng() % 1000000);
    }
    if (i + 1 == levels) continue;  // a leaf
    for (size_t c = 0; c < bee::kMaxChildrenPerLevel; c++) {
      level.children.push_back(rng() % 1000000);
      level.children.push_back(rng() % 4);
    }
  }
  node.key = std::string(16, 'k');
  node.value = std::string(100, 'v');
  return bee::EncodeNodeBlock(node);
}

void BM_DecodeNodeBlock(benchmark::State& state) {
  const std::string block = PathBlock(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto node = bee::DecodeNodeBlock(block);
    benchmark::DoNotOptimize(node);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(block.size()));
}
BENCHMARK(BM_DecodeNodeBlock)->Arg(1)->Arg(5);

void BM_ScanNodeBlock(benchmark::State& state) {
  const std::string block = PathBlock(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto view = bee::ScanNodeBlock(block);
    bee::NodeLevelReader reader(*view);
    bee::IndexLevelView level;
    uint64_t sum = 0;
    while (reader.Next(&level)) sum += level.keys[0];
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(block.size()));
}
BENCHMARK(BM_ScanNodeBlock)->Arg(1)->Arg(5);

}  // namespace

BENCHMARK_MAIN();
