// RemoteBee (remote/remote_store.h) against deliberately malicious servers
// (issue 12, "Hostile servers"), through RemoteBee::Open and its bee():
//
//  - a server whose signed length is below what the cache holds: a stale
//    copy of the same history, whose newest signature is one the writer
//    made earlier (replayed);
//  - a server whose writer's key signed another history, at open and
//    announced live after the reader opened (longer, shorter, truncated);
//  - hints that list the wrong blocks or far too many (hyperbee `cache`
//    answers; bee/read answers carrying blocks the lookup did not need, or
//    past their bounds);
//  - oversized and truncated extension messages of both extensions.
//
// Each time the reader answers right or fails naming why, never rolls back
// or alters what its cache holds, bounds what a hint makes it download and
// counts it, and the same cache then serves a reader of an honest server.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
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
#include "remote/bee_extension.h"
#include "remote/hyperbee_extension.h"
#include "remote/remote_store.h"
#include "tests/util/fault_env.h"
#include "tests/util/server_thread.h"
#include "tests/util/temp_dir.h"

namespace bee::remote {
namespace {

using test::ServerThread;

std::string Key(int i) {
  char buf[16];
  snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

// A store of n keys (Key(i) -> value + i) written in batches of `batch`,
// signed by the one key pair every store here shares: stores with the same
// n, batch and value hold the same history, others another one.
std::string MakeStore(const test::TempDir& tmp, const std::string& name, int n,
                      int batch, const std::string& value, Hash32* key) {
  const std::string dir = tmp.Sub(name);
  Hash32 seed;
  seed.fill(9);
  auto bee = btree::Bee::Create(dir, log::KeyPair::FromSeed(seed)).value();
  for (int i = 0; i < n; i += batch) {
    auto b = bee->MakeBatch().value();
    for (int j = i; j < std::min(n, i + batch); j++) {
      REQUIRE(b->Put(Key(j), value + std::to_string(j)).ok());
    }
    REQUIRE(b->Flush().ok());
  }
  *key = bee->core().key();
  REQUIRE(bee->Close().ok());
  return dir;
}

std::vector<btree::Entry> RangeOf(const btree::Bee& bee,
                                  const btree::RangeOptions& o) {
  btree::RangeIterator it(bee.GetSnapshot().value(), o);
  std::vector<btree::Entry> out;
  while (auto e = it.Next().value()) out.push_back(*e);
  return out;
}

bool SameEntries(const std::vector<btree::Entry>& a,
                 const std::vector<btree::Entry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i].seq != b[i].seq || a[i].key != b[i].key ||
        a[i].value != b[i].value) {
      return false;
    }
  }
  return true;
}

// What a replica left in `dir` holds; every block of it verifies.
struct CacheState {
  uint64_t length = 0, fork = 0, held = 0;
  std::string signature;
  bool operator==(const CacheState&) const = default;
};

CacheState ReadCache(const std::string& dir) {
  log::CoreOptions o;
  o.read_only = true;
  auto core = log::Core::Open(dir, o).value();
  CHECK(core->VerifyAll().ok());
  return CacheState{core->length(), core->fork(), core->held_blocks(),
                    core->signature()};
}

// The value a reader's get found, or the error it failed with.
std::string GetValue(RemoteBee* remote, int i) {
  auto got = remote->bee().Get(Key(i));
  if (!got.ok()) return "error: " + got.status().ToString();
  if (!got->has_value()) return "absent";
  return (*got)->value.value_or("(no value)");
}

// The honest writer's store (3,000 keys, length 3,001), served by an
// honest bee server, and a reader's cache of it.
struct Honest {
  test::TempDir tmp;
  Hash32 key{};
  std::string store = MakeStore(tmp, "store", 3000, 100, "value-", &key);
  std::unique_ptr<btree::Bee> local = [this] {
    btree::BeeOptions o;
    o.core.read_only = true;
    return btree::Bee::Open(store, o).value();
  }();
  ServerThread server{store};
  std::string url = server.Url(key);
  std::string cache = tmp.Sub("cache");

