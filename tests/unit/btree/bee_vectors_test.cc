// Byte compatibility with hyperbee 2.27.3: scenarios A-D of the recorded
// vectors replayed through the public API must produce every block, the tree
// hash, the byte length and the signature exactly.
#include <catch2/catch.hpp>

#include "btree/bee.h"
#include "tests/util/bee_replay.h"
#include "tests/util/vectors.h"

namespace bee::btree {
namespace {

using nlohmann::json;
using test::Vectors;

using test::ApplyRecordedOp;
using test::NewScenarioBee;
using test::Scenario;

void CheckFinal(const Bee& bee, const json& scenario) {
  const json& final = scenario["final"];
  const log::Core& core = bee.core();
  REQUIRE(core.length() == final["length"].get<uint64_t>());
  std::string block;
  for (uint64_t i = 0; i < core.length(); i++) {
    CAPTURE(i);
    REQUIRE(core.Get(i, &block).ok());
    CHECK(HexEncode(block) == scenario["finalBlocks"][i]);
  }
  CHECK(core.byte_length() == final["byteLength"].get<uint64_t>());
  CHECK(core.fork() == final["fork"].get<uint64_t>());
  CHECK(HexEncode(core.tree_hash()) == final["treeHash"]);
  CHECK(HexEncode(core.signature()) == final["signature"]);
}

TEST_CASE("scenarios A and B: every step's blocks and signature", "[btree]") {
  for (const char* name : {"A", "B"}) {
    const json& scenario = Scenario(name);
    CAPTURE(name);
    auto bee = NewScenarioBee(scenario);
    CHECK(HexEncode(bee->core().key()) == scenario["key"]);
    for (const json& step : scenario["steps"]) {
      CAPTURE(step["op"].get<std::string>());
      uint64_t before = bee->core().length();
      REQUIRE(ApplyRecordedOp(bee.get(), step["spec"], true));
      // The first write appends the header (block 0) first, as hyperbee's.
      for (const json& b : step["blocks"]) {
        uint64_t seq = b["seq"].get<uint64_t>();
        CAPTURE(seq);
        REQUIRE(seq < bee->core().length());
        CHECK(HexEncode(bee->core().Get(seq).value()) == b["hex"]);
      }
      if (step["spec"][0] != "truncate") {
        CHECK(bee->core().length() - before == step["blocks"].size());
      }
      if (step.contains("state") && !step["state"].is_null()) {
        CHECK(HexEncode(bee->core().signature()) == step["state"]["signature"]);
      }
    }
    CheckFinal(*bee, scenario);
  }
}

TEST_CASE("scenarios C and D: random workloads with batches and cas",
          "[btree]") {
  for (const char* name : {"C", "D"}) {
    const json& scenario = Scenario(name);
    CAPTURE(name);
    auto bee = NewScenarioBee(scenario);
    CHECK(HexEncode(bee->core().key()) == scenario["key"]);
    size_t i = 0;
    for (const json& op : scenario["ops"]) {
      CAPTURE(i++, op.dump());
      REQUIRE(ApplyRecordedOp(bee.get(), op, false));
    }
    CheckFinal(*bee, scenario);
  }
}

TEST_CASE("scenario C's live entries are what get returns", "[btree]") {
  const json& scenario = Scenario("C");
  auto bee = NewScenarioBee(scenario);
  for (const json& op : scenario["ops"]) ApplyRecordedOp(bee.get(), op, false);
  for (const json& e : scenario["liveEntries"]) {
    auto got = bee->Get(e[1].get<std::string>());
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK((*got)->seq == e[0].get<uint64_t>());
    CHECK((*got)->value == e[2].get<std::string>());
  }
}

}  // namespace
}  // namespace bee::btree

namespace bee::btree {
namespace {

// Scenario C's single operations, grouped into batches of separate blocks,
// must write exactly the same log (only fewer signatures are made).
TEST_CASE("separate-block batches write the blocks of single operations",
          "[btree]") {
  const nlohmann::json& scenario = test::Scenario("C");
  auto bee = test::NewScenarioBee(scenario);
  std::unique_ptr<Batch> group;
  for (const nlohmann::json& op : scenario["ops"]) {
    if (op[0] == "batch") {
      if (group) REQUIRE(group->Flush().ok());
      group.reset();
      REQUIRE(test::ApplyRecordedOp(bee.get(), op, false));
      continue;
    }
    if (!group) group = bee->MakeBatch(BatchOptions{true}).value();
    std::string key = op[1];
    if (op[0] == "put") {
      std::string value = op[2];
      REQUIRE(group->Put(key, value).ok());
    } else {
      REQUIRE(group->Del(key).ok());
    }
  }
  if (group) REQUIRE(group->Flush().ok());
  CheckFinal(*bee, scenario);
}

}  // namespace
}  // namespace bee::btree
