#include "net/event_loop.h"

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string>

namespace bee::net {
namespace {

Status Errno(const char* what) {
  return Status::IOError(std::string(what) + ": " + std::strerror(errno));
}

Status MakeNonBlockingCloexec(int fd) {
  const int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
    return Errno("event loop: fcntl(O_NONBLOCK)");
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
    return Errno("event loop: fcntl(FD_CLOEXEC)");
  return Status::OK();
}

std::string Millis(EventLoop::Duration d) {
  return std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) +
         " ms";
}

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::Create() {
  // A self-pipe rather than eventfd keeps the loop portable (poll(2) and a
  // pipe are POSIX); both ends are non-blocking so that Stop() in a signal
  // handler never blocks and a full pipe just means a wakeup is pending.
  int fds[2];
  if (pipe(fds) != 0) return Errno("event loop: pipe");
  for (int fd : fds) {
    Status s = MakeNonBlockingCloexec(fd);
    if (!s.ok()) {
      close(fds[0]);
      close(fds[1]);
      return s;
    }
  }
  return std::unique_ptr<EventLoop>(new EventLoop(fds[0], fds[1]));
}

EventLoop::EventLoop(int wake_read, int wake_write)
    : wake_read_(wake_read), wake_write_(wake_write) {}

EventLoop::~EventLoop() {
  close(wake_read_);
  close(wake_write_);
}

void EventLoop::Watch(int fd, uint32_t events, FdCallback cb) {
  assert(fd >= 0 && watches_.count(fd) == 0);
  auto w = std::make_shared<WatchState>();
  w->fd = fd;
  w->events = events;
  w->cb = std::move(cb);
  watches_[fd] = std::move(w);
  poll_set_dirty_ = true;
}

void EventLoop::SetEvents(int fd, uint32_t events) {
  auto it = watches_.find(fd);
  assert(it != watches_.end());
  if (it->second->events == events) return;
  it->second->events = events;
  poll_set_dirty_ = true;
}

void EventLoop::Unwatch(int fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  it->second->active = false;  // a round in progress skips it
  watches_.erase(it);
  poll_set_dirty_ = true;
}

EventLoop::TimerId EventLoop::Schedule(Clock::time_point due, Duration period,
                                       std::function<void()> fn) {
  const TimerId id = next_timer_++;
  timers_.emplace(id, Timer{due, period, std::move(fn)});
  timer_queue_.emplace(due, id);
  return id;
}

EventLoop::TimerId EventLoop::AddTimer(Duration delay,
                                       std::function<void()> fn) {
  return Schedule(Now() + delay, Duration::zero(), std::move(fn));
}

EventLoop::TimerId EventLoop::AddRepeatingTimer(Duration period,
                                                std::function<void()> fn) {
  assert(period > Duration::zero());
  return Schedule(Now() + period, period, std::move(fn));
}

void EventLoop::CancelTimer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  timer_queue_.erase({it->second.due, id});
  timers_.erase(it);
}

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  posted_pending_.store(true, std::memory_order_release);
  Wake();
}

void EventLoop::Stop() {
  stop_requested_.store(true);
  Wake();
}

void EventLoop::Wake() {
  // Only async-signal-safe calls here (Stop may run in a signal handler).
  const int saved = errno;
  const char byte = 1;
  ssize_t n = write(wake_write_, &byte, 1);
  (void)n;  // EAGAIN: the pipe is full, so a wakeup is pending anyway
  errno = saved;
}

void EventLoop::DrainWakeup() {
  char buf[256];
  while (read(wake_read_, buf, sizeof buf) > 0) {
  }
}

