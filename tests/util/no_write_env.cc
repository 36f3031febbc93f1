#include "tests/util/no_write_env.h"

#include <catch2/catch.hpp>

namespace bee::test {
namespace {

// A file opened for reading whose writes fail the test, even if the
// wrapped Env would allow them.
class NoWriteFile final : public ForwardingFile {
 public:
  NoWriteFile(std::unique_ptr<log::File> base, std::string path)
      : ForwardingFile(std::move(base)), path_(std::move(path)) {}
  Status Write(uint64_t, std::string_view) override {
    return NoWriteEnv::Refuse("write to " + path_);
  }
  Status WriteV(uint64_t, std::span<const std::string_view>) override {
    return NoWriteEnv::Refuse("write to " + path_);
  }
  Status Sync() override { return NoWriteEnv::Refuse("sync of " + path_); }
  Status Truncate(uint64_t) override {
    return NoWriteEnv::Refuse("truncate of " + path_);
  }

 private:
  std::string path_;
};

}  // namespace

Status NoWriteEnv::Refuse(const std::string& what) {
  FAIL_CHECK("a read-only user tried a " << what);
  return Status::IOError("NoWriteEnv refuses a " + what);
}

Result<std::unique_ptr<log::File>> NoWriteEnv::OpenFile(const std::string& path,
                                                        log::OpenMode mode) {
  if (mode != log::OpenMode::kRead) {
    return Refuse("open for writing of " + path);
  }
  BEE_ASSIGN_OR_RETURN(auto file, base()->OpenFile(path, mode));
  return std::unique_ptr<log::File>(new NoWriteFile(std::move(file), path));
}

Status NoWriteEnv::CreateDir(const std::string& path) {
  return Refuse("mkdir of " + path);
}

Status NoWriteEnv::RenameFile(const std::string& from, const std::string&) {
  return Refuse("rename of " + from);
}

Status NoWriteEnv::RemoveFile(const std::string& path) {
  return Refuse("remove of " + path);
}

Status NoWriteEnv::SyncDir(const std::string& path) {
  return Refuse("directory sync of " + path);
}

Result<std::unique_ptr<log::FileLock>> NoWriteEnv::LockFile(
    const std::string& path) {
  return Refuse("lock of " + path);
}

}  // namespace bee::test
