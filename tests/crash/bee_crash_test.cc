// Crash a store after any step of a flush, a truncate or its creation (the
// steps counted by a dry run of the same operation, so the crash point can
// fall anywhere up to and after the last sync), then lose a random part of
// what was not synced: it must reopen at the version before or after that
// operation, read exactly as the model at that version, keep what an
// acknowledged kSync operation wrote, and accept writes again. Each test
// counts the states it reached and requires every kind to occur.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "btree/verify.h"
#include "tests/util/crash_verify.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

using Model = std::map<std::string, std::string>;

// The whole tree, in order; keys must come strictly ascending.
Model Read(const Bee& bee) {
  Model out;
  RangeIterator it(bee.GetSnapshot().value(), {});
  while (true) {
    auto e = it.Next();
    REQUIRE(e.ok());
    if (!e->has_value()) return out;
    if (!out.empty()) CHECK(out.rbegin()->first < (*e)->key);
    out[(*e)->key] = (*e)->value.value_or("");
  }
}

BeeOptions OnFaultEnv(test::FaultEnv* env, log::Durability durability) {
  BeeOptions options;
  options.core.env = env;
  options.core.durability = durability;
  return options;
}

// The one place a crashed store is reopened (writable). A crash that tears
// the head of a flush whose blocks landed leaves a damaged slot and blocks
// past the verifiable head: a writable open refuses (the flush might have
// been acknowledged) until the store is repaired, which signs the verifiable
// version again at the next fork.
struct Reopened {
  Result<std::unique_ptr<Bee>> bee;
  bool repaired = false;
};

Reopened Reopen(const std::string& dir, const BeeOptions& options) {
  auto bee = Bee::Open(dir, options);
  if (bee.ok() ||
      bee.status().message().find("bee repair") == std::string::npos) {
    return {std::move(bee), false};
  }
  auto repaired = RepairStore(dir, options);
  if (!repaired.ok()) return {repaired.status(), true};
  return {Bee::Open(dir, options), true};
}

// "kind: count; ..." for the failure message.
std::string Summary(const std::map<std::string, int>& seen) {
  std::string out;
  for (const auto& [kind, n] : seen) {
    out += kind + ": " + std::to_string(n) + "; ";
  }
  return out;
}

// A store with some flushes behind it and one operation (a batch, or a
// truncate to an earlier version) ready to run, all drawn from one seed so
// that a dry run and the crashing run do the same.
struct Round {
  std::unique_ptr<Bee> bee;
  std::unique_ptr<Batch> batch;  // the last operation, unless truncating
  std::optional<uint64_t> truncate_to;
  Model before;  // the tree before and after the last operation
  Model after;
};

void FillBatch(Batch* batch, std::mt19937_64* rng, Model* m) {
  const size_t n = 1 + (*rng)() % 20;
  for (size_t i = 0; i < n; i++) {
    std::string key = "k" + std::to_string((*rng)() % 60);
    if (i > 0 && (*rng)() % 4 == 0) {  // a put first: the batch writes
      REQUIRE(batch->Del(key).ok());
      m->erase(key);
    } else {
      std::string value = std::to_string((*rng)());
      REQUIRE(batch->Put(key, value).ok());
      (*m)[key] = value;
    }
  }
}

Round Prepare(test::FaultEnv* env, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Round r;
  r.bee = Bee::Create("/b", log::KeyPair::FromSeed(log::Seed{}), std::nullopt,
                      OnFaultEnv(env, log::Durability::kSync))
              .value();
  // Keyed by log length: a new store has length 0 until its first write.
  std::map<uint64_t, Model> at{{r.bee->core().length(), {}}};
  for (uint64_t i = rng() % 10; i > 0; i--) {
    auto batch = r.bee->MakeBatch({.separate_blocks = rng() % 2 == 0}).value();
    FillBatch(batch.get(), &rng, &r.before);
    REQUIRE(batch->Flush().ok());
    at[r.bee->core().length()] = r.before;
  }
  if (rng() % 3 == 0) {
    auto target = std::next(at.begin(), static_cast<long>(rng() % at.size()));
    r.truncate_to = target->first;
    r.after = target->second;
  } else {
    r.after = r.before;
    r.batch = r.bee->MakeBatch({.separate_blocks = rng() % 2 == 0}).value();
    FillBatch(r.batch.get(), &rng, &r.after);
  }
  return r;
}

