// Core::GetMany: verified reads of many blocks at once (log/core.h).
//
// A batch verifies the leaves of its blocks level by level, bottom up.
// Level d holds the nodes of depth d the batch needs, sorted by index:
//   - pending nodes: a leaf's record as stored, or a parent hashed from two
//     nodes of the level below; not verified yet;
//   - siblings: records as stored, read so that a pending node's parent can
//     be hashed;
//   - anchors: pending nodes found equal to a node verified before (the node
//     cache) or to a signed root: verified, with their byte offsets.
// Each pending node that is no anchor pairs with its sibling (pending too,
// or read) into a pending parent on the next level, all of a level's
// parents hashed at once with the multi-buffer hashes, until no node is
// pending. Then, top down, the children of every verified node are verified
// (a parent equal to a verified one was hashed from them) and placed. So
// every node on the way is read and hashed once per batch, and a block is
// returned only below a chain of hashes that ends at a verified node.
//
// Any failure (a missing record, a hash that does not match) makes the
// blocks below it fail in the batch; each such block is then read alone by
// ReadBlock, which returns Get's error for it (or its bytes, when the
// failure was a neighbour's).
#include <algorithm>
#include <deque>
#include <iterator>
#include <memory>

#include "log/core.h"
#include "log/flat_tree.h"
#include "log/internal/core_impl.h"
#include "log/internal/multi_hash.h"

namespace bee::log {
namespace {

// Blocks whose bytes lie closer than this share one read of `data` when it
// is not mapped; runs stay below kMaxRun bytes.
constexpr uint64_t kMaxReadGap = 4096;
constexpr uint64_t kMaxRun = uint64_t{1} << 20;

// See ReadBatch::Item::inner.
constexpr size_t kMinCachedInnerDepth = 2;

}  // namespace

struct Core::Impl::ReadBatch {
  enum class State : uint8_t {
    kPending,
    kSibling,
    kAnchor,
    kVerified,
    kFailed
  };
  struct Item {
    PlacedNode placed;  // the offset only once verified
    int32_t left = -1;  // its children: items left, left + 1 a level below
    State state = State::kPending;
    // A leaf of the batch's blocks, or a parent hashed from two pending
    // children (a node inside a run of the batch). Inner nodes of depth
    // below kMinCachedInnerDepth are not kept in the cache (a scan would
    // fill it with them: it keeps a quarter of its nodes, the deeper ones).
    bool inner = false;
    // An inner parent, or a leaf of the batch whose sibling is one too:
    // inside a run of the batch, rarely cached, so the cache is not asked
    // (the lookups would cost more than the levels they might save).
    bool in_run = false;
  };

  // The batch's readable blocks, sorted and unique, and per block: whether
  // it is (still) readable, its verified leaf, its bytes and their hash.
  std::vector<uint64_t> blocks;
  std::vector<uint8_t> ok;
  std::vector<PlacedNode> leaves;
  std::vector<std::string_view> bytes;
  std::vector<Hash32> hashes;
  // levels[d]: the nodes of depth d (see above); levels beyond `depth` are
  // stale, kept for their memory.
  std::vector<std::vector<Item>> levels;
  size_t depth = 0;
  // Scratch, reused from batch to batch.
  std::vector<Item> siblings, merged;
  std::vector<uint64_t> indexes;
  std::vector<size_t> positions;
  std::vector<PlacedNode> placed;
  std::vector<TreeNode> nodes;
  std::vector<uint8_t> found;
  std::vector<const TreeNode*> left, right;
  std::vector<Hash32*> out;
  std::vector<std::string_view> views;
  std::deque<std::string> buffers;  // grows without moving its strings
  std::string scratch;
  // Per index of the chunk: whether it was read through a verified run
  // (Core::Impl::LocateInRun), with its bytes; and the leaves to check.
  std::vector<uint8_t> in_run;
  std::vector<std::string_view> run_bytes;
  std::vector<Hash32> run_leaves;
  // Read-only followers: Core::Impl::WarmLeaves's buffers, and the kept
  // runs the chunk's bytes were served from (held until the next chunk).
  RunBuffers warm;
  std::vector<std::shared_ptr<const RunBytesCache::Run>> kept;
};

namespace {

using State = Core::Impl::ReadBatch::State;
using Item = Core::Impl::ReadBatch::Item;

bool HasValue(State s) { return s != State::kFailed; }

// `item`, pending with a value, against the verified `node`: an anchor
// when equal, failed when not.
void Anchor(Item* item, const PlacedNode& node) {
  const bool equal = item->placed.node.hash == node.node.hash &&
                     item->placed.node.size == node.node.size;
  item->placed.offset = node.offset;
  item->state = equal ? State::kAnchor : State::kFailed;
}

}  // namespace

namespace {

// Each thread keeps one batch's buffers for its next GetMany (a B-tree
// node load reads ~8 blocks: dozens of allocations otherwise), unless they
// grew past kMaxKeptBytes of block copies. A GetMany called from inside
// another's fn uses a batch of its own.
constexpr size_t kMaxKeptBytes = size_t{1} << 20;

class BatchLease {
 public:
  BatchLease() {
    if (in_use_) {
      owned_ = std::make_unique<Core::Impl::ReadBatch>();
      batch_ = owned_.get();
    } else {
      in_use_ = true;
      batch_ = &spare_;
    }
  }
  ~BatchLease() {
    if (batch_ != &spare_) return;
    size_t kept = 0;
    for (const std::string& s : spare_.buffers) kept += s.capacity();
    if (kept > kMaxKeptBytes) spare_.buffers.clear();
    in_use_ = false;
  }
  BatchLease(const BatchLease&) = delete;
  BatchLease& operator=(const BatchLease&) = delete;

