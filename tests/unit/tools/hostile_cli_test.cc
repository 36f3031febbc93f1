// The tools over validly signed stores whose trees are hostile: `bee`
// reads, export and import, and `bee-dump --tree/--stats/--verify` end with
// exit code 1 and a message naming the damage (or a right answer), never a
// crash or a hang. Bounds at the ends of int64 parse or are refused.
#include <catch2/catch.hpp>
#include <sstream>

#include "btree/bee.h"
#include "tests/util/cli_run.h"
#include "tests/util/hostile_blocks.h"
#include "tests/util/temp_dir.h"
#include "tools/bee_cli.h"

namespace bee::tools {
namespace {

using Outcome = test::CliOutcome;
using test::RunCli;

// A store on disk whose log holds a header and then exactly `nodes`, all
// signed by the store's own key.
std::string HostileStore(const test::TempDir& tmp, const std::string& name,
                         const std::vector<std::string>& nodes) {
  std::string dir = tmp.Sub(name);
  auto bee = btree::Bee::Create(dir, log::KeyPair::Random()).value();
  // A new store is empty until its first write: the header goes first.
  std::vector<std::string> blocks{EncodeHeaderBlock(HeaderBlock{})};
  blocks.insert(blocks.end(), nodes.begin(), nodes.end());
  REQUIRE(bee->core().Append(blocks).ok());
  REQUIRE(bee->Close().ok());
  return dir;
}

// The same log, exported and imported into a new (read-only) store.
std::string Reimported(const test::TempDir& tmp, const std::string& dir) {
  const std::string copy = dir + "-imported";
  Outcome exported = RunCli(false, {"export", dir});
  REQUIRE(exported.code == 0);
  std::string info = RunCli(false, {"info", dir, "--json"}).out;
  std::string sig = info.substr(info.find("\"signature\":\"") + 13, 136);
  std::string pub = RunCli(false, {"info", dir}).out;
  pub = pub.substr(pub.find_first_not_of(' ', pub.find("public key") + 10), 64);
  Outcome imported = RunCli(
      false, {"import", copy, "-", "--public-key", pub, "--signature", sig},
      exported.out);
  INFO(imported.err);
  REQUIRE(imported.code == 0);
  (void)tmp;
  return copy;
}

// Every command that walks the whole tree fails with `message` (bee-dump,
// which also refuses a node reached twice, with `dump_message`); the others
// end normally or with an error, never otherwise.
void CheckTools(const std::string& dir, const std::string& message,
                const std::string& dump_message) {
  const std::vector<std::pair<bool, std::vector<std::string>>> walks = {
      {false, {"range", dir}},
      {false, {"range", dir, "--reverse"}},
      {false, {"diff", dir, "--from", "1"}},
      {true, {dir, "--tree"}},
      {true, {dir, "--stats"}},
  };
  for (const auto& [dump, args] : walks) {
    CAPTURE(dump, args);
    Outcome o = RunCli(dump, args);
    CHECK(o.code == 1);
    CHECK(o.err.find(dump ? dump_message : message) != std::string::npos);
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"get", dir, "a", "c", "d"},
        {"history", dir},
        {"history", dir, "--reverse"}}) {
    CAPTURE(args);
    Outcome o = RunCli(false, args);
    CHECK((o.code == 0 || o.code == 1));
    if (o.code == 1) CHECK(o.err.find("error:") != std::string::npos);
  }
  // --verify lists what it finds wrong; the blocks are listed, or the first
  // undecodable one named.
  Outcome verify = RunCli(true, {dir, "--verify"});
  CHECK(verify.code == 1);
  CHECK(verify.out.find("FAIL") != std::string::npos);
  Outcome blocks = RunCli(true, {dir});
  CHECK((blocks.code == 0 ||
         (blocks.code == 1 && blocks.err.find("block ") != std::string::npos)));
}

TEST_CASE("the tools report hostile trees in signed stores",
          "[tools][hostile]") {
  test::TempDir tmp;
  std::vector<std::string> cycle = test::ThreeKeys(3, 1);
  cycle[2] = test::NodeBytes(
      {{{2}, {1, 0, 3, 1}}, {{3}, {3, 2, 3, 2}}, {{3}, {3, 1, 3, 1}}}, "c");
  std::vector<std::string> garbage = test::ThreeKeys(3, 1);
  garbage[2] = "\x0a\x05\x01";
  std::vector<std::string> empty_index = test::ThreeKeys(3, 1);
  empty_index[2] = std::string("\x0a\x00\x12\x01\x63", 5);
  struct Case {
    std::string name;
    std::vector<std::string> nodes;
    std::string message, dump_message;
  } cases[] = {
      {"forward", test::ThreeKeys(9, 0), "points to block 9 level 0",
       "points to block 9 level 0"},
      {"self", test::ThreeKeys(3, 0), "(itself)", "(itself)"},
      {"level", test::ThreeKeys(3, 7), "has no index level 7",
       "has no index level 7"},
      {"cycle", cycle, "deeper than 64 levels",
       "block 3 level 1 is the child of two nodes"},
      {"deep", test::Chain(100, false), "deeper than 64 levels",
       "deeper than 64 levels"},
      {"shared", test::Chain(60, true), "out of order",
       "block 1 level 0 is the child of two nodes"},
      {"garbage", garbage, "block 3", "block 3"},
      {"empty index", empty_index, "block 3", "block 3"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::string dir = HostileStore(tmp, c.name, c.nodes);
    CheckTools(dir, c.message, c.dump_message);
    CheckTools(Reimported(tmp, dir), c.message, c.dump_message);
  }
}

TEST_CASE("history bounds at the ends of int64 in the CLI",
          "[tools][hostile]") {
  test::TempDir tmp;
  std::string dir = tmp.Sub("store");
  REQUIRE(RunCli(false, {"create", dir}).code == 0);
  REQUIRE(RunCli(false, {"put", dir, "a", "1"}).code == 0);
  REQUIRE(RunCli(false, {"put", dir, "b", "2"}).code == 0);
  Outcome none = RunCli(false, {"history", dir, "--gt", "9223372036854775807"});
  CHECK(none.code == 0);
  CHECK(none.out.empty());
  Outcome all = RunCli(false, {"history", dir, "--lte", "9223372036854775807"});
  CHECK(all.code == 0);
  CHECK(all.out == RunCli(false, {"history", dir}).out);
  CHECK(RunCli(false, {"history", dir, "--gte", "-9223372036854775808"}).out ==
        all.out);
  Outcome past = RunCli(false, {"history", dir, "--gt", "9223372036854775808"});
  CHECK(past.code == 2);
  CHECK(past.err.find("--gt") != std::string::npos);
  Outcome checkout =
      RunCli(false, {"get", dir, "a", "--checkout", "18446744073709551616"});
  CHECK(checkout.code == 1);
  CHECK(checkout.err.find("--checkout") != std::string::npos);
  Outcome limit =
      RunCli(false, {"range", dir, "--limit", "9223372036854775807"});
  CHECK(limit.code == 0);
  CHECK(limit.out == RunCli(false, {"range", dir}).out);
}

}  // namespace
}  // namespace bee::tools
