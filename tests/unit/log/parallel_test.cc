#include "log/parallel.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace bee::log {
namespace {

// Whether ParallelFor ran each of `count` tasks exactly once (no Catch
// assertions inside: they must not run on the helper thread).
bool EachRanOnce(size_t count, bool parallel) {
  std::vector<std::atomic<int>> runs(count);
  Status s = ParallelFor(count, parallel, [&](size_t i) {
    runs[i].fetch_add(1, std::memory_order_relaxed);
  });
  if (!s.ok()) return false;
  for (const std::atomic<int>& r : runs) {
    if (r.load() != 1) return false;
  }
  return true;
}

TEST_CASE("ParallelFor runs every task exactly once", "[log][parallel]") {
  for (size_t count : {0u, 1u, 2u, 3u, 64u, 1000u}) {
    CAPTURE(count);
    CHECK(EachRanOnce(count, true));
    CHECK(EachRanOnce(count, false));
  }
}

TEST_CASE("ParallelFor runs tasks on two threads at once when it may",
          "[log][parallel]") {
  // Each task waits for the other to start: only two threads finish both
  // before the (generous) deadline.
  std::atomic<int> started{0};
  std::atomic<int> met{0};
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  Status s = ParallelFor(2, true, [&](size_t) {
    started.fetch_add(1);
    while (started.load() < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    if (started.load() == 2) met.fetch_add(1);
  });
  CHECK(s.ok());
  CHECK(met.load() == 2);
}

TEST_CASE("ParallelFor without the helper runs on the calling thread",
          "[log][parallel]") {
  const std::thread::id me = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  Status s = ParallelFor(100, false, [&](size_t) {
    if (std::this_thread::get_id() != me) elsewhere.fetch_add(1);
  });
  CHECK(s.ok());
  CHECK(elsewhere.load() == 0);
}

TEST_CASE("concurrent ParallelFor callers all complete", "[log][parallel]") {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (size_t t = 0; t < 4; t++) {
    threads.emplace_back([t, &failures] {
      for (int round = 0; round < 50; round++) {
        if (!EachRanOnce(200 + 31 * t, true)) failures[t]++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(failures == std::vector<int>(4, 0));
}

TEST_CASE("ParallelFor runs `meanwhile` once and returns its status",
          "[log][parallel]") {
  for (bool parallel : {true, false}) {
    CAPTURE(parallel);
    std::atomic<int> tasks{0};
    int calls = 0;
    Status s = ParallelFor(
        500, parallel, [&](size_t) { tasks.fetch_add(1); },
        [&] {
          calls++;
          return Status::IOError("disk full");
        });
    CHECK(calls == 1);
    CHECK(s.IsIOError());
    CHECK(tasks.load() == 500);  // the tasks still all ran
  }
}

}  // namespace
}  // namespace bee::log
