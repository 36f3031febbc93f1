// Boundaries: the log lengths at which this store's operations ended. Only
// those versions have a usable root (a version strictly inside a batch has
// none, FORMAT.md §8.3), so Checkout checks against them. A batch written
// with separate blocks ends one version per operation.
//
// File `boundaries` in the store directory (docs/FORMAT.md §4.1): 16-byte
// records, u64le length then the first 8 bytes of
// BLAKE2b-256("bee-boundary" ‖ u64le length). Records are written before
// the append they describe, so a failed record write fails the append
// before anything is appended. A torn or damaged tail record is ignored;
// lengths past the log (an interrupted append, or a truncation) are dropped
// on load, and later records overwrite them.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef BEE_BTREE_INTERNAL_BOUNDARIES_H_
#define BEE_BTREE_INTERNAL_BOUNDARIES_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "log/env.h"

namespace bee::btree::internal {

struct BoundariesOptions {
  bool create = false;     // make the file when it is missing
  bool sync = false;       // fsync every write before returning
  bool read_only = false;  // never write: the list lives in memory only
};

class Boundaries {
 public:
  static constexpr char kFileName[] = "boundaries";
  static constexpr uint64_t kRecordSize = 16;

  // Unknown boundaries (another writer's log): Contains() is never asked.
  Boundaries() = default;
  // In memory only.
  static std::unique_ptr<Boundaries> InMemory();
  // Loads the file in `dir`, keeping lengths <= log_length and adding
  // log_length itself when the file lacks it (a log written before its
  // records were; written back unless read_only). NotFound when the file is
  // missing and options.create is false.
  static Result<std::unique_ptr<Boundaries>> Open(
      log::Env* env, const std::string& dir, uint64_t log_length,
      const BoundariesOptions& options);

  // Reloads the list in place from the file in `dir`, read-only, as Open
  // would at `log_length`: how a reader follows a writer (Bee::Refresh).
  Status Reload(log::Env* env, const std::string& dir, uint64_t log_length);

  bool known() const { return known_; }
  bool Contains(uint64_t length) const;
  std::vector<uint64_t> All() const;
  // Records, with one write, that operations will end at `lengths`
  // (ascending, each > every recorded length). Call before the append.
  Status Record(std::span<const uint64_t> lengths);
  // The append from `length` failed: forgets the lengths recorded past it,
  // in memory only (their records are overwritten by the next Record).
  void Forget(uint64_t length);
  // Forgets lengths past `length` (the log was truncated) and cuts the file.
  Status Truncate(uint64_t length);

  static std::string EncodeRecord(uint64_t length);
  // The lengths the file's bytes record, up to the first torn or damaged
  // record and without those past log_length (the rules of Open).
  static std::vector<uint64_t> ParseRecords(std::string_view bytes,
                                            uint64_t log_length);

 private:
  // REQUIRES: mu_ held.
  void ForgetLocked(uint64_t length);

  bool known_ = false;
  mutable std::mutex mu_;
  std::vector<uint64_t> lengths_;  // ascending
  std::unique_ptr<log::File> file_;
  bool sync_ = false;
};

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_BOUNDARIES_H_
