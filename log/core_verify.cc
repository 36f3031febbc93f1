// Verifying every byte of a log directory, and repairing what can be
// repaired (docs/FORMAT.md §2.1).
//
// Reads never need most interior tree records (a path hashes its siblings
// up to a verified ancestor), so Verify scans instead: it streams the data
// and the tree in chunks (one read of each per chunk), hashes every block,
// rebuilds every node bottom-up and checks each stored record against the
// hash of its stored children. It keeps two values per node: the stored
// one, which the checks above use (so one damaged record is named once,
// not at every ancestor), and the one recomputed from the data alone. When
// the recomputed roots equal the signed roots, every recomputed node is the
// signed one, so Repair can rewrite damaged records from the data.
#include <sodium.h>

#include <algorithm>

#include "encoding/varint.h"
#include "log/core.h"
#include "log/flat_tree.h"
#include "log/internal/core_impl.h"
#include "log/internal/leaf_hasher.h"
#include "log/internal/storage_format.h"

namespace bee::log {

using internal::kTreeRecordSize;

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

constexpr uint64_t kScanBlocks = 4096;              // blocks per chunk, most
constexpr uint64_t kScanBytes = uint64_t{4} << 20;  // data bytes per chunk
constexpr size_t kMaxFailures = 64;                 // listed; then counted

// Adds failures up to kMaxFailures, then counts the rest (call Finish).
class FailureList {
 public:
  explicit FailureList(std::vector<std::string>* out) : out_(out) {}
  void Add(std::string failure) {
    if (out_->size() < kMaxFailures) {
      out_->push_back(std::move(failure));
    } else {
      more_++;
    }
  }
  void Finish() {
    if (more_) out_->push_back("... and " + Num(more_) + " more failures");
  }

 private:
  std::vector<std::string>* out_;
  uint64_t more_ = 0;
};

// "blocks a..b (versions a+1 to L read them)": what damage to node `index`
// affects.
std::string Affected(uint64_t index, uint64_t length) {
  const uint64_t a = flat::LeftSpan(index) / 2, b = flat::RightSpan(index) / 2;
  return "blocks " + Num(a) + ".." + Num(b) + " (versions " + Num(a + 1) +
         " to " + Num(length) + " read them)";
}

std::optional<TreeNode> DecodeStored(std::string_view records, uint64_t base,
                                     uint64_t index) {
  const uint64_t at = (index - base) * kTreeRecordSize;
  if (index < base || at + kTreeRecordSize > records.size()) {
    return std::nullopt;
  }
  const char* p = records.data() + at;
  if (std::all_of(p, p + kTreeRecordSize, [](char c) { return c == 0; })) {
    return std::nullopt;
  }
  TreeNode node;
  node.index = index;
  node.size = DecodeFixed64(p);
  std::copy(p + 8, p + kTreeRecordSize, node.hash.begin());
  return node;
}

// A node as the scan sees it: recomputed from the data alone, and as the
// checks above it use it (its stored record, else the expected value).
struct ScanNode {
  TreeNode computed;
  TreeNode view;
};

// The scan's merge stack: checks each node against its stored record and
// merges it with its left sibling into their parent, checked in turn.
class ScanStack {
 public:
  using Stored = std::function<std::optional<TreeNode>(uint64_t index)>;
  explicit ScanStack(const Core::Impl::ScanSink& sink) : sink_(sink) {}

  // `checked`: compare the node with `record` (not for a block whose bytes
  // are missing, reported as such).
  Status Push(ScanNode node, const std::optional<TreeNode>& record,
              uint64_t data_offset, bool checked, const Stored& stored) {
    BEE_RETURN_IF_ERROR(Place(node, record, data_offset, checked));
    while (stack_.size() >= 2 &&
           flat::Sibling(stack_[stack_.size() - 2].computed.index) ==
               stack_.back().computed.index) {
      ScanNode right = stack_.back();
      stack_.pop_back();
      ScanNode left = stack_.back();
      stack_.pop_back();
      ScanNode parent{ParentNode(left.computed, right.computed),
                      ParentNode(left.view, right.view)};
      BEE_RETURN_IF_ERROR(
          Place(parent, stored(parent.view.index), 0, /*checked=*/true));
    }
    return Status::OK();
  }

  std::vector<TreeNode> Roots() const {
    std::vector<TreeNode> roots;
    for (const ScanNode& n : stack_) roots.push_back(n.computed);
    return roots;
  }

