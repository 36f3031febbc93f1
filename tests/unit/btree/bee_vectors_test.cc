// Byte compatibility with hyperbee 2.27.3: scenarios A-D of the recorded
// vectors replayed through the public API must produce every block, the tree
// hash, the byte length and the signature exactly.
#include <catch2/catch.hpp>

#include "btree/bee.h"
#include "tests/util/vectors.h"

namespace bee::btree {
namespace {

using nlohmann::json;
using test::Unhex;
using test::Vectors;

const json& Scenario(const std::string& name) {
  for (const json& s : Vectors()["scenarios"]) {
    if (s["name"] == name) return s;
  }
  FAIL("no scenario " << name);
  std::abort();
}

// Decodes a key or value of an op: hex in A/B, raw UTF-8 in C/D.
std::optional<std::string> Bytes(const json& v, bool hex) {
  if (v.is_null()) return std::nullopt;
  return hex ? Unhex(v) : v.get<std::string>();
}

CasFn Refuse() {
  return [](const Entry&, const Entry&) { return false; };
}

// Applies one put/del spec through a batch (or directly when batch is null).
void Apply(Bee* bee, Batch* batch, const json& op, bool hex) {
  const std::string type = op[0];
  std::string key = *Bytes(op[1], hex);
  if (type == "put") {
    std::optional<std::string> value = Bytes(op[2], hex);
    PutOptions o;
    if (op.size() > 3 && op[3] == "cas-refused") o.cas = Refuse();
    std::optional<std::string_view> v;
    if (value) v = *value;
    auto r = batch ? batch->Put(key, v, o) : bee->Put(key, v, o);
    REQUIRE(r.ok());
    if (o.cas) CHECK_FALSE(*r);
  } else {
    REQUIRE(type == "del");
    DelOptions o;
    if (op.size() > 2 && op[2] == "cas-refused") o.cas = Refuse();
    auto r = batch ? batch->Del(key, o) : bee->Del(key, o);
    REQUIRE(r.ok());
  }
}

void ApplyStep(Bee* bee, const json& spec, bool hex) {
  if (spec[0] == "batch") {
    auto batch = bee->MakeBatch();
    REQUIRE(batch.ok());
    for (const json& op : spec[1]) Apply(bee, batch->get(), op, hex);
    REQUIRE((*batch)->Flush().ok());
  } else if (spec[0] == "truncate") {
    REQUIRE(bee->Truncate(spec[1].get<uint64_t>()).ok());
  } else {
    Apply(bee, nullptr, spec, hex);
  }
}

std::unique_ptr<Bee> NewBee(const json& scenario,
                            const std::string& header_hex) {
  auto seed = HexDecodeFixed<32>(scenario["seed"].get<std::string>(), "seed");
  REQUIRE(seed.ok());
  auto header = DecodeHeaderBlock(Unhex(header_hex));
  REQUIRE(header.ok());
  auto bee =
      Bee::CreateInMemory(log::KeyPair::FromSeed(*seed), header->metadata);
  REQUIRE(bee.ok());
  CHECK(HexEncode((*bee)->core().key()) == scenario["key"]);
  return std::move(bee).value();
}

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
    auto bee = NewBee(scenario, scenario["finalBlocks"][0]);
    for (const json& step : scenario["steps"]) {
      CAPTURE(step["op"].get<std::string>());
      uint64_t before = bee->core().length();
      ApplyStep(bee.get(), step["spec"], true);
      for (const json& b : step["blocks"]) {
        uint64_t seq = b["seq"].get<uint64_t>();
        if (seq == 0) continue;  // the header, written at creation
        CAPTURE(seq);
        REQUIRE(seq < bee->core().length());
        CHECK(HexEncode(bee->core().Get(seq).value()) == b["hex"]);
      }
      size_t node_blocks = 0;
      for (const json& b : step["blocks"]) node_blocks += b["seq"] != 0;
      if (step["spec"][0] != "truncate") {
        CHECK(bee->core().length() - before == node_blocks);
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
    auto bee = NewBee(scenario, scenario["finalBlocks"][0]);
    size_t i = 0;
    for (const json& op : scenario["ops"]) {
      CAPTURE(i++, op.dump());
      ApplyStep(bee.get(), op, false);
    }
    CheckFinal(*bee, scenario);
  }
}

TEST_CASE("scenario C's live entries are what get returns", "[btree]") {
  const json& scenario = Scenario("C");
  auto bee = NewBee(scenario, scenario["finalBlocks"][0]);
  for (const json& op : scenario["ops"]) ApplyStep(bee.get(), op, false);
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
