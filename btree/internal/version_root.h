// Where a version's tree starts, and a plain B-tree point lookup over the
// immutable decoded blocks (FORMAT.md §1.4-1.6, §10.1).
#ifndef BEE_BTREE_INTERNAL_VERSION_ROOT_H_
#define BEE_BTREE_INTERNAL_VERSION_ROOT_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "btree/entry.h"
#include "btree/internal/block_cache.h"
#include "encoding/result.h"

namespace bee::btree {

// The root of the tree at `version` (level 0 of block version-1), or nullopt
// for an empty tree (version < 2, or a root with no keys and no children).
// Corruption when block version-1 holds no index at all: the version ends
// inside a batch (FORMAT.md §8.3) or the block is not a tree block.
Result<std::optional<internal::NodeRef>> RootOfVersion(
    const internal::BlockCache& cache, uint64_t version);

// The entry stored under `key` in the tree at `root`.
Result<std::optional<Entry>> Lookup(const internal::BlockCache& cache,
                                    std::optional<internal::NodeRef> root,
                                    std::string_view key);

// The Corruption for a path from a root that reaches `ref` deeper than
// kMaxTreeDepth (encoding/limits.h): a cycle of child references.
Status TooDeep(internal::NodeRef ref);

// The entry written by block `seq` (no tree walk; deletions have no value).
Result<Entry> EntryAt(const internal::BlockCache& cache, uint64_t seq);

}  // namespace bee::btree

#endif  // BEE_BTREE_INTERNAL_VERSION_ROOT_H_
