// FaultEnv: an in-memory Env that remembers which writes and which directory
// entries were synced, so a test can simulate a crash (drop or tear unsynced
// writes, lose unsynced creates, renames and removes) and flip bits.
//
// Directory entries: creating a file (OpenFile or LockFile), RenameFile and
// RemoveFile change the visible namespace at once, but are durable only
// after SyncDir of the file's directory. A crash keeps a random prefix of a
// directory's unsynced entry changes (journaling file systems commit them in
// order). Directories themselves (CreateDir) are durable at once.
//
// Every mutation (write, sync, truncate, file creation, rename, remove,
// directory sync) counts as one step: mutations() tells how many an
// operation makes, and FailWritesAfter(n) lets n more succeed and fails the
// rest, so a test can crash an operation after any of its steps.
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

// What a Crash did, for tests that count the states they reached.
struct CrashReport {
  std::vector<std::string> torn;  // files whose last kept write was torn
  size_t writes_dropped = 0;      // unsynced writes lost, over all files
  size_t writes_kept = 0;         // unsynced writes that survived
  size_t entries_dropped = 0;     // unsynced directory changes lost
};

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

  // Simulates power loss. Without rng every unsynced write and directory
  // change is lost. With rng, each file keeps its synced bytes plus a random
  // prefix (possibly all) of its unsynced writes, the last one kept torn or
  // not at random; each directory keeps a random prefix of its unsynced
  // changes. Locks are released, as when the process dies, and
  // FailWritesAfter is reset.
  CrashReport Crash(std::mt19937_64* rng = nullptr);
  // After n more successful mutations (see above) every mutation fails
  // with IOError (a dying disk or process); -1 disables.
  void FailWritesAfter(int64_t n);
  // Mutations attempted so far (failed ones included).
  uint64_t mutations();

  // Flips one bit of a file's current contents. REQUIRES: offset < size.
  void FlipBit(const std::string& path, uint64_t offset, int bit);
  // Current contents of a file (empty if it does not exist).
  std::string Contents(const std::string& path);
  // Replaces a file's contents (creating it), durably.
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
  using Names = std::map<std::string, std::shared_ptr<FileData>>;
  // A change to one directory entry: `path` now names `data` (nullptr:
  // removed); a rename also removes `renamed_from`, in the same step.
  struct EntryChange {
    std::string path;
    std::shared_ptr<FileData> data;
    std::string renamed_from;
  };
  static void Apply(const EntryChange& change, Names* names);

  // REQUIRES: mu_ held (all below).
  Status Allow();
  // Changes the visible entry at once; durable_ follows at SyncDir.
  void SetEntry(const std::string& path, std::shared_ptr<FileData> data,
                const std::string& renamed_from = "");
  void KeepWrites(FileData* data, std::mt19937_64* rng, CrashReport* report,
                  const std::string& path);

  std::mutex mu_;
  Names files_;                        // the names visible now
  Names durable_;                      // the names a crash keeps
  std::vector<EntryChange> unsynced_;  // changes since the last SyncDir
  std::set<std::string> dirs_;
  std::set<std::string> locks_;
  int64_t writes_left_ = -1;
  uint64_t mutations_ = 0;
  friend class FaultFile;
  friend class FaultLock;
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_FAULT_ENV_H_
