// `bee apply` lines are versions (as hyperbee's own puts and dels are), and
// `bee create` makes a store that reads as a fresh hyperbee (issue 9).
#include <catch2/catch.hpp>
#include <sstream>

#include "tests/util/cli_run.h"
#include "tests/util/temp_dir.h"
#include "tools/bee_cli.h"

namespace bee::tools {
namespace {

using Outcome = test::CliOutcome;

Outcome Bee(std::vector<std::string> args, const std::string& input = "") {
  return test::RunCli(false, std::move(args), input);
}

Outcome Dump(std::vector<std::string> args) {
  return test::RunCli(true, std::move(args));
}

std::string PutLine(const std::string& k, const std::string& v) {
  return "{\"type\":\"put\",\"key\":\"" + k + "\",\"value\":\"" + v + "\"}\n";
}

TEST_CASE("every apply line is a version, only a batch's inside is refused",
          "[tools][versions]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("s");
  REQUIRE(Bee({"create", dir}).code == 0);
  // Header (version 1), a..c (2..4), then one batch line (5..6), then d (7).
  const std::string ops =
      PutLine("a", "1") + PutLine("b", "2") +
      "{\"type\":\"del\",\"key\":\"a\"}\n"
      "{\"type\":\"batch\",\"ops\":[{\"type\":\"put\",\"key\":\"x\","
      "\"value\":\"9\"},{\"type\":\"put\",\"key\":\"y\",\"value\":\"8\"}]}\n" +
      PutLine("d", "4");
  REQUIRE(Bee({"apply", dir, "-"}, ops).out ==
          "applied 6 operations (6 blocks written), version 7\n");
  CHECK(Bee({"range", dir, "--checkout", "2"}).out == "1  a  1\n");
  CHECK(Bee({"range", dir, "--checkout", "3"}).out ==
        "1  a  1\n"
        "2  b  2\n");
  CHECK(Bee({"range", dir, "--checkout", "4"}).out == "2  b  2\n");
  CHECK(Bee({"get", dir, "x", "--checkout", "6"}).out == "4  x  9\n");
  CHECK(Bee({"diff", dir, "--from", "3", "--to", "4"}).out == "-  1  a  1\n");
  CHECK(Bee({"diff", dir, "--from", "6"}).out == "+  6  d  4\n");
  Outcome inside = Bee({"get", dir, "x", "--checkout", "5"});
  CHECK(inside.code == 1);
  CHECK(inside.err.find("inside a batch") != std::string::npos);
  CHECK(Bee({"diff", dir, "--from", "5"}).err.find("inside a batch") !=
        std::string::npos);
}

TEST_CASE("a created store is empty until its first write",
          "[tools][versions]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("s");
  REQUIRE(Bee({"create", dir, "--user-data", "hello"}).code == 0);
  const std::string info = Bee({"info", dir, "--json"}).out;
  CHECK(info.find("\"length\":0,\"fork\":0,\"byteLength\":0") !=
        std::string::npos);
  CHECK(info.find("\"signature\":null,\"signatureVerified\":false,"
                  "\"headerPending\":true,\"metadata\":{\"contentFeed\":null,"
                  "\"userData\":\"hello\"}") != std::string::npos);
  CHECK(Bee({"info", dir}).out.find("pending: the first write appends it") !=
        std::string::npos);
  CHECK(Bee({"range", dir}).out.empty());
  CHECK(Bee({"history", dir}).out.empty());
  CHECK(Dump({dir}).out.empty());  // no block, not even the header
  CHECK(Dump({dir, "--stats", "--json"}).out.find("\"blocks\":0,") !=
        std::string::npos);
  CHECK(Dump({dir, "--verify"}).code == 0);
  CHECK(Bee({"get", dir, "k", "--checkout", "1"}).out == "-  k  (not found)\n");
  REQUIRE(Bee({"put", dir, "k", "v"}).out == "put k (seq 1)\n");
  const std::string after = Bee({"info", dir, "--json"}).out;
  CHECK(after.find("\"length\":2,") != std::string::npos);
  CHECK(after.find("\"headerPending\":false,\"metadata\":{\"contentFeed\":"
                   "null,\"userData\":\"hello\"}") != std::string::npos);
}

}  // namespace
}  // namespace bee::tools
