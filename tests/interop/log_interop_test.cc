// The log against the real hypercore 11.39.5: fresh random append/truncate
// sequences, default (v1 manifest) and compat cores; every figure after
// every step must be equal.
#include <catch2/catch.hpp>
#include <random>

#include "log/core.h"
#include "tests/util/core_state.h"
#include "tests/util/node_runner.h"

namespace bee::log {
namespace {

using nlohmann::json;

std::string RandomHex(std::mt19937_64& rng, size_t max_len) {
  std::string bytes(rng() % (max_len + 1), '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return HexEncode(bytes);
}

using test::CheckCoreState;

TEST_CASE("log equals hypercore on random append/truncate sequences",
          "[interop]") {
  const uint64_t seed = Catch::rngSeed();
  std::mt19937_64 rng(seed);
  for (int run = 0; run < 6; run++) {
    bool compat = run % 3 == 2;
    CAPTURE(seed, run, compat);
    Seed key_seed;
    for (auto& b : key_seed) b = static_cast<uint8_t>(rng());
    json program = {{"seed", HexEncode(key_seed)}, {"compat", compat}};
    json ops = json::array();
    uint64_t length = 0;
    for (int i = 0; i < 40; i++) {
      if (length > 0 && rng() % 8 == 0) {
        uint64_t to = rng() % (length + 1);
        ops.push_back({{"truncate", to}});
        length = to;
      } else {
        json blocks = json::array();
        uint64_t n = 1 + rng() % (rng() % 4 == 0 ? 60 : 4);
        for (uint64_t b = 0; b < n; b++) blocks.push_back(RandomHex(rng, 300));
        ops.push_back({{"append", blocks}});
        length += n;
      }
    }
    program["ops"] = ops;
    auto js = test::RunNodeScript("core.js", program);
    REQUIRE(js.ok());

    auto core =
        Core::CreateInMemory(KeyPair::FromSeed(key_seed), compat).value();
    CHECK(HexEncode(core->key()) == (*js)["key"]);
    CHECK(HexEncode(core->discovery_key()) == (*js)["discoveryKey"]);
    for (size_t i = 0; i < ops.size(); i++) {
      CAPTURE(i, ops[i].dump().substr(0, 80));
      if (ops[i].contains("truncate")) {
        REQUIRE(core->Truncate(ops[i]["truncate"].get<uint64_t>()).ok());
      } else {
        std::vector<std::string> blocks;
        for (const json& h : ops[i]["append"]) {
          blocks.push_back(HexDecode(h.get<std::string>()).value());
        }
        REQUIRE(core->Append(blocks).ok());
      }
      CheckCoreState(*core, (*js)["states"][i]);
    }
  }
}

}  // namespace
}  // namespace bee::log
