// Connection: the whole stack (transport, secure session, Protomux, one
// replicator per log) between two bee peers on one loop, over an in-memory
// pair, with faults injected on the wire, and against a hand-driven hostile
// peer that opens a channel with a wrong capability.
#include "net/connection.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "log/env.h"
#include "net/protomux.h"
#include "net/secure_session.h"
#include "net/transport.h"
#include "tests/util/fault_transport.h"

namespace bee::net {
namespace {

using log::Core;

std::unique_ptr<Core> Writer(int blocks) {
  Hash32 seed;
  seed.fill(3);
  auto core = Core::CreateInMemory(log::KeyPair::FromSeed(seed)).value();
  std::vector<std::string> data;
  for (int i = 0; i < blocks; i++) {
    data.push_back("entry " + std::to_string(i) + std::string(100, 'v'));
  }
  REQUIRE(core->Append(data).ok());
  return core;
}

// A server connection (serving `core`) and a reader connection (knowing
// only its key) over a memory pair, each side's transport optionally
// wrapped in a FaultTransport.
struct Peers {
  std::unique_ptr<EventLoop> loop = EventLoop::Create().value();
  Core* served = nullptr;
  std::unique_ptr<log::Env> env = log::NewMemEnv();
  std::unique_ptr<Core> replica;
  std::unique_ptr<Connection> server, reader;
  test::FaultTransport* server_fault = nullptr;
  test::FaultTransport* reader_fault = nullptr;
  ChannelReplicator* channel = nullptr;
  Status server_closed, reader_closed, channel_closed;
  bool resolve = true;