 private:
  Status Place(ScanNode node, const std::optional<TreeNode>& record,
               uint64_t data_offset, bool checked) {
    if (checked && record != node.view) {
      sink_.record(node.view.index, record, data_offset);
    }
    if (sink_.rebuild && record != node.computed) {
      BEE_RETURN_IF_ERROR(sink_.rebuild(node.computed));
    }
    if (record) node.view = *record;
    stack_.push_back(node);
    return Status::OK();
  }

  const Core::Impl::ScanSink& sink_;
  std::vector<ScanNode> stack_;
};

}  // namespace

Status Core::Impl::ReadScanChunk(uint64_t first, uint64_t end, uint64_t offset,
                                 ScanChunk* c) const {
  c->first = first;
  const uint64_t limit = std::min(end, first + kScanBlocks);
  BEE_RETURN_IF_ERROR(tree_file_->Read(
      2 * first * kTreeRecordSize,
      static_cast<size_t>((2 * (limit - first) - 1) * kTreeRecordSize),
      &c->records));
  // The chunk ends after kScanBytes of data (at least one block). A leaf
  // record that is missing still has a size: its parent's less its
  // sibling's, when both are stored.
  c->leaves.clear();
  c->sizes.clear();
  uint64_t bytes = 0;
  for (uint64_t b = first; b < limit && (b == first || bytes < kScanBytes);
       b++) {
    c->leaves.push_back(Stored(*c, 2 * b));
    std::optional<uint64_t> size;
    if (c->leaves.back()) {
      size = c->leaves.back()->size;
    } else if (auto p = Stored(*c, flat::Parent(2 * b)),
               sib = Stored(*c, flat::Sibling(2 * b));
               p && sib && p->size >= sib->size) {
      size = p->size - sib->size;
    }
    c->sizes.push_back(size);
    bytes += size.value_or(0);
  }
  BEE_RETURN_IF_ERROR(
      data_file_->Read(offset, static_cast<size_t>(bytes), &c->data));
  // The blocks that lie whole in `data`, up to the first of unknown size,
  // are hashed as runs (multi-buffer BLAKE2b, log/internal/leaf_hasher.h);
  // only their leaves are used.
  std::vector<std::string_view> views;
  for (uint64_t pos = 0; views.size() < c->sizes.size();) {
    const std::optional<uint64_t>& size = c->sizes[views.size()];
    if (!size || pos + *size > c->data.size()) break;
    views.push_back(std::string_view(c->data).substr(
        static_cast<size_t>(pos), static_cast<size_t>(*size)));
    pos += *size;
  }
  c->hashed.resize(2 * views.size());
  c->flags.assign(2 * views.size(), 0);
  return HashNewNodes(first, views, c->hashed, c->flags, parallel_hashing_);
}

std::optional<TreeNode> Core::Impl::Stored(const ScanChunk& c,
                                           uint64_t index) const {
  const uint64_t base = 2 * c.first;
  if (index >= base &&
      (index - base + 1) * kTreeRecordSize <= c.records.size()) {
    return DecodeStored(c.records, base, index);
  }
  std::string scratch;
  auto node = ReadNode(index, &scratch);
  return node.ok() ? std::optional<TreeNode>(*node) : std::nullopt;
}

Result<std::vector<TreeNode>> Core::Impl::Scan(uint64_t end,
                                               const ScanSink& sink) const {
  ScanStack stack(sink);
  ScanChunk chunk;
  const ScanStack::Stored stored = [&](uint64_t index) {
    return Stored(chunk, index);
  };
  uint64_t offset = 0;
  bool located = true;  // false once a block's size is unknown
  for (uint64_t first = 0; first < end; first += chunk.sizes.size()) {
    BEE_RETURN_IF_ERROR(ReadScanChunk(first, end, offset, &chunk));
    uint64_t at = 0;  // in chunk.data
    for (size_t i = 0; i < chunk.sizes.size(); i++) {
      const uint64_t block = first + i;
      const std::optional<uint64_t>& size = chunk.sizes[i];
      located = located && size.has_value();
      ScanNode node;
      node.computed = TreeNode{2 * block, size.value_or(0), {}};
      const bool whole = located && i < chunk.hashed.size() / 2;
      if (whole) {
        node.computed = chunk.hashed[2 * i];
      } else if (located) {
        sink.short_data(block, offset + at,
                        chunk.data.size() > at ? chunk.data.size() - at : 0,
                        *size);
      }
      node.view = node.computed;
      // A missing record is damage even when the bytes are missing too.
      const bool checked = whole || !chunk.leaves[i];
      BEE_RETURN_IF_ERROR(
          stack.Push(node, chunk.leaves[i], offset + at, checked, stored));
      at += size.value_or(0);
    }
    offset += at;
  }
  return stack.Roots();
}

