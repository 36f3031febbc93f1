// NoWriteEnv: an Env that fails the running test on any call that could
// change the file system (a write, create, truncate, rename, remove, sync or
// lock), for proving that read-only users change nothing. Reads pass through
// to the wrapped Env.
#ifndef BEE_TESTS_UTIL_NO_WRITE_ENV_H_
#define BEE_TESTS_UTIL_NO_WRITE_ENV_H_

#include <string>

#include "tests/util/forwarding_env.h"

namespace bee::test {

class NoWriteEnv final : public ForwardingEnv {
 public:
  // REQUIRES: base outlives this Env.
  explicit NoWriteEnv(log::Env* base) : ForwardingEnv(base) {}

  Result<std::unique_ptr<log::File>> OpenFile(const std::string& path,
                                              log::OpenMode mode) override;
  Status CreateDir(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Result<std::unique_ptr<log::FileLock>> LockFile(
      const std::string& path) override;

  // Fails the test (and returns IOError) naming the call.
  static Status Refuse(const std::string& what);
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_NO_WRITE_ENV_H_
