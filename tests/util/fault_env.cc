#include "tests/util/fault_env.h"

namespace bee::test {
namespace {

void ApplyWrite(std::string* bytes, const FaultEnv::Write& w) {
  size_t offset = static_cast<size_t>(w.offset);
  if (w.truncate) {
    bytes->resize(offset);
    return;
  }
  if (bytes->size() < offset + w.data.size()) {
    bytes->resize(offset + w.data.size());
  }
  bytes->replace(offset, w.data.size(), w.data);
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

}  // namespace

class FaultFile final : public log::File {
 public:
  FaultFile(FaultEnv* env, std::shared_ptr<FaultEnv::FileData> data,
            bool writable)
      : env_(env),
        mu_(&env->mu_),
        data_(std::move(data)),
        writable_(writable) {}

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    std::lock_guard<std::mutex> l(*mu_);
    const std::string& b = data_->current;
    if (offset >= b.size()) {
      out->clear();
    } else {
      out->assign(b, static_cast<size_t>(offset), n);
    }
    return Status::OK();
  }
  Status Write(uint64_t offset, std::string_view data) override {
    std::lock_guard<std::mutex> l(*mu_);
    BEE_RETURN_IF_ERROR(Allow());
    FaultEnv::Write w{offset, std::string(data), false};
    ApplyWrite(&data_->current, w);
    data_->pending.push_back(std::move(w));
    return Status::OK();
  }
  Status Sync() override {
    std::lock_guard<std::mutex> l(*mu_);
    BEE_RETURN_IF_ERROR(Allow());
    data_->durable = data_->current;
    data_->pending.clear();
    return Status::OK();
  }
  Status Truncate(uint64_t size) override {
    std::lock_guard<std::mutex> l(*mu_);
    BEE_RETURN_IF_ERROR(Allow());
    FaultEnv::Write w{size, "", true};
    ApplyWrite(&data_->current, w);
    data_->pending.push_back(std::move(w));
    return Status::OK();
  }
  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> l(*mu_);
    return static_cast<uint64_t>(data_->current.size());
  }

 private:
  // REQUIRES: *mu_ held.
  Status Allow() {
    if (!writable_) return Status::InvalidArgument("file opened read-only");
    return env_->Allow();
  }

  FaultEnv* env_;
  std::mutex* mu_;
  std::shared_ptr<FaultEnv::FileData> data_;
  bool writable_;
};

class FaultLock final : public log::FileLock {
 public:
  FaultLock(FaultEnv* env, std::string path)
      : env_(env), path_(std::move(path)) {}
  ~FaultLock() override {
    std::lock_guard<std::mutex> l(env_->mu_);
    env_->locks_.erase(path_);
  }
  FaultLock(const FaultLock&) = delete;
  FaultLock& operator=(const FaultLock&) = delete;

 private:
  FaultEnv* env_;
  std::string path_;
};

Status FaultEnv::Allow() {
  mutations_++;
  if (writes_left_ == 0) return Status::IOError("injected failure");
  if (writes_left_ > 0) writes_left_--;
  return Status::OK();
}

void FaultEnv::SetEntry(const std::string& path, std::shared_ptr<FileData> data,
                        const std::string& renamed_from) {
  EntryChange change{path, data, renamed_from};
  Apply(change, &files_);
  unsynced_.push_back(std::move(change));
}

void FaultEnv::Apply(const EntryChange& change, Names* names) {
  if (!change.renamed_from.empty()) names->erase(change.renamed_from);
  if (change.data) {
    (*names)[change.path] = change.data;
  } else {
    names->erase(change.path);
  }
}

Result<std::unique_ptr<log::File>> FaultEnv::OpenFile(const std::string& path,
                                                      log::OpenMode mode) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (mode == log::OpenMode::kRead || mode == log::OpenMode::kReadWrite) {
      return Status::NotFound(path + ": no such file");
    }
    BEE_RETURN_IF_ERROR(Allow());
    SetEntry(path, std::make_shared<FileData>());
    it = files_.find(path);
  }
  return std::unique_ptr<log::File>(
      new FaultFile(this, it->second, mode != log::OpenMode::kRead));
}

bool FaultEnv::FileExists(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  return files_.count(path) > 0 || dirs_.count(path) > 0;
}

