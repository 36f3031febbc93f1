// Crash the log after any step of an append, a truncate or its creation
// (the steps counted by a dry run of the same operation, so the crash point
// can fall anywhere up to and after the last sync), then lose a random part
// of what was not synced. It must reopen at a once-signed length with every
// block verifying, keep what an acknowledged kSync operation wrote, and
// accept appends. Each test counts the states it reached and requires every
// kind to occur.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "log/core.h"
#include "tests/util/crash_verify.h"
#include "tests/util/fault_env.h"

namespace bee::log {
namespace {

std::string BlockFor(uint64_t i) {
  return "b" + std::to_string(i) +
         std::string(static_cast<size_t>(i % 13), 'x');
}

CoreOptions OnFaultEnv(test::FaultEnv* env, Durability durability) {
  CoreOptions options;
  options.env = env;
  options.durability = durability;
  return options;
}

// The one place a crashed log is reopened (writable). A crash that tears
// the head of an append whose blocks landed leaves a damaged slot and
// blocks past the verifiable head: a writable open refuses (the append
// might have been acknowledged) until the log is repaired, which signs the
// verifiable length again at the next fork.
struct Reopened {
  Result<std::unique_ptr<Core>> core;
  bool repaired = false;
};

Reopened Reopen(const std::string& dir, const CoreOptions& options) {
  auto core = Core::Open(dir, options);
  if (core.ok() ||
      core.status().message().find("bee repair") == std::string::npos) {
    return {std::move(core), false};
  }
  auto repaired = Core::Repair(dir, options);
  if (!repaired.ok()) return {repaired.status(), true};
  return {Core::Open(dir, options), true};
}

// A log operation: append `n` blocks, or truncate to `length`.
struct Step {
  bool truncate = false;
  uint64_t n = 0;
  uint64_t length = 0;
};

// Some appends and truncates, then the step that crashes.
struct Plan {
  std::vector<Step> before;
  Step last;
};

Step DrawStep(std::mt19937_64* rng, uint64_t length) {
  Step s;
  s.truncate = length > 0 && (*rng)() % 3 == 0;
  if (s.truncate) {
    s.length = (*rng)() % (length + 1);
  } else {
    s.n = 1 + (*rng)() % 20;
  }
  return s;
}

Plan DrawPlan(std::mt19937_64* rng) {
  Plan plan;
  uint64_t length = 0;
  for (uint64_t i = (*rng)() % 8; i > 0; i--) {
    plan.before.push_back(DrawStep(rng, length));
    length = plan.before.back().truncate ? plan.before.back().length
                                         : length + plan.before.back().n;
  }
  plan.last = DrawStep(rng, length);
  return plan;
}

Status Run(Core* core, const Step& step) {
  if (step.truncate) return core->Truncate(step.length);
  std::vector<std::string> blocks;
  for (uint64_t i = 0; i < step.n; i++) {
    blocks.push_back(BlockFor(core->length() + i));
  }
  return core->Append(blocks);
}

// Creates the log and runs the plan's first steps.
std::unique_ptr<Core> Prepare(const Plan& plan, const CoreOptions& options) {
  auto core = Core::Create("/c", KeyPair::FromSeed(Seed{}), options);
  REQUIRE(core.ok());
  for (const Step& s : plan.before) REQUIRE(Run(core->get(), s).ok());
  return std::move(core).value();
}

// How many mutations the plan's last step makes (a dry run on its own env).
uint64_t StepsOfLast(const Plan& plan, Durability durability) {
  test::FaultEnv env;
  auto core = Prepare(plan, OnFaultEnv(&env, durability));
  const uint64_t start = env.mutations();
  REQUIRE(Run(core.get(), plan.last).ok());
  return env.mutations() - start;
}

// "kind: count, ..." for the failure message.
std::string Summary(const std::map<std::string, int>& seen) {
  std::string out;
  for (const auto& [kind, n] : seen) {
    out += kind + ": " + std::to_string(n) + "; ";
  }
  return out;
}

struct Head {
  uint64_t length;
  uint64_t fork;
  bool operator==(const Head&) const = default;
};

// Checks a reopened log at `head`: every block verifies and reads back,
// and one more append lands.
void CheckWritable(Core* core) {
  test::CheckVerifiesAfterCrash(*core);
  for (uint64_t i = 0; i < core->length(); i++) {
    CHECK(core->Get(i).value() == BlockFor(i));
  }
  std::vector<std::string> more{BlockFor(core->length())};
  REQUIRE(core->Append(more).ok());
  INFO(core->VerifyAll().ToString());
  REQUIRE(core->VerifyAll().ok());
}

TEST_CASE("log crash after any step of an append or truncate", "[crash]") {
  const uint64_t seed = Catch::rngSeed();
  std::map<std::string, int> seen;
  for (int round = 0; round < 200; round++) {
    CAPTURE(seed, round);
    std::mt19937_64 rng(seed * 1000 + static_cast<uint64_t>(round));
    const Plan plan = DrawPlan(&rng);
    const uint64_t steps = StepsOfLast(plan, Durability::kSync);
    const uint64_t crash_at = rng() % (steps + 1);
    CAPTURE(plan.last.truncate, steps, crash_at);

    test::FaultEnv env;
    const CoreOptions options = OnFaultEnv(&env, Durability::kSync);
    auto core = Prepare(plan, options);
    const Head old{core->length(), core->fork()};
    const Head next = plan.last.truncate
                          ? Head{plan.last.length, old.fork + 1}
                          : Head{old.length + plan.last.n, old.fork};
    env.FailWritesAfter(static_cast<int64_t>(crash_at));
    const bool acked = Run(core.get(), plan.last).ok();
    CHECK(acked == (crash_at == steps));
    const test::CrashReport report = env.Crash(&rng);
    core.reset();

    auto [reopened, repaired] = Reopen("/c", options);
    REQUIRE(reopened.ok());
    Head got{(*reopened)->length(), (*reopened)->fork()};
    if (repaired) {
      // Refused: the torn head of an append that was not acknowledged.
      CHECK_FALSE(acked);
      CHECK(got.length == old.length);
      CHECK(got.fork == old.fork + 1);
      seen["torn append head, repaired"]++;
      got = old;
    }
    REQUIRE((got == old || got == next));
    if (acked) CHECK(got == next);
    const std::string op = plan.last.truncate ? "truncate" : "append";
    seen[op + (got == next ? ": new head" : ": old head")]++;
    for (const std::string& f : report.torn) {
      if (f == "/c/head") seen["torn head slot"]++;
    }
    if (acked) seen["acknowledged"]++;
    CheckWritable(reopened->get());
  }
  INFO(Summary(seen));
  for (const char* kind :
       {"append: old head", "append: new head", "truncate: old head",
        "truncate: new head", "torn head slot", "acknowledged"}) {
    CAPTURE(seed, kind);
    CHECK(seen[kind] > 0);
  }
}

TEST_CASE("log crash after any step of its creation", "[crash]") {
  const uint64_t seed = Catch::rngSeed();
  uint64_t steps = 0;
  {
    test::FaultEnv env;
    REQUIRE(Core::Create("/c", KeyPair::FromSeed(Seed{}),
                         OnFaultEnv(&env, Durability::kSync))
                .ok());
    steps = env.mutations();
  }
  std::map<std::string, int> seen;
  for (int round = 0; round < 60; round++) {
    std::mt19937_64 rng(seed * 3 + static_cast<uint64_t>(round));
    const uint64_t crash_at = static_cast<uint64_t>(round) % (steps + 1);
    CAPTURE(seed, round, steps, crash_at);
    test::FaultEnv env;
    const CoreOptions options = OnFaultEnv(&env, Durability::kSync);
    env.FailWritesAfter(static_cast<int64_t>(crash_at));
    auto created = Core::Create("/c", KeyPair::FromSeed(Seed{}), options);
    CHECK(created.ok() == (crash_at == steps));
    env.Crash(&rng);
    created = Status::IOError("crashed");  // the crashed process is gone

    auto reopened = Reopen("/c", options).core;
    if (!reopened.ok()) {
      // Nothing was created: no meta, so no log; creating again works.
      REQUIRE(reopened.status().IsNotFound());
      CHECK(crash_at < steps);
      seen["no log"]++;
      reopened = Core::Create("/c", KeyPair::FromSeed(Seed{}), options);
      REQUIRE(reopened.ok());
    } else {
      seen["empty log"]++;
    }
    CHECK((*reopened)->length() == 0);
    CheckWritable(reopened->get());
  }
  INFO(Summary(seen));
  CAPTURE(seed);
  CHECK(seen["no log"] > 0);
  CHECK(seen["empty log"] > 0);
}

TEST_CASE("power loss without fsync reopens at a signed length or says why",
          "[crash]") {
  const uint64_t seed = Catch::rngSeed();
  std::map<std::string, int> seen;
  for (int round = 0; round < 60; round++) {
    CAPTURE(seed, round);
    std::mt19937_64 rng(seed * 7919 + static_cast<uint64_t>(round));
    test::FaultEnv env;
    const CoreOptions options = OnFaultEnv(&env, Durability::kNoSync);
    auto core = Core::Create("/n", KeyPair::FromSeed(Seed{}), options).value();
    uint64_t appended = 0;
    uint64_t synced = 0;
    // An explicit Sync after some append (or none: 10) saves what came
    // before it, until later unsynced writes reuse its head slot.
    const int sync_after = static_cast<int>(rng() % 11);
    for (int s = 0; s < 10; s++) {
      std::vector<std::string> b;
      uint64_t n = 1 + rng() % 5;
      for (uint64_t i = 0; i < n; i++) b.push_back(BlockFor(appended + i));
      REQUIRE(core->Append(b).ok());
      appended += n;
      if (s == sync_after) {
        REQUIRE(core->Sync().ok());
        synced = appended;
      }
    }
    env.Crash(&rng);
    core.reset();
    auto reopened = Reopen("/n", options).core;
    if (!reopened.ok()) {
      CHECK(reopened.status().IsCorruption());
      CHECK(synced < appended);
      seen["refused"]++;
      continue;
    }
    uint64_t len = (*reopened)->length();
    CHECK(len <= appended);
    if (synced == appended) CHECK(len == appended);
    seen[len == appended ? "every append" : "an older head"]++;
    // Files lose unsynced writes independently, so a signed head may survive
    // its data: such blocks must read as Corruption, never as other bytes.
    Status all = (*reopened)->VerifyAll();
    CHECK((all.ok() || all.IsCorruption()));
    if (synced == appended) CHECK(all.ok());
    if (!all.ok()) seen["blocks lost"]++;
    for (uint64_t i = 0; i < len; i++) {
      auto block = (*reopened)->Get(i);
      if (block.ok()) {
        CHECK(*block == BlockFor(i));
      } else {
        CHECK(block.status().IsCorruption());
      }
    }
  }
  INFO(Summary(seen));
  CAPTURE(seed);
  CHECK(seen["every append"] > 0);
  CHECK(seen["an older head"] > 0);
  CHECK(seen["blocks lost"] > 0);
}

}  // namespace
}  // namespace bee::log
