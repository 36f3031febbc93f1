#include "btree/internal/version_root.h"

#include <string>

#include "btree/internal/key_compare.h"
#include "encoding/limits.h"
#include "log/core.h"

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

namespace {

// A node as Lookup searches it: packed (every key loaded at once, the
// fast path of a store that holds its blocks), or read key by key from the
// flat level (a replica that lacks blocks: only the keys the binary search
// compares are fetched, the blocks hyperbee's own lookup reads, so a
// hint's answer covers them all).
class PackedSearch {
 public:
  static Result<PackedSearch> At(const internal::BlockCache& cache,
                                 NodeRef ref) {
    BEE_ASSIGN_OR_RETURN(internal::PackedNode node, cache.Packed(ref));
    return PackedSearch(node);
  }
  size_t size() const { return node_.size(); }
  Result<std::string_view> key(size_t i) const { return node_.key(i); }
  uint64_t seq(size_t i) const { return node_.seq(i); }
  size_t children() const { return node_.children(); }
  NodeRef child(size_t i) const { return node_.child(i); }

 private:
  explicit PackedSearch(internal::PackedNode node) : node_(node) {}
  internal::PackedNode node_;
};

class SparseSearch {
 public:
  static Result<SparseSearch> At(const internal::BlockCache& cache,
                                 NodeRef ref) {
    BEE_ASSIGN_OR_RETURN(internal::LevelView level, cache.PeekLevel(ref));
    return SparseSearch(cache, level);
  }
  size_t size() const { return level_.keys.size(); }
  Result<std::string_view> key(size_t i) const {
    return cache_->KeyOf(level_.keys[i]);
  }
  uint64_t seq(size_t i) const { return level_.keys[i]; }
  size_t children() const { return level_.children.size() / 2; }
  NodeRef child(size_t i) const {
    return NodeRef{level_.children[2 * i], level_.children[2 * i + 1]};
  }

 private:
  SparseSearch(const internal::BlockCache& cache, internal::LevelView level)
      : cache_(&cache), level_(level) {}
  const internal::BlockCache* cache_;
  internal::LevelView level_;
};

template <typename Search>
Result<std::optional<Entry>> LookupIn(const internal::BlockCache& cache,
                                      NodeRef ref, std::string_view key) {
  internal::EpochGuard guard;  // nodes and keys are views into the cache
  for (size_t depth = 0; depth < kMaxTreeDepth; depth++) {
    BEE_ASSIGN_OR_RETURN(Search node, Search::At(cache, ref));
    size_t lo = 0, hi = node.size();
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      BEE_ASSIGN_OR_RETURN(std::string_view at, node.key(mid));
      int c = internal::CompareKeys(at, key);
      if (c == 0) {
        BEE_ASSIGN_OR_RETURN(Entry e, cache.CopyEntry(node.seq(mid)));
        return std::optional<Entry>(std::move(e));
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (node.children() == 0) return std::optional<Entry>();
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

}  // namespace

Result<std::optional<Entry>> Lookup(const internal::BlockCache& cache,
                                    std::optional<NodeRef> root,
                                    std::string_view key) {
  if (!root) return std::optional<Entry>();
  const log::Core* core = cache.core();
  if (core->contiguous_length() < core->length()) {
    return LookupIn<SparseSearch>(cache, *root, key);
  }
  return LookupIn<PackedSearch>(cache, *root, key);
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
