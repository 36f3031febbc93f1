// The command-line tools, run in-process: golden human and JSON output, and
// every kind of bad input giving a clear message, a non-zero exit and
// leaving the stored data as it was.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "btree/bee.h"
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

const std::string kSeed(64, '1');  // 32 x 0x11

// A store with a known history: blocks 1-4 single puts, 5-7 one batch.
std::string MakeStore(const test::TempDir& tmp) {
  std::string dir = tmp.Sub("store");
  REQUIRE(Bee({"create", dir, "--seed", kSeed}).code == 0);
  REQUIRE(Bee({"put", dir, "a", "1"}).code == 0);
  REQUIRE(Bee({"put", dir, "b", "2"}).code == 0);
  REQUIRE(Bee({"put", dir, "c"}).code == 0);
  REQUIRE(Bee({"put", dir, "--hex", "ff00", "--", "fe"}).code == 0);
  REQUIRE(Bee({"apply", dir, "-"},
              "{\"type\":\"batch\",\"ops\":[{\"type\":\"put\",\"key\":\"b\","
              "\"value\":\"22\"},"
              "{\"type\":\"del\",\"key\":\"a\"},{\"type\":\"put\",\"key\":"
              "\"d\",\"value\":\"4\"}]}\n")
              .code == 0);
  return dir;
}

uint64_t VersionOf(const std::string& dir) {
  btree::BeeOptions o;
  o.core.read_only = true;
  return btree::Bee::Open(dir, o).value()->version();
}

TEST_CASE("golden human output", "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  CHECK(Bee({"range", dir}).out ==
        "5  b         22\n"
        "3  c         (no value)\n"
        "7  d         4\n"
        "4  \\xff\\x00  fe\n");
  CHECK(Bee({"range", dir, "--checkout", "4", "--reverse"}).out ==
        "3  c  (no value)\n"
        "2  b  2\n"
        "1  a  1\n");
  CHECK(Bee({"get", dir, "b", "zz"}).out ==
        "5  b   22\n"
        "-  zz  (not found)\n");
  CHECK(Bee({"diff", dir, "--from", "5"}).out ==
        "-  1  a  1\n"
        "~  5  b  2 -> 22\n"
        "+  7  d  4\n");
  CHECK(Bee({"history", dir, "--gte", "-3"}).out ==
        "5  put  b  22\n"
        "6  del  a\n"
        "7  put  d  4\n");
}

TEST_CASE("golden JSON output", "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  CHECK(Bee({"range", dir, "--json", "--gte", "b", "--lt", "d"}).out ==
        "{\"seq\":5,\"key\":\"b\",\"value\":\"22\"}\n"
        "{\"seq\":3,\"key\":\"c\",\"value\":null}\n");
  // Not UTF-8: {"hex": ...}; with --hex every key and value prints as hex
  // (the VALUE argument of put is never hex: "fe" is two letters).
  CHECK(Bee({"get", dir, "--json", "--hex", "ff00"}).out ==
        "{\"seq\":4,\"key\":\"ff00\",\"value\":\"6665\"}\n");
  CHECK(Bee({"range", dir, "--json", "--gt", "d"}).out ==
        "{\"seq\":4,\"key\":{\"hex\":\"ff00\"},\"value\":\"fe\"}\n");
  CHECK(Bee({"get", dir, "nope", "--json"}).out == "null\n");
  CHECK(Bee({"diff", dir, "--json", "--from", "4", "--to", "5", "--hex"}).out ==
        "{\"left\":{\"seq\":4,\"key\":\"ff00\",\"value\":\"6665\"},\"right\":"
        "null}\n");
  CHECK(Bee({"history", dir, "--json", "--lte", "1"}).out ==
        "{\"type\":\"put\",\"seq\":1,\"key\":\"a\",\"value\":\"1\"}\n");
  std::string info = Bee({"info", dir, "--json"}).out;
  CHECK(info.rfind("{\"key\":\"", 0) == 0);
  CHECK(info.find("\"length\":8,\"fork\":0,\"byteLength\":") !=
        std::string::npos);
  CHECK(info.find("\"signatureVerified\":true") != std::string::npos);
  std::string empty = tmp.Sub("empty");
  REQUIRE(Bee({"create", empty}).code == 0);
  CHECK(Bee({"info", empty, "--json"}).out.find("\"length\":0") !=
        std::string::npos);
}

