// BlockCache: decoded hyperbee node blocks by seq, shared by the writer and
// every reader of one store.
//
// Blocks of an append-only log never change once signed, so a decoded block
// is immutable and can be shared freely (shared_ptr<const>). A node of the
// B-tree is (seq, offset) = level `offset` of the decoded block `seq`; the key
// (and value) stored under key seq s is block s's key (and value). That is all
// the tree needs to read.
//
// Thread safety: every method is safe to call concurrently. Peek, PeekLevel
// and KeyOf take no lock when the block is cached (the writer's hot path).
// Invalidate is only needed after the log is truncated.
#ifndef BEE_BTREE_INTERNAL_BLOCK_CACHE_H_
#define BEE_BTREE_INTERNAL_BLOCK_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <vector>

#include "btree/internal/seq_table.h"
#include "encoding/block_codec.h"
#include "encoding/limits.h"
#include "encoding/result.h"
#include "log/core.h"

namespace bee::btree::internal {

// A reference to one B-tree node: level `offset` of block `seq`.
struct NodeRef {
  uint64_t seq = 0;
  uint64_t offset = 0;
  bool operator==(const NodeRef&) const = default;
};

using BlockPtr = std::shared_ptr<const NodeBlock>;

// The Corruption of CheckChildRef below, out of line.
Status ChildRefError(NodeRef parent, size_t child, NodeRef ref);

// The structural rule every hyperbee tree obeys, checked wherever a child
// reference is followed: the child of level `parent.offset` of block
// `parent.seq` is a level of an earlier node block, or another level of the
// same block. A single write lists its rewritten nodes in pre-order, so its
// children come later in the block (FORMAT.md §3, §6.2); a batch's
// compaction may move a kept child before its parent (§8.3, scenario C).
// So following children never reaches a later block, and a cycle stays
// inside one block, where kMaxTreeDepth (encoding/limits.h) ends it. Corruption
// naming the parent's block and level and the child's position otherwise.
// Inline: it runs for every child a walk follows.
inline Status CheckChildRef(NodeRef parent, size_t child, NodeRef ref) {
  const bool earlier_block = ref.seq >= 1 && ref.seq < parent.seq;
  const bool other_level = ref.seq == parent.seq && ref.offset != parent.offset;
  if (earlier_block || other_level) [[likely]] {
    return Status::OK();
  }
  return ChildRefError(parent, child, ref);
}

// A B-tree node packed for searching: its keys' bytes are copied inline, so
// a binary search touches one buffer instead of one block per key.
//   u32 k ‖ u32 c ‖ u64 seq[k] ‖ u64 child[2c] ‖ u32 end[k] ‖ key bytes
// (end[i] = offset past key i within the key bytes).
class PackedNode {
 public:
  explicit PackedNode(std::string_view buf) : buf_(buf) {}
  size_t size() const { return U32(0); }
  size_t children() const { return U32(4); }
  bool leaf() const { return children() == 0; }
  uint64_t seq(size_t i) const { return U64(8 + 8 * i); }
  NodeRef child(size_t i) const {
    size_t at = 8 + 8 * size() + 16 * i;
    return NodeRef{U64(at), U64(at + 8)};
  }
  std::string_view key(size_t i) const {
    size_t ends = 8 + 8 * size() + 16 * children();
    size_t bytes = ends + 4 * size();
    size_t begin = i == 0 ? 0 : U32(ends + 4 * (i - 1));
    return buf_.substr(bytes + begin, U32(ends + 4 * i) - begin);
  }

 private:
  uint32_t U32(size_t at) const;
  uint64_t U64(size_t at) const;
  std::string_view buf_;
};

// One B-tree node as the writer reads it: the seqs of its keys and its
// children as (seq, offset) pairs, flattened. Views into the cache, valid as
// long as the block is (see BlockCache::Peek).
using LevelView = IndexLevelView;

// A block in one buffer of 64-bit words, as the cache keeps it for the
// writer (one allocation, one memory access to reach a node):
//   [0] n, [1..n] the word where level i begins,
//   [n+1] key size, [n+2] value size + 1 (0: no value; kValueElsewhere: the
//   decoded block holds it), [n+3] the word where the key's bytes begin,
//   levels: k, c, keys[k], children[c]; then the key's and value's bytes.
using FlatBlock = std::unique_ptr<uint64_t[]>;
FlatBlock MakeFlatBlock(std::span<const IndexLevelView> levels,
                        std::string_view key,
                        std::optional<std::string_view> value);

class BlockCache {
 public:
  // REQUIRES: core outlives the cache.
  explicit BlockCache(const log::Core* core);
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // The decoded node block at seq (seq >= 1): Corruption naming the seq if
  // the block is not a valid node block, or an error from the log.
  Result<BlockPtr> Get(uint64_t seq) const;

