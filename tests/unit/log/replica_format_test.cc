// A replica's own bytes and refusals: the `bitfield` file (docs/FORMAT.md
// §1.5) pinned byte for byte, seek requests refused with NotSupported, and
// proofs with hash or seek parts (§3) refused, storing nothing.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "log/proof.h"
#include "tests/util/fault_env.h"

namespace bee::log {
namespace {

struct Pair {
  test::FaultEnv env;
  std::unique_ptr<Core> source, replica;
  // A 20-block log and an empty replica of it in `env` at /r.
  Pair() {
    Seed seed;
    seed.fill(3);
    source = Core::CreateInMemory(KeyPair::FromSeed(seed)).value();
    std::vector<std::string> blocks;
    for (int i = 0; i < 20; i++) blocks.push_back("block " + std::to_string(i));
    REQUIRE(source->Append(blocks).ok());
    CoreOptions options;
    options.env = &env;
    replica =
        Core::CreateReplica("/r", source->key(), source->manifest(), options)
            .value();
  }
  Status Fetch(uint64_t block) {
    auto proof = CreateProof(*source, MakeRequest(*replica, block, 20));
    if (!proof.ok()) return proof.status();
    return ApplyProof(replica.get(), *proof);
  }
};

TEST_CASE("bitfield file bytes after sparse fetches", "[log][format]") {
  Pair p;
  CHECK(p.env.Contents("/r/bitfield").empty());
  for (uint64_t b : {17u, 0u, 3u, 9u}) {
    CAPTURE(b);
    REQUIRE(p.Fetch(b).ok());
  }
  // Bits 0 and 3 of byte 0, bit 1 (block 9) of byte 1, bit 1 (block 17) of
  // byte 2, least significant first.
  CHECK(p.env.Contents("/r/bitfield") == std::string("\x09\x02\x02", 3));
}

TEST_CASE("bitfield file bytes after an import", "[log][format]") {
  Pair p;
  std::vector<std::string> blocks;
  for (uint64_t i = 0; i < 20; i++) blocks.push_back(p.source->Get(i).value());
  REQUIRE(ImportLog(p.replica.get(), blocks, 0, p.source->signature()).ok());
  // 20 blocks: two full bytes and the low four bits of the third.
  CHECK(p.env.Contents("/r/bitfield") == std::string("\xff\xff\x0f", 3));
}

TEST_CASE("seek requests are refused, not answered", "[log]") {
  Pair p;
  ProofRequest seek;
  seek.seek = ProofRequest::Seek{100, 0};
  auto proof = CreateProof(*p.source, seek);
  CHECK(proof.status().IsNotSupported());
  CHECK_THAT(proof.status().message(),
             Catch::Contains("seek proofs are not supported"));
}

TEST_CASE("a proof carrying a hash or seek part stores nothing", "[log]") {
  Pair p;
  const Proof honest =
      CreateProof(*p.source, MakeRequest(*p.replica, 5, 20)).value();
  Proof with_hash = honest;
  with_hash.hash = Proof::Hash{4, {}};
  Proof with_seek = honest;
  with_seek.seek = Proof::Seek{100, {}};
  for (const Proof& proof : {with_hash, with_seek}) {
    const Status s = ApplyProof(p.replica.get(), proof);
    CHECK(s.IsNotSupported());
    CHECK(p.replica->length() == 0);
    CHECK(p.env.Contents("/r/head").empty());
    CHECK(p.env.Contents("/r/bitfield").empty());
    CHECK(p.env.Contents("/r/data").empty());
  }
  // The same proof without them is accepted.
  REQUIRE(ApplyProof(p.replica.get(), honest).ok());
  CHECK(p.replica->length() == 20);
  CHECK(p.replica->Get(5).value() == "block 5");
}

}  // namespace
}  // namespace bee::log
