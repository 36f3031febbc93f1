/// @file
/// Watcher: waits for writes that change a key range and yields, for each
/// such version, the new and the previous snapshot and the changes between
/// them (a diff restricted to the range).
///
/// Thread safety: one thread calls Next; Cancel may be called from any.
/// Errors: those of reading the snapshots and diffing them (Corruption, or
/// the log's read error).
#ifndef BEE_BTREE_WATCH_H_
#define BEE_BTREE_WATCH_H_

#include <atomic>
#include <chrono>
#include <optional>
#include <vector>

#include "btree/bee.h"
#include "btree/diff.h"

namespace bee::btree {

/// One version whose writes changed the watched range.
struct WatchEvent {
  Snapshot current;   ///< the new version
  Snapshot previous;  ///< the version the last event (or the start) saw
  std::vector<DiffEntry> changes;  ///< left = current, right = previous
  /// The writer truncated the store (a new fork) since `previous`: its
  /// blocks past the truncation are gone, so `changes` is empty and
  /// `previous` must not be read. Yielded whatever the range, as hyperbee's
  /// watcher yields on a truncation without a diff.
  bool truncated = false;
};

/// Yields a WatchEvent for each new version whose writes change a key
/// range. Borrows the Bee. It sees the writes of this process (a read-only
/// store sees another process's after Bee::Refresh).
class Watcher {
 public:
  /// Watches keys within `range` (limit is ignored), starting from the
  /// store's current version (if it cannot be read, the first Next returns
  /// why). REQUIRES: bee outlives the watcher.
  Watcher(const Bee* bee, DiffOptions range);

  /// The next version whose changes touch the range (or the next truncation),
  /// or nullopt when the timeout passes or Cancel() was called. Versions
  /// that change nothing in the range are skipped. REQUIRES: `timeout` is
  /// at most a few years (a deadline is computed from it).
  Result<std::optional<WatchEvent>> Next(std::chrono::milliseconds timeout);
  /// Makes a waiting Next return nullopt soon, and every later Next at
  /// once; thread-safe.
  void Cancel() { cancelled_ = true; }

 private:
  const Bee* bee_;
  DiffOptions range_;
  std::optional<Snapshot> last_;  // set unless start_error_
  uint64_t fork_ = 0;             // the log's fork when last_ was taken
  Status start_error_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace bee::btree

#endif  // BEE_BTREE_WATCH_H_
