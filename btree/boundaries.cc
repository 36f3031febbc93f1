#include "btree/internal/boundaries.h"

#include <algorithm>

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

Result<std::unique_ptr<Boundaries>> Boundaries::Open(log::Env* env,
                                                     const std::string& dir,
                                                     uint64_t log_length,
                                                     bool create, bool sync) {
  auto b = InMemory();
  b->sync_ = sync;
  BEE_ASSIGN_OR_RETURN(
      b->file_,
      env->OpenFile(dir + "/" + kFileName, create ? log::OpenMode::kCreate
                                                  : log::OpenMode::kReadWrite));
  BEE_ASSIGN_OR_RETURN(uint64_t size, b->file_->Size());
  std::string bytes;
  BEE_RETURN_IF_ERROR(b->file_->Read(0, static_cast<size_t>(size), &bytes));
  for (uint64_t at = 0; at + kRecordSize <= bytes.size(); at += kRecordSize) {
    std::string_view rec(bytes.data() + at, kRecordSize);
    uint64_t length = DecodeFixed64(rec.data());
    bool ascending = b->lengths_.empty() || length > b->lengths_.back();
    if (rec != EncodeRecord(length) || !ascending) break;  // torn tail
    if (length > log_length) break;                        // truncated away
    b->lengths_.push_back(length);
  }
  b->file_records_ = b->lengths_.size();
  if (b->lengths_.empty() || log_length > b->lengths_.back()) {
    BEE_RETURN_IF_ERROR(b->Record(log_length));
  }
  return b;
}

bool Boundaries::Contains(uint64_t length) const {
  std::lock_guard<std::mutex> l(mu_);
  return std::binary_search(lengths_.begin(), lengths_.end(), length);
}

std::vector<uint64_t> Boundaries::All() const {
  std::lock_guard<std::mutex> l(mu_);
  return lengths_;
}

Status Boundaries::Record(uint64_t length) {
  if (!known_) return Status::OK();  // another writer's log: nothing to keep
  std::lock_guard<std::mutex> l(mu_);
  if (!lengths_.empty() && length <= lengths_.back()) return Status::OK();
  if (file_) {
    BEE_RETURN_IF_ERROR(
        file_->Write(file_records_ * kRecordSize, EncodeRecord(length)));
    if (sync_) BEE_RETURN_IF_ERROR(file_->Sync());
    file_records_++;
  }
  lengths_.push_back(length);
  return Status::OK();
}

Status Boundaries::Truncate(uint64_t length) {
  std::lock_guard<std::mutex> l(mu_);
  while (!lengths_.empty() && lengths_.back() > length) lengths_.pop_back();
  if (file_ && file_records_ > lengths_.size()) {
    file_records_ = lengths_.size();
    BEE_RETURN_IF_ERROR(file_->Truncate(file_records_ * kRecordSize));
    if (sync_) BEE_RETURN_IF_ERROR(file_->Sync());
  }
  return Status::OK();
}

}  // namespace bee::btree::internal