  // Fills the cache at the full length with a few lookups' blocks.
  CacheState Fill() {
    RemoteOptions o;
    o.cache_dir = cache;
    auto remote = RemoteBee::Open(url, o).value();
    CHECK(GetValue(remote.get(), 1) == "value-1");
    CHECK(GetValue(remote.get(), 2999) == "value-2999");
    REQUIRE(remote->Close().ok());
    const CacheState s = ReadCache(cache);
    REQUIRE(s.length == 3001);
    return s;
  }

  // A new reader of the honest server, on the cache a hostile one left,
  // answers as the local store does; the cache still verifies.
  void RequireRecovers() {
    RemoteOptions o;
    o.cache_dir = cache;
    o.timeout = std::chrono::seconds(20);
    auto again = RemoteBee::Open(url, o).value();
    CHECK(again->bee().version() == local->version());
    for (int i : {1, 1500, 2222, 2999}) {
      CHECK(GetValue(again.get(), i) == "value-" + std::to_string(i));
    }
    btree::RangeOptions r;
    r.gte = Key(100);
    r.limit = 50;
    CHECK(SameEntries(RangeOf(again->bee(), r), RangeOf(*local, r)));
    CHECK(again->status().ok());
    REQUIRE(again->Close().ok());
    CHECK(ReadCache(cache).length == 3001);
  }
};

RemoteOptions CacheOptions(const std::string& cache) {
  RemoteOptions o;
  o.cache_dir = cache;
  o.timeout = std::chrono::seconds(20);
  return o;
}

// ---------------------------------------------------------------------------
// Lower and forked lengths

TEST_CASE(
    "hostile: a server at a lower signed length of the same history does not "
    "roll the cache back; reads past its length fail naming both lengths",
    "[remote][hostile]") {
  Honest h;
  const CacheState filled = h.Fill();
  // The first 2,000 keys of the same writer: the same blocks, and as its
  // newest signature the one the writer made at length 2,001, replayed.
  test::TempDir other;
  Hash32 same_key{};
  const std::string stale_dir =
      MakeStore(other, "stale", 2000, 100, "value-", &same_key);
  REQUIRE(same_key == h.key);
  ServerThread stale(stale_dir);

  auto remote = RemoteBee::Open(stale.Url(h.key), CacheOptions(h.cache));
  REQUIRE(remote.ok());
  RemoteBee* r = remote->get();
  CHECK(r->bee().version() == 3001);
  // Cached: answered from the cache.
  CHECK(GetValue(r, 1) == "value-1");
  CHECK(GetValue(r, 2999) == "value-2999");
  // Below the peer's length: its proofs verify against the cache's tree.
  CHECK(GetValue(r, 700) == "value-700");
  // A bee/read request at the reader's version: refused, nothing waits.
  ReadHint hint;
  hint.key = Key(2500);
  hint.version = r->bee().version();
  r->Hint(hint);
  // Past the peer's length: fails at once, naming the block and why.
  const std::string past = GetValue(r, 2500);
  INFO(past);
  CHECK(past.find("error: ") == 0);
  CHECK(past.find("block ") != std::string::npos);
  CHECK(past.find("signed length 2001") != std::string::npos);
  CHECK(past.find("3001") != std::string::npos);
  // Not final: what the peer can prove still comes.
  CHECK(r->status().ok());
  CHECK(GetValue(r, 300) == "value-300");
  CHECK(r->bee().version() == 3001);
  CHECK(r->stats().read_requests == 1);
  CHECK(r->stats().read_timeouts == 0);
  REQUIRE(r->Close().ok());
  const CacheState after = ReadCache(h.cache);
  CHECK(after.length == filled.length);
  CHECK(after.signature == filled.signature);
  CHECK(after.held > filled.held);
  h.RequireRecovers();
}

