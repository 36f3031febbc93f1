// A feed written by JS hyperbee, exported block by block, imported with
// `bee import` (signature verified), checked by `bee-dump --verify` and read
// with `bee range` / `bee get` exactly as hyperbee reads it. Also checks the
// alwaysDuplicate=false option against the real peer, and the options that
// speak in hyperbee users' terms (--sub, --key-encoding utf-8,
// --value-encoding json) both ways against a JS store built with
// db.sub('users').sub('eu') and JSON values (sub_json.js).
#include <catch2/catch.hpp>
#include <sstream>

#include "btree/bee.h"
#include "tests/util/cli_run.h"
#include "tests/util/node_runner.h"
#include "tests/util/temp_dir.h"
#include "tools/bee_cli.h"

namespace bee::tools {
namespace {

using nlohmann::json;

int Run(std::vector<std::string> args, const std::string& input,
        std::string* out, bool dump = false) {
  test::CliOutcome o = test::RunCli(dump, std::move(args), input);
  *out = o.out + o.err;
  return o.code;
}

json Put(const std::string& k, const std::string& v) {
  return {{"put",
           {{"key", HexEncode(k)}, {"value", HexEncode(v)}, {"cas", nullptr}}}};
}

TEST_CASE("a JS feed imported with bee import reads and verifies as in JS",
          "[interop]") {
  json ops = json::array();
  for (int i = 0; i < 60; i++)
    ops.push_back(
        Put("key" + std::to_string(i * 7 % 60), "v" + std::to_string(i)));
  json batch = json::array();
  for (int i = 0; i < 30; i++) {
    batch.push_back({{"del",
                      {{"key", HexEncode("key" + std::to_string(i * 2))},
                       {"cas", nullptr}}}});
  }
  ops.push_back({{"batch", batch}});
  json program = {
      {"seed", std::string(64, '7')},
      {"metadata", nullptr},
      {"ops", ops},
      {"reads", json::array({{{"checkout", 91}, {"range", json::object()}},
                             {{"checkout", 61}, {"get", HexEncode("key4")}}})}};
  auto js = test::RunNodeScript("bee.js", program);
  REQUIRE(js.ok());
  std::string exported;
  for (size_t i = 0; i < (*js)["blocks"].size(); i++) {
    exported += json{{"seq", i}, {"hex", (*js)["blocks"][i]}}.dump() + "\n";
  }
  test::TempDir tmp;
  std::string dir = tmp.Sub("from-js");
  std::string out;
  REQUIRE(Run({"import", dir, "-", "--public-key", (*js)["publicKey"],
               "--signature", (*js)["signature"]},
              exported, &out) == 0);
  CHECK(Run({dir, "--verify"}, "", &out, true) == 0);
  CHECK(out.find("ok:") == 0);
  REQUIRE(Run({"range", dir, "--json", "--hex", "--checkout", "91"}, "",
              &out) == 0);
  json ours = json::array();
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    ours.push_back(json::parse(line));
  CHECK(ours == (*js)["reads"][0]);
  REQUIRE(Run({"get", dir, "--json", "--hex", "--checkout", "61",
               HexEncode("key4")},
              "", &out) == 0);
  CHECK(json::parse(out) == (*js)["reads"][1]);
  // Without recorded boundaries, a version whose last block is a compacted
  // batch block with an empty index has no usable root and is refused, as
  // hyperbee cannot read it either (FORMAT.md §8.3).
  size_t refused = 0;
  for (size_t v = 62; v < 91; v++) {
    if ((*js)["blocks"][v - 1].get<std::string>().rfind("0a00", 0) != 0)
      continue;
    CHECK(Run({"range", dir, "--checkout", std::to_string(v)}, "", &out) == 1);
    CHECK(out.find("inside a batch") != std::string::npos);
    refused++;
  }
  CHECK(refused > 0);
}

TEST_CASE("always_duplicate=false writes what hyperbee writes", "[interop]") {
  json ops = json::array();
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 30; i++)
      ops.push_back(
          Put("k" + std::to_string(i), "v" + std::to_string(i % (round + 1))));
  }
  json program = {{"seed", std::string(64, '3')},
                  {"metadata", nullptr},
                  {"alwaysDuplicate", false},
                  {"ops", ops}};
  auto js = test::RunNodeScript("bee.js", program);
  REQUIRE(js.ok());
  auto seed = HexDecodeFixed<32>(std::string(64, '3'), "seed").value();
  auto bee = btree::Bee::CreateInMemory(log::KeyPair::FromSeed(seed)).value();
  for (const json& op : ops) {
    std::string key = HexDecode(op["put"]["key"].get<std::string>()).value();
    std::string value =
        HexDecode(op["put"]["value"].get<std::string>()).value();
    REQUIRE(bee->Put(key, value, btree::PutOptions{nullptr, false}).ok());
  }
  REQUIRE(bee->core().length() == (*js)["length"].get<uint64_t>());
  for (uint64_t i = 0; i < bee->core().length(); i++) {
    CHECK(HexEncode(bee->core().Get(i).value()) == (*js)["blocks"][i]);
  }
  CHECK(HexEncode(bee->core().signature()) == (*js)["signature"]);
}

// The JSON lines a command printed, as one array.
json Lines(const std::string& out) {
  json all = json::array();
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    all.push_back(json::parse(line));
  return all;
}

