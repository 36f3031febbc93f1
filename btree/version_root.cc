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

// Where a node's search for a key ended: the key's index, or the child to
// descend into (the number of keys below it).
struct Position {
  size_t at = 0;
  bool found = false;
};

// A node as Lookup searches it: packed (every key loaded at once, the fast
// path of a store that holds its blocks) and binary searched, or read key
// by key from the flat level (a replica that lacks blocks, SparseSearch).
class PackedSearch {
 public:
  static Result<PackedSearch> At(const internal::BlockCache& cache,
                                 NodeRef ref) {
    BEE_ASSIGN_OR_RETURN(internal::PackedNode node, cache.Packed(ref));
    return PackedSearch(node);
  }
  Result<Position> Find(std::string_view key) const {
    size_t lo = 0, hi = node_.size();
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      int c = internal::CompareKeys(node_.key(mid), key);
      if (c == 0) return Position{mid, true};
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return Position{lo, false};
  }
  uint64_t seq(size_t i) const { return node_.seq(i); }
  size_t children() const { return node_.children(); }
  NodeRef child(size_t i) const { return node_.child(i); }

 private:
  explicit PackedSearch(internal::PackedNode node) : node_(node) {}
  internal::PackedNode node_;
};

// On a sparse replica a key the replica lacks costs a fetch, so the keys it
// holds decide first: each comparison with one narrows [lo, hi) for free.
// Only when they do not decide is a key fetched: after the blocks already
// on their way (a hint's answer, log::Core::AwaitPending) are looked at,
// the middle one of [lo, hi), as a binary search would. With no key held
// this is the binary search, fetching one key per comparison; with the
// keys bracketing the target held (what a bee/read answer brings) it
// fetches nothing. Sorted keys give the same answer whichever are held.
class SparseSearch {
 public:
  static Result<SparseSearch> At(const internal::BlockCache& cache,
                                 NodeRef ref) {
    BEE_ASSIGN_OR_RETURN(internal::LevelView level, cache.PeekLevel(ref));
    return SparseSearch(cache, level);
  }
  Result<Position> Find(std::string_view key) const {
    const log::Core* core = cache_->core();
    size_t lo = 0, hi = level_.keys.size();
    while (true) {
      for (int pass = 0; pass < 2 && lo < hi; pass++) {
        if (pass == 1) core->AwaitPending();
        // Held keys in [lo, hi), in order: the first above the key ends it.
        for (size_t i = lo; i < hi; i++) {
          if (!core->Has(level_.keys[i])) continue;
          BEE_ASSIGN_OR_RETURN(int c, Compare(i, key));
          if (c == 0) return Position{i, true};
          if (c < 0) {
            lo = i + 1;
          } else {
            hi = i;
          }
        }
      }
      if (lo >= hi) return Position{lo, false};
      const size_t mid = (lo + hi) / 2;  // fetched
      BEE_ASSIGN_OR_RETURN(int c, Compare(mid, key));
      if (c == 0) return Position{mid, true};
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
  }
  uint64_t seq(size_t i) const { return level_.keys[i]; }
  size_t children() const { return level_.children.size() / 2; }
  NodeRef child(size_t i) const {
    return NodeRef{level_.children[2 * i], level_.children[2 * i + 1]};
  }

 private:
  SparseSearch(const internal::BlockCache& cache, internal::LevelView level)
      : cache_(&cache), level_(level) {}
  Result<int> Compare(size_t i, std::string_view key) const {
    BEE_ASSIGN_OR_RETURN(std::string_view at, cache_->KeyOf(level_.keys[i]));
    return internal::CompareKeys(at, key);
  }
  const internal::BlockCache* cache_;
  internal::LevelView level_;
};

template <typename Search>
Result<std::optional<Entry>> LookupIn(const internal::BlockCache& cache,
                                      NodeRef ref, std::string_view key) {
  internal::EpochGuard guard;  // nodes and keys are views into the cache
  for (size_t depth = 0; depth < kMaxTreeDepth; depth++) {
    BEE_ASSIGN_OR_RETURN(Search node, Search::At(cache, ref));
    BEE_ASSIGN_OR_RETURN(Position p, node.Find(key));
    if (p.found) {
      BEE_ASSIGN_OR_RETURN(Entry e, cache.CopyEntry(node.seq(p.at)));
      return std::optional<Entry>(std::move(e));
    }
    if (node.children() == 0) return std::optional<Entry>();
    if (p.at >= node.children()) {
      return Status::Corruption("block " + std::to_string(ref.seq) + " level " +
                                std::to_string(ref.offset) +
                                " has too few children");
    }
    BEE_RETURN_IF_ERROR(internal::CheckChildRef(ref, p.at, node.child(p.at)));
    ref = node.child(p.at);
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
