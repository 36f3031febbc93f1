// Crash a store in the middle of a flush (writes failing after a random
// count, then a random prefix of unsynced writes lost, torn included): it
// must reopen at the version before or after that flush, read exactly as
// the model at that version, and accept writes again.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "btree/verify.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

using Model = std::map<std::string, std::string>;

Model Read(const Bee& bee) {
  Model out;
  RangeIterator it(bee.GetSnapshot(), {});
  while (true) {
    auto e = it.Next();
    REQUIRE(e.ok());
    if (!e->has_value()) return out;
    out[(*e)->key] = (*e)->value.value_or("");
  }
}

BeeOptions OnFaultEnv(test::FaultEnv* env, log::Durability durability) {
  BeeOptions options;
  options.core.env = env;
  options.core.durability = durability;
  return options;
}

// A crash that tears the head of a flush whose blocks landed leaves a
// damaged slot and blocks past the verifiable head: a writable open refuses
// (the flush might have been acknowledged) until the store is repaired.
Result<std::unique_ptr<Bee>> OpenOrRepair(const std::string& dir,
                                          const BeeOptions& options) {
  auto bee = Bee::Open(dir, options);
  if (bee.ok() ||
      bee.status().message().find("bee repair") == std::string::npos) {
    return bee;
  }
  auto repaired = RepairStore(dir, options);
  if (!repaired.ok()) return repaired.status();
  return Bee::Open(dir, options);
}

TEST_CASE("a store crashed mid-flush reopens at a flush boundary", "[crash]") {
  const uint64_t seed = Catch::rngSeed();
  for (int round = 0; round < 40; round++) {
    CAPTURE(seed, round);
    std::mt19937_64 rng(seed * 31 + static_cast<uint64_t>(round));
    test::FaultEnv env;
    const BeeOptions options = OnFaultEnv(&env, log::Durability::kSync);
    auto bee = Bee::Create("/b", log::KeyPair::FromSeed(log::Seed{}),
                           std::nullopt, options)
                   .value();
    Model model;
    auto batch_ops = [&](Model* m, size_t n) {
      auto batch = bee->MakeBatch().value();
      for (size_t i = 0; i < n; i++) {
        std::string key = "k" + std::to_string(rng() % 60);
        if (rng() % 4 == 0) {
          REQUIRE(batch->Del(key).ok());
          m->erase(key);
        } else {
          std::string value = std::to_string(rng());
          REQUIRE(batch->Put(key, value).ok());
          (*m)[key] = value;
        }
      }
      return batch;
    };
    for (int i = 0; i < 1 + static_cast<int>(rng() % 10); i++) {
      REQUIRE(batch_ops(&model, 1 + rng() % 20)->Flush().ok());
    }
    uint64_t before = bee->version();
    Model next = model;
    auto batch = batch_ops(&next, 1 + rng() % 20);
    bool writes = batch->pending() > 0;  // only absent-key dels: nothing
    env.FailWritesAfter(static_cast<int64_t>(rng() % 8));
    bool landed = batch->Flush().ok() && writes;
    batch.reset();
    env.Crash(&rng);
    bee.reset();

    auto reopened = OpenOrRepair("/b", options);
    REQUIRE(reopened.ok());
    uint64_t v = (*reopened)->version();
    if (landed) CHECK(v > before);
    if (v == before) {
      CHECK(Read(**reopened) == model);
    } else {
      CHECK(Read(**reopened) == next);
    }
    CHECK((*reopened)->Checkout(v).ok());
    REQUIRE((*reopened)->Put("after", "crash").ok());
    CHECK((*reopened)->Get("after")->value().value == "crash");
  }
}

// A large flush hands its blocks to the block cache while they are hashed,
// before the append commits: when the append then fails, the store must
// forget them, or the next batch (written to the same seqs) would read
// them back.
TEST_CASE("a failed flush leaves the open store as it was, and writable",
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
