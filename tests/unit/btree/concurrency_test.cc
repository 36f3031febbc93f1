// One writer and concurrent readers on one open store: every snapshot a
// reader takes is a consistent version, and stays so while the writer goes
// on. Run under ThreadSanitizer by scripts/test.sh (ctest -R concurrent).
// Catch2's assertions are not thread-safe: threads record failures and the
// main thread checks them.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "btree/history.h"
#include "btree/internal/snapshot_access.h"
#include "btree/iterator.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

std::string KeyFor(uint64_t i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%06llu",
                static_cast<unsigned long long>(i));
  return buf;
}

class Failures {
 public:
  void Add(const std::string& what) {
    std::lock_guard<std::mutex> l(mu_);
    if (list_.size() < 10) list_.push_back(what);
  }
  std::vector<std::string> list() {
    std::lock_guard<std::mutex> l(mu_);
    return list_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> list_;
};

// The writer only adds new keys (one block each, or a batch of them), so the
// tree at version v holds exactly k0 .. k(v-2). Returns what is wrong, or "".
std::string CheckSnapshot(const Snapshot& snap) {
  uint64_t v = snap.version();
  uint64_t n = 0;
  RangeIterator it(snap, {});
  while (true) {
    auto e = it.Next();
    if (!e.ok()) return e.status().ToString();
    if (!e->has_value()) break;
    if ((*e)->key != KeyFor(n)) return "unexpected key " + (*e)->key;
    n++;
  }
  if (n != v - 1)
    return "version " + std::to_string(v) + " holds " + std::to_string(n);
  if (v > 1) {
    auto last = snap.Get(KeyFor(v - 2));
    if (!last.ok() || !last->has_value()) return "missing the newest key";
  }
  auto next = snap.Get(KeyFor(v - 1));
  if (!next.ok() || next->has_value()) return "sees a key from a later version";
  HistoryOptions o;
  o.gte = -1;
  HistoryIterator h(snap, o);
  auto e = h.Next();
  if (v > 1 && (!e.ok() || !e->has_value() || (*e)->seq != v - 1)) {
    return "history does not end at the version";
  }
  return "";
}

// Three readers check snapshots while the writer adds kWrites keys.
void ReadWhileWriting(Bee* bee) {
  constexpr uint64_t kWrites = 400;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> checks{0};
  Failures failures;
  auto reader = [&] {
    while (!done.load()) {
      Snapshot snap = bee->GetSnapshot().value();
      std::string problem = CheckSnapshot(snap);
      // A snapshot stays the same while the writer goes on.
      if (problem.empty()) problem = CheckSnapshot(snap);
      if (!problem.empty()) failures.Add(problem);
      checks++;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; i++) readers.emplace_back(reader);
  uint64_t next = 0;
  bool ok = true;
  while (next < kWrites && ok) {
    if (next % 50 == 10) {
      auto batch = bee->MakeBatch().value();
      for (int j = 0; j < 20; j++)
        ok = ok && batch->Put(KeyFor(next++), "v").ok();
      ok = ok && batch->Flush().ok();
    } else {
      ok = bee->Put(KeyFor(next++), "v").ok();
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK(ok);
  CHECK(failures.list().empty());
  CHECK(checks.load() > 0);
  CHECK(bee->version() == kWrites + 1);
}

TEST_CASE("concurrent readers see consistent snapshots while one writer writes",
          "[btree][concurrency]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  ReadWhileWriting(bee.get());
}

// The cache evicts and frees blocks while readers and the writer use them
// without locks: under ThreadSanitizer this checks the epochs that keep
// their views alive.
TEST_CASE("concurrent readers and a writer under a tiny cache budget",
          "[btree][concurrency][cache]") {
  test::FaultEnv env;
  BeeOptions options;
  options.core.env = &env;
  options.core.durability = log::Durability::kNoSync;
  options.cache_bytes = 8 << 10;
  auto bee = Bee::Create("/s", log::KeyPair::FromSeed(log::Seed{}),
                         std::nullopt, options)
                 .value();
  ReadWhileWriting(bee.get());
  CHECK(internal::CacheOf(bee->GetSnapshot().value()).usage() <=
        (8 << 10) + 16 * 1024);
}

TEST_CASE("concurrent live history sees every new block in order",
          "[btree][concurrency]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  HistoryOptions o;
  o.live = true;
  HistoryIterator live(bee->GetSnapshot().value(), o);
  std::atomic<bool> writes_ok{true};
  std::thread writer([&] {
    for (uint64_t i = 0; i < 50; i++) {
      if (!bee->Put(KeyFor(i), "v").ok()) writes_ok = false;
    }
  });
  // Read first, assert after the join: a failed REQUIRE while the writer
  // runs would destroy a joinable std::thread (std::terminate).
  std::vector<Result<std::optional<HistoryEntry>>> got;
  for (uint64_t seq = 1; seq <= 50; seq++) {
    got.push_back(live.Next(std::chrono::seconds(20)));
    if (!got.back().ok() || !got.back()->has_value()) break;
  }
  writer.join();
  CHECK(writes_ok.load());
  REQUIRE(got.size() == 50);
  for (uint64_t seq = 1; seq <= 50; seq++) {
    const auto& e = got[seq - 1];
    REQUIRE(e.ok());
    REQUIRE(e->has_value());
    CHECK((*e)->seq == seq);
    CHECK((*e)->key == KeyFor(seq - 1));
  }
  live.Cancel();
  CHECK_FALSE(live.Next(std::chrono::milliseconds(10))->has_value());
}

}  // namespace
}  // namespace bee::btree
