#include "btree/inspect.h"

#include <algorithm>
#include <set>
#include <utility>

#include "btree/internal/block_cache.h"
#include "btree/internal/snapshot_access.h"
#include "btree/internal/version_root.h"
#include "encoding/limits.h"

namespace bee::btree {

using internal::NodeRef;

Result<std::shared_ptr<const NodeBlock>> ReadNodeBlock(const Snapshot& snapshot,
                                                       uint64_t seq) {
  return internal::CacheOf(snapshot).Get(seq);
}

Status WalkTree(const Snapshot& snapshot,
                const std::function<Status(const TreeNode&)>& fn) {
  const std::optional<NodeRef> root = internal::RootOf(snapshot);
  if (!root) return Status::OK();
  const internal::BlockCache& cache = internal::CacheOf(snapshot);
  std::vector<std::pair<NodeRef, size_t>> stack{{*root, 0}};
  // A tree reaches each node once: a node reached twice is a subtree shared
  // by two parents, whose walk could list 2^depth nodes.
  std::set<std::pair<uint64_t, uint64_t>> seen;
  while (!stack.empty()) {
    auto [ref, depth] = stack.back();
    stack.pop_back();
    if (depth >= kMaxTreeDepth) return TooDeep(ref);
    if (!seen.insert({ref.seq, ref.offset}).second) {
      return Status::Corruption("block " + std::to_string(ref.seq) + " level " +
                                std::to_string(ref.offset) +
                                " is the child of two nodes");
    }
    BEE_ASSIGN_OR_RETURN(internal::BlockPtr block, cache.GetNode(ref));
    const IndexLevel& level = internal::LevelOf(*block, ref);
    BEE_RETURN_IF_ERROR(fn(TreeNode{ref.seq, ref.offset, depth, &level}));
    for (size_t c = level.children.size(); c >= 2; c -= 2) {
      const NodeRef child{level.children[c - 2], level.children[c - 1]};
      BEE_RETURN_IF_ERROR(internal::CheckChildRef(ref, c / 2 - 1, child));
      stack.push_back({child, depth + 1});
    }
  }
  return Status::OK();
}

namespace {

// The shape of the tree: depth, nodes, fill; the reachable nodes.
Status AddShape(const Snapshot& snapshot, TreeStats* s,
                std::set<std::pair<uint64_t, uint64_t>>* reachable) {
  return WalkTree(snapshot, [&](const TreeNode& n) {
    const size_t k = n.index->keys.size();
    s->nodes++;
    s->leaves += n.index->children.empty();
    s->depth = std::max(s->depth, n.depth + 1);
    s->entries += k;
    if (n.depth > 0) {
      s->fill_min = std::min(s->fill_min.value_or(k), k);
      s->fill_max = std::max(s->fill_max.value_or(k), k);
    }
    reachable->insert({n.seq, n.level});
    return Status::OK();
  });
}

}  // namespace

Result<TreeStats> ComputeTreeStats(const Bee& bee, const Snapshot& snapshot) {
  TreeStats s;
  s.version = snapshot.version();
  std::set<std::pair<uint64_t, uint64_t>> reachable;
  BEE_RETURN_IF_ERROR(AddShape(snapshot, &s, &reachable));
  const internal::BlockCache& cache = internal::CacheOf(snapshot);
  const log::Core& core = bee.core();
  std::string raw;
  std::vector<uint64_t> sizes(s.version, 0);  // bytes of block seq
  for (uint64_t seq = 1; seq < s.version; seq++) {
    BEE_RETURN_IF_ERROR(core.Get(seq, &raw));
    BEE_ASSIGN_OR_RETURN(internal::BlockPtr block, cache.Get(seq));
    sizes[seq] = raw.size();
    s.bytes += raw.size();
    s.key_bytes += block->key.size();
    s.value_bytes += block->value ? block->value->size() : 0;
    s.stored_nodes += block->levels.size();
  }
  s.index_bytes = s.bytes - s.key_bytes - s.value_bytes;
  s.garbage_nodes = s.stored_nodes - reachable.size();
  s.appends = bee.Boundaries();
  // A new store (length 0) is at version 1 yet holds no block.
  s.blocks = std::min(s.version, core.length());
  const std::vector<uint64_t>& a = s.appends;
  for (size_t i = 1; i < a.size() && a[i] <= s.version; i++) {
    uint64_t bytes = 0;
    for (uint64_t seq = a[i - 1]; seq < a[i]; seq++) bytes += sizes[seq];
    s.per_version.push_back({a[i], a[i] - a[i - 1], bytes});
  }
  return s;
}

}  // namespace bee::btree
