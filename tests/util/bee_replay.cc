#include "tests/util/bee_replay.h"

#include <catch2/catch.hpp>

#include "tests/util/vectors.h"

namespace bee::test {
namespace {

std::optional<std::string> Bytes(const nlohmann::json& v, bool hex) {
  if (v.is_null()) return std::nullopt;
  return hex ? Unhex(v) : v.get<std::string>();
}

btree::CasFn Refuse() {
  return [](const btree::Entry&, const btree::Entry&) { return false; };
}

bool ApplyOne(btree::Bee* bee, btree::Batch* batch, const nlohmann::json& op,
              bool hex) {
  const std::string type = op[0];
  std::string key = *Bytes(op[1], hex);
  bool refused = op.size() > (type == "put" ? 3u : 2u) &&
                 op[type == "put" ? 3 : 2] == "cas-refused";
  Result<bool> r = false;
  if (type == "put") {
    std::optional<std::string> value = Bytes(op[2], hex);
    btree::PutOptions o;
    if (refused) o.cas = Refuse();
    std::optional<std::string_view> v;
    if (value) v = *value;
    r = batch ? batch->Put(key, v, o) : bee->Put(key, v, o);
  } else {
    btree::DelOptions o;
    if (refused) o.cas = Refuse();
    r = batch ? batch->Del(key, o) : bee->Del(key, o);
  }
  CHECK(r.ok());
  if (r.ok() && refused) CHECK_FALSE(*r);
  return r.ok();
}

}  // namespace

const nlohmann::json& Scenario(const std::string& name) {
  for (const nlohmann::json& s : Vectors()["scenarios"]) {
    if (s["name"] == name) return s;
  }
  FAIL("no scenario " << name);
  std::abort();
}

std::unique_ptr<btree::Bee> NewScenarioBee(const nlohmann::json& scenario) {
  auto seed = HexDecodeFixed<32>(scenario["seed"].get<std::string>(), "seed");
  REQUIRE(seed.ok());
  auto header = DecodeHeaderBlock(Unhex(scenario["finalBlocks"][0]));
  REQUIRE(header.ok());
  auto bee = btree::Bee::CreateInMemory(log::KeyPair::FromSeed(*seed),
                                        header->metadata);
  REQUIRE(bee.ok());
  return std::move(bee).value();
}

bool ApplyRecordedOp(btree::Bee* bee, const nlohmann::json& op, bool hex) {
  if (op[0] == "truncate") {
    Status s = bee->Truncate(op[1].get<uint64_t>());
    CHECK(s.ok());
    return s.ok();
  }
  if (op[0] != "batch") return ApplyOne(bee, nullptr, op, hex);
  auto batch = bee->MakeBatch();
  REQUIRE(batch.ok());
  for (const nlohmann::json& o : op[1]) {
    if (!ApplyOne(bee, batch->get(), o, hex)) return false;
  }
  Status s = (*batch)->Flush();
  CHECK(s.ok());
  return s.ok();
}

}  // namespace bee::test