  explicit Peers(Core* core, uint64_t seed = 1) : served(core) {
    auto [a, b] = NewMemoryPair(loop.get(), TransportOptions{});
    auto fa =
        std::make_unique<test::FaultTransport>(loop.get(), std::move(a), seed);
    auto fb = std::make_unique<test::FaultTransport>(loop.get(), std::move(b),
                                                     seed + 1);
    server_fault = fa.get();
    reader_fault = fb.get();
    ConnectionHandlers sh;
    sh.on_close = [this](const Status& why) { server_closed = why; };
    server =
        Connection::Create(loop.get(), std::move(fa), false, {}, std::move(sh))
            .value();
    server->ServeWith([this](const Hash32& dk) -> Core* {
      return resolve && dk == served->discovery_key() ? served : nullptr;
    });
    ConnectionHandlers rh;
    rh.on_close = [this](const Status& why) { reader_closed = why; };
    rh.on_channel_close = [this](ChannelReplicator*, const Status& why) {
      channel_closed = why;
    };
    reader =
        Connection::Create(loop.get(), std::move(fb), true, {}, std::move(rh))
            .value();
    const Hash32 key = served->key();
    channel = reader->ReplicateKey(
        key, [this, key](std::string_view manifest) -> Result<Core*> {
          log::CoreOptions options;
          options.env = env.get();
          BEE_ASSIGN_OR_RETURN(
              replica, Core::CreateReplica("/r", key, manifest, options));
          return replica.get();
        });
  }
  void Start(uint64_t end = ChannelReplicator::kPeerLength) {
    channel->Download(0, end);
    server->Start();
    reader->Start();
  }
  Status RunUntil(const std::function<bool()>& pred) {
    return loop->RunUntil(pred, std::chrono::seconds(20));
  }
  bool Failed() const {
    return !reader_closed.ok() || !server_closed.ok() || !channel_closed.ok();
  }
};

void RequireSame(const Core& a, const Core& b) {
  REQUIRE(b.length() == a.length());
  for (uint64_t i = 0; i < a.length(); i++) {
    CHECK(b.Get(i).value() == a.Get(i).value());
  }
}

TEST_CASE("connection: two bee peers replicate a log over the whole stack") {
  auto writer = Writer(300);
  Peers peers(writer.get());
  // The reader's bytes arrive in small random pieces.
  test::FaultPlan plan;
  plan.max_chunk = 61;
  peers.reader_fault->SetPlan(test::FaultTransport::Direction::kIncoming, plan);
  peers.Start();
  REQUIRE(
      peers.RunUntil([&] { return peers.channel->done() || peers.Failed(); })
          .ok());
  INFO(peers.reader_closed.ToString() + " / " + peers.server_closed.ToString());
  REQUIRE_FALSE(peers.Failed());
  RequireSame(*writer, *peers.replica);
  CHECK(peers.reader->remote_public_key() != Hash32{});
  CHECK(peers.reader->bytes_received() > 300 * 100);

  // Live: an append on the server's side reaches the reader.
  peers.channel->Download(0, ChannelReplicator::kLive);
  std::vector<std::string> more = {"late 1", "late 2"};
  REQUIRE(writer->Append(more).ok());
  peers.server->OnLocalChange(writer.get());
  REQUIRE(peers
              .RunUntil([&] {
                return peers.replica->contiguous_length() == 302 ||
                       peers.Failed();
              })
              .ok());
  RequireSame(*writer, *peers.replica);
}

TEST_CASE("connection: extension messages travel both ways by name") {
  auto writer = Writer(5);
  Peers peers(writer.get());
  // The server opens the log's channel itself (no resolver needed), so the
  // test holds its replicator.
  ChannelReplicator* server_channel = peers.server->Replicate(writer.get());
  peers.Start();
  REQUIRE(
      peers.RunUntil([&] { return peers.channel->done() || peers.Failed(); })
          .ok());
  REQUIRE_FALSE(peers.Failed());
  std::vector<Extension> at_reader, at_server;
  peers.channel->set_extension_handler(
      [&](const Extension& e) { at_reader.push_back(e); });
  server_channel->set_extension_handler(
      [&](const Extension& e) { at_server.push_back(e); });
  // Two messages with one name: on the wire the second goes with an empty
  // name (spec §6.4) and must come out named again.
  peers.channel->SendExtension("hyperbee", "one");
  peers.channel->SendExtension("hyperbee", "two");
  peers.channel->SendExtension("other", "three");
  server_channel->SendExtension("ours", "back");
  REQUIRE(peers
              .RunUntil([&] {
                return (at_server.size() == 3 && at_reader.size() == 1) ||
                       peers.Failed();
              })
              .ok());
  REQUIRE(at_server.size() == 3);
  CHECK(at_server[0].name == "hyperbee");
  CHECK(at_server[0].message == "one");
  CHECK(at_server[1].name == "hyperbee");
  CHECK(at_server[1].message == "two");
  CHECK(at_server[2].name == "other");
  REQUIRE(at_reader.size() == 1);
  CHECK(at_reader[0].name == "ours");
  CHECK(at_reader[0].message == "back");
}

TEST_CASE(
    "connection: a message over the transport's queue bound goes out whole "
    "over TCP, and the connection goes on reading after it") {
  auto writer = Writer(5);
  auto loop = EventLoop::Create().value();
  // A small queue bound: the 2 MB answer goes out in many pieces, and on
  // loopback TCP most leave at once (no drain follows them).
  TransportOptions small;
  small.max_queued_bytes = 64 << 10;
  std::unique_ptr<Connection> server;
  auto listener =
      Listener::Listen(
          loop.get(), "127.0.0.1:0", small,
          [&](std::unique_ptr<Transport> t) {
            server = Connection::Create(loop.get(), std::move(t), false, {}, {})
                         .value();
            server->ServeWith(
                [&](const Hash32& dk) -> Core* {
                  return dk == writer->discovery_key() ? writer.get() : nullptr;
                },
                [](ChannelReplicator* ch) {
                  ch->set_extension_handler([ch](const Extension& e) {
                    ch->SendExtension("reply", e.message == "big"
                                                   ? std::string(2 << 20, 'b')
                                                   : "pong");
                  });
                });
            server->Start();
          })
          .value();
  Status closed;
  ConnectionHandlers rh;
  rh.on_close = [&](const Status& why) { closed = why; };
  auto reader =
      Connection::Create(loop.get(),
                         Connect(loop.get(), listener->address(), {}).value(),
                         true, {}, std::move(rh))
          .value();
  std::unique_ptr<log::Env> env = log::NewMemEnv();
  std::unique_ptr<Core> replica;
  ChannelReplicator* channel = reader->ReplicateKey(
      writer->key(), [&](std::string_view manifest) -> Result<Core*> {
        log::CoreOptions options;
        options.env = env.get();
        BEE_ASSIGN_OR_RETURN(replica, Core::CreateReplica("/r", writer->key(),
                                                          manifest, options));
        return replica.get();
      });
  std::vector<std::string> replies;
  channel->set_extension_handler(
      [&](const Extension& e) { replies.push_back(e.message); });
  channel->Download(0, ChannelReplicator::kPeerLength);
  reader->Start();
  auto run_until = [&](const std::function<bool()>& pred) {
    return loop->RunUntil([&] { return pred() || !closed.ok(); },
                          std::chrono::seconds(20));
  };
  REQUIRE(run_until([&] { return channel->done(); }).ok());
  channel->SendExtension("ask", "big");
  REQUIRE(run_until([&] { return replies.size() == 1; }).ok());
  CHECK(replies[0].size() == size_t{2} << 20);
  // The server read this only if it went on reading after the big answer.
  channel->SendExtension("ask", "ping");
  REQUIRE(run_until([&] { return replies.size() == 2; }).ok());
  CHECK(replies[1] == "pong");
  CHECK(closed.ok());
  server.reset();
}

TEST_CASE(
    "connection: a byte flipped on the wire ends the connection and "
    "nothing unverified is stored") {
  auto writer = Writer(300);
  for (uint64_t at : {uint64_t{40}, uint64_t{150}, uint64_t{5000}}) {
    CAPTURE(at);
    Peers peers(writer.get(), at);
    test::FaultPlan plan;
    plan.flip_at = at;  // in the handshake, the header frame, then data
    peers.server_fault->SetPlan(test::FaultTransport::Direction::kOutgoing,
                                plan);
    peers.Start();
    REQUIRE(peers.RunUntil([&] { return peers.Failed(); }).ok());
    INFO(peers.reader_closed.ToString());
    CHECK_FALSE(peers.reader_closed.ok());
    CHECK_FALSE(peers.channel->done());
    if (peers.replica) {
      for (uint64_t i = 0; i < peers.replica->length(); i++) {
        if (peers.replica->Has(i)) {
          CHECK(peers.replica->Get(i).value() == writer->Get(i).value());
        }
      }
    }
  }
}

TEST_CASE(
    "connection: a connection cut mid-transfer names the cause and "
    "keeps what was verified") {
  auto writer = Writer(300);
  Peers peers(writer.get());
  test::FaultPlan plan;
  plan.cut_after = 12000;
  peers.server_fault->SetPlan(test::FaultTransport::Direction::kOutgoing, plan);
  peers.Start();
  REQUIRE(peers.RunUntil([&] { return !peers.reader_closed.ok(); }).ok());
  CHECK(peers.reader_closed.ToString().find("closed by peer") !=
        std::string::npos);
  REQUIRE(peers.replica);
  uint64_t held = 0;
  for (uint64_t i = 0; i < peers.replica->length(); i++) {
    if (peers.replica->Has(i)) {
      held++;
      CHECK(peers.replica->Get(i).value() == writer->Get(i).value());
    }
  }
  CHECK(held > 0);
  CHECK(held < 300);
}

TEST_CASE("connection: a peer without the log rejects the channel") {
  auto writer = Writer(10);
  Peers peers(writer.get());
  peers.resolve = false;
  peers.Start();
  REQUIRE(peers.RunUntil([&] { return !peers.channel_closed.ok(); }).ok());
  CHECK(peers.channel_closed.IsNotFound());
  CHECK(peers.channel_closed.ToString().find("does not have") !=
        std::string::npos);
  CHECK(peers.replica == nullptr);
}

// A peer that completes the handshake honestly, then opens the log's
// channel (it knows the discovery key) with a capability it cannot make
// without the key.
class WrongCapabilityPeer {
 public:
  WrongCapabilityPeer(EventLoop* loop, std::unique_ptr<Transport> transport,
                      const Hash32& discovery_key)
      : transport_(std::move(transport)), discovery_key_(discovery_key) {
    session_ = SecureSession::Create(false, log::KeyPair::Random()).value();
    TransportHandlers h;
    h.on_data = [this](std::string_view bytes) { OnData(bytes); };
    h.on_close = [](const Status&) {};
    transport_->Start(std::move(h));
    (void)loop;
    std::string out;
    REQUIRE(session_->Start(&out).ok());
    Write(out);
  }

