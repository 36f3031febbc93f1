// The JS peer harness itself (tests/interop/js via tests/util/node_runner.h)
// against the recorded vectors: if these fail, the comparisons of our log and
// tree with the peer prove nothing. No bee code runs here.
#include <catch2/catch.hpp>
#include <string>

#include "tests/util/node_runner.h"
#include "tests/util/vectors.h"

namespace bee::test {
namespace {

using nlohmann::json;

// A cas value no stored value in the vectors equals: the write is refused.
constexpr char kRefusingCas[] = "00deadbeef00";

const json& Scenario(const std::string& name) {
  for (const json& s : Vectors()["scenarios"]) {
    if (s["name"] == name) return s;
  }
  static const json kNone;
  FAIL("no scenario " << name);
  return kNone;
}

// A vectors step spec (["put", k, v, "cas-refused"?], ["del", k, ...],
// ["batch", [...]], ["truncate", n]) as a bee.js op.
json BeeOp(const json& spec) {
  const std::string kind = spec[0];
  if (kind == "batch") {
    json ops = json::array();
    for (const json& s : spec[1]) ops.push_back(BeeOp(s));
    return {{"batch", ops}};
  }
  if (kind == "truncate") return {{"truncate", spec[1]}};
  const bool refused = spec.back() == "cas-refused";
  const json cas = refused ? json(kRefusingCas) : json(nullptr);
  if (kind == "put") {
    return {{"put", {{"key", spec[1]}, {"value", spec[2]}, {"cas", cas}}}};
  }
  return {{"del", {{"key", spec[1]}, {"cas", cas}}}};
}

json Put(const std::string& key, const json& value, const json& cas) {
  return {{"put", {{"key", key}, {"value", value}, {"cas", cas}}}};
}

void CheckState(const json& got, const json& want) {
  for (const char* field :
       {"length", "byteLength", "fork", "treeHash", "signature", "roots"}) {
    CAPTURE(field);
    CHECK(got[field] == want[field]);
  }
}

TEST_CASE("js harness: the peer is installed", "[interop]") {
  INFO(NodeStatus().ToString());
  REQUIRE(NodeAvailable());
}

TEST_CASE("js harness: core.js signs a default core like the vectors",
          "[interop]") {
  // Scenario A's first step leaves the header and one node, signed at
  // length 2; the signature depends only on the tree, not on the appends.
  const json& a = Scenario("A");
  const json& step = a["steps"][0];
  json blocks = json::array();
  for (const json& b : step["blocks"]) blocks.push_back(b["hex"]);
  REQUIRE(blocks ==
          json({"0a086879706572626565", "0a050a030a01011201611a0141"}));
  json program = {{"seed", a["seed"]}, {"ops", {{{"append", blocks}}}}};
  auto js = RunNodeScript("core.js", program);
  REQUIRE(js.ok());
  CHECK((*js)["key"] ==
        "d8c3a0597903b28d751c6e0b7107775e388ec5a3cf669bdd1e7ec41b8b8f6e72");
  CHECK((*js)["discoveryKey"] == a["discoveryKey"]);
  CHECK((*js)["manifest"] == a["manifest"]);
  REQUIRE((*js)["states"].size() == 1);
  CheckState((*js)["states"][0], step["state"]);
  CHECK((*js)["states"][0]["signature"].get<std::string>().size() == 2 * 68);
}

TEST_CASE("js harness: core.js reproduces the compat scenario E", "[interop]") {
  const json& e = Scenario("E");
  json program = {{"seed", e["seed"]},
                  {"compat", true},
                  {"ops",
                   {{{"append", {"61"}}},
                    {{"append", {"6262"}}},
                    {{"append", {"636363"}}},
                    {{"truncate", 2}}}}};
  auto js = RunNodeScript("core.js", program);
  REQUIRE(js.ok());
  CHECK((*js)["key"] == e["key"]);
  CHECK((*js)["manifest"] == e["manifest"]);
  REQUIRE((*js)["states"].size() == 4);
  for (size_t i = 0; i < 4; i++) {
    CAPTURE(i);
    CheckState((*js)["states"][i], e["states"][i]);
    CHECK((*js)["states"][i]["signature"].get<std::string>().size() == 2 * 64);
  }
}

TEST_CASE("js harness: bee.js writes scenario A's blocks and reads them",
          "[interop]") {
  const json& a = Scenario("A");
  json ops = json::array();
  json versions = json::array();
  for (const json& step : a["steps"]) {
    ops.push_back(BeeOp(step["spec"]));
    versions.push_back(step["state"]["length"]);
  }
  json program = {{"seed", a["seed"]},
                  {"metadata", nullptr},
                  {"ops", ops},
                  {"reads",
                   {{{"checkout", 2}, {"get", "61"}},
                    {{"checkout", 3}, {"get", "63"}},
                    {{"checkout", 4}, {"range", {{"gt", "61"}}}},
                    {{"history", {{"gte", 1}, {"limit", 2}}}},
                    {{"checkout", 3}, {"diff", {{"from", 2}}}}}}};
  auto js = RunNodeScript("bee.js", program);
  REQUIRE(js.ok());
  CHECK((*js)["blocks"] == a["finalBlocks"]);
  CHECK((*js)["versions"] == versions);
  CHECK((*js)["key"] == a["key"]);
  CHECK((*js)["publicKey"] == Vectors()["constants"]["publicKey"]);
  CheckState(*js, a["final"]);

  const json& reads = (*js)["reads"];
  REQUIRE(reads.size() == 5);
  CHECK(reads[0] == json({{"seq", 1}, {"key", "61"}, {"value", "41"}}));
  CHECK(reads[1] == nullptr);
  CHECK(reads[2] == json({{{"seq", 2}, {"key", "62"}, {"value", "42"}},
                          {{"seq", 3}, {"key", "63"}, {"value", "43"}}}));
  CHECK(reads[3] ==
        json({{{"type", "put"}, {"seq", 1}, {"key", "61"}, {"value", "41"}},
              {{"type", "put"}, {"seq", 2}, {"key", "62"}, {"value", "42"}}}));
  CHECK(reads[4] ==
        json({{{"left", {{"seq", 2}, {"key", "62"}, {"value", "42"}}},
               {"right", nullptr}}}));
}

TEST_CASE("js harness: bee.js writes scenario B's header metadata",
          "[interop]") {
  const json& b = Scenario("B");
  json ops = json::array();
  for (const json& step : b["steps"]) ops.push_back(BeeOp(step["spec"]));
  json program = {
      {"seed", b["seed"]},
      {"metadata",
       {{"contentFeed", std::string(64, 'a')}, {"userData", "68656c6c6f"}}},
      {"ops", ops}};
  auto js = RunNodeScript("bee.js", program);
  REQUIRE(js.ok());
  CHECK((*js)["blocks"] == b["finalBlocks"]);
  CheckState(*js, b["final"]);

  auto exported = RunNodeScript("export.js", program);
  REQUIRE(exported.ok());
  for (const char* field : {"key", "publicKey", "manifest", "length", "fork",
                            "treeHash", "signature", "blocks"}) {
    CAPTURE(field);
    CHECK((*exported)[field] == (*js)[field]);
  }
}

TEST_CASE("js harness: cas refuses unless the stored value matches",
          "[interop]") {
  json program = {
      {"seed", std::string(64, '7')},
      {"metadata", nullptr},
      {"ops",
       {Put("61", "41", nullptr),
        Put("61", "42", kRefusingCas),
        Put("61", "43", "41"),
        Put("62", nullptr, nullptr),
        Put("62", "44", ""),
        {{"del", {{"key", "61"}, {"cas", "41"}}}},
        {{"del", {{"key", "61"}, {"cas", "43"}}}},
        {{"batch", {Put("63", "45", nullptr), Put("63", "46", "00")}}}}},
      {"reads", {{{"checkout", 4}, {"get", "61"}}}}};
  auto js = RunNodeScript("bee.js", program);
  REQUIRE(js.ok());
  // Header + put, refused, put, put null, refused (null never matches),
  // refused del, del, one flushed batch block.
  CHECK((*js)["versions"] == json({2, 2, 3, 4, 4, 4, 5, 6}));
  CHECK((*js)["reads"][0] ==
        json({{"seq", 2}, {"key", "61"}, {"value", "43"}}));
}

TEST_CASE("js harness: failures are errors with the reason", "[interop]") {
  auto missing = RunNodeScript("no-such-script.js", json::object());
  CHECK(missing.status().IsInvalidArgument());

  json bad = {{"seed", std::string(64, '1')},
              {"metadata", nullptr},
              {"ops", {{{"frobnicate", 1}}}}};
  auto failed = RunNodeScript("bee.js", bad);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().IsIOError());
  CHECK_THAT(failed.status().message(), Catch::Contains("unknown op"));
}

}  // namespace
}  // namespace bee::test
