// BlockCache: decoded hyperbee node blocks by seq, shared by the writer and
// every reader of one store.
//
// Blocks of an append-only log never change once signed, so a decoded block
// is immutable and can be shared freely (shared_ptr<const>). A node of the
// B-tree is (seq, offset) = level `offset` of the decoded block `seq`; the key
// (and value) stored under key seq s is block s's key (and value). That is all
// the tree needs to read.
//
// Thread safety: every method is safe to call concurrently. Peek, PeekLevel,
// Packed and KeyOf take no lock when the block is cached (the writer's and
// the readers' hot paths); the views they return are protected by epochs
// (btree/internal/epoch.h), since the cache evicts blocks to stay within
// its byte budget. Invalidate is only needed after the log is truncated.
#ifndef BEE_BTREE_INTERNAL_BLOCK_CACHE_H_
#define BEE_BTREE_INTERNAL_BLOCK_CACHE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <vector>

#include "btree/bee.h"
#include "btree/internal/epoch.h"
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
//   [n+1] key size, [n+2] value size + 1 (0: no value), [n+3] the word
//   where the key's bytes begin,
//   levels: k, c, keys[k], children[c]; then the key's and value's bytes.
using FlatBlock = std::unique_ptr<uint64_t[]>;
FlatBlock MakeFlatBlock(std::span<const IndexLevelView> levels,
                        std::string_view key,
                        std::optional<std::string_view> value);
// The same from a scanned block (ScanNodeBlock), in one allocation: what a
// cache miss builds from the log's bytes. REQUIRES: `block` scanned
// successfully and its bytes still valid.
FlatBlock MakeFlatBlock(const NodeBlockView& block);

using btree::kDefaultCacheBytes;  // btree/bee.h

