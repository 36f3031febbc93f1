// ForwardingEnv: an Env that passes every call to another Env, for tests
// that watch or veto some calls by overriding them (and File's, through
// ForwardingFile).
#ifndef BEE_TESTS_UTIL_FORWARDING_ENV_H_
#define BEE_TESTS_UTIL_FORWARDING_ENV_H_

#include <memory>
#include <string>
#include <vector>

#include "log/env.h"

namespace bee::test {

class ForwardingFile : public log::File {
 public:
  explicit ForwardingFile(std::unique_ptr<log::File> base)
      : base_(std::move(base)) {}

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    return base_->Read(offset, n, out);
  }
  Status Write(uint64_t offset, std::string_view data) override {
    return base_->Write(offset, data);
  }
  Status WriteV(uint64_t offset,
                std::span<const std::string_view> pieces) override {
    return base_->WriteV(offset, pieces);
  }
  Status Sync() override { return base_->Sync(); }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Result<uint64_t> Size() const override { return base_->Size(); }

 private:
  std::unique_ptr<log::File> base_;
};

class ForwardingEnv : public log::Env {
 public:
  // REQUIRES: base outlives this Env.
  explicit ForwardingEnv(log::Env* base) : base_(base) {}

  Result<std::unique_ptr<log::File>> OpenFile(const std::string& path,
                                              log::OpenMode mode) override {
    return base_->OpenFile(path, mode);
  }
  bool FileExists(const std::string& path) override {
    return base_->FileExists(path);
  }
  Status CreateDir(const std::string& path) override {
    return base_->CreateDir(path);
  }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_->RenameFile(from, to);
  }
  Status RemoveFile(const std::string& path) override {
    return base_->RemoveFile(path);
  }
  Status SyncDir(const std::string& path) override {
    return base_->SyncDir(path);
  }
  Result<std::unique_ptr<log::FileLock>> LockFile(
      const std::string& path) override {
    return base_->LockFile(path);
  }

 protected:
  log::Env* base() const { return base_; }

 private:
  log::Env* base_;
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_FORWARDING_ENV_H_
