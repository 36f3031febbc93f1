// CreateProof against the real hypercore 11.39.5 server (js/proof.js):
// random requests of every shape (block, hash, upgrade, manifest, in any
// combination, honest or not) on random logs get the same answer: the same
// data bytes, or noData with the same reason (CreateProof's Unavailable,
// NotSupported and storage errors are reason 1, or the manifest alone;
// InvalidArgument is reason 2).
#include <catch2/catch.hpp>
#include <random>

#include "log/proof.h"
#include "tests/util/node_runner.h"

namespace bee::log {
namespace {

using nlohmann::json;

// Our answer in proof.js's terms.
json Answer(const Core& core, const ProofRequest& request) {
  auto proof = CreateProof(core, request);
  if (proof.ok()) return {{"data", HexEncode(EncodeProof(*proof))}};
  if (proof.status().IsInvalidArgument()) return {{"noData", 2}};
  if (auto manifest = ManifestOnlyProof(core, request)) {
    return {{"data", HexEncode(EncodeProof(*manifest))}};
  }
  return {{"noData", 1}};
}

ProofRequest RandomRequest(std::mt19937_64& rng, const Core& core,
                           uint64_t id) {
  const uint64_t length = core.length();
  ProofRequest r;
  r.id = id;
  r.fork = rng() % 8 == 0 ? core.fork() + 1 : core.fork();
  r.manifest = rng() % 3 == 0;
  const int shape = static_cast<int>(rng() % 4);  // block, hash, both, none
  if (shape == 0 || shape == 2) {
    r.block = ProofRequest::Range{rng() % (length + 3), rng() % 8};
  }
  if (shape == 1 || shape == 2) {
    r.hash = ProofRequest::Range{rng() % (2 * length + 4), rng() % 6};
  }
  if (rng() % 2 == 0 || shape == 3) {
    const uint64_t start = rng() % (length + 2);
    const uint64_t room = start <= length ? length - start : 0;
    r.upgrade = ProofRequest::Upgrade{start, rng() % (room + 2)};
  }
  if (rng() % 4 == 0) r.priority = 1;
  return r;
}

TEST_CASE("CreateProof answers every request as hypercore does",
          "[interop][log]") {
  if (!test::NodeAvailable()) {
    WARN("BEE-SKIPPED: " << test::NodeStatus().ToString());
    return;
  }
  const uint64_t seed = Catch::rngSeed();
  std::mt19937_64 rng(seed);
  for (int run = 0; run < 4; run++) {
    CAPTURE(seed, run);
    Seed key_seed;
    for (auto& b : key_seed) b = static_cast<uint8_t>(rng());
    auto core = Core::CreateInMemory(KeyPair::FromSeed(key_seed)).value();
    json ops = json::array();
    // One or two appends (the second after a truncation at the second run).
    for (int step = 0; step < (run == 1 ? 2 : 1); step++) {
      std::vector<std::string> blocks;
      json hex = json::array();
      const uint64_t n = 1 + rng() % 70;
      for (uint64_t i = 0; i < n; i++) {
        std::string block(rng() % 20, '\0');
        for (char& ch : block) ch = static_cast<char>(rng());
        blocks.push_back(block);
        hex.push_back(HexEncode(block));
      }
      REQUIRE(core->Append(blocks).ok());
      ops.push_back({{"append", hex}});
      if (run == 1 && step == 0) {
        const uint64_t to = rng() % (core->length() + 1);
        REQUIRE(core->Truncate(to).ok());
        ops.push_back({{"truncate", to}});
      }
    }
    std::vector<ProofRequest> requests;
    json wire = json::array();
    for (uint64_t i = 0; i < 150; i++) {
      requests.push_back(RandomRequest(rng, *core, i + 1));
      wire.push_back(HexEncode(EncodeRequest(requests.back())));
    }
    auto js = test::RunNodeScript(
        "proof.js",
        {{"seed", HexEncode(key_seed)}, {"ops", ops}, {"requests", wire}});
    REQUIRE(js.ok());
    const json& answers = (*js)["answers"];
    REQUIRE(answers.size() == requests.size());
    int data = 0, unavailable = 0, invalid = 0;
    for (size_t i = 0; i < requests.size(); i++) {
      CAPTURE(i, wire[i], core->length(), core->fork());
      CHECK(Answer(*core, requests[i]) == answers[i]);
      if (answers[i].contains("data")) data++;
      if (answers[i].value("noData", 0) == 1) unavailable++;
      if (answers[i].value("noData", 0) == 2) invalid++;
    }
    // The random shapes reach every kind of answer.
    CAPTURE(data, unavailable, invalid);
    CHECK(data > 10);
    CHECK(unavailable > 3);
    CHECK(invalid > 10);
  }
}

}  // namespace
}  // namespace bee::log
