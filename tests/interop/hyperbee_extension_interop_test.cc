// hyperbee's `hyperbee` extension against the real JS hyperbee 2.27.3 on
// hypercore 11.39.5 (PROTOCOL.md §15), both ways: a JS reader of a store
// `bee serve` serves sends its hints, the server answers them with the
// blocks the lookup needs, and the reader needs fewer round trips than
// without; a bee replica sends a hint to a JS writer, receives its cache
// list and fetches exactly those blocks, verified.
//
// The hidden case "[.measure]" prints the numbers of docs/PERFORMANCE.md
// ("One round trip per cold read", "The hyperbee extension"): cold and warm
// gets and 100-key ranges by bee and JS readers from bee and JS servers,
// on BEE_MEASURE_KEYS (default 100000) keys, on bare loopback and through
// a delay proxy of BEE_MEASURE_DELAY_MS (default 25) ms each way;
// BEE_MEASURE_COLD (20) cold reads per bee case, BEE_MEASURE_RUNS (3) per
// JS case (a process each), BEE_MEASURE_WARM (50) warm gets (ranges: 1/5).
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
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
// Measurements (hidden): docs/PERFORMANCE.md "One round trip per cold read"
// and "The hyperbee extension".

uint32_t EnvOr(const char* name, uint32_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : static_cast<uint32_t>(std::atoi(v));
}

// What a series of reads cost: sums over `ops` operations, and maxima.
struct Cost {
  int ops = 0;
  double round_trips = 0, blocks = 0, bytes = 0, ms = 0;
  int max_round_trips = 0, max_blocks = 0;
  void Add(int rt, int b, double by, double m) {
    ops++;
    round_trips += rt;
    blocks += b;
    bytes += by;
    ms += m;
    max_round_trips = std::max(max_round_trips, rt);
    max_blocks = std::max(max_blocks, b);
  }
};

std::string Row(const std::string& op, const char* who, const Cost& c) {
  const double n = c.ops == 0 ? 1 : c.ops;
  char line[320];
  std::snprintf(line, sizeof line,
                "%-10s %-40s rt %4.2f max %2d  blocks %5.1f max %3d  "
                "bytes %6.0f  ms %6.1f  ops/s %6.1f",
                op.c_str(), who, c.round_trips / n, c.max_round_trips,
                c.blocks / n, c.max_blocks, c.bytes / n, c.ms / n,
                c.ms > 0 ? 1000.0 * c.ops / c.ms : 0.0);
  return line;
}

// The store every measured reader reads, and what its answers must be.
struct Expect {
  const btree::Bee& local;
  void Get(uint32_t key, const std::optional<btree::Entry>& got) const {
    REQUIRE(got.has_value());
    CHECK(got->value == RecValue(key));
  }
  size_t RangeSize(uint32_t from) const {
    btree::RangeOptions o;
    o.gte = RecKey(from);
    o.limit = 100;
    btree::RangeIterator it(local.GetSnapshot().value(), o);
    size_t n = 0;
    while (it.Next().value()) n++;
    return n;
  }
};

// One read by an open RemoteBee (its hint, then the read), timed, with
// what it cost.
struct BeeRead {
  remote::RemoteStats used;
  double ms = 0;
};

BeeRead BeeOp(remote::RemoteBee* r, const Expect& expect, uint32_t key,
              bool range) {
  const remote::RemoteStats before = r->stats();
  const auto start = std::chrono::steady_clock::now();
  btree::Snapshot snap = r->bee().GetSnapshot().value();
  remote::ReadHint hint;
  hint.version = snap.version();
  size_t n = 0;
  if (range) {
    hint.kind = remote::ReadHint::Kind::kRange;
    hint.range.gte = RecKey(key);
    hint.range.limit = 100;
    r->Hint(hint);
    btree::RangeIterator it(snap, hint.range);
    while (auto e = it.Next().value()) n++;
  } else {
    hint.kind = remote::ReadHint::Kind::kGet;
    hint.key = RecKey(key);
    r->Hint(hint);
    expect.Get(key, snap.Get(RecKey(key)).value());
  }
  BeeRead read;
  read.ms = std::chrono::duration<double, std::milli>(
                std::chrono::steady_clock::now() - start)
                .count();
  if (range) CHECK(n == expect.RangeSize(key));
  read.used = r->stats();
  read.used.blocks -= before.blocks;
  read.used.bytes -= before.bytes;
  read.used.round_trips -= before.round_trips;
  return read;
}

std::unique_ptr<remote::RemoteBee> OpenBee(int port, bool bee_read,
                                           bool hints) {
  remote::RemoteOptions options;
  options.bee_read = bee_read;
  options.hyperbee_hints = hints;
  return remote::RemoteBee::Open(
             "bee://127.0.0.1:" + std::to_string(port) + "/" + kRecordedCoreKey,
             options)
      .value();
}

void AddBee(Cost* c, const BeeRead& r) {
  c->Add(static_cast<int>(r.used.round_trips), static_cast<int>(r.used.blocks),
         static_cast<double>(r.used.bytes), r.ms);
}
void AddJs(Cost* c, const json& t) {
  c->Add(t["roundTrips"].get<int>(), t["blocks"].get<int>(),
         t["bytes"].get<double>(), t["ms"].get<double>());
}