Status Core::Impl::CheckMeta(VerifyReport* report) const {
  const std::string path = Path(internal::kMetaFile);
  BEE_ASSIGN_OR_RETURN(auto file, env_->OpenFile(path, OpenMode::kRead));
  BEE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string meta;
  BEE_RETURN_IF_ERROR(file->Read(
      0, static_cast<size_t>(std::min<uint64_t>(size, 1u << 20)), &meta));
  // The same checks as open, which read it before (ParseMeta).
  Result<MetaFields> fields = ParseMeta(meta, path);
  sodium_memzero(meta.data(), meta.size());  // it may hold the seed
  std::string failure;
  if (!fields.ok()) {
    failure = fields.status().message();
  } else {
    if (fields->seed)
      sodium_memzero(fields->seed->data(), fields->seed->size());
    if (fields->key != key_ || fields->public_key != public_key_) {
      failure = path + ": key changed since open at offset 16";
    }
  }
  if (!failure.empty()) {
    report->failures.push_back(failure +
                               " (the log's identity: every version)");
  }
  return Status::OK();
}

void Core::Impl::CheckHeadSlots(VerifyDetail* detail) const {
  std::string bytes;
  Status read = head_file_->Read(0, 2 * internal::kHeadSlotSize, &bytes);
  for (uint64_t s = 0; s < 2; s++) {
    const std::string where = Path(internal::kHeadFile) + ": slot " + Num(s) +
                              " (offset " + Num(s * internal::kHeadSlotSize) +
                              ")";
    std::string failure;
    std::string_view raw;
    if (read.ok() && bytes.size() > s * internal::kHeadSlotSize) {
      raw = std::string_view(bytes).substr(s * internal::kHeadSlotSize,
                                           internal::kHeadSlotSize);
    }
    auto slot = ParseHeadSlot(raw);
    if (!read.ok()) {
      failure = where + ": " + read.message();
    } else if (raw.find_first_not_of('\0') == std::string_view::npos) {
      // Generation g went to slot g % 2: slot 1 holds 1, slot 0 holds 2.
      if (generation_ >= 2 - s) {
        failure = where + " is all zero, but generation " + Num(generation_) +
                  " means it was written";
      }
    } else if (!slot) {
      failure = where + " fails its checksum";
    } else if (auto roots = VerifyHead(slot->head); !roots.ok()) {
      std::string what = where + " (generation " + Num(slot->generation) +
                         ", length " + Num(slot->head.length) + ", fork " +
                         Num(slot->head.fork) + ") does not verify against " +
                         Path(internal::kTreeFile) + ": " +
                         roots.status().message();
      if (Superseded(*slot)) {
        detail->report.notes.push_back(
            what + "; it precedes the truncation to fork " + Num(head_.fork) +
            ", whose appends overwrote it (not damage)");
      } else {
        failure = std::move(what);
      }
    }
    // Open's description of a slot still damaged says what may be lost.
    if (!failure.empty() && head_damage_ && head_damage_->slot == s) {
      failure = head_damage_->description;
    }
    if (!failure.empty()) {
      detail->slot_failed[s] = true;
      detail->report.failures.push_back(std::move(failure));
    }
  }
}

