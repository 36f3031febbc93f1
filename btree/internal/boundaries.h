// Boundaries: the log lengths at which this store's appends ended. Only
// those versions have a usable root (a version inside a batch has none,
// FORMAT.md §8.3), so Checkout checks against them.
//
// File `boundaries` in the store directory (docs/FORMAT.md §4): 16-byte
// records, u64le length then the first 8 bytes of
// BLAKE2b-256("bee-boundary" ‖ u64le length). A torn or damaged tail record
// is ignored (it is rewritten by the next append); lengths past the log
// (after a truncation) are dropped on load.
//
// Thread safety: all methods are safe to call concurrently.
#ifndef BEE_BTREE_INTERNAL_BOUNDARIES_H_
#define BEE_BTREE_INTERNAL_BOUNDARIES_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "log/env.h"

namespace bee::btree::internal {

class Boundaries {
 public:
  static constexpr char kFileName[] = "boundaries";
  static constexpr uint64_t kRecordSize = 16;

  // Unknown boundaries (another writer's log): Contains() is never asked.
  Boundaries() = default;
  // In memory only.
  static std::unique_ptr<Boundaries> InMemory();
  // Creates (create = true) or loads the file in `dir`, keeping lengths
  // <= log_length and adding log_length itself when an append finished but
  // its record did not (a crash in between). NotFound when the file is
  // missing and create is false.
  // With sync, every record is fsynced before Record returns.
  static Result<std::unique_ptr<Boundaries>> Open(log::Env* env,
                                                  const std::string& dir,
                                                  uint64_t log_length,
                                                  bool create, bool sync);

  bool known() const { return known_; }
  bool Contains(uint64_t length) const;
  std::vector<uint64_t> All() const;
  // Records that an append ended at `length` (> every recorded length).
  Status Record(uint64_t length);

  // Forgets lengths past `length` (the log was truncated).
  Status Truncate(uint64_t length);

  static std::string EncodeRecord(uint64_t length);
  // The lengths the file's bytes record, up to the first torn or damaged
  // record and without those past log_length (the rules of Open).
  static std::vector<uint64_t> ParseRecords(std::string_view bytes,
                                            uint64_t log_length);

 private:
  bool known_ = false;
  mutable std::mutex mu_;
  std::vector<uint64_t> lengths_;  // ascending
  std::unique_ptr<log::File> file_;
  uint64_t file_records_ = 0;
  bool sync_ = false;
};

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_BOUNDARIES_H_