  Core::Impl::ReadBatch* get() const { return batch_; }

 private:
  static thread_local Core::Impl::ReadBatch spare_;
  static thread_local bool in_use_;
  std::unique_ptr<Core::Impl::ReadBatch> owned_;
  Core::Impl::ReadBatch* batch_ = nullptr;
};

thread_local Core::Impl::ReadBatch BatchLease::spare_;
thread_local bool BatchLease::in_use_ = false;

}  // namespace

Status Core::GetMany(
    std::span<const uint64_t> indexes,
    const std::function<Status(uint64_t, std::string_view)>& fn) const {
  // One wave for the whole call, without the lock (storing takes it).
  Status fetched = impl_->FetchMissing(indexes);
  BatchLease batch;
  for (size_t begin = 0; begin < indexes.size(); begin += kGetManyBatch) {
    const size_t n = std::min(kGetManyBatch, indexes.size() - begin);
    std::shared_lock<std::shared_mutex> l(impl_->mu_);
    Status s = impl_->ReadChunk(indexes.subspan(begin, n), fn, batch.get());
    if (!s.ok()) return s.IsUnavailable() && !fetched.ok() ? fetched : s;
  }
  return Status::OK();
}

Status Core::Impl::ReadChunk(
    std::span<const uint64_t> chunk,
    const std::function<Status(uint64_t, std::string_view)>& fn,
    ReadBatch* batch) const {
  ReadBatch& b = *batch;
  if (WarmsLeaves()) WarmLeaves(chunk, &b.warm);
  if (ReadFromRuns(chunk, batch) == chunk.size()) {
    for (size_t k = 0; k < chunk.size(); k++) {
      BEE_RETURN_IF_ERROR(fn(chunk[k], b.run_bytes[k]));
    }
    return Status::OK();
  }
  b.blocks.clear();
  for (size_t k = 0; k < chunk.size(); k++) {
    if (!b.in_run[k]) b.blocks.push_back(chunk[k]);
  }
  std::sort(b.blocks.begin(), b.blocks.end());
  b.blocks.erase(std::unique(b.blocks.begin(), b.blocks.end()), b.blocks.end());
  const size_t n = b.blocks.size();
  b.ok.resize(n);
  for (size_t i = 0; i < n; i++) b.ok[i] = HasBlock(b.blocks[i]);
  b.leaves.assign(n, PlacedNode{});
  b.bytes.assign(n, std::string_view());
  VerifyLeaves(batch);
  ReadLeafData(batch);
  // A chunk in increasing order (a scan) is its own sorted set.
  const bool increasing =
      n == chunk.size() && std::is_sorted(chunk.begin(), chunk.end());
  std::string alone;
  for (size_t k = 0; k < chunk.size(); k++) {
    const uint64_t index = chunk[k];
    if (b.in_run[k]) {
      BEE_RETURN_IF_ERROR(fn(index, b.run_bytes[k]));
      continue;
    }
    const size_t i =
        increasing
            ? k
            : static_cast<size_t>(
                  std::lower_bound(b.blocks.begin(), b.blocks.end(), index) -
                  b.blocks.begin());
    if (b.ok[i]) {
      BEE_RETURN_IF_ERROR(fn(index, b.bytes[i]));
      continue;
    }
    BEE_RETURN_IF_ERROR(ReadBlock(index, &alone));
    BEE_RETURN_IF_ERROR(fn(index, alone));
  }
  return Status::OK();
}

size_t Core::Impl::ReadFromRuns(std::span<const uint64_t> chunk,
                                ReadBatch* batch) const {
  ReadBatch& b = *batch;
  b.in_run.assign(chunk.size(), 0);
  b.run_bytes.assign(chunk.size(), std::string_view());
  if (runs_ == nullptr) return ReadFromRunBytes(chunk, batch);
  b.leaves.clear();
  b.views.clear();
  b.positions.clear();
  for (uint64_t block : chunk) {
    if (block < head_.length) PrefetchInRun(block);
  }
  for (size_t k = 0; k < chunk.size(); k++) {
    PlacedNode leaf;
    if (chunk[k] >= head_.length ||
        !LocateInRun(chunk[k], &leaf, &b.run_bytes[k])) {
      continue;
    }
    b.leaves.push_back(leaf);
    b.views.push_back(b.run_bytes[k]);
    b.positions.push_back(k);
  }
  // The blocks' bytes against their leaves, all at once; a mismatch is
  // read the usual way, which names it.
  b.run_leaves.resize(b.views.size());
  LeafHashes(b.views, b.run_leaves.data());
  size_t served = 0;
  for (size_t i = 0; i < b.positions.size(); i++) {
    if (b.run_leaves[i] != b.leaves[i].node.hash) continue;
    b.in_run[b.positions[i]] = 1;
    served++;
  }
  return served;
}

namespace {

enum class AnchorMode {
  kTakeCached,     // leaves not read yet: cached ones are taken as they are
  kCompareCached,  // cached nodes, then signed roots, are compared
  kRootsOnly,      // signed roots are compared (the cache was asked before)
};

// Anchors the pending items of `level` that equal a verified node (fails
// those that differ), as `mode` says.
void AnchorLevel(const NodeCache& cache, std::span<const TreeNode> roots,
                 AnchorMode mode, std::vector<Item>* level,
                 Core::Impl::ReadBatch* b) {
  const bool take = mode == AnchorMode::kTakeCached;
  b->indexes.clear();
  b->positions.clear();
  for (size_t i = 0; i < level->size(); i++) {
    const Item& item = (*level)[i];
    if (item.state != State::kPending) continue;
    if (item.in_run) continue;
    b->indexes.push_back(item.placed.node.index);
    b->positions.push_back(i);
  }
  b->placed.resize(b->indexes.size());
  b->found.assign(b->indexes.size(), 0);
  if (mode != AnchorMode::kRootsOnly) {
    cache.FindEach(b->indexes, b->placed, b->found);
  }
  for (size_t k = 0; k < b->indexes.size(); k++) {
    if (!b->found[k]) continue;
    Item& item = (*level)[b->positions[k]];
    if (take) {
      item.placed = b->placed[k];
      item.state = State::kAnchor;
    } else {
      Anchor(&item, b->placed[k]);
    }
  }
  if (take) return;
  for (Item& item : *level) {
    if (item.state != State::kPending) continue;
    uint64_t offset = 0;
    for (const TreeNode& root : roots) {
      if (root.index == item.placed.node.index) {
        Anchor(&item, PlacedNode{root, offset});
        break;
      }
      offset += root.size;
    }
  }
}

}  // namespace

void Core::Impl::VerifyLeaves(ReadBatch* batch) const {
  ReadBatch& b = *batch;
  if (b.levels.empty()) b.levels.resize(1);
  std::vector<Item>& leaves = b.levels[0];
  leaves.clear();
  for (size_t i = 0; i < b.blocks.size(); i++) {
    if (!b.ok[i]) continue;
    const uint64_t block = b.blocks[i];
    const bool sibling_too =
        block % 2 == 0 ? i + 1 < b.blocks.size() && b.ok[i + 1] &&
                             b.blocks[i + 1] == block + 1
                       : i > 0 && b.ok[i - 1] && b.blocks[i - 1] == block - 1;
    leaves.push_back(Item{{{2 * block, 0, {}}, 0},
                          -1,
                          State::kPending,
                          /*inner=*/true,
                          /*in_run=*/sibling_too});
  }
  AnchorLevel(*node_cache_, roots_, AnchorMode::kTakeCached, &leaves, batch);
  b.depth = 0;
  for (size_t d = 0; !b.levels[d].empty(); d++) {
    b.depth = d;
    if (!VerifyLevel(d, batch).ok()) {
      // An I/O error: every block of the batch is read alone.
      std::fill(b.ok.begin(), b.ok.end(), 0);
      return;
    }
    if (b.levels.size() == d + 1) b.levels.resize(d + 2);
    PairLevel(d, batch);
  }
  PlaceVerified(batch);
}

Status Core::Impl::VerifyLevel(size_t d, ReadBatch* batch) const {
  ReadBatch& b = *batch;
  std::vector<Item>& level = b.levels[d];
  if (d == 0) {
    // The leaves not cached are read.
    b.indexes.clear();
    b.positions.clear();
    for (size_t i = 0; i < level.size(); i++) {
      if (level[i].state != State::kPending) continue;
      b.indexes.push_back(level[i].placed.node.index);
      b.positions.push_back(i);
    }
    b.nodes.resize(b.indexes.size());
    b.found.resize(b.indexes.size());
    BEE_RETURN_IF_ERROR(ReadRecords(b.indexes, b.nodes, b.found, &b.scratch));
    for (size_t k = 0; k < b.indexes.size(); k++) {
      Item& item = level[b.positions[k]];
      if (b.found[k]) {
        item.placed.node = b.nodes[k];
      } else {
        item.state = State::kFailed;
      }
    }
  }
  AnchorLevel(*node_cache_, roots_,
              d == 0 ? AnchorMode::kRootsOnly : AnchorMode::kCompareCached,
              &level, batch);
  // The siblings of pending nodes that the level lacks are read.
  b.indexes.clear();
  b.positions.clear();
  for (size_t i = 0; i < level.size(); i++) {
    if (level[i].state != State::kPending) continue;
    const uint64_t index = level[i].placed.node.index;
    const uint64_t sibling = flat::Sibling(index);
    const bool has =
        sibling < index
            ? i > 0 && level[i - 1].placed.node.index == sibling
            : i + 1 < level.size() && level[i + 1].placed.node.index == sibling;
    if (has) continue;
    b.indexes.push_back(sibling);
    b.positions.push_back(i);
  }
  if (b.indexes.empty()) return Status::OK();
  b.nodes.resize(b.indexes.size());
  b.found.resize(b.indexes.size());
  BEE_RETURN_IF_ERROR(ReadRecords(b.indexes, b.nodes, b.found, &b.scratch));
  b.siblings.clear();
  for (size_t k = 0; k < b.indexes.size(); k++) {
    if (b.found[k]) {
      b.siblings.push_back(Item{{b.nodes[k], 0}, -1, State::kSibling});
    } else {
      level[b.positions[k]].state = State::kFailed;
    }
  }
  // Merged into the sorted level (std::inplace_merge would allocate).
  b.merged.clear();
  std::merge(level.begin(), level.end(), b.siblings.begin(), b.siblings.end(),
             std::back_inserter(b.merged), [](const Item& x, const Item& y) {
               return x.placed.node.index < y.placed.node.index;
             });
  level.swap(b.merged);
  return Status::OK();
}

void Core::Impl::PairLevel(size_t d, ReadBatch* batch) const {
  ReadBatch& b = *batch;
  std::vector<Item>& level = b.levels[d];
  std::vector<Item>& parents = b.levels[d + 1];
  parents.clear();
  for (size_t i = 0; i + 1 < level.size(); i++) {
    Item& l = level[i];
    Item& r = level[i + 1];
    if (flat::Sibling(l.placed.node.index) != r.placed.node.index) continue;
    i++;  // the pair is done whatever happens
    if (l.state != State::kPending && r.state != State::kPending) continue;
    if (!HasValue(l.state) || !HasValue(r.state)) {
      // A node whose sibling failed cannot be hashed up: it fails too (and
      // its blocks are read alone).
      if (l.state == State::kPending) l.state = State::kFailed;
      if (r.state == State::kPending) r.state = State::kFailed;
      continue;
    }
    Item parent;
    parent.placed.node.index = flat::Parent(l.placed.node.index);
    parent.placed.node.size = l.placed.node.size + r.placed.node.size;
    parent.left = static_cast<int32_t>(i - 1);
    parent.inner = l.state == State::kPending && r.state == State::kPending;
    parent.in_run = parent.inner;
    parents.push_back(parent);
  }
  b.left.clear();
  b.right.clear();
  b.out.clear();
  for (Item& parent : parents) {
    const size_t at = static_cast<size_t>(parent.left);
    b.left.push_back(&level[at].placed.node);
    b.right.push_back(&level[at + 1].placed.node);
    b.out.push_back(&parent.placed.node.hash);
  }
  ParentHashes(b.left, b.right, b.out);
}

void Core::Impl::PlaceVerified(ReadBatch* batch) const {
  ReadBatch& b = *batch;
  b.placed.clear();
  for (size_t d = b.depth + 1; d-- > 0;) {
    for (Item& item : b.levels[d]) {
      if (item.state == State::kVerified &&
          (!item.inner || d >= kMinCachedInnerDepth)) {
        b.placed.push_back(item.placed);
      }
      if (item.left < 0) continue;
      Item& l = b.levels[d - 1][static_cast<size_t>(item.left)];
      Item& r = b.levels[d - 1][static_cast<size_t>(item.left) + 1];
      const bool verified =
          item.state == State::kAnchor || item.state == State::kVerified;
      for (Item* child : {&l, &r}) {
        if (child->state != State::kPending &&
            child->state != State::kSibling) {
          continue;
        }
        child->state = verified ? State::kVerified : State::kFailed;
      }
      l.placed.offset = item.placed.offset;
      r.placed.offset = item.placed.offset + l.placed.node.size;
    }
  }
  node_cache_->Insert(b.placed);
  const std::vector<Item>& leaves = b.levels[0];
  size_t at = 0;
  for (size_t i = 0; i < b.blocks.size(); i++) {
    if (!b.ok[i]) continue;
    while (leaves[at].placed.node.index != 2 * b.blocks[i]) at++;
    const State s = leaves[at].state;
    b.ok[i] = s == State::kAnchor || s == State::kVerified;
    b.leaves[i] = leaves[at].placed;
  }
}

size_t Core::Impl::ReadFromRunBytes(std::span<const uint64_t> chunk,
                                    ReadBatch* batch) const {
  ReadBatch& b = *batch;
  b.kept.clear();
  if (run_bytes_ == nullptr) return 0;
  size_t served = 0;
  for (size_t k = 0; k < chunk.size(); k++) {
    if (chunk[k] >= head_.length) continue;
    auto kept = run_bytes_->Find(chunk[k] >> VerifiedRuns::kRunBits);
    if (kept == nullptr) continue;
    b.run_bytes[k] = kept->block(chunk[k] & (VerifiedRuns::kRunBlocks - 1));
    b.in_run[k] = 1;
    b.kept.push_back(std::move(kept));
    served++;
  }
  return served;
}

void Core::Impl::ReadLeafData(ReadBatch* batch) const {
  ReadBatch& b = *batch;
  // Runs of nearby blocks, each read once (a view when mapped).
  size_t runs = 0;
  b.indexes.clear();  // the blocks hashed, by position in b.blocks
  for (size_t i = 0; i < b.blocks.size();) {
    if (!b.ok[i]) {
      i++;
      continue;
    }
    const uint64_t start = b.leaves[i].offset;
    uint64_t end = start + b.leaves[i].node.size;
    size_t last = i + 1;
    for (; last < b.blocks.size(); last++) {
      if (!b.ok[last]) continue;
      const PlacedNode& leaf = b.leaves[last];
      if (leaf.offset < end || leaf.offset - end > kMaxReadGap ||
          leaf.offset + leaf.node.size - start > kMaxRun) {
        break;
      }
      end = leaf.offset + leaf.node.size;
    }
    if (b.buffers.size() <= runs) b.buffers.resize(runs + 1);
    std::string_view run;
    if (!data_map_
             ->Read(start, static_cast<size_t>(end - start), &b.buffers[runs],
                    &run)
             .ok()) {
      run = {};  // read alone, each returns the error
    }
    runs++;
    for (; i < last; i++) {
      if (!b.ok[i]) continue;
      const uint64_t at = b.leaves[i].offset - start;
      const uint64_t size = b.leaves[i].node.size;
      if (at + size > run.size()) {
        b.ok[i] = 0;  // cut short: read alone for the error
        continue;
      }
      b.bytes[i] =
          run.substr(static_cast<size_t>(at), static_cast<size_t>(size));
      b.indexes.push_back(i);
    }
  }
  b.hashes.resize(b.indexes.size());
  b.views.clear();
  for (uint64_t i : b.indexes) {
    b.views.push_back(b.bytes[static_cast<size_t>(i)]);
  }
  LeafHashes(b.views, b.hashes.data());
  for (size_t k = 0; k < b.indexes.size(); k++) {
    const size_t i = static_cast<size_t>(b.indexes[k]);
    if (b.hashes[k] != b.leaves[i].node.hash) b.ok[i] = 0;
  }
}

}  // namespace bee::log
