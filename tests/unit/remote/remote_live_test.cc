// A RemoteBee follows the server's new signed lengths: a store this test
// writes while an in-process bee server serves it (read-only, refreshed
// every 200 ms, each new length announced), read over TCP loopback. A
// btree::Watcher on the remote Bee yields exactly the events a Watcher on
// the writer's Bee yields, a live HistoryIterator yields each new write
// once, the blocks they read are fetched on demand (verified), and a
// server that goes away or truncates (a new fork) shows in status(),
// naming the server or both forks. With a heartbeat, a quiet server answers
// the pings and the follower stays, and one whose bytes stop coming (a
// FaultTransport stalls them) fails it within the timeout, naming it.
// Waits are bounded by generous deadlines (failures, not measurements);
// nothing is timed.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "btree/diff.h"
#include "btree/history.h"
#include "btree/watch.h"
#include "net/transport.h"
#include "remote/remote_store.h"
#include "tests/util/fault_transport.h"
#include "tests/util/server_thread.h"
#include "tests/util/temp_dir.h"

namespace bee::remote {
namespace {

constexpr std::chrono::seconds kDeadline(60);

std::string Key(int i) {
  char buf[16];
  snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

// A store of n keys (key00000 -> value-i) in batches of 100, open for
// writing.
std::unique_ptr<btree::Bee> MakeStore(const std::string& dir, int n) {
  Hash32 seed;
  seed.fill(7);
  auto bee = btree::Bee::Create(dir, log::KeyPair::FromSeed(seed)).value();
  for (int i = 0; i < n; i += 100) {
    auto batch = bee->MakeBatch().value();
    for (int j = i; j < std::min(n, i + 100); j++) {
      REQUIRE(batch->Put(Key(j), "value-" + std::to_string(j)).ok());
    }
    REQUIRE(batch->Flush().ok());
  }
  return bee;
}

// Waits until the remote Bee reached `version` (its replica verified the
// server's announced length), by waiting for the replica's upgrade, not by
// asking the server. False when the reader failed or the deadline passed.
bool WaitForVersion(RemoteBee& remote, uint64_t version) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (remote.bee().version() < version && remote.status().ok()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    remote.bee().core().WaitForAppend(remote.bee().core().length(),
                                      std::chrono::milliseconds(100));
  }
  return remote.bee().version() == version;
}

// Waits until the reader failed (its connection ended); its status then.
Status WaitForFailure(RemoteBee& remote) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (remote.status().ok() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return remote.status();
}

struct Served {
  test::TempDir tmp;
  std::string dir = tmp.Sub("store");
  std::unique_ptr<btree::Bee> writer = MakeStore(dir, 1000);
  std::optional<test::ServerThread> server{std::in_place, dir};
  std::string url = server->Url(writer->core().key());
};

// One step of writes by the test's writer, and the keys it changes within
// the watched range [key00100, key00200) (none: no watch event).
struct Step {
  std::function<void(btree::Bee&)> write;
  std::vector<std::string> changed;
};

std::vector<Step> Steps() {
  return {
      {[](btree::Bee& b) { REQUIRE(b.Put(Key(150), "changed").ok()); },
       {Key(150)}},
      // Two versions at once, one outside the range: one event for both.
      {[](btree::Bee& b) {
         REQUIRE(b.Put(Key(250), "outside").ok());
         REQUIRE(b.Put(Key(120), "changed").ok());
       },
       {Key(120)}},
      // One atomic batch: a delete, an overwrite and a new key.
      {[](btree::Bee& b) {
         auto batch = b.MakeBatch().value();
         REQUIRE(batch->Del(Key(101)).ok());
         REQUIRE(batch->Put(Key(199), "b").ok());
         REQUIRE(batch->Put(Key(100) + "a", "new").ok());
         REQUIRE(batch->Flush().ok());
       },
       {Key(100) + "a", Key(101), Key(199)}},
      {[](btree::Bee& b) { REQUIRE(b.Put(Key(5), "outside").ok()); }, {}},
      {[](btree::Bee& b) { REQUIRE(b.Del(Key(150)).ok()); }, {Key(150)}},
      {[](btree::Bee& b) { REQUIRE(b.Put(Key(999), "outside").ok()); }, {}},
      {[](btree::Bee& b) {
         REQUIRE(b.Put(Key(150), std::optional<std::string_view>()).ok());
       },
       {Key(150)}},
  };
}

std::vector<std::string> KeysOf(const std::vector<btree::DiffEntry>& changes) {
  std::vector<std::string> keys;
  for (const btree::DiffEntry& d : changes) {
    keys.push_back(d.left ? d.left->key : d.right->key);
  }
  return keys;
}

TEST_CASE(
    "remote live: a watcher and a live history follow the server's new "
    "signed lengths as a local reader does",
    "[remote][live]") {
  Served s;
  RemoteOptions options;
  options.cache_dir = s.tmp.Sub("cache");
  options.timeout = kDeadline;
  auto remote = RemoteBee::Open(s.url, options).value();
  btree::Bee& bee = remote->bee();
  const uint64_t start = s.writer->version();
  REQUIRE(bee.version() == start);

  btree::DiffOptions range;
  range.gte = Key(100);
  range.lt = Key(200);
  btree::Watcher local_watch(s.writer.get(), range);
  btree::Watcher remote_watch(&bee, range);
  btree::HistoryOptions h;
  h.gte = static_cast<int64_t>(start);
  h.live = true;
  btree::HistoryIterator local_history(s.writer->GetSnapshot().value(), h);
  btree::HistoryIterator remote_history(bee.GetSnapshot().value(), h);

  int events = 0;
  uint64_t watched = start;  // the version of the last event
  uint64_t next_seq = start;
  for (const Step& step : Steps()) {
    step.write(*s.writer);
    const uint64_t version = s.writer->version();
    INFO("version " << version);
    REQUIRE(WaitForVersion(*remote, version));
    if (!step.changed.empty()) {
      auto l = local_watch.Next(kDeadline).value();
      auto r = remote_watch.Next(kDeadline).value();
      REQUIRE(l.has_value());
      REQUIRE(r.has_value());
      CHECK(r->current.version() == version);
      CHECK(r->previous.version() == watched);
      CHECK(l->current.version() == version);
      CHECK(l->previous.version() == watched);
      CHECK_FALSE(r->truncated);
      CHECK(KeysOf(r->changes) == step.changed);
      CHECK(r->changes == l->changes);
      watched = version;
      events++;
    }
    // Each new write once, in order, as the writer's own live history.
    for (; next_seq < version; next_seq++) {
      auto l = local_history.Next(kDeadline).value();
      auto r = remote_history.Next(kDeadline).value();
      REQUIRE(l.has_value());
      REQUIRE(r.has_value());
      CHECK(r->seq == next_seq);
      CHECK(*r == *l);
    }
  }
  CHECK(events == 5);
  CHECK(next_seq == s.writer->version());
  // The blocks the diffs and the history read, fetched on demand: far
  // fewer than the store's.
  const RemoteStats used = remote->stats();
  CHECK(used.blocks > 0);
  CHECK(used.blocks < s.writer->core().length() / 4);
  CHECK(remote->status().ok());
  REQUIRE(remote->Close().ok());
  // Everything stored came as a verified proof.
  log::CoreOptions o;
  o.read_only = true;
  auto cache = log::Core::Open(options.cache_dir, o).value();
  CHECK(cache->length() == s.writer->core().length());
  CHECK(cache->VerifyAll().ok());
}

TEST_CASE(
    "remote live: a server that goes away fails the reader, naming the "
    "server",
    "[remote][live]") {
  Served s;
  RemoteOptions options;
  options.timeout = kDeadline;
  auto remote = RemoteBee::Open(s.url, options).value();
  const std::string address = s.server->address();
  btree::DiffOptions all;
  btree::Watcher watch(&remote->bee(), all);
  s.server.reset();
  const Status why = WaitForFailure(*remote);
  INFO(why.ToString());
  REQUIRE_FALSE(why.ok());
  CHECK(why.ToString().find("connection to " + address) != std::string::npos);
  // A read of a block the replica lacks fails at once with that cause.
  auto r = remote->bee().Get(Key(777));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().ToString().find("cannot fetch block ") != std::string::npos);
  CHECK(r.status().ToString().find(address) != std::string::npos);
  // The watcher is not woken by the failure; it waits out its timeout.
  CHECK_FALSE(watch.Next(std::chrono::milliseconds(0)).value().has_value());
  (void)remote->Close();
}

TEST_CASE(
    "remote live: a truncation on the server stops the reader, naming "
    "both forks",
    "[remote][live]") {
  Served s;
  RemoteOptions options;
  options.timeout = kDeadline;
  auto remote = RemoteBee::Open(s.url, options).value();
  REQUIRE(s.writer->Put(Key(3), "before").ok());
  REQUIRE(WaitForVersion(*remote, s.writer->version()));
  REQUIRE(s.writer->Truncate(s.writer->version() - 1).ok());
  REQUIRE(s.writer->core().fork() == 1);
  REQUIRE(s.writer->Put(Key(3), "after").ok());
  const Status why = WaitForFailure(*remote);
  INFO(why.ToString());
  REQUIRE_FALSE(why.ok());
  CHECK(why.IsUnavailable());
  CHECK(why.ToString().find(s.server->address()) != std::string::npos);
  CHECK(why.ToString().find("peer moved to fork 1") != std::string::npos);
  CHECK(why.ToString().find("holds fork 0") != std::string::npos);
  // What the replica verified of fork 0 stays readable.
  CHECK(remote->bee().core().fork() == 0);
  (void)remote->Close();
}

// Options with a heartbeat whose connection goes through a FaultTransport
// the test controls (through the reader's loop).
struct Faulty {
  net::EventLoop* loop = nullptr;
  test::FaultTransport* fault = nullptr;
  RemoteOptions Options() {
    RemoteOptions o;
    o.heartbeat = true;
    o.timeout = std::chrono::milliseconds(1500);
    o.connect = [this](net::EventLoop* l, const std::string& host_port)
        -> Result<std::unique_ptr<net::Transport>> {
      BEE_ASSIGN_OR_RETURN(auto inner,
                           net::Connect(l, host_port, net::TransportOptions{}));
      auto wrapped =
          std::make_unique<test::FaultTransport>(l, std::move(inner), 5);
      loop = l;
      fault = wrapped.get();
      return std::unique_ptr<net::Transport>(std::move(wrapped));
    };
    return o;
  }
  void Stall() {
    std::promise<void> done;
    loop->Post([&] {
      fault->Stall(test::FaultTransport::Direction::kIncoming);
      done.set_value();
    });
    done.get_future().wait();
  }
};

TEST_CASE(
    "remote live: with a heartbeat, a quiet server answers the pings and "
    "the follower stays",
    "[remote][live]") {
  Served s;
  Faulty faulty;
  auto remote = RemoteBee::Open(s.url, faulty.Options()).value();
  // Nothing is written; the server's own keep-alives (every 5 s) are
  // rarer than the pings (every 500 ms of silence).
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (remote->stats().ping_answers < 3 && remote->status().ok() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  INFO(remote->status().ToString());
  CHECK(remote->stats().ping_answers >= 3);
  REQUIRE(remote->status().ok());
  REQUIRE(s.writer->Put(Key(4), "after the pings").ok());
  CHECK(WaitForVersion(*remote, s.writer->version()));
  REQUIRE(remote->Close().ok());
}

TEST_CASE(
    "remote live: with a heartbeat, a server whose bytes stop coming fails "
    "the follower within the timeout, naming it",
    "[remote][live]") {
  Served s;
  Faulty faulty;
  auto remote = RemoteBee::Open(s.url, faulty.Options()).value();
  REQUIRE(s.writer->Put(Key(4), "seen").ok());
  REQUIRE(WaitForVersion(*remote, s.writer->version()));
  btree::DiffOptions all;
  btree::Watcher watch(&remote->bee(), all);
  // The connection stays open, but nothing reaches the reader (a stopped
  // server, a network that stopped carrying its bytes): not its answers,
  // not its keep-alives.
  faulty.Stall();
  const Status why = WaitForFailure(*remote);
  INFO(why.ToString());
  REQUIRE_FALSE(why.ok());
  CHECK(why.IsUnavailable());
  CHECK(why.ToString() ==
        "Unavailable: connection to " + s.server->address() +
            ": nothing received for 1500 ms, not even an answer to a ping "
            "(the server stopped answering)");
  // Pinged twice in the silence (after 500 and 1000 ms), unanswered.
  CHECK(remote->stats().pings >= 2);
  // A read of a block the replica lacks fails at once with that cause.
  auto r = remote->bee().Get(Key(777));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().ToString().find("nothing received for 1500 ms") !=
        std::string::npos);
  CHECK_FALSE(watch.Next(std::chrono::milliseconds(0)).value().has_value());
  (void)remote->Close();
}

}  // namespace
}  // namespace bee::remote