void EventLoop::RunPosted() {
  if (!posted_pending_.exchange(false, std::memory_order_acquire)) return;
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

void EventLoop::RunDueTimers() {
  const Clock::time_point now = Now();
  // Timers added by the callbacks of this pass wait for the next round,
  // so a timer that re-adds itself with a zero delay cannot spin here.
  const TimerId limit = next_timer_;
  auto it = timer_queue_.begin();
  while (it != timer_queue_.end() && it->first <= now) {
    const TimerId id = it->second;
    if (id >= limit) {
      ++it;
      continue;
    }
    timer_queue_.erase(it);
    auto t = timers_.find(id);
    // Move the callback out: it may cancel itself, erasing its Timer.
    std::function<void()> fn = std::move(t->second.fn);
    const Duration period = t->second.period;
    if (period == Duration::zero()) timers_.erase(t);
    fn();
    if (period != Duration::zero()) {
      auto again = timers_.find(id);
      if (again != timers_.end()) {
        Clock::time_point due = again->second.due + period;
        if (due <= now) due = now + period;
        again->second.due = due;
        again->second.fn = std::move(fn);
        timer_queue_.emplace(due, id);
      }
    }
    it = timer_queue_.begin();
  }
}

int EventLoop::PollTimeoutMs(std::optional<Clock::time_point> deadline) {
  if (posted_pending_.load(std::memory_order_acquire) || stop_requested_.load())
    return 0;
  std::optional<Clock::time_point> wake = deadline;
  if (!timer_queue_.empty() && (!wake || timer_queue_.begin()->first < *wake))
    wake = timer_queue_.begin()->first;
  if (!wake) return -1;
  const Duration left = *wake - Now();
  if (left <= Duration::zero()) return 0;
  // Round up: waking a little late is fine, spinning until due is not.
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > std::numeric_limits<int>::max() ? std::numeric_limits<int>::max()
                                              : static_cast<int>(ms);
}

void EventLoop::RebuildPollSet() {
  poll_set_.clear();
  poll_watch_.clear();
  poll_set_.push_back(pollfd{wake_read_, POLLIN, 0});
  poll_watch_.push_back(nullptr);
  for (const auto& [fd, w] : watches_) {
    // poll(2) reports POLLERR/POLLHUP even for no events: a parked fd
    // stays out of the set, or a hung-up one would spin the loop.
    if (w->events == 0) continue;
    short ev = 0;
    if (w->events & kReadable) ev = static_cast<short>(ev | POLLIN);
    if (w->events & kWritable) ev = static_cast<short>(ev | POLLOUT);
    poll_set_.push_back(pollfd{fd, ev, 0});
    poll_watch_.push_back(w);
  }
  poll_set_dirty_ = false;
}

void EventLoop::DispatchReady(size_t count) {
  if (poll_set_[0].revents != 0) {
    DrainWakeup();
    --count;
  }
  // poll_set_ and poll_watch_ stay as they are for the whole round (they
  // are rebuilt only before a poll), and poll_watch_ holds each watch: a
  // callback may unwatch others, or itself, and they are skipped.
  for (size_t i = 1; i < poll_set_.size() && count > 0; ++i) {
    const short revents = poll_set_[i].revents;
    if (revents == 0) continue;
    --count;
    WatchState* w = poll_watch_[i].get();
    if (!w->active || w->events == 0) continue;
    assert(!(revents & POLLNVAL) && "an fd was closed before Unwatch");
    uint32_t ready = 0;
    if (revents & POLLIN) ready |= kReadable;
    if (revents & POLLOUT) ready |= kWritable;
    if (revents & (POLLERR | POLLHUP | POLLNVAL)) ready |= w->events;
    ready &= w->events;
    if (ready != 0) w->cb(ready);
  }
}

Status EventLoop::PollAndDispatch(std::optional<Clock::time_point> deadline) {
  if (poll_set_dirty_) RebuildPollSet();
  const int timeout = PollTimeoutMs(deadline);
  const int n = poll(poll_set_.data(), poll_set_.size(), timeout);
  if (n < 0) {
    if (errno == EINTR) return Status::OK();
    return Errno("event loop: poll");
  }
  if (n > 0) DispatchReady(static_cast<size_t>(n));
  return Status::OK();
}

std::optional<EventLoop::Exit> EventLoop::ShouldExit(
    std::optional<Clock::time_point> deadline,
    const std::function<bool()>* pred) {
  if (stop_requested_.exchange(false)) return Exit::kStopped;
  if (pred != nullptr && (*pred)()) return Exit::kPredicate;
  if (deadline && Now() >= *deadline) return Exit::kDeadline;
  return std::nullopt;
}

Result<EventLoop::Exit> EventLoop::Loop(
    std::optional<Clock::time_point> deadline,
    const std::function<bool()>* pred) {
  // The exit conditions are checked after each phase: a timer or posted
  // function may make pred true, and poll(2) must not then wait for more.
  for (;;) {
    if (auto exit = ShouldExit(deadline, pred)) return *exit;
    RunPosted();
    RunDueTimers();
    if (auto exit = ShouldExit(deadline, pred)) return *exit;
    BEE_RETURN_IF_ERROR(PollAndDispatch(deadline));
  }
}

Status EventLoop::Run() {
  auto exit = Loop(std::nullopt, nullptr);
  return exit.ok() ? Status::OK() : exit.status();
}

Status EventLoop::RunFor(Duration duration) {
  auto exit = Loop(Now() + duration, nullptr);
  return exit.ok() ? Status::OK() : exit.status();
}

Status EventLoop::RunUntil(const std::function<bool()>& pred,
                           Duration timeout) {
  BEE_ASSIGN_OR_RETURN(Exit exit, Loop(Now() + timeout, &pred));
  switch (exit) {
    case Exit::kPredicate:
      return Status::OK();
    case Exit::kStopped:
      return Status::Unavailable("event loop: stopped before the condition");
    case Exit::kDeadline:
      break;
  }
  return Status::Unavailable("event loop: timed out after " + Millis(timeout) +
                             " waiting for the condition");
}

}  // namespace bee::net