TEST_CASE("keys from stdin, options after positionals, -- before dashes",
          "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  CHECK(Bee({"get", dir, "-", "--json"}, "b\nd\n").out ==
        "{\"seq\":5,\"key\":\"b\",\"value\":\"22\"}\n"
        "{\"seq\":7,\"key\":\"d\",\"value\":\"4\"}\n");
  REQUIRE(Bee({"put", dir, "--", "-dash", "-v"}).code == 0);
  CHECK(
      Bee({"get", "--json", dir, "--", "-dash"}).out.find("\"value\":\"-v\"") !=
      std::string::npos);
}

TEST_CASE("bad arguments exit 2 with usage help", "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"put"},
           {"range", dir, "--gt", "a", "--gte", "b"},
           {"range", dir, "--limit", "many"},
           {"diff", dir},
           {"import", tmp.Sub("x"), "-"}}) {
    Outcome o = Bee(args);
    CAPTURE(args);
    CHECK(o.code == 2);
    CHECK_FALSE(o.err.empty());
  }
  CHECK(Bee({"--help"}).code == 0);
  CHECK(Bee({"range", "--help"}).out.find("--reverse") != std::string::npos);
}

TEST_CASE("bad values exit 1 with a clear message and change nothing",
          "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"create", tmp.Sub("n"), "--seed", "abc"}, "--seed"},
      {{"create", dir}, "already holds a store"},
      {{"create", tmp.path()}, "not an empty directory"},
      {{"get", dir, "a", "--checkout", "x"}, "not a version number"},
      {{"get", dir, "a", "--checkout", "7"}, "inside a batch"},
      {{"get", dir, "a", "--checkout", "6"}, "inside a batch"},
      {{"get", dir, "a", "--checkout", "99"}, "beyond the current version"},
      {{"get", dir, "--hex", "zz"}, "invalid hex"},
      {{"get", tmp.Sub("missing"), "a"}, "no such directory"},
      {{"get", tmp.path(), "a"}, "not a bee log"},
      {{"diff", dir, "--from", "6"}, "inside a batch"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args);
    Outcome o = Bee(c.args);
    CHECK(o.code == 1);
    CHECK(o.err.find(c.message) != std::string::npos);
  }
  CHECK(VersionOf(dir) == 8);
}

TEST_CASE("malformed NDJSON is reported by line and nothing is applied",
          "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  const std::string good = "{\"type\":\"put\",\"key\":\"x\",\"value\":\"y\"}\n";
  struct Case {
    std::string line;
    std::string message;
  } cases[] = {
      {"not json", "line 2: not valid JSON"},
      {"[1,2]", "line 2: not a JSON object"},
      {"{\"type\":\"upsert\",\"key\":\"k\"}", "line 2: unknown type"},
      {"{\"type\":\"put\"}", "line 2: missing \"key\""},
      {"{\"type\":\"put\",\"key\":5}", "\"key\" must be a string"},
      {"{\"type\":\"put\",\"key\":\"zz\",\"encoding\":\"hex\"}", "invalid hex"},
      {"{\"type\":\"del\",\"key\":\"k\",\"value\":\"v\"}", "a del has no"},
      {"{\"type\":\"put\",\"key\":\"k\",\"cas\":\"v\"}", "\"cas\" must be"},
      {"{\"type\":\"batch\",\"ops\":[{\"type\":\"put\"}]}", "ops[0]"},
      {"{\"type\":\"batch\"}", "needs an \"ops\" array"},
      {"{\"type\":\"put\",\"key\":\"k\",\"encoding\":\"base64\"}",
       "\"encoding\""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.line);
    Outcome o = Bee({"apply", dir, "-"}, good + c.line + "\n" + good);
    CHECK(o.code == 1);
    CHECK(o.err.find(c.message) != std::string::npos);
    CHECK(o.err.find("nothing was applied") != std::string::npos);
  }
  CHECK(VersionOf(dir) == 8);
  CHECK(Bee({"apply", dir, tmp.Sub("no-such-file")}).err.find("cannot open") !=
        std::string::npos);
}

TEST_CASE("apply: cas and hex encoding", "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  Outcome o = Bee({"apply", dir, "-", "--json"},
                  "{\"type\":\"put\",\"key\":\"b\",\"value\":\"x\",\"cas\":{"
                  "\"value\":\"nope\"}}\n"
                  "{\"type\":\"put\",\"key\":\"b\",\"value\":\"y\",\"cas\":{"
                  "\"value\":\"22\"}}\n"
                  "{\"type\":\"del\",\"key\":\"6b\",\"encoding\":\"hex\"}\n"
                  "{\"type\":\"put\",\"key\":\"6b\",\"value\":\"00\","
                  "\"encoding\":\"hex\"}\n");
  CHECK(o.out == "{\"operations\":4,\"written\":2,\"version\":10}\n");
  CHECK(Bee({"get", dir, "62", "6b", "--json", "--hex"}).out ==
        "{\"seq\":8,\"key\":\"62\",\"value\":\"79\"}\n"
        "{\"seq\":9,\"key\":\"6b\",\"value\":\"00\"}\n");
}

