// RemoteBee: a store read over the network from a bee server (in process,
// on its own loop thread, over TCP loopback) through a sparse replica:
// answers equal the local store's, only the blocks a read needs arrive,
// the costs are counted, a cache makes repeated reads free and serves
// offline reads, and a hostile connection (stalled, flipped bytes, cut)
// gives a clear error naming the block, stores nothing unverified, and
// leaves the cache usable by a reader of an honest server.
#include "remote/remote_store.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "btree/diff.h"
#include "btree/history.h"
#include "btree/iterator.h"
#include "net/event_loop.h"
#include "tests/util/fault_transport.h"
#include "tests/util/server_thread.h"
#include "tests/util/temp_dir.h"

namespace bee::remote {
namespace {

using Dir = test::FaultTransport::Direction;

std::string Key(int i) {
  char buf[16];
  snprintf(buf, sizeof(buf), "key%05d", i);
  return buf;
}

// A store of n keys (key00000 -> value-i), written in batches of 100.
std::string MakeStore(const test::TempDir& tmp, int n, Hash32* key,
                      const std::string& name = "store",
                      const std::string& value = "value-") {
  const std::string dir = tmp.Sub(name);
  Hash32 seed;
  seed.fill(9);
  auto bee = btree::Bee::Create(dir, log::KeyPair::FromSeed(seed)).value();
  for (int i = 0; i < n; i += 100) {
    auto batch = bee->MakeBatch().value();
    for (int j = i; j < std::min(n, i + 100); j++) {
      REQUIRE(batch->Put(Key(j), value + std::to_string(j)).ok());
    }
    REQUIRE(batch->Flush().ok());
  }
  *key = bee->core().key();
  REQUIRE(bee->Close().ok());
  return dir;
}

using test::ServerThread;

std::string Url(const ServerThread& s, const Hash32& key) { return s.Url(key); }

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

// A replica left in `dir` holds only blocks that verify.
void RequireCacheVerifies(const std::string& dir) {
  log::CoreOptions o;
  o.read_only = true;
  auto core = log::Core::Open(dir, o).value();
  CHECK(core->VerifyAll().ok());
}

struct Fixture {
  test::TempDir tmp;
  Hash32 key{};
  std::string store = MakeStore(tmp, 3000, &key);
  std::unique_ptr<btree::Bee> local = [this] {
    btree::BeeOptions o;
    o.core.read_only = true;
    return btree::Bee::Open(store, o).value();
  }();
  ServerThread server{store};
  std::string url = Url(server, key);
};

TEST_CASE(
    "remote: get and range equal the local answers, fetching only what "
    "they need",
    "[remote]") {
  Fixture f;
  RemoteOptions options;
  options.timeout = std::chrono::seconds(20);
  auto remote = RemoteBee::Open(f.url, options);
  REQUIRE(remote.ok());
  btree::Bee& bee = (*remote)->bee();
  CHECK(bee.version() == f.local->version());
  CHECK((*remote)->stats().blocks <= 2);  // the header and the root block

  for (int i : {0, 1234, 2999}) {
    auto got = bee.Get(Key(i)).value();
    REQUIRE(got.has_value());
    CHECK(got->value == f.local->Get(Key(i)).value()->value);
    CHECK(got->seq == f.local->Get(Key(i)).value()->seq);
  }
  CHECK_FALSE(bee.Get("absent").value().has_value());
  const RemoteStats after_gets = (*remote)->stats();
  CHECK(after_gets.blocks > 0);
  CHECK(after_gets.blocks < f.local->core().length() / 4);
  CHECK(after_gets.bytes > 0);
  CHECK(after_gets.round_trips > 0);
  CHECK(after_gets.round_trips <= after_gets.blocks);

  btree::RangeOptions o;
  o.gte = Key(500);
  o.lt = Key(600);
  auto remote_range = RangeOf(bee, o);
  CHECK(remote_range.size() == 100);
  CHECK(SameEntries(remote_range, RangeOf(*f.local, o)));
  o.reverse = true;
  o.limit = 7;
  CHECK(SameEntries(RangeOf(bee, o), RangeOf(*f.local, o)));
  CHECK((*remote)->stats().blocks < f.local->core().length() / 2);

  // The same reads again: all cached, nothing more is fetched.
  const RemoteStats warm = (*remote)->stats();
  CHECK(SameEntries(RangeOf(bee, o), RangeOf(*f.local, o)));
  CHECK(bee.Get(Key(1234)).value().has_value());
  CHECK((*remote)->stats().round_trips == warm.round_trips);
  CHECK((*remote)->stats().blocks == warm.blocks);
  CHECK((*remote)->status().ok());
  REQUIRE((*remote)->Close().ok());
}

TEST_CASE("remote: diff, history and checkout read through the replica too",
          "[remote]") {
  Fixture f;
  auto remote = RemoteBee::Open(f.url, RemoteOptions{}).value();
  btree::Bee& bee = remote->bee();
  auto snap = bee.Checkout(501).value();
  auto local_snap = f.local->Checkout(501).value();
  CHECK(snap.Get(Key(10)).value()->value ==
        local_snap.Get(Key(10)).value()->value);
  CHECK_FALSE(snap.Get(Key(2000)).value().has_value());

  btree::HistoryOptions h;
  h.gte = 2990;
  btree::HistoryIterator hr(bee.GetSnapshot().value(), h);
  btree::HistoryIterator hl(f.local->GetSnapshot().value(), h);
  int n = 0;
  while (auto e = hl.Next().value()) {
    auto r = hr.Next().value();
    REQUIRE(r.has_value());
    CHECK(r->seq == e->seq);
    CHECK(r->key == e->key);
    n++;
  }
  CHECK(n > 0);
  CHECK_FALSE(hr.Next().value().has_value());

  btree::DiffOptions d;
  btree::DiffIterator dr(bee.GetSnapshot().value(), bee.Checkout(2901).value(),
                         d);
  btree::DiffIterator dl(f.local->GetSnapshot().value(),
                         f.local->Checkout(2901).value(), d);
  int changes = 0;
  while (auto e = dl.Next().value()) {
    auto r = dr.Next().value();
    REQUIRE(r.has_value());
    REQUIRE(r->left.has_value() == e->left.has_value());
    if (e->left) CHECK(r->left->key == e->left->key);
    changes++;
  }
  CHECK(changes > 0);
  CHECK_FALSE(dr.Next().value().has_value());
  REQUIRE(remote->Close().ok());
}

TEST_CASE(
    "remote: a cache makes repeated reads free and serves offline "
    "reads",
    "[remote]") {
  Fixture f;
  RemoteOptions options;
  options.cache_dir = f.tmp.Sub("cache");
  {
    auto remote = RemoteBee::Open(f.url, options).value();
    CHECK(remote->bee().Get(Key(42)).value()->value == "value-42");
    CHECK(remote->stats().blocks > 0);
    REQUIRE(remote->Close().ok());
  }
  {
    // Again, through a new connection: nothing is fetched.
    auto remote = RemoteBee::Open(f.url, options).value();
    CHECK(remote->bee().Get(Key(42)).value()->value == "value-42");
    const RemoteStats s = remote->stats();
    CHECK(s.blocks == 0);
    CHECK(s.round_trips == 0);
    REQUIRE(remote->Close().ok());
  }
  options.offline = true;
  auto offline = RemoteBee::Open(f.url, options).value();
  CHECK(offline->bee().Get(Key(42)).value()->value == "value-42");
  auto miss = offline->bee().Get(Key(2500));
  REQUIRE_FALSE(miss.ok());
  INFO(miss.status().ToString());
  CHECK(miss.status().IsUnavailable());
  CHECK(miss.status().ToString().find("block ") != std::string::npos);
  CHECK(miss.status().ToString().find("(offline)") != std::string::npos);
  REQUIRE(offline->Close().ok());
  RequireCacheVerifies(options.cache_dir);

  // Offline without a cache: a clear error.
  RemoteOptions none;
  none.offline = true;
  none.cache_dir = f.tmp.Sub("empty");
  auto no_cache = RemoteBee::Open(f.url, none);
  REQUIRE_FALSE(no_cache.ok());
  CHECK(no_cache.status().IsNotFound());
  CHECK(no_cache.status().ToString().find("holds no cache") !=
        std::string::npos);
}

// Options whose connection goes through a FaultTransport the test controls
// (from any thread, through the reader's loop).
struct Faulty {
  net::EventLoop* loop = nullptr;
  test::FaultTransport* fault = nullptr;
  RemoteOptions Options(const std::string& cache_dir) {
    RemoteOptions o;
    o.cache_dir = cache_dir;
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
  // Runs fn on the reader's loop thread, where the transport lives.
  void OnLoop(std::function<void(test::FaultTransport*)> fn) {
    std::promise<void> done;
    loop->Post([&] {
      fn(fault);
      done.set_value();
    });
    done.get_future().wait();
  }
};

// After a hostile connection: a new reader of an honest server, with the
// same cache, answers as the local store does.
void RequireRecovers(Fixture& f, const std::string& cache) {
  RequireCacheVerifies(cache);
  RemoteOptions honest;
  honest.cache_dir = cache;
  auto again = RemoteBee::Open(f.url, honest).value();
  CHECK(again->bee().Get(Key(2222)).value()->value == "value-2222");
  btree::RangeOptions o;
  o.gte = Key(100);
  o.limit = 50;
  CHECK(SameEntries(RangeOf(again->bee(), o), RangeOf(*f.local, o)));
  REQUIRE(again->Close().ok());
  RequireCacheVerifies(cache);
}

TEST_CASE(
    "remote: a stalled server fails the read within the timeout, "
    "naming the block",
    "[remote]") {
  Fixture f;
  Faulty faulty;
  const std::string cache = f.tmp.Sub("cache");
  auto remote = RemoteBee::Open(f.url, faulty.Options(cache)).value();
  faulty.OnLoop([](test::FaultTransport* t) { t->Stall(Dir::kIncoming); });
  auto r = remote->bee().Get(Key(2222));
  REQUIRE_FALSE(r.ok());
  INFO(r.status().ToString());
  CHECK(r.status().IsUnavailable());
  CHECK(r.status().ToString().find("no answer from") != std::string::npos);
  CHECK(r.status().ToString().find("1500 ms") != std::string::npos);
  CHECK(r.status().ToString().find("block ") != std::string::npos);
  // Final: the next read fails at once with the same cause.
  auto again = remote->bee().Get(Key(7));
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().message().rfind("cannot fetch block ", 0) == 0);
  CHECK(again.status().ToString().find("no answer from") != std::string::npos);
  CHECK_FALSE(remote->status().ok());
  (void)remote->Close();
  RequireRecovers(f, cache);
}

TEST_CASE(
    "remote: flipped bytes on the wire fail the read; nothing is "
    "stored from them",
    "[remote]") {
  Fixture f;
  Faulty faulty;
  const std::string cache = f.tmp.Sub("cache");
  auto remote = RemoteBee::Open(f.url, faulty.Options(cache)).value();
  faulty.OnLoop([](test::FaultTransport* t) {
    test::FaultPlan plan;
    plan.flip_at = t->passed(Dir::kIncoming) + 40;
    t->SetPlan(Dir::kIncoming, plan);
  });
  auto r = remote->bee().Get(Key(2222));
  REQUIRE_FALSE(r.ok());
  INFO(r.status().ToString());
  CHECK(r.status().ToString().find("cannot fetch block ") != std::string::npos);
  CHECK(r.status().ToString().find("connection to ") != std::string::npos);
  (void)remote->Close();
  RequireRecovers(f, cache);
}

TEST_CASE(
    "remote: a connection cut mid-read fails the read naming the "
    "block",
    "[remote]") {
  Fixture f;
  Faulty faulty;
  const std::string cache = f.tmp.Sub("cache");
  auto remote = RemoteBee::Open(f.url, faulty.Options(cache)).value();
  faulty.OnLoop([](test::FaultTransport* t) {
    test::FaultPlan plan;
    plan.cut_after = t->passed(Dir::kIncoming) + 300;
    t->SetPlan(Dir::kIncoming, plan);
  });
  btree::RangeOptions o;
  o.gte = Key(1000);
  o.limit = 500;
  btree::RangeIterator it(remote->bee().GetSnapshot().value(), o);
  Status failure;
  while (true) {
    auto e = it.Next();
    if (!e.ok()) {
      failure = e.status();
      break;
    }
    if (!e->has_value()) break;
  }
  INFO(failure.ToString());
  REQUIRE_FALSE(failure.ok());
  CHECK(failure.ToString().find("cannot fetch block ") != std::string::npos);
  CHECK(failure.ToString().find("fault: cut after") != std::string::npos);
  (void)remote->Close();
  RequireRecovers(f, cache);
}

TEST_CASE(
    "remote: a server that signed another history with the same key "
    "is refused; nothing it sent is stored",
    "[remote]") {
  Fixture f;
  // The writer's key signed a second log of the same length: its proofs
  // do not verify against the signed length the cache holds.
  test::TempDir other;
  Hash32 same_key{};
  const std::string liar_store =
      MakeStore(other, 3000, &same_key, "liar", "LIE-");
  REQUIRE(same_key == f.key);
  ServerThread liar(liar_store);
  const std::string cache = f.tmp.Sub("cache");
  RemoteOptions options;
  options.cache_dir = cache;
  {
    auto honest = RemoteBee::Open(f.url, options).value();
    CHECK(honest->bee().Get(Key(1)).value()->value == "value-1");
    REQUIRE(honest->Close().ok());
  }
  const uint64_t held = [&] {
    log::CoreOptions o;
    o.read_only = true;
    return log::Core::Open(cache, o).value()->held_blocks();
  }();
  auto lying = RemoteBee::Open(liar.Url(f.key), options).value();
  auto r = lying->bee().Get(Key(2222));
  REQUIRE_FALSE(r.ok());
  INFO(r.status().ToString());
  CHECK(r.status().message().rfind("cannot fetch block ", 0) == 0);
  CHECK(r.status().ToString().find("does not verify") != std::string::npos);
  (void)lying->Close();
  {
    log::CoreOptions o;
    o.read_only = true;
    CHECK(log::Core::Open(cache, o).value()->held_blocks() == held);
  }
  RequireRecovers(f, cache);
}

TEST_CASE("remote: bad addresses and caches are refused with clear errors",
          "[remote]") {
  Fixture f;
  auto bad = RemoteBee::Open("http://x:1/00", RemoteOptions{});
  CHECK(bad.status().IsInvalidArgument());
  // A cache directory holding the writer's own store.
  RemoteOptions writable;
  writable.cache_dir = f.store;
  auto w = RemoteBee::Open(f.url, writable);
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().ToString().find("is a writable store") != std::string::npos);
  // A server that does not have the log.
  Hash32 other;
  other.fill(1);
  RemoteOptions quick;
  quick.timeout = std::chrono::seconds(5);
  auto missing = RemoteBee::Open(
      "bee://" + f.server.address() + "/" + HexEncode(other), quick);
  REQUIRE_FALSE(missing.ok());
  INFO(missing.status().ToString());
  CHECK(missing.status().ToString().find(f.server.address()) !=
        std::string::npos);
  // Nothing listening.
  auto nobody = RemoteBee::Open("bee://127.0.0.1:1/" + HexEncode(f.key), quick);
  REQUIRE_FALSE(nobody.ok());
  CHECK(nobody.status().IsUnavailable());
}

TEST_CASE(
    "remote: hyperbee's hints, answered by bee serve, make a cold get one "
    "wave of requests",
    "[remote]") {
  Fixture f;
  struct Cost {
    uint64_t round_trips, blocks;
  };
  auto cold_get = [&](bool hints, int i) {
    RemoteOptions options;
    options.timeout = std::chrono::seconds(20);
    options.hyperbee_hints = hints;
    options.bee_read = false;  // hyperbee's hints alone (bee_extension_test)
    auto remote = RemoteBee::Open(f.url, options).value();
    const RemoteStats opened = remote->stats();
    ReadHint hint;
    hint.kind = ReadHint::Kind::kGet;
    hint.key = Key(i);
    hint.version = remote->bee().version();
    remote->Hint(hint);
    auto got = remote->bee().Get(Key(i)).value();
    REQUIRE(got.has_value());
    CHECK(got->value == f.local->Get(Key(i)).value()->value);
    const RemoteStats after = remote->stats();
    REQUIRE(remote->Close().ok());
    return Cost{after.round_trips - opened.round_trips,
                after.blocks - opened.blocks};
  };
  for (int i : {7, 1500, 2998}) {
    const Cost walked = cold_get(false, i);
    const Cost hinted = cold_get(true, i);
    INFO("key " << i << ": walked " << walked.round_trips << " round trips, "
                << walked.blocks << " blocks; hinted " << hinted.round_trips
                << ", " << hinted.blocks);
    CHECK(walked.round_trips >= 3);
    CHECK(hinted.round_trips <= 2);
    CHECK(hinted.round_trips < walked.round_trips);
  }
}

TEST_CASE("remote: the hint hook hears each lookup before it starts",
          "[remote]") {
  Fixture f;
  RemoteOptions options;
  std::mutex mu;
  std::vector<ReadHint> heard;
  std::promise<void> got;
  options.hint = [&](const ReadHint& h, net::ChannelReplicator* channel) {
    CHECK(channel != nullptr);
    std::lock_guard<std::mutex> l(mu);
    heard.push_back(h);
    got.set_value();
  };
  auto remote = RemoteBee::Open(f.url, options).value();
  ReadHint hint;
  hint.kind = ReadHint::Kind::kGet;
  hint.key = Key(5);
  hint.version = remote->bee().version();
  remote->Hint(hint);
  got.get_future().wait();
  std::lock_guard<std::mutex> l(mu);
  REQUIRE(heard.size() == 1);
  CHECK(heard[0].key == Key(5));
  CHECK(heard[0].version == f.local->version());
}

}  // namespace
}  // namespace bee::remote
