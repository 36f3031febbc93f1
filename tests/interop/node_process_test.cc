// tests/util/node_process.h itself: replies, timeouts, dead and misbehaving
// children, with small stand-in scripts where peer.js would behave.
#include "tests/util/node_process.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/util/node_runner.h"
#include "tests/util/temp_dir.h"

namespace bee::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// A stand-in script with body `js`, started.
std::unique_ptr<NodeProcess> StartScript(const TempDir& tmp,
                                         const std::string& js) {
  const std::string path = tmp.Sub("stand-in.js");
  std::ofstream(path) << js;
  auto child = NodeProcess::Start(path);
  INFO(child.status().ToString());
  REQUIRE(child.ok());
  return std::move(*child);
}

// Whether `pid` is gone (reaped: not even a zombie left).
bool Gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

TEST_CASE("node process: a call gets its reply, and close ends the child",
          "[interop][node_process]") {
  if (SkipWithoutNode()) return;
  auto peer = NodeProcess::Start();
  REQUIRE(peer.ok());
  auto reply = (*peer)->Call({{"cmd", "fly"}});
  REQUIRE(reply.ok());
  CHECK((*reply)["ok"] == false);
  CHECK((*reply)["id"] == 1);  // added by Call
  auto explicit_id = (*peer)->Call({{"cmd", "fly"}, {"id", "mine"}});
  REQUIRE(explicit_id.ok());
  CHECK((*explicit_id)["id"] == "mine");
  auto not_object = (*peer)->Call(json::array({"cmd"}));
  CHECK(not_object.status().IsInvalidArgument());

  const pid_t pid = (*peer)->pid();
  CHECK((*peer)->Close().ok());
  CHECK(!(*peer)->running());
  CHECK(Gone(pid));
  auto after = (*peer)->Call({{"cmd", "info"}});
  CHECK(after.status().IsIOError());
  CHECK_THAT(after.status().message(), Catch::Contains("no process"));
}

TEST_CASE("node process: destruction kills and reaps a running child",
          "[interop][node_process]") {
  if (SkipWithoutNode()) return;
  auto peer = NodeProcess::Start();
  REQUIRE(peer.ok());
  REQUIRE((*peer)->Call({{"cmd", "info"}}).ok());  // it runs
  const pid_t pid = (*peer)->pid();
  CHECK(!Gone(pid));
  peer->reset();
  CHECK(Gone(pid));
}

TEST_CASE(
    "node process: a call that outlasts its timeout kills the child and "
    "quotes its stderr",
    "[interop][node_process]") {
  if (SkipWithoutNode()) return;
  auto peer = NodeProcess::Start();
  REQUIRE(peer.ok());
  NodeProcess& p = **peer;
  // Leaves "get failed" on stderr.
  REQUIRE(p.Call({{"cmd", "get"}, {"key", "00"}}).ok());
  REQUIRE(
      p.CallOk(
           {{"cmd", "reader"}, {"name", "r"}, {"key", std::string(64, '7')}})
          .ok());
  const pid_t pid = p.pid();
  // Nothing serves the core: peer.js would wait a minute.
  auto stuck =
      p.Call({{"cmd", "waitPeer"}, {"timeout", 60000}}, milliseconds(300));
  REQUIRE(!stuck.ok());
  CHECK(stuck.status().IsIOError());
  const std::string message = stuck.status().message();
  CHECK_THAT(message, Catch::Contains("waitPeer after 300 ms: no reply"));
  CHECK_THAT(message, Catch::Contains("killed by signal 9"));
  CHECK_THAT(message, Catch::Contains("get failed"));
  CHECK(!p.running());
  CHECK(Gone(pid));
}

TEST_CASE(
    "node process: what the child leaves in its temp directory goes with it",
    "[interop][node_process]") {
  if (SkipWithoutNode()) return;
  TempDir tmp;
  auto child = StartScript(
      tmp,
      "const fs = require('fs'), os = require('os'), path = require('path')\n"
      "process.stdin.once('data', () => {\n"
      "  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'left-'))\n"
      "  process.stdout.write(JSON.stringify({ ok: true, id: 1, dir }) + "
      "'\\n')\n"
      "})\n");
  auto reply = child->CallOk({{"cmd", "mkdtemp"}});
  REQUIRE(reply.ok());
  const std::string left = (*reply)["dir"];
  CHECK(std::filesystem::is_directory(left));
  child.reset();  // kills it: it cannot clean up itself
  CHECK(!std::filesystem::exists(left));
}

TEST_CASE("node process: a child that exits is reported with its status",
          "[interop][node_process]") {
  if (SkipWithoutNode()) return;
  TempDir tmp;
  auto child =
      StartScript(tmp, "process.stderr.write('boom\\n'); process.exit(3)\n");
  auto reply = child->Call({{"cmd", "info"}});
  REQUIRE(!reply.ok());
  CHECK(reply.status().IsIOError());
  CHECK_THAT(reply.status().message(), Catch::Contains("exit status 3"));
  CHECK_THAT(reply.status().message(), Catch::Contains("boom"));
  CHECK(!child->running());
}

TEST_CASE(
    "node process: a reply that is not JSON, or not for the command, "
    "is Corruption",
    "[interop][node_process]") {
  if (SkipWithoutNode()) return;
  TempDir tmp;
  const std::pair<const char*, const char*> cases[] = {
      {"'not json'", "not a JSON object: not json"},
      {"'{\"ok\":true,\"id\":\"other\"}'", "for another command"},
  };
  for (const auto& [reply_js, error] : cases) {
    CAPTURE(reply_js);
    auto child =
        StartScript(tmp, std::string("process.stdin.once('data', () => "
                                     "process.stdout.write(") +
                             reply_js + " + '\\n'))\n");
    auto reply = child->Call({{"cmd", "info"}});
    CHECK(reply.status().IsCorruption());
    CHECK_THAT(reply.status().message(), Catch::Contains(error));
  }
}

TEST_CASE("node process: an unknown script is InvalidArgument",
          "[interop][node_process]") {
  if (SkipWithoutNode()) return;
  auto missing = NodeProcess::Start("no-such-peer.js");
  CHECK(missing.status().IsInvalidArgument());
  CHECK_THAT(missing.status().message(), Catch::Contains("no-such-peer.js"));
}

}  // namespace
}  // namespace bee::test
