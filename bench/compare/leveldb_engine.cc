// The Engine of LevelDB (Debian's libleveldb-dev): default Options apart
// from create_if_missing, WriteOptions::sync = false (the default: no fsync,
// survives a process crash, not power loss), zero-copy reads through an
// Iterator's key()/value() Slices. Built only with BEE_COMPARE_HAVE_LEVELDB.
#include "bench/compare/workload.h"

#ifdef BEE_COMPARE_HAVE_LEVELDB

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

namespace bee::compare {
namespace {

Status FromLevelDb(const leveldb::Status& s) {
  if (s.ok()) return Status::OK();
  return Status::IOError("leveldb: " + s.ToString());
}

leveldb::Slice ToSlice(std::string_view v) { return {v.data(), v.size()}; }

class LevelDbEngine final : public Engine {
 public:
  ~LevelDbEngine() override { (void)Close(); }
  Status Create(const std::string& dir) override { return OpenDb(dir, true); }
  Status Open(const std::string& dir) override { return OpenDb(dir, false); }
  Status Close() override {
    if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
    snapshot_ = nullptr;
    db_.reset();
    return Status::OK();
  }
  Status PutBatch(std::span<const std::string_view> keys,
                  std::span<const std::string_view> values) override {
    leveldb::WriteBatch batch;
    for (size_t i = 0; i < keys.size(); i++) {
      batch.Put(ToSlice(keys[i]), ToSlice(values[i]));
    }
    return FromLevelDb(db_->Write(leveldb::WriteOptions(), &batch));
  }
  Status PutSingle(std::string_view key, std::string_view value) override {
    return FromLevelDb(
        db_->Put(leveldb::WriteOptions(), ToSlice(key), ToSlice(value)));
  }
  Result<bool> Get(std::string_view key) override {
    return GetWith(leveldb::ReadOptions(), key);
  }
  Result<size_t> Scan(std::optional<std::string_view> start,
                      int64_t limit) override {
    std::unique_ptr<leveldb::Iterator> it(
        db_->NewIterator(leveldb::ReadOptions()));
    if (start) {
      it->Seek(ToSlice(*start));
    } else {
      it->SeekToFirst();
    }
    size_t n = 0;
    for (; it->Valid() && (limit < 0 || n < static_cast<size_t>(limit));
         it->Next()) {
      if (it->value().size() != kValueSize || it->key().empty()) {
        return Status::Corruption("a scanned value has the wrong size");
      }
      n++;
    }
    BEE_RETURN_IF_ERROR(FromLevelDb(it->status()));
    return n;
  }
  Status Mark() override {
    if (snapshot_ != nullptr) db_->ReleaseSnapshot(snapshot_);
    snapshot_ = db_->GetSnapshot();
    return Status::OK();
  }
  Result<bool> GetAtMark(std::string_view key) override {
    leveldb::ReadOptions o;
    o.snapshot = snapshot_;
    return GetWith(o, key);
  }
  Result<size_t> DiffSinceMark() override {
    return Status::NotSupported("LevelDB has no diff between versions");
  }

 private:
  Status OpenDb(const std::string& dir, bool create) {
    leveldb::Options o;
    o.create_if_missing = create;
    o.error_if_exists = create;
    leveldb::DB* db = nullptr;
    BEE_RETURN_IF_ERROR(FromLevelDb(leveldb::DB::Open(o, dir, &db)));
    db_.reset(db);
    return Status::OK();
  }
  Result<bool> GetWith(const leveldb::ReadOptions& o, std::string_view key) {
    const leveldb::Status s = db_->Get(o, ToSlice(key), &value_);
    if (s.IsNotFound()) return false;
    BEE_RETURN_IF_ERROR(FromLevelDb(s));
    return value_.size() == kValueSize;
  }

  std::unique_ptr<leveldb::DB> db_;
  const leveldb::Snapshot* snapshot_ = nullptr;
  std::string value_;  // reused by Get
};

}  // namespace

std::unique_ptr<Engine> MakeLevelDbEngine() {
  return std::make_unique<LevelDbEngine>();
}

}  // namespace bee::compare

#else

namespace bee::compare {
std::unique_ptr<Engine> MakeLevelDbEngine() { return nullptr; }
}  // namespace bee::compare

#endif  // BEE_COMPARE_HAVE_LEVELDB
