// Every read command on bee://HOST:PORT/KEYHEX: `bee get|range|diff|history|
// info|export` and `bee-dump` print exactly what they print for the served
// directory; --stats ends stderr with the cost; --cache makes a repeated
// query free and --offline reads it alone (or names the missing block); bad
// combinations are refused with a clear error.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "tests/util/cli_run.h"
#include "tests/util/server_thread.h"
#include "tests/util/temp_dir.h"

namespace bee::tools {
namespace {

using test::RunCli;

test::CliOutcome Bee(std::vector<std::string> args) {
  return RunCli(false, std::move(args));
}

std::string MakeStore(const test::TempDir& tmp, Hash32* key) {
  const std::string dir = tmp.Sub("store");
  Hash32 seed;
  seed.fill(4);
  auto bee = btree::Bee::Create(dir, log::KeyPair::FromSeed(seed)).value();
  for (int i = 0; i < 600; i += 50) {
    auto batch = bee->MakeBatch().value();
    for (int j = i; j < i + 50; j++) {
      REQUIRE(
          batch->Put("k" + std::to_string(1000 + j), "v" + std::to_string(j))
              .ok());
    }
    REQUIRE(batch->Flush().ok());
  }
  REQUIRE(bee->Del("k1003").ok());
  *key = bee->core().key();
  REQUIRE(bee->Close().ok());
  return dir;
}

// The last line of `text` (without its newline).
std::string LastLine(const std::string& text) {
  std::string t = text;
  if (!t.empty() && t.back() == '\n') t.pop_back();
  const size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

TEST_CASE("cli: every read command reads bee:// as it reads the directory",
          "[tools][remote]") {
  test::TempDir tmp;
  Hash32 key{};
  const std::string dir = MakeStore(tmp, &key);
  test::ServerThread server(dir);
  const std::string url = server.Url(key);
  const std::vector<std::vector<std::string>> commands = {
      {"get", "@", "k1007", "k1003", "k1599", "nope"},
      {"--json", "get", "@", "k1100"},
      {"range", "@", "--gte", "k1200", "--lt", "k1300"},
      {"--json", "range", "@", "--reverse", "--limit", "9"},
      {"range", "@", "--checkout", "101", "--gt", "k1090"},
      {"diff", "@", "--from", "401"},
      {"history", "@", "--gte", "590"},
      {"--json", "info", "@"},
      {"info", "@"},
      {"export", "@"},
  };
  for (const auto& command : commands) {
    std::vector<std::string> local = command, remote = command;
    for (auto& a : local) a = a == "@" ? dir : a;
    for (auto& a : remote) a = a == "@" ? url : a;
    auto l = Bee(local);
    auto r = Bee(remote);
    INFO(remote[0] + " " + remote[1] + ": " + r.err);
    CHECK(r.code == 0);
    CHECK(r.code == l.code);
    CHECK(r.out == l.out);
    CHECK_FALSE(r.out.empty());
  }
  auto l = RunCli(true, {dir, "--tree"});
  auto r = RunCli(true, {url, "--tree"});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out == l.out);
  auto verify = RunCli(true, {url, "--verify"});
  CHECK(verify.code == 1);
  CHECK(verify.err.find("--verify checks a store's files") !=
        std::string::npos);
}

TEST_CASE("cli: --stats, --cache and --offline on bee://", "[tools][remote]") {
  test::TempDir tmp;
  Hash32 key{};
  const std::string dir = MakeStore(tmp, &key);
  test::ServerThread server(dir);
  const std::string url = server.Url(key);
  const std::string cache = tmp.Sub("cache");

  auto cold = Bee({"get", url, "k1500", "--stats", "--cache", cache});
  INFO(cold.err);
  REQUIRE(cold.code == 0);
  CHECK(cold.out == Bee({"get", dir, "k1500"}).out);
  const std::string stats = LastLine(cold.err);
  CHECK(stats.rfind("{\"blocks\":", 0) == 0);
  CHECK(stats.find("\"blocks\":0") == std::string::npos);
  CHECK(stats.find("\"roundTrips\":0") == std::string::npos);
  CHECK(stats.find("\"bytes\":") != std::string::npos);

  // The same query again: everything is in the cache.
  auto warm = Bee({"get", url, "k1500", "--stats", "--cache", cache});
  REQUIRE(warm.code == 0);
  CHECK(warm.out == cold.out);
  CHECK(LastLine(warm.err) == "{\"blocks\":0,\"bytes\":0,\"roundTrips\":0}");

  // Offline: the cache alone, or an error naming the block it lacks.
  auto offline = Bee({"get", url, "k1500", "--offline", "--cache", cache});
  CHECK(offline.code == 0);
  CHECK(offline.out == cold.out);
  auto miss = Bee({"get", url, "k1010", "--offline", "--cache", cache});
  CHECK(miss.code == 1);
  CHECK(miss.err.find("bee: error: ") == 0);
  CHECK(miss.err.find("block ") != std::string::npos);
  CHECK(miss.err.find("is not in the cache") != std::string::npos);

  // Without --stats nothing is added to stderr.
  auto quiet = Bee({"get", url, "k1500"});
  CHECK(quiet.err.empty());
  // bee-dump says --net-stats (its --stats is the tree's).
  auto dump = RunCli(true, {url, "--net-stats"});
  CHECK(dump.code == 0);
  CHECK(LastLine(dump.err).rfind("{\"blocks\":", 0) == 0);
}

TEST_CASE("cli: bad bee:// arguments are refused naming what is wrong",
          "[tools][remote]") {
  test::TempDir tmp;
  Hash32 key{};
  const std::string dir = MakeStore(tmp, &key);
  auto cache_local = Bee({"get", dir, "k1", "--cache", tmp.Sub("c")});
  CHECK(cache_local.code == 1);
  CHECK(cache_local.err.find("are for bee:// addresses") != std::string::npos);
  auto offline_alone =
      Bee({"get", "bee://127.0.0.1:1/" + HexEncode(key), "k1", "--offline"});
  CHECK(offline_alone.code == 1);
  CHECK(offline_alone.err.find("--offline needs --cache") != std::string::npos);
  auto bad_key = Bee({"range", "bee://127.0.0.1:1/abc"});
  CHECK(bad_key.code == 1);
  CHECK(bad_key.err.find("key") != std::string::npos);
  auto nobody =
      Bee({"info", "bee://127.0.0.1:1/" + HexEncode(key), "--timeout", "3000"});
  CHECK(nobody.code == 1);
  CHECK(nobody.err.find("127.0.0.1:1") != std::string::npos);
}

}  // namespace
}  // namespace bee::tools
