// Diffs between versions over hyperbee's own blocks (FORMAT.md §10.6):
// scenario A's recorded diff against version 27, and random version pairs
// of scenarios A-D against the difference of two std::map models. Random
// cases print their seed (--rng-seed N replays).
#include "btree/diff.h"

#include <catch2/catch.hpp>
#include <random>
#include <sstream>

#include "log/proof.h"
#include "tests/util/bee_replay.h"
#include "tests/util/drain.h"
#include "tests/util/fault_env.h"
#include "tests/util/raw_scenario.h"

namespace bee::btree {
namespace {

using nlohmann::json;
using test::ModelState;

std::optional<Entry> EntryIn(const ModelState& state, const std::string& key) {
  auto it = state.find(key);
  if (it == state.end()) return std::nullopt;
  return Entry{it->second.seq, key, it->second.value};
}

// Whether `key` lies within a diff's bounds: when both of a side are given,
// hyperbee's diff takes gt's (lt's) key and includes it (btree/diff.h).
bool InDiffRange(const std::string& key, const DiffOptions& o) {
  const std::optional<std::string>& lower = o.gt ? o.gt : o.gte;
  const std::optional<std::string>& upper = o.lt ? o.lt : o.lte;
  if (lower && (o.gte ? key < *lower : key <= *lower)) return false;
  if (upper && (o.lte ? key > *upper : key >= *upper)) return false;
  return true;
}

// For every key in either state whose entry differs, one pair.
std::vector<DiffEntry> ModelDiff(const ModelState& left,
                                 const ModelState& right,
                                 const DiffOptions& o) {
  std::vector<std::string> keys;
  for (const auto& [key, e] : left) keys.push_back(key);
  for (const auto& [key, e] : right) {
    if (!left.count(key)) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<DiffEntry> out;
  for (const std::string& key : keys) {
    if (!InDiffRange(key, o)) continue;
    if (o.limit >= 0 && out.size() >= static_cast<size_t>(o.limit)) break;
    DiffEntry d{EntryIn(left, key), EntryIn(right, key)};
    if (d.left != d.right) out.push_back(std::move(d));
  }
  return out;
}

std::string Describe(const DiffOptions& o) {
  std::ostringstream s;
  auto bound = [&](const char* name, const std::optional<std::string>& b) {
    if (b) s << name << "='" << test::Printable(*b) << "' ";
  };
  bound("gt", o.gt);
  bound("gte", o.gte);
  bound("lt", o.lt);
  bound("lte", o.lte);
  s << "limit=" << o.limit;
  return s.str();
}

DiffOptions RandomDiffOptions(std::mt19937_64* rng,
                              const std::vector<std::string>& keys) {
  DiffOptions o;
  for (auto* bound : {&o.gt, &o.gte, &o.lt, &o.lte}) {
    if ((*rng)() % 4 == 0) *bound = test::RandomBound(rng, keys);
  }
  if ((*rng)() % 4 == 0) o.limit = static_cast<int64_t>((*rng)() % 10);
  return o;
}

void CheckSide(const std::optional<Entry>& got, const json& want) {
  if (want.is_null()) {
    CHECK_FALSE(got.has_value());
    return;
  }
  REQUIRE(got.has_value());
  CHECK(got->seq == want[0].get<uint64_t>());
  CHECK(got->key == want[1].get<std::string>());
  if (want[2].is_null()) {
    CHECK_FALSE(got->value.has_value());
  } else {
    CHECK(got->value == want[2].get<std::string>());
  }
}

TEST_CASE("scenario A's recorded diff against version 27, on hyperbee's blocks",
          "[btree][diff]") {
  test::RawScenario raw = test::LoadRawScenario("A");
  auto bee = test::RawBee("A", raw.blocks);
  auto v27 = bee->Checkout(27);
  REQUIRE(v27.ok());
  const json& want = test::Scenario("A")["reads"]["diff_from_v27"];
  auto got = test::Drain(DiffIterator(bee->GetSnapshot().value(), *v27, {}));
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); i++) {
    CAPTURE(i);
    CheckSide(got[i].left, want[i][0]);
    CheckSide(got[i].right, want[i][1]);
  }
  // The other way round: the same pairs, sides swapped.
  auto back = test::Drain(DiffIterator(*v27, bee->GetSnapshot().value(), {}));
  REQUIRE(back.size() == got.size());
  for (size_t i = 0; i < got.size(); i++) {
    CHECK(back[i].left == got[i].right);
    CHECK(back[i].right == got[i].left);
  }
  CHECK(test::Drain(DiffIterator(*v27, *v27, {})).empty());
}

// Random version pairs, near each other (the common case: what changed
// lately) or anywhere.
void CheckRandomDiffs(const std::string& name, uint64_t seed, int rounds) {
  CAPTURE(name, seed);
  test::RawScenario raw = test::LoadRawScenario(name);
  auto bee = test::RawBee(name, raw.blocks);
  std::vector<uint64_t> versions;
  for (const auto& [version, state] : raw.versions) versions.push_back(version);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < rounds; i++) {
    CAPTURE(i);
    size_t a = rng() % versions.size();
    size_t b = rng() % versions.size();
    if (rng() % 2 == 0) b = std::min(versions.size() - 1, a + rng() % 4);
    DiffOptions o =
        i % 2 == 0 ? DiffOptions{} : RandomDiffOptions(&rng, raw.keys);
    CAPTURE(versions[a], versions[b], Describe(o));
    auto left = bee->Checkout(versions[a]);
    auto right = bee->Checkout(versions[b]);
    REQUIRE(left.ok());
    REQUIRE(right.ok());
    REQUIRE(test::Drain(DiffIterator(*left, *right, o)) ==
            ModelDiff(raw.versions.at(versions[a]),
                      raw.versions.at(versions[b]), o));
  }
}

