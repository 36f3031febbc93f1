// The `bee` options that speak in hyperbee users' terms (issue 14), run
// in-process: --sub/--sep (and "sub" in apply lines), --key-encoding and
// --value-encoding, and `bee truncate`: golden human and JSON output, and
// each bad input refused with a message naming it, changing nothing.
// (watch and history --live run as child processes: watch_cli_test.cc.)
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "tests/util/cli_run.h"
#include "tests/util/temp_dir.h"

namespace bee::tools {
namespace {

using Outcome = test::CliOutcome;

Outcome Bee(std::vector<std::string> args, const std::string& input = "") {
  return test::RunCli(false, std::move(args), input);
}

// Adds `extra` after `args`.
std::vector<std::string> With(std::vector<std::string> args,
                              const std::vector<std::string>& extra) {
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

const std::vector<std::string> kEu = {"--sub", "users", "--sub", "eu"};
const std::vector<std::string> kJson = {"--value-encoding", "json"};

// Blocks: 1 users/eu ana, 2 users zed, 3-5 one batch in users/eu (bob, cy
// without a value, x/deep in the nested sub x), 6 a root key.
std::string MakeStore(const test::TempDir& tmp) {
  std::string dir = tmp.Sub("store");
  REQUIRE(Bee({"create", dir, "--seed", std::string(64, '2')}).code == 0);
  Outcome o = Bee(
      {"apply", dir, "-", "--value-encoding", "json"},
      "{\"type\":\"put\",\"sub\":[\"users\",\"eu\"],\"key\":\"ana\","
      "\"value\":{\"name\":\"Ana\",  \"age\":31.0}}\n"
      "{\"type\":\"put\",\"sub\":[\"users\"],\"key\":\"zed\",\"value\":\"z\"}\n"
      "{\"type\":\"batch\",\"sub\":[\"users\",\"eu\"],\"ops\":["
      "{\"type\":\"put\",\"key\":\"bob\",\"value\":[1,2]},"
      "{\"type\":\"put\",\"key\":\"cy\",\"value\":null},"
      "{\"type\":\"put\",\"sub\":[\"x\"],\"key\":\"deep\",\"value\":true}]}\n"
      "{\"type\":\"put\",\"key\":\"root\",\"value\":1e2}\n");
  REQUIRE(o.code == 0);
  return dir;
}

uint64_t VersionOf(const std::string& dir) {
  btree::BeeOptions o;
  o.core.read_only = true;
  return btree::Bee::Open(dir, o).value()->version();
}

TEST_CASE("subs: keys are read relative to nested subs", "[tools][sub]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  // The whole tree: hyperbee's layout, name ‖ 00 per level.
  CHECK(Bee({"range", dir}).out ==
        "6  root                      100\n"
        "1  users\\x00eu\\x00ana        {\"name\":\"Ana\",\"age\":31}\n"
        "3  users\\x00eu\\x00bob        [1,2]\n"
        "4  users\\x00eu\\x00cy         (no value)\n"
        "5  users\\x00eu\\x00x\\x00deep  true\n"
        "2  users\\x00zed              \"z\"\n");
  CHECK(Bee(With({"range", dir}, With(kEu, kJson))).out ==
        "1  ana        {\"name\": \"Ana\", \"age\": 31}\n"
        "3  bob        [1, 2]\n"
        "4  cy         (no value)\n"
        "5  x\\x00deep  true\n");
  CHECK(Bee(With({"range", dir, "--json", "--gt", "ana", "--reverse"},
                 With(kEu, kJson)))
            .out ==
        "{\"seq\":5,\"key\":\"x\\u0000deep\",\"value\":true}\n"
        "{\"seq\":4,\"key\":\"cy\",\"value\":null}\n"
        "{\"seq\":3,\"key\":\"bob\",\"value\":[1,2]}\n");
  // The empty key of a sub is not listed (hyperbee's default range), and a
  // sub's range stops at its end: users lists eu's keys and zed only.
  CHECK(Bee({"range", dir, "--sub", "users", "--json"}).out ==
        "{\"seq\":1,\"key\":\"eu\\u0000ana\",\"value\":\"{\\\"name\\\":"
        "\\\"Ana\\\",\\\"age\\\":31}\"}\n"
        "{\"seq\":3,\"key\":\"eu\\u0000bob\",\"value\":\"[1,2]\"}\n"
        "{\"seq\":4,\"key\":\"eu\\u0000cy\",\"value\":null}\n"
        "{\"seq\":5,\"key\":\"eu\\u0000x\\u0000deep\",\"value\":\"true\"}\n"
        "{\"seq\":2,\"key\":\"zed\",\"value\":\"\\\"z\\\"\"}\n");
  CHECK(
      Bee(With({"get", dir, "ana", "nope", "--json"}, With(kEu, kJson))).out ==
      "{\"seq\":1,\"key\":\"ana\",\"value\":{\"name\":\"Ana\",\"age\":31}}\n"
      "null\n");
  CHECK(Bee(With({"get", dir, "deep"}, With(kEu, {"--sub", "x"}))).out ==
        "5  deep  true\n");
  CHECK(Bee(With({"get", dir, "-"}, kEu), "bob\nzed\n").out ==
        "3  bob  [1,2]\n"
        "-  zed  (not found)\n");
  CHECK(Bee(With({"diff", dir, "--from", "3"}, With(kEu, kJson))).out ==
        "+  3  bob        [1, 2]\n"
        "+  4  cy         (no value)\n"
        "+  5  x\\x00deep  true\n");
  CHECK(Bee(With({"diff", dir, "--from", "3", "--json", "--lt", "c"},
                 With(kEu, kJson)))
            .out ==
        "{\"left\":{\"seq\":3,\"key\":\"bob\",\"value\":[1,2]},\"right\":"
        "null}\n");
  // History keeps the sub's writes only (the limit counts those). Block 4
  // (cy, no value) reads as a del: in a flushed batch its block keeps no
  // index, and hyperbee's history calls such a block a deletion too.
  CHECK(Bee(With({"history", dir, "--limit", "3"}, With(kEu, kJson))).out ==
        "1  put  ana  {\"name\": \"Ana\", \"age\": 31}\n"
        "3  put  bob  [1, 2]\n"
        "4  del  cy\n");
  CHECK(Bee({"history", dir, "--sub", "users", "--json", "--gte", "2",
             "--limit", "1"})
            .out ==
        "{\"type\":\"put\",\"seq\":2,\"key\":\"zed\",\"value\":"
        "\"\\\"z\\\"\"}\n");
}

TEST_CASE("subs: writes and deletes inside the sub; --sep sets the separator",
          "[tools][sub]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  CHECK(Bee(With({"put", dir, "dan", "{\"a\": [ 1 ]}", "--json"},
                 With(kEu, kJson)))
            .out == "{\"seq\":7,\"key\":\"dan\",\"value\":{\"a\":[1]}}\n");
  CHECK(Bee(With({"del", dir, "bob"}, kEu)).out == "deleted bob (seq 8)\n");
  CHECK(Bee(With({"del", dir, "bob"}, kEu)).out ==
        "bob not found: nothing written\n");
  CHECK(Bee({"put", dir, "--sep", "2f", "--sub", "a", "--sub", "b", "k", "v"})
            .out == "put k (seq 9)\n");
  CHECK(Bee({"get", dir, "a/b/k"}).out == "9  a/b/k  v\n");
  CHECK(Bee({"range", dir, "--sep", "2f", "--sub", "a"}).out == "9  b/k  v\n");
  CHECK(Bee({"get", dir, "--json", "--hex", "--sub", "users", "7a6564"}).out ==
        "{\"seq\":2,\"key\":\"7a6564\",\"value\":\"227a22\"}\n");
  // An apply line's "sub" nests inside --sub.
  REQUIRE(Bee({"apply", dir, "-", "--sub", "users"},
              "{\"type\":\"put\",\"sub\":[\"eu\"],\"key\":\"eve\",\"value\":"
              "\"e\"}\n")
              .code == 0);
  CHECK(Bee(With({"get", dir, "eve"}, kEu)).out == "10  eve  e\n");
  // --sep with subs named only by the lines.
  REQUIRE(Bee({"apply", dir, "-", "--sep", "2f"},
              "{\"type\":\"put\",\"sub\":[\"p\"],\"key\":\"q\",\"value\":"
              "\"r\"}\n")
              .code == 0);
  CHECK(Bee({"get", dir, "p/q"}).out == "11  p/q  r\n");
  CHECK(VersionOf(dir) == 12);
}

