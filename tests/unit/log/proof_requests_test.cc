// CreateProof's request shapes and refusals (PROTOCOL.md §7.3-7.4): the
// worked examples of hash and combined requests, and which Status each bad
// request gets, as documented in log/proof.h (Unavailable: noData reason 1;
// InvalidArgument: reason 2). tests/interop/proof_interop_test.cc checks the
// same against the real hypercore on random requests.
#include <catch2/catch.hpp>

#include "log/proof.h"
#include "tests/util/fault_env.h"

namespace bee::log {
namespace {

// The recorded sessions' core: seed 01…01, blocks "block-00".."block-49".
std::unique_ptr<Core> SessionCore(bool compat = false) {
  Seed seed;
  seed.fill(1);
  auto core = Core::CreateInMemory(KeyPair::FromSeed(seed), compat).value();
  std::vector<std::string> blocks;
  for (int i = 0; i < 50; i++) {
    blocks.push_back((i < 10 ? "block-0" : "block-") + std::to_string(i));
  }
  REQUIRE(core->Append(blocks).ok());
  return core;
}

std::vector<uint64_t> Indexes(const std::vector<TreeNode>& nodes) {
  std::vector<uint64_t> out;
  for (const TreeNode& n : nodes) out.push_back(n.index);
  return out;
}

ProofRequest Block(uint64_t index, uint64_t nodes) {
  ProofRequest r;
  r.id = 7;
  r.block = ProofRequest::Range{index, nodes};
  return r;
}

ProofRequest Hash(uint64_t index, uint64_t nodes) {
  ProofRequest r;
  r.id = 7;
  r.hash = ProofRequest::Range{index, nodes};
  return r;
}

TEST_CASE("a hash request gets the node, then its path", "[log][proof]") {
  auto core = SessionCore();
  // PROTOCOL.md §7.4: hash 14, nodes 2 -> [14, 12, 9].
  Proof proof = CreateProof(*core, Hash(14, 2)).value();
  REQUIRE(proof.hash);
  CHECK_FALSE(proof.block);
  CHECK(proof.request == 7);
  CHECK(proof.hash->index == 14);
  CHECK(Indexes(proof.hash->nodes) == std::vector<uint64_t>{14, 12, 9});
  for (const TreeNode& n : proof.hash->nodes) {
    CHECK(n == core->GetNode(n.index).value());
  }
  // nodes 0: the node alone; a parent node works as well as a leaf.
  CHECK(Indexes(CreateProof(*core, Hash(14, 0)).value().hash->nodes) ==
        std::vector<uint64_t>{14});
  CHECK(Indexes(CreateProof(*core, Hash(19, 1)).value().hash->nodes) ==
        std::vector<uint64_t>{19, 27});
  // Its wire form: flags 2 (hash), and the data round-trips.
  const std::string wire = EncodeProof(proof);
  CHECK(static_cast<uint8_t>(wire[0]) == 2);
  CHECK(EncodeProof(DecodeProof(wire).value()) == wire);
}

TEST_CASE("a hash request reaching an upgrade joins its nodes",
          "[log][proof]") {
  auto core = SessionCore();
  // Node 41 (blocks 20-21) with upgrade 20->30: the node and its path
  // replace the upgrade node that holds it; `nodes` does not apply.
  ProofRequest r = Hash(41, 9);
  r.upgrade = ProofRequest::Upgrade{20, 10};
  Proof proof = CreateProof(*core, r).value();
  REQUIRE(proof.hash);
  REQUIRE(proof.upgrade);
  CHECK(Indexes(proof.hash->nodes) == std::vector<uint64_t>{41, 45});
  CHECK(Indexes(proof.upgrade->nodes) == std::vector<uint64_t>{51, 57});
  CHECK(Indexes(proof.upgrade->additional_nodes) ==
        std::vector<uint64_t>{61, 79, 97});
}

TEST_CASE("a block with an upgrade follows the worked example",
          "[log][proof]") {
  auto core = SessionCore();
  // PROTOCOL.md §7.4: block 5 + upgrade 0->20 on a 50-block core.
  ProofRequest r = Block(5, 0);
  r.upgrade = ProofRequest::Upgrade{0, 20};
  r.manifest = true;
  Proof proof = CreateProof(*core, r).value();
  REQUIRE(proof.block);
  CHECK(proof.block->value == "block-05");
  CHECK(Indexes(proof.block->nodes) == std::vector<uint64_t>{8, 13, 3, 23});
  CHECK(Indexes(proof.upgrade->nodes) == std::vector<uint64_t>{35});
  CHECK(Indexes(proof.upgrade->additional_nodes) ==
        std::vector<uint64_t>{43, 55, 79, 97});
  CHECK(proof.upgrade->signature == core->signature());
  CHECK(proof.manifest == core->manifest());
}

TEST_CASE("a block and a hash in one request: the block is answered",
          "[log][proof]") {
  auto core = SessionCore();
  ProofRequest r = Block(17, 5);
  r.hash = ProofRequest::Range{14, 2};
  Proof proof = CreateProof(*core, r).value();
  CHECK(proof.block);
  CHECK_FALSE(proof.hash);
  CHECK(Indexes(proof.block->nodes) ==
        std::vector<uint64_t>{32, 37, 43, 55, 15});
}

TEST_CASE("a manifest-only request gets the manifest alone", "[log][proof]") {
  auto core = SessionCore();
  ProofRequest r;
  r.id = 3;
  r.manifest = true;
  Proof proof = CreateProof(*core, r).value();
  CHECK_FALSE(proof.block);
  CHECK_FALSE(proof.upgrade);
  CHECK(proof.manifest == core->manifest());
  // data flags 16 (manifest), request 3, fork 0 (PROTOCOL.md §7.4 rule 4).
  CHECK(HexEncode(EncodeProof(proof).substr(0, 3)) == "100300");
  // A compat core has no manifest to send.
  auto compat = SessionCore(true);
  CHECK_FALSE(CreateProof(*compat, r).value().manifest);
}

TEST_CASE("an empty log answers with no part", "[log][proof]") {
  auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  ProofRequest r;
  r.upgrade = ProofRequest::Upgrade{0, 5};
  r.manifest = true;
  Proof proof = CreateProof(*core, r).value();
  CHECK_FALSE(proof.upgrade);
  CHECK(proof.manifest == core->manifest());
  // A block is not held: unavailable.
  CHECK(CreateProof(*core, Block(0, 0)).status().IsUnavailable());
}

// The requests no log of this length could answer: noData reason 2.
TEST_CASE("invalid requests are InvalidArgument", "[log][proof]") {
  auto core = SessionCore();
  struct Case {
    const char* what;
    ProofRequest request;
    const char* message;
  };
  std::vector<Case> cases;
  ProofRequest r;
  r.upgrade = ProofRequest::Upgrade{10, 0};
  cases.push_back({"empty upgrade", r, "is beyond length"});
  r.upgrade = ProofRequest::Upgrade{40, 11};
  cases.push_back({"upgrade past the length", r, "is beyond length"});
  r.upgrade = ProofRequest::Upgrade{51, 1};
  cases.push_back({"upgrade from past the length", r, "is beyond length"});
  // Block 17's sixth ancestor (63) spans past block 49.
  cases.push_back({"block nodes out of the tree", Block(17, 6), "climbs out"});
  // Below the upgrade's start, `nodes` must stay inside start + length.
  r = Block(5, 5);
  r.upgrade = ProofRequest::Upgrade{10, 10};
  cases.push_back({"block nodes out of the upgrade", r, "climbs out"});
  r = Block(30, 0);
  r.upgrade = ProofRequest::Upgrade{0, 20};
  cases.push_back({"block past the upgrade", r, "past the end"});
  r = Hash(14, 4);
  r.upgrade = ProofRequest::Upgrade{10, 5};
  cases.push_back({"hash nodes out of the upgrade", r, "climbs out"});
  r = Hash(45, 0);
  r.upgrade = ProofRequest::Upgrade{20, 1};
  cases.push_back({"hash past the upgrade", r, "past the end"});
  cases.push_back({"hash node past the tree", Hash(100, 0), "not in the tree"});
  cases.push_back(
      {"hash node spanning past the tree", Hash(95, 0), "not in the tree"});
  cases.push_back(
      {"hash node far out", Hash(~uint64_t{0}, 3), "not in the tree"});
  for (const Case& c : cases) {
    CAPTURE(c.what);
    auto proof = CreateProof(*core, c.request);
    CHECK(proof.status().IsInvalidArgument());
    CHECK_THAT(proof.status().message(), Catch::Contains(c.message));
  }
}

// What this log cannot serve, whatever the shape: noData reason 1.
TEST_CASE("unavailable requests are Unavailable", "[log][proof]") {
  auto core = SessionCore();
  ProofRequest other_fork = Block(3, 0);
  other_fork.fork = 1;
  other_fork.manifest = true;
  auto proof = CreateProof(*core, other_fork);
  CHECK(proof.status().IsUnavailable());
  CHECK_THAT(proof.status().message(), Catch::Contains("fork 1"));
  // Hypercore sends the manifest alone instead, when asked for.
  std::optional<Proof> manifest = ManifestOnlyProof(*core, other_fork);
  REQUIRE(manifest);
  CHECK(manifest->request == 7);
  CHECK(manifest->fork == 0);
  CHECK(manifest->manifest == core->manifest());
  CHECK_FALSE(manifest->block);
  other_fork.manifest = false;
  CHECK_FALSE(ManifestOnlyProof(*core, other_fork));
  CHECK_FALSE(ManifestOnlyProof(*SessionCore(true), Block(0, 0)));

  // Past the length: not held (hypercore checks its bitfield first).
  proof = CreateProof(*core, Block(50, 0));
  CHECK(proof.status().IsUnavailable());
  CHECK_THAT(proof.status().message(), Catch::Contains("beyond the log"));
  // Unavailable wins over invalid: block 60 with an empty upgrade.
  ProofRequest both = Block(60, 0);
  both.upgrade = ProofRequest::Upgrade{0, 0};
  CHECK(CreateProof(*core, both).status().IsUnavailable());

  // A replica lacks blocks and nodes.
  test::FaultEnv env;
  CoreOptions options;
  options.env = &env;
  auto replica =
      Core::CreateReplica("/r", core->key(), core->manifest(), options).value();
  auto fetch = [&](std::optional<uint64_t> block) {
    REQUIRE(
        ApplyProof(replica.get(),
                   CreateProof(*core, MakeRequest(*replica, block, 50)).value())
            .ok());
  };
  fetch(std::nullopt);
  fetch(17);
  proof = CreateProof(*replica, Block(16, 0));
  CHECK(proof.status().IsUnavailable());
  CHECK_THAT(proof.status().message(), Catch::Contains("not stored"));
  // The replica serves what it holds...
  CHECK(Indexes(CreateProof(*replica, Block(17, 5)).value().block->nodes) ==
        std::vector<uint64_t>{32, 37, 43, 55, 15});
  // ...but not a node it never received.
  CHECK(CreateProof(*replica, Hash(2, 0)).status().IsUnavailable());
}

TEST_CASE("seek requests are NotSupported", "[log][proof]") {
  auto core = SessionCore();
  ProofRequest r;
  r.seek = ProofRequest::Seek{100, 0};
  CHECK(CreateProof(*core, r).status().IsNotSupported());
}

}  // namespace
}  // namespace bee::log
