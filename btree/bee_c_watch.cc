// The C API's waiting calls (btree/bee_c.h): bee_wait_version and
// bee_refresh over Bee and log::Core, bee_watch_* over btree/watch.h. A
// read-only store sees its writer's appends only through Bee::Refresh, so
// its waits run in slices of kFollowSlice with a refresh before each.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "btree/bee.h"
#include "btree/bee_c.h"
#include "btree/diff.h"
#include "btree/internal/bee_c_impl.h"
#include "btree/watch.h"

using bee::btree::Bee;
using bee::btree::DiffOptions;
using bee::btree::Watcher;
using bee::btree::WatchEvent;
using bee::btree::capi::FromStatus;
using bee::btree::capi::Invalid;
using bee::btree::capi::kOk;
using bee::btree::capi::NotNull;
using bee::btree::capi::OpenStore;
using bee::btree::capi::ToDiffEntry;
using bee::btree::capi::ToDiffOptions;

namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

// How often a read-only store refreshes while it waits.
constexpr Millis kFollowSlice{50};
// The longest wait: longer timeouts are cut to it (a deadline far past it
// would overflow the clock's arithmetic).
constexpr Millis kMaxWait = std::chrono::hours(24 * 365);

// The deadline of a wait of `timeout_ms`, or an error for a negative one.
int Deadline(char** errptr, const char* fn, int64_t timeout_ms,
             Clock::time_point* deadline) {
  if (timeout_ms < 0) {
    return Invalid(errptr, fn,
                   "timeout_ms is negative (" + std::to_string(timeout_ms) +
                       "): 0 does not wait");
  }
  *deadline = Clock::now() + std::min(Millis(timeout_ms), kMaxWait);
  return kOk;
}

// The time left until `deadline` (zero past it), at most `cap` when a
// read-only store must refresh again.
Millis Remaining(Clock::time_point deadline, bool read_only) {
  auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
  Millis ms = std::chrono::ceil<Millis>(left);
  return read_only ? std::min(ms, kFollowSlice) : ms;
}

}  // namespace

struct bee_watch_t {
  bee_watch_t(const std::shared_ptr<Bee>& b, DiffOptions range, bool ro)
      : bee(b), watcher(b.get(), std::move(range)), read_only(ro) {}
  std::weak_ptr<Bee> bee;  // expired once the store is closed
  Watcher watcher;         // borrows *bee, locked for each call
  const bool read_only;    // refresh while waiting
  std::atomic<bool> cancelled{false};
  std::optional<WatchEvent> event;  // what bee_watch_change reads
};

extern "C" {

int bee_refresh(bee_t* db, int* changed, char** errptr) {
  const char* fn = "bee_refresh";
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  if (changed != nullptr) *changed = 0;
  const uint64_t before = db->bee->version();
  const uint64_t fork = db->bee->core().fork();
  if (int code = FromStatus(errptr, fn, db->bee->Refresh()); code != kOk) {
    return code;
  }
  if (changed != nullptr) {
    *changed = db->bee->version() != before || db->bee->core().fork() != fork;
  }
  return kOk;
}

int bee_wait_version(bee_t* db, uint64_t after, int64_t timeout_ms,
                     uint64_t* version, char** errptr) {
  const char* fn = "bee_wait_version";
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  if (int code = NotNull(errptr, fn, version, "version"); code != kOk) {
    return code;
  }
  Clock::time_point deadline;
  if (int code = Deadline(errptr, fn, timeout_ms, &deadline); code != kOk) {
    return code;
  }
  Bee& bee = *db->bee;
  while (true) {
    if (db->read_only) {
      if (int code = FromStatus(errptr, fn, bee.Refresh()); code != kOk) {
        return code;
      }
    }
    *version = bee.version();
    const Millis wait = Remaining(deadline, db->read_only);
    if (*version > after || wait == Millis::zero()) return kOk;
    // Past `after` means a length past it (after >= version >= 1 here).
    bee.core().WaitForAppend(after, wait);
  }
}

int bee_watch_create(bee_t* db, const bee_range_options_t* options,
                     bee_watch_t** watch, char** errptr) {
  const char* fn = "bee_watch_create";
  if (int code = NotNull(errptr, fn, watch, "watch"); code != kOk) return code;
  *watch = nullptr;
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  DiffOptions range;
  if (int code = ToDiffOptions(errptr, fn, options, &range); code != kOk) {
    return code;
  }
  *watch = new bee_watch_t(db->bee, std::move(range), db->read_only);
  return kOk;
}

int bee_watch_next(bee_watch_t* watch, int64_t timeout_ms,
                   bee_watch_event_t* event, int* has_event, char** errptr) {
  const char* fn = "bee_watch_next";
  if (int code = NotNull(errptr, fn, watch, "watch"); code != kOk) return code;
  if (int code = NotNull(errptr, fn, event, "event"); code != kOk) return code;
  if (int code = NotNull(errptr, fn, has_event, "has_event"); code != kOk) {
    return code;
  }
  *has_event = 0;
  watch->event.reset();
  Clock::time_point deadline;
  if (int code = Deadline(errptr, fn, timeout_ms, &deadline); code != kOk) {
    return code;
  }
  std::shared_ptr<Bee> bee = watch->bee.lock();
  if (bee == nullptr) return Invalid(errptr, fn, "the store is closed");
  while (!watch->cancelled) {
    if (watch->read_only) {
      if (int code = FromStatus(errptr, fn, bee->Refresh()); code != kOk) {
        return code;
      }
    }
    const Millis wait = Remaining(deadline, watch->read_only);
    auto next = watch->watcher.Next(wait);
    if (!next.ok()) return FromStatus(errptr, fn, next.status());
    if (next->has_value()) {
      watch->event = std::move(**next);
      break;
    }
    if (Remaining(deadline, false) == Millis::zero()) return kOk;
  }
  if (!watch->event.has_value()) return kOk;  // cancelled
  const WatchEvent& e = *watch->event;
  event->version = e.current.version();
  event->previous_version = e.previous.version();
  event->truncated = e.truncated ? 1 : 0;
  event->changes = e.changes.size();
  *has_event = 1;
  return kOk;
}

int bee_watch_change(const bee_watch_t* watch, size_t index,
                     bee_diff_entry_t* change, char** errptr) {
  const char* fn = "bee_watch_change";
  if (int code = NotNull(errptr, fn, watch, "watch"); code != kOk) return code;
  if (int code = NotNull(errptr, fn, change, "change"); code != kOk) {
    return code;
  }
  if (!watch->event.has_value()) {
    return Invalid(errptr, fn,
                   "there is no event (bee_watch_next returned none)");
  }
  const auto& changes = watch->event->changes;
  if (index >= changes.size()) {
    return Invalid(errptr, fn,
                   "index " + std::to_string(index) + " is past the event's " +
                       std::to_string(changes.size()) + " changes");
  }
  *change = ToDiffEntry(changes[index]);
  return kOk;
}

void bee_watch_cancel(bee_watch_t* watch) {
  if (watch == nullptr) return;
  watch->cancelled = true;
  watch->watcher.Cancel();
}

void bee_watch_destroy(bee_watch_t* watch) { delete watch; }

}  // extern "C"
