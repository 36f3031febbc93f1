// The channel behaviour of PROTOCOL.md §7 between two ChannelReplicators
// wired back to back in memory (no codecs, no crypto, no sockets): a
// reader downloads a writer's log with verified proofs, follows live
// appends, starts from the key alone, and rejects a lying server without
// storing anything it sent.
#include "net/replicator.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "log/env.h"

namespace bee::net {
namespace {

using log::Core;
using log::KeyPair;

// Queues what one side sends for the other; Cork/Uncork are recorded so
// tests can check what travels together.
class QueueSink : public MessageSink {
 public:
  void Send(const Message& message) override {
    Message m = message;
    if (tamper && tamper(&m)) tampered++;
    queue.push_back(std::move(m));
    sent.push_back(TypeOf(queue.back()));
  }
  std::deque<Message> queue;
  std::vector<MessageType> sent;
  // Returns true when it changed the message.
  std::function<bool(Message*)> tamper;
  int tampered = 0;
};

std::unique_ptr<Core> Writer(int blocks, uint8_t seed_byte = 1) {
  Hash32 seed;
  seed.fill(seed_byte);
  auto core = Core::CreateInMemory(KeyPair::FromSeed(seed)).value();
  std::vector<std::string> data;
  for (int i = 0; i < blocks; i++) {
    data.push_back("block-" + std::to_string(i) +
                   std::string(static_cast<size_t>(i % 7), 'x'));
  }
  if (!data.empty()) REQUIRE(core->Append(data).ok());
  return core;
}

struct Replica {
  std::unique_ptr<log::Env> env = log::NewMemEnv();
  std::unique_ptr<Core> core;
  explicit Replica(const Core& source) {
    log::CoreOptions options;
    options.env = env.get();
    core = Core::CreateReplica("/replica", source.key(), source.manifest(),
                               options)
               .value();
  }
};

// Two channels back to back: server `a` and reader `b`.
struct Link {
  QueueSink to_b, to_a;  // a sends into to_b, b sends into to_a
  std::unique_ptr<ChannelReplicator> a, b;
  Status error_a, error_b;

  // `a` replicates `server`; `b`, if given, replicates `reader`.
  explicit Link(Core* server, Core* reader = nullptr,
                ChannelReplicator::Options reader_options = {}) {
    a = std::make_unique<ChannelReplicator>(server, &to_b);
    if (reader != nullptr) {
      b = std::make_unique<ChannelReplicator>(reader, &to_a, reader_options);
    }
  }