// True once the reader has failed (a live announcement it refused), within
// 20 s.
bool WaitFailed(const RemoteBee& r) {
  for (int i = 0; i < 2000 && r.status().ok(); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !r.status().ok();
}

// Puts a store directory's files into `env` under `to`.
void CopyInto(test::FaultEnv* env, const std::string& from,
              const std::string& to) {
  for (const auto& e : std::filesystem::directory_iterator(from)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    env->SetContents(to + "/" + e.path().filename().string(), bytes.str());
  }
}

// A server of a log the test swaps under it: a store's files in memory,
// opened read-only as `bee serve` opens a directory. Swap puts another
// store's files in their place and refreshes the log, as when the writer's
// directory changes under the server; every connected reader hears the
// new signed length at once.
struct Swappable {
  test::FaultEnv env;
  std::unique_ptr<log::Core> core;
  std::unique_ptr<ServerThread> server;

  explicit Swappable(const std::string& dir) {
    REQUIRE(env.CreateDir("/served").ok());
    CopyInto(&env, dir, "/served");
    log::CoreOptions o;
    o.env = &env;
    o.read_only = true;
    core = log::Core::Open("/served", o).value();
    server = std::make_unique<ServerThread>(core.get());
  }
  std::string Url() const { return server->Url(core->key()); }
  void Swap(const std::string& dir) {
    CopyInto(&env, dir, "/served");
    auto r = core->Refresh();
    REQUIRE(r.ok());
    REQUIRE(r->changed);
  }
};

TEST_CASE(
    "hostile: a server whose key signed another history is refused, at open "
    "and when it announces it live; the cache keeps its own",
    "[remote][hostile]") {
  Honest h;
  const CacheState filled = h.Fill();
  test::TempDir other;
  Hash32 same_key{};
  // Longer (3,500 keys, fork 0, a newer head), shorter (2,500 keys in
  // batches of 50: fork 0, a newer head than the honest one), both another
  // history signed by the same key.
  const std::string longer =
      MakeStore(other, "longer", 3500, 100, "LIE-", &same_key);
  REQUIRE(same_key == h.key);
  const std::string shorter =
      MakeStore(other, "shorter", 2500, 50, "LIE-", &same_key);

  SECTION("at open, shorter") {
    ServerThread liar(shorter);
    auto r = RemoteBee::Open(liar.Url(h.key), CacheOptions(h.cache)).value();
    CHECK(r->bee().version() == 3001);
    CHECK(GetValue(r.get(), 2999) == "value-2999");  // cached
    const std::string lie = GetValue(r.get(), 1500);
    INFO(lie);
    CHECK(lie.find("error: ") == 0);
    CHECK(lie.find("cannot fetch block ") != std::string::npos);
    CHECK(lie.find("does not verify") != std::string::npos);
    (void)r->Close();
  }
  SECTION("announced live, longer") {
    Swappable server(h.store);
    auto r = RemoteBee::Open(server.Url(), CacheOptions(h.cache)).value();
    CHECK(GetValue(r.get(), 1000) == "value-1000");
    server.Swap(longer);
    REQUIRE(WaitFailed(*r));
    INFO(r->status().ToString());
    CHECK(r->status().ToString().find("does not verify") != std::string::npos);
    CHECK(r->bee().version() == 3001);
    CHECK(GetValue(r.get(), 1000) == "value-1000");  // cached
    const std::string after = GetValue(r.get(), 2222);
    CHECK(after.find("cannot fetch block ") != std::string::npos);
    CHECK(after.find("does not verify") != std::string::npos);
    (void)r->Close();
  }
  SECTION("announced live, shorter") {
    Swappable server(h.store);
    auto r = RemoteBee::Open(server.Url(), CacheOptions(h.cache)).value();
    CHECK(GetValue(r.get(), 1000) == "value-1000");
    server.Swap(shorter);
    // Only a lower length is announced: nothing to verify until a read
    // needs a block, whose proof then does not verify.
    const std::string lie = GetValue(r.get(), 1500);
    INFO(lie);
    CHECK(lie.find("cannot fetch block ") != std::string::npos);
    CHECK(lie.find("does not verify") != std::string::npos);
    CHECK(r->bee().version() == 3001);
    CHECK(GetValue(r.get(), 1000) == "value-1000");  // cached
    (void)r->Close();
  }
  SECTION("truncated live by its writer (a new fork)") {
    test::TempDir copy;
    std::filesystem::copy(h.store, copy.Sub("store"));
    auto writer = log::Core::Open(copy.Sub("store")).value();
    REQUIRE(writer->writable());
    ServerThread server(writer.get());
    auto r = RemoteBee::Open(server.Url(h.key), CacheOptions(h.cache)).value();
    CHECK(GetValue(r.get(), 1000) == "value-1000");
    REQUIRE(writer->Truncate(2001).ok());
    REQUIRE(WaitFailed(*r));
    INFO(r->status().ToString());
    CHECK(r->status().ToString().find("fork 1") != std::string::npos);
    CHECK(r->bee().version() == 3001);
    CHECK(GetValue(r.get(), 1000) == "value-1000");  // cached
    CHECK(GetValue(r.get(), 2222).find("fork 1") != std::string::npos);
    (void)r->Close();
  }
  const CacheState after = ReadCache(h.cache);
  CHECK(after.length == filled.length);
  CHECK(after.fork == filled.fork);
  CHECK(after.signature == filled.signature);
  h.RequireRecovers();
}

// ---------------------------------------------------------------------------
// Hints and extension messages

// A server of `core` (which outlives it) that answers block requests
// honestly and runs `on_channel` on each channel it serves, right after its
// open: e.g. to install extension handlers that lie. Over TCP loopback, on
// a loop thread of its own.
class HostileServer {
 public:
  using OnChannel = std::function<void(net::ChannelReplicator*)>;
  HostileServer(const log::Core* core, OnChannel on_channel)
      : core_(core), on_channel_(std::move(on_channel)) {
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
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

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
        on_channel_);
    conn->Start();
    conns_.push_back(std::move(conn));
  }

  const log::Core* core_;
  OnChannel on_channel_;
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<net::Listener> listener_;
  std::vector<std::unique_ptr<net::Connection>> conns_;
  std::thread thread_;
};

