// FaultEnv: an in-memory Env that remembers which writes were synced, so a
// test can simulate a crash (drop or tear unsynced writes) and flip bits.
//
// Directory operations (create, rename, remove) are durable at once.
#ifndef BEE_TESTS_UTIL_FAULT_ENV_H_
#define BEE_TESTS_UTIL_FAULT_ENV_H_

#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "log/env.h"

namespace bee::test {

class FaultEnv final : public log::Env {
 public:
  FaultEnv() = default;

  // Memory has no permissions: kCreatePrivate is kCreate.
  Result<std::unique_ptr<log::File>> OpenFile(const std::string& path,
                                              log::OpenMode mode) override;
  bool FileExists(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Result<std::unique_ptr<log::FileLock>> LockFile(
      const std::string& path) override;

  // Simulates power loss: every file keeps its synced bytes plus, when
  // rng is given, a random prefix of its unsynced writes (the last one kept
  // possibly torn). Locks are released, as when the process dies.
  void Crash(std::mt19937_64* rng = nullptr);
  // After n more successful writes or syncs, every write, sync and truncate
  // fails with IOError (a dying disk or process); -1 disables.
  void FailWritesAfter(int64_t n);

  // Flips one bit of a file's current contents. REQUIRES: offset < size.
  void FlipBit(const std::string& path, uint64_t offset, int bit);
  // Current contents of a file (empty if it does not exist).
  std::string Contents(const std::string& path);
  void SetContents(const std::string& path, std::string bytes);

  struct Write {
    uint64_t offset;
    std::string data;
    bool truncate;  // a Truncate(offset) rather than a write
  };
  struct FileData {
    std::string current;
    std::string durable;
    std::vector<Write> pending;  // unsynced, in order
  };

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileData>> files_;
  std::set<std::string> dirs_;
  std::set<std::string> locks_;
  int64_t writes_left_ = -1;
  friend class FaultFile;
  friend class FaultLock;
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_FAULT_ENV_H_
