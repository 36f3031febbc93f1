// EventLoop: one thread drives every connection of a process. It waits in
// poll(2) for file descriptors to become readable or writable and for
// timers (steady clock) to come due, and runs functions posted from other
// threads. Nothing here knows about Noise, Protomux or hypercore.
//
// Thread safety: an EventLoop is driven by one thread at a time, the one in
// Run/RunFor/RunUntil ("the loop thread"). Watch, SetEvents, Unwatch,
// AddTimer, AddRepeatingTimer and CancelTimer may be called only from the
// loop thread, or from any one thread while no thread runs the loop (setup
// and teardown). Two calls are safe from any thread at any time:
//   Post(fn)  takes a mutex and allocates: any thread, NOT a signal handler.
//   Stop()    stores to a lock-free atomic and write(2)s one byte to the
//             wakeup pipe, saving errno: any thread and async-signal-safe,
//             e.g. a SIGINT handler.
// The loop must outlive every thread that may call Post or Stop.
//
// Callbacks (fd, timer, posted) run on the loop thread, one at a time, and
// must not run the loop themselves (no nested Run/RunFor/RunUntil). A
// callback may watch, unwatch, add and cancel anything, including itself,
// and may destroy the objects that own other watches and timers: an fd
// unwatched (or re-watched under a new callback) during a round gets no
// event from that round, and a cancelled timer never runs afterwards.
#ifndef BEE_NET_EVENT_LOOP_H_
#define BEE_NET_EVENT_LOOP_H_

#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "encoding/result.h"
#include "encoding/status.h"

namespace bee::net {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using Duration = Clock::duration;
  using TimerId = uint64_t;  // 0 is never a timer
  // Readiness bits for Watch and FdCallback. An error or hang-up on the fd
  // is reported as every event the fd is watched for, so the owner's read
  // or write finds out what happened.
  static constexpr uint32_t kReadable = 1;
  static constexpr uint32_t kWritable = 2;
  using FdCallback = std::function<void(uint32_t ready)>;

  // IOError if the wakeup pipe cannot be made (out of descriptors).
  static Result<std::unique_ptr<EventLoop>> Create();
  // Posted functions that never ran are destroyed without running.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Calls cb(ready) on the loop thread while fd is ready for any of
  // `events` (level-triggered: again each round until the owner reads,
  // writes or changes the interest). `events` may be 0: the fd is then
  // left out of poll(2) altogether (an error or hang-up on it is noticed
  // when the owner asks for events again, not reported in a spin).
  // REQUIRES: fd is open and not watched. The owner keeps fd open until
  // Unwatch.
  void Watch(int fd, uint32_t events, FdCallback cb);
  // REQUIRES: fd is watched.
  void SetEvents(int fd, uint32_t events);
  // Forgets fd (a no-op when it is not watched). Call before close(fd).
  void Unwatch(int fd);

  // Runs fn once, `delay` from now (a zero delay: in the next round, never
  // inside this call).
  TimerId AddTimer(Duration delay, std::function<void()> fn);
  // Runs fn every `period` until cancelled. A loop that falls behind skips
  // the missed runs rather than running them back to back.
  // REQUIRES: period > 0.
  TimerId AddRepeatingTimer(Duration period, std::function<void()> fn);
  // A no-op for a timer that already ran (one-shot) or was cancelled.
  void CancelTimer(TimerId id);

  // Runs fn on the loop thread soon, waking the loop. Functions posted from
  // one thread run in the order they were posted. See above for threads.
  void Post(std::function<void()> fn);
  // Makes the current Run/RunFor/RunUntil return after the callback now
  // running (if any), or the next one return at once if none is running;
  // one Stop stops one run. Async-signal-safe (see above).
  void Stop();

  // Runs until Stop(). IOError if poll(2) fails (other than EINTR).
  Status Run();
  // Runs until Stop() or until `duration` has passed. OK either way.
  Status RunFor(Duration duration);
  // Runs until pred() (checked before the first round and after each) is
  // true: OK. Unavailable "timed out" after `timeout`, Unavailable
  // "stopped" on Stop(). For tests and tools; timeouts there only bound a
  // hang.
  Status RunUntil(const std::function<bool()>& pred, Duration timeout);

  Clock::time_point Now() const { return Clock::now(); }

 private:
  struct WatchState {
    int fd;
    uint32_t events;
    FdCallback cb;
    bool active = true;
  };
  struct Timer {
    Clock::time_point due;
    Duration period;  // zero: one-shot
    std::function<void()> fn;
  };
  enum class Exit { kStopped, kDeadline, kPredicate };

  EventLoop(int wake_read, int wake_write);

  Result<Exit> Loop(std::optional<Clock::time_point> deadline,
                    const std::function<bool()>* pred);
  // Which exit condition holds, if any (consumes a Stop request).
  std::optional<Exit> ShouldExit(std::optional<Clock::time_point> deadline,
                                 const std::function<bool()>* pred);
  // One poll(2) and the fd callbacks it makes ready.
  Status PollAndDispatch(std::optional<Clock::time_point> deadline);
  void RunPosted();
  void RunDueTimers();
  int PollTimeoutMs(std::optional<Clock::time_point> deadline);
  void RebuildPollSet();
  void DispatchReady(size_t count);
  void DrainWakeup();
  void Wake();
  TimerId Schedule(Clock::time_point due, Duration period,
                   std::function<void()> fn);

  const int wake_read_;
  const int wake_write_;
  std::atomic<bool> stop_requested_{false};
  static_assert(std::atomic<bool>::is_always_lock_free,
                "Stop() must be async-signal-safe");

  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;  // guarded by posted_mu_
  std::atomic<bool> posted_pending_{false};

  std::map<int, std::shared_ptr<WatchState>> watches_;
  bool poll_set_dirty_ = true;
  std::vector<pollfd> poll_set_;  // [0] is the wakeup pipe
  std::vector<std::shared_ptr<WatchState>> poll_watch_;  // parallel to above

  std::map<TimerId, Timer> timers_;
  std::set<std::pair<Clock::time_point, TimerId>> timer_queue_;
  TimerId next_timer_ = 1;
};

}  // namespace bee::net

#endif  // BEE_NET_EVENT_LOOP_H_