Status Core::Impl::CheckTree(VerifyDetail* detail) const {
  VerifyReport& report = detail->report;
  const uint64_t length = head_.length;
  FailureList failures(&report.failures);
  ScanSink sink;
  sink.record = [&](uint64_t index, const std::optional<TreeNode>& stored,
                    uint64_t data_offset) {
    detail->records_damaged = true;
    const std::string node =
        "node " + Num(index) + " (offset " + Num(index * kTreeRecordSize) + ")";
    if (!stored) {
      failures.Add(Path(internal::kTreeFile) + ": " + node +
                   " is missing; it covers " + Affected(index, length));
    } else if (index % 2 == 0) {
      failures.Add(Path(internal::kDataFile) + ": block " + Num(index / 2) +
                   " at offset " + Num(data_offset) + " (" + Num(stored->size) +
                   " bytes) does not hash to its leaf, " +
                   Path(internal::kTreeFile) + " " + node + "; " +
                   Affected(index, length));
    } else {
      failures.Add(Path(internal::kTreeFile) + ": " + node +
                   " is not the hash of its children " +
                   Num(flat::LeftChild(index)) + " and " +
                   Num(flat::RightChild(index)) + "; it covers " +
                   Affected(index, length));
    }
  };
  sink.short_data = [&](uint64_t block, uint64_t offset, uint64_t have,
                        uint64_t size) {
    failures.Add(Path(internal::kDataFile) + ": block " + Num(block) +
                 " at offset " + Num(offset) + " is cut short (" + Num(have) +
                 " of " + Num(size) + " bytes); " +
                 Affected(2 * block, length));
  };
  BEE_ASSIGN_OR_RETURN(std::vector<TreeNode> computed, Scan(length, sink));
  failures.Finish();
  // Roots recomputed from the data equal the signed ones: every node is
  // the signed one, and every block holds its signed bytes.
  report.intact_length = length;
  uint64_t from = 0;
  for (size_t i = 0; i < roots_.size(); i++) {
    if (i < computed.size() && computed[i] == roots_[i]) {
      from += flat::CountLeaves(roots_[i].index);
      continue;
    }
    report.intact_length = FirstUnprovenBlock(from);
    report.failures.push_back(
        Path(internal::kDataFile) + ": blocks " + Num(report.intact_length) +
        ".." + Num(length - 1) + " (versions " + Num(report.intact_length + 1) +
        " to " + Num(length) +
        ") cannot be proven to hold the signed data; blocks before " +
        Num(report.intact_length) + " can");
    break;
  }
  return Status::OK();
}

uint64_t Core::Impl::FirstUnprovenBlock(uint64_t from) const {
  std::string block;
  for (uint64_t b = from; b < head_.length; b++) {
    if (!ReadBlock(b, &block).ok()) return b;
  }
  return head_.length;
}

Status Core::Impl::CheckLeftovers(VerifyReport* report) const {
  BEE_ASSIGN_OR_RETURN(uint64_t tree_size, tree_file_->Size());
  BEE_ASSIGN_OR_RETURN(uint64_t data_size, data_file_->Size());
  const uint64_t own =
      (head_.length == 0 ? 0 : 2 * head_.length - 1) * kTreeRecordSize;
  const std::string why =
      " past the signed head (left by an interrupted append or a "
      "truncation; ignored, and overwritten by the next append)";
  if (tree_size > own) {
    report->notes.push_back(Path(internal::kTreeFile) + ": " +
                            Num(tree_size - own) + " bytes from offset " +
                            Num(own) + why);
  }
  if (data_size > head_.byte_length) {
    report->notes.push_back(
        Path(internal::kDataFile) + ": " + Num(data_size - head_.byte_length) +
        " bytes from offset " + Num(head_.byte_length) + why);
  }
  return Status::OK();
}

Result<Core::Impl::VerifyDetail> Core::Impl::VerifyDetailed() const {
  VerifyDetail detail;
  BEE_RETURN_IF_ERROR(CheckMeta(&detail.report));
  CheckHeadSlots(&detail);
  if (replica_) {
    // A replica may lack any block and node: check the ones it stores.
    std::string block;
    FailureList failures(&detail.report.failures);
    for (uint64_t b = 0; b < head_.length; b++) {
      if (!HasBlock(b)) continue;
      if (Status s = ReadBlock(b, &block); !s.ok()) failures.Add(s.message());
    }
    failures.Finish();
    detail.report.intact_length = head_.length;
    return detail;
  }
  BEE_RETURN_IF_ERROR(CheckTree(&detail));
  BEE_RETURN_IF_ERROR(CheckLeftovers(&detail.report));
  return detail;
}

Result<VerifyReport> Core::Verify() const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  BEE_ASSIGN_OR_RETURN(Impl::VerifyDetail detail, impl_->VerifyDetailed());
  return std::move(detail.report);
}