TEST_CASE("hyperbee extension interop: measure", "[.measure]") {
  if (SkipWithoutNode()) return;
  const uint32_t keys = EnvOr("BEE_MEASURE_KEYS", 100000);
  const uint32_t delay = EnvOr("BEE_MEASURE_DELAY_MS", 25);
  const uint32_t runs = EnvOr("BEE_MEASURE_RUNS", 3);   // cold JS reads
  const uint32_t cold = EnvOr("BEE_MEASURE_COLD", 20);  // cold bee reads
  const uint32_t warm = EnvOr("BEE_MEASURE_WARM", 50);  // warm gets
  auto bee = RecordedStore(keys);
  const Expect expect{*bee};
  BeeServer server(&bee->core(), true);
  // The same store written by JS, served by JS.
  auto js_writer = StartPeer();
  Ok(*js_writer, {{"cmd", "writer"}, {"name", "w"}, {"seed", kRecordedSeed}});
  json ops = RecordedOps(keys);
  for (const json& op : ops) {
    Ok(*js_writer,
       {{"cmd", "append"}, {"ops", json::array({op})}, {"timeout", 120000}});
  }
  const int js_port = Ok(*js_writer, {{"cmd", "listen"}})["port"];
  std::mt19937 rng(12);
  auto random_key = [&] { return static_cast<uint32_t>(rng() % keys); };

  std::string report = "keys " + std::to_string(keys) +
                       "; cold: a fresh reader per op (ms after its open); "
                       "warm: one reader, after 20 gets or 5 ranges\n";
  for (uint32_t d : {0u, delay}) {
    auto proxy_to = [&](int port) {
      if (d == 0) return port;
      return Ok(*js_writer,
                {{"cmd", "proxy"}, {"port", port}, {"delay", d}})["port"]
          .get<int>();
    };
    const int bee_port = proxy_to(server.port), js_server = proxy_to(js_port);
    report += "-- delay " + std::to_string(d) + " ms each way\n";
    struct BeeCase {
      const char* name;
      int port;
      bool bee_read, hints;
    };
    const BeeCase bee_cases[] = {
        {"bee reader, bee/read -> bee serve", bee_port, true, true},
        {"bee reader, hyperbee hints -> bee serve", bee_port, false, true},
        {"bee reader, hyperbee hints -> JS server", js_server, false, true},
    };
    for (const BeeCase& c : bee_cases) {
      for (bool range : {false, true}) {
        Cost cost;
        for (uint32_t i = 0; i < cold; i++) {
          auto r = OpenBee(c.port, c.bee_read, c.hints);
          AddBee(&cost, BeeOp(r.get(), expect, random_key(), range));
          CHECK(r->Close().ok());
        }
        report += Row(range ? "cold range" : "cold get", c.name, cost) + "\n";
        if (c.bee_read && !range) {
          // Issue 12: one round trip, at most 20 blocks, for every key.
          CHECK(cost.max_round_trips == 1);
          CHECK(cost.max_blocks <= 20);
        }
      }
      for (bool range : {false, true}) {
        auto r = OpenBee(c.port, c.bee_read, c.hints);
        for (int i = 0; i < (range ? 5 : 20); i++) {
          (void)BeeOp(r.get(), expect, random_key(), range);
        }
        Cost cost;
        for (uint32_t i = 0; i < (range ? warm / 5 : warm); i++) {
          AddBee(&cost, BeeOp(r.get(), expect, random_key(), range));
        }
        CHECK(r->Close().ok());
        report += Row(range ? "warm range" : "warm get", c.name, cost) + "\n";
      }
    }
    struct JsCase {
      const char* name;
      int port;
    };
    const JsCase js_cases[] = {
        {"JS reader, extension -> bee serve", bee_port},
        {"JS reader, extension -> JS server", js_server},
    };
    for (const JsCase& c : js_cases) {
      for (bool range : {false, true}) {
        Cost cost;
        for (uint32_t i = 0; i < runs; i++) {
          const uint32_t key = random_key();
          const JsRead read = ColdJsRead(
              c.port, true, range ? RangeCommand(key) : GetCommand(key));
          if (range) {
            CHECK(read.result.size() == expect.RangeSize(key));
          } else {
            CheckEntry(read.result, key);
          }
          AddJs(&cost, read.traffic);
        }
        report += Row(range ? "cold range" : "cold get", c.name, cost) + "\n";
      }
      for (bool range : {false, true}) {
        auto js = StartPeer();
        Ok(*js, {{"cmd", "reader"},
                 {"name", "r"},
                 {"key", kRecordedCoreKey},
                 {"extension", true}});
        Ok(*js, {{"cmd", "connect"}, {"port", c.port}});
        Ok(*js, {{"cmd", "waitPeer"}});
        Ok(*js, {{"cmd", "update"}});
        auto command = [&](uint32_t key) {
          return range ? RangeCommand(key) : GetCommand(key);
        };
        for (int i = 0; i < (range ? 5 : 20); i++) {
          Ok(*js, command(random_key()));
        }
        Cost cost;
        for (uint32_t i = 0; i < (range ? warm / 5 : warm); i++) {
          Ok(*js, {{"cmd", "traffic"}, {"reset", true}});
          const uint32_t key = random_key();
          const json result = Ok(*js, command(key))["result"];
          if (range) {
            CHECK(result.size() == expect.RangeSize(key));
          } else {
            CheckEntry(result, key);
          }
          AddJs(&cost, Ok(*js, {{"cmd", "traffic"}})["atResult"]);
        }
        CHECK(js->Close().ok());
        report += Row(range ? "warm range" : "warm get", c.name, cost) + "\n";
      }
    }
    if (d == delay) break;  // a delay of 0 asked for: once
  }
  std::fputs(report.c_str(), stdout);
  CHECK(js_writer->Close().ok());
}

}  // namespace
}  // namespace bee::test
