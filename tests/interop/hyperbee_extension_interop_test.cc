// hyperbee's `hyperbee` extension against the real JS hyperbee 2.27.3 on
// hypercore 11.39.5 (PROTOCOL.md §15), both ways: a JS reader of a store
// `bee serve` serves sends its hints, the server answers them with the
// blocks the lookup needs, and the reader needs fewer round trips than
// without; a bee replica sends a hint to a JS writer, receives its cache
// list and fetches exactly those blocks, verified.
//
// The hidden case "[.measure]" prints the numbers of docs/PERFORMANCE.md
// ("The hyperbee extension"): BEE_MEASURE_KEYS (default 100000) keys, a
// delay proxy of BEE_MEASURE_DELAY_MS (default 25) ms each way.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "encoding/bytes.h"
#include "log/core.h"
#include "net/connection.h"
#include "net/event_loop.h"
#include "net/transport.h"
#include "remote/hyperbee_extension.h"
#include "remote/remote_store.h"
#include "remote/server.h"
#include "tests/util/js_peer_ops.h"
#include "tests/util/node_process.h"
#include "tests/util/recorded_bee.h"
#include "tests/util/temp_dir.h"

namespace bee::test {
namespace {

using nlohmann::json;

// `bee serve` of `core` on its own loop thread.
struct BeeServer {
  std::unique_ptr<net::EventLoop> loop = net::EventLoop::Create().value();
  std::unique_ptr<remote::Server> server;
  std::thread thread;
  int port = 0;
  BeeServer(log::Core* core, bool extension) {
    remote::ServeOptions options;
    options.hyperbee_extension = extension;
    server = remote::Server::Create(loop.get(), options).value();
    REQUIRE(server->AddCore(core).ok());
    REQUIRE(server->Listen().ok());
    const std::string& address = server->address();
    port = std::stoi(address.substr(address.rfind(':') + 1));
    thread = std::thread([this] { (void)loop->Run(); });
  }
  ~BeeServer() {
    loop->Stop();
    thread.join();
    server.reset();
  }
  const remote::HyperbeeExtensionCounters& counters() const {
    return server->hyperbee_counters();
  }
};

// One cold read by a fresh JS reader (its own process and storage)
// connected to `port`, after it has the signed length: the answer and
// what it cost.
struct JsRead {
  json result;
  json traffic;
};

JsRead ColdJsRead(int port, bool extension, const json& command) {
  auto js = StartPeer();
  Ok(*js, {{"cmd", "reader"},
           {"name", "r"},
           {"key", kRecordedCoreKey},
           {"extension", extension}});
  Ok(*js, {{"cmd", "connect"}, {"port", port}});
  Ok(*js, {{"cmd", "waitPeer"}});
  Ok(*js, {{"cmd", "update"}});
  Ok(*js, {{"cmd", "traffic"}, {"reset", true}});
  JsRead read;
  read.result = Ok(*js, command)["result"];
  read.traffic = Ok(*js, {{"cmd", "traffic"}})["atResult"];
  CHECK(js->Close().ok());
  return read;
}

json GetCommand(uint32_t i) {
  return {{"cmd", "get"}, {"head", true}, {"key", HexEncode(RecKey(i))}};
}
json RangeCommand(uint32_t from) {
  return {{"cmd", "range"},
          {"head", true},
          {"gte", HexEncode(RecKey(from))},
          {"limit", 100}};
}

void CheckEntry(const json& entry, uint32_t i) {
  REQUIRE(entry.is_object());
  CHECK(entry["key"] == HexEncode(RecKey(i)));
  CHECK(entry["value"] == HexEncode(RecValue(i)));
  CHECK(entry["seq"] == i + 1);
}

// The 100 entries from key `from` on, in key order, with their values.
void CheckRange(const json& entries, uint32_t n, uint32_t from) {
  std::map<std::string, uint32_t> keys;
  for (uint32_t i = 0; i < n; i++) keys[RecKey(i)] = i;
  auto it = keys.find(RecKey(from));
  REQUIRE(entries.size() == 100);
  for (const json& entry : entries) {
    REQUIRE(it != keys.end());
    CheckEntry(entry, it->second);
    ++it;
  }
}

std::string Line(const char* what, const JsRead& r) {
  const json& t = r.traffic;
  char line[256];
  std::snprintf(line, sizeof line,
                "%-44s roundTrips %3d requests %4d blocks %4d bytes %7d "
                "ext sent %d recv %d ms %5d",
                what, t["roundTrips"].get<int>(), t["requests"].get<int>(),
                t["blocks"].get<int>(), t["bytes"].get<int>(),
                t["extensionSent"].get<int>(),
                t["extensionReceived"].get<int>(), t["ms"].get<int>());
  return line;
}

TEST_CASE(
    "hyperbee extension interop: bee serve answers a JS reader's hints, "
    "and the reader needs fewer round trips",
    "[interop][hyperbee-extension]") {
  if (SkipWithoutNode()) return;
  constexpr uint32_t kKeys = 5000;
  auto bee = RecordedStore(kKeys);
  BeeServer on(&bee->core(), true);
  BeeServer off(&bee->core(), false);
  // Round trips only show through a delay: on bare loopback each answer
  // arrives alone and JS sends its next request after it, one by one.
  auto proxies = StartPeer();
  auto delayed = [&](int port) {
    return Ok(*proxies,
              {{"cmd", "proxy"}, {"port", port}, {"delay", 20}})["port"]
        .get<int>();
  };
  const int on_port = delayed(on.port), off_port = delayed(off.port);

  const JsRead get = ColdJsRead(on_port, true, GetCommand(2500));
  CheckEntry(get.result, 2500);
  CHECK(on.counters().hints_received == 1);
  CHECK(on.counters().hints_answered == 1);
  CHECK(on.counters().caches_sent == 1);
  CHECK(on.counters().seqs_sent ==
        remote::GetHintSeqs(bee->core(), {kKeys + 1, RecKey(2500)}).size());
  CHECK(get.traffic["extensionSent"] == 1);
  CHECK(get.traffic["extensionReceived"] == 1);

  const JsRead range = ColdJsRead(on_port, true, RangeCommand(1200));
  CheckRange(range.result, kKeys, 1200);
  CHECK(on.counters().hints_received == 2);
  CHECK(on.counters().hints_answered == 2);
  CHECK(range.traffic["extensionReceived"].get<int>() >= 1);

  // The same reads without the extension (the reader's off), and with a
  // server that ignores the hints: the answers are the same, the round
  // trips more.
  const JsRead get_off = ColdJsRead(on_port, false, GetCommand(2500));
  const JsRead range_off = ColdJsRead(on_port, false, RangeCommand(1200));
  CheckEntry(get_off.result, 2500);
  CheckRange(range_off.result, kKeys, 1200);
  CHECK(on.counters().hints_received == 2);
  const JsRead get_ignored = ColdJsRead(off_port, true, GetCommand(2500));
  CheckEntry(get_ignored.result, 2500);
  CHECK(off.counters().hints_received == 0);
  CHECK(get_ignored.traffic["extensionSent"] == 1);
  CHECK(get_ignored.traffic["extensionReceived"] == 0);

  WARN(Line("get, extension answered", get) + "\n" +
       Line("get, reader's extension off", get_off) + "\n" +
       Line("get, server ignores hints", get_ignored) + "\n" +
       Line("range 100, extension answered", range) + "\n" +
       Line("range 100, reader's extension off", range_off));
  CHECK(get.traffic["roundTrips"] < get_off.traffic["roundTrips"]);
  CHECK(get.traffic["roundTrips"] < get_ignored.traffic["roundTrips"]);
  CHECK(range.traffic["roundTrips"] < range_off.traffic["roundTrips"]);
  CHECK(proxies->Close().ok());
}

// A bee replica of the JS writer's core over TCP, holding only the signed
// length until asked for more.
struct BeeReplica {
  std::unique_ptr<net::EventLoop> loop = net::EventLoop::Create().value();
  TempDir tmp;
  std::unique_ptr<net::Connection> conn;
  std::unique_ptr<log::Core> core;
  net::ChannelReplicator* channel = nullptr;
  Status closed;

