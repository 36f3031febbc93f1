// History bounds at the ends of int64: a bound past every seq selects
// nothing (or everything) instead of overflowing into a signed wrap.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <vector>

#include "btree/bee.h"
#include "btree/history.h"

namespace bee::btree {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// A store with seqs 1..4.
std::unique_ptr<Bee> FourPuts() {
  auto bee = Bee::CreateInMemory(log::KeyPair::Random()).value();
  for (const char* key : {"a", "b", "c", "d"}) {
    REQUIRE(bee->Put(key, "v").value());
  }
  return bee;
}

std::vector<uint64_t> Seqs(const Bee& bee, HistoryOptions options) {
  HistoryIterator it(bee.Checkout(bee.version()).value(), options);
  std::vector<uint64_t> seqs;
  for (int step = 0; step < 16; step++) {
    auto e = it.Next().value();
    if (!e) return seqs;
    seqs.push_back(e->seq);
  }
  FAIL("history did not end");
  return seqs;
}

TEST_CASE("history bounds at the ends of int64 do not overflow",
          "[btree][hostile]") {
  auto bee = FourPuts();
  const std::vector<uint64_t> all{1, 2, 3, 4}, none;
  for (bool reverse : {false, true}) {
    CAPTURE(reverse);
    auto seqs = [&](auto set) {
      HistoryOptions o;
      o.reverse = reverse;
      set(&o);
      std::vector<uint64_t> s = Seqs(*bee, o);
      if (reverse) std::reverse(s.begin(), s.end());
      return s;
    };
    CHECK(seqs([](HistoryOptions* o) { o->gt = kMax; }) == none);
    CHECK(seqs([](HistoryOptions* o) { o->gte = kMax; }) == none);
    CHECK(seqs([](HistoryOptions* o) { o->lte = kMax; }) == all);
    CHECK(seqs([](HistoryOptions* o) { o->lt = kMax; }) == all);
    CHECK(seqs([](HistoryOptions* o) { o->gt = kMin; }) == all);
    CHECK(seqs([](HistoryOptions* o) { o->gte = kMin; }) == all);
    CHECK(seqs([](HistoryOptions* o) { o->lte = kMin; }) == none);
    CHECK(seqs([](HistoryOptions* o) { o->lt = kMin; }) == none);
    CHECK(seqs([](HistoryOptions* o) {
            o->gt = kMax;
            o->lte = kMax;
          }) == none);
    CHECK(seqs([](HistoryOptions* o) {
            o->gte = 2;
            o->lte = kMax - 1;
          }) == std::vector<uint64_t>{2, 3, 4});
  }
}

}  // namespace
}  // namespace bee::btree