TEST_CASE("apply --no-sync writes what apply writes", "[tools]") {
  test::TempDir tmp;
  std::string input;
  for (int i = 0; i < 300; i++) {
    input += "{\"type\":\"put\",\"key\":\"k" + std::to_string(i * 7 % 300) +
             "\",\"value\":\"" + std::to_string(i) + "\"}\n";
    if (i % 50 == 0) {
      input += "{\"type\":\"batch\",\"ops\":[{\"type\":\"del\",\"key\":\"k" +
               std::to_string(i) + "\"},{\"type\":\"put\",\"key\":\"b" +
               std::to_string(i) + "\",\"value\":\"x\"}]}\n";
    }
  }
  std::string synced = tmp.Sub("synced"), unsynced = tmp.Sub("unsynced");
  for (const std::string& dir : {synced, unsynced}) {
    REQUIRE(Bee({"create", dir, "--seed", kSeed}).code == 0);
  }
  Outcome a = Bee({"apply", synced, "-", "--json"}, input);
  Outcome b = Bee({"apply", unsynced, "-", "--json", "--no-sync"}, input);
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  CHECK(a.out == b.out);
  // The same blocks and the same signed head, read back from disk.
  btree::BeeOptions o;
  o.core.read_only = true;
  auto x = btree::Bee::Open(synced, o).value();
  auto y = btree::Bee::Open(unsynced, o).value();
  REQUIRE(x->core().length() == y->core().length());
  for (uint64_t i = 0; i < x->core().length(); i++) {
    CAPTURE(i);
    CHECK(x->core().Get(i).value() == y->core().Get(i).value());
  }
  CHECK(x->core().signature() == y->core().signature());
}

TEST_CASE("corrupted files: reads fail clearly, verify reports, writes refuse",
          "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  {
    // Damage the last block, which holds the root of the latest tree.
    auto size = std::filesystem::file_size(dir + "/data");
    std::fstream f(dir + "/data",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 3));
    f.put('\x7f');
  }
  Outcome get = Bee({"range", dir});
  CHECK(get.code == 1);
  CHECK(get.err.find("data: block") != std::string::npos);
  Outcome verify = Dump({dir, "--verify"});
  CHECK(verify.code == 1);
  CHECK(verify.out.find("FAIL") != std::string::npos);
  Outcome json = Dump({dir, "--verify", "--json"});
  CHECK(json.out.find("\"ok\":false") != std::string::npos);
  // A damaged meta file refuses every command.
  {
    std::fstream f(dir + "/meta",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x01');
  }
  Outcome info = Bee({"info", dir});
  CHECK(info.code == 1);
  CHECK(info.err.find("meta: checksum mismatch") != std::string::npos);
}

