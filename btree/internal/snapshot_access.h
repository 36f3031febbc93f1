// SnapshotAccess: what the tree's read algorithms (iterators, diff,
// history, inspection, verification) need from a Snapshot beyond its public
// API: the store's block cache and the root of the snapshot's tree. Kept
// out of btree/bee.h so that no internal type appears in a public header.
//
// Thread safety: as Snapshot (immutable; the cache is thread-safe).
#ifndef BEE_BTREE_INTERNAL_SNAPSHOT_ACCESS_H_
#define BEE_BTREE_INTERNAL_SNAPSHOT_ACCESS_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "btree/bee.h"
#include "btree/internal/block_cache.h"

namespace bee::btree::internal {

struct SnapshotAccess {
  static Snapshot Make(std::shared_ptr<const Store> store, uint64_t version,
                       std::optional<NodeRef> root) {
    return Snapshot(std::move(store), version, root.has_value(),
                    root ? root->seq : 0, root ? root->offset : 0);
  }
  // Lives as long as the snapshot (or any copy of it).
  static const BlockCache& Cache(const Snapshot& s);
  static std::optional<NodeRef> Root(const Snapshot& s) {
    if (!s.has_root_) return std::nullopt;
    return NodeRef{s.root_seq_, s.root_offset_};
  }
};

inline const BlockCache& CacheOf(const Snapshot& s) {
  return SnapshotAccess::Cache(s);
}
inline std::optional<NodeRef> RootOf(const Snapshot& s) {
  return SnapshotAccess::Root(s);
}

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_SNAPSHOT_ACCESS_H_