// One cached block. Owned by references: the cache holds one while the
// block is cached and until no lock-free reader can still see it after its
// eviction; each BlockRef holds one.
struct CacheEntry {
  uint64_t seq = 0;
  FlatBlock flat;  // with the value inline
  size_t levels = 0;
  std::atomic<uint32_t> refs{1};
  // Set once under the cache's lock, before decoded_raw publishes it; never
  // changed while the entry exists.
  BlockPtr decoded;
  std::atomic<const NodeBlock*> decoded_raw{nullptr};
  // The packed form of each level, built on first use, set once each; the
  // array itself is allocated (under the cache's lock) with the first, so
  // a block never searched (a scan's) costs no allocation for it.
  std::atomic<std::atomic<const std::string*>*> packed{nullptr};
  size_t charge = 0;           // bytes charged while cached (cache's lock)
  bool live = true;            // false once evicted (cache's lock)
  CacheEntry* prev = nullptr;  // the CLOCK ring (cache's lock)
  CacheEntry* next = nullptr;
  ~CacheEntry();
  void Unref() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

// Shared ownership of one cached block's flat form: its levels, key and
// value stay valid while the reference lives, whatever the cache evicts.
// Copying costs an atomic increment.
class BlockRef {
 public:
  BlockRef() = default;
  BlockRef(const BlockRef& o) : e_(o.e_) {
    if (e_ != nullptr) e_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  BlockRef(BlockRef&& o) noexcept : e_(o.e_) { o.e_ = nullptr; }
  BlockRef& operator=(BlockRef o) noexcept {
    std::swap(e_, o.e_);
    return *this;
  }
  ~BlockRef() {
    if (e_ != nullptr) e_->Unref();
  }
  explicit operator bool() const { return e_ != nullptr; }
  uint64_t seq() const { return e_->seq; }
  size_t levels() const { return e_->levels; }
  // REQUIRES: i < levels().
  LevelView level(size_t i) const;
  std::string_view key() const;
  std::optional<std::string_view> value() const;

 private:
  friend class BlockCache;
  explicit BlockRef(CacheEntry* e) : e_(e) {
    e_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  CacheEntry* e_ = nullptr;
};

// The key and value of a flat block, as views.
std::string_view FlatKey(const uint64_t* w);
std::optional<std::string_view> FlatValue(const uint64_t* w);
LevelView FlatLevel(const uint64_t* w, uint64_t offset);

class BlockCache {
 public:
  // REQUIRES: core outlives the cache. The cache keeps its blocks within
  // `budget` bytes (see "Memory" below).
  explicit BlockCache(const log::Core* core,
                      size_t budget = kDefaultCacheBytes);
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;
  ~BlockCache();

  // Memory: every cached block (its flat form, its decoded form once a
  // reader asks for it, its packed nodes) and the tables that find it are
  // charged to the budget. When a new block pushes the total past it, the
  // cache evicts blocks not used recently (a CLOCK sweep: a block used
  // since the hand last passed gets a second chance; a block read once, as
  // by a scan, goes first). Eviction never invalidates what a reader holds:
  //  - a BlockPtr (Get, GetNode) owns its decoded block;
  //  - views (PeekEntry, PeekLevel, Packed, KeyOf) stay valid while the caller
  //    is inside an EpochGuard or holds an EpochPin taken before the view
  //    (btree/internal/epoch.h); the memory of an evicted block is freed
  //    once no guard or pin that could see it remains.
  // So memory stays within the budget plus what readers hold: their
  // BlockPtrs, and blocks evicted while a guard or pin was held (a batch's
  // writer pins until its flush).

  // The decoded node block at seq (seq >= 1): Corruption naming the seq if
  // the block is not a valid node block, or an error from the log.
  Result<BlockPtr> Get(uint64_t seq) const;

  // Checks that ref names an existing level of its block and returns the
  // block; Corruption otherwise.
  Result<BlockPtr> GetNode(NodeRef ref) const;

  // Shares ownership of block seq's flat form (levels, key, value), without
  // decoding it: what iterators hold. Errors as Get.
  Result<BlockRef> Pin(uint64_t seq) const;
  // As Pin, checking that ref names an existing level (Corruption if not).
  Result<BlockRef> PinNode(NodeRef ref) const;

  // The key and value of block seq, as views. REQUIRES: a guard or pin (Memory,
  // above).
  struct EntryBytes {
    std::string_view key;
    std::optional<std::string_view> value;
  };
  Result<EntryBytes> PeekEntry(uint64_t seq) const;

  // The entry (key and value) of block seq, copied: from the cache when the
  // block is cached, else read alone and not cached (ReadEntries), since a
  // point lookup uses it once. Errors as Get. REQUIRES: a guard or pin
  // (Memory, above).
  Result<btree::Entry> CopyEntry(uint64_t seq) const;

  // The node at ref from a flat copy of the block's levels (one buffer, so
  // reading a node costs one memory access where the decoded block costs
  // three); Corruption if the block has no such level. REQUIRES: a guard or pin
  // (Memory, above).
  Result<LevelView> PeekLevel(NodeRef ref) const;

  // The node at ref, packed (built on first use, then cached with its
  // block). REQUIRES: a guard or pin (Memory, above).
  Result<PackedNode> Packed(NodeRef ref) const;

  // Caches blocks the caller just appended at first, first + 1, ... (so they
  // are not read back and decoded); they are decoded from these on first
  // Get. REQUIRES: each is exactly the block at its seq.
  void Insert(uint64_t first, std::vector<FlatBlock> blocks);

  // Caches those of `seqs` (node blocks, >= 1) that are not cached, read
  // from the log in one verified batch (log::Core::GetMany): cheaper than
  // loading them one by one, as a node's keys or a leaf's entries are
  // about to be. Best effort: a block that cannot be read or decoded is
  // left out, and its own load reports the error when it is used.
  // REQUIRES: a guard or pin (Memory, above).
  void Prefetch(std::span<const uint64_t> seqs) const;

  // Hints that PeekLevel or PeekEntry on seq may come soon: starts loading
  // its flat levels (or its slot, when it holds none yet). REQUIRES: a guard or
  // pin (Memory, above).
  void PrefetchBlock(uint64_t seq) const {
    if (const Slot* slot = slots_.Find(seq)) {
      const uint64_t* w = slot->flat.load(std::memory_order_relaxed);
      if (w == nullptr) {
        __builtin_prefetch(slot);
        return;
      }
      __builtin_prefetch(w);
      __builtin_prefetch(w + 8);  // a leaf's keys run into the next line
    }
  }

  // Hints that an entry's key and value (Pin, PeekEntry) are coming soon,
  // after a PrefetchBlock of seq: starts loading its key's bytes. REQUIRES: a
  // guard or pin (Memory, above).
  void PrefetchEntryBytes(uint64_t seq) const {
    if (const Slot* slot = slots_.Find(seq)) {
      // Acquire: this reads the block's words (published with release).
      if (const uint64_t* w = slot->flat.load(std::memory_order_acquire)) {
        __builtin_prefetch(w + w[w[0] + 3]);
      }
    }
  }

  // Hints that KeyOf(seq) is coming: starts loading its slot into the CPU
  // cache, so the lookups of a node's keys overlap instead of queueing.
  void PrefetchKey(uint64_t seq) const {
    if (const Slot* slot = slots_.Find(seq)) __builtin_prefetch(slot);
  }

  // The key stored in block seq, from the slot table: short keys sit inline
  // in a fixed-position table, so a comparison costs one memory access.
  // REQUIRES: a guard or pin (Memory, above).
  Result<std::string_view> KeyOf(uint64_t seq) const;

  // Where ReadEntries put one block's key (and value) in its buffer: the
  // key's bytes at `begin`, the value's right after them.
  struct ReadEntry {
    size_t begin = 0;
    uint32_t key_size = 0;
    uint32_t value_size = 0;
    bool has_value = false;
    bool found = false;  // false: cached, unreadable, or past max_bytes
  };
  // Reads the keys (with `values`, the keys and values) of those of `seqs`
  // whose blocks are not cached, in one verified batch (log::Core::GetMany;
  // one fetch on a sparse replica), each block scanned and validated as a
  // cache load would (ScanNodeBlock), without caching them: what packing a
  // node needs (keys) and what a scan returns (entries), at the cost of one
  // copy instead of a flat block and its entry per block. Appends the bytes
  // to *bytes while they stay within max_bytes; (*out)[i] says where
  // seqs[i]'s are. Best effort: a block that is cached, cannot be read or
  // decoded, or does not fit is not found, and the caller reads it through
  // the cache (which names any error). At most 64 blocks are read.
  void ReadEntries(std::span<const uint64_t> seqs, bool values,
                   size_t max_bytes, std::string* bytes,
                   std::vector<ReadEntry>* out) const;

  // Where ReadLevels put one node in its buffer: its `keys` key seqs from
  // `begin`, then its `children` child words (two per child).
  struct ReadLevel {
    size_t begin = 0;
    uint32_t keys = 0;
    uint32_t children = 0;
    bool found = false;  // false: cached, unreadable, or no such level
  };
  // As ReadEntries, for nodes: reads the blocks of those of `refs` that are
  // not cached in one verified batch, each scanned and validated as a
  // cache load would, and copies the level each ref names to *words
  // (cleared first); (*out)[i] says where refs[i]'s is. What a scan needs
  // of a node it walks once. Best effort: a node whose block is cached,
  // cannot be read or decoded, or has no such level is not found, and the
  // caller reads it through the cache (PinNode, which names any error). At
  // most 64 blocks are read.
  void ReadLevels(std::span<const NodeRef> refs, std::vector<uint64_t>* words,
                  std::vector<ReadLevel>* out) const;

  // Drops cached blocks with seq >= from (after a truncation).
  void Invalidate(uint64_t from);

  // Bytes charged now (blocks and tables), and the budget.
  size_t usage() const;
  size_t budget() const { return budget_; }
  // Blocks cached now, and evicted objects (blocks and table chunks) not
  // freed yet because a reader might still see them.
  size_t cached_blocks() const;
  size_t retired_objects() const;

  const log::Core* core() const { return core_; }

 private:
  using Entry = CacheEntry;
  // One line per seq: the key (inline when short) and the cached block.
  // Fields are published under mu_ (exclusive) and read without a lock.
  struct alignas(64) Slot {
    std::atomic<bool> present{false};             // key, entry and flat are set
    mutable std::atomic<bool> referenced{false};  // used since the hand passed
    std::atomic<uint32_t> size{0};
    std::atomic<const char*> data{nullptr};  // the key's bytes
    std::atomic<Entry*> entry{nullptr};
    std::atomic<const uint64_t*> flat{nullptr};
    char inline_bytes[32] = {};
  };
  static_assert(sizeof(Slot) == 64);

  // The slot of a cached block, or nullptr; marks it used.
  const Slot* Hit(uint64_t seq) const {
    const Slot* slot = slots_.Find(seq);
    if (slot == nullptr || !slot->present.load(std::memory_order_acquire)) {
      return nullptr;
    }
    if (!slot->referenced.load(std::memory_order_relaxed)) {
      slot->referenced.store(true, std::memory_order_relaxed);
    }
    return slot;
  }
  // Decodes a node block into its flat form, without libprotobuf and with
  // one allocation (ScanNodeBlock): Corruption naming seq.
  static Result<FlatBlock> Flatten(uint64_t seq, std::string_view raw);
  // Reads, decodes and caches block seq (a miss). REQUIRES: a guard or pin
  // (Memory, above).
  Result<Entry*> Load(uint64_t seq) const;
  // The entry of a cached block, or Load's. REQUIRES: a guard or pin (Memory,
  // above).
  Result<Entry*> Find(uint64_t seq) const;
  // The decoded form of a cached entry, built on first use.
  Result<BlockPtr> Decoded(Entry* entry) const;
  Result<std::string> Pack(LevelView level) const;

  // Publishes a new entry for seq. REQUIRES: mu_ held exclusively; seq not
  // cached.
  Entry* Publish(uint64_t seq, FlatBlock flat, BlockPtr decoded) const;
  // Unpublishes and retires an entry. REQUIRES: mu_ held exclusively.
  void Evict(Entry* entry) const;
  // Evicts until the usage fits the budget, then frees what no reader can
  // still see. REQUIRES: mu_ held exclusively.
  void Shrink() const;
  void Reclaim() const;

  const log::Core* core_;
  const size_t budget_;
  mutable std::shared_mutex mu_;
  // 32 slots (2 KiB) per chunk: a chunk is freed when its last block is
  // evicted, so blocks scattered over a large log cost little table.
  using Slots = SeqTable<Slot, 5>;
  mutable Slots slots_;
  // Guarded by mu_: the CLOCK ring of cached entries, the hand, the bytes
  // charged and the retired objects awaiting their epoch.
  mutable Entry* hand_ = nullptr;
  mutable size_t entries_ = 0;
  mutable std::atomic<size_t> usage_{0};
  struct Retired {
    uint64_t epoch;
    Entry* entry;  // or null with a chunk
    void* chunk;
  };
  mutable std::deque<Retired> retired_;
};

// The level `ref.offset` of a block fetched with GetNode.
inline const IndexLevel& LevelOf(const NodeBlock& block, NodeRef ref) {
  return block.levels[ref.offset];
}

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_BLOCK_CACHE_H_
