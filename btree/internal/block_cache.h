// BlockCache: decoded hyperbee node blocks by seq, shared by the writer and
// every reader of one store.
//
// Blocks of an append-only log never change once signed, so a decoded block
// is immutable and can be shared freely (shared_ptr<const>). A node of the
// B-tree is (seq, offset) = level `offset` of the decoded block `seq`; the key
// (and value) stored under key seq s is block s's key (and value). That is all
// the tree needs to read.
//
// Thread safety: Get and Invalidate are safe to call concurrently.
// Invalidate is only needed after the log is truncated.
#ifndef BEE_BTREE_INTERNAL_BLOCK_CACHE_H_
#define BEE_BTREE_INTERNAL_BLOCK_CACHE_H_

#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "encoding/block_codec.h"
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
  Result<const NodeBlock*> PeekNode(NodeRef ref) const;

  // Caches a block the caller just appended (so it is not read back and
  // decoded). REQUIRES: `block` is exactly the decoded block at seq.
  void Insert(uint64_t seq, BlockPtr block);

  // Drops cached blocks with seq >= from (after a truncation).
  void Invalidate(uint64_t from);

  const log::Core* core() const { return core_; }

 private:
  const log::Core* core_;
  mutable std::shared_mutex mu_;
  mutable std::vector<BlockPtr> blocks_;  // index = seq; null = not loaded
};

// The level `ref.offset` of a block fetched with GetNode.
inline const IndexLevel& LevelOf(const NodeBlock& block, NodeRef ref) {
  return block.levels[ref.offset];
}

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_BLOCK_CACHE_H_