  // Checks that ref names an existing level of its block and returns the
  // block; Corruption otherwise.
  Result<BlockPtr> GetNode(NodeRef ref) const;

  // As Get, without sharing ownership: the block stays alive until
  // Invalidate(from <= seq), which only a truncation (under the store's
  // write lock) calls. For hot paths that read versions <= the log length.
  Result<const NodeBlock*> Peek(uint64_t seq) const;
  // The node at ref from a flat copy of the block's levels (one buffer, so
  // reading a node costs one memory access where the decoded block costs
  // three); Corruption if the block has no such level.
  Result<LevelView> PeekLevel(NodeRef ref) const;

  // The node at ref, packed (built on first use, then cached with its
  // block). The view lives as long as the block does (see Peek).
  Result<PackedNode> Packed(NodeRef ref) const;

  // Caches blocks the caller just appended at first, first + 1, ... (so they
  // are not read back and decoded); they are decoded from these on first
  // Get. REQUIRES: each is exactly the block at its seq.
  void Insert(uint64_t first, std::vector<FlatBlock> blocks);

  // Hints that Peek(seq) or PeekLevel on it may come soon: starts loading
  // its flat levels (or its slot, when it holds none yet).
  void PrefetchBlock(uint64_t seq) const {
    if (const PeekSlot* slot = peek_.Find(seq)) {
      const uint64_t* w = slot->flat.load(std::memory_order_relaxed);
      if (w == nullptr) {
        __builtin_prefetch(slot);
        return;
      }
      __builtin_prefetch(w);
      __builtin_prefetch(w + 8);  // a leaf's keys run into the next line
    }
  }

  // Hints that KeyOf(seq) is coming: starts loading its slot into the CPU
  // cache, so the lookups of a node's keys overlap instead of queueing.
  void PrefetchKey(uint64_t seq) const {
    if (const KeySlot* slot = keys_.Find(seq)) __builtin_prefetch(slot);
  }

  // The key stored in block seq, from the key cache: short keys sit inline
  // in a fixed-position table, so a comparison costs one memory access.
  // The view lives as long as the block does (see Peek).
  Result<std::string_view> KeyOf(uint64_t seq) const;

  // Drops cached blocks with seq >= from (after a truncation).
  void Invalidate(uint64_t from);

  const log::Core* core() const { return core_; }

 private:
  const log::Core* core_;
  mutable std::shared_mutex mu_;
  mutable std::vector<BlockPtr> blocks_;  // index = seq; null = not loaded
  // Packed levels of each block (index = seq), each built on first use; an
  // empty string is a level not packed yet. Guarded by mu_.
  mutable std::vector<std::unique_ptr<std::vector<std::string>>> packed_;

  Result<std::string> Pack(LevelView level) const;

  // Lock-free views of the cached blocks and of their keys, for Peek and
  // KeyOf: set under mu_ (exclusive) when a block is cached, cleared by
  // Invalidate. A key slot is published by its `present` flag; short keys
  // sit inline so a comparison costs one memory access.
  struct alignas(32) KeySlot {  // one cache line holds it whole
    std::atomic<bool> present{false};
    char inline_bytes[19] = {};
    uint32_t size = 0;
    const char* data = nullptr;  // into the cached block when not inline
  };
  static constexpr uint64_t kValueElsewhere = ~uint64_t{0};
  // Publishes block seq for the lock-free readers: its key, its flat form
  // and, when given, its decoded form (already in blocks_[seq]).
  // REQUIRES: mu_ held exclusively; the block is not published.
  void Publish(uint64_t seq, FlatBlock flat, const NodeBlock* block) const;
  struct PeekSlot {
    std::atomic<const NodeBlock*> block{nullptr};  // null: not decoded yet
    std::atomic<const uint64_t*> flat{nullptr};    // null: not cached
  };
  mutable SeqTable<PeekSlot> peek_;
  // Owners of the flat blocks, index = seq. Guarded by mu_.
  mutable std::vector<FlatBlock> flat_;
  mutable SeqTable<KeySlot> keys_;
  mutable uint64_t published_limit_ = 0;  // one past the highest published
  static_assert(sizeof(KeySlot) == 32);
};

// The level `ref.offset` of a block fetched with GetNode.
inline const IndexLevel& LevelOf(const NodeBlock& block, NodeRef ref) {
  return block.levels[ref.offset];
}

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_BLOCK_CACHE_H_
