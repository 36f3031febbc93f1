// Live remote reads from a JS server: a JS hyperbee 2.27.3 writer on
// hypercore 11.39.5 serves its bee over TCP loopback and appends puts,
// deletes and batches (one at a time, then a burst) while a bee RemoteBee
// (a btree::Watcher and a live btree::HistoryIterator on it) and the `bee
// watch` / `bee history --live` CLI on its bee:// URL follow it. A local
// copy of the same log (bee applies the same ops: byte-identical, same
// key) is followed the same way, and every event, entry and printed line
// of the remote followers equals the local one; the remote history also
// equals the JS side's own. A truncation by the JS writer stops the
// reader, naming both forks. A RemoteBee that pings (RemoteOptions::
// heartbeat) is answered by the JS server, and a JS server that stops
// (SIGSTOP: the connection stays open, nothing comes) ends `bee watch` and
// `bee history --live` with exit 1 and an error naming the server and the
// --timeout. Waits are bounded by generous deadlines (failures, not
// measurements).
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "btree/bee.h"
#include "btree/diff.h"
#include "btree/history.h"
#include "btree/watch.h"
#include "encoding/bytes.h"
#include "log/core.h"
#include "log/crypto.h"
#include "remote/remote_store.h"
#include "tests/util/bee_process.h"
#include "tests/util/js_peer_ops.h"
#include "tests/util/node_process.h"
#include "tests/util/temp_dir.h"

namespace bee::test {
namespace {

using nlohmann::json;

constexpr std::chrono::seconds kDeadline(60);

// A JS writer holding WriterOps, listening on loopback.
struct JsServer {
  std::unique_ptr<NodeProcess> js = StartPeer();
  json created =
      Ok(*js, {{"cmd", "writer"}, {"name", "w"}, {"seed", kWriterSeed}});
  uint64_t length =
      Ok(*js, {{"cmd", "append"}, {"ops", WriterOps()}})["length"];
  int port = Ok(*js, {{"cmd", "listen"}})["port"];
  std::string address = "127.0.0.1:" + std::to_string(port);
  std::string url =
      "bee://" + address + "/" + created["key"].get<std::string>();