 private:
  void OnData(std::string_view bytes) {
    std::string out;
    std::vector<std::string> messages;
    if (!session_->Receive(bytes, &out, &messages).ok()) return;
    if (session_->handshake_done() && !opened_) {
      opened_ = true;
      ChannelHandshake handshake;
      handshake.capability.fill(0x5a);  // not the capability
      (void)mux_.Open(
          "hypercore/alpha",
          std::string_view(reinterpret_cast<const char*>(discovery_key_.data()),
                           32),
          EncodeChannelHandshake(handshake), &handler_);
    }
    for (const std::string& m : messages) (void)mux_.OnFrame(m);
    for (const std::string& frame : mux_.TakeOutput()) {
      REQUIRE(session_->Send(frame, &out).ok());
    }
    Write(out);
  }
  void Write(const std::string& bytes) {
    if (!bytes.empty()) (void)transport_->Write(bytes);
  }
  struct Handler : ChannelHandler {
    Status OnOpen(uint32_t, std::string_view) override { return Status::OK(); }
    Status OnMessage(uint32_t, uint64_t, std::string_view) override {
      return Status::OK();
    }
    void OnClose(uint32_t, bool) override {}
  };
  std::unique_ptr<Transport> transport_;
  Hash32 discovery_key_;
  std::unique_ptr<SecureSession> session_;
  Mux mux_;
  Handler handler_;
  bool opened_ = false;
};

TEST_CASE(
    "connection: a peer whose capability is wrong is dropped before "
    "anything is exchanged") {
  auto writer = Writer(10);
  auto loop = EventLoop::Create().value();
  auto [a, b] = NewMemoryPair(loop.get(), TransportOptions{});
  WrongCapabilityPeer liar(loop.get(), std::move(a), writer->discovery_key());
  Status closed;
  ConnectionHandlers h;
  h.on_close = [&](const Status& why) { closed = why; };
  auto reader =
      Connection::Create(loop.get(), std::move(b), true, {}, std::move(h))
          .value();
  std::unique_ptr<Core> replica;
  ChannelReplicator* channel = reader->ReplicateKey(
      writer->key(), [&](std::string_view) -> Result<Core*> {
        return Status::IOError("must not be called");
      });
  channel->Download(0, ChannelReplicator::kPeerLength);
  reader->Start();
  REQUIRE(loop->RunUntil([&] { return !closed.ok(); }, std::chrono::seconds(20))
              .ok());
  CHECK(closed.IsVerificationFailed());
  CHECK(closed.ToString().find("wrong capability") != std::string::npos);
  CHECK_FALSE(channel->remote().synced);
}

}  // namespace
}  // namespace bee::net
