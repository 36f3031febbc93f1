// A large flush is encoded (and its blocks hashed) on two threads unless
// CoreOptions::parallel_hashing is off: either way it must write the same
// blocks and signature. (The interop tests compare the two-thread path
// with the real hyperbee; this pins the one-thread path to it.)
#include <catch2/catch.hpp>
#include <random>

#include "btree/bee.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

TEST_CASE("a large batch writes the same blocks on one thread or two",
          "[btree]") {
  const uint64_t seed = Catch::rngSeed();
  CAPTURE(seed);
  test::FaultEnv env;
  std::unique_ptr<Bee> bees[2];
  for (int i = 0; i < 2; i++) {
    BeeOptions options;
    options.core.env = &env;
    options.core.durability = log::Durability::kNoSync;
    options.core.parallel_hashing = i == 1;
    bees[i] =
        Bee::Create("/s" + std::to_string(i),
                    log::KeyPair::FromSeed(log::Seed{}), std::nullopt, options)
            .value();
    REQUIRE(bees[i]->core().parallel_hashing() == (i == 1));
  }
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 4; round++) {
    CAPTURE(round);
    // Puts, deletes and refused cas operations over a key space small
    // enough for splits, merges and replacements.
    std::vector<std::pair<int, std::string>> ops;
    for (int j = 0; j < 700; j++) {
      ops.emplace_back(static_cast<int>(rng() % 10),
                       "k" + std::to_string(rng() % 900));
    }
    for (auto& bee : bees) {
      auto batch = bee->MakeBatch().value();
      for (const auto& [kind, key] : ops) {
        if (kind < 7) {
          REQUIRE(batch->Put(key, key + std::to_string(round)).ok());
        } else if (kind < 9) {
          REQUIRE(batch->Del(key).ok());
        } else {
          PutOptions refuse;
          refuse.cas = [](const Entry&, const Entry&) { return false; };
          REQUIRE(batch->Put(key, "no", refuse).ok());
        }
      }
      REQUIRE(batch->pending() >= 128);  // the two-thread path's size
      REQUIRE(batch->Flush().ok());
    }
    const log::Core& one = bees[0]->core();
    const log::Core& two = bees[1]->core();
    REQUIRE(one.length() == two.length());
    for (uint64_t seq = 0; seq < one.length(); seq++) {
      CAPTURE(seq);
      REQUIRE(one.Get(seq).value() == two.Get(seq).value());
    }
    CHECK(one.tree_hash() == two.tree_hash());
    CHECK(one.signature() == two.signature());
  }
}

}  // namespace
}  // namespace bee::btree
