#include <map>
#include <mutex>
#include <set>

#include "log/env.h"

namespace bee::log {
namespace {

struct MemData {
  std::mutex mu;
  std::string bytes;
};

class MemFile final : public File {
 public:
  MemFile(std::shared_ptr<MemData> data, bool writable)
      : data_(std::move(data)), writable_(writable) {}

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    std::lock_guard<std::mutex> l(data_->mu);
    const std::string& b = data_->bytes;
    if (offset >= b.size()) {
      out->clear();
      return Status::OK();
    }
    out->assign(b, static_cast<size_t>(offset), n);
    return Status::OK();
  }

  Status Write(uint64_t offset, std::string_view data) override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    std::lock_guard<std::mutex> l(data_->mu);
    std::string& b = data_->bytes;
    size_t end = static_cast<size_t>(offset) + data.size();
    if (b.size() < end) b.resize(end);
    b.replace(static_cast<size_t>(offset), data.size(), data);
    return Status::OK();
  }

  Status WriteV(uint64_t offset,
                std::span<const std::string_view> pieces) override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    size_t total = 0;
    for (std::string_view p : pieces) total += p.size();
    std::lock_guard<std::mutex> l(data_->mu);
    std::string& b = data_->bytes;
    size_t at = static_cast<size_t>(offset);
    if (b.size() < at + total) b.resize(at + total);
    for (std::string_view p : pieces) {
      b.replace(at, p.size(), p);
      at += p.size();
    }
    return Status::OK();
  }

  Status Sync() override { return CheckWritable(); }

  Status Truncate(uint64_t size) override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    std::lock_guard<std::mutex> l(data_->mu);
    data_->bytes.resize(static_cast<size_t>(size));
    return Status::OK();
  }

  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> l(data_->mu);
    return static_cast<uint64_t>(data_->bytes.size());
  }

 private:
  Status CheckWritable() const {
    if (writable_) return Status::OK();
    return Status::InvalidArgument("file opened read-only");
  }

  std::shared_ptr<MemData> data_;
  bool writable_;
};

class MemEnv final : public Env {
 public:
  // Memory has no permissions: kCreatePrivate is kCreate.
  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         OpenMode mode) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) {
      if (mode == OpenMode::kRead || mode == OpenMode::kReadWrite) {
        return Status::NotFound(path + ": no such file");
      }
      it = files_.emplace(path, std::make_shared<MemData>()).first;
    }
    return std::unique_ptr<File>(
        new MemFile(it->second, mode != OpenMode::kRead));
  }

  bool FileExists(const std::string& path) override {
    std::lock_guard<std::mutex> l(mu_);
    return files_.count(path) > 0 || dirs_.count(path) > 0;
  }

  Status CreateDir(const std::string& path) override {
    std::lock_guard<std::mutex> l(mu_);
    if (files_.count(path)) {
      return Status::IOError(path + ": exists and is not a directory");
    }
    dirs_.insert(path);
    return Status::OK();
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    std::lock_guard<std::mutex> l(mu_);
    if (!dirs_.count(path))
      return Status::NotFound(path + ": no such directory");
    std::vector<std::string> names;
    std::string prefix = path + "/";
    for (const auto& [name, data] : files_) {
      if (name.compare(0, prefix.size(), prefix) == 0 &&
          name.find('/', prefix.size()) == std::string::npos) {
        names.push_back(name.substr(prefix.size()));
      }
    }
    return names;
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(from);
    if (it == files_.end()) return Status::NotFound(from + ": no such file");
    files_[to] = it->second;
    files_.erase(from);
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    std::lock_guard<std::mutex> l(mu_);
    if (files_.erase(path) == 0)
      return Status::NotFound(path + ": no such file");
    return Status::OK();
  }

  Status SyncDir(const std::string&) override { return Status::OK(); }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    std::lock_guard<std::mutex> l(mu_);
    if (!locks_.insert(path).second) {
      return Status::Busy(path + ": locked by another writer");
    }
    files_.try_emplace(path, std::make_shared<MemData>());
    return std::unique_ptr<FileLock>(new MemLock(this, path));
  }

 private:
  class MemLock final : public FileLock {
   public:
    MemLock(MemEnv* env, std::string path)
        : env_(env), path_(std::move(path)) {}
    ~MemLock() override {
      std::lock_guard<std::mutex> l(env_->mu_);
      env_->locks_.erase(path_);
    }
    MemLock(const MemLock&) = delete;
    MemLock& operator=(const MemLock&) = delete;

   private:
    MemEnv* env_;
    std::string path_;
  };

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<MemData>> files_;
  std::set<std::string> dirs_;
  std::set<std::string> locks_;
};

}  // namespace

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(); }

}  // namespace bee::log