// Answers each hyperbee hint with the payloads `lie` makes (no bee/read
// hello: the reader sends hyperbee's hints).
using HyperbeeLie = std::function<std::vector<std::string>(const log::Core&)>;
HostileServer::OnChannel HyperbeeLiar(HyperbeeLie lie) {
  return [lie](net::ChannelReplicator* ch) {
    ch->set_extension_handler([ch, lie](const net::Extension& m) {
      if (m.name != kHyperbeeExtensionName) return;
      auto hint = DecodeHyperbeePayload(m.message);
      if (!hint.ok() || (!hint->get && !hint->iterator)) return;
      for (const std::string& p : lie(*ch->core())) {
        ch->SendExtension(std::string(kHyperbeeExtensionName), p);
      }
    });
  };
}

// The cache messages listing `seqs`, as payloads.
std::vector<std::string> CachePayloads(const std::vector<uint64_t>& seqs) {
  std::vector<std::string> out;
  for (HyperbeeCache& c : CacheMessages(seqs)) {
    HyperbeeMessage m;
    m.cache = std::move(c);
    out.push_back(EncodeHyperbeePayload(m));
  }
  return out;
}

// Says bee/read hello and answers each request with the payload `lie`
// makes from it and the honest answer.
using BeeReadLie = std::function<std::string(
    const log::Core&, const BeeReadRequest&, BeeReadAnswer honest)>;
HostileServer::OnChannel BeeReadLiar(BeeReadLie lie) {
  return [lie](net::ChannelReplicator* ch) {
    ch->set_extension_handler([ch, lie](const net::Extension& m) {
      if (m.name != kBeeReadExtensionName) return;
      auto msg = DecodeBeeRead(m.message);
      if (!msg.ok()) return;
      const auto* r = std::get_if<BeeReadRequest>(&*msg);
      if (r == nullptr) return;
      ch->SendExtension(std::string(kBeeReadExtensionName),
                        lie(*ch->core(), *r, AnswerRead(*ch->core(), *r)));
    });
    ch->SendExtension(std::string(kBeeReadExtensionName),
                      EncodeBeeRead(BeeReadHello{}));
  };
}

