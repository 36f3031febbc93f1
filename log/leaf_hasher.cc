#include "log/internal/leaf_hasher.h"

#include <algorithm>

#include "log/internal/multi_hash.h"
#include "log/parallel.h"

namespace bee::log {
namespace {

// Below this many bytes of blocks, waking the helper costs more than it
// saves (a wake-up is a few microseconds; BLAKE2b does ~1 GB/s).
constexpr size_t kMinParallelBytes = 32 << 10;
constexpr size_t kMinParallelBlocks = 64;

// The hashing of one append, in runs of blocks that lie within one aligned
// 32-block window, which ParallelFor hands to the caller and the helper.
// Runs are independent: each fills only its own leaves and the parents of
// its whole subtrees.
struct Job {
  static constexpr uint64_t kRun = 32;
  uint64_t first_block = 0;
  std::span<const std::string_view> blocks;
  std::span<TreeNode> nodes;
  std::span<uint8_t> computed;

  // Block range of run r: the first run ends at the first multiple of kRun.
  std::pair<size_t, size_t> Run(size_t r) const {
    uint64_t head = (kRun - first_block % kRun) % kRun;
    size_t begin = r == 0 ? 0 : static_cast<size_t>(head + (r - 1) * kRun);
    size_t end = static_cast<size_t>(head + r * kRun);
    if (head == 0) {  // no partial first run
      begin = static_cast<size_t>(r * kRun);
      end = begin + kRun;
    }
    return {begin, std::min(end, blocks.size())};
  }

  // Hashes 8 (AVX-512) or 4 (AVX2) messages at a time: the leaves of the
  // run, then its parents level by level.
  void Hash(size_t begin, size_t end) {
    Hash32 leaves[kRun];
    LeafHashes(blocks.subspan(begin, end - begin), leaves);
    for (size_t i = begin; i < end; i++) {
      nodes[2 * i] =
          TreeNode{2 * (first_block + i), blocks[i].size(), leaves[i - begin]};
      computed[2 * i] = 1;
    }
    // Then every whole subtree of the run, level by level. A node spanning
    // blocks [a, a + w) (w a power of two, a a multiple of w) sits at flat
    // index 2a + w - 1; here a is relative to the append's first block.
    const TreeNode* left[kRun / 2];
    const TreeNode* right[kRun / 2];
    Hash32* out[kRun / 2];
    for (uint64_t w = 2; w <= kRun; w *= 2) {
      size_t count = 0;
      uint64_t g = (first_block + begin + w - 1) / w * w;  // aligned start
      for (; g + w <= first_block + end; g += w) {
        const size_t a = static_cast<size_t>(g - first_block);
        const size_t parent = 2 * a + static_cast<size_t>(w) - 1;
        const TreeNode& l = nodes[parent - static_cast<size_t>(w) / 2];
        const TreeNode& r = nodes[parent + static_cast<size_t>(w) / 2];
        nodes[parent].index = (l.index + r.index) / 2;
        nodes[parent].size = l.size + r.size;
        computed[parent] = 1;
        left[count] = &l;
        right[count] = &r;
        out[count++] = &nodes[parent].hash;
      }
      if (count == 0) break;
      ParentHashes(std::span(left, count), std::span(right, count),
                   std::span(out, count));
    }
  }
};

}  // namespace

Status HashNewNodes(uint64_t first_block,
                    std::span<const std::string_view> blocks,
                    std::span<TreeNode> nodes, std::span<uint8_t> computed,
                    bool parallel, const std::function<Status()>& meanwhile) {
  Job job;
  job.first_block = first_block;
  job.blocks = blocks;
  job.nodes = nodes;
  job.computed = computed;
  const uint64_t head = (Job::kRun - first_block % Job::kRun) % Job::kRun;
  const size_t n = blocks.size();
  const size_t runs =
      head >= n
          ? 1
          : (head > 0 ? 1 : 0) +
                static_cast<size_t>((n - head + Job::kRun - 1) / Job::kRun);
  size_t bytes = 0;
  if (parallel && n >= kMinParallelBlocks) {
    for (std::string_view b : blocks) bytes += b.size() + 64;
  }
  return ParallelFor(
      runs, bytes >= kMinParallelBytes,
      [&job](size_t r) {
        auto [begin, end] = job.Run(r);
        job.Hash(begin, end);
      },
      meanwhile);
}

}  // namespace bee::log