TEST_CASE("a second writer is refused while the first holds the store",
          "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  auto holder = btree::Bee::Open(dir).value();
  Outcome o = Bee({"put", dir, "k", "v"});
  CHECK(o.code == 1);
  CHECK(o.err.find("locked by another writer") != std::string::npos);
  CHECK(Bee({"get", dir, "b"}).code == 0);  // readers are fine
}

TEST_CASE("export and import: verified, refused on any mismatch, no leftovers",
          "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  std::string exported = Bee({"export", dir}).out;
  std::string info = Bee({"info", dir, "--json"}).out;
  std::string sig = info.substr(info.find("\"signature\":\"") + 13, 136);
  const std::string pk =
      "c6ac7eaab3ab56f05a6d4a5fa6b8e2a1ea6f1ba52ff21e48c6b2e8a8d2bd4b46";
  std::string pub =
      Bee({"create", tmp.Sub("probe"), "--seed", kSeed, "--json"}).out;
  pub = pub.substr(pub.find("\"publicKey\":\"") + 13, 64);

  std::string copy = tmp.Sub("copy");
  Outcome ok = Bee(
      {"import", copy, "-", "--public-key", pub, "--signature", sig}, exported);
  REQUIRE(ok.code == 0);
  CHECK(Bee({"range", copy}).out == Bee({"range", dir}).out);
  CHECK(Bee({"put", copy, "x", "y"}).err.find("read-only") !=
        std::string::npos);

  struct Case {
    std::string name, key, signature, input, message;
  } cases[] = {
      {"wrong key", pk, sig, exported, "signature does not verify"},
      {"wrong signature", pub, std::string(4, '0') + sig.substr(4), exported,
       "signature"},
      {"tampered block", pub, sig,
       exported.substr(0, 30) + (exported[30] == 'a' ? "b" : "a") +
           exported.substr(31),
       "signature does not verify"},
      {"missing block", pub, sig, exported.substr(exported.find('\n') + 1),
       "expected seq 0"},
      {"not NDJSON", pub, sig, "hello\n", "line 1"},
      {"short signature", pub, "abcd", exported, "68-byte signature"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::string target = tmp.Sub("bad-" + c.name.substr(0, 5));
    Outcome o = Bee({"import", target, "-", "--public-key", c.key,
                     "--signature", c.signature},
                    c.input);
    CHECK(o.code == 1);
    CHECK(o.err.find(c.message) != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(target));
  }
  Outcome nonempty = Bee(
      {"import", dir, "-", "--public-key", pub, "--signature", sig}, exported);
  CHECK(nonempty.err.find("not an empty directory") != std::string::npos);
  CHECK(VersionOf(dir) == 8);
}

TEST_CASE("bee-dump: blocks, tree, stats", "[tools]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  Outcome blocks = Dump({dir});
  CHECK(blocks.code == 0);
  CHECK(blocks.out.find("0     header  protocol=hyperbee") == 0);
  CHECK(blocks.out.find("6     del     a") != std::string::npos);
  CHECK(Dump({dir, "--tree"}).out == "block 7 level 0: [b c d \\xff\\x00]\n");
  CHECK(Dump({dir, "--tree", "--checkout", "2"}).out ==
        "block 1 level 0: [a]\n");
  CHECK(Dump({dir, "--tree", "--checkout", "1"}).out == "(empty tree)\n");
  Outcome stats = Dump({dir, "--stats", "--json"});
  CHECK(stats.out.find("\"entries\":4") != std::string::npos);
  // Blocks and bytes each version added: four single puts, then the batch.
  CHECK(stats.out.find("{\"version\":8,\"blocks\":3,") != std::string::npos);
  CHECK(stats.out.find("{\"version\":2,\"blocks\":1,") != std::string::npos);
  CHECK(Dump({dir, "--stats"}).out.find("version 8: +3 blocks") !=
        std::string::npos);
  CHECK(Dump({dir, "--verify"}).code == 0);
  CHECK(Dump({tmp.Sub("nope")}).code == 1);
  CHECK(Dump({}).code == 2);
}

}  // namespace
}  // namespace bee::tools
