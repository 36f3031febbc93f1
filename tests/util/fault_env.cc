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
    if (env_->writes_left_ == 0) return Status::IOError("injected failure");
    if (env_->writes_left_ > 0) env_->writes_left_--;
    return Status::OK();
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

Result<std::unique_ptr<log::File>> FaultEnv::OpenFile(const std::string& path,
                                                      log::OpenMode mode) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (mode == log::OpenMode::kRead || mode == log::OpenMode::kReadWrite) {
      return Status::NotFound(path + ": no such file");
    }
    it = files_.emplace(path, std::make_shared<FileData>()).first;
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
  files_[to] = it->second;
  files_.erase(from);
  return Status::OK();
}

Status FaultEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (files_.erase(path) == 0) return Status::NotFound(path);
  return Status::OK();
}

Status FaultEnv::SyncDir(const std::string&) { return Status::OK(); }

Result<std::unique_ptr<log::FileLock>> FaultEnv::LockFile(
    const std::string& path) {
  std::lock_guard<std::mutex> l(mu_);
  if (!locks_.insert(path).second) return Status::Busy(path + ": locked");
  files_.try_emplace(path, std::make_shared<FileData>());
  return std::unique_ptr<log::FileLock>(new FaultLock(this, path));
}

void FaultEnv::Crash(std::mt19937_64* rng) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [name, data] : files_) {
    std::string bytes = data->durable;
    if (rng != nullptr && !data->pending.empty()) {
      size_t keep = (*rng)() % (data->pending.size() + 1);
      for (size_t i = 0; i < keep; i++) {
        Write w = data->pending[i];
        if (i + 1 == keep && !w.truncate && !w.data.empty()) {
          w.data.resize((*rng)() % (w.data.size() + 1));  // a torn write
        }
        ApplyWrite(&bytes, w);
      }
    }
    data->current = bytes;
    data->durable = bytes;
    data->pending.clear();
  }
  locks_.clear();
  writes_left_ = -1;
}

void FaultEnv::FailWritesAfter(int64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  writes_left_ = n;
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
  data->current = bytes;
  data->durable = std::move(bytes);
  data->pending.clear();
}

}  // namespace bee::test