// Proofs of the blocks a 600-key range from key 0 reads (against the
// request's version), as a server would put in an answer: valid, and
// (mostly) not blocks the lookup of a key past 2,000 needs.
std::vector<std::string> UnrelatedProofs(const log::Core& core,
                                         const BeeReadRequest& request) {
  BeeReadRequest range;
  range.version = request.version;
  range.kind = BeeReadKind::kRange;
  range.gte = Key(0);
  range.limit = 600;
  return AnswerRead(core, range).proofs;
}

// One cold get of key 2222 through hints (RemoteBee::Hint first, as the
// CLI does) on the cache a Honest filled: its answer and what it cost.
struct HintedGet {
  std::string value;
  RemoteStats before, after;
  CacheState cache;
};

HintedGet ColdGet(Honest& h, const std::string& url) {
  HintedGet g;
  const CacheState filled = ReadCache(h.cache);
  auto r = RemoteBee::Open(url, CacheOptions(h.cache)).value();
  g.before = r->stats();
  ReadHint hint;
  hint.key = Key(2222);
  hint.version = r->bee().version();
  r->Hint(hint);
  g.value = GetValue(r.get(), 2222);
  CHECK(r->status().ok());
  REQUIRE(r->Close().ok());
  g.after = r->stats();
  g.cache = ReadCache(h.cache);
  CHECK(g.cache.length == filled.length);
  CHECK(g.cache.signature == filled.signature);
  return g;
}

// What the same cold get costs from the honest server on a copy of the
// cache, walking the tree without hints.
RemoteStats Walked(Honest& h) {
  const std::string copy = h.tmp.Sub("walk-cache");
  std::filesystem::remove_all(copy);
  std::filesystem::copy(h.cache, copy);
  RemoteOptions o = CacheOptions(copy);
  o.hyperbee_hints = false;
  o.bee_read = false;
  auto r = RemoteBee::Open(h.url, o).value();
  CHECK(GetValue(r.get(), 2222) == "value-2222");
  REQUIRE(r->Close().ok());
  return r->stats();
}

TEST_CASE(
    "hostile: hyperbee caches listing the wrong blocks or thousands are "
    "bounded per hint; the read answers right",
    "[remote][hostile]") {
  Honest h;
  const CacheState filled = h.Fill();
  const RemoteStats walked = Walked(h);
  std::vector<uint64_t> seqs;
  uint64_t requested_max = 0, ignored = 0;
  SECTION("unrelated seqs") {
    for (uint64_t s = 1; s <= 200; s++) seqs.push_back(s);
    requested_max = 200;
    ignored = 0;
  }
  SECTION("seqs past the length, and repeated") {
    seqs = {5000, 4000, 3001, 7, 7, 8, 7};
    requested_max = 2;
    ignored = 5;
  }
  SECTION("thousands, twice") {
    for (int round = 0; round < 2; round++) {
      for (uint64_t s = 0; s < 5000; s++) seqs.push_back(s);
    }
    requested_max = kIteratorMaxSeqs;
    ignored = seqs.size() - kIteratorMaxSeqs;
  }
  HostileServer liar(&h.local->core(), HyperbeeLiar([&](const log::Core&) {
    return CachePayloads(seqs);
  }));
  const HintedGet got = ColdGet(h, liar.Url());
  CHECK(got.value == "value-2222");
  const uint64_t stored = got.cache.held - filled.held;
  INFO("listed " << seqs.size() << ": requested " << got.after.hinted_blocks
                 << ", ignored " << got.after.hint_seqs_ignored << ", stored "
                 << stored << "; the walk alone fetched " << walked.blocks
                 << " blocks in " << walked.round_trips
                 << " round trips, with the hint " << got.after.round_trips);
  CHECK(got.after.hinted_blocks <= requested_max);
  CHECK(got.after.hint_seqs_ignored == ignored);
  CHECK(stored <= walked.blocks + got.after.hinted_blocks);
  CHECK(got.after.malformed == 0);
  h.RequireRecovers();
}

