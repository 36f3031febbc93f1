// Against the real hyperbee (issue 9): `bee create` is a fresh hyperbee
// (length 0, same tree hash, no signature), its first write (put, del of a
// missing key, or batch) appends exactly hyperbee's blocks with its
// signature, and the single operations `bee apply` writes in one append
// are versions hyperbee reads the same at every checkout.
#include <catch2/catch.hpp>
#include <sstream>

#include "encoding/bytes.h"
#include "tests/util/cli_run.h"
#include "tests/util/node_runner.h"
#include "tests/util/temp_dir.h"
#include "tools/bee_cli.h"

namespace bee::tools {
namespace {

using nlohmann::json;

const std::string kSeed(64, '5');

std::string Run(std::vector<std::string> args, const std::string& input = "") {
  test::CliOutcome o = test::RunCli(false, std::move(args), input);
  INFO(o.err);
  REQUIRE(o.code == 0);
  return o.out;
}

std::vector<json> JsonLines(const std::string& text) {
  std::vector<json> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    out.push_back(json::parse(line));
  return out;
}

// One operation as bee.js takes it and as a `bee apply` line (hex).
struct Op {
  json js;
  std::string line;
};

Op Put(const std::string& k, const std::string& v) {
  return {{{"put", {{"key", HexEncode(k)}, {"value", HexEncode(v)}}}},
          json{{"type", "put"},
               {"key", HexEncode(k)},
               {"value", HexEncode(v)},
               {"encoding", "hex"}}
              .dump()};
}

Op Del(const std::string& k) {
  return {
      {{"del", {{"key", HexEncode(k)}}}},
      json{{"type", "del"}, {"key", HexEncode(k)}, {"encoding", "hex"}}.dump()};
}

Op BatchOf(const std::vector<Op>& ops) {
  json js = json::array(), lines = json::array();
  for (const Op& op : ops) {
    js.push_back(op.js);
    lines.push_back(json::parse(op.line));
  }
  return {{{"batch", js}},
          json{{"type", "batch"}, {"ops", lines}, {"encoding", "hex"}}.dump()};
}

// The signed state and blocks of our store, in bee.js's field names.
void CheckSameLog(const std::string& dir, const json& js) {
  json info = json::parse(Run({"info", dir, "--json"}));
  for (const char* field : {"key", "discoveryKey", "length", "byteLength",
                            "fork", "treeHash", "signature"}) {
    CAPTURE(field);
    CHECK(info[field] == js[field]);
  }
  json blocks = json::array();
  for (const json& b : JsonLines(Run({"export", dir})))
    blocks.push_back(b["hex"]);
  CHECK(blocks == js["blocks"]);
}

TEST_CASE("bee create is a fresh hyperbee, and its first write is hyperbee's",
          "[interop]") {
  const std::vector<std::pair<std::string, std::vector<Op>>> cases = {
      {"nothing", {}},
      {"put", {Put("k", "v")}},
      {"del of a missing key", {Del("k")}},
      {"batch", {BatchOf({Put("b", "2"), Put("a", "1"), Del("b")})}},
  };
  for (const auto& [name, ops] : cases) {
    CAPTURE(name);
    json js_ops = json::array();
    std::string lines;
    for (const Op& op : ops) {
      js_ops.push_back(op.js);
      lines += op.line + "\n";
    }
    json program = {
        {"seed", kSeed},
        {"metadata", {{"contentFeed", nullptr}, {"userData", HexEncode("m")}}},
        {"ops", js_ops}};
    auto js = test::RunNodeScript("bee.js", program);
    REQUIRE(js.ok());
    test::TempDir tmp;
    const std::string dir = tmp.Sub("s");
    Run({"create", dir, "--seed", kSeed, "--user-data", "m"});
    if (!ops.empty()) Run({"apply", dir, "-"}, lines);
    CheckSameLog(dir, *js);
  }
}

TEST_CASE("single operations applied at once are hyperbee's versions",
          "[interop]") {
  std::vector<Op> ops;
  for (int i = 0; i < 14; i++) {
    ops.push_back(Put("k" + std::to_string(i * 5 % 14), std::to_string(i)));
  }
  ops.push_back(Del("k3"));
  ops.push_back(Del("absent"));  // writes nothing: not a version
  ops.push_back(Del("k10"));
  json js_ops = json::array(), reads = json::array();
  std::string lines;
  for (const Op& op : ops) {
    js_ops.push_back(op.js);
    lines += op.line + "\n";
  }
  const uint64_t last = 1 + 14 + 2;
  for (uint64_t v = 1; v <= last; v++) {
    reads.push_back({{"checkout", v}, {"range", json::object()}});
  }
  reads.push_back({{"checkout", last}, {"diff", {{"from", 9}}}});
  auto js = test::RunNodeScript("bee.js", {{"seed", kSeed},
                                           {"metadata", nullptr},
                                           {"ops", js_ops},
                                           {"reads", reads}});
  REQUIRE(js.ok());
  test::TempDir tmp;
  const std::string dir = tmp.Sub("s");
  Run({"create", dir, "--seed", kSeed});
  Run({"apply", dir, "-"}, lines);
  CheckSameLog(dir, *js);
  for (uint64_t v = 1; v <= last; v++) {
    CAPTURE(v);
    json ours = json::array();
    for (const json& e : JsonLines(Run({"range", dir, "--json", "--hex",
                                        "--checkout", std::to_string(v)})))
      ours.push_back(e);
    CHECK(ours == (*js)["reads"][v - 1]);
  }
  json diff = json::array();
  for (const json& d :
       JsonLines(Run({"diff", dir, "--json", "--hex", "--from", "9"})))
    diff.push_back(d);
  CHECK(diff == (*js)["reads"][last]);
}

}  // namespace
}  // namespace bee::tools