TEST_CASE("diffs between random versions equal the model difference",
          "[btree][diff]") {
  const uint64_t seed = Catch::rngSeed();
  for (const char* name : {"A", "B", "C", "D"}) {
    CheckRandomDiffs(name, seed, 600);
  }
}

TEST_CASE("a diff against the empty tree lists every entry", "[btree][diff]") {
  test::RawScenario raw = test::LoadRawScenario("C");
  auto bee = test::RawBee("C", raw.blocks);
  auto empty = bee->Checkout(1);
  REQUIRE(empty.ok());
  const ModelState& last = raw.versions.rbegin()->second;
  auto got = test::Drain(DiffIterator(bee->GetSnapshot().value(), *empty, {}));
  REQUIRE(got == ModelDiff(last, {}, {}));
  REQUIRE(got.size() == last.size());
  auto back = test::Drain(DiffIterator(*empty, bee->GetSnapshot().value(), {}));
  REQUIRE(back == ModelDiff({}, last, {}));
  DiffOptions none;
  none.limit = 0;
  CHECK(test::Drain(DiffIterator(bee->GetSnapshot().value(), *empty, none))
            .empty());
}

// A bee over a sparse replica of `source` that holds the signed length and
// the header only: every other block is fetched, as a verified proof, when a
// read misses it. The number fetched is what the read cost.
class SparseBee {
 public:
  explicit SparseBee(const log::Core& source) : source_(source) {
    log::CoreOptions options;
    options.env = &env_;
    auto replica = log::Core::CreateReplica("/replica", source.key(),
                                            source.manifest(), options);
    REQUIRE(replica.ok());
    replica_ = replica->get();
    Apply(log::MakeRequest(*replica_, std::nullopt, source.length()));
    Fetch(0);
    auto bee = Bee::FromCore(std::move(replica).value());
    REQUIRE(bee.ok());
    bee_ = std::move(bee).value();
  }

  // Runs `read` (a whole read from scratch, returning its Status) until it
  // misses no block; returns how many blocks it fetched.
  template <typename Read>
  size_t FetchWhileMissing(Read read) {
    size_t fetched = 0;
    while (true) {
      Status s = read(*bee_);
      if (s.ok()) return fetched;
      REQUIRE(s.IsUnavailable());
      const std::string& m = s.message();
      size_t end = m.find(" is not stored");
      REQUIRE(end != std::string::npos);
      size_t begin = m.find_last_not_of("0123456789", end - 1) + 1;
      Fetch(std::stoull(m.substr(begin, end - begin)));
      fetched++;
    }
  }

 private:
  void Apply(const log::ProofRequest& request) {
    auto proof = log::CreateProof(source_, request);
    REQUIRE(proof.ok());
    REQUIRE(log::ApplyProof(replica_, *proof).ok());
  }
  void Fetch(uint64_t seq) { Apply(log::MakeRequest(*replica_, seq, 0)); }

  const log::Core& source_;
  test::FaultEnv env_;
  log::Core* replica_;  // owned by bee_
  std::unique_ptr<Bee> bee_;
};

// Reads a whole diff; the Status of the first failed step.
Status ReadDiff(const Bee& bee, uint64_t left, uint64_t right,
                std::vector<DiffEntry>* pairs) {
  pairs->clear();
  auto l = bee.Checkout(left);
  if (!l.ok()) return l.status();
  auto r = bee.Checkout(right);
  if (!r.ok()) return r.status();
  DiffIterator it(*l, *r, {});
  while (true) {
    auto d = it.Next();
    if (!d.ok()) return d.status();
    if (!d->has_value()) return Status::OK();
    pairs->push_back(**d);
  }
}

// Scenario C's trees hold up to ~150 keys in three levels. A change of one
// key rewrites one path per side: at most 3 nodes of <= 8 keys each, so a
// diff should read a few dozen blocks, not every key's block.
TEST_CASE("a diff reads only what changed", "[btree][diff]") {
  test::RawScenario raw = test::LoadRawScenario("C");
  auto full = test::RawBee("C", raw.blocks);
  std::vector<uint64_t> versions;
  for (const auto& [version, state] : raw.versions) versions.push_back(version);
  for (size_t i = 1; i + 1 < versions.size(); i += 37) {
    const uint64_t left = versions[i + 1], right = versions[i];
    CAPTURE(left, right);
    SparseBee sparse(full->core());
    std::vector<DiffEntry> pairs;
    size_t fetched = sparse.FetchWhileMissing(
        [&](const Bee& bee) { return ReadDiff(bee, left, right, &pairs); });
    REQUIRE(pairs ==
            ModelDiff(raw.versions.at(left), raw.versions.at(right), {}));
    CHECK(fetched <= 30 * pairs.size() + 2);
    // The count is real: listing the whole tree then reads every live key.
    size_t listed = sparse.FetchWhileMissing(
        [&](const Bee& bee) { return ReadDiff(bee, left, 1, &pairs); });
    CHECK(fetched + listed >= raw.versions.at(left).size());
  }
}

}  // namespace
}  // namespace bee::btree