Status RunLast(Round* r) {
  if (r->truncate_to) return r->bee->Truncate(*r->truncate_to);
  Status s = r->batch->Flush();
  r->batch.reset();
  return s;
}

struct Head {
  uint64_t version;
  uint64_t fork;
  bool operator==(const Head&) const = default;
};

Head HeadOf(const Bee& bee) { return {bee.version(), bee.core().fork()}; }

// The head after the last operation, and how many mutations it makes.
std::pair<Head, uint64_t> DryRun(uint64_t seed) {
  test::FaultEnv env;
  Round r = Prepare(&env, seed);
  const uint64_t start = env.mutations();
  REQUIRE(RunLast(&r).ok());
  return {HeadOf(*r.bee), env.mutations() - start};
}

// Checks a reopened store at whichever head it reached.
void CheckReopened(Bee* bee, const Model& model) {
  CHECK(Read(*bee) == model);
  test::CheckVerifiesAfterCrash(bee->core());
  CHECK(bee->Checkout(bee->version()).ok());
  REQUIRE(bee->Put("after", "crash").ok());
  CHECK(bee->Get("after")->value().value == "crash");
  INFO(bee->core().VerifyAll().ToString());
  CHECK(bee->core().VerifyAll().ok());
  // The store still records its versions (a new store has none until its
  // first write, which this was).
  CHECK_FALSE(bee->Boundaries().empty());
}

TEST_CASE("a store crashed after any step of a flush or truncate", "[crash]") {
  const uint64_t seed = Catch::rngSeed();
  std::map<std::string, int> seen;
  for (int round = 0; round < 150; round++) {
    const uint64_t round_seed = seed * 31 + static_cast<uint64_t>(round);
    const auto [next, steps] = DryRun(round_seed);
    std::mt19937_64 rng(round_seed ^ 0x5eed);
    const uint64_t crash_at = rng() % (steps + 1);
    CAPTURE(seed, round, steps, crash_at);

    test::FaultEnv env;
    Round r = Prepare(&env, round_seed);
    const std::string op = r.truncate_to ? "truncate" : "batch";
    const Head old = HeadOf(*r.bee);
    env.FailWritesAfter(static_cast<int64_t>(crash_at));
    const bool acked = RunLast(&r).ok();
    CHECK(acked == (crash_at == steps));
    const test::CrashReport report = env.Crash(&rng);
    r.bee.reset();

    auto [reopened, repaired] =
        Reopen("/b", OnFaultEnv(&env, log::Durability::kSync));
    REQUIRE(reopened.ok());
    Head got = HeadOf(**reopened);
    if (repaired) {
      // Refused: the torn head of a flush that was not acknowledged.
      CHECK_FALSE(acked);
      CHECK(got.version == old.version);
      CHECK(got.fork == old.fork + 1);
      seen["torn flush head, repaired"]++;
      got = old;
    }
    REQUIRE((got == old || got == next));
    if (acked) CHECK(got == next);
    seen[op + (got == next ? ": new version" : ": old version")]++;
    for (const std::string& f : report.torn) {
      if (f == "/b/head") seen["torn head slot"]++;
    }
    if (acked) seen["acknowledged"]++;
    CheckReopened(reopened->get(), got == next ? r.after : r.before);
  }
  INFO(Summary(seen));
  for (const char* kind :
       {"batch: old version", "batch: new version", "truncate: old version",
        "truncate: new version", "torn head slot", "acknowledged"}) {
    CAPTURE(seed, kind);
    CHECK(seen[kind] > 0);
  }
}

