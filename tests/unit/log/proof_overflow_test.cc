// Proof numbers are peer-supplied: lengths and indexes near 2^64 must be
// refused by range checks, never wrap into small ones (FORMAT.md §16).
#include <catch2/catch.hpp>

#include "log/proof.h"
#include "tests/util/fault_env.h"

namespace bee::log {
namespace {

std::unique_ptr<Core> SmallLog() {
  auto core = Core::CreateInMemory(KeyPair::Random()).value();
  REQUIRE(core->Append(std::vector<std::string>{"a", "b", "c", "d", "e"}).ok());
  return core;
}

std::unique_ptr<Core> EmptyReplica(const Core& source, test::FaultEnv* env) {
  CoreOptions options;
  options.env = env;
  return Core::CreateReplica("/replica", source.key(), source.manifest(),
                             options)
      .value();
}

// An upgrade from an empty replica whose length doubles past 2^64.
Proof WrappingUpgrade(const Core& core, uint64_t length) {
  Proof proof;
  proof.fork = core.fork();
  proof.upgrade.emplace();
  proof.upgrade->start = 0;
  proof.upgrade->length = length;
  proof.upgrade->signature = core.signature();
  return proof;
}

TEST_CASE("an upgrade whose length wraps is refused", "[log][hostile]") {
  auto core = SmallLog();
  test::FaultEnv env;
  auto replica = EmptyReplica(*core, &env);
  for (uint64_t length : {uint64_t{1} << 63, (uint64_t{1} << 63) + 2,
                          ~uint64_t{0}, uint64_t{1} << 62}) {
    CAPTURE(length);
    Status s = ApplyProof(replica.get(), WrappingUpgrade(*core, length));
    CHECK(s.IsVerificationFailed());
    CHECK(s.ToString().find("upgrade length") != std::string::npos);
    CHECK(replica->length() == 0);
  }
}

TEST_CASE("an additional node past the flat-tree range is refused",
          "[log][hostile]") {
  auto core = SmallLog();
  test::FaultEnv env;
  auto replica = EmptyReplica(*core, &env);
  ProofRequest request;
  request.fork = core->fork();
  request.upgrade = ProofRequest::Upgrade{0, 4};
  Proof proof = CreateProof(*core, request).value();
  REQUIRE_FALSE(proof.upgrade->additional_nodes.empty());
  // A node whose span would make the upgraded length wrap.
  proof.upgrade->additional_nodes.back().index = ~uint64_t{0} - 1;
  Status s = ApplyProof(replica.get(), proof);
  CHECK(s.IsVerificationFailed());
  CHECK(s.ToString().find("is out of range") != std::string::npos);
  CHECK(replica->length() == 0);
}

TEST_CASE("merkle node sizes whose sum wraps are refused", "[log][hostile]") {
  auto core = SmallLog();
  for (int tampered = 0; tampered < 2; tampered++) {
    CAPTURE(tampered);
    test::FaultEnv env;
    auto replica = EmptyReplica(*core, &env);
    Proof proof = CreateProof(*core, MakeRequest(*replica, 0, 5)).value();
    // The block's sibling, or an upgrade node: either way a parent's size.
    std::vector<TreeNode>& nodes =
        tampered == 0 ? proof.block->nodes : proof.upgrade->nodes;
    REQUIRE_FALSE(nodes.empty());
    nodes.front().size = ~uint64_t{0};
    Status s = ApplyProof(replica.get(), proof);
    CHECK(s.IsVerificationFailed());
    CHECK(s.ToString().find("overflow") != std::string::npos);
    CHECK(replica->length() == 0);
  }
}

TEST_CASE("a block index past the flat-tree range is refused",
          "[log][hostile]") {
  auto core = SmallLog();
  test::FaultEnv env;
  auto replica = EmptyReplica(*core, &env);
  Proof proof = WrappingUpgrade(*core, 5);
  proof.block.emplace();
  proof.block->index = ~uint64_t{0} / 2;
  proof.block->value = "x";
  Status s = ApplyProof(replica.get(), proof);
  CHECK(s.IsVerificationFailed());
  CHECK(s.ToString().find("block index") != std::string::npos);
  CHECK(replica->length() == 0);
}

TEST_CASE("a block path longer than a 64-bit tree is refused",
          "[log][hostile]") {
  auto core = SmallLog();
  test::FaultEnv env;
  auto replica = EmptyReplica(*core, &env);
  Proof proof;
  proof.fork = core->fork();
  proof.block.emplace();
  proof.block->index = 0;
  proof.block->value = "a";
  // The sibling of the node at depth d, offset 0, for every d of a 64-bit
  // index: a climb that trusts the count shifts past 64 bits.
  for (int depth = 0; depth < 64; depth++) {
    TreeNode sibling;
    sibling.index = (uint64_t{3} << depth) - 1;
    proof.block->nodes.push_back(sibling);
  }
  Status s = ApplyProof(replica.get(), proof);
  CHECK(s.IsVerificationFailed());
  CHECK(replica->length() == 0);
}

TEST_CASE("a proof request whose upgrade end wraps is refused",
          "[log][hostile]") {
  auto core = SmallLog();
  ProofRequest request;
  request.fork = core->fork();
  request.upgrade = ProofRequest::Upgrade{~uint64_t{0}, 2};
  auto proof = CreateProof(*core, request);
  CHECK(proof.status().IsInvalidArgument());
  request.upgrade = ProofRequest::Upgrade{3, ~uint64_t{0} - 1};
  CHECK(CreateProof(*core, request).status().IsInvalidArgument());
  request.upgrade = ProofRequest::Upgrade{2, 3};
  CHECK(CreateProof(*core, request).ok());
}

}  // namespace
}  // namespace bee::log
