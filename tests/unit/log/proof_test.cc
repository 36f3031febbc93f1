// Proofs: wire bytes pinned by the recorded hypercore proofs, proof creation
// equal to hypercore's for the same request, and verification that accepts
// honest proofs and rejects every tampered one without storing anything.
#include "log/proof.h"

#include <catch2/catch.hpp>
#include <random>

#include "log/flat_tree.h"
#include "tests/util/fault_env.h"
#include "tests/util/vectors.h"

namespace bee::log {
namespace {

using nlohmann::json;
using test::Unhex;
using test::Vectors;

const json& ScenarioA() { return Vectors()["scenarios"][0]; }

// Scenario A's log as it was when the proofs were recorded (length 46).
std::unique_ptr<Core> ScenarioALog() {
  auto seed =
      HexDecodeFixed<32>(ScenarioA()["seed"].get<std::string>(), "seed");
  auto core = Core::CreateInMemory(KeyPair::FromSeed(*seed)).value();
  for (const json& step : ScenarioA()["steps"]) {
    if (step["spec"][0] == "truncate") break;
    std::vector<std::string> blocks;
    for (const json& b : step["blocks"]) blocks.push_back(Unhex(b["hex"]));
    REQUIRE(core->Append(blocks).ok());
  }
  REQUIRE(core->length() == 46);
  return core;
}

std::unique_ptr<Core> NewReplica(const Core& source, test::FaultEnv* env) {
  CoreOptions options;
  options.env = env;
  auto replica =
      Core::CreateReplica("/replica", source.key(), source.manifest(), options);
  REQUIRE(replica.ok());
  return std::move(replica).value();
}

TEST_CASE("recorded proof messages decode and re-encode byte for byte",
          "[log]") {
  for (const json& p : ScenarioA()["proofs"]) {
    std::string wire_request = Unhex(p["wireRequest"]);
    auto request = DecodeRequest(wire_request);
    REQUIRE(request.ok());
    CHECK(EncodeRequest(*request) == wire_request);
    std::string wire_data = Unhex(p["wireData"]);
    auto proof = DecodeProof(wire_data);
    REQUIRE(proof.ok());
    CHECK(EncodeProof(*proof) == wire_data);
    if (!p["block"].is_null()) {
      REQUIRE(proof->block);
      CHECK(proof->block->index == p["block"]["index"].get<uint64_t>());
      CHECK(HexEncode(proof->block->value) == p["block"]["value"]);
      REQUIRE(proof->block->nodes.size() == p["block"]["nodes"].size());
    }
    // Every strict prefix is malformed, never a crash.
    for (size_t n = 0; n < wire_data.size(); n += 7) {
      CHECK_FALSE(DecodeProof(wire_data.substr(0, n)).ok());
    }
    CHECK_FALSE(DecodeProof(wire_data + "x").ok());
  }
}

TEST_CASE("our proofs equal hypercore's for the recorded requests", "[log]") {
  auto core = ScenarioALog();
  for (const json& p : ScenarioA()["proofs"]) {
    auto request = DecodeRequest(Unhex(p["wireRequest"])).value();
    auto proof = CreateProof(*core, request);
    REQUIRE(proof.ok());
    CHECK(HexEncode(EncodeProof(*proof)) == p["wireData"]);
  }
}

TEST_CASE("a replica verifies blocks from the key alone", "[log]") {
  auto core = ScenarioALog();
  test::FaultEnv env;
  auto replica = NewReplica(*core, &env);
  CHECK(replica->length() == 0);
  CHECK_FALSE(replica->writable());

  // Block 5 with an upgrade to length 20, as in FORMAT.md §16.2.
  auto req = MakeRequest(*replica, 5, 20);
  REQUIRE(req.upgrade);
  auto proof = CreateProof(*core, req).value();
  REQUIRE(ApplyProof(replica.get(), proof).ok());
  // The responder is at 46, so additional nodes take the replica there.
  CHECK(replica->length() == 46);
  CHECK(replica->signature() == core->signature());
  CHECK(replica->Get(5).value() == core->Get(5).value());
  CHECK(replica->Get(4).status().IsUnavailable());

  // Follow-up requests ask only for what is missing.
  for (uint64_t b : {4u, 12u, 16u, 19u, 44u}) {
    CAPTURE(b);
    auto r = MakeRequest(*replica, b, 46);
    CHECK_FALSE(r.upgrade);
    REQUIRE(ApplyProof(replica.get(), CreateProof(*core, r).value()).ok());
    CHECK(replica->Get(b).value() == core->Get(b).value());
  }
  // A reopened replica keeps what it verified.
  replica.reset();
  CoreOptions options;
  options.env = &env;
  auto again = Core::Open("/replica", options).value();
  CHECK(again->length() == 46);
  CHECK(again->Get(12).value() == core->Get(12).value());
  CHECK(again->Get(13).status().IsUnavailable());
}

TEST_CASE("tampered proofs are rejected and store nothing", "[log]") {
  auto core = ScenarioALog();
  ProofRequest request;
  request.block = ProofRequest::Range{30, 0};
  request.upgrade = ProofRequest::Upgrade{0, 46};
  const Proof honest = CreateProof(*core, request).value();

  std::vector<std::pair<const char*, Proof>> bad;
  {
    Proof p = honest;
    p.block->value[3] ^= 1;
    bad.emplace_back("block value", p);
  }
  {
    Proof p = honest;
    p.block->nodes[1].hash[0] ^= 1;
    bad.emplace_back("uncle hash", p);
  }
  {
    Proof p = honest;
    p.block->nodes[0].index += 2;
    bad.emplace_back("uncle index", p);
  }
  {
    Proof p = honest;
    p.upgrade->nodes[0].size += 1;
    bad.emplace_back("upgrade node size", p);
  }
  {
    Proof p = honest;
    p.upgrade->signature[10] ^= 1;
    bad.emplace_back("signature", p);
  }
  {
    Proof p = honest;
    p.fork = 1;
    bad.emplace_back("fork", p);
  }
  {
    Proof p = honest;
    p.upgrade->nodes.push_back(p.upgrade->nodes.back());
    p.upgrade->nodes.back().index = 101;
    bad.emplace_back("extra node", p);
  }
  {
    Proof p = honest;
    p.upgrade->nodes.pop_back();
    bad.emplace_back("missing node", p);
  }
  {
    Proof p = honest;
    p.upgrade->start = 3;
    bad.emplace_back("wrong start", p);
  }
  for (const auto& [what, proof] : bad) {
    CAPTURE(what);
    test::FaultEnv env;
    auto replica = NewReplica(*core, &env);
    Status s = ApplyProof(replica.get(), proof);
    CHECK_FALSE(s.ok());
    CHECK((s.IsVerificationFailed() || s.IsCorruption()));
    CHECK(replica->length() == 0);
    CHECK_FALSE(replica->Has(30));
  }
  test::FaultEnv env;
  auto replica = NewReplica(*core, &env);
  REQUIRE(ApplyProof(replica.get(), honest).ok());
  CHECK(replica->Get(30).value() == core->Get(30).value());
  // A replica of another key rejects the same honest proof.
  auto other = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  test::FaultEnv env2;
  CoreOptions options;
  options.env = &env2;
  auto wrong =
      Core::CreateReplica("/w", other->key(), other->manifest(), options)
          .value();
  CHECK(ApplyProof(wrong.get(), honest).IsVerificationFailed());
  // A manifest that does not hash to the key is refused up front.
  test::FaultEnv env3;
  options.env = &env3;
  CHECK(Core::CreateReplica("/m", core->key(), other->manifest(), options)
            .status()
            .IsVerificationFailed());
}

TEST_CASE("a block outside an upgrade must chain to what the replica holds",
          "[log]") {
  auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  auto blocks = [](int first, int n) {
    std::vector<std::string> out;
    for (int i = first; i < first + n; i++) out.push_back(std::to_string(i));
    return out;
  };
  REQUIRE(core->Append(blocks(0, 20)).ok());
  test::FaultEnv env;
  auto replica = NewReplica(*core, &env);
  auto first = MakeRequest(*replica, 5, 20);
  REQUIRE(ApplyProof(replica.get(), CreateProof(*core, first).value()).ok());
  REQUIRE(replica->length() == 20);
  REQUIRE(core->Append(blocks(20, 26)).ok());
  // Block 3 lies below the replica's length: an upgrade to 46 does not
  // cover its path, so the path must hash up to a stored node.
  auto request = MakeRequest(*replica, 3, 46);
  REQUIRE(request.upgrade);
  const Proof honest = CreateProof(*core, request).value();
  Proof forged = honest;
  forged.block->value = "forged";
  for (TreeNode& n : forged.block->nodes) n.hash[0] ^= 1;
  std::string tree_before = env.Contents("/replica/tree");
  Status s = ApplyProof(replica.get(), forged);
  CHECK(s.IsVerificationFailed());
  CHECK(replica->length() == 20);
  CHECK_FALSE(replica->Has(3));
  CHECK(env.Contents("/replica/tree") == tree_before);
  REQUIRE(ApplyProof(replica.get(), honest).ok());
  CHECK(replica->length() == 46);
  CHECK(replica->Get(3).value() == core->Get(3).value());
  CHECK(replica->Get(5).value() == core->Get(5).value());
  REQUIRE(replica->VerifyAll().ok());
}

TEST_CASE("random sparse fetches verify against random logs", "[log]") {
  const uint64_t seed = Catch::rngSeed();
  std::mt19937_64 rng(seed);
  CAPTURE(seed);
  for (int round = 0; round < 20; round++) {
    CAPTURE(round);
    auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
    test::FaultEnv env;
    auto replica = NewReplica(*core, &env);
    uint64_t n = 0;
    for (int appends = 0; appends < 6; appends++) {
      std::vector<std::string> blocks;
      uint64_t k = 1 + rng() % 40;
      for (uint64_t i = 0; i < k; i++) {
        blocks.push_back(
            std::string(rng() % 50, static_cast<char>('a' + (n + i) % 26)));
      }
      REQUIRE(core->Append(blocks).ok());
      n += k;
      for (int fetch = 0; fetch < 4; fetch++) {
        uint64_t b = rng() % n;
        auto req = MakeRequest(*replica, b, rng() % 2 ? n : replica->length());
        if (b >= replica->length() && !req.upgrade) continue;
        auto proof = CreateProof(*core, req);
        REQUIRE(proof.ok());
        // Through the wire and back, as a peer would receive it.
        auto received = DecodeProof(EncodeProof(*proof));
        REQUIRE(received.ok());
        REQUIRE(ApplyProof(replica.get(), *received).ok());
        CHECK(replica->Get(b).value() == core->Get(b).value());
      }
    }
  }
}

}  // namespace
}  // namespace bee::log
