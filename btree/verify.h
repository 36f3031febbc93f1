/// @file
/// Whole-store verification and repair: the log's files (log::Core::Verify
/// and Repair) plus what a store adds, the `boundaries` file and the
/// hyperbee blocks (docs/FORMAT.md §4.4); and the B-tree invariants of one
/// version (CheckTree). The tools (`bee-dump --verify`, `bee repair`) only
/// print what these return.
///
/// Thread safety: VerifyStore and RepairStore open the store themselves;
/// VerifyStore reads only (it may run while a writer has the store open),
/// RepairStore takes the writer lock. CheckTree reads a snapshot, from any
/// thread.
#ifndef BEE_BTREE_VERIFY_H_
#define BEE_BTREE_VERIFY_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "btree/bee.h"
#include "encoding/result.h"
#include "log/core.h"

namespace bee::btree {

/// Checks every byte of the store in `dir`: every log file (meta, both head
/// slots, every tree record, every data byte), the boundaries file (check
/// bytes, order, lengths; leftovers of an interrupted append are notes),
/// that block 0 is a hyperbee header and that every other block decodes.
/// An error status only when the store cannot be opened at all (no meta, no
/// head that verifies).
Result<log::VerifyReport> VerifyStore(const std::string& dir,
                                      const BeeOptions& options = {});

/// Repairs the log (log::Core::Repair), then rewrites the boundaries file
/// when it is damaged or holds versions the repair dropped. A store that
/// verifies is not touched: changed == false and no file is written.
Result<log::RepairReport> RepairStore(const std::string& dir,
                                      const BeeOptions& options = {});

/// Options of CheckTree.
struct TreeCheckOptions {
  /// Called once per node read (a progress count).
  std::function<void()> on_node;
  /// How a key appears in a problem's text (default: hex).
  std::function<std::string(std::string_view)> quote_key;
  /// The check stops adding problems past this many.
  size_t max_problems = 50;
};

/// Checks the B-tree invariants of the tree at `snapshot`'s version: every
/// node within the version, 4 to 8 keys per non-root node, one child more
/// than keys, every leaf at the same depth, keys strictly ascending in order,
/// and only child references a hyperbee tree can hold (a path deeper than
/// kMaxTreeDepth is reported). Returns the problems found, one sentence
/// each naming the block and level (empty: well formed); a node that cannot
/// be read is a problem too, never an early return.
std::vector<std::string> CheckTree(const Snapshot& snapshot,
                                   const TreeCheckOptions& options = {});

}  // namespace bee::btree

#endif  // BEE_BTREE_VERIFY_H_