TEST_CASE("key and value encodings: utf-8, binary, json", "[tools][encoding]") {
  test::TempDir tmp;
  std::string dir = tmp.Sub("store");
  REQUIRE(Bee({"create", dir}).code == 0);
  // binary: VALUE is hex too (with --hex it stays text, as before).
  CHECK(Bee({"put", dir, "--key-encoding", "binary", "--value-encoding",
             "binary", "ff01", "6869"})
            .out == "put ff01 (seq 1)\n");
  CHECK(Bee({"put", dir, "--hex", "ff02", "6869"}).code == 0);
  CHECK(Bee({"range", dir, "--json", "--value-encoding", "binary"}).out ==
        "{\"seq\":1,\"key\":{\"hex\":\"ff01\"},\"value\":\"6869\"}\n"
        "{\"seq\":2,\"key\":{\"hex\":\"ff02\"},\"value\":\"36383639\"}\n");
  // utf-8 decodes as Node does: each bad sequence is one U+FFFD.
  CHECK(Bee({"range", dir, "--json", "--key-encoding", "utf8", "--limit", "1"})
            .out ==
        "{\"seq\":1,\"key\":\"\xef\xbf\xbd\\u0001\",\"value\":"
        "\"hi\"}\n");
  CHECK(Bee({"get", dir, "--key-encoding", "binary", "ff01", "--value-encoding",
             "utf-8"})
            .out == "1  ff01  hi\n");
  // json keys: stored as JSON.stringify writes them, printed as values.
  CHECK(Bee({"put", dir, "--key-encoding", "json", "[1, \"a\"]", "v"}).out ==
        "put [1, \"a\"] (seq 3)\n");
  CHECK(Bee({"get", dir, "5b312c2261225d", "--hex"}).out ==
        "3  5b312c2261225d  76\n");
  CHECK(Bee({"get", dir, "--key-encoding", "json", " [1, \"a\"]"}).out ==
        "3  [1, \"a\"]  v\n");
  CHECK(Bee({"get", dir, "--key-encoding", "json", "-"}, "[1,\"a\"]\n").out ==
        "3  [1, \"a\"]  v\n");
  CHECK(Bee({"range", dir, "--key-encoding", "json", "--json", "--gte", "[0]",
             "--lt", "[2]"})
            .out == "{\"seq\":3,\"key\":[1,\"a\"],\"value\":\"v\"}\n");
  // JS's number and key order rules (tools/json_value.h).
  CHECK(Bee({"put", dir, "n", "--value-encoding", "json", "--json",
             "{\"b\":1.50,\"10\":1e21,\"2\":-0,\"a\":1E-7,\"b\":2}"})
            .out ==
        "{\"seq\":4,\"key\":\"n\",\"value\":{\"2\":0,\"10\":1e+21,"
        "\"b\":2,\"a\":1e-7}}\n");
  CHECK(Bee({"get", dir, "n"}).out ==
        "4  n  {\"2\":0,\"10\":1e+21,\"b\":2,\"a\":1e-7}\n");
  // A stored value that is not JSON, read as json: named by its seq.
  REQUIRE(Bee({"put", dir, "raw", "1x"}).code == 0);
  Outcome raw = Bee({"get", dir, "raw", "--value-encoding", "json"});
  CHECK(raw.code == 1);
  CHECK(raw.err.find("the value of seq 5 (--value-encoding json): not valid "
                     "JSON") != std::string::npos);
  CHECK(Bee({"range", dir, "--key-encoding", "json", "--gt", "\"z\""})
            .err.rfind("bee: error: the key of seq 4 (--key-encoding json): "
                       "not valid JSON (",
                       0) == 0);
}

