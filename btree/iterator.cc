// Position i of a node with k keys walks child0, key0, child1, ..., child_k:
// even i is child i/2, odd i is key (i-1)/2. Leaves have only odd positions.
// Forward iteration increases i, reverse decreases it.
#include "btree/iterator.h"

#include <vector>

#include "btree/internal/block_cache.h"
#include "btree/internal/snapshot_access.h"
#include "btree/internal/version_root.h"
#include "encoding/limits.h"

namespace bee::btree {

using internal::NodeRef;

constexpr size_t kMaxPrefetch = 32;
// What one node's entries, read in one batch, may hold in the iterator;
// entries past it are read through the cache.
constexpr size_t kMaxBatchBytes = size_t{256} << 10;

class RangeIterator::Impl {
 public:
  Impl(Snapshot snapshot, RangeOptions options);
  Result<std::optional<EntryView>> NextView();

 private:
  struct Frame {
    internal::BlockRef block;   // empty when the level came from a batch
    internal::NodeRef ref;      // where the node is, to check its children
    internal::LevelView level;  // into block, or the parent's batch
    int64_t next;  // position in the child/key interleaving (§10.3)
    bool batched;  // its entries were read into batches_[its depth]
  };
  // The entries of a node the walk entered at its first position (a scan's
  // nodes), read in one batch without caching their blocks
  // (BlockCache::ReadEntries): a scan uses each entry once, so copying its
  // key and value here costs less than a flat block and a cache entry per
  // key. One per depth, reused.
  // Its children's levels are read the same way (BlockCache::ReadLevels):
  // the frames of those children point into `words`, which stays as it is
  // until this depth's frame is replaced, after its children's.
  struct Batch {
    std::string bytes;
    std::vector<internal::BlockCache::ReadEntry> entries;
    std::vector<uint64_t> words;
    std::vector<internal::BlockCache::ReadLevel> levels;
  };

  Status Seek();
  // Pushes the node at ref, read through the cache, or `level` when given
  // (a scan's node, read with its siblings).
  Status Push(internal::NodeRef ref, const std::string* bound,
              const internal::LevelView* level = nullptr);
  Result<std::string_view> KeyAt(uint64_t seq);
  bool BeyondEnd(std::string_view key) const;
  // The Corruption of a key that does not follow last_key_ strictly.
  static Status OutOfOrder(const Frame& frame);