  // One op as one JS append (one new signed length); the new length.
  uint64_t Append(const json& op) {
    return Ok(*js, {{"cmd", "append"}, {"ops", json::array({op})}})["length"];
  }
};

// The same log held by bee: WriterOps applied by a bee writer with the JS
// writer's key pair (byte-identical blocks, the same key), open for writing.
std::unique_ptr<btree::Bee> LocalCopy(const std::string& dir) {
  auto seed = HexDecodeFixed<32>(kWriterSeed, "seed").value();
  auto bee = btree::Bee::Create(dir, log::KeyPair::FromSeed(seed));
  REQUIRE(bee.ok());
  REQUIRE(ApplyOps(bee->get(), WriterOps()).ok());
  return std::move(bee).value();
}

json PutText(const std::string& key, const std::string& value) {
  return {{"put", {{"key", Hex(key)}, {"value", Hex(value)}}}};
}

// The live writes, each one op (a put, a del, or an atomic batch of
// several): one new version each, and each changes at least one key.
json LiveSteps() {
  return json::array({
      Put(150, "changed"),
      Del(10),
      {{"batch",
        json::array({Del(100), Put(199, "b"), PutText("key-0100a", "new")})}},
      Put(1000, "a new last key"),
      Del(150),
      {{"batch", json::array({Put(7, "x"), Del(8), Put(9, "z")})}},
      Put(0, "third"),
  });
}

// The blocks (history entries, watch lines) one step appends.
size_t BlocksOf(const json& step) {
  return step.contains("batch") ? step["batch"].size() : 1;
}

// Waits until the remote Bee reached `version`, by waiting for its
// replica's upgrade (not by asking the server). False when the reader
// failed or the deadline passed.
bool WaitForVersion(remote::RemoteBee& remote, uint64_t version) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (remote.bee().version() < version && remote.status().ok()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    remote.bee().core().WaitForAppend(remote.bee().core().length(),
                                      std::chrono::milliseconds(100));
  }
  return remote.bee().version() == version;
}

json HistoryJson(const btree::HistoryEntry& e) {
  const bool del = e.type == btree::HistoryEntry::Type::kDel;
  return {{"type", del ? "del" : "put"},
          {"seq", e.seq},
          {"key", HexEncode(e.key)},
          {"value", e.value ? json(HexEncode(*e.value)) : json(nullptr)}};
}

TEST_CASE(
    "remote live interop: a RemoteBee follows a JS writer's appends as a "
    "local copy of the log does",
    "[interop][remote][live]") {
  if (SkipWithoutNode()) return;
  JsServer s;
  TempDir tmp;
  auto local = LocalCopy(tmp.Sub("local"));
  REQUIRE(HexEncode(local->core().key()) == s.created["key"]);
  REQUIRE(local->version() == s.length);

  remote::RemoteOptions options;
  options.cache_dir = tmp.Sub("cache");
  options.timeout = kDeadline;
  auto opened = remote::RemoteBee::Open(s.url, options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  remote::RemoteBee& remote = **opened;
  btree::Bee& bee = remote.bee();
  const uint64_t start = s.length;
  REQUIRE(bee.version() == start);

  btree::Watcher local_watch(local.get(), {});
  btree::Watcher remote_watch(&bee, {});
  btree::HistoryOptions h;
  h.gte = static_cast<int64_t>(start);
  h.live = true;
  btree::HistoryIterator local_history(local->GetSnapshot().value(), h);
  btree::HistoryIterator remote_history(bee.GetSnapshot().value(), h);

  uint64_t watched = start;
  uint64_t next_seq = start;
  json followed = json::array();
  for (const json& step : LiveSteps()) {
    INFO("step " << step.dump());
    const uint64_t version = s.Append(step);
    REQUIRE(ApplyOps(local.get(), json::array({step})).ok());
    REQUIRE(local->version() == version);
    INFO("version " << version << ", remote status "
                    << remote.status().ToString());
    REQUIRE(WaitForVersion(remote, version));
    auto l = local_watch.Next(kDeadline);
    auto r = remote_watch.Next(kDeadline);
    REQUIRE(l.ok());
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    REQUIRE(l->has_value());
    REQUIRE(r->has_value());
    CHECK((*r)->current.version() == version);
    CHECK((*r)->previous.version() == watched);
    CHECK((*l)->previous.version() == watched);
    CHECK_FALSE((*r)->truncated);
    CHECK(!(*r)->changes.empty());
    CHECK((*r)->changes == (*l)->changes);
    watched = version;
    // Each new block once, in seq order, as the local live history.
    for (; next_seq < version; next_seq++) {
      auto le = local_history.Next(kDeadline);
      auto re = remote_history.Next(kDeadline);
      REQUIRE(le.ok());
      INFO(re.status().ToString());
      REQUIRE(re.ok());
      REQUIRE(le->has_value());
      REQUIRE(re->has_value());
      CHECK((*re)->seq == next_seq);
      CHECK(**re == **le);
      followed.push_back(HistoryJson(**re));
    }
  }
  // A burst: 30 appends as fast as the JS writer makes them, each announced
  // while the reader may still be verifying the one before. The reader
  // lands on the last; the watchers, both past the burst when they look,
  // give one event across it, and the histories every write once.
  json burst = json::array();
  for (int i = 0; i < 30; i++) {
    burst.push_back(i % 4 == 3 ? Del(200 + i) : Put(200 + i, "burst"));
  }
  const json appended = Ok(*s.js, {{"cmd", "append"}, {"ops", burst}});
  REQUIRE(appended["versions"].size() == burst.size());
  REQUIRE(ApplyOps(local.get(), burst).ok());
  const uint64_t last = local->version();
  REQUIRE(appended["length"] == last);
  REQUIRE(WaitForVersion(remote, last));
  {
    auto l = local_watch.Next(kDeadline);
    auto r = remote_watch.Next(kDeadline);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    REQUIRE(l->has_value());
    CHECK((*r)->previous.version() == watched);
    CHECK((*r)->current.version() == last);
    CHECK((*l)->current.version() == last);
    CHECK((*r)->changes.size() == burst.size());
    CHECK((*r)->changes == (*l)->changes);
  }
  for (; next_seq < last; next_seq++) {
    auto le = local_history.Next(kDeadline);
    auto re = remote_history.Next(kDeadline);
    INFO(re.status().ToString());
    REQUIRE(re.ok());
    REQUIRE(re->has_value());
    CHECK((*re)->seq == next_seq);
    CHECK(**re == **le);
    followed.push_back(HistoryJson(**re));
  }
  // The JS writer's own history of the live writes.
  CHECK(followed == Ok(*s.js, {{"cmd", "history"}, {"gte", start}})["result"]);
  CHECK(followed.size() == local->version() - start);
  const remote::RemoteStats used = remote.stats();
  // The new blocks (the history reads each) and the nodes the diffs walk
  // (about a dozen per event), fetched on demand: not the whole log.
  CHECK(used.blocks > followed.size());
  CHECK(used.blocks < local->core().length() / 2);
  CHECK(remote.status().ok());
  REQUIRE(remote.Close().ok());
  // Everything stored came as a verified proof; the cache equals the copy.
  log::CoreOptions o;
  o.read_only = true;
  auto cache = log::Core::Open(options.cache_dir, o).value();
  CHECK(cache->length() == local->core().length());
  CHECK(cache->VerifyAll().ok());
  CHECK(s.js->Close().ok());
}

TEST_CASE(
    "remote live interop: a truncation on the JS writer stops the reader, "
    "naming both forks",
    "[interop][remote][live]") {
  if (SkipWithoutNode()) return;
  JsServer s;
  remote::RemoteOptions options;
  options.timeout = kDeadline;
  auto opened = remote::RemoteBee::Open(s.url, options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  remote::RemoteBee& remote = **opened;
  const uint64_t version = s.Append(Put(3, "before"));
  REQUIRE(WaitForVersion(remote, version));
  // core.truncate: fork 1, then a write on it.
  Ok(*s.js,
     {{"cmd", "append"},
      {"ops", json::array({{{"truncate", version - 1}}, Put(3, "after")})}});
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (remote.status().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const Status why = remote.status();
  INFO(why.ToString());
  REQUIRE_FALSE(why.ok());
  CHECK(why.IsUnavailable());
  CHECK(why.ToString().find(s.address) != std::string::npos);
  CHECK(why.ToString().find("peer moved to fork 1") != std::string::npos);
  CHECK(why.ToString().find("holds fork 0") != std::string::npos);
  // What the replica verified of fork 0 stays readable.
  CHECK(remote.bee().core().fork() == 0);
  CHECK(remote.bee().core().length() == version);
  (void)remote.Close();
  CHECK(s.js->Close().ok());
}

TEST_CASE(
    "remote live interop: bee watch and bee history --live on a JS "
    "server print what they print on a local copy",
    "[interop][remote][live][tools]") {
  if (SkipWithoutNode()) return;
  JsServer s;
  TempDir tmp;
  const std::string dir = tmp.Sub("local");
  auto local = LocalCopy(dir);
  const std::string start = std::to_string(s.length);
  BeeProcess remote_watch({"watch", s.url, "--json", "--hex", "--timeout",
                           "60000", "--cache", tmp.Sub("cache")});
  BeeProcess local_watch({"watch", dir, "--json", "--hex"});
  BeeProcess remote_live({"history", s.url, "--live", "--json", "--hex",
                          "--gte", start, "--timeout", "60000"});
  BeeProcess local_live(
      {"history", dir, "--live", "--json", "--hex", "--gte", start});
  // Printed once each watcher holds the current version.
  REQUIRE(remote_watch.ErrLine() == "bee watch: watching " + s.url +
                                        " from version " + start +
                                        " (SIGINT or SIGTERM stops)");
  REQUIRE(local_watch.ErrLine() == "bee watch: watching " + dir +
                                       " from version " + start +
                                       " (SIGINT or SIGTERM stops)");
  for (const json& step : LiveSteps()) {
    INFO("step " << step.dump());
    const uint64_t version = s.Append(step);
    REQUIRE(ApplyOps(local.get(), json::array({step})).ok());
    REQUIRE(local->version() == version);
    // Each step changes one key per block, and each block is one history
    // entry. Awaited before the next step, so each is its own version.
    for (size_t i = 0; i < BlocksOf(step); i++) {
      const std::string want = local_watch.OutLine();
      REQUIRE(!want.empty());
      CHECK(want.find("\"version\":" + std::to_string(version)) !=
            std::string::npos);
      CHECK(remote_watch.OutLine() == want);
      const std::string entry = local_live.OutLine();
      REQUIRE(!entry.empty());
      CHECK(remote_live.OutLine() == entry);
    }
  }
  for (BeeProcess* p :
       {&remote_watch, &local_watch, &remote_live, &local_live}) {
    CHECK(p->Stop(SIGTERM) == 0);
    CHECK(p->RestOfOut().empty());
  }
  CHECK(s.js->Close().ok());
}

TEST_CASE(
    "remote live interop: a JS server answers a RemoteBee's pings, so a "
    "short timeout does not drop an idle follower",
    "[interop][remote][live]") {
  if (SkipWithoutNode()) return;
  JsServer s;
  remote::RemoteOptions options;
  options.heartbeat = true;
  // A third of it idle makes a ping: well before JS's own keep-alive (5 s).
  options.timeout = std::chrono::milliseconds(3000);
  auto opened = remote::RemoteBee::Open(s.url, options);
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  remote::RemoteBee& remote = **opened;
  // Nothing is written: only pings and their answers travel.
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (remote.stats().ping_answers < 3 && remote.status().ok() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(remote.status().ToString());
  CHECK(remote.stats().ping_answers >= 3);
  CHECK(remote.stats().pings >= 3);
  REQUIRE(remote.status().ok());
  // And it still follows.
  const uint64_t version = s.Append(Put(3, "after the pings"));
  CHECK(WaitForVersion(remote, version));
  CHECK(remote.bee().Get(HexDecode(Key(3)).value()).value()->value ==
        "after the pings");
  REQUIRE(remote.Close().ok());
  CHECK(s.js->Close().ok());
}

TEST_CASE(
    "remote live interop: bee watch and history --live notice a JS server "
    "that stopped answering within --timeout, naming it",
    "[interop][remote][live][tools]") {
  if (SkipWithoutNode()) return;
  JsServer s;
  BeeProcess watch({"watch", s.url, "--timeout", "3000"});
  BeeProcess live({"history", s.url, "--live", "--json", "--gte",
                   std::to_string(s.length), "--timeout", "3000"});
  REQUIRE(!watch.ErrLine().empty());
  const uint64_t version = s.Append(Put(1, "seen"));
  REQUIRE(!watch.OutLine().empty());
  REQUIRE(live.OutLine().find("\"seq\":" + std::to_string(version - 1)) !=
          std::string::npos);
  // The server process stops: its socket stays open, nothing comes (no
  // answer, no keep-alive), as for a host that vanished.
  REQUIRE(kill(s.js->pid(), SIGSTOP) == 0);
  const int watch_exit = watch.Wait();
  const int live_exit = live.Wait();
  REQUIRE(kill(s.js->pid(), SIGCONT) == 0);
  CHECK(watch_exit == 1);
  CHECK(live_exit == 1);
  for (BeeProcess* p : {&watch, &live}) {
    const std::string error = p->ErrLine();
    INFO(error);
    CHECK(error == "bee: error: stopped following " + s.url +
                       ": connection to " + s.address +
                       ": nothing received for 3000 ms, not even an answer "
                       "to a ping (the server stopped answering)");
    CHECK(p->RestOfOut().empty());
  }
  CHECK(s.js->Close().ok());
}

}  // namespace
}  // namespace bee::test
