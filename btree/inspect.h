/// @file
/// Inspection of one version's tree, for debugging tools (`bee-dump`): the
/// decoded blocks, a walk over the B-tree's nodes, and statistics. The tools
/// only print what these return; none of it is needed to read or write.
///
/// Thread safety: as Snapshot (any thread; the snapshot must outlive the
/// call). Errors: the read's error, or Corruption naming the damaged block.
#ifndef BEE_BTREE_INSPECT_H_
#define BEE_BTREE_INSPECT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "btree/bee.h"
#include "encoding/block_codec.h"
#include "encoding/result.h"

namespace bee::btree {

/// The decoded node block `seq` (1 <= seq < snapshot.version()); the block
/// is immutable and shared with the store's cache.
Result<std::shared_ptr<const NodeBlock>> ReadNodeBlock(const Snapshot& snapshot,
                                                       uint64_t seq);

/// One node of the B-tree, as WalkTree finds it.
struct TreeNode {
  uint64_t seq = 0;    ///< the block that holds the node
  uint64_t level = 0;  ///< the node's level within that block
  size_t depth = 0;    ///< 0 for the root
  /// The node's keys (seqs) and children ((seq, level) pairs, flattened).
  /// Valid during the callback only.
  const IndexLevel* index = nullptr;
};

/// Visits every node reachable from the snapshot's root in pre-order
/// (children left to right). Stops at the first error `fn` returns, or at
/// damage: a child reference no hyperbee tree holds, a node reached twice
/// (a subtree shared by two parents), a path deeper than kMaxTreeDepth
/// (encoding/limits.h), or a missing level (each Corruption).
Status WalkTree(const Snapshot& snapshot,
                const std::function<Status(const TreeNode&)>& fn);

/// What `bee-dump --stats` shows: the shape of the tree at a version and
/// where its blocks' bytes go.
struct TreeStats {
  uint64_t version = 0;  ///< the version described
  size_t depth = 0;      ///< levels of nodes (0: empty tree)
  size_t nodes = 0;      ///< nodes reachable from the root
  size_t leaves = 0;     ///< of those, nodes without children
  size_t entries = 0;    ///< keys in the tree
  /// Keys per non-root node, when the tree has more than one node.
  std::optional<size_t> fill_min, fill_max;
  uint64_t blocks = 0;  ///< blocks up to the version (a new store: 0)
  /// Bytes of node blocks 1..version-1 as stored, split into the keys', the
  /// values' and the rest (index and framing).
  uint64_t bytes = 0, key_bytes = 0, value_bytes = 0, index_bytes = 0;
  uint64_t stored_nodes = 0;   ///< levels stored in those blocks
  uint64_t garbage_nodes = 0;  ///< of those, not reachable at the version
  /// Append boundaries (Bee::Boundaries); empty when unknown.
  std::vector<uint64_t> appends;
  /// One append (one signature) up to the version.
  struct Append {
    uint64_t version = 0;  ///< the version it ended
    uint64_t blocks = 0;   ///< blocks it appended
    uint64_t bytes = 0;    ///< their bytes as stored
  };
  std::vector<Append> per_version;  ///< up to the version, oldest first
};

/// REQUIRES: `snapshot` comes from `bee`. Reads every block up to the
/// version: the cost follows the size of the store.
Result<TreeStats> ComputeTreeStats(const Bee& bee, const Snapshot& snapshot);

}  // namespace bee::btree

#endif  // BEE_BTREE_INSPECT_H_
