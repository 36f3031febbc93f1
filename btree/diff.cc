// Parallel walk of two trees. Each side is a stream of items in key order:
// keys, and child subtrees not yet expanded (a subtree stands for all keys
// below its upper bound). Identical items (same block and level, or the
// same entry) are skipped on both sides at once; a subtree facing a key, or
// a different subtree, is expanded; two keys are compared and emitted.
#include "btree/diff.h"

#include <utility>
#include <vector>

#include "btree/internal/block_cache.h"
#include "btree/internal/snapshot_access.h"
#include "btree/internal/version_root.h"
#include "encoding/limits.h"

namespace bee::btree {

using internal::BlockPtr;
using internal::NodeRef;

class DiffIterator::Impl {
 public:
  Impl(Snapshot left, Snapshot right, DiffOptions options);
  Result<std::optional<DiffEntry>> Next();

 private:
  // One side: a stack of nodes, each at a position of its interleaving.
  struct Frame {
    internal::BlockPtr block;
    internal::NodeRef ref;  // where the node is, to check its children
    const IndexLevel* level;
    size_t pos;         // 0..2k: even = child pos/2, odd = key (pos-1)/2
    std::string bound;  // every key of the node is below it...
    bool unbounded;     // ...unless the node is the last along its path
  };
  struct Side {
    Snapshot snap;
    std::vector<Frame> stack;
    // The last key this side passed: each must follow it strictly, which
    // also bounds the walk of a hostile tree sharing one subtree under many
    // parents.
    std::string last_key;
    bool passed_key = false;
  };
  // What a side's head is: a key (seq) or a subtree (seq, offset).
  struct Head {
    bool key;
    uint64_t seq;
    uint64_t offset;
    std::string_view bound;  // the key itself, or the subtree's upper bound
    bool unbounded;
  };

  Status Init(Side* side);
  Status Push(Side* side, internal::NodeRef ref, std::string bound,
              bool unbounded);
  Result<std::optional<Head>> Peek(Side* side);
  void Advance(Side* side);
  // Advances past the key `head`, checking it follows the side's last key.
  Status PassKey(Side* side, const Head& head);
  Status Expand(Side* side, const Head& head);
  Result<Entry> Take(Side* side, const Head& head);
  bool BeforeStart(std::string_view key) const;
  // Every key of the subtree is below the start bound.
  bool SubtreeBeforeStart(const Head& head) const;
  bool AfterEnd(std::string_view key) const;