Status Core::VerifyAll() const {
  BEE_ASSIGN_OR_RETURN(VerifyReport report, Verify());
  if (report.ok()) return Status::OK();
  std::string message;
  for (size_t i = 0; i < report.failures.size() && i < 3; i++) {
    message += (i ? "; " : "") + report.failures[i];
  }
  if (report.failures.size() > 3) {
    message += "; and " + Num(report.failures.size() - 3) + " more";
  }
  return Status::Corruption(message);
}

Result<std::vector<TreeNode>> Core::Impl::RebuildRecords(uint64_t keep,
                                                         bool damaged,
                                                         RepairReport* out) {
  // Blocks [0, keep) are proven: what the data recomputes is what was
  // signed, so damaged records among them are rewritten from it.
  uint64_t rebuilt = 0;
  ScanSink sink;
  sink.record = [](uint64_t, const std::optional<TreeNode>&, uint64_t) {};
  sink.short_data = [](uint64_t, uint64_t, uint64_t, uint64_t) {};
  if (damaged) {
    sink.rebuild = [&](const TreeNode& node) {
      rebuilt++;
      return WriteNodes(std::span<const TreeNode>(&node, 1));
    };
  }
  BEE_ASSIGN_OR_RETURN(std::vector<TreeNode> roots, Scan(keep, sink));
  BEE_RETURN_IF_ERROR(tree_file_->Sync());
  if (rebuilt) {
    out->actions.push_back(Path(internal::kTreeFile) + ": rewrote " +
                           Num(rebuilt) + " damaged records of blocks 0.." +
                           Num(keep - 1) + " from their verified data");
  }
  return roots;
}

Status Core::Impl::SignRepairedHead(std::span<const TreeNode> roots,
                                    uint64_t keep, uint64_t generation,
                                    RepairReport* out) {
  // Blocks past `keep` may have been signed and seen: signing other blocks
  // at the same fork would be a second history, so the kept length is
  // signed at the next fork, as a truncation is.
  const bool lost = head_damage_ && head_damage_->writes_may_be_lost;
  SignedHead head = SignHead(roots, keep, head_.fork + 1);
  BEE_RETURN_IF_ERROR(WriteHead(head, generation));
  BEE_ASSIGN_OR_RETURN(uint64_t data_size, data_file_->Size());
  out->new_length = keep;
  out->new_fork = head.fork;
  out->dropped_end = std::max(head_.length, lost ? head_damage_->lost_end : 0);
  out->dropped_bytes = head_.byte_length - head.byte_length;
  if (lost && data_size > head_.byte_length) {
    out->dropped_bytes += data_size - head_.byte_length;
  }
  out->actions.push_back(
      Path(internal::kHeadFile) + ": signed length " + Num(keep) + " at fork " +
      Num(head.fork) + " (generation " + Num(generation) + ", slot " +
      Num(generation % 2) + "), dropping blocks " + Num(keep) + ".." +
      Num(out->dropped_end - 1) + " (versions " + Num(keep + 1) + " to " +
      Num(out->dropped_end) + ", " + Num(out->dropped_bytes) + " data bytes)");
  return Status::OK();
}

Status Core::Impl::RepairLocked(const VerifyDetail& detail, RepairReport* out) {
  const uint64_t keep = detail.report.intact_length;
  out->old_length = out->new_length = out->dropped_end = head_.length;
  out->old_fork = out->new_fork = head_.fork;
  if (detail.report.ok()) return Status::OK();  // touch nothing
  out->changed = true;
  BEE_ASSIGN_OR_RETURN(std::vector<TreeNode> roots,
                       RebuildRecords(keep, detail.records_damaged, out));
  // The next generation goes to the damaged slot, never over the head
  // that verifies.
  uint64_t next = generation_ + 1;
  if (detail.slot_failed[next % 2 == 0 ? 1 : 0]) next++;
  if (keep < head_.length ||
      (head_damage_ && head_damage_->writes_may_be_lost)) {
    BEE_RETURN_IF_ERROR(SignRepairedHead(roots, keep, next, out));
  } else if (detail.slot_failed[0] || detail.slot_failed[1]) {
    BEE_RETURN_IF_ERROR(WriteHead(head_, next));
    out->actions.push_back(
        Path(internal::kHeadFile) +
        ": rewrote the damaged slot with the current head (generation " +
        Num(next) + ", slot " + Num(next % 2) + "); nothing dropped");
  }
  return head_file_->Sync();
}

}  // namespace bee::log
