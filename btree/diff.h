/// @file
/// Diff between two versions (FORMAT.md §10.6): for every key whose entry
/// differs (present in one only, or written by a different block), one
/// {left, right} pair in ascending key order. Subtrees both versions share
/// (same block and level) are skipped without being read, so the cost follows
/// the size of the change, not of the tree.
///
/// Thread safety: one iterator per thread; its snapshots may be shared.
/// Errors: Corruption (or the log's read error) naming a damaged block.
#ifndef BEE_BTREE_DIFF_H_
#define BEE_BTREE_DIFF_H_

#include <memory>
#include <optional>
#include <string>

#include "btree/bee.h"

namespace bee::btree {

/// Which keys a DiffIterator compares, and how many pairs it yields.
struct DiffOptions {
  /// Key bounds, as RangeOptions except when both of a side are given: then,
  /// as in hyperbee's diff, the key is gt's (lt's) and it is included
  /// ({gt: a, gte: b} means gte a; {lt: a, lte: b} means lte a).
  std::optional<std::string> gt, gte, lt, lte;
  int64_t limit = -1;  ///< at most this many pairs; negative: unlimited
};

/// One key whose entry differs; at least one side is set.
struct DiffEntry {
  std::optional<Entry> left;   ///< in the left (first) snapshot
  std::optional<Entry> right;  ///< in the right (other) snapshot
  bool operator==(const DiffEntry&) const = default;
};

/// Walks two snapshots in parallel, yielding the keys whose entries differ.
/// Owns copies of both snapshots (they may outlive the Bee). Move-only.
class DiffIterator {
 public:
  /// Starts before the first key of the range; reads nothing yet.
  /// REQUIRES: both snapshots come from the same store.
  DiffIterator(Snapshot left, Snapshot right, DiffOptions options);
  DiffIterator(DiffIterator&&) noexcept;
  DiffIterator& operator=(DiffIterator&&) noexcept;
  ~DiffIterator();

  /// The next pair in key order, or nullopt past the end. The iterator
  /// must not be used after an error.
  Result<std::optional<DiffEntry>> Next();

 private:
  // The parallel walk's state (btree/diff.cc), allocated once per iterator.
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bee::btree

#endif  // BEE_BTREE_DIFF_H_
