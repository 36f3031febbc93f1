// Diff between two versions (FORMAT.md §10.6): for every key whose entry
// differs (present in one only, or written by a different block), one
// {left, right} pair in ascending key order. Subtrees both versions share
// (same block and level) are skipped without being read, so the cost follows
// the size of the change, not of the tree.
#ifndef BEE_BTREE_DIFF_H_
#define BEE_BTREE_DIFF_H_

#include <optional>
#include <string>
#include <vector>

#include "btree/bee.h"

namespace bee::btree {

struct DiffOptions {
  // Key bounds, as RangeOptions except when both of a side are given: then,
  // as in hyperbee's diff, the key is gt's (lt's) and it is included
  // ({gt: a, gte: b} means gte a; {lt: a, lte: b} means lte a).
  std::optional<std::string> gt, gte, lt, lte;
  int64_t limit = -1;  // counts pairs; < 0 unlimited
};

struct DiffEntry {
  std::optional<Entry> left;   // in the left (first) snapshot
  std::optional<Entry> right;  // in the right (other) snapshot
  bool operator==(const DiffEntry&) const = default;
};

class DiffIterator {
 public:
  // REQUIRES: both snapshots come from the same store.
  DiffIterator(Snapshot left, Snapshot right, DiffOptions options);

  Result<std::optional<DiffEntry>> Next();

 private:
  // One side: a stack of nodes, each at a position of its interleaving.
  struct Frame {
    internal::BlockPtr block;
    internal::NodeRef ref;  // where the node is, to check its children
    const IndexLevel* level;
    size_t pos;         // 0..2k: even = child pos/2, odd = key (pos-1)/2
    std::string bound;  // every key of the node is below it...
    bool unbounded;     // ...unless the node is the last along its path
  };
  struct Side {
    Snapshot snap;
    std::vector<Frame> stack;
    // The last key this side passed: each must follow it strictly, which
    // also bounds the walk of a hostile tree sharing one subtree under many
    // parents.
    std::string last_key;
    bool passed_key = false;
  };
  // What a side's head is: a key (seq) or a subtree (seq, offset).
  struct Head {
    bool key;
    uint64_t seq;
    uint64_t offset;
    std::string_view bound;  // the key itself, or the subtree's upper bound
    bool unbounded;
  };

  Status Init(Side* side);
  Status Push(Side* side, internal::NodeRef ref, std::string bound,
              bool unbounded);
  Result<std::optional<Head>> Peek(Side* side);
  void Advance(Side* side);
  // Advances past the key `head`, checking it follows the side's last key.
  Status PassKey(Side* side, const Head& head);
  Status Expand(Side* side, const Head& head);
  Result<Entry> Take(Side* side, const Head& head);
  bool BeforeStart(std::string_view key) const;
  // Every key of the subtree is below the start bound.
  bool SubtreeBeforeStart(const Head& head) const;
  bool AfterEnd(std::string_view key) const;

  Side left_, right_;
  DiffOptions options_;
  std::vector<internal::BlockPtr> pins_;
  int64_t emitted_ = 0;
  bool started_ = false;
};

}  // namespace bee::btree

#endif  // BEE_BTREE_DIFF_H_
