// The `hyperbee` extension (remote/hyperbee_extension.h): the codec against
// the recorded JS sessions byte for byte (PROTOCOL.md §15), the server's
// seq lists against the recorded JS server's answers for the same stores,
// and hostile hints.
#include "remote/hyperbee_extension.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "encoding/bytes.h"
#include "encoding/varint.h"
#include "log/env.h"
#include "net/connection.h"
#include "net/event_loop.h"
#include "net/transport.h"
#include "tests/util/protocol_vectors.h"
#include "tests/util/recorded_bee.h"
#include "tests/util/vectors.h"

namespace bee::remote {
namespace {

using nlohmann::json;
using test::RecKey;
using test::RecordedStore;
using test::Unhex;

// ---------------------------------------------------------------------------
// The recorded extension messages: (direction, payload as sent after the
// name), from the .flat sessions and the compact transcripts.

struct Recorded {
  std::string from;  // "reader" or "writer"
  std::string payload;
};

// Payloads of `01 09 name payload` frames (JS sends extension messages
// unbatched).
std::vector<Recorded> FromFlat(const std::string& file) {
  std::vector<Recorded> out;
  test::FlatVectors v = test::LoadFlat(file);
  for (const char* side : {"i", "r"}) {
    for (const std::string& frame : v.Payloads(side)) {
      if (frame.size() < 3 || frame[0] != 1 || frame[1] != 9) continue;
      std::string_view rest = std::string_view(frame).substr(2);
      uint64_t name_len = 0;
      REQUIRE(GetCompactUint(&rest, &name_len));
      REQUIRE(name_len <= rest.size());
      rest.remove_prefix(name_len);
      out.push_back(
          {side == std::string("i") ? "reader" : "writer", std::string(rest)});
    }
  }
  return out;
}

std::vector<Recorded> FromTranscript(const std::string& file) {
  std::ifstream in(std::string(BEE_TEST_DATA_DIR) + "/protocol/" + file);
  REQUIRE(in);
  std::vector<Recorded> out;
  std::string line, prev;
  const std::string marker = "type 9 extension ";
  for (; std::getline(in, line); prev = line) {
    const size_t at = line.find(marker);
    if (at == std::string::npos) continue;
    json j = json::parse(line.substr(at + marker.size()));
    out.push_back(
        {prev.find(" I>R ") != std::string::npos ? "reader" : "writer",
         Unhex(j["message"].get<std::string>())});
  }
  return out;
}

// The seqs of every cache the writer sent, in order.
std::vector<uint64_t> CachedSeqs(const std::vector<Recorded>& messages) {
  std::vector<uint64_t> seqs;
  for (const Recorded& r : messages) {
    auto m = DecodeHyperbeePayload(r.payload);
    REQUIRE(m.ok());
    if (m->cache) {
      seqs.insert(seqs.end(), m->cache->blocks.begin(), m->cache->blocks.end());
    }
  }
  return seqs;
}

std::vector<HyperbeeIterator> Iterators(const std::vector<Recorded>& messages) {
  std::vector<HyperbeeIterator> out;
  for (const Recorded& r : messages) {
    auto m = DecodeHyperbeePayload(r.payload);
    REQUIRE(m.ok());
    if (m->iterator) out.push_back(*m->iterator);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Codec

TEST_CASE("hyperbee extension: the §15 examples decode and re-encode") {
  // 15.3: get, version 1001, key 500.
  auto get = DecodeHyperbeePayload(
      Unhex("17121508e9071210c25415ba7d78a1931611b17137f51f68"));
  REQUIRE(get.ok());
  REQUIRE(get->get);
  CHECK_FALSE(get->cache);
  CHECK_FALSE(get->iterator);
  CHECK(get->get->version == 1001);
  CHECK(HexEncode(get->get->key) == "c25415ba7d78a1931611b17137f51f68");
  CHECK(HexEncode(EncodeHyperbeePayload(*get)) ==
        "17121508e9071210c25415ba7d78a1931611b17137f51f68");

  // 15.4: iterator, gte key 300, limit 100, reverse false (written).
  const std::string range_hex =
      "1b1a1908e9071210176781a7d01bd5db99b385fe2e6a3db030643800";
  auto range = DecodeHyperbeePayload(Unhex(range_hex));
  REQUIRE(range.ok());
  REQUIRE(range->iterator);
  CHECK(range->iterator->version == 1001);
  CHECK(HexEncode(*range->iterator->gte) == "176781a7d01bd5db99b385fe2e6a3db0");
  CHECK_FALSE(range->iterator->gt);
  CHECK(range->iterator->limit == 100);
  CHECK_FALSE(range->iterator->reverse);
  CHECK(HexEncode(EncodeHyperbeePayload(*range)) == range_hex);

  // Whole bee: limit 0 and reverse false still written.
  HyperbeeMessage scan;
  scan.iterator = HyperbeeIterator{};
  scan.iterator->version = 3001;
  CHECK(HexEncode(EncodeHyperbeePayload(scan)) == "091a0708b91730003800");

  // A checkpoint, packed.
  const std::string cp_hex =
      "1c1a1a08f12e30a30e380042"
      "10f02e0001f02e010dea2e020bf22d0101";
  auto cp = DecodeHyperbeePayload(Unhex(cp_hex));
  REQUIRE(cp.ok());
  REQUIRE(cp->iterator);
  CHECK(cp->iterator->limit == 1827);
  CHECK(cp->iterator->checkpoint == std::vector<uint64_t>{6000, 0, 1, 6000, 1,
                                                          13, 5994, 2, 11, 5874,
                                                          1, 1});
  CHECK(HexEncode(EncodeHyperbeePayload(*cp)) == cp_hex);

  // 15.5: cache, start 2, end 1001, 13 seqs.
  const std::string cache_hex =
      "1f0a1d080210e9071a16e8073123e4070211d005cb07d702e1059c06c503f503";
  auto cache = DecodeHyperbeePayload(Unhex(cache_hex));
  REQUIRE(cache.ok());
  REQUIRE(cache->cache);
  CHECK(cache->cache->start == 2);
  CHECK(cache->cache->end == 1001);
  CHECK(cache->cache->blocks == std::vector<uint64_t>{1000, 49, 35, 996, 2, 17,
                                                      720, 971, 343, 737, 796,
                                                      453, 501});
  CHECK(HexEncode(EncodeHyperbeePayload(*cache)) == cache_hex);
}

TEST_CASE(
    "hyperbee extension: every recorded message re-encodes byte for byte") {
  size_t gets = 0, iterators = 0, caches = 0;
  for (const char* file : {"session-bee-get.flat", "session-bee-range.flat",
                           "session-bee-get-noext.flat", "session-bee-scan.txt",
                           "session-bee-scan-limit.txt"}) {
    CAPTURE(file);
    const std::string name(file);
    const std::vector<Recorded> messages =
        name.ends_with(".flat") ? FromFlat(name) : FromTranscript(name);
    for (const Recorded& r : messages) {
      CAPTURE(r.from, HexEncode(r.payload));
      auto m = DecodeHyperbeePayload(r.payload);
      REQUIRE(m.ok());
      CHECK(EncodeHyperbeePayload(*m) == r.payload);
      // Readers hint, writers answer, one kind per message.
      CHECK((m->cache.has_value() + m->get.has_value() +
             m->iterator.has_value()) == 1);
      CHECK(m->cache.has_value() == (r.from == "writer"));
      if (m->cache) {
        const auto& b = m->cache->blocks;
        CHECK(b.size() <= kCacheFlushSeqs);
        CHECK(m->cache->start == *std::min_element(b.begin(), b.end()));
        CHECK(m->cache->end == *std::max_element(b.begin(), b.end()) + 1);
      }
      gets += m->get.has_value();
      iterators += m->iterator.has_value();
      caches += m->cache.has_value();
    }
    if (name == "session-bee-get-noext.flat") CHECK(messages.empty());
  }
  CHECK(gets == 1);
  CHECK(iterators == 4);  // range, scan, scan-limit twice
  CHECK(caches == 1 + 1 + 17 + 32);
}

TEST_CASE("hyperbee extension: decoding follows JS on odd input") {
  // Unknown fields of every skippable wire type are skipped.
  std::string odd = Unhex("2005") + Unhex("290102030405060708") +
                    Unhex("3a02aabb") + Unhex("4d01020304") +
                    Unhex("121508e9071210c25415ba7d78a1931611b17137f51f68");
  auto m = DecodeHyperbeeMessage(odd);
  REQUIRE(m.ok());
  REQUIRE(m->get);
  CHECK(m->get->version == 1001);
  // Missing fields default; an empty message is no hint at all.
  auto empty_get = DecodeHyperbeeMessage(Unhex("1200"));
  REQUIRE(empty_get.ok());
  CHECK(empty_get->get->version == 0);
  CHECK(empty_get->get->key.empty());
  auto none = DecodeHyperbeeMessage("");
  REQUIRE(none.ok());
  CHECK(*none == HyperbeeMessage{});
  // A repeated message keeps the last one, as JS does.
  auto twice =
      DecodeHyperbeeMessage(Unhex("12020801"
                                  "12020802"));
  REQUIRE(twice.ok());
  CHECK(twice->get->version == 2);
  // Bytes after the buffer are ignored.
  auto trailing = DecodeHyperbeePayload(Unhex("0412020801ffff"));
  REQUIRE(trailing.ok());
  CHECK(trailing->get->version == 1);
}

TEST_CASE("hyperbee extension: malformed messages are errors naming why") {
  struct Bad {
    const char* hex;
    const char* why;
  };
  for (const Bad& bad : std::vector<Bad>{
           {"0a03080110", "truncated varint"},          // cache.end cut
           {"0a020801", "cache without start or end"},  // no end
           {"0a021005", "cache without start or end"},  // no start
           {"1203080112", "truncated length"},          // key length cut
           {"120508011205", "runs past"},               // key past the get
           {"12030a0100", "wire type"},                 // version as bytes
           {"0a0608011002180a", "wire type"},           // unpacked blocks
           {"0b", "wire type 3"},                       // a group
           {"12", "truncated length"},
           {"ff", "truncated tag"},
           {"1a031a01", "runs past"},
       }) {
    CAPTURE(bad.hex);
    auto m = DecodeHyperbeeMessage(Unhex(bad.hex));
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().IsCorruption());
    CHECK_THAT(m.status().ToString(), Catch::Contains(bad.why));
  }
  auto past = DecodeHyperbeePayload(Unhex("05120208"));
  REQUIRE_FALSE(past.ok());
  CHECK_THAT(past.status().ToString(), Catch::Contains("buffer runs past"));
  auto nothing = DecodeHyperbeePayload("");
  REQUIRE_FALSE(nothing.ok());
  CHECK_THAT(nothing.status().ToString(), Catch::Contains("buffer length"));
}

TEST_CASE("hyperbee extension: a range read's iterator hint is JS's") {
  btree::RangeOptions range;
  range.gte = "a";
  range.gt = "b";  // wins
  range.lte = "y";
  range.limit = 100;
  auto hint = IteratorHint(1001, range);
  REQUIRE(hint);
  CHECK(hint->version == 1001);
  CHECK_FALSE(hint->gte);
  CHECK(hint->gt == "b");
  CHECK(hint->lte == "y");
  CHECK_FALSE(hint->lt);
  CHECK(hint->limit == 100);
  CHECK_FALSE(hint->reverse);
  CHECK(hint->checkpoint.empty());
  // The recorded range's hint (§15.4), byte for byte.
  btree::RangeOptions recorded;
  recorded.gte = RecKey(300);
  recorded.limit = 100;
  HyperbeeMessage m;
  m.iterator = IteratorHint(1001, recorded);
  CHECK(HexEncode(EncodeHyperbeePayload(m)) ==
        "1b1a1908e9071210176781a7d01bd5db99b385fe2e6a3db030643800");
  range.limit = -1;
  range.reverse = true;
  CHECK(IteratorHint(7, range)->limit == 0);
  CHECK(IteratorHint(7, range)->reverse);
  range.limit = 0;
  CHECK_FALSE(IteratorHint(7, range));
}

TEST_CASE("hyperbee extension: cache messages hold at most 128 seqs") {
  std::vector<uint64_t> seqs;
  for (uint64_t i = 0; i < 300; i++) seqs.push_back(1000 - 3 * i);
  auto caches = CacheMessages(seqs);
  REQUIRE(caches.size() == 3);
  CHECK(caches[0].blocks.size() == 128);
  CHECK(caches[2].blocks.size() == 44);
  CHECK(caches[0].start == 1000 - 3 * 127);
  CHECK(caches[0].end == 1001);
  CHECK(caches[2].start == 1000 - 3 * 299);
  CHECK(CacheMessages({}).empty());
}

// ---------------------------------------------------------------------------
// The server's lists equal the recorded JS server's.

TEST_CASE("hyperbee extension: a get lists the blocks JS's server listed") {
  auto bee = RecordedStore(1000);
  REQUIRE(bee->core().length() == 1001);
  const auto recorded = FromFlat("session-bee-get.flat");
  const std::vector<uint64_t> expected{1000, 49,  35,  996, 2,   17, 720,
                                       971,  343, 737, 796, 453, 501};
  REQUIRE(CachedSeqs(recorded) == expected);
  auto hint = DecodeHyperbeePayload(recorded.front().payload);
  REQUIRE(hint.ok());
  REQUIRE(hint->get);
  CHECK(hint->get->key == RecKey(500));
  CHECK(GetHintSeqs(bee->core(), *hint->get) == expected);

  // Every key: the path ends at the key's own block, each seq once.
  for (uint32_t i = 0; i < 1000; i += 37) {
    auto seqs = GetHintSeqs(bee->core(), {1001, RecKey(i)});
    REQUIRE_FALSE(seqs.empty());
    CHECK(seqs.front() == 1000);
    CHECK(seqs.back() == i + 1);
    CHECK(std::set<uint64_t>(seqs.begin(), seqs.end()).size() == seqs.size());
  }
  // A missing key walks to a leaf and lists no entry block of its own.
  auto missing = GetHintSeqs(bee->core(), {1001, "no such key"});
  CHECK(missing.size() >= 4);
  CHECK(missing.size() <= 4 * 4);
}

TEST_CASE("hyperbee extension: a 100-key range lists JS's 108 blocks") {
  auto bee = RecordedStore(1000);
  const auto recorded = FromFlat("session-bee-range.flat");
  const auto expected = CachedSeqs(recorded);
  REQUIRE(expected.size() == 108);
  const auto hints = Iterators(recorded);
  REQUIRE(hints.size() == 1);
  CHECK(IteratorHintSeqs(bee->core(), hints[0]) == expected);
}

TEST_CASE(
    "hyperbee extension: a limited scan with a checkpoint lists JS's "
    "blocks, both hints") {
  auto bee = RecordedStore(6000);
  const auto recorded = FromTranscript("session-bee-scan-limit.txt");
  const auto hints = Iterators(recorded);
  REQUIRE(hints.size() == 2);
  CHECK(hints[1].checkpoint.size() == 12);
  // The writer's caches, split at the answer of the second hint: the first
  // 17 messages answer the first hint.
  std::vector<std::vector<uint64_t>> answers(2);
  size_t caches = 0;
  for (const Recorded& r : recorded) {
    auto m = DecodeHyperbeePayload(r.payload);
    REQUIRE(m.ok());
    if (!m->cache) continue;
    auto& into = answers[caches++ < 17 ? 0 : 1];
    into.insert(into.end(), m->cache->blocks.begin(), m->cache->blocks.end());
  }
  REQUIRE(answers[0].size() == kIteratorMaxSeqs);
  REQUIRE(answers[1].size() == 14 * 128 + 28);
  CHECK(IteratorHintSeqs(bee->core(), hints[0]) == answers[0]);
  CHECK(IteratorHintSeqs(bee->core(), hints[1]) == answers[1]);
}

TEST_CASE("hyperbee extension: an unlimited scan lists the blocks JS did") {
  auto bee = RecordedStore(3000);
  const auto recorded = FromTranscript("session-bee-scan.txt");
  const auto hints = Iterators(recorded);
  REQUIRE(hints.size() == 1);
  const auto expected = CachedSeqs(recorded);
  REQUIRE(expected.size() == kIteratorMaxSeqs);
  const auto seqs = IteratorHintSeqs(bee->core(), hints[0]);
  CHECK(seqs.size() == kIteratorMaxSeqs);
  // JS's background prefetch reorders (and changes) part of its list; the
  // iteration's blocks are mostly the same.
  std::set<uint64_t> js(expected.begin(), expected.end());
  size_t common = 0;
  for (uint64_t s : seqs) common += js.count(s);
  CAPTURE(common);
  CHECK(common * 10 >= seqs.size() * 8);  // 1834 of 2176 when written
}

// ---------------------------------------------------------------------------
// Hostile hints

TEST_CASE("hyperbee extension: hostile hints are refused or bounded") {
  auto bee = RecordedStore(1000);
  const log::Core& core = bee->core();
  const std::string key = RecKey(500);
  CHECK(GetHintSeqs(core, {0, key}).empty());     // version 0
  CHECK(GetHintSeqs(core, {1, key}).empty());     // the empty bee
  CHECK(GetHintSeqs(core, {1002, key}).empty());  // past our length
  CHECK(GetHintSeqs(core, {~uint64_t{0}, key}).empty());
  // An older version reads that version's tree.
  auto old = GetHintSeqs(core, {600, RecKey(10)});
  REQUIRE_FALSE(old.empty());
  CHECK(old.front() == 599);
  for (uint64_t s : old) CHECK(s < 600);

  HyperbeeIterator it;
  it.version = 1001;
  it.limit = ~uint64_t{0};  // huge: bounded by the seqs recorded
  auto all = IteratorHintSeqs(core, it);
  CHECK(all.size() == 1000);  // the whole bee is under the bound
  it.version = 1002;
  CHECK(IteratorHintSeqs(core, it).empty());
  it.version = 0;
  CHECK(IteratorHintSeqs(core, it).empty());

  // Checkpoints: not whole triples, a seq past the version or 0, a level
  // the block does not have, too many levels.
  it.version = 1001;
  for (const std::vector<uint64_t>& cp : std::vector<std::vector<uint64_t>>{
           {1000, 0}, {1001, 0, 1}, {0, 0, 1}, {1000, 99, 1}}) {
    CAPTURE(cp);
    it.checkpoint = cp;
    CHECK(IteratorHintSeqs(core, it).empty());
  }
  it.checkpoint.clear();
  for (size_t i = 0; i <= kMaxCheckpointLevels; i++) {
    it.checkpoint.insert(it.checkpoint.end(), {1000, 0, 1});
  }
  CHECK(IteratorHintSeqs(core, it).empty());
  // A cursor far past the node's keys just ends that level.
  it.checkpoint = {1000, 0, ~uint64_t{0}};
  CHECK(IteratorHintSeqs(core, it).empty());
}

TEST_CASE("hyperbee extension: a large store's iterator stops at 2176 seqs") {
  auto bee = RecordedStore(3000);
  HyperbeeIterator it;
  it.version = bee->core().length();
  it.reverse = true;
  auto seqs = IteratorHintSeqs(bee->core(), it);
  CHECK(seqs.size() >= kIteratorMaxSeqs);
  CHECK(seqs.size() <= kIteratorMaxSeqs + 8);
  CHECK(seqs.front() == 3000);
}

// A channel whose messages are kept.
class Recorder : public net::MessageSink {
 public:
  void Send(const net::Message& m) override { sent.push_back(m); }
  std::vector<net::Message> sent;
};

TEST_CASE("hyperbee extension: the channel answers hints and drops junk") {
  auto bee = RecordedStore(1000);
  Recorder sink;
  net::ChannelReplicator channel(&bee->core(), &sink);
  auto ext = HyperbeeExtension::Attach(&channel, {});
  auto deliver = [&](std::string name, std::string payload) {
    REQUIRE(
        channel.OnMessage(net::Extension{std::move(name), std::move(payload)})
            .ok());
  };
  HyperbeeMessage get;
  get.get = HyperbeeGet{1001, RecKey(500)};
  deliver("hyperbee", EncodeHyperbeePayload(get));
  REQUIRE(sink.sent.size() == 1);
  const auto& answer = std::get<net::Extension>(sink.sent[0]);
  CHECK(answer.name == "hyperbee");
  CHECK(HexEncode(answer.message) ==
        "1f0a1d080210e9071a16e8073123e4070211d005cb07d702e1059c06c503f503");
  CHECK(ext->counters().hints_received == 1);
  CHECK(ext->counters().hints_answered == 1);
  CHECK(ext->counters().seqs_sent == 13);

  // Another extension's name, a refused version, junk, an oversized
  // payload: nothing sent.
  deliver("other", EncodeHyperbeePayload(get));
  get.get->version = 5000;
  deliver("hyperbee", EncodeHyperbeePayload(get));
  deliver("hyperbee", Unhex("05120208"));
  deliver("hyperbee", std::string(kMaxHintPayload + 1, '\x12'));
  CHECK(sink.sent.size() == 1);
  CHECK(ext->counters().hints_refused == 1);
  CHECK(ext->counters().malformed == 2);

  // An unsolicited cache makes a reader fetch nothing.
  HyperbeeMessage cache;
  cache.cache = HyperbeeCache{1, 2, {1}};
  deliver("hyperbee", EncodeHyperbeePayload(cache));
  CHECK(ext->counters().caches_received == 1);
  CHECK(ext->counters().seqs_ignored == 1);
  CHECK(ext->counters().blocks_requested == 0);

  // Hints go out with the name; the connection shortens repeats.
  ext->SendGetHint(1001, "k");
  REQUIRE(sink.sent.size() == 2);
  auto sent =
      DecodeHyperbeePayload(std::get<net::Extension>(sink.sent[1]).message);
  REQUIRE(sent.ok());
  CHECK(sent->get == HyperbeeGet{1001, "k"});
  CHECK(ext->counters().hints_sent == 1);
}

// A bee server (its channels answering hints as `bee serve`'s do, or as
// `serve` says) and a bee replica knowing only the key, over a memory pair.
struct BeePeers {
  std::unique_ptr<net::EventLoop> loop = net::EventLoop::Create().value();
  std::unique_ptr<log::Env> env = log::NewMemEnv();
  std::unique_ptr<log::Core> replica;
  std::unique_ptr<net::Connection> server, reader;
  net::ChannelReplicator* channel = nullptr;
  Status closed;

  BeePeers(log::Core* served, net::Connection::ChannelHook serve) {
    auto [a, b] = net::NewMemoryPair(loop.get(), net::TransportOptions{});
    net::ConnectionHandlers sh, rh;
    sh.on_close = [this](const Status& why) { closed = why; };
    rh.on_close = [this](const Status& why) { closed = why; };
    server = net::Connection::Create(loop.get(), std::move(a), false, {},
                                     std::move(sh))
                 .value();
    server->ServeWith([served](const Hash32&) { return served; },
                      std::move(serve));
    reader = net::Connection::Create(loop.get(), std::move(b), true, {},
                                     std::move(rh))
                 .value();
    const Hash32 key = served->key();
    channel = reader->ReplicateKey(
        key, [this, key](std::string_view manifest) -> Result<log::Core*> {
          log::CoreOptions options;
          options.env = env.get();
          BEE_ASSIGN_OR_RETURN(
              replica, log::Core::CreateReplica("/r", key, manifest, options));
          return replica.get();
        });
    channel->Download(0, 0);  // the signed length only
    server->Start();
    reader->Start();
    Run([&] { return replica && replica->length() == served->length(); });
  }
  void Run(const std::function<bool()>& done) {
    REQUIRE(loop->RunUntil([&] { return done() || !closed.ok(); },
                           std::chrono::seconds(20))
                .ok());
    INFO(closed.ToString());
    REQUIRE(closed.ok());
  }
};

net::Connection::ChannelHook Answering() {
  return [](net::ChannelReplicator* ch) {
    (void)HyperbeeExtension::Attach(ch, {});
  };
}

TEST_CASE("hyperbee extension: a bee replica's hints to a bee server") {
  auto bee = RecordedStore(1000);
  BeePeers peers(&bee->core(), Answering());
  auto ext = HyperbeeExtension::Attach(peers.channel, {});
  ext->SendGetHint(1001, RecKey(500));
  peers.Run([&] {
    return ext->counters().caches_received == 1 &&
           peers.channel->inflight() == 0;
  });
  const std::vector<uint64_t> expected{1000, 49,  35,  996, 2,   17, 720,
                                       971,  343, 737, 796, 453, 501};
  CHECK(peers.replica->held_blocks() == expected.size());
  for (uint64_t seq : expected) {
    CAPTURE(seq);
    REQUIRE(peers.replica->Has(seq));
    CHECK(peers.replica->Get(seq).value() == bee->core().Get(seq).value());
  }
  CHECK(peers.channel->stats().listed_requested == expected.size());
  CHECK(ext->counters().blocks_requested == expected.size());
}

TEST_CASE("hyperbee extension: a lying server's cache is bounded") {
  auto bee = RecordedStore(3000);
  // The server answers any hint with every seq up to 5000, twice, in one
  // message each.
  BeePeers peers(&bee->core(), [](net::ChannelReplicator* ch) {
    ch->set_extension_handler([ch](const net::Extension&) {
      HyperbeeMessage m;
      m.cache = HyperbeeCache{0, 5000, {}};
      for (uint64_t s = 0; s < 5000; s++) m.cache->blocks.push_back(s);
      for (int i = 0; i < 2; i++) {
        ch->SendExtension("hyperbee", EncodeHyperbeePayload(m));
      }
    });
  });
  auto ext = HyperbeeExtension::Attach(peers.channel, {});
  ext->SendGetHint(3001, RecKey(1));
  peers.Run([&] {
    return ext->counters().caches_received == 2 &&
           peers.channel->inflight() == 0 &&
           peers.channel->stats().listed_requested ==
               ext->counters().blocks_requested;
  });
  // One hint: 2176 seqs taken, all below our length of 3001; the rest and
  // the whole second message ignored.
  CHECK(ext->counters().blocks_requested == kIteratorMaxSeqs);
  CHECK(ext->counters().seqs_ignored == 2 * 5000 - kIteratorMaxSeqs);
  CHECK(peers.replica->held_blocks() == kIteratorMaxSeqs);
  // Verified like any block: equal to the server's.
  for (uint64_t seq = 0; seq < kIteratorMaxSeqs; seq += 97) {
    CHECK(peers.replica->Get(seq).value() == bee->core().Get(seq).value());
  }
}

// What answering a hint costs the server (hidden; docs/PERFORMANCE.md):
// 100,000 keys, each hint on a fresh log read (no decoded-block cache).
TEST_CASE("hyperbee extension: measure the server's work per hint",
          "[.measure]") {
  auto bee = RecordedStore(100000);
  const uint64_t version = bee->core().length();
  auto time = [](auto&& fn, int n) {
    const auto start = std::chrono::steady_clock::now();
    size_t seqs = 0;
    for (int i = 0; i < n; i++) seqs += fn(i);
    const std::chrono::duration<double, std::micro> us =
        std::chrono::steady_clock::now() - start;
    return std::make_pair(us.count() / n, seqs / static_cast<size_t>(n));
  };
  auto get = time(
      [&](int i) {
        return GetHintSeqs(bee->core(),
                           {version, RecKey(static_cast<uint32_t>(i) * 37)})
            .size();
      },
      1000);
  auto range = time(
      [&](int i) {
        HyperbeeIterator it;
        it.version = version;
        it.gte = RecKey(static_cast<uint32_t>(i) * 101);
        it.limit = 100;
        return IteratorHintSeqs(bee->core(), it).size();
      },
      200);
  auto scan = time(
      [&](int) {
        HyperbeeIterator it;
        it.version = version;
        return IteratorHintSeqs(bee->core(), it).size();
      },
      20);
  WARN("get hint: " << get.first << " us, " << get.second
                    << " seqs; 100-key range hint: " << range.first << " us, "
                    << range.second << " seqs; unlimited scan hint: "
                    << scan.first << " us, " << scan.second << " seqs");
}

}  // namespace
}  // namespace bee::remote