  explicit BeeReplica(int port) {
    auto transport =
        net::Connect(loop.get(), "127.0.0.1:" + std::to_string(port), {});
    REQUIRE(transport.ok());
    net::ConnectionHandlers handlers;
    handlers.on_close = [this](const Status& why) { closed = why; };
    auto c = net::Connection::Create(loop.get(), std::move(transport).value(),
                                     true, {}, std::move(handlers));
    REQUIRE(c.ok());
    conn = std::move(c).value();
    const Hash32 key = HexDecodeFixed<32>(kRecordedCoreKey, "key").value();
    channel = conn->ReplicateKey(
        key, [this, key](std::string_view manifest) -> Result<log::Core*> {
          BEE_ASSIGN_OR_RETURN(core, log::Core::CreateReplica(
                                         tmp.Sub("replica"), key, manifest));
          return core.get();
        });
    channel->Download(0, 0);  // the signed length only
    conn->Start();
  }
  void RunUntil(const std::function<bool()>& done) {
    Status ran = loop->RunUntil([&] { return done() || !closed.ok(); },
                                std::chrono::seconds(30));
    INFO(closed.ToString());
    REQUIRE(ran.ok());
    REQUIRE(closed.ok());
  }
};

TEST_CASE(
    "hyperbee extension interop: a bee replica's get hint makes a JS "
    "writer list the blocks, fetched in one wave",
    "[interop][hyperbee-extension]") {
  if (SkipWithoutNode()) return;
  constexpr uint32_t kKeys = 1000;
  auto js = StartPeer();
  const json created =
      Ok(*js, {{"cmd", "writer"}, {"name", "w"}, {"seed", kRecordedSeed}});
  REQUIRE(created["key"] == kRecordedCoreKey);
  Ok(*js, {{"cmd", "append"}, {"ops", RecordedOps(kKeys)}});
  const int port = Ok(*js, {{"cmd", "listen"}})["port"];

  BeeReplica replica(port);
  replica.RunUntil([&] { return replica.core && replica.core->length() > 0; });
  const uint64_t length = replica.core->length();
  REQUIRE(length == kKeys + 1);
  CHECK(replica.core->held_blocks() == 0);

  auto ext = remote::HyperbeeExtension::Attach(replica.channel, {});
  ext->SendGetHint(length, RecKey(500));
  replica.RunUntil([&] {
    return ext->counters().caches_received >= 1 &&
           replica.channel->inflight() == 0;
  });
  // The recorded JS server's list for this store (PROTOCOL.md §15.3),
  // equal to what the bee server computes.
  const std::vector<uint64_t> expected{1000, 49,  35,  996, 2,   17, 720,
                                       971,  343, 737, 796, 453, 501};
  auto local = RecordedStore(kKeys);
  CHECK(remote::GetHintSeqs(local->core(), {length, RecKey(500)}) == expected);
  CHECK(ext->counters().caches_received == 1);
  CHECK(ext->counters().blocks_requested == expected.size());
  CHECK(replica.channel->stats().listed_requested == expected.size());
  CHECK(replica.channel->stats().blocks_received == expected.size());
  CHECK(replica.core->held_blocks() == expected.size());
  for (uint64_t seq : expected) {
    CAPTURE(seq);
    REQUIRE(replica.core->Has(seq));
    CHECK(replica.core->Get(seq).value() == local->core().Get(seq).value());
  }

  // An iterator hint: the 108 blocks of the recorded 100-key range, the
  // ones already held not requested again.
  remote::HyperbeeIterator range;
  range.version = length;
  range.gte = RecKey(300);
  range.limit = 100;
  const auto range_seqs = remote::IteratorHintSeqs(local->core(), range);
  REQUIRE(range_seqs.size() == 108);
  ext->SendIteratorHint(range);
  replica.RunUntil([&] {
    return ext->counters().caches_received >= 2 &&
           replica.channel->inflight() == 0;
  });
  std::set<uint64_t> all(expected.begin(), expected.end());
  all.insert(range_seqs.begin(), range_seqs.end());
  CHECK(replica.core->held_blocks() == all.size());
  for (uint64_t seq : all) CHECK(replica.core->Has(seq));
  CHECK(replica.channel->stats().listed_requested == all.size());
  replica.conn->Close();
  CHECK(js->Close().ok());
}

// ---------------------------------------------------------------------------
// Measurements (hidden): docs/PERFORMANCE.md "The hyperbee extension".

uint32_t EnvOr(const char* name, uint32_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : static_cast<uint32_t>(std::atoi(v));
}

// One cold read by a fresh bee reader (RemoteBee, a temporary cache)
// connected to `port`, timed from after the open (it holds the signed
// length) to the answer, as ColdJsRead times JS's; with its stats.
struct BeeRead {
  remote::RemoteStats used;
  int ms = 0;
};

BeeRead ColdBeeRead(int port, bool bee_read, bool hints, uint32_t key,
                    bool range) {
  remote::RemoteOptions options;
  options.bee_read = bee_read;
  options.hyperbee_hints = hints;
  auto r = remote::RemoteBee::Open("bee://127.0.0.1:" + std::to_string(port) +
                                       "/" + kRecordedCoreKey,
                                   options)
               .value();
  const remote::RemoteStats before = r->stats();
  const auto start = std::chrono::steady_clock::now();
  btree::Snapshot snap = r->bee().GetSnapshot().value();
  remote::ReadHint hint;
  hint.version = snap.version();
  if (range) {
    hint.kind = remote::ReadHint::Kind::kRange;
    hint.range.gte = RecKey(key);
    hint.range.limit = 100;
    r->Hint(hint);
    btree::RangeIterator it(snap, hint.range);
    size_t n = 0;
    while (auto e = it.Next().value()) n++;
    CHECK(n == 100);
  } else {
    hint.kind = remote::ReadHint::Kind::kGet;
    hint.key = RecKey(key);
    r->Hint(hint);
    auto e = snap.Get(RecKey(key)).value();
    REQUIRE(e.has_value());
    CHECK(e->value == RecValue(key));
  }
  BeeRead read;
  read.ms =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count());
  read.used = r->stats();
  read.used.blocks -= before.blocks;
  read.used.bytes -= before.bytes;
  read.used.round_trips -= before.round_trips;
  CHECK(r->Close().ok());
  return read;
}

std::string Line(const char* what, const BeeRead& r) {
  char line[256];
  std::snprintf(
      line, sizeof line, "%-44s roundTrips %3d blocks %4d bytes %7d ms %5d",
      what, static_cast<int>(r.used.round_trips),
      static_cast<int>(r.used.blocks), static_cast<int>(r.used.bytes), r.ms);
  return line;
}

TEST_CASE("hyperbee extension interop: measure", "[.measure]") {
  if (SkipWithoutNode()) return;
  const uint32_t keys = EnvOr("BEE_MEASURE_KEYS", 100000);
  const uint32_t delay = EnvOr("BEE_MEASURE_DELAY_MS", 25);
  const uint32_t runs = EnvOr("BEE_MEASURE_RUNS", 3);
  auto bee = RecordedStore(keys);
  BeeServer on(&bee->core(), true);
  BeeServer off(&bee->core(), false);
  // The same store written by JS, served by JS.
  auto js_writer = StartPeer();
  Ok(*js_writer, {{"cmd", "writer"}, {"name", "w"}, {"seed", kRecordedSeed}});
  json ops = RecordedOps(keys);
  for (const json& op : ops) {
    Ok(*js_writer,
       {{"cmd", "append"}, {"ops", json::array({op})}, {"timeout", 120000}});
  }
  const int js_port = Ok(*js_writer, {{"cmd", "listen"}})["port"];
  auto proxy_to = [&](int port) {
    if (delay == 0) return port;
    return Ok(*js_writer,
              {{"cmd", "proxy"}, {"port", port}, {"delay", delay}})["port"]
        .get<int>();
  };
  const int bee_on = proxy_to(on.port), bee_off = proxy_to(off.port),
            js_server = proxy_to(js_port);
  struct Case {
    const char* name;
    int port;
    bool extension;
  };
  const Case cases[] = {
      {"bee serve, extension answered", bee_on, true},
      {"bee serve, hints ignored", bee_off, true},
      {"bee serve, reader's extension off", bee_on, false},
      {"JS server, extension on", js_server, true},
      {"JS server, reader's extension off", js_server, false},
  };
  std::string report = "keys " + std::to_string(keys) + ", delay " +
                       std::to_string(delay) + " ms each way\n";
  struct BeeCase {
    const char* name;
    int port;
    bool bee_read, hints;
  };
  const BeeCase bee_cases[] = {
      {"bee reader, bee/read, bee serve", bee_on, true, true},
      {"bee reader, hyperbee hints, bee serve", bee_on, false, true},
      {"bee reader, hyperbee hints, JS server", js_server, false, true},
      {"bee reader, no hints, JS server", js_server, false, false},
  };
  for (uint32_t run = 0; run < runs; run++) {
    const uint32_t key = (run * 7919 + 12345) % keys;
    for (const BeeCase& c : bee_cases) {
      for (bool range : {false, true}) {
        const BeeRead r = ColdBeeRead(c.port, c.bee_read, c.hints, key, range);
        report +=
            Line((std::string(range ? "range, " : "get, ") + c.name).c_str(),
                 r) +
            "\n";
      }
    }
    for (const Case& c : cases) {
      const JsRead get = ColdJsRead(c.port, c.extension, GetCommand(key));
      CheckEntry(get.result, key);
      report += Line((std::string("get, ") + c.name).c_str(), get) + "\n";
    }
    for (const Case& c : cases) {
      const JsRead range = ColdJsRead(c.port, c.extension, RangeCommand(key));
      CHECK_FALSE(range.result.empty());
      report += Line((std::string("range, ") + c.name).c_str(), range) + "\n";
    }
  }
  WARN(report);
  CHECK(js_writer->Close().ok());
}

}  // namespace
}  // namespace bee::test
