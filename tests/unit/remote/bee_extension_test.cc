// Our `bee/read/1` extension (remote/bee_extension.h): the codec's known
// bytes (docs/PROTOCOL.md "The bee/read extension") and its refusals; the
// server's answer verified into a sparse replica; hostile answers (wrong
// block bytes, a wrong proof node, a block past the length, an upgrade, an
// id not asked, too many proofs) rejected with nothing stored; and over
// TCP from an in-process bee server, a cold get and a 100-key range in
// exactly one round trip, equal to the local store's answers.
#include "remote/bee_extension.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "encoding/block_codec.h"
#include "encoding/bytes.h"
#include "log/env.h"
#include "log/proof.h"
#include "net/connection.h"
#include "net/event_loop.h"
#include "net/transport.h"
#include "remote/hyperbee_extension.h"
#include "remote/remote_store.h"
#include "tests/util/server_thread.h"
#include "tests/util/temp_dir.h"
#include "tests/util/vectors.h"

namespace bee::remote {
namespace {

std::string Hex(std::string_view bytes) { return HexEncode(bytes); }

std::string Key(int i) {
  char buf[16];
  snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

// A store of n keys (key00000 -> value-i), written in batches of `batch`
// (1: single puts, as a JS writer's).
std::string MakeStore(const test::TempDir& tmp, int n, Hash32* key,
                      int batch_size = 100) {
  const std::string dir = tmp.Sub("store");
  Hash32 seed;
  seed.fill(9);
  auto bee = btree::Bee::Create(dir, log::KeyPair::FromSeed(seed)).value();
  for (int i = 0; i < n; i += batch_size) {
    auto batch = bee->MakeBatch().value();
    for (int j = i; j < std::min(n, i + batch_size); j++) {
      REQUIRE(batch->Put(Key(j), "value-" + std::to_string(j)).ok());
    }
    REQUIRE(batch->Flush().ok());
  }
  *key = bee->core().key();
  REQUIRE(bee->Close().ok());
  return dir;
}

// ---------------------------------------------------------------------------
// Codec

TEST_CASE("bee/read: messages encode to their documented bytes",
          "[remote][bee_read]") {
  CHECK(Hex(EncodeBeeRead(BeeReadHello{})) == "0001");

  BeeReadRequest get;
  get.id = 1;
  get.version = 5;
  get.key = "ab";
  get.have = {3};
  CHECK(Hex(EncodeBeeRead(get)) ==
        "0101050002616201"
        "03");

  BeeReadRequest range;
  range.id = 2;
  range.version = 300;
  range.kind = BeeReadKind::kRange;
  range.gte = "a";
  range.lt = "b";
  range.limit = 100;
  range.reverse = true;
  // flags 0x19 = gte 1 | lt 8 | reverse 16; 300 = fd 2c 01.
  CHECK(Hex(EncodeBeeRead(range)) ==
        "0102fd2c0101190161016264"
        "00");

  BeeReadAnswer answer;
  answer.id = 1;
  answer.result = BeeReadResult::kTruncated;
  answer.proofs = {"xy"};
  CHECK(Hex(EncodeBeeRead(answer)) == "02010101027879");

  for (const BeeReadMessage& m :
       {BeeReadMessage(BeeReadHello{}), BeeReadMessage(get),
        BeeReadMessage(range), BeeReadMessage(answer)}) {
    auto back = DecodeBeeRead(EncodeBeeRead(m));
    REQUIRE(back.ok());
    CHECK(*back == m);
  }
}

TEST_CASE("bee/read: malformed messages are Corruption naming the fault",
          "[remote][bee_read]") {
  struct Bad {
    std::string hex, names;
  };
  const Bad cases[] = {
      {"", "type: truncated"},
      {"07", "unknown message type 7"},
      {"0001ff", "1 bytes after the message"},
      {"010105", "request kind: truncated"},
      {"0101050300", "unknown request kind 3"},
      {"01010500056162", "get key runs past the message"},
      {"0101050140", "unknown range flags"},
      {"010105000161fd0101", "257 held seqs (at most 256)"},
      {"02010300", "unknown answer result 3"},
      {"020100fd0102", "513 proofs (at most 512)"},
      {"02010001057879", "proof runs past the message"},
  };
  for (const Bad& b : cases) {
    INFO(b.hex);
    auto m = DecodeBeeRead(test::Unhex(b.hex));
    REQUIRE_FALSE(m.ok());
    CHECK(m.status().IsCorruption());
    CHECK_THAT(m.status().ToString(), Catch::Contains(b.names));
  }
}

// ---------------------------------------------------------------------------
// Server answer -> reader's replica

struct Replica {
  test::TempDir tmp;
  Hash32 key{};
  std::string dir = MakeStore(tmp, 3000, &key);
  std::unique_ptr<btree::Bee> local = [this] {
    btree::BeeOptions o;
    o.core.read_only = true;
    return btree::Bee::Open(dir, o).value();
  }();
  const log::Core& server = local->core();
  std::unique_ptr<log::Env> env = log::NewMemEnv();
  std::unique_ptr<log::Core> replica;

  Replica() {
    log::CoreOptions options;
    options.env = env.get();
    replica =
        log::Core::CreateReplica("/r", server.key(), server.manifest(), options)
            .value();
    // The signed length alone, as a reader holds it after its open.
    auto up = log::CreateProof(
        server, log::MakeRequest(*replica, std::nullopt, server.length()));
    REQUIRE(log::ApplyProof(replica.get(), up.value()).ok());
  }
  uint64_t version() const { return server.length(); }
  BeeReadRequest Get(int i) const {
    BeeReadRequest r;
    r.id = 1;
    r.version = version();
    r.key = Key(i);
    return r;
  }
  size_t Held() const {
    size_t n = 0;
    for (uint64_t i = 0; i < replica->length(); i++) n += replica->Has(i);
    return n;
  }
};

TEST_CASE(
    "bee/read: the answer to a get verifies into a sparse replica, whose "
    "Bee then reads the entry without fetching",
    "[remote][bee_read]") {
  for (int i : {0, 1234, 2999}) {
    Replica r;
    // The header, as a reader's open fetched it.
    const log::ProofRequest header = log::MakeRequest(*r.replica, 0, 0);
    REQUIRE(log::ApplyProof(r.replica.get(),
                            log::CreateProof(r.server, header).value())
                .ok());
    const BeeReadRequest get = r.Get(i);
    const BeeReadAnswer answer = AnswerRead(r.server, get);
    INFO("key " << i << ": " << answer.proofs.size() << " proofs");
    CHECK(answer.result == BeeReadResult::kComplete);
    CHECK(answer.proofs.size() <= 40);
    ApplyReadResult applied = ApplyReadAnswer(r.replica.get(), answer);
    CHECK(applied.first_error.ok());
    CHECK(applied.rejected == 0);
    CHECK(applied.applied == answer.proofs.size());
    // What it holds now is listed as `have`: a second answer sends nothing.
    BeeReadRequest again = get;
    again.have = HeldSeqs(*r.replica, again);
    CHECK(AnswerRead(r.server, again).proofs.empty());
    // No block source: a read needing a block not held fails.
    auto bee = btree::Bee::FromCore(std::move(r.replica)).value();
    auto got = bee->Get(Key(i));
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK((*got)->value == "value-" + std::to_string(i));
  }
}

// A replica of `server` holding its signed length alone, in `env`.
std::unique_ptr<log::Core> EmptyReplica(const log::Core& server, log::Env* env,
                                        log::BlockSource* source = nullptr) {
  static int n = 0;
  log::CoreOptions options;
  options.env = env;
  options.block_source = source;
  auto replica =
      log::Core::CreateReplica("/e" + std::to_string(n++), server.key(),
                               server.manifest(), options)
          .value();
  auto up = log::CreateProof(
      server, log::MakeRequest(*replica, std::nullopt, server.length()));
  REQUIRE(log::ApplyProof(replica.get(), up.value()).ok());
  return replica;
}

// One node of a get's path: its block and its keys' seqs.
struct PathNode {
  uint64_t seq;
  std::vector<uint64_t> keys;
};

NodeBlock BlockAt(const log::Core& core, uint64_t seq) {
  return DecodeNodeBlock(core.Get(seq).value()).value();
}

// The path of a get of `key` on a full store, walked here on its own: from
// the root down, each node's keys compared in order (no binary search).
std::vector<PathNode> PathOf(const log::Core& core, std::string_view key) {
  std::vector<PathNode> path;
  uint64_t seq = core.length() - 1, offset = 0;
  while (true) {
    const IndexLevel level = BlockAt(core, seq).levels.at(offset);
    path.push_back({seq, level.keys});
    size_t i = 0;
    for (; i < level.keys.size(); i++) {
      const std::string at = BlockAt(core, level.keys[i]).key;
      if (at == key) return path;
      if (at > key) break;
    }
    if (level.children.empty()) return path;
    seq = level.children.at(2 * i);
    offset = level.children.at(2 * i + 1);
  }
}

// Feeds a replica from a local core, recording what it is asked for.
class ServerSource : public log::BlockSource {
 public:
  explicit ServerSource(const log::Core& server) : server_(server) {}
  void set_replica(log::Core* replica) { replica_ = replica; }
  Status Fetch(std::span<const uint64_t> indexes) override {
    for (uint64_t i : indexes) {
      fetched.push_back(i);
      BEE_ASSIGN_OR_RETURN(
          log::Proof proof,
          log::CreateProof(server_, log::MakeRequest(*replica_, i, 0)));
      BEE_RETURN_IF_ERROR(log::ApplyProof(replica_, proof));
    }
    return Status::OK();
  }
  std::vector<uint64_t> fetched;

 private:
  const log::Core& server_;
  log::Core* replica_ = nullptr;
};

TEST_CASE(
    "bee/read: a get's answer is the path's node blocks and at most two keys "
    "per level, which the reader's search needs alone",
    "[remote][bee_read]") {
  Replica r;
  // Present keys, and absent ones: before all, between two, after all.
  std::vector<std::string> keys{"a", "key01500x", "zzz"};
  for (int i = 0; i < 3000; i += 113) keys.push_back(Key(i));
  keys.push_back(Key(2999));
  for (const std::string& key : keys) {
    BeeReadRequest get = r.Get(0);
    get.key = key;
    const BeeReadAnswer answer = AnswerRead(r.server, get);
    CHECK(answer.result == BeeReadResult::kComplete);
    std::set<uint64_t> sent;
    for (const std::string& p : answer.proofs) {
      sent.insert(log::DecodeProof(p).value().block->index);
    }
    const std::vector<PathNode> path = PathOf(r.server, key);
    INFO("key " << key << ": " << path.size() << " levels, "
                << answer.proofs.size() << " proofs");
    CHECK(sent.size() == answer.proofs.size());
    size_t expected = 0;
    for (const PathNode& node : path) {
      CHECK(sent.count(node.seq) == 1);
      size_t keys_sent = 0;
      for (uint64_t k : node.keys) keys_sent += sent.count(k);
      CHECK(keys_sent >= 1);
      CHECK(keys_sent <= 2);
      expected += 1 + keys_sent;
    }
    // Nothing off the path (a node block may also be a key's block).
    CHECK(sent.size() <= expected);
    CHECK(answer.proofs.size() <= 3 * path.size());

    // A reader with no block source: the answer alone decides every node.
    std::unique_ptr<log::Env> env = log::NewMemEnv();
    auto replica = EmptyReplica(r.server, env.get());
    const log::ProofRequest header = log::MakeRequest(*replica, 0, 0);
    REQUIRE(log::ApplyProof(replica.get(),
                            log::CreateProof(r.server, header).value())
                .ok());
    REQUIRE(ApplyReadAnswer(replica.get(), answer).rejected == 0);
    BeeReadRequest again = get;
    again.have = HeldSeqs(*replica, again);
    CHECK(LookupHeld(*replica, again));
    CHECK(AnswerRead(r.server, again).proofs.empty());
    auto bee = btree::Bee::FromCore(std::move(replica)).value();
    auto got = bee->Get(key);
    REQUIRE(got.ok());
    auto want = r.local->Get(key).value();
    REQUIRE(got->has_value() == want.has_value());
    if (want) CHECK((*got)->value == want->value);
  }
}

TEST_CASE(
    "bee/read: a sparse reader holding any subset of the keys reads every "
    "key right, and holding none searches as a binary search",
    "[remote][bee_read]") {
  Replica r;
  std::vector<std::string> keys{"a", "key01500x", "zzz"};
  for (int i = 0; i < 3000; i += 37) keys.push_back(Key(i));
  std::mt19937_64 rng(GENERATE(1u, 2u));
  for (int percent : {0, 10, 50, 90}) {
    CAPTURE(percent);
    std::unique_ptr<log::Env> env = log::NewMemEnv();
    ServerSource source(r.server);
    auto replica = EmptyReplica(r.server, env.get(), &source);
    source.set_replica(replica.get());
    for (uint64_t seq = 0; seq < r.server.length(); seq++) {
      if (static_cast<int>(rng() % 100) >= percent) continue;
      auto proof =
          log::CreateProof(r.server, log::MakeRequest(*replica, seq, 0));
      REQUIRE(log::ApplyProof(replica.get(), proof.value()).ok());
    }
    auto bee = btree::Bee::FromCore(std::move(replica)).value();
    for (const std::string& key : keys) {
      CAPTURE(key);
      auto got = bee->Get(key);
      REQUIRE(got.ok());
      auto want = r.local->Get(key).value();
      REQUIRE(got->has_value() == want.has_value());
      if (want) CHECK((*got)->value == want->value);
    }
  }
  // Holding nothing but the header and the root's block: each node's
  // block, then one key per comparison of a binary search over the node.
  for (const std::string& key : {Key(0), Key(1777), std::string("key01500x")}) {
    CAPTURE(key);
    std::unique_ptr<log::Env> env = log::NewMemEnv();
    ServerSource source(r.server);
    auto replica = EmptyReplica(r.server, env.get(), &source);
    source.set_replica(replica.get());
    auto bee = btree::Bee::FromCore(std::move(replica)).value();
    REQUIRE(bee->core().Get(bee->core().length() - 1).ok());
    source.fetched.clear();
    REQUIRE(bee->Get(key).ok());
    std::vector<uint64_t> expected;
    const std::vector<PathNode> path = PathOf(r.server, key);
    for (const PathNode& node : path) {
      if (&node != &path.front()) expected.push_back(node.seq);
      size_t lo = 0, hi = node.keys.size();
      while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        expected.push_back(node.keys[mid]);
        const std::string at = BlockAt(r.server, node.keys[mid]).key;
        if (at == key) break;
        if (at < key) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
    }
    CHECK(source.fetched == expected);
  }
}

TEST_CASE("bee/read: a version the server does not have is refused",
          "[remote][bee_read]") {
  Replica r;
  BeeReadRequest get = r.Get(5);
  get.version = r.version() + 1;
  CHECK(AnswerRead(r.server, get).result == BeeReadResult::kRefused);
  get.version = 0;
  CHECK(AnswerRead(r.server, get).result == BeeReadResult::kRefused);
}

// Re-encodes proof i of `answer` after `edit`.
template <typename Edit>
BeeReadAnswer Tampered(BeeReadAnswer answer, size_t i, Edit edit) {
  log::Proof p = log::DecodeProof(answer.proofs[i]).value();
  edit(&p);
  answer.proofs[i] = log::EncodeProof(p);
  return answer;
}

TEST_CASE(
    "bee/read: hostile answers are rejected naming the proof, and nothing "
    "unverified is stored",
    "[remote][bee_read]") {
  Replica r;
  const BeeReadAnswer honest = AnswerRead(r.server, r.Get(1500));
  REQUIRE(honest.proofs.size() >= 2);
  const size_t held = r.Held();
  const uint64_t last = r.replica->length() - 1;
  struct Case {
    const char* name;
    BeeReadAnswer answer;
    const char* error;
  };
  const Case cases[] = {
      {"wrong block bytes",
       Tampered(honest, 1, [](log::Proof* p) { p->block->value[0] ^= 1; }),
       "proof 1"},
      {"a wrong proof node",
       Tampered(honest, 1,
                [](log::Proof* p) { p->block->nodes.back().hash[0] ^= 1; }),
       "proof 1"},
      {"a block past the length",
       Tampered(honest, 0, [&](log::Proof* p) { p->block->index = last + 7; }),
       "past the signed length"},
      {"an upgrade",
       Tampered(honest, 0,
                [](log::Proof* p) { p->upgrade = log::Proof::Upgrade{}; }),
       "not a lone block proof"},
      {"not a proof",
       [&] {
         BeeReadAnswer a = honest;
         a.proofs[0] = "\x07";
         return a;
       }(),
       "proof 0"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    ApplyReadResult got = ApplyReadAnswer(r.replica.get(), c.answer);
    CHECK(got.rejected == 1);
    REQUIRE_FALSE(got.first_error.ok());
    CHECK_THAT(got.first_error.ToString(), Catch::Contains(c.error));
    // The other proofs were honest: only they were stored.
    CHECK(r.Held() == held + got.applied);
    r.replica = nullptr;  // start over with an empty replica
    r.env = log::NewMemEnv();
    log::CoreOptions options;
    options.env = r.env.get();
    r.replica = log::Core::CreateReplica("/r", r.server.key(),
                                         r.server.manifest(), options)
                    .value();
    auto up = log::CreateProof(
        r.server, log::MakeRequest(*r.replica, std::nullopt, r.version()));
    REQUIRE(log::ApplyProof(r.replica.get(), up.value()).ok());
  }
  // Tampered block bytes and nodes leave exactly that block missing.
  ApplyReadResult got = ApplyReadAnswer(
      r.replica.get(),
      Tampered(honest, 1, [](log::Proof* p) { p->block->value[0] ^= 1; }));
  const uint64_t bad = log::DecodeProof(honest.proofs[1]).value().block->index;
  CHECK_FALSE(r.replica->Has(bad));
  CHECK(got.applied == honest.proofs.size() - 1);
}

// A sink that keeps what the channel sends.
class Keep : public net::MessageSink {
 public:
  void Send(const net::Message& m) override { sent.push_back(m); }
  std::vector<net::Message> sent;
};

TEST_CASE(
    "bee/read: a reader applies only answers to requests it has outstanding",
    "[remote][bee_read]") {
  Replica r;
  Keep sink;
  net::ChannelReplicator channel(r.replica.get(), &sink);
  int answered = 0;
  BeeReadExtension::Options options;
  options.answer = false;
  options.on_answer = [&](uint64_t, const ApplyReadResult&) { answered++; };
  auto ext = BeeReadExtension::Attach(&channel, options);
  auto deliver = [&](const BeeReadMessage& m) {
    ext->OnExtension(
        net::Extension{std::string(kBeeReadExtensionName), EncodeBeeRead(m)});
  };
  CHECK_FALSE(ext->peer_speaks());
  deliver(BeeReadHello{});
  CHECK(ext->peer_speaks());

  BeeReadAnswer unasked = AnswerRead(r.server, r.Get(7));
  deliver(unasked);  // id 1: not asked yet
  CHECK(ext->counters().answers_ignored == 1);
  CHECK(r.Held() == 0);
  CHECK(answered == 0);

  const uint64_t id = ext->SendRequest(r.Get(7));
  REQUIRE(sink.sent.size() == 1);
  unasked.id = id + 1;
  deliver(unasked);
  CHECK(ext->counters().answers_ignored == 2);
  CHECK(r.Held() == 0);

  BeeReadAnswer asked = AnswerRead(r.server, r.Get(7));
  asked.id = id;
  deliver(asked);
  CHECK(answered == 1);
  CHECK(ext->counters().blocks_applied == asked.proofs.size());
  CHECK(r.Held() == asked.proofs.size());
  deliver(asked);  // answered already
  CHECK(ext->counters().answers_ignored == 3);

  // Oversized and malformed payloads are dropped unread.
  ext->OnExtension(net::Extension{std::string(kBeeReadExtensionName),
                                  std::string(kMaxReadPayload + 1, '\0')});
  ext->OnExtension(net::Extension{std::string(kBeeReadExtensionName), "\x09"});
  CHECK(ext->counters().malformed == 2);
}

// ---------------------------------------------------------------------------
// Over TCP from an in-process bee server

struct Served {
  explicit Served(int batch = 100) : batch_size(batch) {}
  int batch_size;
  test::TempDir tmp;
  Hash32 key{};
  std::string dir = MakeStore(tmp, 3000, &key, batch_size);
  std::unique_ptr<btree::Bee> local = [this] {
    btree::BeeOptions o;
    o.core.read_only = true;
    return btree::Bee::Open(dir, o).value();
  }();
  test::ServerThread server{dir};
  std::string url = server.Url(key);
};

std::vector<btree::Entry> RangeOf(const btree::Bee& bee,
                                  const btree::RangeOptions& o) {
  btree::RangeIterator it(bee.GetSnapshot().value(), o);
  std::vector<btree::Entry> out;
  while (auto e = it.Next().value()) out.push_back(*e);
  return out;
}

struct Cost {
  uint64_t round_trips = 0, blocks = 0, requests = 0, rejected = 0;
};

Cost Since(const RemoteStats& before, const RemoteStats& after) {
  return Cost{after.round_trips - before.round_trips,
              after.blocks - before.blocks,
              after.read_requests - before.read_requests, after.read_rejected};
}

RemoteOptions Options(bool bee_read) {
  RemoteOptions options;
  options.timeout = std::chrono::seconds(20);
  options.bee_read = bee_read;
  options.hyperbee_hints = false;  // the on-demand walk alone when off
  return options;
}

TEST_CASE(
    "bee/read: a cold get from bee serve takes one round trip and no more "
    "blocks than the on-demand walk fetches",
    "[remote][bee_read]") {
  const int batch_size = GENERATE(100, 1);
  CAPTURE(batch_size);
  Served f(batch_size);
  auto cold_get = [&](bool bee_read, int i) {
    auto remote = RemoteBee::Open(f.url, Options(bee_read)).value();
    const RemoteStats opened = remote->stats();
    ReadHint hint;
    hint.key = Key(i);
    hint.version = remote->bee().version();
    remote->Hint(hint);
    auto got = remote->bee().Get(Key(i)).value();
    REQUIRE(got.has_value());
    CHECK(got->value == f.local->Get(Key(i)).value()->value);
    const Cost cost = Since(opened, remote->stats());
    REQUIRE(remote->Close().ok());
    return cost;
  };
  for (int i : {0, 1500, 2999}) {
    const Cost walked = cold_get(false, i);
    const Cost read = cold_get(true, i);
    INFO("key " << i << ": walked " << walked.round_trips << " round trips, "
                << walked.blocks << " blocks; bee/read " << read.round_trips
                << ", " << read.blocks);
    CHECK(walked.requests == 0);
    CHECK(walked.round_trips >= 3);
    CHECK(read.requests == 1);
    CHECK(read.round_trips == 1);
    CHECK(read.blocks <= walked.blocks);
    CHECK(read.rejected == 0);
  }
}

TEST_CASE("bee/read: a cold 100-key range from bee serve takes one round trip",
          "[remote][bee_read]") {
  Served f;
  for (bool reverse : {false, true}) {
    auto remote = RemoteBee::Open(f.url, Options(true)).value();
    const RemoteStats opened = remote->stats();
    ReadHint hint;
    hint.kind = ReadHint::Kind::kRange;
    hint.version = remote->bee().version();
    hint.range.gte = Key(1000);
    hint.range.limit = 100;
    hint.range.reverse = reverse;
    if (reverse) hint.range.lt = Key(2000);
    remote->Hint(hint);
    const auto got = RangeOf(remote->bee(), hint.range);
    const auto want = RangeOf(*f.local, hint.range);
    REQUIRE(got.size() == 100);
    REQUIRE(got.size() == want.size());
    for (size_t j = 0; j < got.size(); j++) {
      CHECK(got[j].key == want[j].key);
      CHECK(got[j].value == want[j].value);
    }
    const Cost cost = Since(opened, remote->stats());
    INFO("reverse " << reverse << ": " << cost.round_trips << " round trips, "
                    << cost.blocks << " blocks");
    CHECK(cost.requests == 1);
    CHECK(cost.round_trips == 1);
    REQUIRE(remote->Close().ok());
  }
}

// A server that says hello and answers each bee/read request with `edit`
// applied to its honest answer: a hostile bee server, for the reader.
class HostileServer {
 public:
  using Edit = std::function<void(BeeReadAnswer*)>;
  HostileServer(const log::Core* core, Edit edit)
      : core_(core), edit_(std::move(edit)) {
    loop_ = net::EventLoop::Create().value();
    listener_ =
        net::Listener::Listen(
            loop_.get(), "127.0.0.1:0", net::TransportOptions{},
            [this](std::unique_ptr<net::Transport> t) { Accept(std::move(t)); })
            .value();
    thread_ = std::thread([this] { (void)loop_->Run(); });
  }
  ~HostileServer() {
    loop_->Post([this] {
      conns_.clear();
      listener_.reset();
      loop_->Stop();
    });
    thread_.join();
  }
  std::string Url() const {
    return "bee://" + listener_->address() + "/" + HexEncode(core_->key());
  }

 private:
  void Accept(std::unique_ptr<net::Transport> t) {
    auto conn = net::Connection::Create(loop_.get(), std::move(t), false,
                                        net::ConnectionOptions{}, {})
                    .value();
    conn->ServeWith(
        [this](const Hash32& dk) -> log::Core* {
          return dk == core_->discovery_key() ? const_cast<log::Core*>(core_)
                                              : nullptr;
        },
        [this](net::ChannelReplicator* ch) {
          ch->set_extension_handler([this, ch](const net::Extension& m) {
            auto msg = DecodeBeeRead(m.message);
            if (!msg.ok()) return;
            const auto* r = std::get_if<BeeReadRequest>(&*msg);
            if (r == nullptr) return;
            BeeReadAnswer answer = AnswerRead(*core_, *r);
            edit_(&answer);
            ch->SendExtension(std::string(kBeeReadExtensionName),
                              EncodeBeeRead(answer));
          });
          ch->SendExtension(std::string(kBeeReadExtensionName),
                            EncodeBeeRead(BeeReadHello{}));
        });
    conn->Start();
    conns_.push_back(std::move(conn));
  }

  const log::Core* core_;
  Edit edit_;
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<net::Listener> listener_;
  std::vector<std::unique_ptr<net::Connection>> conns_;
  std::thread thread_;
};

TEST_CASE(
    "bee/read: from a hostile server, bad proofs are rejected and the read "
    "still answers right through the normal path",
    "[remote][bee_read]") {
  Served f;
  struct Case {
    const char* name;
    HostileServer::Edit edit;
    bool rejected;  // else ignored: the reader waits out its timeout
  };
  auto flip_block = [](BeeReadAnswer* a) {
    log::Proof p = log::DecodeProof(a->proofs[0]).value();
    p.block->value[0] ^= 1;
    a->proofs[0] = log::EncodeProof(p);
  };
  auto flip_node = [](BeeReadAnswer* a) {
    log::Proof p = log::DecodeProof(a->proofs[0]).value();
    p.block->nodes.back().hash[0] ^= 1;
    a->proofs[0] = log::EncodeProof(p);
  };
  auto past_length = [](BeeReadAnswer* a) {
    log::Proof p = log::DecodeProof(a->proofs[0]).value();
    p.block->index += 1000000;
    a->proofs[0] = log::EncodeProof(p);
  };
  auto other_id = [](BeeReadAnswer* a) { a->id += 5; };
  const Case cases[] = {{"wrong block bytes", flip_block, true},
                        {"a wrong proof node", flip_node, true},
                        {"a block past the length", past_length, true},
                        {"an id not asked", other_id, false}};
  for (const Case& c : cases) {
    INFO(c.name);
    HostileServer hostile(&f.local->core(), c.edit);
    RemoteOptions options = Options(true);
    options.timeout = std::chrono::seconds(2);  // the unasked id: no answer
    auto remote = RemoteBee::Open(hostile.Url(), options).value();
    const RemoteStats opened = remote->stats();
    ReadHint hint;
    hint.key = Key(1500);
    hint.version = remote->bee().version();
    remote->Hint(hint);
    auto got = remote->bee().Get(Key(1500));
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK((*got)->value == "value-1500");
    const Cost cost = Since(opened, remote->stats());
    CHECK(cost.requests == 1);
    if (c.rejected) {
      CHECK(cost.rejected == 1);
      CHECK(cost.round_trips == 2);  // the request, then the one block
    } else {
      CHECK(cost.rejected == 0);
      CHECK(cost.round_trips >= 3);  // the request, then the walk
    }
    CHECK(remote->status().ok());
    REQUIRE(remote->Close().ok());
  }
}

}  // namespace
}  // namespace bee::remote
