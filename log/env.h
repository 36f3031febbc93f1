// Env: the file-system operations the log needs, so the same storage code
// runs on disk (PosixEnv), in memory (MemEnv, for in-memory stores and tests)
// and under fault injection (tests/util/fault_env.h).
//
// Thread safety: Env and File implementations are safe for concurrent use,
// except that concurrent writes to overlapping ranges of one file race.
#ifndef BEE_LOG_ENV_H_
#define BEE_LOG_ENV_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"

namespace bee::log {

// A read-only memory mapping of a file (File::Map), unmapped on destruction.
// Reading a byte of a page that lies wholly past the file's end raises
// SIGBUS: a reader reads only bytes it knows the file holds, and nobody may
// shrink a file below what a reader of its mapping may still read.
class FileMapping {
 public:
  virtual ~FileMapping() = default;
  // The first size() bytes of the file's address space (they may extend
  // past the current end of the file; see above).
  virtual const char* data() const = 0;
  virtual uint64_t size() const = 0;
};

// A file read and written at explicit offsets.
class File {
 public:
  virtual ~File() = default;
  // Reads up to n bytes at offset into *out (replacing its contents); a
  // shorter result means the file ended.
  virtual Status Read(uint64_t offset, size_t n, std::string* out) const = 0;
  // Writes all of data at offset, extending the file as needed.
  virtual Status Write(uint64_t offset, std::string_view data) = 0;
  // Writes the pieces back to back from offset, as one Write() of their
  // concatenation would (a gather write). The default concatenates and calls
  // Write(); PosixEnv and MemEnv write the pieces without the copy.
  virtual Status WriteV(uint64_t offset,
                        std::span<const std::string_view> pieces) {
    std::string joined;
    for (std::string_view p : pieces) joined.append(p);
    return Write(offset, joined);
  }
  // Makes every write so far durable.
  virtual Status Sync() = 0;
  virtual Status Truncate(uint64_t size) = 0;
  virtual Result<uint64_t> Size() const = 0;
  // Maps bytes [0, size) of the file read-only and shared: later writes to
  // the file (by anyone) show through. `size` may exceed the file's size,
  // so that the mapping covers what the file grows to later. NotSupported
  // where the Env cannot map (the default, MemEnv: their callers use Read).
  virtual Result<std::unique_ptr<FileMapping>> Map(uint64_t size) const {
    (void)size;
    return Status::NotSupported("this file cannot be mapped");
  }
};

// How Env::OpenFile opens a file. A file opened kRead refuses Write, WriteV,
// Sync and Truncate with InvalidArgument, and the open itself needs no write
// permission: read-only users of a directory change nothing in it.
enum class OpenMode : uint8_t {
  kRead,           // read only; NotFound when missing
  kReadWrite,      // NotFound when missing
  kCreate,         // read and write; created (mode 0644) when missing
  kCreatePrivate,  // as kCreate, but readable by its owner only (0600), also
                   // when it existed: for files that will hold a secret key
};

// Held while a directory is owned by one writer; released on destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment (never destroyed).
  static Env* Default();

  // Opens path as `mode` says. NotFound when it does not exist and mode
  // does not create it.
  virtual Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                                 OpenMode mode) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Creates the directory (and parents); OK if it exists.
  virtual Status CreateDir(const std::string& path) = 0;
  // Names of the entries in a directory (no "." or "..").
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Makes directory entries (creates, renames) durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // Takes an exclusive lock on path (created empty if needed); Busy when
  // another holder has it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) = 0;
};

// A fresh, empty in-memory file system. Writes are always durable.
std::unique_ptr<Env> NewMemEnv();
// The same, keeping each file in 4 KiB pages: a page never written reads as
// zeros and costs no memory. For files written far apart, as a sparse
// replica's (a short-lived shadow of a large log); reads cost a page lookup.
std::unique_ptr<Env> NewSparseMemEnv();

// Replaces `dir`/`name` with `bytes` as one step: writes `name`.tmp
// (created with `mode`: kCreate, or kCreatePrivate for a file holding a
// secret), fsyncs it, renames it over `name`, then fsyncs the directory. A
// crash leaves the old file or the new one, never a mix. With sync false
// nothing is fsynced (a store under Durability::kNoSync).
Status ReplaceFile(Env* env, const std::string& dir, const std::string& name,
                   std::string_view bytes, OpenMode mode = OpenMode::kCreate,
                   bool sync = true);

}  // namespace bee::log

#endif  // BEE_LOG_ENV_H_
