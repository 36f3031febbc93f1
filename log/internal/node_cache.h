// NodeCache: a bounded cache of verified merkle nodes. Private to log/.
#ifndef BEE_LOG_INTERNAL_NODE_CACHE_H_
#define BEE_LOG_INTERNAL_NODE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include "log/crypto.h"

namespace bee::log {

// A verified merkle node and the byte offset in the log of the first block
// byte below it (derived from verified sizes, so as trustworthy as the node).
struct PlacedNode {
  TreeNode node;
  uint64_t offset = 0;
};

// Verified merkle nodes by flat-tree index, within a byte budget: its memory
// (memory_usage(): the tables and the object itself, 56 bytes a node) does
// not grow with the log. The table starts small and doubles as it fills, up
// to the largest power of two of entries the budget holds, so a small log
// pays for a small table. (While it doubles, the old table, half the new
// one, lives for the moment of the rehash.)
//
// Four-way set associative on a multiplicative hash of the index. When a set
// is full, the shallowest resident makes way, and a node shallower than
// every resident is not cached: a node of depth d ends the verification of
// each of the 2^d blocks below it up to d hashes early, so deep nodes are
// worth more, and a large log's cache settles on its upper levels.
//
// Besides, a small direct-mapped table keeps the nodes inserted last,
// whatever their depth, so the shallow nodes one read verified serve the
// next reads nearby (a proof of the same block, a sequential scan).
//
// Holds only nodes of the current signed tree: the owner inserts nodes that
// chain up to the signed roots, and drops those a truncation invalidates.
//
// Thread safety: every method is safe to call concurrently (one mutex).
class NodeCache {
 public:
  static constexpr size_t kWays = 4;
  static constexpr size_t kRecentEntries = 256;
  // The smallest budget (a smaller one is raised to it): two sets and a
  // small recent table.
  static constexpr size_t kMinBudget = 2048;

  // Keeps memory_usage() <= max(budget_bytes, kMinBudget).
  explicit NodeCache(size_t budget_bytes);
  NodeCache(const NodeCache&) = delete;
  NodeCache& operator=(const NodeCache&) = delete;

  // Looks up node `index` and then its ancestors below `root` (an ancestor
  // of index, or index itself): returns how many levels up the first cached
  // one is, with it in *out, or the levels from index to root if none is.
  size_t FindAncestor(uint64_t index, uint64_t root, PlacedNode* out) const;
  // For each i: found[i] = whether node indexes[i] is cached, with it in
  // out[i]. One lock for all. REQUIRES: the spans have one size.
  void FindEach(std::span<const uint64_t> indexes, std::span<PlacedNode> out,
                std::span<uint8_t> found) const;
  void Insert(std::span<const PlacedNode> nodes);
  // Forgets every node that covers a block at or past `length`.
  void DropFrom(uint64_t length);

  size_t size() const;
  size_t capacity() const;
  // Bytes this cache holds: its tables and itself.
  size_t memory_usage() const;

 private:
  struct Entry {
    uint64_t key = 0;  // index + 1; 0 for an empty slot
    uint64_t size = 0;
    uint64_t offset = 0;
    Hash32 hash{};
  };
  struct Value {
    uint64_t size = 0;
    uint64_t offset = 0;
    Hash32 hash{};
  };
  // The keys first, in one half cache line: a lookup that misses touches
  // only them.
  struct alignas(32) Set {
    uint64_t keys[kWays] = {};  // index + 1; 0 for an empty way
    Value values[kWays];
  };
  static_assert(sizeof(Set) == kWays * 56);

  // REQUIRES: mu_ held.
  size_t SetOf(uint64_t index) const;
  size_t RecentSlot(uint64_t index) const;
  // Node `index` into *out if cached.
  bool FindLocked(uint64_t index, PlacedNode* out) const;
  void InsertLocked(const PlacedNode& n);
  void Grow();

  mutable std::mutex mu_;
  std::vector<Set> sets_;
  std::vector<Entry> recent_;  // 1 << recent_bits_, always replaced
  int set_bits_ = 0;           // sets_.size() == 1 << set_bits_
  int recent_bits_ = 0;
  size_t used_ = 0;
  size_t max_entries_ = 0;
};

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_NODE_CACHE_H_
