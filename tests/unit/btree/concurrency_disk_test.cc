// One writer and concurrent readers on an on-disk store (the file-backed
// log and its block cache, where concurrency_test.cc uses memory). Run under
// ThreadSanitizer by scripts/test.sh (ctest -R concurrent). Catch2's
// assertions are not thread-safe: readers collect what they find wrong and
// the main thread asserts after the join.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "tests/util/temp_dir.h"

namespace bee::btree {
namespace {

std::string KeyFor(uint64_t i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "d%06llu",
                static_cast<unsigned long long>(i));
  return buf;
}

// The writer adds keys in order, so a snapshot holding n keys holds exactly
// d0 .. d(n-1), each with its own key as value. Returns what is wrong, or "".
std::string CheckSnapshot(const Snapshot& snap) {
  RangeIterator it(snap, {});
  uint64_t n = 0;
  while (true) {
    auto e = it.Next();
    if (!e.ok()) return e.status().ToString();
    if (!e->has_value()) break;
    if ((*e)->key != KeyFor(n) || (*e)->value != KeyFor(n)) {
      return "unexpected entry " + (*e)->key + " at " + std::to_string(n);
    }
    n++;
  }
  auto next = snap.Get(KeyFor(n));
  if (!next.ok()) return next.status().ToString();
  if (next->has_value()) return "Get sees a key the scan did not";
  if (n > 0) {
    auto last = snap.Get(KeyFor(n - 1));
    if (!last.ok() || !last->has_value()) return "Get misses the last key";
  }
  return "";
}

TEST_CASE("concurrent readers of an on-disk store see whole versions",
          "[btree][concurrency]") {
  test::TempDir dir;
  BeeOptions options;
  options.core.durability = log::Durability::kNoSync;
  auto bee = Bee::Create(dir.Sub("db"), log::KeyPair::FromSeed(log::Seed{}),
                         std::nullopt, options)
                 .value();
  std::atomic<bool> done{false};
  std::atomic<int> checks{0};
  std::mutex mu;
  std::vector<std::string> problems;
  auto reader = [&] {
    while (!done) {
      auto snap = bee->Checkout(bee->version());
      const std::string problem =
          snap.ok() ? CheckSnapshot(*snap) : snap.status().ToString();
      checks++;
      if (problem.empty()) continue;
      std::lock_guard<std::mutex> l(mu);
      problems.push_back(problem);
      return;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; i++) readers.emplace_back(reader);
  Status written;
  for (uint64_t next = 0; next < 300 && written.ok();) {
    if (next % 60 == 30) {  // batches too: many blocks, one signature
      auto batch = bee->MakeBatch().value();
      for (int j = 0; j < 20 && written.ok(); j++, next++) {
        written = batch->Put(KeyFor(next), KeyFor(next)).status();
      }
      if (written.ok()) written = batch->Flush();
    } else {
      written = bee->Put(KeyFor(next), KeyFor(next)).status();
      next++;
    }
  }
  done = true;
  for (std::thread& t : readers) t.join();
  REQUIRE(written.ok());
  CHECK(problems == std::vector<std::string>{});
  CHECK(checks.load() > 0);
  // A reopened store holds every key.
  REQUIRE(bee->Close().ok());
  bee.reset();
  auto reopened = Bee::Open(dir.Sub("db"), options).value();
  CHECK(CheckSnapshot(reopened->Checkout(reopened->version()).value()) == "");
  CHECK((*reopened->Get(KeyFor(299)))->value == KeyFor(299));
}

}  // namespace
}  // namespace bee::btree
