// `bee watch` and `bee history --live` on bee://HOST:PORT/KEYHEX, as child
// processes (the real `bee` binary) following a store that this test
// process writes and serves (an in-process bee server, which refreshes the
// directory every 200 ms and announces each new length): each change is
// printed once, exactly as for the directory, within the sub and range
// asked for; SIGTERM and SIGINT end it with exit 0; a server that goes
// away, stops answering (a stopped `bee serve` process: noticed within
// --timeout), or truncates (a new fork), ends it with exit 1 and an error
// naming the URL and what happened. Lines are awaited with generous timeouts,
// never timed.
#include <signal.h>

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "encoding/bytes.h"
#include "tests/util/bee_process.h"
#include "tests/util/cli_run.h"
#include "tests/util/server_thread.h"
#include "tests/util/temp_dir.h"

namespace bee::tools {
namespace {

using test::BeeProcess;
using test::RunCli;

test::CliOutcome Bee(std::vector<std::string> args,
                     const std::string& input = "") {
  return RunCli(false, std::move(args), input);
}

// The store of watch_cli_test.cc (version 3).
std::string MakeStore(const test::TempDir& tmp) {
  std::string dir = tmp.Sub("store");
  REQUIRE(Bee({"create", dir, "--seed", std::string(64, '5')}).code == 0);
  REQUIRE(Bee({"put", dir, "--sub", "users", "ana", "1"}).code == 0);
  REQUIRE(Bee({"put", dir, "top", "t"}).code == 0);
  return dir;
}

Hash32 KeyOf(const std::string& dir) {
  btree::BeeOptions o;
  o.core.read_only = true;
  return btree::Bee::Open(dir, o).value()->core().key();
}

// That store, served.
struct Served {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  std::optional<test::ServerThread> server{std::in_place, dir};
  std::string url = server->Url(KeyOf(dir));
};

TEST_CASE("bee watch bee:// prints each new version's changes in the sub",
          "[tools][watch][remote]") {
  Served s;
  BeeProcess watch({"watch", s.url, "--sub", "users", "--value-encoding",
                    "json", "--gte", "b", "--json", "--timeout", "60000",
                    "--cache", s.tmp.Sub("cache")});
  // Printed once the watcher holds version 3: later writes are seen.
  REQUIRE(watch.ErrLine() == "bee watch: watching " + s.url +
                                 " from version 3 (SIGINT or SIGTERM stops)");
  // Each write is awaited before the next, so each is its own version.
  REQUIRE(Bee({"put", s.dir, "--sub", "users", "bob", "{\"n\": 1}",
               "--value-encoding", "json"})
              .code == 0);
  CHECK(watch.OutLine() ==
        "{\"version\":4,\"type\":\"put\",\"seq\":3,\"key\":\"bob\",\"value\":"
        "{\"n\":1},\"previous\":null}");
  // Outside the sub, or below --gte: nothing printed (whether the server
  // announces these versions one by one or with the next). Then a change
  // and a deletion in one atomic batch: one version, two changes.
  REQUIRE(Bee({"put", s.dir, "bob", "root"}).code == 0);
  REQUIRE(Bee({"put", s.dir, "--sub", "users", "ana", "2"}).code == 0);
  REQUIRE(
      Bee({"apply", s.dir, "-", "--sub", "users", "--value-encoding", "json"},
          "{\"type\":\"batch\",\"ops\":[{\"type\":\"put\",\"key\":\"bob\","
          "\"value\":[2]},{\"type\":\"del\",\"key\":\"cy\"},{\"type\":"
          "\"put\",\"key\":\"dan\"}]}\n")
          .code == 0);
  CHECK(watch.OutLine() ==
        "{\"version\":8,\"type\":\"put\",\"seq\":6,\"key\":\"bob\",\"value\":"
        "[2],\"previous\":{\"seq\":3,\"value\":{\"n\":1}}}");
  CHECK(watch.OutLine() ==
        "{\"version\":8,\"type\":\"put\",\"seq\":7,\"key\":\"dan\",\"value\":"
        "null,\"previous\":null}");
  REQUIRE(Bee({"del", s.dir, "--sub", "users", "bob"}).code == 0);
  CHECK(watch.OutLine() ==
        "{\"version\":9,\"type\":\"del\",\"seq\":null,\"key\":\"bob\","
        "\"value\":null,\"previous\":{\"seq\":6,\"value\":[2]}}");
  CHECK(watch.Stop(SIGTERM) == 0);
  CHECK(watch.RestOfOut().empty());
  // The cache holds what the watcher verified: a read of it needs no
  // server.
  s.server.reset();
  test::CliOutcome offline = Bee({"get", s.url, "--sub", "users", "dan",
                                  "--offline", "--cache", s.tmp.Sub("cache")});
  INFO(offline.err);
  CHECK(offline.code == 0);
  CHECK(offline.out == "7  dan  (no value)\n");
}

TEST_CASE("bee watch bee:// prints changes for people and stops on SIGINT",
          "[tools][watch][remote]") {
  Served s;
  BeeProcess watch({"watch", s.url});
  REQUIRE(!watch.ErrLine().empty());
  REQUIRE(Bee({"put", s.dir, "--sub", "users", "ana", "9"}).code == 0);
  CHECK(watch.OutLine() == "4  ~  3  users\\x00ana  1 -> 9");
  REQUIRE(Bee({"del", s.dir, "top"}).code == 0);
  CHECK(watch.OutLine() == "5  -  2  top  t");
  CHECK(watch.Stop(SIGINT) == 0);
  CHECK(watch.RestOfOut().empty());
}

TEST_CASE("bee history --live bee:// prints the past, then each new write",
          "[tools][watch][remote]") {
  Served s;
  BeeProcess live({"history", s.url, "--live", "--sub", "users", "--json",
                   "--timeout", "60000"});
  CHECK(live.OutLine() ==
        "{\"type\":\"put\",\"seq\":1,\"key\":\"ana\",\"value\":\"1\"}");
  REQUIRE(Bee({"put", s.dir, "skipped", "x"}).code == 0);
  REQUIRE(Bee({"del", s.dir, "--sub", "users", "ana"}).code == 0);
  CHECK(live.OutLine() ==
        "{\"type\":\"del\",\"seq\":4,\"key\":\"ana\",\"value\":null}");
  REQUIRE(Bee({"put", s.dir, "--sub", "users", "bob", "2"}).code == 0);
  CHECK(live.OutLine() ==
        "{\"type\":\"put\",\"seq\":5,\"key\":\"bob\",\"value\":\"2\"}");
  CHECK(live.Stop(SIGTERM) == 0);
  CHECK(live.RestOfOut().empty());

  // With a limit it ends by itself, after the next write.
  BeeProcess one({"history", s.url, "--live", "--gte", "6", "--limit", "1"});
  REQUIRE(Bee({"put", s.dir, "k", "v"}).code == 0);
  CHECK(one.OutLine() == "6  put  k  v");
  CHECK(one.Wait() == 0);
  CHECK(one.RestOfOut().empty());
}

TEST_CASE(
    "bee watch and history --live on bee:// fail when the server goes "
    "away, naming it",
    "[tools][watch][remote]") {
  Served s;
  const std::string address = s.server->address();
  BeeProcess watch({"watch", s.url});
  BeeProcess live({"history", s.url, "--live", "--json"});
  REQUIRE(!watch.ErrLine().empty());
  REQUIRE(live.OutLine() ==
          "{\"type\":\"put\",\"seq\":1,\"key\":\"users\\u0000ana\",\"value\":"
          "\"1\"}");
  REQUIRE(live.OutLine() ==
          "{\"type\":\"put\",\"seq\":2,\"key\":\"top\",\"value\":\"t\"}");
  s.server.reset();
  CHECK(watch.Wait() == 1);
  CHECK(live.Wait() == 1);
  for (BeeProcess* p : {&watch, &live}) {
    const std::string error = p->ErrLine();
    INFO(error);
    CHECK(error.rfind("bee: error: stopped following " + s.url +
                          ": connection to " + address + ": ",
                      0) == 0);
    CHECK(p->RestOfOut().empty());
  }
}

TEST_CASE(
    "bee watch and history --live on bee:// notice a server that stopped "
    "answering within --timeout, naming it",
    "[tools][watch][remote]") {
  test::TempDir tmp;
  const std::string dir = MakeStore(tmp);
  // `bee serve` as a process of its own, so that it can be stopped.
  BeeProcess server({"serve", dir, "--listen", "127.0.0.1:0"});
  const std::string listening = server.OutLine();
  REQUIRE(listening.rfind("listening on ", 0) == 0);
  const std::string address = listening.substr(13);
  const std::string url = "bee://" + address + "/" + HexEncode(KeyOf(dir));
  BeeProcess watch({"watch", url, "--timeout", "2000"});
  BeeProcess live(
      {"history", url, "--live", "--json", "--gte", "3", "--timeout", "2000"});
  REQUIRE(!watch.ErrLine().empty());
  REQUIRE(Bee({"put", dir, "k", "1"}).code == 0);
  CHECK(watch.OutLine() == "4  +  3  k  1");
  CHECK(live.OutLine() ==
        "{\"type\":\"put\",\"seq\":3,\"key\":\"k\",\"value\":\"1\"}");
  // The server stops: its socket stays open, nothing comes (no answer to
  // a ping, no keep-alive), as for a host that vanished.
  REQUIRE(kill(server.pid(), SIGSTOP) == 0);
  const int watch_exit = watch.Wait();
  const int live_exit = live.Wait();
  REQUIRE(kill(server.pid(), SIGCONT) == 0);
  CHECK(watch_exit == 1);
  CHECK(live_exit == 1);
  for (BeeProcess* p : {&watch, &live}) {
    const std::string error = p->ErrLine();
    INFO(error);
    CHECK(error == "bee: error: stopped following " + url + ": connection to " +
                       address +
                       ": nothing received for 2000 ms, not even an answer "
                       "to a ping (the server stopped answering)");
    CHECK(p->RestOfOut().empty());
  }
  CHECK(server.Stop(SIGTERM) == 0);
}

TEST_CASE(
    "bee watch bee:// stops when the server's writer truncates, "
    "naming both forks",
    "[tools][watch][remote]") {
  Served s;
  BeeProcess watch({"watch", s.url, "--json"});
  REQUIRE(!watch.ErrLine().empty());
  REQUIRE(Bee({"put", s.dir, "k", "1"}).code == 0);
  CHECK(watch.OutLine() ==
        "{\"version\":4,\"type\":\"put\",\"seq\":3,\"key\":\"k\",\"value\":"
        "\"1\",\"previous\":null}");
  REQUIRE(Bee({"truncate", s.dir, "3", "--yes"}).code == 0);
  CHECK(watch.Wait() == 1);
  CHECK(watch.RestOfOut().empty());
  CHECK(watch.ErrLine() == "bee: error: stopped following " + s.url + ": " +
                               s.server->address() +
                               ": peer moved to fork 1 (its log was "
                               "truncated); this replica holds fork 0 and "
                               "cannot follow a new fork");
}

TEST_CASE("bee watch and history --live refuse --offline on bee://",
          "[tools][watch][remote]") {
  Served s;
  for (std::vector<std::string> args :
       {std::vector<std::string>{"watch", s.url},
        std::vector<std::string>{"history", s.url, "--live"}}) {
    args.insert(args.end(), {"--offline", "--cache", s.tmp.Sub("cache")});
    test::CliOutcome r = Bee(args);
    CHECK(r.code == 1);
    CHECK(r.out.empty());
    CHECK(r.err ==
          "bee: error: --offline reads the cache alone: following new writes "
          "needs the server\n");
  }
}

}  // namespace
}  // namespace bee::tools