// The same values as JSON text the way people type it (spaces, 1.0, keys
// out of order, escapes), so bee must write what JSON.stringify writes.
json SubJsonProgram(const json& sep) {
  auto put = [](json sub, const std::string& key, const std::string& value) {
    return json{{"sub", sub}, {"put", key}, {"value", value}};
  };
  const json eu = {"users", "eu"};
  json ops = json::array(
      {put(eu, "ana",
           R"({"b": 1, "a": [1.0, 2.5e-7, 1e21, -0], "10": true, "2": null,)"
           R"( "s": "\u00e9\n\u0001\"", "b": 2})"),
       put(eu, "bob", "12345678901234567890"),
       put(json::array({"users"}), "zed", R"( "top" )"),
       put(json::array(), "root", "[ ]"),
       put(eu, "cy", "0.1"),
       put(eu, "dé", R"({"nested": {"x": [{}], "1e2": 1e2}})"),
       {{"sub", eu}, {"del", "bob"}},
       put(json::array({"other"}), "x", "1")});
  json reads = json::array(
      {{{"sub", eu}, {"range", json::object()}},
       {{"sub", eu}, {"get", "ana"}},
       {{"sub", eu}, {"get", "bob"}},
       {{"sub", json::array({"users"})}, {"range", {{"reverse", true}}}},
       {{"sub", eu}, {"range", {{"gt", "ana"}, {"lte", "dé"}}}}});
  return {{"seed", std::string(64, '7')},
          {"sep", sep},
          {"ops", ops},
          {"reads", reads}};
}

// The --sub options of a read or op.
std::vector<std::string> SubArgs(const json& subs, const json& sep) {
  std::vector<std::string> args;
  for (const json& name : subs) {
    args.push_back("--sub");
    args.push_back(name.get<std::string>());
  }
  // A separator follows sub names: the root bee's keys have none (and bee
  // refuses --sep without --sub).
  if (!sep.is_null() && !args.empty()) {
    args.push_back("--sep");
    args.push_back(sep.get<std::string>());
  }
  return args;
}

TEST_CASE("subs and json values read and write as JS hyperbee's do",
          "[interop]") {
  if (test::SkipWithoutNode()) return;
  for (json sep : {json(nullptr), json("2f2f")}) {
    CAPTURE(sep);
    const json program = SubJsonProgram(sep);
    auto js = test::RunNodeScript("sub_json.js", program);
    REQUIRE(js.ok());
    const std::vector<std::string> enc = {"--key-encoding", "utf-8",
                                          "--value-encoding", "json", "--json"};
    test::TempDir tmp;
    std::string out;
    // JS wrote it; bee reads it with the same sub and encodings.
    std::string exported;
    for (size_t i = 0; i < (*js)["blocks"].size(); i++) {
      exported += json{{"seq", i}, {"hex", (*js)["blocks"][i]}}.dump() + "\n";
    }
    std::string from_js = tmp.Sub("from-js");
    REQUIRE(Run({"import", from_js, "-", "--public-key", (*js)["publicKey"],
                 "--signature", (*js)["signature"]},
                exported, &out) == 0);
    for (size_t i = 0; i < program["reads"].size(); i++) {
      const json& r = program["reads"][i];
      CAPTURE(r);
      std::vector<std::string> args = {r.contains("get") ? "get" : "range",
                                       from_js};
      for (const std::string& a : SubArgs(r["sub"], sep)) args.push_back(a);
      args.insert(args.end(), enc.begin(), enc.end());
      if (r.contains("get")) args.push_back(r["get"]);
      for (const char* bound : {"gt", "gte", "lt", "lte"}) {
        if (r.contains("range") && r["range"].contains(bound)) {
          args.push_back(std::string("--") + bound);
          args.push_back(r["range"][bound]);
        }
      }
      if (r.contains("range") && r["range"].contains("reverse")) {
        args.push_back("--reverse");
      }
      REQUIRE(Run(args, "", &out) == 0);
      json ours = Lines(out);
      CHECK((r.contains("get") ? ours[0] : ours) == (*js)["reads"][i]);
    }
    // bee writes it with the same operations: the same blocks, tree hash
    // and signature.
    std::string ours_dir = tmp.Sub("from-bee");
    REQUIRE(Run({"create", ours_dir, "--seed", program["seed"]}, "", &out) ==
            0);
    for (const json& op : program["ops"]) {
      std::vector<std::string> args = {op.contains("put") ? "put" : "del",
                                       ours_dir};
      for (const std::string& a : SubArgs(op["sub"], sep)) args.push_back(a);
      args.insert(args.end(), {"--key-encoding", "utf-8"});
      if (op.contains("put")) {
        args.insert(args.end(), {"--value-encoding", "json", "--"});
        args.push_back(op["put"]);
        args.push_back(op["value"]);
      } else {
        args.push_back(op["del"]);
      }
      const int code = Run(args, "", &out);
      INFO(out);
      REQUIRE(code == 0);
    }
    REQUIRE(Run({"export", ours_dir}, "", &out) == 0);
    json blocks = Lines(out);
    REQUIRE(blocks.size() == (*js)["blocks"].size());
    for (size_t i = 0; i < blocks.size(); i++) {
      CAPTURE(i);
      CHECK(blocks[i]["hex"] == (*js)["blocks"][i]);
    }
    REQUIRE(Run({"info", ours_dir, "--json"}, "", &out) == 0);
    json info = json::parse(out);
    CHECK(info["treeHash"] == (*js)["treeHash"]);
    CHECK(info["signature"] == (*js)["signature"]);
    CHECK(info["key"] == (*js)["key"]);
  }
}

}  // namespace
}  // namespace bee::tools
