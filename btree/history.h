/// @file
/// History iteration: every put and delete in seq order (FORMAT.md §10.4).
///
/// Thread safety: one thread calls Next; Cancel may be called from any.
/// Errors: Corruption (or the log's read error) naming a damaged block;
/// InvalidArgument for options that cannot hold together.
#ifndef BEE_BTREE_HISTORY_H_
#define BEE_BTREE_HISTORY_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "btree/bee.h"

namespace bee::btree {

/// Which blocks a HistoryIterator yields.
struct HistoryOptions {
  /// Seq bounds, with hyperbee's rules: defaults gte = 1 (the header is never
  /// returned) and lt = the version; gt x means gte x+1 and lte x means
  /// lt x+1; gt wins over gte but lte wins over lt (the reverse of range
  /// bounds); a bound of 0 counts as unset, except that lt or lte of 0
  /// selects nothing; a negative bound counts back from the version. Seqs
  /// outside [1, version) are never returned (unless live).
  std::optional<int64_t> gt, gte, lt, lte;
  bool reverse = false;  ///< newest first
  int64_t limit = -1;    ///< at most this many entries; negative: unlimited
  /// Keep waiting for new blocks after the last one (not with reverse),
  /// reading the live log past the snapshot's version. Without lt or lte it
  /// never ends by itself (hyperbee ignores lt and lte when live; we stop
  /// there).
  bool live = false;
};

/// One put or delete, as its block records it.
struct HistoryEntry {
  /// What the block did.
  enum class Type : uint8_t { kPut, kDel };
  Type type;                         ///< a put or a delete
  uint64_t seq;                      ///< the block
  std::string key;                   ///< the key written
  std::optional<std::string> value;  ///< absent for a delete or a null put
  bool operator==(const HistoryEntry&) const = default;
};

/// Iterates the blocks of one snapshot (and, live, of the log after it).
/// Owns a copy of the snapshot, so it may outlive the Bee; not movable (it
/// may be cancelled from another thread).
class HistoryIterator {
 public:
  /// Invalid options (live with reverse) are reported by the first Next().
  HistoryIterator(Snapshot snapshot, HistoryOptions options);

  /// The next entry, or nullopt at the end. In live mode it waits for new
  /// blocks until `timeout` passes (then nullopt) or Cancel() is called.
  /// The iterator must not be used after an error.
  Result<std::optional<HistoryEntry>> Next(
      std::chrono::milliseconds timeout = std::chrono::hours(24 * 365));
  /// Makes a waiting live Next() return nullopt soon; thread-safe.
  void Cancel() { cancelled_ = true; }

 private:
  Snapshot snapshot_;
  HistoryOptions options_;
  uint64_t begin_ = 1;  // first seq (inclusive)
  uint64_t end_ = 1;    // past the last seq (exclusive; live: grows)
  uint64_t next_ = 1;   // next seq to return (reverse: next_ - 1)
  int64_t emitted_ = 0;
  bool invalid_ = false;
  std::atomic<bool> cancelled_{false};
};

}  // namespace bee::btree

#endif  // BEE_BTREE_HISTORY_H_
