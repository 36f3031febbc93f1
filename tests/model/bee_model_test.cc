// Model-based property tests: seeded random puts, deletes, cas refusals and
// batches against a std::map model that remembers every version. At
// checkpoints every read (get, forward and reverse ranges with random
// bounds, history, diff between random versions) is checked at every
// version, and the store is reopened from its files. Failures print the
// seed (run with --rng-seed N to replay).
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "btree/diff.h"
#include "btree/history.h"
#include "btree/iterator.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

struct ModelEntry {
  uint64_t seq;
  std::optional<std::string> value;
  bool operator==(const ModelEntry&) const = default;
};
using State = std::map<std::string, ModelEntry>;

class ModelRun {
 public:
  ModelRun(uint64_t seed, size_t key_space, bool big_keys)
      : rng_(seed), key_space_(key_space), big_keys_(big_keys) {
    options_.core.env = &env_;
    options_.core.durability = log::Durability::kNoSync;
    log::Seed s{};
    s[0] = static_cast<uint8_t>(seed);
    bee_ = Bee::Create("/m", log::KeyPair::FromSeed(s), std::nullopt, options_)
               .value();
    versions_[1] = State{};
  }

  void Step(int step) {
    CAPTURE(step);
    uint64_t r = rng_() % 100;
    if (r < 45) {
      Single(true);
    } else if (r < 65) {
      Single(false);
    } else if (r < 90) {
      Batch();
    } else if (r < 95) {
      CheckGet(state_, bee_->GetSnapshot().value());
    } else {
      Reopen();
    }
  }

  void CheckAll() {
    for (const auto& [version, state] : versions_) {
      CAPTURE(version);
      auto snap = bee_->Checkout(version);
      REQUIRE(snap.ok());
      CheckRanges(state, *snap);
      CheckGet(state, *snap);
    }
    CheckDiffs();
    CheckHistory();
  }

 private:
  std::string Key() {
    uint64_t k = rng_() % key_space_;
    std::string key = "k" + std::to_string(k);
    if (big_keys_) key += std::string(k % 40, static_cast<char>('a' + k % 26));
    if (k % 17 == 0) key.push_back('\0');  // bytes no string handles well
    return key;
  }
  std::optional<std::string> Value() {
    uint64_t r = rng_() % 10;
    if (r == 0) return std::nullopt;
    if (r == 1) return std::string();
    return "v" + std::to_string(rng_() % 1000);
  }

  // Applies one op to the model; returns whether it writes a block.
  bool ApplyModel(State* state, bool put, const std::string& key,
                  const std::optional<std::string>& value, bool refuse,
                  uint64_t seq) {
    auto it = state->find(key);
    if (put) {
      if (refuse && it != state->end()) return false;
      (*state)[key] = ModelEntry{seq, value};
      return true;
    }
    if (it == state->end() || refuse) return false;
    state->erase(it);
    return true;
  }

  Result<bool> ApplyBee(Batch* batch, bool put, const std::string& key,
                        const std::optional<std::string>& value, bool refuse) {
    CasFn cas;
    if (refuse) cas = [](const Entry&, const Entry&) { return false; };
    std::optional<std::string_view> v;
    if (value) v = *value;
    if (put) return batch->Put(key, v, PutOptions{cas, true});
    return batch->Del(key, DelOptions{cas});
  }

  void Single(bool put) { RunBatch(1, put); }
  void Batch() { RunBatch(1 + rng_() % 30, rng_() % 2); }

  void RunBatch(size_t n, bool mostly_put) {
    auto batch = bee_->MakeBatch();
    REQUIRE(batch.ok());
    // A new store's first write appends the header block before it.
    uint64_t seq = std::max<uint64_t>(1, bee_->core().length());
    State next = state_;
    for (size_t i = 0; i < n; i++) {
      bool put = (rng_() % 4 != 0) == mostly_put;
      bool refuse = rng_() % 12 == 0;
      std::string key = Key();
      std::optional<std::string> value = Value();
      bool model = ApplyModel(&next, put, key, value, refuse, seq);
      auto got = ApplyBee(batch->get(), put, key, value, refuse);
      REQUIRE(got.ok());
      REQUIRE(*got == model);
      if (model) seq++;
      if (rng_() % 8 == 0) {  // reads inside the batch see pending writes
        std::string probe = Key();
        auto e = (*batch)->Get(probe);
        REQUIRE(e.ok());
        auto m = next.find(probe);
        REQUIRE(e->has_value() == (m != next.end()));
        if (m != next.end()) CHECK((*e)->seq == m->second.seq);
      }
    }
    if (rng_() % 20 == 0) return;  // discarded: nothing is written
    REQUIRE((*batch)->Flush().ok());
    REQUIRE(bee_->core().length() == seq);
    state_ = std::move(next);
    versions_[bee_->version()] = state_;
  }

