// SubscriberList: the callbacks of Core::Subscribe. Private to log/.
//
// Thread safety: every member is thread-safe. Notify calls the callbacks
// one at a time with the list's (recursive) mutex held, so a Remove from
// another thread waits for a running callback to return, and a callback may
// Add or Remove on its own thread. A log shares the list with its
// Subscriptions, which may outlive the log.
#ifndef BEE_LOG_INTERNAL_SUBSCRIBERS_H_
#define BEE_LOG_INTERNAL_SUBSCRIBERS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "log/core.h"

namespace bee::log::internal {

class SubscriberList {
 public:
  using Callback = std::function<void(const CoreEvent&)>;

  SubscriberList() = default;
  SubscriberList(const SubscriberList&) = delete;
  SubscriberList& operator=(const SubscriberList&) = delete;

  // Registers `callback`; returns its id for Remove.
  uint64_t Add(Callback callback);
  // Unregisters `id` (no-op if absent). When it returns, the callback is not
  // running on another thread and is never called again.
  void Remove(uint64_t id);
  // Whether anyone listens (a hint, to skip building events).
  bool empty() const;
  // Calls every callback registered when it reaches it with `event`, in
  // registration order. A callback removed meanwhile is not called.
  void Notify(const CoreEvent& event);

 private:
  mutable std::recursive_mutex mu_;
  // Shared so that a callback that removes itself runs to its end.
  std::map<uint64_t, std::shared_ptr<const Callback>> callbacks_;
  uint64_t next_id_ = 1;
};

}  // namespace bee::log::internal

#endif  // BEE_LOG_INTERNAL_SUBSCRIBERS_H_
