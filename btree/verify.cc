#include "btree/verify.h"

#include <algorithm>

#include "btree/internal/block_cache.h"
#include "btree/internal/boundaries.h"
#include "btree/internal/snapshot_access.h"
#include "btree/internal/version_root.h"
#include "encoding/block_codec.h"
#include "encoding/bytes.h"
#include "encoding/limits.h"
#include "encoding/varint.h"

namespace bee::btree {
namespace {

using internal::Boundaries;

std::string Num(uint64_t v) { return std::to_string(v); }

constexpr size_t kMaxFailures = 64;
constexpr size_t kMaxDropped = 10;  // records named in a repair action
constexpr uint64_t kChunkRecords = 4096;

log::Env* EnvOf(const BeeOptions& options) {
  return options.core.env ? options.core.env : log::Env::Default();
}

std::string BoundariesPath(const std::string& dir) {
  return dir + "/" + Boundaries::kFileName;
}

// The boundaries file, record by record, against a log of `log_length`.
struct BoundaryScan {
  bool exists = false;
  std::vector<uint64_t> kept;  // sound, ascending, within the log
  std::vector<std::string> failures, notes;
  std::vector<std::string> dropped;  // records not kept, briefly
};

// Classifies the record at `offset`; `last` is the last length whose check
// bytes were sound.
void ClassifyRecord(std::string_view rec, uint64_t offset, uint64_t log_length,
                    const std::string& path, std::optional<uint64_t>* last,
                    BoundaryScan* scan) {
  const uint64_t length = DecodeFixed64(rec.data());
  const std::string where = path + ": record at offset " + Num(offset);
  if (rec != Boundaries::EncodeRecord(length)) {
    scan->failures.push_back(
        where + " fails its check bytes: the append boundary it recorded " +
        "(a version after " + Num(last->value_or(0)) +
        ") is lost, and checkouts of it are refused");
    scan->dropped.push_back("offset " + Num(offset) + " (check bytes)");
    return;
  }
  if (*last && length <= **last) {
    scan->failures.push_back(where + " (length " + Num(length) +
                             ") does not increase (the previous is " +
                             Num(**last) + ")");
    scan->dropped.push_back("offset " + Num(offset) + " (length " +
                            Num(length) + ", out of order)");
    return;
  }
  *last = length;
  if (length > log_length) {
    scan->notes.push_back(where + " (length " + Num(length) +
                          ") is past the log's length " + Num(log_length) +
                          " (left by an interrupted append or a truncation; "
                          "dropped on open)");
    scan->dropped.push_back("offset " + Num(offset) + " (length " +
                            Num(length) + ", past the log)");
    return;
  }
  scan->kept.push_back(length);
}

Result<BoundaryScan> ScanBoundaries(log::Env* env, const std::string& dir,
                                    uint64_t log_length) {
  BoundaryScan scan;
  const std::string path = BoundariesPath(dir);
  auto file = env->OpenFile(path, log::OpenMode::kRead);
  if (!file.ok()) {
    if (!file.status().IsNotFound()) return file.status();
    scan.notes.push_back(path +
                         " is absent: the append boundaries are unknown (a "
                         "store built from another writer's log)");
    return scan;
  }
  scan.exists = true;
  BEE_ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
  const uint64_t full = size - size % Boundaries::kRecordSize;
  std::optional<uint64_t> last;
  std::string chunk;
  for (uint64_t at = 0; at < full;) {
    const uint64_t n =
        std::min(full - at, kChunkRecords * Boundaries::kRecordSize);
    BEE_RETURN_IF_ERROR((*file)->Read(at, static_cast<size_t>(n), &chunk));
    if (chunk.size() != n) return Status::IOError(path + ": short read");
    for (uint64_t i = 0; i < n; i += Boundaries::kRecordSize) {
      ClassifyRecord(std::string_view(chunk).substr(static_cast<size_t>(i),
                                                    Boundaries::kRecordSize),
                     at + i, log_length, path, &last, &scan);
    }
    at += n;
  }
  if (size > full) {
    scan.notes.push_back(path + ": " + Num(size - full) + " bytes at offset " +
                         Num(full) +
                         " are a partial record (a torn append of a record; "
                         "ignored)");
  }
  if (log_length > 0 && (scan.kept.empty() || scan.kept.back() != log_length)) {
    scan.notes.push_back(path + ": the log's length " + Num(log_length) +
                         " has no record (an append whose record was not "
                         "written; open adds it)");
  }
  return scan;
}

// Block 0 is a hyperbee header; blocks 1..end-1 decode as node blocks.
void CheckBlocks(const log::Core& core, uint64_t end,
                 std::vector<std::string>* failures) {
  const uint64_t length = core.length();
  std::string block;
  size_t listed = 0;
  for (uint64_t seq = 0; seq < end && listed < kMaxFailures; seq++) {
    if (!core.Get(seq, &block).ok()) continue;  // the log's check names it
    std::string problem;
    if (seq == 0) {
      auto header = DecodeHeaderBlock(block);
      if (!header.ok() || !IsHyperbeeHeader(*header)) {
        problem = "is not a hyperbee header";
      }
    } else if (auto node = ScanNodeBlock(block); !node.ok()) {
      problem = "is not a hyperbee node block: " + node.status().message();
    }
    if (problem.empty()) continue;
    failures->push_back("block " + Num(seq) + " " + problem + " (versions " +
                        Num(seq + 1) + " to " + Num(length) + " read it)");
    listed++;
  }
}

void Append(std::vector<std::string>* to, std::vector<std::string> from) {
  to->insert(to->end(), std::make_move_iterator(from.begin()),
             std::make_move_iterator(from.end()));
}

// Writes the boundaries file anew (tmp, sync, rename, sync the directory)
// with `lengths`, and says what was dropped.
Result<std::string> RewriteBoundaries(log::Env* env, const std::string& dir,
                                      const std::vector<uint64_t>& lengths,
                                      const std::vector<std::string>& dropped,
                                      bool sync) {
  std::string bytes;
  for (uint64_t length : lengths) bytes += Boundaries::EncodeRecord(length);
  const std::string path = BoundariesPath(dir);
  BEE_RETURN_IF_ERROR(log::ReplaceFile(env, dir, Boundaries::kFileName, bytes,
                                       log::OpenMode::kCreate, sync));
  std::string what = path + ": rewrote " + Num(lengths.size()) + " records";
  if (dropped.empty()) return what;
  what += ", dropping the record at ";
  for (size_t i = 0; i < dropped.size() && i < kMaxDropped; i++) {
    what += (i ? ", " : "") + dropped[i];
  }
  if (dropped.size() > kMaxDropped) {
    what += " and " + Num(dropped.size() - kMaxDropped) + " more";
  }
  return what;
}

}  // namespace

Result<log::VerifyReport> VerifyStore(const std::string& dir,
                                      const BeeOptions& options) {
  log::CoreOptions read_only = options.core;
  read_only.read_only = true;
  BEE_ASSIGN_OR_RETURN(auto core, log::Core::Open(dir, read_only));
  BEE_ASSIGN_OR_RETURN(log::VerifyReport report, core->Verify());
  BEE_ASSIGN_OR_RETURN(BoundaryScan scan,
                       ScanBoundaries(EnvOf(options), dir, core->length()));
  Append(&report.failures, std::move(scan.failures));
  Append(&report.notes, std::move(scan.notes));
  CheckBlocks(*core, report.intact_length, &report.failures);
  return report;
}

Result<log::RepairReport> RepairStore(const std::string& dir,
                                      const BeeOptions& options) {
  BEE_ASSIGN_OR_RETURN(log::RepairReport report,
                       log::Core::Repair(dir, options.core));
  log::Env* env = EnvOf(options);
  BEE_ASSIGN_OR_RETURN(BoundaryScan scan,
                       ScanBoundaries(env, dir, report.new_length));
  const bool dropped_versions = report.dropped_end > report.new_length;
  if (!scan.exists || (scan.failures.empty() && !dropped_versions)) {
    return report;
  }
  // The log's own length is an append boundary: the last append ended
  // there, or the repair signed it.
  if (report.new_length > 0 &&
      (scan.kept.empty() || scan.kept.back() != report.new_length)) {
    scan.kept.push_back(report.new_length);
  }
  BEE_ASSIGN_OR_RETURN(
      std::string action,
      RewriteBoundaries(env, dir, scan.kept, scan.dropped,
                        options.core.durability == log::Durability::kSync));
  report.actions.push_back(std::move(action));
  report.changed = true;
  return report;
}

namespace {

std::string HexKey(std::string_view key) { return HexEncode(key); }

// CheckTree's walk: in key order, so that each key is compared with the one
// before it.
class TreeChecker {
 public:
  TreeChecker(const Snapshot& snap, const TreeCheckOptions& options)
      : snap_(snap),
        cache_(internal::CacheOf(snap)),
        options_(options),
        quote_(options.quote_key ? options.quote_key : HexKey) {}

