// Watcher: waits for writes that change a key range and yields, for each
// such version, the new and the previous snapshot and the changes between
// them (a diff restricted to the range).
//
// Thread safety: one thread calls Next; Cancel may be called from any.
#ifndef BEE_BTREE_WATCH_H_
#define BEE_BTREE_WATCH_H_

#include <atomic>
#include <chrono>
#include <optional>
#include <vector>

#include "btree/bee.h"
#include "btree/diff.h"

namespace bee::btree {

struct WatchEvent {
  Snapshot current;
  Snapshot previous;
  std::vector<DiffEntry> changes;  // left = current, right = previous
  // The writer truncated the store (a new fork) since `previous`: its
  // blocks past the truncation are gone, so `changes` is empty and
  // `previous` must not be read. Yielded whatever the range, as hyperbee's
  // watcher yields on a truncation without a diff.
  bool truncated = false;
};

class Watcher {
 public:
  // Watches keys within `range` (limit is ignored), starting from the
  // store's current version (if it cannot be read, the first Next returns
  // why). REQUIRES: bee outlives the watcher.
  Watcher(const Bee* bee, DiffOptions range);

  // The next version whose changes touch the range (or the next truncation),
  // or nullopt when the timeout passes or Cancel() was called.
  Result<std::optional<WatchEvent>> Next(std::chrono::milliseconds timeout);
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
