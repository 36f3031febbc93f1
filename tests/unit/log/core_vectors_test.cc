// Replays scenarios A-E of the vectors at the log level: the same blocks in
// the same appends (and truncates) must give the same roots, tree hash, byte
// length and signature as hypercore 11.39.5 after every step.
#include <catch2/catch.hpp>

#include "log/core.h"
#include "tests/util/core_state.h"
#include "tests/util/vectors.h"

namespace bee::log {
namespace {

using nlohmann::json;
using test::Unhex;
using test::Vectors;

using test::CheckCoreState;

std::unique_ptr<Core> NewCore(const json& scenario) {
  auto seed = HexDecodeFixed<32>(scenario["seed"].get<std::string>(), "seed");
  REQUIRE(seed.ok());
  bool compat = scenario.value("compat", false);
  auto core = Core::CreateInMemory(KeyPair::FromSeed(*seed), compat);
  REQUIRE(core.ok());
  CHECK(HexEncode((*core)->key()) == scenario["key"]);
  return std::move(core).value();
}

TEST_CASE("log replays the hyperbee scenarios byte for byte", "[log]") {
  for (const json& scenario : Vectors()["scenarios"]) {
    if (!scenario.contains("steps")) continue;
    CAPTURE(scenario["name"].get<std::string>());
    auto core = NewCore(scenario);
    if (scenario.contains("discoveryKey")) {
      CHECK(HexEncode(core->discovery_key()) == scenario["discoveryKey"]);
    }
    if (scenario.contains("manifest")) {
      CHECK(HexEncode(core->manifest()) == scenario["manifest"]);
    }
    for (const json& step : scenario["steps"]) {
      CAPTURE(step["op"].get<std::string>());
      if (step["spec"][0] == "truncate") {
        REQUIRE(core->Truncate(step["spec"][1].get<uint64_t>()).ok());
      } else {
        std::vector<std::string> blocks;
        for (const json& b : step["blocks"]) blocks.push_back(Unhex(b["hex"]));
        REQUIRE(core->Append(blocks).ok());
      }
      if (step.contains("state") && !step["state"].is_null()) {
        CheckCoreState(*core, step["state"]);
      }
    }
    std::string block;
    for (uint64_t i = 0; i < core->length(); i++) {
      REQUIRE(core->Get(i, &block).ok());
      CHECK(HexEncode(block) == scenario["finalBlocks"][i]);
    }
  }
}

TEST_CASE("compat core scenario E", "[log]") {
  const json* e = nullptr;
  for (const json& s : Vectors()["scenarios"]) {
    if (s["name"] == "E") e = &s;
  }
  REQUIRE(e != nullptr);
  auto core = NewCore(*e);
  CHECK(core->compat());
  CHECK(core->manifest().empty());
  size_t state = 0;
  for (const json& raw : (*e)["rawBlocks"]) {
    std::string block = Unhex(raw);
    REQUIRE(core->Append(std::span<const std::string>(&block, 1)).ok());
    CheckCoreState(*core, (*e)["states"][state++]);
  }
  REQUIRE(core->Truncate(2).ok());
  CheckCoreState(*core, (*e)["states"][state++]);
}

TEST_CASE("empty log and bad arguments", "[log]") {
  auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  CHECK(core->length() == 0);
  CHECK(core->signature().empty());
  CHECK(HexEncode(core->tree_hash()) ==
        "bb30a42c1e62f0afda5f0a4e8a562f7a13a24cea00ee81917b86b89e801314aa");
  std::string out;
  CHECK(core->Get(0, &out).IsInvalidArgument());
  CHECK(core->Truncate(1).IsInvalidArgument());
  std::vector<std::string> none;
  REQUIRE(core->Append(none).ok());
  CHECK(core->length() == 0);
  // Truncating an empty log to 0 still signs, with the next fork.
  REQUIRE(core->Truncate(0).ok());
  CHECK(core->fork() == 1);
  CHECK(core->signature().size() == 68);
}

}  // namespace
}  // namespace bee::log