  Side left_, right_;
  DiffOptions options_;
  std::vector<internal::BlockPtr> pins_;
  int64_t emitted_ = 0;
  bool started_ = false;
};

DiffIterator::DiffIterator(Snapshot left, Snapshot right, DiffOptions options)
    : impl_(std::make_unique<Impl>(std::move(left), std::move(right),
                                   std::move(options))) {}
DiffIterator::DiffIterator(DiffIterator&&) noexcept = default;
DiffIterator& DiffIterator::operator=(DiffIterator&&) noexcept = default;
DiffIterator::~DiffIterator() = default;

Result<std::optional<DiffEntry>> DiffIterator::Next() { return impl_->Next(); }

DiffIterator::Impl::Impl(Snapshot left, Snapshot right, DiffOptions options)
    : left_{std::move(left), {}, {}, false},
      right_{std::move(right), {}, {}, false},
      options_(std::move(options)) {
  // As hyperbee's diff (iterators/diff.js), which differs from its range
  // here: given both gt and gte, the bound is gt's key, included because
  // gte is given; likewise lt and lte.
  if (options_.gt && options_.gte)
    options_.gte = std::exchange(options_.gt, {});
  if (options_.lt && options_.lte)
    options_.lte = std::exchange(options_.lt, {});
}

Status DiffIterator::Impl::Push(Side* side, NodeRef ref, std::string bound,
                                bool unbounded) {
  if (side->stack.size() >= kMaxTreeDepth) {
    return TooDeep(ref);
  }
  BEE_ASSIGN_OR_RETURN(BlockPtr block,
                       internal::CacheOf(side->snap).GetNode(ref));
  const IndexLevel* level = &internal::LevelOf(*block, ref);
  if (!level->children.empty() &&
      level->children.size() != 2 * level->keys.size() + 2) {
    return Status::Corruption("block " + std::to_string(ref.seq) + " level " +
                              std::to_string(ref.offset) +
                              " has a wrong number of children");
  }
  size_t pos = level->children.empty() ? 1 : 0;
  side->stack.push_back(
      Frame{std::move(block), ref, level, pos, std::move(bound), unbounded});
  return Status::OK();
}

Status DiffIterator::Impl::Init(Side* side) {
  const std::optional<NodeRef> root = internal::RootOf(side->snap);
  if (!root) return Status::OK();
  return Push(side, *root, std::string(), true);
}

Result<std::optional<DiffIterator::Impl::Head>> DiffIterator::Impl::Peek(
    Side* side) {
  while (!side->stack.empty()) {
    Frame& top = side->stack.back();
    size_t k = top.level->keys.size();
    if (top.pos > 2 * k) {
      side->stack.pop_back();
      continue;
    }
    if (top.pos % 2 == 0) {
      size_t c = top.pos / 2;
      Head head{false,
                top.level->children[2 * c],
                top.level->children[2 * c + 1],
                {},
                false};
      if (c < k) {
        BEE_ASSIGN_OR_RETURN(
            BlockPtr holder,
            internal::CacheOf(side->snap).Get(top.level->keys[c]));
        head.bound = holder->key;
        pins_.push_back(std::move(holder));
      } else {
        head.bound = top.bound;
        head.unbounded = top.unbounded;
      }
      return std::optional<Head>(head);
    }
    uint64_t seq = top.level->keys[(top.pos - 1) / 2];
    BEE_ASSIGN_OR_RETURN(BlockPtr holder,
                         internal::CacheOf(side->snap).Get(seq));
    Head head{true, seq, 0, holder->key, false};
    pins_.push_back(std::move(holder));
    return std::optional<Head>(head);
  }
  return std::optional<Head>();
}

void DiffIterator::Impl::Advance(Side* side) {
  Frame& top = side->stack.back();
  top.pos += top.level->children.empty() ? size_t{2} : size_t{1};
}

Status DiffIterator::Impl::PassKey(Side* side, const Head& head) {
  if (side->passed_key && head.bound <= side->last_key) {
    const Frame& top = side->stack.back();
    return Status::Corruption("block " + std::to_string(top.ref.seq) +
                              " level " + std::to_string(top.ref.offset) +
                              " holds a key out of order");
  }
  side->last_key.assign(head.bound);
  side->passed_key = true;
  Advance(side);
  return Status::OK();
}

Status DiffIterator::Impl::Expand(Side* side, const Head& head) {
  const Frame& top = side->stack.back();
  const NodeRef child{head.seq, head.offset};
  BEE_RETURN_IF_ERROR(internal::CheckChildRef(top.ref, top.pos / 2, child));
  Advance(side);
  return Push(side, child, std::string(head.bound), head.unbounded);
}

Result<Entry> DiffIterator::Impl::Take(Side* side, const Head& head) {
  BEE_RETURN_IF_ERROR(PassKey(side, head));
  BEE_ASSIGN_OR_RETURN(BlockPtr block,
                       internal::CacheOf(side->snap).Get(head.seq));
  return Entry{head.seq, block->key, block->value};
}

bool DiffIterator::Impl::SubtreeBeforeStart(const Head& head) const {
  if (head.unbounded || !(options_.gt || options_.gte)) return false;
  return head.bound <= (options_.gt ? *options_.gt : *options_.gte);
}

bool DiffIterator::Impl::BeforeStart(std::string_view key) const {
  if (options_.gt) return key <= *options_.gt;
  if (options_.gte) return key < *options_.gte;
  return false;
}

bool DiffIterator::Impl::AfterEnd(std::string_view key) const {
  if (options_.lt) return key >= *options_.lt;
  if (options_.lte) return key > *options_.lte;
  return false;
}

Result<std::optional<DiffEntry>> DiffIterator::Impl::Next() {
  if (!started_) {
    started_ = true;
    BEE_RETURN_IF_ERROR(Init(&left_));
    BEE_RETURN_IF_ERROR(Init(&right_));
  }
  while (options_.limit < 0 || emitted_ < options_.limit) {
    if (pins_.size() > 256) pins_.erase(pins_.begin(), pins_.end() - 4);
    BEE_ASSIGN_OR_RETURN(std::optional<Head> l, Peek(&left_));
    BEE_ASSIGN_OR_RETURN(std::optional<Head> r, Peek(&right_));
    // A subtree entirely below the start bound is skipped unread; then the
    // side's head is read again.
    bool skipped = false;
    for (auto [side, head] : {std::pair{&left_, &l}, std::pair{&right_, &r}}) {
      if (*head && !(*head)->key && SubtreeBeforeStart(**head)) {
        Advance(side);
        skipped = true;
      }
    }
    if (skipped) continue;
    if (l && l->key && AfterEnd(l->bound)) {
      left_.stack.clear();
      l.reset();
    }
    if (r && r->key && AfterEnd(r->bound)) {
      right_.stack.clear();
      r.reset();
    }
    if (!l && !r) return std::optional<DiffEntry>();
    if (l && r && l->key == r->key && l->seq == r->seq &&
        l->offset == r->offset) {
      if (l->key) {  // the same entry
        BEE_RETURN_IF_ERROR(PassKey(&left_, *l));
        BEE_RETURN_IF_ERROR(PassKey(&right_, *r));
      } else {  // a shared subtree
        Advance(&left_);
        Advance(&right_);
      }
      continue;
    }
    if (l && !l->key && (!r || r->key)) {
      BEE_RETURN_IF_ERROR(Expand(&left_, *l));
      continue;
    }
    if (r && !r->key && (!l || l->key)) {
      BEE_RETURN_IF_ERROR(Expand(&right_, *r));
      continue;
    }
    if (l && r && !l->key && !r->key) {
      int c = l->unbounded ? (r->unbounded ? 0 : 1)
                           : (r->unbounded ? -1 : l->bound.compare(r->bound));
      if (c >= 0) BEE_RETURN_IF_ERROR(Expand(&left_, *l));
      if (c <= 0) BEE_RETURN_IF_ERROR(Expand(&right_, *r));
      continue;
    }
    // Keys on both sides (or on one side only).
    int c = !l ? 1 : !r ? -1 : l->bound.compare(r->bound);
    DiffEntry out;
    std::string_view key = c <= 0 ? l->bound : r->bound;
    bool skip = BeforeStart(key);
    if (c <= 0) {
      BEE_ASSIGN_OR_RETURN(Entry e, Take(&left_, *l));
      out.left = std::move(e);
    }
    if (c >= 0) {
      BEE_ASSIGN_OR_RETURN(Entry e, Take(&right_, *r));
      out.right = std::move(e);
    }
    if (skip) continue;
    emitted_++;
    return std::optional<DiffEntry>(std::move(out));
  }
  return std::optional<DiffEntry>();
}

}  // namespace bee::btree
