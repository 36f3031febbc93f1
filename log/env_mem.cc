#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include "log/env.h"

namespace bee::log {
namespace {

// A file's bytes: one string, or (sparse) pages of kPage bytes, where a
// page never written reads as zeros and costs nothing.
constexpr uint64_t kPage = 4096;

struct MemData {
  explicit MemData(bool sparse_pages) : sparse(sparse_pages) {}
  std::mutex mu;
  const bool sparse;
  std::string bytes;                      // !sparse
  std::map<uint64_t, std::string> pages;  // sparse: page index -> kPage bytes
  uint64_t size = 0;                      // sparse

  // REQUIRES: mu held.
  uint64_t Size() const { return sparse ? size : bytes.size(); }
  void Read(uint64_t offset, size_t n, std::string* out) const {
    const uint64_t end = Size();
    if (offset >= end) {
      out->clear();
      return;
    }
    n = static_cast<size_t>(std::min<uint64_t>(n, end - offset));
    if (!sparse) {
      out->assign(bytes, static_cast<size_t>(offset), n);
      return;
    }
    out->assign(n, '\0');
    for (auto it = pages.lower_bound(offset / kPage);
         it != pages.end() && it->first * kPage < offset + n; ++it) {
      const uint64_t page_begin = it->first * kPage;
      const uint64_t from = std::max(offset, page_begin);
      const uint64_t to = std::min<uint64_t>(offset + n, page_begin + kPage);
      std::memcpy(out->data() + (from - offset),
                  it->second.data() + (from - page_begin),
                  static_cast<size_t>(to - from));
    }
  }
  void Write(uint64_t offset, std::string_view data) {
    if (!sparse) {
      const size_t end = static_cast<size_t>(offset) + data.size();
      if (bytes.size() < end) bytes.resize(end);
      bytes.replace(static_cast<size_t>(offset), data.size(), data);
      return;
    }
    uint64_t at = offset;
    while (!data.empty()) {
      std::string& page = pages[at / kPage];
      if (page.empty()) page.assign(kPage, '\0');
      const size_t in_page = static_cast<size_t>(at % kPage);
      const size_t n = std::min<size_t>(data.size(), kPage - in_page);
      std::memcpy(page.data() + in_page, data.data(), n);
      data.remove_prefix(n);
      at += n;
    }
    size = std::max(size, at);
  }
  void Truncate(uint64_t new_size) {
    if (!sparse) {
      bytes.resize(static_cast<size_t>(new_size));
      return;
    }
    // Pages past the end go; the tail of the last one is zeroed, so the
    // file reads as zeros there if it grows again.
    pages.erase(pages.lower_bound((new_size + kPage - 1) / kPage), pages.end());
    if (new_size % kPage != 0) {
      auto it = pages.find(new_size / kPage);
      if (it != pages.end()) {
        const size_t keep = static_cast<size_t>(new_size % kPage);
        std::memset(it->second.data() + keep, 0, kPage - keep);
      }
    }
    size = new_size;
  }
};

class MemFile final : public File {
 public:
  MemFile(std::shared_ptr<MemData> data, bool writable)
      : data_(std::move(data)), writable_(writable) {}

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    std::lock_guard<std::mutex> l(data_->mu);
    data_->Read(offset, n, out);
    return Status::OK();
  }

  Status Write(uint64_t offset, std::string_view data) override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    std::lock_guard<std::mutex> l(data_->mu);
    data_->Write(offset, data);
    return Status::OK();
  }

  Status WriteV(uint64_t offset,
                std::span<const std::string_view> pieces) override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    std::lock_guard<std::mutex> l(data_->mu);
    if (!data_->sparse) {
      size_t total = 0;
      for (std::string_view p : pieces) total += p.size();
      std::string& b = data_->bytes;
      size_t at = static_cast<size_t>(offset);
      if (b.size() < at + total) b.resize(at + total);
      for (std::string_view p : pieces) {
        b.replace(at, p.size(), p);
        at += p.size();
      }
      return Status::OK();
    }
    for (std::string_view p : pieces) {
      data_->Write(offset, p);
      offset += p.size();
    }
    return Status::OK();
  }

  Status Sync() override { return CheckWritable(); }

  Status Truncate(uint64_t size) override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    std::lock_guard<std::mutex> l(data_->mu);
    data_->Truncate(size);
    return Status::OK();
  }

  Result<uint64_t> Size() const override {
    std::lock_guard<std::mutex> l(data_->mu);
    return data_->Size();
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
  explicit MemEnv(bool sparse) : sparse_(sparse) {}

  // Memory has no permissions: kCreatePrivate is kCreate.
  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         OpenMode mode) override {
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) {
      if (mode == OpenMode::kRead || mode == OpenMode::kReadWrite) {
        return Status::NotFound(path + ": no such file");
      }
      it = files_.emplace(path, std::make_shared<MemData>(sparse_)).first;
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
    files_.try_emplace(path, std::make_shared<MemData>(sparse_));
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

  const bool sparse_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<MemData>> files_;
  std::set<std::string> dirs_;
  std::set<std::string> locks_;
};

}  // namespace

std::unique_ptr<Env> NewMemEnv() { return std::make_unique<MemEnv>(false); }
std::unique_ptr<Env> NewSparseMemEnv() {
  return std::make_unique<MemEnv>(true);
}

}  // namespace bee::log