  void Reopen() {
    REQUIRE(bee_->Close().ok());
    bee_.reset();
    auto reopened = Bee::Open("/m", options_);
    REQUIRE(reopened.ok());
    bee_ = std::move(reopened).value();
  }

  void CheckGet(const State& state, const Snapshot& snap) {
    for (int i = 0; i < 5; i++) {
      std::string key = Key();
      auto e = snap.Get(key);
      REQUIRE(e.ok());
      auto m = state.find(key);
      REQUIRE(e->has_value() == (m != state.end()));
      if (m != state.end()) {
        CHECK((*e)->seq == m->second.seq);
        CHECK((*e)->value == m->second.value);
      }
    }
  }

  void CheckRanges(const State& state, const Snapshot& snap) {
    for (int round = 0; round < 3; round++) {
      RangeOptions o;
      if (round > 0) {
        std::string a = Key(), b = Key();
        if (b < a) std::swap(a, b);
        (rng_() % 2 ? o.gt : o.gte) = a;
        (rng_() % 2 ? o.lt : o.lte) = b;
        o.reverse = rng_() % 2;
        if (rng_() % 3 == 0) o.limit = static_cast<int64_t>(rng_() % 10);
      }
      std::vector<std::pair<std::string, uint64_t>> want;
      for (const auto& [k, e] : state) {
        if (o.gt && k <= *o.gt) continue;
        if (o.gte && !o.gt && k < *o.gte) continue;
        if (o.lt && k >= *o.lt) continue;
        if (o.lte && !o.lt && k > *o.lte) continue;
        want.emplace_back(k, e.seq);
      }
      if (o.reverse) std::reverse(want.begin(), want.end());
      if (o.limit >= 0 && want.size() > static_cast<size_t>(o.limit)) {
        want.resize(static_cast<size_t>(o.limit));
      }
      RangeIterator it(snap, o);
      std::vector<std::pair<std::string, uint64_t>> got;
      while (true) {
        auto e = it.Next();
        REQUIRE(e.ok());
        if (!e->has_value()) break;
        got.emplace_back((*e)->key, (*e)->seq);
      }
      CHECK(got == want);
    }
  }

  void CheckDiffs() {
    std::vector<uint64_t> vs;
    for (const auto& [v, s] : versions_) vs.push_back(v);
    for (int i = 0; i < 10; i++) {
      uint64_t a = vs[rng_() % vs.size()], b = vs[rng_() % vs.size()];
      CAPTURE(a, b);
      const State& left = versions_[a];
      const State& right = versions_[b];
      std::vector<std::tuple<std::string, uint64_t, uint64_t>> want;
      std::map<std::string, std::pair<uint64_t, uint64_t>> keys;
      for (const auto& [k, e] : left) keys[k].first = e.seq;
      for (const auto& [k, e] : right) keys[k].second = e.seq;
      for (const auto& [k, s] : keys) {
        if (s.first != s.second) want.emplace_back(k, s.first, s.second);
      }
      DiffIterator it(*bee_->Checkout(a), *bee_->Checkout(b), {});
      std::vector<std::tuple<std::string, uint64_t, uint64_t>> got;
      while (true) {
        auto d = it.Next();
        REQUIRE(d.ok());
        if (!d->has_value()) break;
        const DiffEntry& e = **d;
        std::string key = e.left ? e.left->key : e.right->key;
        got.emplace_back(key, e.left ? e.left->seq : 0,
                         e.right ? e.right->seq : 0);
      }
      CHECK(got == want);
    }
  }

  void CheckHistory() {
    HistoryIterator it(bee_->GetSnapshot().value(), {});
    uint64_t expect = 1;
    while (true) {
      auto e = it.Next();
      REQUIRE(e.ok());
      if (!e->has_value()) break;
      CHECK((*e)->seq == expect++);
    }
    CHECK(expect == bee_->version());
  }

  std::mt19937_64 rng_;
  size_t key_space_;
  bool big_keys_;
  test::FaultEnv env_;
  BeeOptions options_;
  std::unique_ptr<Bee> bee_;
  State state_;
  std::map<uint64_t, State> versions_;
};

TEST_CASE("random workloads match a std::map model at every version",
          "[model]") {
  const uint64_t seed = Catch::rngSeed();
  struct Config {
    size_t keys;
    bool big;
    int steps;
  } configs[] = {{20, false, 300}, {300, false, 400}, {5000, true, 250}};
  for (const Config& c : configs) {
    for (uint64_t run = 0; run < 3; run++) {
      uint64_t s = seed * 1000 + run * 10 + c.keys;
      CAPTURE(seed, run, c.keys, s);
      ModelRun model(s, c.keys, c.big);
      for (int step = 0; step < c.steps; step++) model.Step(step);
      model.CheckAll();
    }
  }
}

}  // namespace
}  // namespace bee::btree