TEST_CASE("bad encodings, JSON, sub names and separators are refused",
          "[tools][encoding][sub]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  // Unknown encodings are bad arguments (exit 2).
  for (const char* option : {"--key-encoding", "--value-encoding"}) {
    Outcome o = Bee({"range", dir, option, "utf16le"});
    CAPTURE(option);
    CHECK(o.code == 2);
    CHECK(o.err.find("unknown encoding 'utf16le' (expected utf-8, binary or "
                     "json)") != std::string::npos);
  }
  struct Case {
    std::vector<std::string> args;
    std::string input;
    std::string message;
  } cases[] = {
      {{"put", dir, "k", "{\"a\":", "--value-encoding", "json"},
       "",
       "VALUE (--value-encoding json): not valid JSON"},
      {{"put", dir, "k", "NaN", "--value-encoding", "json"},
       "",
       "VALUE (--value-encoding json): not valid JSON"},
      {{"put", dir, "k", "1e400", "--value-encoding", "json"},
       "",
       "VALUE (--value-encoding json): not valid JSON"},
      {{"get", dir, "ana", "--key-encoding", "json"},
       "",
       "KEY (--key-encoding json): not valid JSON"},
      {{"range", dir, "--gt", "{", "--key-encoding", "json"},
       "",
       "--gt (--key-encoding json): not valid JSON"},
      {{"get", dir, "-", "--key-encoding", "json"},
       "\"ok\"\nbad\n",
       "stdin line 2 (--key-encoding json): not valid JSON"},
      {{"put", dir, "\xc3", "v", "--key-encoding", "utf-8"},
       "",
       "KEY (--key-encoding utf-8): not valid UTF-8"},
      {{"put", dir, "k", "6x", "--value-encoding", "binary"},
       "",
       "VALUE (--value-encoding binary): invalid hex"},
      {{"range", dir, "--sub", "\xff", "--key-encoding", "utf-8"},
       "",
       "--sub '\\xff': not valid UTF-8 (--key-encoding utf-8)"},
      {{"put", dir, "--sub", "a\xc0", "\"k\"", "v", "--key-encoding", "json"},
       "",
       "--sub 'a\\xc0': not valid UTF-8 (--key-encoding json)"},
      {{"range", dir, "--sub", "a", "--sep", "0g"}, "", "--sep: invalid hex"},
      {{"del", dir, "k", "--sub", "a", "--sep", "123"}, "", "--sep: "},
      {{"put", dir, "k", "v", "--sep", "2f"},
       "",
       "--sep is the separator after each sub name: give --sub too"},
      {{"apply", dir, "-", "--value-encoding", "json"},
       "{\"type\":\"put\",\"key\":\"k\",\"value\":1e999}\n",
       "line 1: not valid JSON"},
      {{"apply", dir, "-"},
       "{\"type\":\"put\",\"sub\":\"users\",\"key\":\"k\"}\n",
       "line 1: \"sub\" must be an array of names"},
      {{"apply", dir, "-"},
       "{\"type\":\"batch\",\"ops\":[{\"type\":\"del\",\"key\":\"k\",\"sub\":"
       "[1]}]}\n",
       "line 1: ops[0]: \"sub\" must be an array of names"},
      {{"apply", dir, "-", "--key-encoding", "binary"},
       "{\"type\":\"put\",\"key\":\"zz\"}\n",
       "line 1: \"key\": invalid hex"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args, c.input);
    Outcome o = Bee(c.args, c.input);
    CHECK(o.code == 1);
    CHECK(o.err.find(c.message) != std::string::npos);
    CHECK(o.err.find("\n") == o.err.size() - 1);  // one line
  }
  CHECK(VersionOf(dir) == 7);
}

