#include "btree/version_root.h"

#include <string>

#include "btree/internal/key_compare.h"
#include "encoding/limits.h"

namespace bee::btree {

using internal::BlockPtr;
using internal::NodeRef;

Result<std::optional<NodeRef>> RootOfVersion(const internal::BlockCache& cache,
                                             uint64_t version) {
  if (version < 2) return std::optional<NodeRef>();
  BEE_ASSIGN_OR_RETURN(BlockPtr block, cache.Get(version - 1));
  if (block->levels.empty()) {
    return Status::Corruption("version " + std::to_string(version) +
                              " ends inside a batch: block " +
                              std::to_string(version - 1) + " holds no root");
  }
  const IndexLevel& root = block->levels[0];
  if (root.keys.empty() && root.children.empty()) {
    return std::optional<NodeRef>();
  }
  return std::optional<NodeRef>(NodeRef{version - 1, 0});
}

Result<std::optional<Entry>> Lookup(const internal::BlockCache& cache,
                                    std::optional<NodeRef> root,
                                    std::string_view key) {
  if (!root) return std::optional<Entry>();
  internal::EpochGuard guard;  // the packed nodes are views into the cache
  NodeRef ref = *root;
  for (size_t depth = 0; depth < kMaxTreeDepth; depth++) {
    BEE_ASSIGN_OR_RETURN(internal::PackedNode node, cache.Packed(ref));
    size_t lo = 0, hi = node.size();
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      int c = internal::CompareKeys(node.key(mid), key);
      if (c == 0) {
        BEE_ASSIGN_OR_RETURN(internal::BlockCache::EntryBytes found,
                             cache.PeekEntry(node.seq(mid)));
        Entry e{node.seq(mid), std::string(found.key), std::nullopt};
        if (found.value) e.value.emplace(*found.value);
        return std::optional<Entry>(std::move(e));
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (node.leaf()) return std::optional<Entry>();
    if (lo >= node.children()) {
      return Status::Corruption("block " + std::to_string(ref.seq) + " level " +
                                std::to_string(ref.offset) +
                                " has too few children");
    }
    BEE_RETURN_IF_ERROR(internal::CheckChildRef(ref, lo, node.child(lo)));
    ref = node.child(lo);
  }
  return TooDeep(ref);
}

Status TooDeep(NodeRef ref) {
  return Status::Corruption(
      "block " + std::to_string(ref.seq) + " level " +
      std::to_string(ref.offset) + " is deeper than " +
      std::to_string(kMaxTreeDepth) +
      " levels, the limit (kMaxTreeDepth): a reference cycle?");
}

Result<Entry> EntryAt(const internal::BlockCache& cache, uint64_t seq) {
  BEE_ASSIGN_OR_RETURN(BlockPtr block, cache.Get(seq));
  return Entry{seq, block->key, block->value};
}

}  // namespace bee::btree