  // Delivers queued messages until both sides are quiet (or a side fails).
  void Run(int max_steps = 1000000) {
    for (int step = 0; step < max_steps; step++) {
      if (!to_b.queue.empty() && error_b.ok()) {
        Message m = std::move(to_b.queue.front());
        to_b.queue.pop_front();
        error_b = b->OnMessage(m);
      } else if (!to_a.queue.empty() && error_a.ok()) {
        Message m = std::move(to_a.queue.front());
        to_a.queue.pop_front();
        error_a = a->OnMessage(m);
      } else {
        return;
      }
    }
    FAIL("the channels did not go quiet");
  }
  void Open() {
    a->OnOpen();
    b->OnOpen();
    Run();
  }
};

void RequireSameBlocks(const Core& a, const Core& b, uint64_t n) {
  REQUIRE(b.length() >= n);
  for (uint64_t i = 0; i < n; i++) {
    REQUIRE(b.Has(i));
    CHECK(b.Get(i).value() == a.Get(i).value());
  }
}

// Makes `replica` hold exactly the blocks of `ranges` ([start, end) pairs)
// of `source`, fetched through a channel pair.
void Fetch(Core& source, Core* replica,
           std::vector<std::pair<uint64_t, uint64_t>> ranges) {
  Link link(&source, replica);
  link.b->Download(ranges[0].first, ranges[0].second);
  link.Open();
  for (size_t i = 1; i < ranges.size(); i++) {
    link.b->Download(ranges[i].first, ranges[i].second);
    link.Run();
  }
  REQUIRE(link.error_b.ok());
}

TEST_CASE("replicator: a reader downloads a whole log, every block verified") {
  auto writer = Writer(300);
  Replica replica(*writer);
  ChannelReplicator::Options options;
  options.max_inflight = 16;
  Link link(writer.get(), replica.core.get(), options);
  link.b->Download(0, ChannelReplicator::kPeerLength);
  REQUIRE_FALSE(link.b->done());
  link.Open();
  REQUIRE(link.error_a.ok());
  REQUIRE(link.error_b.ok());
  CHECK(link.b->done());
  RequireSameBlocks(*writer, *replica.core, 300);
  CHECK(replica.core->length() == 300);
  CHECK(replica.core->tree_hash() == writer->tree_hash());
  CHECK(link.b->stats().blocks_received == 300);
  CHECK(link.b->stats().upgrades_received == 1);
  CHECK(link.a->stats().requests_answered == link.b->stats().requests_sent);
  CHECK(link.b->inflight() == 0);
  // §7.1: the writer opened with sync then range {0, length}.
  REQUIRE(link.to_b.sent.size() >= 2);
  CHECK(link.to_b.sent[0] == MessageType::kSync);
  CHECK(link.to_b.sent[1] == MessageType::kRange);
}

TEST_CASE(
    "replicator: single blocks are downloaded on demand, each wave one "
    "round trip") {
  auto writer = Writer(200);
  Replica replica(*writer);
  Link link(writer.get(), replica.core.get());
  link.b->Download(0, 0);  // the signed length only
  link.Open();
  REQUIRE(link.error_b.ok());
  REQUIRE(replica.core->length() == 200);
  CHECK(replica.core->held_blocks() == 0);
  CHECK(link.b->stats().round_trips == 0);  // the first contact is not one

  const std::vector<uint64_t> wave = {150, 3, 77};
  link.b->DownloadBlocks(wave);
  CHECK(link.b->blocks_wanted() == 3);
  link.Run();
  REQUIRE(link.error_b.ok());
  for (uint64_t b : wave) CHECK(replica.core->Has(b));
  CHECK(replica.core->held_blocks() == 3);
  CHECK(link.b->blocks_wanted() == 0);
  CHECK(link.b->stats().blocks_received == 3);
  CHECK(link.b->stats().round_trips == 1);

  // A second wave, one held already: one more round trip, one block.
  const std::vector<uint64_t> second = {3, 4};
  link.b->DownloadBlocks(second);
  link.Run();
  CHECK(replica.core->Has(4));
  CHECK(link.b->stats().blocks_received == 4);
  CHECK(link.b->stats().round_trips == 2);
  // Only held blocks: nothing is sent.
  link.b->DownloadBlocks(second);
  link.Run();
  CHECK(link.b->stats().round_trips == 2);
  RequireSameBlocks(*writer, *replica.core, 0);
  CHECK(replica.core->Get(150).value() == writer->Get(150).value());
}

TEST_CASE(
    "replicator: listed blocks (hints) never hold back a block a read "
    "waits for") {
  auto writer = Writer(200);
  Replica replica(*writer);
  ChannelReplicator::Options options;
  options.max_inflight = 4;
  Link link(writer.get(), replica.core.get(), options);
  link.b->Download(0, 0);
  link.Open();
  REQUIRE(replica.core->length() == 200);
  std::vector<uint64_t> order;  // blocks requested, in order
  link.to_a.tamper = [&](Message* m) {
    if (auto* r = std::get_if<log::ProofRequest>(m); r && r->block) {
      order.push_back(r->block->index);
    }
    return false;
  };
  // A long list (a hint's, or a lying server's) fills every slot ...
  std::vector<uint64_t> listed;
  for (uint64_t i = 10; i < 110; i++) listed.push_back(i);
  CHECK(link.b->RequestBlocks(listed) == listed.size());
  // ... then a read needs block 150: it takes the first slot that frees.
  const std::vector<uint64_t> wanted = {150};
  link.b->DownloadBlocks(wanted);
  link.Run();
  REQUIRE(link.error_b.ok());
  CHECK(replica.core->held_blocks() == 101);
  const auto at = std::find(order.begin(), order.end(), 150) - order.begin();
  CHECK(at == 4);
}

TEST_CASE("replicator: requests in flight never exceed the limit") {
  auto writer = Writer(100);
  Replica replica(*writer);
  ChannelReplicator::Options options;
  options.max_inflight = 5;
  Link link(writer.get(), replica.core.get(), options);
  link.b->Download(0, 100);
  uint64_t most = 0;
  link.to_a.tamper = [&](Message* m) {
    // Request() records a request as in flight before it sends it.
    if (std::holds_alternative<log::ProofRequest>(*m))
      most = std::max(most, link.b->inflight());
    return false;
  };
  link.Open();
  REQUIRE(link.error_b.ok());
  CHECK(link.b->done());
  CHECK(most <= 5);
  CHECK(most >= 2);  // it does pipeline
}

TEST_CASE("replicator: live appends reach a live reader") {
  auto writer = Writer(10);
  Replica replica(*writer);
  Link link(writer.get(), replica.core.get());
  link.b->Download(0, ChannelReplicator::kLive);
  link.Open();
  RequireSameBlocks(*writer, *replica.core, 10);
  for (int round = 0; round < 3; round++) {
    std::vector<std::string> more = {"more-" + std::to_string(round), "x"};
    REQUIRE(writer->Append(more).ok());
    link.a->OnLocalChange();
    link.Run();
    REQUIRE(link.error_b.ok());
    RequireSameBlocks(*writer, *replica.core, writer->length());
    CHECK(replica.core->length() == writer->length());
  }
  CHECK(link.b->stats().upgrades_received == 4);
  CHECK_FALSE(link.b->done());  // a live download never ends
}

TEST_CASE(
    "replicator: a live reader stops, naming it, when the writer "
    "truncates to a new fork") {
  auto writer = Writer(10);
  Replica replica(*writer);
  Link link(writer.get(), replica.core.get());
  link.b->Download(0, ChannelReplicator::kLive);
  link.Open();
  RequireSameBlocks(*writer, *replica.core, 10);
  REQUIRE(link.b->download_status().ok());
  REQUIRE(writer->Truncate(5).ok());
  link.a->OnLocalChange();
  link.Run();
  REQUIRE(link.error_b.ok());
  INFO(link.b->download_status().ToString());
  CHECK(link.b->download_status().IsUnavailable());
  CHECK(link.b->download_status().ToString().find("fork 1") !=
        std::string::npos);
  // What was verified before stays, unchanged.
  RequireSameBlocks(*Writer(10), *replica.core, 10);
}

TEST_CASE(
    "replicator: a replayed signature or upgrade is refused and the reader "
    "keeps the length it verified") {
  for (bool whole_proof : {false, true}) {
    INFO((whole_proof ? "the first upgrade replayed whole"
                      : "the first signature replayed"));
    auto writer = Writer(10);
    Replica replica(*writer);
    Link link(writer.get(), replica.core.get());
    std::optional<log::Proof> first;  // the upgrade to length 10
    link.to_b.tamper = [&](Message* m) {
      auto* p = std::get_if<log::Proof>(m);
      if (!p || !p->upgrade) return false;
      if (!first) {
        first = *p;
        return false;
      }
      if (whole_proof) {
        const uint64_t id = p->request;
        *p = *first;
        p->request = id;
      } else {
        p->upgrade->signature = first->upgrade->signature;
      }
      return true;
    };
    link.b->Download(0, ChannelReplicator::kLive);
    link.Open();
    REQUIRE(replica.core->length() == 10);
    const std::string signature = replica.core->signature();
    REQUIRE(writer->Append(std::vector<std::string>{"more", "x"}).ok());
    link.a->OnLocalChange();
    link.Run();
    CHECK(link.to_b.tampered == 1);
    REQUIRE_FALSE(link.error_b.ok());
    INFO(link.error_b.ToString());
    CHECK(link.error_b.ToString().find("does not verify") != std::string::npos);
    CHECK(link.error_b.ToString().find(whole_proof
                                           ? "upgrade starts at 0"
                                           : "signature") != std::string::npos);
    CHECK(replica.core->length() == 10);
    CHECK(replica.core->signature() == signature);
    CHECK(replica.core->Verify().value().ok());
  }
}

TEST_CASE("replicator: a reader that knows only the key gets the manifest") {
  auto writer = Writer(40);
  auto env = log::NewMemEnv();
  std::unique_ptr<Core> made;
  Link link(writer.get());
  int factory_calls = 0;
  auto factory = [&](std::string_view manifest) -> Result<Core*> {
    factory_calls++;
    log::CoreOptions options;
    options.env = env.get();
    BEE_ASSIGN_OR_RETURN(
        made, Core::CreateReplica("/r", writer->key(), manifest, options));
    return made.get();
  };
  link.b = std::make_unique<ChannelReplicator>(
      writer->key(), factory, &link.to_a, ChannelReplicator::Options{});
  link.b->Download(0, ChannelReplicator::kPeerLength);
  link.Open();
  REQUIRE(link.error_b.ok());
  CHECK(factory_calls == 1);
  REQUIRE(made);
  CHECK(made->manifest() == writer->manifest());
  RequireSameBlocks(*writer, *made, 40);
  CHECK(link.b->done());
}

TEST_CASE("replicator: a manifest that does not hash to the key is refused") {
  auto writer = Writer(5);
  auto other = Writer(5, 2);
  Link link(writer.get());
  int factory_calls = 0;
  link.b = std::make_unique<ChannelReplicator>(
      writer->key(),
      [&](std::string_view) -> Result<Core*> {
        factory_calls++;
        return Status::IOError("must not be called");
      },
      &link.to_a, ChannelReplicator::Options{});
  link.to_b.tamper = [&](Message* m) {
    auto* proof = std::get_if<log::Proof>(m);
    if (!proof || !proof->manifest) return false;
    proof->manifest = other->manifest();
    return true;
  };
  link.b->Download(0, ChannelReplicator::kPeerLength);
  link.Open();
  CHECK(link.to_b.tampered == 1);
  REQUIRE_FALSE(link.error_b.ok());
  CHECK(link.error_b.ToString().find("manifest") != std::string::npos);
  CHECK(factory_calls == 0);
}

// A server that lies in one way; the reader must fail naming the peer and
// store nothing of the lie.
void CheckLie(const std::function<bool(Message*)>& lie, const char* what) {
  INFO(what);
  auto writer = Writer(50);
  Replica replica(*writer);
  Link link(writer.get(), replica.core.get());
  link.to_b.tamper = lie;
  link.b->Download(0, ChannelReplicator::kPeerLength);
  link.Open();
  REQUIRE(link.to_b.tampered > 0);
  REQUIRE_FALSE(link.error_b.ok());
  CHECK(link.error_b.ToString().find("peer") != std::string::npos);
  // Whatever the replica holds verified against the writer's signature.
  for (uint64_t i = 0; i < replica.core->length(); i++) {
    if (replica.core->Has(i))
      CHECK(replica.core->Get(i).value() == writer->Get(i).value());
  }
  CHECK(replica.core->Verify().value().ok());
}

TEST_CASE(
    "replicator: a lying server is refused and nothing it lied about "
    "is stored") {
  CheckLie(
      [](Message* m) {
        auto* p = std::get_if<log::Proof>(m);
        if (!p || !p->block || p->block->index != 7) return false;
        p->block->value[0] ^= 1;
        return true;
      },
      "flipped block byte");
  CheckLie(
      [](Message* m) {
        auto* p = std::get_if<log::Proof>(m);
        if (!p || !p->upgrade) return false;
        p->upgrade->signature[5] ^= 1;
        return true;
      },
      "forged signature");
  CheckLie(
      [](Message* m) {
        auto* p = std::get_if<log::Proof>(m);
        if (!p || !p->block || p->block->nodes.empty()) return false;
        p->block->nodes[0].hash[0] ^= 1;
        return true;
      },
      "wrong proof node");
  CheckLie(
      [](Message* m) {
        auto* p = std::get_if<log::Proof>(m);
        if (!p || !p->block || p->block->index != 3) return false;
        p->block->index = 4;
        return true;
      },
      "block for another index");
  CheckLie(
      [](Message* m) {
        auto* p = std::get_if<log::Proof>(m);
        if (!p || !p->block) return false;
        p->fork = 9;
        return true;
      },
      "data for another fork");
  CheckLie(
      [](Message* m) {
        auto* p = std::get_if<log::Proof>(m);
        if (!p || !p->upgrade) return false;
        p->upgrade.reset();
        return true;
      },
      "upgrade missing");
}

TEST_CASE("replicator: a server answers what it cannot prove with noData") {
  auto writer = Writer(20);
  QueueSink sink;
  ChannelReplicator server(writer.get(), &sink);
  server.OnOpen();
  sink.queue.clear();
  auto reply = [&](log::ProofRequest request) {
    REQUIRE(server.OnMessage(request).ok());
    REQUIRE(sink.queue.size() == 1);
    Message m = sink.queue.front();
    sink.queue.clear();
    return m;
  };
  log::ProofRequest missing;  // no such block: not available
  missing.id = 2;
  missing.block = log::ProofRequest::Range{20, 0};
  auto m = reply(missing);
  REQUIRE(std::holds_alternative<NoData>(m));
  CHECK(std::get<NoData>(m).request == 2);
  CHECK(std::get<NoData>(m).reason == NoDataReason::kNotAvailable);

  log::ProofRequest past;  // no log of this length could answer: invalid
  past.id = 3;
  past.upgrade = log::ProofRequest::Upgrade{0, 30};
  m = reply(past);
  REQUIRE(std::holds_alternative<NoData>(m));
  CHECK(std::get<NoData>(m).request == 3);
  CHECK(std::get<NoData>(m).reason == NoDataReason::kInvalidRequest);

  log::ProofRequest other_fork;
  other_fork.id = 4;
  other_fork.fork = 1;
  other_fork.block = log::ProofRequest::Range{2, 0};
  m = reply(other_fork);
  REQUIRE(std::holds_alternative<NoData>(m));
  CHECK(std::get<NoData>(m).reason == NoDataReason::kNotAvailable);

  log::ProofRequest manifest_only;  // §7.4.4
  manifest_only.id = 5;
  manifest_only.fork = 1;
  manifest_only.manifest = true;
  m = reply(manifest_only);
  REQUIRE(std::holds_alternative<log::Proof>(m));
  CHECK(std::get<log::Proof>(m).manifest == writer->manifest());
  CHECK(std::get<log::Proof>(m).request == 5);

  // A peer that keeps asking for nonsense is dropped at the limit.
  ChannelReplicator::Options options;
  options.max_invalid_requests = 3;
  ChannelReplicator strict(writer.get(), &sink, options);
  past.id = 1;
  CHECK(strict.OnMessage(past).ok());
  CHECK(strict.OnMessage(past).ok());
  Status s = strict.OnMessage(past);
  REQUIRE_FALSE(s.ok());
  CHECK(s.ToString().find("invalid requests") != std::string::npos);
}

TEST_CASE("replicator: a server answers want with range or bitfield") {
  auto writer = Writer(100);
  // A sparse replica holding blocks 0-9 and 40-41 serves what it has.
  Replica replica(*writer);
  Fetch(*writer, replica.core.get(), {{0, 10}, {40, 42}});
  QueueSink sink;
  ChannelReplicator server(replica.core.get(), &sink);
  server.OnOpen();
  // It opened with sync and range {0, 10}.
  REQUIRE(sink.queue.size() == 2);
  CHECK(std::get<Range>(sink.queue[1]).length == 10);
  sink.queue.clear();
  REQUIRE(server.OnMessage(Want{0, 8, false}).ok());
  REQUIRE(sink.queue.size() == 1);
  CHECK(std::get<Range>(sink.queue[0]).length == 10);
  sink.queue.clear();
  REQUIRE(server.OnMessage(Want{0, 2097152, false}).ok());
  REQUIRE(sink.queue.size() == 1);
  const auto& bitfield = std::get<Bitfield>(sink.queue[0]);
  CHECK(bitfield.start == 0);
  REQUIRE(bitfield.words.size() == 4);  // clipped to the length, 100
  CHECK(bitfield.words[0] == 0x3ff);
  CHECK(bitfield.words[1] == (uint32_t{3} << 8));  // blocks 40 and 41
  CHECK(bitfield.words[2] == 0);
}

TEST_CASE(
    "replicator: a log held whole answers every want, so a ping always has "
    "an answer") {
  for (int blocks : {0, 100}) {
    CAPTURE(blocks);
    auto writer = Writer(blocks);
    QueueSink sink;
    ChannelReplicator server(writer.get(), &sink);
    server.OnOpen();
    sink.queue.clear();
    // Inside, across and past the log (JS answers these too, §7.6).
    for (const Want& want : {Want{0, 2097152, false}, Want{64, 64, false},
                             Want{2097152, 2097152, false}}) {
      REQUIRE(server.OnMessage(want).ok());
      REQUIRE(sink.queue.size() == 1);
      const auto& range = std::get<Range>(sink.queue[0]);
      CHECK_FALSE(range.drop);
      CHECK(range.start == 0);
      CHECK(range.length == static_cast<uint64_t>(blocks));
      sink.queue.clear();
    }
    // A ping is the want of the first segment, and only once open.
    QueueSink pings;
    ChannelReplicator reader(writer.get(), &pings);
    reader.Ping();
    CHECK(pings.queue.empty());
    reader.OnOpen();
    pings.queue.clear();
    reader.Ping();
    REQUIRE(pings.queue.size() == 1);
    const auto& want = std::get<Want>(pings.queue[0]);
    CHECK(want.start == 0);
    CHECK(want.length == 2097152);
    CHECK_FALSE(want.any);
    CHECK(reader.stats().pings_sent == 1);
  }
}

TEST_CASE(
    "replicator: a reader fetches from a sparse server what it "
    "announced and fails naming a block it lacks") {
  auto writer = Writer(100);
  Replica middle(*writer);
  Fetch(*writer, middle.core.get(), {{0, 5}, {60, 64}});
  Replica reader(*writer);
  Link link(middle.core.get(), reader.core.get());
  link.b->Download(60, 64);
  link.Open();
  REQUIRE(link.error_b.ok());
  CHECK(link.b->done());  // learned 60-63 through want + bitfield
  for (uint64_t i = 60; i < 64; i++) CHECK(reader.core->Has(i));
  CHECK_FALSE(reader.core->Has(0));

  // Blocks the server never announced are not requested: the download
  // waits (the caller's timeout names the first missing block).
  link.b->Download(70, 72);
  link.Run();
  CHECK_FALSE(link.b->done());
  CHECK(link.b->download_status().ok());
  CHECK(link.b->inflight() == 0);

  // A server that announces a block and then has none fails the download.
  link.to_b.tamper = [](Message* m) {
    auto* r = std::get_if<Range>(m);
    if (!r) return false;
    r->length = 100;  // "I have everything"
    return true;
  };
  link.a->OnLocalChange();  // nothing changed: nothing is sent
  link.to_b.queue.push_back(Range{false, 0, 100});
  link.Run();
  INFO(link.b->download_status().ToString());
  CHECK_FALSE(link.b->download_status().ok());
  CHECK(link.b->download_status().ToString().find("no block 70") !=
        std::string::npos);
}

}  // namespace
}  // namespace bee::net
