#include "btree/internal/boundaries.h"

#include <algorithm>
#include <cassert>

#include "encoding/varint.h"
#include "log/crypto.h"

namespace bee::btree::internal {

std::string Boundaries::EncodeRecord(uint64_t length) {
  std::string check = "bee-boundary";
  PutFixed64(&check, length);
  std::string out;
  PutFixed64(&out, length);
  out.append(AsChars(log::Blake2b256(check)).substr(0, 8));
  return out;
}

std::unique_ptr<Boundaries> Boundaries::InMemory() {
  auto b = std::make_unique<Boundaries>();
  b->known_ = true;
  return b;
}

Result<std::unique_ptr<Boundaries>> Boundaries::Open(
    log::Env* env, const std::string& dir, uint64_t log_length,
    const BoundariesOptions& options) {
  auto b = InMemory();
  b->sync_ = options.sync;
  const log::OpenMode mode = options.create      ? log::OpenMode::kCreate
                             : options.read_only ? log::OpenMode::kRead
                                                 : log::OpenMode::kReadWrite;
  BEE_ASSIGN_OR_RETURN(auto file, env->OpenFile(dir + "/" + kFileName, mode));
  BEE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string bytes;
  BEE_RETURN_IF_ERROR(file->Read(0, static_cast<size_t>(size), &bytes));
  // Reading stops at a torn tail, and at a length past the log: the
  // leftover of an interrupted append, or a truncation.
  b->lengths_ = ParseRecords(bytes, log_length);
  // A read-only store keeps what it learns in memory: it writes nothing.
  if (!options.read_only) b->file_ = std::move(file);
  if (log_length > 0 &&
      (b->lengths_.empty() || log_length > b->lengths_.back())) {
    BEE_RETURN_IF_ERROR(b->Record(std::span<const uint64_t>(&log_length, 1)));
  }
  return b;
}

std::vector<uint64_t> Boundaries::ParseRecords(std::string_view bytes,
                                               uint64_t log_length) {
  std::vector<uint64_t> lengths;
  for (uint64_t at = 0; at + kRecordSize <= bytes.size(); at += kRecordSize) {
    std::string_view rec(bytes.data() + at, kRecordSize);
    uint64_t length = DecodeFixed64(rec.data());
    bool ascending = lengths.empty() || length > lengths.back();
    if (rec != EncodeRecord(length) || !ascending) break;  // torn tail
    if (length > log_length) break;  // an interrupted append, or truncated
    lengths.push_back(length);
  }
  return lengths;
}

Status Boundaries::Reload(log::Env* env, const std::string& dir,
                          uint64_t log_length) {
  BEE_ASSIGN_OR_RETURN(auto fresh,
                       Open(env, dir, log_length, {false, false, true}));
  std::lock_guard<std::mutex> l(mu_);
  lengths_ = std::move(fresh->lengths_);
  return Status::OK();
}

bool Boundaries::Contains(uint64_t length) const {
  std::lock_guard<std::mutex> l(mu_);
  return std::binary_search(lengths_.begin(), lengths_.end(), length);
}

std::vector<uint64_t> Boundaries::All() const {
  std::lock_guard<std::mutex> l(mu_);
  return lengths_;
}

Status Boundaries::Record(std::span<const uint64_t> lengths) {
  if (!known_ || lengths.empty()) return Status::OK();
  std::lock_guard<std::mutex> l(mu_);
  assert(lengths_.empty() || lengths.front() > lengths_.back());
  if (file_) {
    std::string records;
    for (uint64_t length : lengths) records += EncodeRecord(length);
    BEE_RETURN_IF_ERROR(file_->Write(lengths_.size() * kRecordSize, records));
    if (sync_) BEE_RETURN_IF_ERROR(file_->Sync());
  }
  lengths_.insert(lengths_.end(), lengths.begin(), lengths.end());
  return Status::OK();
}

void Boundaries::ForgetLocked(uint64_t length) {
  while (!lengths_.empty() && lengths_.back() > length) lengths_.pop_back();
}

void Boundaries::Forget(uint64_t length) {
  std::lock_guard<std::mutex> l(mu_);
  ForgetLocked(length);
}

Status Boundaries::Truncate(uint64_t length) {
  std::lock_guard<std::mutex> l(mu_);
  ForgetLocked(length);
  if (!file_) return Status::OK();
  // Even if cutting fails, the next Record writes right after the kept
  // records, and a reopen drops those past the log.
  BEE_RETURN_IF_ERROR(file_->Truncate(lengths_.size() * kRecordSize));
  if (sync_) BEE_RETURN_IF_ERROR(file_->Sync());
  return Status::OK();
}

}  // namespace bee::btree::internal