TEST_CASE("truncate lists what it drops and needs --yes", "[tools][truncate]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  // Block 4 lists as a del, as in history (see above).
  const std::string dropped =
      "3  put  users\\x00eu\\x00bob        [1,2]\n"
      "4  del  users\\x00eu\\x00cy\n"
      "5  put  users\\x00eu\\x00x\\x00deep  true\n"
      "6  put  root                      100\n";
  Outcome refused = Bee({"truncate", dir, "3"});
  CHECK(refused.code == 1);
  CHECK(refused.out == dropped);
  CHECK(refused.err ==
        "bee: error: not truncated: it would drop versions 4..7 (4 blocks), "
        "listed above; pass --yes to truncate\n");
  CHECK(VersionOf(dir) == 7);
  // Versions 4 and 5 end inside the batch of blocks 3-5.
  Outcome inside = Bee({"truncate", dir, "5", "--yes"});
  CHECK(inside.code == 1);
  CHECK(inside.err.find("inside a batch") != std::string::npos);
  Outcome done = Bee({"truncate", dir, "6", "--yes"});
  CHECK(done.code == 0);
  CHECK(done.out ==
        "6  put  root  100\n"
        "truncated " +
            dir +
            " to version 6 (fork 1): dropped versions 7..7 "
            "(1 block)\n");
  CHECK(VersionOf(dir) == 6);
  CHECK(Bee({"get", dir, "root"}).out == "-  root  (not found)\n");
  CHECK(Bee({"truncate", dir, "6", "--yes", "--json"}).out ==
        "{\"version\":6,\"fork\":1,\"droppedBlocks\":0}\n");
  CHECK(Bee({"truncate", dir, "3", "--yes", "--json"}).out ==
        "{\"type\":\"put\",\"seq\":3,\"key\":\"users\\u0000eu\\u0000bob\","
        "\"value\":\"[1,2]\"}\n"
        "{\"type\":\"del\",\"seq\":4,\"key\":\"users\\u0000eu\\u0000cy\","
        "\"value\":null}\n"
        "{\"type\":\"put\",\"seq\":5,\"key\":\"users\\u0000eu\\u0000x\\u0000"
        "deep\",\"value\":\"true\"}\n"
        "{\"version\":3,\"fork\":2,\"droppedBlocks\":3}\n");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"truncate", dir, "4", "--yes"},
       "VERSION 4 is past the store's version 3: nothing to truncate"},
      {{"truncate", dir, "99"}, "VERSION 99 is past the store's version 3"},
      {{"truncate", dir, "-1", "--yes"}, "VERSION: '-1' is not a version"},
      {{"truncate", tmp.Sub("none"), "1", "--yes"}, "cannot open store"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args);
    Outcome o = Bee(c.args);
    CHECK(o.code == 1);
    CHECK(o.err.find(c.message) != std::string::npos);
  }
  CHECK(VersionOf(dir) == 3);
  CHECK(Bee({"truncate", dir}).code == 2);  // VERSION is required
}

TEST_CASE("every new option has --help text", "[tools]") {
  for (const char* cmd :
       {"put", "del", "get", "apply", "range", "diff", "history", "watch"}) {
    CAPTURE(cmd);
    Outcome o = Bee({cmd, "--help"});
    CHECK(o.code == 0);
    CHECK(o.out.find("--sub NAME") != std::string::npos);
    CHECK(o.out.find("db.sub(NAME)") != std::string::npos);
    CHECK(o.out.find("--sep HEX") != std::string::npos);
    CHECK(o.out.find("--key-encoding ENC") != std::string::npos);
    if (std::string(cmd) != "del") {
      CHECK(o.out.find("--value-encoding ENC") != std::string::npos);
    }
  }
  CHECK(Bee({"history", "--help"}).out.find("--live") != std::string::npos);
  CHECK(Bee({"watch", "--help"}).out.find("--gte K") != std::string::npos);
  Outcome t = Bee({"truncate", "--help"});
  CHECK(t.out.find("--yes") != std::string::npos);
  CHECK(t.out.find("VERSION") != std::string::npos);
  CHECK(Bee({"--help"}).out.find("watch") != std::string::npos);
}

}  // namespace
}  // namespace bee::tools
