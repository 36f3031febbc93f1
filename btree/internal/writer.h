// Writer: applies puts and deletes to an in-memory copy of the tree and
// produces the blocks hyperbee 2 would write for them, byte for byte
// (../shared/spec/FORMAT.md §5-§8). One Writer is one batch: a single put or
// del is a batch of one.
//
// The object graph mirrors hyperbee's on purpose, because bytes depend on
// it: child references are shared objects (parents and pending blocks point
// at the same ChildRef), nodes carry a CHANGED flag that survives refused
// operations within a batch (§8.4), and merges free a reference by zeroing
// its seq (§21.2.4).
//
// Memory: everything a batch builds (nodes, references, key and value
// copies) lives in one arena released with the Writer, so a put allocates
// nothing from the heap on its own. The keys it compares are views into
// the block cache, kept alive by the Writer's EpochPin: blocks the cache
// evicts while a Writer lives are freed after it is destroyed.
//
// Thread safety: a Writer is used by one thread at a time.
#ifndef BEE_BTREE_INTERNAL_WRITER_H_
#define BEE_BTREE_INTERNAL_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "btree/bee.h"
#include "btree/entry.h"
#include "btree/internal/block_cache.h"
#include "encoding/result.h"

namespace bee::btree::internal {

struct WNode;

// Level `offset` of block `seq`, and the node once it is in memory.
// `visit_offset` keeps the offset the level had before its block was
// compacted: a block encoded before that compaction (an earlier block of the
// same batch, §8.3) carries it.
struct ChildRef {
  uint64_t seq = 0;
  uint64_t offset = 0;
  WNode* node = nullptr;
  bool compacted = false;
  uint64_t visit_offset = 0;
};

// A key of a node: the seq of the block that holds it; its bytes are
// resolved on first comparison and stay valid for the Writer's life.
struct KeyRef {
  uint64_t seq = 0;
  std::string_view key;
  bool resolved = false;
};

// Allocated in the Writer's arena and never destroyed: its vectors draw on
// the same arena, whose release frees them.
struct WNode {
  explicit WNode(std::pmr::memory_resource* arena)
      : keys(arena), children(arena) {}
  std::pmr::vector<KeyRef> keys;
  std::pmr::vector<ChildRef*> children;
  bool changed = false;
  bool leaf() const { return children.empty(); }
};

using btree::CasFn;  // btree/bee.h

// A flush's blocks: blocks[i] is the encoding of the batch's block i (a
// view into `chunks`), flats[i] its flat form for the block cache. Reused
// between flushes so their memory is.
struct EncodedBatch {
  std::vector<std::string> chunks;
  std::vector<std::string_view> blocks;
  std::vector<FlatBlock> flats;
};

class Writer {
 public:
  // REQUIRES: cache outlives the Writer; `length` is the committed log
  // length (an append boundary) the batch starts from. With `separate`, each
  // operation's block is exactly what it would be if the operation were
  // appended on its own (no batch compaction, no flags left by refused
  // operations), so only the number of signatures differs.
  Writer(const BlockCache* cache, uint64_t length, bool separate = false);
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Returns whether a block is pending for the operation (false: refused by
  // cas, an unchanged value with always_duplicate off, or an absent key).
  Result<bool> Put(std::string_view key, std::optional<std::string_view> value,
                   const CasFn& cas, bool always_duplicate);
  Result<bool> Del(std::string_view key, const CasFn& cas);
  // Reads through the pending state.
  Result<std::optional<Entry>> Get(std::string_view key);

  size_t pending() const { return pending_.size(); }
  // Encodes the pending blocks in seq order, compacting every non-final one
  // (§8.3), with their flat forms for the block cache. Call once, at flush.
  // With `parallel`, a large batch is encoded on two threads
  // (log::ParallelFor).
  void EncodeBlocks(EncodedBatch* out, bool parallel);

 private:
  struct Pending {
    uint64_t seq;
    std::string_view key;                   // in the arena
    std::optional<std::string_view> value;  // in the arena
    std::pmr::vector<ChildRef*> levels;  // P of §8.3; P[0]: the root's own ref
  };
  struct Found {
    size_t pos;  // keys strictly smaller than the target
    bool found;
  };

  Result<bool> PutOnce(std::string_view key,
                       std::optional<std::string_view> value, const CasFn& cas,
                       bool always_duplicate);
  Result<WNode*> Root();
  Result<WNode*> ChildAt(WNode* node, size_t i);
  // ChildAt for a descent that reached `node` after `depth` steps:
  // Corruption past kMaxTreeDepth (a reference cycle inside one block).
  Result<WNode*> Descend(WNode* node, size_t i, size_t depth);
  Result<WNode*> Load(uint64_t seq, uint64_t offset);
  Result<std::string_view> KeyOf(KeyRef* k);
  Result<Entry> EntryOf(uint64_t seq);
  Result<Found> Search(WNode* node, std::string_view key);
  Result<bool> Allowed(const KeyRef& existing, uint64_t seq,
                       std::string_view key,
                       std::optional<std::string_view> value, const CasFn& cas,
                       bool always_duplicate);
  bool Refused(const std::vector<WNode*>& path);
  Status Split(WNode* node, std::vector<WNode*>* path, WNode** root);
  Status ReplaceWithNearestLeafKey(
      WNode* node, size_t j, std::vector<std::pair<WNode*, size_t>>* path);
  Result<size_t> EdgeLeafKeys(WNode* node, bool rightmost);
  Result<WNode*> Rebalance(std::vector<std::pair<WNode*, size_t>>* path);
  // Appends the block of operation `seq`: every changed node, found by
  // Visit, or, when `descent` is given, the root and the nodes `descent`
  // references (REQUIRES: then exactly those are changed).
  void WriteBlock(WNode* root, uint64_t seq, std::string_view key,
                  std::optional<std::string_view> value,
                  const std::vector<ChildRef*>* descent = nullptr);
  size_t Visit(WNode* node, ChildRef* ref, uint64_t seq, Pending* p);
  NodeBlock BuildBlock(const std::pmr::vector<ChildRef*>& levels,
                       const Pending& p) const;
  // Compacts block b's levels (§8.3); REQUIRES: not the batch's last block.
  void Compact(size_t b);
  // Appends block b to *out and returns its flat form. Reads only.
  FlatBlock EncodeBlock(size_t b, std::vector<uint64_t>* words,
                        std::vector<IndexLevelView>* views,
                        std::string* out) const;

  WNode* NewNode();
  ChildRef* NewRef(uint64_t seq, uint64_t offset, WNode* node);
  // A copy of `bytes` in the arena.
  std::string_view Keep(std::string_view bytes);
  uint64_t NextSeq() const { return length_ + pending_.size(); }

  // Keeps every cached view this writer takes (keys it compared, levels it
  // loaded) alive until it is destroyed, though the cache may evict them.
  EpochPin pin_;
  std::pmr::monotonic_buffer_resource arena_;  // the rest points in
  const BlockCache* cache_;
  const uint64_t length_;
  const bool separate_;
  std::vector<NodeBlock> sealed_;  // separate mode: blocks built so far
  WNode* root_ = nullptr;
  bool root_loaded_ = false;
  std::vector<Pending> pending_;
  std::vector<WNode*> path_;          // Put's descent, reused between puts
  std::vector<ChildRef*> path_refs_;  // the references it followed
  // A refused operation left CHANGED flags that no block cleared yet.
  bool stale_changes_ = false;
  size_t root_levels_hint_ = 8;  // levels the last block rewrote
};

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_WRITER_H_
