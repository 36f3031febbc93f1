// History over hyperbee's own blocks (FORMAT.md §10.4, §10.5): scenario A's
// recorded histories, the put/del type of every block of scenarios A-D
// (batch-internal blocks included), random bounds against hyperbee's bound
// rules, and live mode (waiting, timeout, cancel). Random cases print their
// seed (--rng-seed N replays).
#include "btree/history.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <sstream>
#include <thread>

#include "tests/util/bee_replay.h"
#include "tests/util/drain.h"
#include "tests/util/raw_scenario.h"

namespace bee::btree {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

HistoryEntry FromModel(const test::RawScenario& raw, uint64_t seq) {
  const test::ModelBlock& b = raw.ops[seq];
  return HistoryEntry{
      b.del ? HistoryEntry::Type::kDel : HistoryEntry::Type::kPut, seq, b.key,
      b.value};
}

// The seqs hyperbee's history returns at `version`, as observed from
// hyperbee 2.27.3 (a JS bound of 0 is falsy), restricted to [1, version)
// where JS would read outside the log.
std::vector<uint64_t> ExpectedSeqs(uint64_t version, const HistoryOptions& o) {
  const int64_t v = static_cast<int64_t>(version);
  auto at = [v](int64_t bound) { return bound < 0 ? bound + v : bound; };
  int64_t gte = 1;
  if (o.gt.value_or(0) != 0) {
    gte = at(*o.gt) + 1;
  } else if (o.gte.value_or(0) != 0) {
    gte = at(*o.gte);
  }
  int64_t lt = v;
  if (o.lt == int64_t{0} || o.lte == int64_t{0}) {
    lt = 0;
  } else if (o.lte) {
    lt = at(*o.lte) + 1;
  } else if (o.lt) {
    lt = at(*o.lt);
  }
  std::vector<uint64_t> seqs;
  for (int64_t s = std::max<int64_t>(gte, 1); s < std::min(lt, v); s++) {
    seqs.push_back(static_cast<uint64_t>(s));
  }
  if (o.reverse) std::reverse(seqs.begin(), seqs.end());
  if (o.limit >= 0 && seqs.size() > static_cast<size_t>(o.limit)) {
    seqs.resize(static_cast<size_t>(o.limit));
  }
  return seqs;
}

std::string Describe(const HistoryOptions& o) {
  std::ostringstream s;
  auto bound = [&](const char* name, const std::optional<int64_t>& b) {
    if (b) s << name << "=" << *b << " ";
  };
  bound("gt", o.gt);
  bound("gte", o.gte);
  bound("lt", o.lt);
  bound("lte", o.lte);
  s << "reverse=" << o.reverse << " limit=" << o.limit;
  return s.str();
}

HistoryOptions RandomHistoryOptions(std::mt19937_64* rng, uint64_t version) {
  HistoryOptions o;
  const int64_t span = static_cast<int64_t>(version) + 3;
  for (auto* bound : {&o.gt, &o.gte, &o.lt, &o.lte}) {
    if ((*rng)() % 4 != 0) continue;
    // Mostly inside (-version, version], sometimes 0 or past either end.
    *bound =
        static_cast<int64_t>((*rng)() % static_cast<uint64_t>(2 * span)) - span;
  }
  o.reverse = (*rng)() % 2 == 0;
  if ((*rng)() % 3 == 0) o.limit = static_cast<int64_t>((*rng)() % 8);
  return o;
}

void CheckRecorded(HistoryIterator* it, const json& want, bool values) {
  auto got = test::Drain(*it);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); i++) {
    CAPTURE(i);
    CHECK((got[i].type == HistoryEntry::Type::kDel ? "del" : "put") ==
          want[i][0]);
    CHECK(got[i].seq == want[i][1].get<uint64_t>());
    CHECK(got[i].key == want[i][2].get<std::string>());
    if (!values) continue;
    if (want[i][3].is_null()) {
      CHECK_FALSE(got[i].value.has_value());
    } else {
      CHECK(got[i].value == want[i][3].get<std::string>());
    }
  }
}

TEST_CASE("scenario A's recorded histories, on hyperbee's blocks",
          "[btree][history]") {
  test::RawScenario raw = test::LoadRawScenario("A");
  auto bee = test::RawBee("A", raw.blocks);
  const json& reads = test::Scenario("A")["reads"];
  HistoryOptions last5;
  last5.gte = -5;
  HistoryIterator it(bee->GetSnapshot().value(), last5);
  CheckRecorded(&it, reads["history_last5"], true);
  HistoryOptions rev;
  rev.reverse = true;
  rev.limit = 4;
  HistoryIterator back(bee->GetSnapshot().value(), rev);
  CheckRecorded(&back, reads["history_reverse_limit4"], false);
}

TEST_CASE("every block's history entry is the operation that wrote it",
          "[btree][history]") {
  for (const char* name : {"A", "B", "C", "D"}) {
    CAPTURE(name);
    test::RawScenario raw = test::LoadRawScenario(name);
    auto bee = test::RawBee(name, raw.blocks);
    HistoryIterator it(bee->GetSnapshot().value(), {});
    auto all = test::Drain(it);
    REQUIRE(all.size() == raw.blocks.size() - 1);
    for (uint64_t seq = 1; seq < raw.blocks.size(); seq++) {
      CAPTURE(seq);
      REQUIRE(all[seq - 1] == FromModel(raw, seq));
    }
  }
}