TEST_CASE(
    "hostile: oversized and truncated hyperbee caches are dropped and "
    "counted; the read answers through the walk",
    "[remote][hostile]") {
  Honest h;
  h.Fill();
  HyperbeeLie lie;
  SECTION("oversized") {
    // A well-formed cache of 600,000 seqs: 1.2 MB, over kMaxHintPayload.
    lie = [](const log::Core&) {
      HyperbeeMessage m;
      m.cache = HyperbeeCache{1, 3000, {}};
      for (uint64_t s = 0; s < 600000; s++) {
        m.cache->blocks.push_back(1 + s % 2999);
      }
      std::string p = EncodeHyperbeePayload(m);
      REQUIRE(p.size() > kMaxHintPayload);
      return std::vector<std::string>{p};
    };
  }
  SECTION("truncated") {
    lie = [](const log::Core&) {
      std::vector<uint64_t> seqs;
      for (uint64_t s = 1; s <= 100; s++) seqs.push_back(s);
      std::string p = CachePayloads(seqs)[0];
      p.resize(p.size() / 2);
      return std::vector<std::string>{p};
    };
  }
  HostileServer liar(&h.local->core(), HyperbeeLiar(lie));
  const HintedGet got = ColdGet(h, liar.Url());
  CHECK(got.value == "value-2222");
  CHECK(got.after.malformed == 1);
  CHECK(got.after.hinted_blocks == 0);
  h.RequireRecovers();
}

TEST_CASE(
    "hostile: bee/read answers proving blocks the lookup did not need are "
    "bounded at 512 proofs; past their bounds or truncated they are dropped "
    "and no read waits for them",
    "[remote][hostile]") {
  Honest h;
  const CacheState filled = h.Fill();
  BeeReadLie lie;
  bool dropped = true;
  SECTION("within bounds, with blocks not needed") {
    dropped = false;
    lie = [](const log::Core& core, const BeeReadRequest& r, BeeReadAnswer a) {
      for (std::string& p : UnrelatedProofs(core, r)) {
        if (a.proofs.size() == kMaxReadBlocks) break;
        a.proofs.push_back(std::move(p));
      }
      REQUIRE(a.proofs.size() == kMaxReadBlocks);
      return EncodeBeeRead(a);
    };
  }
  SECTION("513 proofs") {
    lie = [](const log::Core& core, const BeeReadRequest& r, BeeReadAnswer a) {
      for (std::string& p : UnrelatedProofs(core, r)) {
        if (a.proofs.size() == kMaxReadBlocks + 1) break;
        a.proofs.push_back(std::move(p));
      }
      REQUIRE(a.proofs.size() == kMaxReadBlocks + 1);
      return EncodeBeeRead(a);
    };
  }
  SECTION("over 4 MiB") {
    lie = [](const log::Core&, const BeeReadRequest&, BeeReadAnswer a) {
      a.proofs.push_back(std::string(kMaxReadPayload, 'x'));
      return EncodeBeeRead(a);
    };
  }
  SECTION("truncated") {
    lie = [](const log::Core&, const BeeReadRequest&, BeeReadAnswer a) {
      std::string p = EncodeBeeRead(a);
      p.resize(p.size() / 2);
      return p;
    };
  }
  HostileServer liar(&h.local->core(), BeeReadLiar(lie));
  const HintedGet got = ColdGet(h, liar.Url());
  CHECK(got.value == "value-2222");
  const RemoteStats& s = got.after;
  INFO("bee/read brought " << s.read_blocks << " blocks; malformed "
                           << s.malformed << "; timeouts " << s.read_timeouts);
  CHECK(s.read_requests == 1);
  CHECK(s.read_rejected == 0);
  CHECK(s.read_timeouts == 0);
  CHECK(s.read_blocks <= kMaxReadBlocks);
  if (dropped) {
    CHECK(s.malformed == 1);
    CHECK(s.read_blocks == 0);
  } else {
    CHECK(s.malformed == 0);
    CHECK(s.read_blocks > 0);
    CHECK(got.cache.held - filled.held == s.blocks);
  }
  h.RequireRecovers();
}

}  // namespace
}  // namespace bee::remote
