// One writer and concurrent readers on one open store: every snapshot a
// reader takes is a consistent version, and stays so while the writer goes
// on. Run under ThreadSanitizer by scripts/test.sh (ctest -R concurrent).
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "btree/history.h"
#include "btree/iterator.h"

namespace bee::btree {
namespace {

std::string KeyFor(uint64_t i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%06llu",
                static_cast<unsigned long long>(i));
  return buf;
}

TEST_CASE("concurrent readers see consistent snapshots while one writer writes",
          "[btree][concurrency]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  constexpr uint64_t kWrites = 400;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> checks{0};
  auto reader = [&] {
    while (!done.load()) {
      // The writer only adds new keys, one block each (or a batch of them):
      // the tree at version v holds exactly v - 1 entries, k0 .. k(v-2).
      Snapshot snap = bee->GetSnapshot();
      uint64_t v = snap.version();
      uint64_t n = 0;
      RangeIterator it(snap, {});
      while (true) {
        auto e = it.Next();
        REQUIRE(e.ok());
        if (!e->has_value()) break;
        REQUIRE((*e)->key == KeyFor(n));
        n++;
      }
      REQUIRE(n == v - 1);
      if (v > 1) {
        auto last = snap.Get(KeyFor(v - 2));
        REQUIRE(last.ok());
        REQUIRE(last->has_value());
      }
      REQUIRE_FALSE(snap.Get(KeyFor(v - 1))->has_value());
      HistoryOptions last;
      last.gte = -1;
      HistoryIterator h(snap, last);
      if (v > 1) REQUIRE(h.Next()->value().seq == v - 1);
      checks++;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; i++) readers.emplace_back(reader);
  uint64_t next = 0;
  while (next < kWrites) {
    if (next % 50 == 10) {
      auto batch = bee->MakeBatch().value();
      for (int j = 0; j < 20; j++)
        REQUIRE(batch->Put(KeyFor(next++), "v").ok());
      REQUIRE(batch->Flush().ok());
    } else {
      REQUIRE(bee->Put(KeyFor(next++), "v").ok());
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  CHECK(checks.load() > 0);
  CHECK(bee->version() == kWrites + 1);
}

TEST_CASE("concurrent live history sees every new block in order",
          "[btree][concurrency]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  HistoryOptions o;
  o.live = true;
  HistoryIterator live(bee->GetSnapshot(), o);
  std::thread writer([&] {
    for (uint64_t i = 0; i < 50; i++) REQUIRE(bee->Put(KeyFor(i), "v").ok());
  });
  for (uint64_t seq = 1; seq <= 50; seq++) {
    auto e = live.Next(std::chrono::seconds(20));
    REQUIRE(e.ok());
    REQUIRE(e->has_value());
    CHECK((*e)->seq == seq);
    CHECK((*e)->key == KeyFor(seq - 1));
  }
  writer.join();
  live.Cancel();
  CHECK_FALSE(live.Next(std::chrono::milliseconds(10))->has_value());
}

}  // namespace
}  // namespace bee::btree
