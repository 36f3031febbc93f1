// Bulk verification of aligned runs of blocks (log/internal/verified_runs.h,
// docs/FORMAT.md §1.4).
//
// Reading blocks in key order from a B-tree touches them in random log
// order, so verifying each block alone costs its leaf hash and a walk up its
// merkle path to a cached node or a signed root: a few parent hashes, node
// cache lookups and inserts per block. A writable log instead verifies the
// whole aligned run around the first block it reads there: one view of the
// run's 127 tree records and of its bytes, its 64 leaves and 63 parents
// hashed at once with the multi-buffer hashes, and the run root's path once.
// Later reads of the run's blocks take their leaf record and offset from the
// mapped records and hash only the block itself against its leaf.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "encoding/varint.h"
#include "log/flat_tree.h"
#include "log/internal/core_impl.h"
#include "log/internal/multi_hash.h"
#include "log/internal/storage_format.h"

namespace bee::log {

using internal::kTreeRecordSize;

namespace {

constexpr uint64_t kRunBits = VerifiedRuns::kRunBits;
constexpr uint64_t kRunBlocks = VerifiedRuns::kRunBlocks;
constexpr uint64_t kRunNodes = VerifiedRuns::kRunNodes;
// The run's root, as an index relative to its first node.
constexpr uint64_t kRunRoot = kRunBlocks - 1;

// A record's u64le size; one load on a little-endian CPU (this runs for
// every level of every block read).
uint64_t LoadSize(const char* p) {
  if constexpr (std::endian::native == std::endian::little) {
    uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  } else {
    return DecodeFixed64(p);
  }
}

uint64_t RecordSize(std::string_view records, uint64_t at) {
  return LoadSize(records.data() + at * kTreeRecordSize);
}

// The record at `at` (relative) of a run's records, as node `index`; false
// for an all-zero record (a node that is not stored).
bool RunRecord(std::string_view records, uint64_t at, uint64_t index,
               TreeNode* out) {
  static const char kZero[kTreeRecordSize] = {};
  const char* p = records.data() + at * kTreeRecordSize;
  if (std::memcmp(p, kZero, kTreeRecordSize) == 0) return false;
  out->index = index;
  out->size = LoadSize(p);
  std::memcpy(out->hash.data(), p + 8, 32);
  return true;
}

}  // namespace

namespace {

// Proves a run's stored records (`records`, its kRunNodes records as
// stored) and bytes (`data`, from the verified root's offset): every leaf
// the hash of its block, every parent the hash of its stored children and
// the sum of their sizes, the root equal to `root`. With the root verified,
// that proves every record and byte of the run. Fills *stored.
bool ProveRun(std::string_view records, uint64_t first, const TreeNode& root,
              std::string_view data, std::array<TreeNode, kRunNodes>* stored) {
  if (records.size() < kRunNodes * kTreeRecordSize) return false;
  std::array<TreeNode, kRunNodes>& nodes = *stored;
  for (uint64_t i = 0; i < kRunNodes; i++) {
    if (!RunRecord(records, i, first + i, &nodes[i])) return false;
  }
  if (nodes[kRunRoot] != root || data.size() < root.size) return false;
  std::array<std::string_view, kRunBlocks> blocks;
  uint64_t at = 0;
  for (uint64_t b = 0; b < kRunBlocks; b++) {
    const uint64_t size = nodes[2 * b].size;
    if (size > data.size() - at) return false;
    blocks[b] = data.substr(static_cast<size_t>(at), static_cast<size_t>(size));
    at += size;
  }
  std::array<Hash32, kRunBlocks + kRunBlocks - 1> hashes;
  LeafHashes(blocks, hashes.data());
  std::array<const TreeNode*, kRunBlocks - 1> left, right;
  std::array<Hash32*, kRunBlocks - 1> out;
  size_t parents = 0;
  for (uint64_t i = 1; i < kRunNodes; i += 2) {
    left[parents] = &nodes[flat::LeftChild(i)];
    right[parents] = &nodes[flat::RightChild(i)];
    out[parents] = &hashes[kRunBlocks + parents];
    parents++;
  }
  ParentHashes(left, right, out);
  for (uint64_t b = 0; b < kRunBlocks; b++) {
    if (hashes[b] != nodes[2 * b].hash) return false;
  }
  parents = 0;
  for (uint64_t i = 1; i < kRunNodes; i += 2, parents++) {
    const TreeNode& parent = nodes[i];
    if (hashes[kRunBlocks + parents] != parent.hash ||
        parent.size !=
            nodes[flat::LeftChild(i)].size + nodes[flat::RightChild(i)].size) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool Core::Impl::VerifyRun(uint64_t run) const {
  const uint64_t first = run << (kRunBits + 1);  // the run's first node
  std::string_view records;
  if (!tree_map_->View(first * kTreeRecordSize,
                       static_cast<size_t>(kRunNodes * kTreeRecordSize),
                       &records)) {
    return false;
  }
  std::string scratch;
  auto root = Verified(first + kRunRoot, &scratch);
  if (!root.ok()) return false;
  std::string_view data;
  if (!data_map_->View(root->offset, static_cast<size_t>(root->node.size),
                       &data)) {
    return false;
  }
  std::array<TreeNode, kRunNodes> stored;
  if (!ProveRun(records, first, root->node, data, &stored)) return false;
  runs_->Mark(run, root->offset);
  return true;
}

bool Core::Impl::WarmsLeaves() const {
  return runs_ == nullptr && read_only_ && !replica_;
}

bool Core::Impl::WarmRun(uint64_t run, RunBuffers* buffers) const {
  if ((run + 1) * kRunBlocks > head_.length) return false;
  const uint64_t first = run << (kRunBits + 1);
  std::string_view records, data;
  if (!tree_map_
           ->Read(first * kTreeRecordSize,
                  static_cast<size_t>(kRunNodes * kTreeRecordSize),
                  &buffers->records, &records)
           .ok()) {
    return false;
  }
  auto root = Verified(first + kRunRoot, &buffers->scratch);
  if (!root.ok()) return false;
  if (!data_map_
           ->Read(root->offset, static_cast<size_t>(root->node.size),
                  &buffers->data, &data)
           .ok()) {
    return false;
  }
  std::array<TreeNode, kRunNodes> stored;
  if (!ProveRun(records, first, root->node, data, &stored)) return false;
  // The run's leaves, placed: what a later read of one of its blocks
  // checks that block's bytes against (the node cache's budget bounds them).
  std::array<PlacedNode, kRunBlocks> leaves;
  uint64_t offset = root->offset;
  for (uint64_t b = 0; b < kRunBlocks; b++) {
    leaves[b] = PlacedNode{stored[2 * b], offset};
    offset += stored[2 * b].size;
  }
  node_cache_->Insert(leaves);
  if (run_bytes_ != nullptr) {
    // The bytes just proven, in this process's memory: kept, later reads of
    // the run's blocks need neither a read nor a hash.
    auto kept = std::make_shared<RunBytesCache::Run>();
    kept->run = run;
    kept->bytes.assign(data);
    for (uint64_t b = 0; b < kRunBlocks; b++) {
      kept->ends[b + 1] = kept->ends[b] + stored[2 * b].size;
    }
    run_bytes_->Insert(std::move(kept));
  }
  return true;
}

bool Core::Impl::ReadBlockFromRunBytes(uint64_t index, std::string* out) const {
  if (run_bytes_ == nullptr || index >= head_.length) return false;
  auto kept = run_bytes_->Find(index >> kRunBits);
  if (kept == nullptr) return false;
  out->assign(kept->block(index & (kRunBlocks - 1)));
  return true;
}

void Core::Impl::WarmLeaves(std::span<const uint64_t> blocks,
                            RunBuffers* buffers) const {
  buffers->indexes.clear();
  for (uint64_t block : blocks) {
    if (block < head_.length) buffers->indexes.push_back(2 * block);
  }
  const size_t n = buffers->indexes.size();
  buffers->placed.resize(n);
  buffers->found.assign(n, 0);
  node_cache_->FindEach(buffers->indexes, buffers->placed, buffers->found);
  std::vector<uint64_t>& runs = buffers->runs;
  runs.clear();
  for (size_t i = 0; i < n; i++) {
    if (buffers->found[i]) continue;
    const uint64_t run = buffers->indexes[i] >> (kRunBits + 1);
    // A kept run's blocks are read from memory (ReadFromRuns).
    if (run_bytes_ != nullptr && run_bytes_->Find(run) != nullptr) continue;
    runs.push_back(run);
  }
  std::sort(runs.begin(), runs.end());
  runs.erase(std::unique(runs.begin(), runs.end()), runs.end());
  // A run that does not verify is left to the usual reads, which name
  // what is wrong.
  for (uint64_t run : runs) WarmRun(run, buffers);
}

bool Core::Impl::LocateInRun(uint64_t block, PlacedNode* leaf,
                             std::string_view* bytes) const {
  if (runs_ == nullptr) return false;
  const uint64_t run = block >> kRunBits;
  if (run >= runs_->size()) return false;
  uint64_t offset = 0;
  if (!runs_->Find(run, &offset)) {
    if (!VerifyRun(run)) return false;
    runs_->Find(run, &offset);
  }
  const uint64_t first = run << (kRunBits + 1);
  std::string_view records;
  if (!tree_map_->View(first * kTreeRecordSize,
                       static_cast<size_t>(kRunNodes * kTreeRecordSize),
                       &records)) {
    return false;
  }
  // Down from the run's root: each step right passes the left subtree.
  const uint64_t target = 2 * (block & (kRunBlocks - 1));
  uint64_t node = kRunRoot;
  while (node != target) {
    if (target < node) {
      node = flat::LeftChild(node);
    } else {
      offset += RecordSize(records, flat::LeftChild(node));
      node = flat::RightChild(node);
    }
  }
  if (!RunRecord(records, target, 2 * block, &leaf->node)) return false;
  leaf->offset = offset;
  return data_map_->View(offset, static_cast<size_t>(leaf->node.size), bytes);
}

void Core::Impl::PrefetchInRun(uint64_t block) const {
  if (runs_ == nullptr) return;
  const uint64_t run = block >> kRunBits;
  uint64_t offset = 0;
  if (run >= runs_->size() || !runs_->Find(run, &offset)) return;
  std::string_view records;
  if (!tree_map_->View((run << (kRunBits + 1)) * kTreeRecordSize,
                       static_cast<size_t>(kRunNodes * kTreeRecordSize),
                       &records)) {
    return;
  }
  // The records LocateInRun loads: the left children on the way down
  // (independent of each other), then the leaf.
  const uint64_t target = 2 * (block & (kRunBlocks - 1));
  uint64_t node = kRunRoot;
  while (node != target) {
    if (target < node) {
      node = flat::LeftChild(node);
    } else {
      __builtin_prefetch(records.data() +
                         flat::LeftChild(node) * kTreeRecordSize);
      node = flat::RightChild(node);
    }
  }
  __builtin_prefetch(records.data() + target * kTreeRecordSize);
  __builtin_prefetch(records.data() + target * kTreeRecordSize + 39);
}

bool Core::Impl::ReadBlockInRun(uint64_t block, std::string* out) const {
  PlacedNode leaf;
  std::string_view bytes;
  if (!LocateInRun(block, &leaf, &bytes)) return false;
  if (LeafHash(bytes) != leaf.node.hash) return false;
  out->assign(bytes);
  return true;
}

}  // namespace bee::log
