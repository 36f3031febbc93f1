// `bee watch` and `bee history --live` as child processes (the real `bee`
// binary) following a store that this test process writes: each change is
// printed once, in order, only within the sub and range asked for; the
// follower never takes the writer lock (the writes here would fail if it
// did); SIGTERM and SIGINT end it with exit 0. Lines are awaited with
// generous timeouts, never timed.
#include <signal.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/util/bee_process.h"
#include "tests/util/cli_run.h"
#include "tests/util/temp_dir.h"

namespace bee::tools {
namespace {

using test::BeeProcess;
using test::RunCli;

test::CliOutcome Bee(std::vector<std::string> args,
                     const std::string& input = "") {
  return RunCli(false, std::move(args), input);
}

std::string MakeStore(const test::TempDir& tmp) {
  std::string dir = tmp.Sub("store");
  REQUIRE(Bee({"create", dir, "--seed", std::string(64, '5')}).code == 0);
  REQUIRE(Bee({"put", dir, "--sub", "users", "ana", "1"}).code == 0);
  REQUIRE(Bee({"put", dir, "top", "t"}).code == 0);
  return dir;
}

TEST_CASE("bee watch follows another process's writes within the sub",
          "[tools][watch]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);  // version 3
  BeeProcess watch({"watch", dir, "--sub", "users", "--value-encoding", "json",
                    "--gte", "b", "--json"});
  // Printed once the watcher holds version 3: later writes are seen.
  REQUIRE(watch.ErrLine() == "bee watch: watching " + dir +
                                 " from version 3 (SIGINT or SIGTERM stops)");
  // Each write is awaited before the next, so each is its own version.
  REQUIRE(Bee({"put", dir, "--sub", "users", "bob", "{\"n\": 1}",
               "--value-encoding", "json"})
              .code == 0);
  CHECK(watch.OutLine() ==
        "{\"version\":4,\"type\":\"put\",\"seq\":3,\"key\":\"bob\",\"value\":"
        "{\"n\":1},\"previous\":null}");
  // Outside the sub, or below --gte: nothing printed. Then a change and a
  // deletion in one atomic batch: one version, two changes.
  REQUIRE(Bee({"put", dir, "bob", "root"}).code == 0);
  REQUIRE(Bee({"put", dir, "--sub", "users", "ana", "2"}).code == 0);
  REQUIRE(Bee({"apply", dir, "-", "--sub", "users", "--value-encoding", "json"},
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
  REQUIRE(Bee({"del", dir, "--sub", "users", "bob"}).code == 0);
  CHECK(watch.OutLine() ==
        "{\"version\":9,\"type\":\"del\",\"seq\":null,\"key\":\"bob\","
        "\"value\":null,\"previous\":{\"seq\":6,\"value\":[2]}}");
  // A truncation by the writer is reported, then followed.
  REQUIRE(Bee({"truncate", dir, "8", "--yes"}).code == 0);
  CHECK(watch.OutLine() == "{\"version\":8,\"type\":\"truncate\"}");
  REQUIRE(Bee({"put", dir, "--sub", "users", "eve", "3"}).code == 0);
  CHECK(watch.OutLine() ==
        "{\"version\":9,\"type\":\"put\",\"seq\":8,\"key\":\"eve\",\"value\":"
        "3,\"previous\":null}");
  CHECK(watch.Stop(SIGTERM) == 0);
  CHECK(watch.RestOfOut().empty());
}

TEST_CASE("bee watch prints changes for people and stops on SIGINT",
          "[tools][watch]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  BeeProcess watch({"watch", dir});
  REQUIRE(!watch.ErrLine().empty());
  REQUIRE(Bee({"put", dir, "--sub", "users", "ana", "9"}).code == 0);
  CHECK(watch.OutLine() == "4  ~  3  users\\x00ana  1 -> 9");
  REQUIRE(Bee({"del", dir, "top"}).code == 0);
  CHECK(watch.OutLine() == "5  -  2  top  t");
  CHECK(watch.Stop(SIGINT) == 0);
  CHECK(watch.RestOfOut().empty());
}

TEST_CASE("bee history --live prints the past, then each new write",
          "[tools][watch]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  BeeProcess live({"history", dir, "--live", "--sub", "users", "--json"});
  CHECK(live.OutLine() ==
        "{\"type\":\"put\",\"seq\":1,\"key\":\"ana\",\"value\":\"1\"}");
  REQUIRE(Bee({"put", dir, "skipped", "x"}).code == 0);
  REQUIRE(Bee({"del", dir, "--sub", "users", "ana"}).code == 0);
  CHECK(live.OutLine() ==
        "{\"type\":\"del\",\"seq\":4,\"key\":\"ana\",\"value\":null}");
  REQUIRE(Bee({"put", dir, "--sub", "users", "bob", "2"}).code == 0);
  CHECK(live.OutLine() ==
        "{\"type\":\"put\",\"seq\":5,\"key\":\"bob\",\"value\":\"2\"}");
  CHECK(live.Stop(SIGTERM) == 0);
  CHECK(live.RestOfOut().empty());
  // Without --live it ends by itself; --live cannot go backwards.
  CHECK(Bee({"history", dir, "--gte", "5"}).out ==
        "5  put  users\\x00bob  2\n");
  test::CliOutcome bad = Bee({"history", dir, "--live", "--reverse"});
  CHECK(bad.code == 1);
  CHECK(bad.err.find("--live follows new writes: it takes no --reverse") !=
        std::string::npos);
  CHECK(Bee({"history", dir, "--live", "--lt", "3"}).code == 1);
}

TEST_CASE("bee history --live with a limit ends after it", "[tools][watch]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  BeeProcess live({"history", dir, "--live", "--gte", "3", "--limit", "1"});
  REQUIRE(Bee({"put", dir, "k", "v"}).code == 0);
  CHECK(live.OutLine() == "3  put  k  v");
  CHECK(live.Wait() == 0);
  CHECK(live.RestOfOut().empty());
}

}  // namespace
}  // namespace bee::tools
