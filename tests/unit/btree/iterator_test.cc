// Range iteration and point lookups over hyperbee's own blocks (FORMAT.md
// §10.1, §10.3): scenario A's recorded reads, and every version of scenarios
// A-D against a std::map model (full scans both ways, every lookup, random
// bounded ranges). Random cases print their seed (--rng-seed N replays).
#include "btree/iterator.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <sstream>

#include "btree/internal/snapshot_access.h"
#include "btree/internal/version_root.h"
#include "encoding/block_codec.h"
#include "tests/util/bee_replay.h"
#include "tests/util/drain.h"
#include "tests/util/raw_scenario.h"

namespace bee::btree {
namespace {

using nlohmann::json;
using test::ModelState;

std::vector<std::string> Keys(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) out.push_back(e.key);
  return out;
}

std::vector<Entry> ModelRange(const ModelState& state, const RangeOptions& o) {
  std::vector<Entry> out;
  for (const auto& [key, e] : state) {
    if (test::InKeyRange(key, o)) out.push_back(Entry{e.seq, key, e.value});
  }
  if (o.reverse) std::reverse(out.begin(), out.end());
  if (o.limit >= 0 && out.size() > static_cast<size_t>(o.limit)) {
    out.resize(static_cast<size_t>(o.limit));
  }
  return out;
}

std::string Describe(const RangeOptions& o) {
  std::ostringstream s;
  auto bound = [&](const char* name, const std::optional<std::string>& b) {
    if (b) s << name << "='" << test::Printable(*b) << "' ";
  };
  bound("gt", o.gt);
  bound("gte", o.gte);
  bound("lt", o.lt);
  bound("lte", o.lte);
  s << "reverse=" << o.reverse << " limit=" << o.limit;
  return s.str();
}

RangeOptions RandomRange(std::mt19937_64* rng,
                         const std::vector<std::string>& keys) {
  RangeOptions o;
  auto maybe = [&](std::optional<std::string>* bound) {
    if ((*rng)() % 3 == 0) *bound = test::RandomBound(rng, keys);
  };
  maybe(&o.gt);
  maybe(&o.gte);
  maybe(&o.lt);
  maybe(&o.lte);
  o.reverse = (*rng)() % 2 == 0;
  if ((*rng)() % 3 == 0) o.limit = static_cast<int64_t>((*rng)() % 12);
  return o;
}

TEST_CASE("scenario A's recorded range reads, on hyperbee's blocks",
          "[btree][iterator]") {
  test::RawScenario raw = test::LoadRawScenario("A");
  REQUIRE(raw.blocks.size() == 46);
  auto bee = test::RawBee("A", raw.blocks);
  const Snapshot snap = bee->GetSnapshot().value();
  const json& reads = test::Scenario("A")["reads"];

  auto all = test::Drain(RangeIterator(snap, {}));
  const json& want = reads["range_all_keys"];
  REQUIRE(all.size() == want.size());
  for (size_t i = 0; i < all.size(); i++) {
    CHECK(all[i].seq == want[i][0].get<uint64_t>());
    CHECK(all[i].key == want[i][1].get<std::string>());
  }
  CHECK(all == ModelRange(raw.versions.at(46), {}));

  RangeOptions gt_lte;
  gt_lte.gt = "f";
  gt_lte.lte = "m";
  CHECK(Keys(test::Drain(RangeIterator(snap, gt_lte))) ==
        reads["range_gt_f_lte_m"].get<std::vector<std::string>>());
  RangeOptions rev;
  rev.reverse = true;
  rev.limit = 3;
  CHECK(Keys(test::Drain(RangeIterator(snap, rev))) ==
        reads["range_reverse_limit3"].get<std::vector<std::string>>());

  RangeOptions gte_n;
  gte_n.gte = "n";
  auto peek = Peek(snap, gte_n);
  REQUIRE(peek.ok());
  REQUIRE(peek->has_value());
  CHECK((*peek)->seq == reads["peek_gte_n"]["seq"].get<uint64_t>());
  CHECK((*peek)->key == reads["peek_gte_n"]["key"].get<std::string>());
  CHECK((*peek)->value == reads["peek_gte_n"]["value"].get<std::string>());

  // sub('s'): gt "s\0\0", lt "s\x01" (FORMAT.md §9); keys lose "s\0".
  RangeOptions sub;
  sub.gt = std::string("s\0\0", 3);
  sub.lt = std::string("s\1", 2);
  auto in_sub = test::Drain(RangeIterator(snap, sub));
  const json& want_sub = reads["sub_s"];
  REQUIRE(in_sub.size() == want_sub.size());
  for (size_t i = 0; i < in_sub.size(); i++) {
    CHECK(in_sub[i].key.substr(2) == want_sub[i][0].get<std::string>());
    CHECK(in_sub[i].value == want_sub[i][1].get<std::string>());
  }

  auto v10 = bee->Checkout(reads["checkout10_version"].get<uint64_t>());
  REQUIRE(v10.ok());
  CHECK(Keys(test::Drain(RangeIterator(*v10, {}))) ==
        reads["checkout10_keys"].get<std::vector<std::string>>());
}

TEST_CASE("scenario A's recorded lookups and roots, on hyperbee's blocks",
          "[btree][iterator]") {
  test::RawScenario raw = test::LoadRawScenario("A");
  auto bee = test::RawBee("A", raw.blocks);
  const Snapshot snap = bee->GetSnapshot().value();
  const json& reads = test::Scenario("A")["reads"];
  for (const char* name : {"get_k", "get_b", "get_c", "get_nv"}) {
    CAPTURE(name);
    const json& want = reads[name];
    auto got = Lookup(internal::CacheOf(snap), internal::RootOf(snap),
                      std::string(name + 4));
    REQUIRE(got.ok());
    if (want.is_null()) {
      CHECK_FALSE(got->has_value());
      continue;
    }
    REQUIRE(got->has_value());
    CHECK((*got)->seq == want["seq"].get<uint64_t>());
    CHECK((*got)->key == want["key"].get<std::string>());
    if (want["value"].is_null()) {
      CHECK_FALSE((*got)->value.has_value());
    } else {
      CHECK((*got)->value == want["value"].get<std::string>());
    }
  }
  const internal::BlockCache& cache = internal::CacheOf(snap);
  for (uint64_t v : {uint64_t{0}, uint64_t{1}})
    CHECK_FALSE(RootOfVersion(cache, v)->has_value());
  CHECK(*RootOfVersion(cache, 46) == internal::NodeRef{45, 0});
  // Blocks 38 and 40 (inside the batch 37..41) kept no level at all: JS
  // fails on them (reads.checkout_mid_batch), and so do we.
  for (uint64_t v : {uint64_t{39}, uint64_t{41}}) {
    CAPTURE(v);
    auto root = RootOfVersion(cache, v);
    REQUIRE_FALSE(root.ok());
    CHECK(root.status().IsCorruption());
    CHECK(root.status().message().find("version " + std::to_string(v) +
                                       " ends inside a batch") !=
          std::string::npos);
    CHECK_FALSE(bee->Checkout(v).ok());
  }
}

// Every version with a usable root: scans both ways, and a lookup of every
// key the scenario ever names.
void CheckEveryVersion(const std::string& name) {
  CAPTURE(name);
  test::RawScenario raw = test::LoadRawScenario(name);
  auto bee = test::RawBee(name, raw.blocks);
  for (const auto& [version, state] : raw.versions) {
    CAPTURE(version);
    auto snap = bee->Checkout(version);
    REQUIRE(snap.ok());
    REQUIRE(test::Drain(RangeIterator(*snap, {})) == ModelRange(state, {}));
    RangeOptions rev;
    rev.reverse = true;
    REQUIRE(test::Drain(RangeIterator(*snap, rev)) == ModelRange(state, rev));
    for (const std::string& key : raw.keys) {
      auto got = Lookup(internal::CacheOf(*snap), internal::RootOf(*snap), key);
      REQUIRE(got.ok());
      auto it = state.find(key);
      if (it == state.end()) {
        REQUIRE_FALSE(got->has_value());
      } else {
        REQUIRE(*got == Entry{it->second.seq, key, it->second.value});
      }
    }
  }
}

TEST_CASE("scans and lookups equal the model at every version",
          "[btree][iterator]") {
  for (const char* name : {"A", "B", "C", "D"}) CheckEveryVersion(name);
}

TEST_CASE("random bounded ranges equal the model", "[btree][iterator]") {
  const uint64_t seed = Catch::rngSeed();
  CAPTURE(seed);
  for (const char* name : {"A", "B", "C", "D"}) {
    CAPTURE(name);
    test::RawScenario raw = test::LoadRawScenario(name);
    auto bee = test::RawBee(name, raw.blocks);
    std::vector<uint64_t> versions;
    for (const auto& [version, state] : raw.versions) {
      versions.push_back(version);
    }
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 1500; i++) {
      CAPTURE(i);
      uint64_t version = versions[rng() % versions.size()];
      RangeOptions o = RandomRange(&rng, raw.keys);
      CAPTURE(version, Describe(o));
      auto snap = bee->Checkout(version);
      REQUIRE(snap.ok());
      REQUIRE(test::Drain(RangeIterator(*snap, o)) ==
              ModelRange(raw.versions.at(version), o));
      auto peek = Peek(*snap, o);
      REQUIRE(peek.ok());
      o.limit = 1;
      auto first = ModelRange(raw.versions.at(version), o);
      REQUIRE(peek->has_value() == !first.empty());
      if (!first.empty()) REQUIRE(**peek == first[0]);
    }
  }
}

}  // namespace
}  // namespace bee::btree