  Snapshot snapshot_;
  const internal::BlockCache& cache_;  // snapshot_'s
  RangeOptions options_;
  std::vector<Frame> stack_;
  std::vector<Batch> batches_;  // by depth
  // The block of the last entry returned when it came from the cache,
  // which the EntryView returned for it points into: held until the next
  // call.
  internal::BlockRef current_;
  // The last key returned: each must follow it strictly, which also bounds
  // the walk of a hostile tree that shares one subtree under many parents.
  // A copy: the batch it came from may be refilled before the comparison.
  std::string last_key_;
  bool returned_ = false;  // whether last_key_ holds a key
  int64_t emitted_ = 0;
  bool started_ = false;
  bool done_ = false;
};

RangeIterator::RangeIterator(Snapshot snapshot, RangeOptions options)
    : impl_(std::make_unique<Impl>(std::move(snapshot), std::move(options))) {}
RangeIterator::RangeIterator(RangeIterator&&) noexcept = default;
RangeIterator& RangeIterator::operator=(RangeIterator&&) noexcept = default;
RangeIterator::~RangeIterator() = default;

Result<std::optional<EntryView>> RangeIterator::NextView() {
  return impl_->NextView();
}

RangeIterator::Impl::Impl(Snapshot snapshot, RangeOptions options)
    : snapshot_(std::move(snapshot)),
      cache_(internal::CacheOf(snapshot_)),
      options_(std::move(options)) {
  if (options_.gt) options_.gte.reset();
  if (options_.lt) options_.lte.reset();
}

Result<std::string_view> RangeIterator::Impl::KeyAt(uint64_t seq) {
  return cache_.KeyOf(seq);
}

bool RangeIterator::Impl::BeyondEnd(std::string_view key) const {
  if (!options_.reverse) {
    if (options_.lt) return key >= *options_.lt;
    if (options_.lte) return key > *options_.lte;
    return false;
  }
  if (options_.gt) return key <= *options_.gt;
  if (options_.gte) return key < *options_.gte;
  return false;
}

// Pushes the node at ref positioned at the seek bound (or at its first
// position when bound is null).
Status RangeIterator::Impl::Push(NodeRef ref, const std::string* bound,
                                 const internal::LevelView* preloaded) {
  if (stack_.size() >= kMaxTreeDepth) {
    return TooDeep(ref);
  }
  internal::BlockRef block;
  internal::LevelView level;
  if (preloaded != nullptr) {
    level = *preloaded;
  } else {
    BEE_ASSIGN_OR_RETURN(block, cache_.PinNode(ref));
    level = block.level(ref.offset);
  }
  const int64_t k = static_cast<int64_t>(level.keys.size());
  if (!level.children.empty() &&
      level.children.size() != 2 * level.keys.size() + 2) {
    return Status::Corruption("block " + std::to_string(ref.seq) + " level " +
                              std::to_string(ref.offset) +
                              " has a wrong number of children");
  }
  // A seek's binary search reads the node's keys next, through the cache:
  // one batched read. A scan reads its entries in one batch, and goes
  // through every child: another.
  const bool batched = bound == nullptr;
  if (!batched) {
    cache_.Prefetch(level.keys);
  } else {
    const size_t depth = stack_.size();
    if (batches_.size() <= depth) batches_.resize(depth + 1);
    Batch& batch = batches_[depth];
    batch.bytes.clear();
    cache_.ReadEntries(level.keys, true, kMaxBatchBytes, &batch.bytes,
                       &batch.entries);
    // Those not read are cached (a warm scan's): start loading them, so
    // their misses overlap.
    for (size_t i = 0; i < level.keys.size(); i++) {
      if (!batch.entries[i].found) cache_.PrefetchBlock(level.keys[i]);
    }
    NodeRef children[kMaxPrefetch];
    size_t n = 0;
    for (size_t i = 0; i + 1 < level.children.size() && n < kMaxPrefetch;
         i += 2) {
      children[n++] = NodeRef{level.children[i], level.children[i + 1]};
    }
    cache_.ReadLevels(std::span<const NodeRef>(children, n), &batch.words,
                      &batch.levels);
  }
  int64_t pos = options_.reverse ? k : 0;  // keys before the position
  if (bound != nullptr) {
    // Forward: first key >= gte (> gt). Reverse: keys <= lte (< lt).
    bool inclusive =
        options_.reverse ? options_.lte.has_value() : options_.gte.has_value();
    int64_t lo = 0, hi = k;
    while (lo < hi) {
      int64_t mid = (lo + hi) / 2;
      BEE_ASSIGN_OR_RETURN(std::string_view key,
                           KeyAt(level.keys[static_cast<size_t>(mid)]));
      int c = key.compare(*bound);
      bool before = options_.reverse ? (inclusive ? c <= 0 : c < 0)
                                     : (inclusive ? c < 0 : c <= 0);
      if (before) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    pos = lo;
  }
  bool leaf = level.children.empty();
  // Forward starts at child pos (or key pos in a leaf); reverse at child
  // pos (or key pos-1 in a leaf).
  int64_t next = options_.reverse ? (leaf ? 2 * pos - 1 : 2 * pos)
                                  : (leaf ? 2 * pos + 1 : 2 * pos);
  stack_.push_back(Frame{std::move(block), ref, level, next, batched});
  return Status::OK();
}

Status RangeIterator::Impl::Seek() {
  started_ = true;
  const std::optional<NodeRef> root = internal::RootOf(snapshot_);
  if (!root || options_.limit == 0) {
    done_ = true;
    return Status::OK();
  }
  const std::string* bound = nullptr;
  if (!options_.reverse) {
    bound = options_.gt    ? &*options_.gt
            : options_.gte ? &*options_.gte
                           : nullptr;
  } else {
    bound = options_.lt    ? &*options_.lt
            : options_.lte ? &*options_.lte
                           : nullptr;
  }
  BEE_RETURN_IF_ERROR(Push(*root, bound));
  // Descend along the bound: each frame starts at the child holding it.
  while (true) {
    Frame& top = stack_.back();
    if (top.level.children.empty() || top.next % 2 != 0) break;
    size_t c = static_cast<size_t>(top.next / 2);
    NodeRef child{top.level.children[2 * c], top.level.children[2 * c + 1]};
    top.next += options_.reverse ? -1 : 1;
    BEE_RETURN_IF_ERROR(internal::CheckChildRef(top.ref, c, child));
    BEE_RETURN_IF_ERROR(Push(child, bound));
  }
  return Status::OK();
}

Result<std::optional<Entry>> RangeIterator::Next() {
  BEE_ASSIGN_OR_RETURN(std::optional<EntryView> v, NextView());
  if (!v) return std::optional<Entry>();
  Entry e{v->seq, std::string(v->key), std::nullopt};
  if (v->value) e.value = std::string(*v->value);
  return std::optional<Entry>(std::move(e));
}

Result<std::optional<EntryView>> RangeIterator::Impl::NextView() {
  internal::EpochGuard guard;  // KeyAt's views, within this call
  if (!started_) BEE_RETURN_IF_ERROR(Seek());
  const int64_t step = options_.reverse ? -1 : 1;
  while (!done_ && !stack_.empty()) {
    Frame& top = stack_.back();
    const int64_t k = static_cast<int64_t>(top.level.keys.size());
    if (top.next < 0 || top.next > 2 * k) {
      stack_.pop_back();
      continue;
    }
    bool leaf = top.level.children.empty();
    if (top.next % 2 == 0) {  // a child
      if (leaf) {
        top.next += step;
        continue;
      }
      size_t c = static_cast<size_t>(top.next / 2);
      NodeRef child{top.level.children[2 * c], top.level.children[2 * c + 1]};
      top.next += step;
      BEE_RETURN_IF_ERROR(internal::CheckChildRef(top.ref, c, child));
      internal::LevelView read;
      const internal::LevelView* preloaded = nullptr;
      if (top.batched) {
        const Batch& batch = batches_[stack_.size() - 1];
        if (c < batch.levels.size() && batch.levels[c].found) {
          const auto& r = batch.levels[c];
          const uint64_t* w = batch.words.data() + r.begin;
          read.keys = std::span<const uint64_t>(w, r.keys);
          read.children = std::span<const uint64_t>(w + r.keys, r.children);
          preloaded = &read;
        }
      }
      BEE_RETURN_IF_ERROR(Push(child, nullptr, preloaded));
      continue;
    }
    const size_t i = static_cast<size_t>((top.next - 1) / 2);
    const uint64_t seq = top.level.keys[i];
    top.next += leaf ? 2 * step : step;
    EntryView entry{seq, {}, std::nullopt};
    const Batch* batch = top.batched ? &batches_[stack_.size() - 1] : nullptr;
    if (batch != nullptr && batch->entries[i].found) {
      const auto& e = batch->entries[i];
      const std::string_view bytes(batch->bytes);
      entry.key = bytes.substr(e.begin, e.key_size);
      if (e.has_value) {
        entry.value = bytes.substr(e.begin + e.key_size, e.value_size);
      }
    } else {
      // The entry's block stays alive until the next call: the view points
      // into it.
      BEE_ASSIGN_OR_RETURN(current_, cache_.Pin(seq));
      entry.key = current_.key();
      entry.value = current_.value();
      // The next entry of this node: its block was prefetched with the
      // node, now its bytes.
      const size_t j = options_.reverse ? i - 1 : i + 1;
      if (j < top.level.keys.size())
        cache_.PrefetchEntryBytes(top.level.keys[j]);
    }
    if (BeyondEnd(entry.key)) {
      done_ = true;
      break;
    }
    if (returned_) [[likely]] {
      const int c = entry.key.compare(last_key_);
      if (options_.reverse ? c >= 0 : c <= 0) return OutOfOrder(top);
    }
    last_key_.assign(entry.key);
    returned_ = true;
    if (options_.limit >= 0 && ++emitted_ >= options_.limit) done_ = true;
    return std::optional<EntryView>(entry);
  }
  done_ = true;
  return std::optional<EntryView>();
}

Status RangeIterator::Impl::OutOfOrder(const Frame& frame) {
  return Status::Corruption("block " + std::to_string(frame.ref.seq) +
                            " level " + std::to_string(frame.ref.offset) +
                            " holds a key out of order");
}

Result<std::optional<Entry>> Peek(const Snapshot& snapshot,
                                  RangeOptions options) {
  options.limit = 1;
  RangeIterator it(snapshot, std::move(options));
  return it.Next();
}

}  // namespace bee::btree