Status FaultEnv::CreateDir(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  dirs_.insert(path);
  return Status::OK();
}

Result<std::vector<std::string>> FaultEnv::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> names;
  std::string prefix = path + "/";
  for (const auto& [name, data] : files_) {
    if (name.compare(0, prefix.size(), prefix) == 0) {
      names.push_back(name.substr(prefix.size()));
    }
  }
  return names;
}

Status FaultEnv::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) return Status::NotFound(from);
  BEE_RETURN_IF_ERROR(Allow());
  SetEntry(to, it->second, from);
  return Status::OK();
}

Status FaultEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (files_.count(path) == 0) return Status::NotFound(path);
  BEE_RETURN_IF_ERROR(Allow());
  SetEntry(path, nullptr);
  return Status::OK();
}

Status FaultEnv::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  BEE_RETURN_IF_ERROR(Allow());
  std::vector<EntryChange> rest;
  for (EntryChange& c : unsynced_) {
    if (DirOf(c.path) == path) {
      Apply(c, &durable_);
    } else {
      rest.push_back(std::move(c));
    }
  }
  unsynced_ = std::move(rest);
  return Status::OK();
}

Result<std::unique_ptr<log::FileLock>> FaultEnv::LockFile(
    const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (locks_.count(path) > 0) return Status::Busy(path + ": locked");
  if (files_.count(path) == 0) {
    BEE_RETURN_IF_ERROR(Allow());
    SetEntry(path, std::make_shared<FileData>());
  }
  locks_.insert(path);
  return std::unique_ptr<log::FileLock>(new FaultLock(this, path));
}

void FaultEnv::KeepWrites(FileData* data, std::mt19937_64* rng,
                          CrashReport* report, const std::string& path) {
  std::string bytes = data->durable;
  size_t keep = rng ? (*rng)() % (data->pending.size() + 1) : 0;
  for (size_t i = 0; i < keep; i++) {
    Write w = data->pending[i];
    bool last = i + 1 == keep;
    if (last && !w.truncate && !w.data.empty() && (*rng)() % 2 == 0) {
      w.data.resize((*rng)() % w.data.size());  // a torn write
      report->torn.push_back(path);
    }
    ApplyWrite(&bytes, w);
  }
  report->writes_kept += keep;
  report->writes_dropped += data->pending.size() - keep;
  data->current = bytes;
  data->durable = std::move(bytes);
  data->pending.clear();
}

CrashReport FaultEnv::Crash(std::mt19937_64* rng) {
  std::lock_guard<std::mutex> l(mu_);
  CrashReport report;
  // Each directory keeps a prefix of its own unsynced entry changes.
  std::map<std::string, size_t> left;  // per directory: changes still kept
  for (const EntryChange& c : unsynced_) left[DirOf(c.path)]++;
  for (auto& [dir, n] : left) n = rng ? (*rng)() % (n + 1) : 0;
  for (const EntryChange& c : unsynced_) {
    size_t& n = left[DirOf(c.path)];
    if (n == 0) {
      report.entries_dropped++;
      continue;
    }
    n--;
    Apply(c, &durable_);
  }
  unsynced_.clear();
  files_ = durable_;
  // Files no longer named anywhere are simply gone.
  for (auto& [name, data] : files_) KeepWrites(data.get(), rng, &report, name);
  locks_.clear();
  writes_left_ = -1;
  return report;
}

void FaultEnv::FailWritesAfter(int64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  writes_left_ = n;
}

uint64_t FaultEnv::mutations() {
  std::lock_guard<std::mutex> l(mu_);
  return mutations_;
}

void FaultEnv::FlipBit(const std::string& path, uint64_t offset, int bit) {
  std::lock_guard<std::mutex> l(mu_);
  auto& data = files_.at(path);
  data->current[static_cast<size_t>(offset)] ^= static_cast<char>(1 << bit);
  data->durable = data->current;
}

std::string FaultEnv::Contents(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? std::string() : it->second->current;
}

void FaultEnv::SetContents(const std::string& path, std::string bytes) {
  std::lock_guard<std::mutex> l(mu_);
  auto& data = files_[path];
  if (!data) data = std::make_shared<FileData>();
  durable_[path] = data;
  data->current = bytes;
  data->durable = std::move(bytes);
  data->pending.clear();
}

}  // namespace bee::test
