// Core::Refresh: a read-only log follows the writer of another process
// (docs/FORMAT.md §2.2).
//
// The writer publishes by writing a head slot; the reader re-reads both
// slots and verifies the newest exactly as open does (its roots, read from
// `tree`, sum to its byte length and carry its signature). Its in-memory
// state (roots, verified nodes, and whatever a user derived from blocks) is
// kept for the blocks the old and new signed trees share, found by
// comparing the old tree's nodes with the new tree's, and dropped from the
// first block that may differ (a truncation by the writer).
#include <algorithm>

#include "log/core.h"
#include "log/flat_tree.h"
#include "log/internal/core_impl.h"
#include "log/internal/storage_format.h"

namespace bee::log {
namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

// A writer racing the reader can change the head between the reader's read
// of it and of the tree; each retry needs the head bytes to have changed.
constexpr int kMaxHeadReads = 8;

// One past the last block below node `index`.
uint64_t BlockEnd(uint64_t index) { return flat::RightSpan(index) / 2 + 1; }

}  // namespace

Result<TreeNode> Core::Impl::VerifiedIn(uint64_t index,
                                        std::span<const TreeNode> roots,
                                        std::string* scratch) const {
  for (const TreeNode& root : roots) {
    if (!flat::Contains(root.index, index)) continue;
    if (root.index == index) return root;
    const size_t levels =
        static_cast<size_t>(flat::Depth(root.index) - flat::Depth(index));
    std::vector<TreeNode> siblings(levels);
    TreeNode start;
    BEE_RETURN_IF_ERROR(
        ReadPath(index, levels, scratch, &start, siblings.data()));
    TreeNode up = start;
    for (const TreeNode& s : siblings) {
      up = up.index < s.index ? ParentNode(up, s) : ParentNode(s, up);
    }
    if (up != root) {
      return Status::Corruption("tree: merkle node " + Num(index) +
                                " does not hash up to the new signed root " +
                                Num(root.index));
    }
    return start;
  }
  return Status::InvalidArgument("merkle node " + Num(index) +
                                 " is not in the new signed tree");
}

Result<TreeNode> Core::Impl::OldChild(uint64_t index, const TreeNode& parent,
                                      std::string* scratch) const {
  PlacedNode cached;
  if (node_cache_->FindAncestor(index, parent.index, &cached) == 0) {
    return cached.node;
  }
  return ReadNode(index, scratch);
}

uint64_t Core::Impl::UnchangedLength(
    std::span<const TreeNode> new_roots) const {
  // Nodes of the published tree still to compare, leftmost last. A node
  // equal in both trees vouches for every block below it.
  std::vector<TreeNode> pending(roots_.rbegin(), roots_.rend());
  std::string scratch;
  uint64_t unchanged = 0;
  while (!pending.empty()) {
    const TreeNode old = pending.back();
    pending.pop_back();
    auto now = VerifiedIn(old.index, new_roots, &scratch);
    if (now.ok() && *now == old) {
      unchanged = BlockEnd(old.index);
      continue;
    }
    // The trees part below `old`, and every node right of it differs.
    // Its children are compared next if they are known: verified in the
    // node cache, or stored records that still hash to it (the writer may
    // have overwritten them). If not, the parting point is taken to be
    // old's first block, which drops more than needed, never less.
    pending.clear();
    if (flat::Depth(old.index) == 0) break;
    auto left = OldChild(flat::LeftChild(old.index), old, &scratch);
    auto right = OldChild(flat::RightChild(old.index), old, &scratch);
    if (!left.ok() || !right.ok() || ParentNode(*left, *right) != old) break;
    pending.push_back(*right);
    pending.push_back(*left);
  }
  return unchanged;
}

Result<std::optional<VerifiedHead>> Core::Impl::NewerHeadIn(
    std::string_view bytes) const {
  std::vector<HeadSlot> slots = ParseHeadSlots(bytes);
  const std::string keep = "; the reader stays at length " + Num(head_.length) +
                           " (generation " + Num(generation_) + ")";
  if (slots.empty() || slots[0].generation <= generation_) {
    if (generation_ == 0 ||
        (!slots.empty() && slots[0].generation == generation_)) {
      return std::optional<VerifiedHead>();  // nothing new signed
    }
    return Status::Corruption(Path(internal::kHeadFile) +
                              ": no head slot as new as the one read before" +
                              keep);
  }
  for (const HeadSlot& slot : slots) {
    if (slot.generation <= generation_) break;
    auto roots = VerifyHead(slot.head);
    if (roots.ok()) {
      return std::optional<VerifiedHead>(
          VerifiedHead{slot.generation, slot.head, std::move(roots).value()});
    }
    return Status::Corruption(
        Path(internal::kHeadFile) + ": the newest signed head (length " +
        Num(slot.head.length) + ", generation " + Num(slot.generation) +
        ") does not verify against " + Path(internal::kTreeFile) + ": " +
        roots.status().message() + keep);
  }
  return std::optional<VerifiedHead>();
}

Result<std::optional<VerifiedHead>> Core::Impl::FindNewerHead() const {
  const size_t size = 2 * internal::kHeadSlotSize;
  std::string bytes, again;
  BEE_RETURN_IF_ERROR(head_file_->Read(0, size, &bytes));
  for (int read = 1;; read++) {
    auto found = NewerHeadIn(bytes);
    if (found.ok() || read == kMaxHeadReads) return found;
    // An unchanged head that does not verify is damage, not a race.
    BEE_RETURN_IF_ERROR(head_file_->Read(0, size, &again));
    if (again == bytes) return found;
    bytes.swap(again);
  }
}

Result<RefreshResult> Core::Refresh() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> w(m.writer_mu_);
  if (m.closed_) return Status::InvalidArgument("the log is closed");
  if (!m.read_only_) {
    return Status::InvalidArgument(
        "only a log opened read_only follows another writer");
  }
  RefreshResult result;
  result.unchanged_length = m.head_.length;
  BEE_ASSIGN_OR_RETURN(std::optional<VerifiedHead> next, m.FindNewerHead());
  if (!next) return result;
  std::vector<uint8_t> bitfield;
  if (m.replica_) {
    BEE_ASSIGN_OR_RETURN(bitfield, m.ReadBitfield());
  }
  result.unchanged_length =
      std::min(m.head_.length, m.UnchangedLength(next->roots));
  result.changed = true;
  next->head.tree_hash = TreeHash(next->roots);
  bool truncated = false;
  {
    std::unique_lock<std::shared_mutex> l(m.mu_);
    m.node_cache_->DropFrom(result.unchanged_length);
    if (m.run_bytes_ != nullptr) {
      m.run_bytes_->DropFrom(result.unchanged_length);
    }
    const uint64_t old_fork = m.head_.fork;
    m.roots_ = std::move(next->roots);
    m.head_ = std::move(next->head);
    m.generation_ = next->generation;
    if (m.replica_) m.bitfield_ = std::move(bitfield);
    m.CountHeld();
    truncated = m.head_.fork != old_fork;
  }
  m.WakeWaiters();
  if (truncated) {
    m.Publish(CoreEvent::Type::kTruncate, result.unchanged_length);
  } else {
    m.Publish(CoreEvent::Type::kAppend);
  }
  return result;
}

}  // namespace bee::log
