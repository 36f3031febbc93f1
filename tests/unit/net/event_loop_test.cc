#include "net/event_loop.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace bee::net {
namespace {

using std::chrono::milliseconds;

// Timeouts here only bound a hang; no test depends on how long anything
// takes.
constexpr auto kHang = std::chrono::seconds(30);

std::unique_ptr<EventLoop> NewLoop() {
  auto loop = EventLoop::Create();
  REQUIRE(loop.ok());
  return std::move(loop).value();
}

// Stops the loop (and records it) if a test would otherwise hang.
struct HangGuard {
  HangGuard(EventLoop* loop, bool* fired)
      : loop_(loop), id_(loop->AddTimer(kHang, [loop, fired] {
          *fired = true;
          loop->Stop();
        })) {}
  ~HangGuard() { loop_->CancelTimer(id_); }
  EventLoop* loop_;
  EventLoop::TimerId id_;
};

TEST_CASE("event loop: one-shot timers run once, in due order") {
  auto loop = NewLoop();
  std::vector<int> order;
  loop->AddTimer(milliseconds(20), [&] { order.push_back(2); });
  loop->AddTimer(milliseconds(0), [&] { order.push_back(0); });
  loop->AddTimer(milliseconds(5), [&] { order.push_back(1); });
  const auto cancelled =
      loop->AddTimer(milliseconds(1), [&] { order.push_back(-1); });
  loop->CancelTimer(cancelled);
  CHECK(order.empty());  // never inside AddTimer
  REQUIRE(loop->RunUntil([&] { return order.size() == 3; }, kHang).ok());
  REQUIRE(loop->RunFor(milliseconds(30)).ok());
  CHECK(order == std::vector<int>{0, 1, 2});
}

TEST_CASE(
    "event loop: RunUntil returns in the round that makes the "
    "condition true") {
  // The condition turns true in a timer; the loop must return without
  // polling again. A thread makes a watched pipe readable only once the
  // condition is true, so its callback can run only in a poll(2) after it.
  auto loop = NewLoop();
  std::atomic<bool> done{false};
  bool polled_after = false;
  int p[2];
  REQUIRE(pipe(p) == 0);
  loop->Watch(p[0], EventLoop::kReadable,
              [&](uint32_t) { polled_after = true; });
  std::atomic<ssize_t> wrote{0};
  std::thread writer([&] {  // no Catch assertion here: it is not thread-safe
    while (!done) std::this_thread::yield();
    wrote = write(p[1], "x", 1);
  });
  loop->AddTimer(milliseconds(0), [&] { done = true; });
  REQUIRE(loop->RunUntil([&] { return done.load(); }, kHang).ok());
  writer.join();
  CHECK(wrote == 1);
  CHECK_FALSE(polled_after);
  loop->Unwatch(p[0]);
  close(p[0]);
  close(p[1]);
}

TEST_CASE("event loop: a repeating timer runs until it cancels itself") {
  auto loop = NewLoop();
  int runs = 0;
  EventLoop::TimerId id = 0;
  id = loop->AddRepeatingTimer(milliseconds(1), [&] {
    if (++runs == 5) loop->CancelTimer(id);
  });
  REQUIRE(loop->RunUntil([&] { return runs == 5; }, kHang).ok());
  REQUIRE(loop->RunFor(milliseconds(20)).ok());
  CHECK(runs == 5);
}

TEST_CASE("event loop: a zero-delay timer that re-adds itself cannot spin") {
  // Each round runs the timers due at its start only: posted work and fds
  // still get their turn between the re-added timers.
  auto loop = NewLoop();
  int runs = 0;
  bool posted_ran = false;
  std::function<void()> again = [&] {
    if (++runs == 1) loop->Post([&] { posted_ran = true; });
    if (!posted_ran) loop->AddTimer(milliseconds(0), again);
  };
  loop->AddTimer(milliseconds(0), again);
  REQUIRE(loop->RunUntil([&] { return posted_ran; }, kHang).ok());
  CHECK(runs == 2);  // the second run, after the post, adds none
}

TEST_CASE("event loop: fd readiness, and unwatch inside a callback") {
  auto loop = NewLoop();
  int p[2];
  REQUIRE(pipe(p) == 0);
  int calls = 0;
  loop->Watch(p[0], EventLoop::kReadable, [&](uint32_t ready) {
    CHECK(ready == EventLoop::kReadable);
    char c;
    REQUIRE(read(p[0], &c, 1) == 1);
    if (++calls == 2) loop->Unwatch(p[0]);
  });
  REQUIRE(loop->RunFor(milliseconds(5)).ok());
  CHECK(calls == 0);
  REQUIRE(write(p[1], "ab", 2) == 2);
  REQUIRE(loop->RunUntil([&] { return calls == 2; }, kHang).ok());
  REQUIRE(write(p[1], "c", 1) == 1);
  REQUIRE(loop->RunFor(milliseconds(5)).ok());
  CHECK(calls == 2);  // unwatched
  close(p[0]);
  close(p[1]);
}

TEST_CASE(
    "event loop: Post from another thread wakes a loop blocked in "
    "poll") {
  // The loop has no timer due and no fd: only the wakeup can end its wait.
  auto loop = NewLoop();
  bool hung = false;
  std::atomic<int> ran{0};
  std::thread poster([&] {
    for (int i = 0; i < 100; ++i) loop->Post([&] { ++ran; });
    loop->Post([&] { loop->Stop(); });
  });
  {
    HangGuard guard(loop.get(), &hung);
    REQUIRE(loop->Run().ok());
  }
  poster.join();
  CHECK_FALSE(hung);
  CHECK(ran == 100);
}

TEST_CASE("event loop: Stop from another thread stops Run") {
  auto loop = NewLoop();
  bool hung = false;
  std::atomic<bool> running{false};
  loop->AddTimer(milliseconds(0), [&] { running = true; });
  std::thread stopper([&] {
    while (!running) std::this_thread::yield();
    loop->Stop();
  });
  {
    HangGuard guard(loop.get(), &hung);
    REQUIRE(loop->Run().ok());
  }
  stopper.join();
  CHECK_FALSE(hung);
}

EventLoop* g_signal_loop = nullptr;
void StopOnSignal(int) { g_signal_loop->Stop(); }

TEST_CASE("event loop: Stop from a signal handler stops Run") {
  auto loop = NewLoop();
  g_signal_loop = loop.get();
  struct sigaction sa = {};
  struct sigaction old = {};
  sa.sa_handler = StopOnSignal;
  sigemptyset(&sa.sa_mask);
  REQUIRE(sigaction(SIGUSR1, &sa, &old) == 0);
  bool hung = false;
  loop->AddTimer(milliseconds(0), [] { kill(getpid(), SIGUSR1); });
  {
    HangGuard guard(loop.get(), &hung);
    REQUIRE(loop->Run().ok());
  }
  REQUIRE(sigaction(SIGUSR1, &old, nullptr) == 0);
  g_signal_loop = nullptr;
  CHECK_FALSE(hung);
}

TEST_CASE("event loop: a Stop before Run stops the next run, once") {
  auto loop = NewLoop();
  loop->Stop();
  REQUIRE(loop->Run().ok());  // returns at once
  bool fired = false;
  loop->AddTimer(milliseconds(0), [&] { fired = true; });
  REQUIRE(loop->RunUntil([&] { return fired; }, kHang).ok());
  CHECK(fired);
}

TEST_CASE("event loop: RunUntil names a timeout and a stop") {
  auto loop = NewLoop();
  Status timed_out = loop->RunUntil([] { return false; }, milliseconds(5));
  CHECK(timed_out.IsUnavailable());
  CHECK(timed_out.ToString().find("timed out after 5 ms") != std::string::npos);
  loop->Stop();
  Status stopped = loop->RunUntil([] { return false; }, kHang);
  CHECK(stopped.IsUnavailable());
  CHECK(stopped.ToString().find("stopped") != std::string::npos);
}

}  // namespace
}  // namespace bee::net