TEST_CASE("a store crashed after any step of its creation", "[crash]") {
  const uint64_t seed = Catch::rngSeed();
  const auto kp = log::KeyPair::FromSeed(log::Seed{});
  uint64_t steps = 0;
  {
    test::FaultEnv env;
    REQUIRE(Bee::Create("/b", kp, std::nullopt,
                        OnFaultEnv(&env, log::Durability::kSync))
                .ok());
    steps = env.mutations();
  }
  std::map<std::string, int> seen;
  for (int round = 0; round < 80; round++) {
    std::mt19937_64 rng(seed * 3 + static_cast<uint64_t>(round));
    const uint64_t crash_at = static_cast<uint64_t>(round) % (steps + 1);
    CAPTURE(seed, round, steps, crash_at);
    test::FaultEnv env;
    const BeeOptions options = OnFaultEnv(&env, log::Durability::kSync);
    env.FailWritesAfter(static_cast<int64_t>(crash_at));
    const bool created = Bee::Create("/b", kp, std::nullopt, options).ok();
    CHECK(created == (crash_at == steps));
    env.Crash(&rng);

    auto reopened = Reopen("/b", options).bee;
    if (reopened.ok()) {
      seen["empty store"]++;
    } else {
      // meta, written last, makes the directory a store: without it there
      // is no log, and creating the store again is allowed.
      CHECK(reopened.status().IsNotFound());
      seen["no log"]++;
    }
    CHECK((reopened.ok() || !created));
    if (!reopened.ok()) reopened = Bee::Create("/b", kp, std::nullopt, options);
    REQUIRE(reopened.ok());
    CHECK((*reopened)->version() == 1);
    CheckReopened(reopened->get(), {});
  }
  INFO(Summary(seen));
  CAPTURE(seed);
  for (const char* kind : {"empty store", "no log"}) {
    CAPTURE(kind);
    CHECK(seen[kind] > 0);
  }
}

// A large flush hands its blocks to the block cache while they are hashed,
// before the append commits: when the append then fails, the store must
// forget them, or the next batch (written to the same seqs) would read
// them back.
TEST_CASE("a failed flush leaves the open store as it was until reopened",
          "[crash]") {
  for (int64_t fail_after : {0, 1, 2, 3}) {
    CAPTURE(fail_after);
    test::FaultEnv env;
    const BeeOptions options = OnFaultEnv(&env, log::Durability::kNoSync);
    auto bee = Bee::Create("/f", log::KeyPair::FromSeed(log::Seed{}),
                           std::nullopt, options)
                   .value();
    Model model;
    auto put_batch = [&](Model* m, const std::string& tag) {
      auto batch = bee->MakeBatch().value();
      for (int i = 0; i < 300; i++) {  // large: encoded and hashed on 2 threads
        std::string key = "k" + std::to_string((i * 7919) % 500);
        REQUIRE(batch->Put(key, tag + std::to_string(i)).ok());
        (*m)[key] = tag + std::to_string(i);
      }
      return batch;
    };
    REQUIRE(put_batch(&model, "a")->Flush().ok());
    const uint64_t before = bee->version();
    Model lost = model;
    auto failing = put_batch(&lost, "lost");
    env.FailWritesAfter(fail_after);
    REQUIRE_FALSE(failing->Flush().ok());
    failing.reset();
    env.FailWritesAfter(-1);
    CHECK(bee->version() == before);
    CHECK(Read(*bee) == model);
    // Writes are refused until a reopen (the failure is sticky).
    CHECK(bee->MakeBatch().status().IsIOError());
    CHECK(Read(*bee) == model);
    bee.reset();
    bee = Bee::Open("/f", options).value();
    CHECK(Read(*bee) == model);
    // The next batch takes the same seqs with other blocks.
    REQUIRE(put_batch(&model, "b")->Flush().ok());
    CHECK(Read(*bee) == model);
    CHECK(bee->Get("k0")->value().value == model["k0"]);
    bee.reset();
    auto reopened = Bee::Open("/f", options);
    REQUIRE(reopened.ok());
    CHECK(Read(**reopened) == model);
  }
}

}  // namespace
}  // namespace bee::btree