  std::vector<std::string> Run() {
    if (std::optional<internal::NodeRef> root = internal::RootOf(snap_)) {
      Visit(*root, 0, true);
    }
    return std::move(problems_);
  }

 private:
  bool Full() const { return problems_.size() > options_.max_problems; }
  void Add(std::string problem) { problems_.push_back(std::move(problem)); }

  // The node at ref, or nullptr after adding why it cannot be read.
  const IndexLevel* Read(internal::NodeRef ref, size_t depth,
                         const std::string& where, internal::BlockPtr* hold);
  // Node counts: keys per node, children per key, leaves' depth.
  void CheckShape(const IndexLevel& level, size_t depth, bool is_root,
                  const std::string& where);
  void CheckKey(uint64_t seq, const std::string& where);
  void Visit(internal::NodeRef ref, size_t depth, bool is_root);

  const Snapshot& snap_;
  const internal::BlockCache& cache_;
  const TreeCheckOptions& options_;
  std::function<std::string(std::string_view)> quote_;
  std::vector<std::string> problems_;
  std::optional<size_t> leaf_depth_;
  std::optional<std::string> previous_;  // the last key in order
};

const IndexLevel* TreeChecker::Read(internal::NodeRef ref, size_t depth,
                                    const std::string& where,
                                    internal::BlockPtr* hold) {
  if (ref.seq >= snap_.version()) {
    Add(where + ": referenced from version " + Num(snap_.version()) +
        " but lies beyond it");
    return nullptr;
  }
  if (depth >= kMaxTreeDepth) {
    Add(TooDeep(ref).ToString());
    return nullptr;
  }
  auto block = cache_.GetNode(ref);
  if (options_.on_node) options_.on_node();
  if (!block.ok()) {
    Add(where + ": " + block.status().ToString());
    return nullptr;
  }
  *hold = *std::move(block);
  return &internal::LevelOf(**hold, ref);
}

void TreeChecker::CheckShape(const IndexLevel& level, size_t depth,
                             bool is_root, const std::string& where) {
  const size_t k = level.keys.size();
  if (k > 8 || (!is_root && k < 4)) {
    Add(where + ": holds " + Num(k) + " keys (a non-root node holds 4 to 8)");
  }
  if (!level.children.empty()) return;
  if (leaf_depth_ && *leaf_depth_ != depth) {
    Add(where + ": leaf at depth " + Num(depth) + ", others at " +
        Num(*leaf_depth_));
  }
  leaf_depth_ = depth;
}

void TreeChecker::CheckKey(uint64_t seq, const std::string& where) {
  auto holder = cache_.Get(seq);
  if (!holder.ok()) {
    Add(where + ": key seq " + Num(seq) + ": " + holder.status().ToString());
    return;
  }
  if (seq >= snap_.version()) {
    Add(where + ": key seq " + Num(seq) + " beyond the version");
  }
  const std::string& key = (*holder)->key;
  if (previous_ && !(*previous_ < key)) {
    Add(where + ": key " + quote_(key) + " is not after " + quote_(*previous_));
  }
  previous_ = key;
}

void TreeChecker::Visit(internal::NodeRef ref, size_t depth, bool is_root) {
  if (Full()) return;
  const std::string where =
      "block " + Num(ref.seq) + " level " + Num(ref.offset);
  internal::BlockPtr hold;
  const IndexLevel* level = Read(ref, depth, where, &hold);
  if (level == nullptr) return;
  const size_t k = level->keys.size();
  const bool leaf = level->children.empty();
  if (!leaf && level->children.size() != 2 * k + 2) {
    Add(where + ": " + Num(k) + " keys but " + Num(level->children.size() / 2) +
        " children");
    return;
  }
  CheckShape(*level, depth, is_root, where);
  for (size_t i = 0; i <= k; i++) {
    if (!leaf) {
      const internal::NodeRef child{level->children[2 * i],
                                    level->children[2 * i + 1]};
      // Only references a hyperbee tree can hold are followed (no cycle,
      // nothing past the version).
      Status ok = internal::CheckChildRef(ref, i, child);
      if (ok.ok()) {
        Visit(child, depth + 1, false);
      } else {
        Add(ok.ToString());
      }
    }
    if (i < k) CheckKey(level->keys[i], where);
  }
}

}  // namespace

std::vector<std::string> CheckTree(const Snapshot& snapshot,
                                   const TreeCheckOptions& options) {
  return TreeChecker(snapshot, options).Run();
}

}  // namespace bee::btree
