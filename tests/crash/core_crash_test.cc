// Crash the log at random instants (failing writes mid-append, then losing
// a random prefix of unsynced writes, torn included) and check that it
// reopens at a once-signed length with every block verifying.
#include <catch2/catch.hpp>
#include <random>

#include "log/core.h"
#include "tests/util/fault_env.h"

namespace bee::log {
namespace {

std::string BlockFor(uint64_t i) {
  return "b" + std::to_string(i) +
         std::string(static_cast<size_t>(i % 13), 'x');
}

// A crash that tears the head of an append whose blocks landed leaves a
// damaged slot and blocks past the verifiable head: a writable open refuses
// (the append might have been acknowledged) until the log is repaired.
Result<std::unique_ptr<Core>> OpenOrRepair(const std::string& dir,
                                           const CoreOptions& options) {
  auto core = Core::Open(dir, options);
  if (core.ok() ||
      core.status().message().find("bee repair") == std::string::npos) {
    return core;
  }
  auto repaired = Core::Repair(dir, options);
  if (!repaired.ok()) return repaired.status();
  return Core::Open(dir, options);
}

TEST_CASE("log crash at any instant reopens at a signed length", "[crash]") {
  const uint64_t seed = Catch::rngSeed();
  for (int round = 0; round < 60; round++) {
    CAPTURE(seed, round);
    std::mt19937_64 rng(seed * 1000 + static_cast<uint64_t>(round));
    test::FaultEnv env;
    CoreOptions options;
    options.env = &env;
    options.durability = Durability::kSync;
    KeyPair kp = KeyPair::FromSeed(Seed{});
    auto core = Core::Create("/c", kp, options).value();
    uint64_t durable = 0;  // length of the last append that returned OK
    uint64_t next = 0;
    // Some successful appends and truncates first.
    int steps = static_cast<int>(rng() % 8);
    for (int s = 0; s < steps; s++) {
      uint64_t n = 1 + rng() % 20;
      std::vector<std::string> blocks;
      for (uint64_t i = 0; i < n; i++) blocks.push_back(BlockFor(next + i));
      REQUIRE(core->Append(blocks).ok());
      next += n;
      durable = next;
    }
    // Then an append that dies after a random number of writes.
    env.FailWritesAfter(static_cast<int64_t>(rng() % 6));
    std::vector<std::string> blocks;
    uint64_t n = 1 + rng() % 20;
    for (uint64_t i = 0; i < n; i++) blocks.push_back(BlockFor(next + i));
    bool landed = core->Append(blocks).ok();
    env.Crash(&rng);
    core.reset();

    auto reopened = OpenOrRepair("/c", options);
    REQUIRE(reopened.ok());
    uint64_t len = (*reopened)->length();
    CHECK(len >= durable);
    CHECK(len <= durable + n);
    CHECK((len == durable || len == durable + n));
    if (landed) CHECK(len == durable + n);
    REQUIRE((*reopened)->VerifyAll().ok());
    for (uint64_t i = 0; i < len; i++) {
      CHECK((*reopened)->Get(i).value() == BlockFor(i));
    }
    // The writer can append again over whatever the crash left behind.
    std::vector<std::string> more{BlockFor(len)};
    REQUIRE((*reopened)->Append(more).ok());
    REQUIRE((*reopened)->VerifyAll().ok());
  }
}

TEST_CASE("power loss without fsync reopens at a signed length or says why",
          "[crash]") {
  const uint64_t seed = Catch::rngSeed();
  for (int round = 0; round < 20; round++) {
    CAPTURE(seed, round);
    std::mt19937_64 rng(seed * 7919 + static_cast<uint64_t>(round));
    test::FaultEnv env;
    CoreOptions options;
    options.env = &env;
    options.durability = Durability::kNoSync;
    auto core = Core::Create("/n", KeyPair::FromSeed(Seed{}), options).value();
    uint64_t appended = 0;
    for (int s = 0; s < 10; s++) {
      std::vector<std::string> b;
      uint64_t n = 1 + rng() % 5;
      for (uint64_t i = 0; i < n; i++) b.push_back(BlockFor(appended + i));
      REQUIRE(core->Append(b).ok());
      appended += n;
    }
    env.Crash(&rng);
    core.reset();
    auto reopened = Core::Open("/n", options);
    if (!reopened.ok()) {
      CHECK(reopened.status().IsCorruption());
      continue;
    }
    uint64_t len = (*reopened)->length();
    CHECK(len <= appended);
    // Files lose unsynced writes independently, so a signed head may survive
    // its data: such blocks must read as Corruption, never as other bytes.
    Status all = (*reopened)->VerifyAll();
    CHECK((all.ok() || all.IsCorruption()));
    for (uint64_t i = 0; i < len; i++) {
      auto block = (*reopened)->Get(i);
      if (block.ok()) {
        CHECK(*block == BlockFor(i));
      } else {
        CHECK(block.status().IsCorruption());
      }
    }
  }
}

}  // namespace
}  // namespace bee::log