TEST_CASE("history bounds follow hyperbee's rules", "[btree][history]") {
  test::RawScenario raw = test::LoadRawScenario("A");
  auto bee = test::RawBee("A", raw.blocks);
  auto seqs = [&](HistoryOptions o) {
    HistoryIterator it(bee->GetSnapshot().value(), o);
    std::vector<uint64_t> out;
    for (const HistoryEntry& e : test::Drain(it)) out.push_back(e.seq);
    return out;
  };
  using Seqs = std::vector<uint64_t>;
  HistoryOptions o;
  o.lt = 5;
  o.lte = 7;  // lte wins over lt
  CHECK(seqs(o) == Seqs{1, 2, 3, 4, 5, 6, 7});
  o.lte = 0;  // either at 0 selects nothing
  CHECK(seqs(o).empty());
  o = {};
  o.gt = 0;  // 0 counts as unset
  o.gte = 44;
  CHECK(seqs(o) == Seqs{44, 45});
  o.gt = -3;  // gt wins over gte; negative counts back from 46
  CHECK(seqs(o) == Seqs{44, 45});
  o = {};
  o.gte = -100;  // clamped at 1
  o.lt = 3;
  CHECK(seqs(o) == Seqs{1, 2});
  o.lt = 1000;  // clamped at the version
  o.gte = 44;
  CHECK(seqs(o) == Seqs{44, 45});
  o.limit = 0;
  CHECK(seqs(o).empty());
}

TEST_CASE("random history bounds equal hyperbee's rules", "[btree][history]") {
  const uint64_t seed = Catch::rngSeed();
  CAPTURE(seed);
  for (const char* name : {"A", "C"}) {
    CAPTURE(name);
    test::RawScenario raw = test::LoadRawScenario(name);
    auto bee = test::RawBee(name, raw.blocks);
    std::vector<uint64_t> versions;
    for (const auto& [version, state] : raw.versions) {
      versions.push_back(version);
    }
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 1500; i++) {
      const uint64_t version = versions[rng() % versions.size()];
      HistoryOptions o = RandomHistoryOptions(&rng, version);
      CAPTURE(i, version, Describe(o));
      auto snap = bee->Checkout(version);
      REQUIRE(snap.ok());
      HistoryIterator it(*snap, o);
      std::vector<HistoryEntry> want;
      for (uint64_t seq : ExpectedSeqs(version, o)) {
        want.push_back(FromModel(raw, seq));
      }
      REQUIRE(test::Drain(it) == want);
    }
  }
}

TEST_CASE("a live history waits for new blocks, times out and stops",
          "[btree][history]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  REQUIRE(bee->Put("a", "1").ok());
  HistoryOptions o;
  o.live = true;
  HistoryIterator live(bee->GetSnapshot().value(), o);
  auto first = live.Next(milliseconds(10));
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK((*first)->seq == 1);
  // Nothing new: a timeout ends this call, not the history.
  auto none = live.Next(milliseconds(30));
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  // Catch2's assertions are not thread-safe: the writer records its status
  // and this thread checks it after the join.
  Status del_status;
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    del_status = bee->Del("a").status();
  });
  auto next = live.Next(std::chrono::seconds(20));
  writer.join();
  REQUIRE(del_status.ok());
  REQUIRE(next.ok());
  REQUIRE(next->has_value());
  CHECK(**next == HistoryEntry{HistoryEntry::Type::kDel, 2, "a", {}});
  // Cancel wakes a waiting Next, which would otherwise wait an hour (and
  // the test time out) rather than return.
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(50));
    live.Cancel();
  });
  auto cancelled = live.Next(std::chrono::hours(1));
  canceller.join();
  REQUIRE(cancelled.ok());
  CHECK_FALSE(cancelled->has_value());
}

TEST_CASE("a live history with an upper bound stops there",
          "[btree][history]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  REQUIRE(bee->Put("a", "1").ok());
  HistoryOptions o;
  o.live = true;
  o.lt = 3;  // past the version (2): waits for block 2, not further
  HistoryIterator live(bee->GetSnapshot().value(), o);
  REQUIRE((*live.Next(milliseconds(10)))->seq == 1);
  CHECK_FALSE(live.Next(milliseconds(10))->has_value());
  REQUIRE(bee->Put("b", "2").ok());
  REQUIRE(bee->Put("c", "3").ok());
  auto second = live.Next(milliseconds(10));
  REQUIRE(second.ok());
  REQUIRE(second->has_value());
  CHECK((*second)->key == "b");
  CHECK_FALSE(live.Next(milliseconds(10))->has_value());
  HistoryOptions bad;
  bad.live = true;
  bad.reverse = true;
  CHECK(HistoryIterator(bee->GetSnapshot().value(), bad)
            .Next()
            .status()
            .IsInvalidArgument());
}

}  // namespace
}  // namespace bee::btree
