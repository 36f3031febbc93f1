#include "net/connection.h"

#include <algorithm>
#include <utility>

#include "encoding/bytes.h"
#include "encoding/varint.h"

namespace bee::net {

// One replicated log on this connection.
struct Connection::Channel {
  std::unique_ptr<Sink> sink;
  std::unique_ptr<ChannelReplicator> replicator;
  Hash32 key{};
  Hash32 discovery_key{};
  uint32_t mux_id = 0;  // ours, once opened
  bool opened = false;  // Mux::Open was called
  bool paired = false;  // the peer's open arrived and its capability held
  bool closed = false;
  ExtensionNames extension_names;
};

// Encodes a replicator's messages onto its channel.
class Connection::Sink : public MessageSink {
 public:
  Sink(Connection* conn, Channel* channel) : conn_(conn), channel_(channel) {}
  void Send(const Message& message) override {
    if (channel_->closed || !channel_->opened) return;
    std::string encoded;
    if (const auto* ext = std::get_if<Extension>(&message)) {
      Extension named = *ext;
      channel_->extension_names.Sending(&named);
      EncodeMessage(named, &encoded);
    } else {
      EncodeMessage(message, &encoded);
    }
    // EncodeMessage wrote `uint type ‖ payload`; the Mux wants them apart.
    std::string_view rest = encoded;
    uint64_t type = 0;
    GetCompactUint(&rest, &type);
    Status s = conn_->mux_.Send(channel_->mux_id, type, rest);
    if (!s.ok()) return conn_->Fail(s);
    conn_->ScheduleFlush();
  }
  void Cork() override { conn_->mux_.Cork(); }
  void Uncork() override { conn_->mux_.Uncork(); }

 private:
  Connection* conn_;
  Channel* channel_;
};

Result<std::unique_ptr<Connection>> Connection::Create(
    EventLoop* loop, std::unique_ptr<Transport> transport, bool is_initiator,
    ConnectionOptions options, ConnectionHandlers handlers) {
  log::InitCrypto();
  log::KeyPair key_pair = options.static_seed
                              ? log::KeyPair::FromSeed(*options.static_seed)
                              : log::KeyPair::Random();
  SecureSessionOptions session_options;
  session_options.max_frame_body = options.max_frame_body;
  BEE_ASSIGN_OR_RETURN(auto session,
                       SecureSession::Create(is_initiator, std::move(key_pair),
                                             session_options));
  return std::unique_ptr<Connection>(
      new Connection(loop, std::move(transport), std::move(session),
                     std::move(options), std::move(handlers)));
}

Connection::Connection(EventLoop* loop, std::unique_ptr<Transport> transport,
                       std::unique_ptr<SecureSession> session,
                       ConnectionOptions options, ConnectionHandlers handlers)
    : loop_(loop),
      transport_(std::move(transport)),
      session_(std::move(session)),
      options_(std::move(options)),
      handlers_(std::move(handlers)),
      mux_(options_.mux),
      alive_(std::make_shared<bool>(true)) {}

Connection::~Connection() {
  if (keep_alive_armed_) loop_->CancelTimer(keep_alive_timer_);
  mux_.Listen(kHypercoreProtocol, nullptr);
}

void Connection::Start() {
  started_ = true;
  TransportHandlers th;
  th.on_data = [this](std::string_view bytes) { OnData(bytes); };
  th.on_close = [this](const Status& why) {
    if (closed_) return;
    closed_ = true;
    if (keep_alive_armed_) {
      loop_->CancelTimer(keep_alive_timer_);
      keep_alive_armed_ = false;
    }
    if (handlers_.on_close) handlers_.on_close(why);
  };
  th.on_drain = [this]() { WriteWire(); };
  transport_->Start(std::move(th));
  Status s = session_->Start(&wire_);
  if (!s.ok()) return Fail(s);
  WriteWire();
  if (options_.keep_alive.count() > 0) {
    keep_alive_armed_ = true;
    keep_alive_timer_ = loop_->AddRepeatingTimer(options_.keep_alive, [this]() {
      if (closed_ || session_->state() != SecureSession::State::kOpen) return;
      if (!sent_since_tick_) {
        Status ks = session_->SendKeepAlive(&wire_);
        if (!ks.ok()) return Fail(ks);
        WriteWire();
      }
      sent_since_tick_ = false;
    });
  }
}

Connection::Channel* Connection::Add(std::unique_ptr<Channel> channel) {
  Channel* c = channel.get();
  channels_.push_back(std::move(channel));
  if (session_->handshake_done() && !closed_) {
    Status s = OpenChannel(c);
    if (!s.ok()) Fail(s);
    if (!dispatching_) Flush();  // else OnData flushes when the Mux returns
  }
  return c;
}

ChannelReplicator* Connection::Replicate(log::Core* core) {
  auto channel = std::make_unique<Channel>();
  channel->key = core->key();
  channel->discovery_key = core->discovery_key();
  channel->sink = std::make_unique<Sink>(this, channel.get());
  channel->replicator = std::make_unique<ChannelReplicator>(
      core, channel->sink.get(), options_.replicator);
  return Add(std::move(channel))->replicator.get();
}

ChannelReplicator* Connection::ReplicateKey(
    const Hash32& key, ChannelReplicator::CoreFactory factory) {
  auto channel = std::make_unique<Channel>();
  channel->key = key;
  channel->discovery_key = log::DiscoveryKey(key);
  channel->sink = std::make_unique<Sink>(this, channel.get());
  channel->replicator = std::make_unique<ChannelReplicator>(
      key, std::move(factory), channel->sink.get(), options_.replicator);
  return Add(std::move(channel))->replicator.get();
}

void Connection::ServeWith(Resolver resolver, ChannelHook on_channel) {
  resolver_ = std::move(resolver);
  on_served_channel_ = std::move(on_channel);
  mux_.Listen(kHypercoreProtocol, resolver_ ? this : nullptr);
}

void Connection::OnLocalChange(log::Core* core) {
  if (closed_) return;
  for (auto& c : channels_) {
    if (c->paired && !c->closed && c->replicator->core() == core) {
      c->replicator->OnLocalChange();
    }
  }
  Flush();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  if (keep_alive_armed_) {
    loop_->CancelTimer(keep_alive_timer_);
    keep_alive_armed_ = false;
  }
  transport_->Close();
}

void Connection::Fail(Status why) {
  if (closed_) return;
  Close();
  // Reported from the loop, not from deep inside the layer that failed:
  // the owner may destroy the connection in on_close.
  std::weak_ptr<bool> alive = alive_;
  loop_->Post([this, alive, why = std::move(why)]() {
    if (alive.expired()) return;
    if (handlers_.on_close) handlers_.on_close(why);
  });
}

// ---------------------------------------------------------------------------
// Bytes in and out

void Connection::OnData(std::string_view bytes) {
  if (closed_) return;
  bytes_received_ += bytes.size();
  const bool was_done = session_->handshake_done();
  std::vector<std::string> messages;
  Status s = session_->Receive(bytes, &wire_, &messages);
  // Messages authenticated before a failure are still handled: they came
  // from the peer that the handshake proved.
  if (!was_done && session_->handshake_done()) {
    mux_.Listen(kHypercoreProtocol, resolver_ ? this : nullptr);
    OpenChannels();
  }
  dispatching_ = true;
  for (const std::string& m : messages) {
    if (closed_) break;
    Status ms = mux_.OnFrame(m);
    if (!ms.ok()) Fail(ms);
  }
  dispatching_ = false;
  if (!s.ok()) Fail(s);
  if (closed_) return;
  Flush();
  if (handlers_.on_update) handlers_.on_update();
}

void Connection::OpenChannels() {
  for (auto& c : channels_) {
    if (!c->opened) {
      Status s = OpenChannel(c.get());
      if (!s.ok()) return Fail(s);
    }
  }
}

Status Connection::OpenChannel(Channel* channel) {
  ChannelHandshake handshake;
  // Seek requests are not answered (log/proof.h): told so, a JS peer asks
  // hash requests instead.
  handshake.seeks = false;
  handshake.capability = log::Capability(
      session_->is_initiator() ? log::ReplicationRole::kInitiator
                               : log::ReplicationRole::kResponder,
      session_->handshake_hash(), channel->key);
  BEE_ASSIGN_OR_RETURN(
      uint32_t id,
      mux_.Open(kHypercoreProtocol,
                std::string_view(reinterpret_cast<const char*>(
                                     channel->discovery_key.data()),
                                 channel->discovery_key.size()),
                EncodeChannelHandshake(handshake), this));
  channel->mux_id = id;
  channel->opened = true;
  return Status::OK();
}

void Connection::ScheduleFlush() {
  // Inside OnData (and the calls it makes) the output is flushed when the
  // input is handled; a message sent from outside goes out from the loop,
  // once for everything sent meanwhile.
  if (dispatching_ || flush_posted_ || closed_) return;
  flush_posted_ = true;
  std::weak_ptr<bool> alive = alive_;
  loop_->Post([this, alive]() {
    if (alive.expired()) return;
    flush_posted_ = false;
    Flush();
  });
}

void Connection::Flush() {
  if (closed_) return;
  for (const std::string& frame : mux_.TakeOutput()) {
    Status s = session_->Send(frame, &wire_);
    if (!s.ok()) return Fail(s);
    sent_since_tick_ = true;
  }
  WriteWire();
}

void Connection::WriteWire() {
  if (closed_) return;
  // Hand the transport what its queue takes, piece after piece: TCP may
  // send a piece at once, which leaves room for the next and no drain to
  // wait for. Keep what does not fit and stop reading (so the peer's
  // requests wait) until the queue drains; it is full then, so it will.
  while (!wire_.empty()) {
    const size_t room =
        transport_->queue_limit() -
        std::min(transport_->queue_limit(), transport_->queued_bytes());
    if (room == 0) break;
    const size_t n = std::min(room, wire_.size());
    Status s = transport_->Write(std::string_view(wire_).substr(0, n));
    if (!s.ok()) {
      if (s.IsBusy()) break;
      return Fail(s);
    }
    bytes_sent_ += n;
    wire_.erase(0, n);
  }
  if (reading_paused_ != !wire_.empty()) {
    reading_paused_ = !wire_.empty();
    if (reading_paused_) {
      transport_->PauseReading();
    } else {
      transport_->ResumeReading();
    }
  }
}

// ---------------------------------------------------------------------------
// Channels

Connection::Channel* Connection::ByMuxId(uint32_t id) {
  for (auto& c : channels_) {
    if (c->opened && !c->closed && c->mux_id == id) return c.get();
  }
  return nullptr;
}

bool Connection::OnRemoteOpen(std::string_view protocol, std::string_view id) {
  if (protocol != kHypercoreProtocol || !resolver_ || id.size() != 32) {
    return false;
  }
  Hash32 dk;
  std::copy(id.begin(), id.end(), dk.begin());
  log::Core* core = resolver_(dk);
  if (core == nullptr) return false;
  for (auto& c : channels_) {
    if (c->discovery_key == dk && !c->closed) return true;  // opening already
  }
  ChannelReplicator* channel = Replicate(core);
  if (on_served_channel_) on_served_channel_(channel);
  return true;
}

Status Connection::OnOpen(uint32_t id, std::string_view handshake) {
  Channel* c = ByMuxId(id);
  if (c == nullptr) return Status::OK();
  auto decoded = DecodeChannelHandshake(handshake);
  if (!decoded.ok()) {
    return decoded.status().WithContext("peer's open of core " +
                                        HexEncode(c->discovery_key));
  }
  const Hash32 expected = log::Capability(
      session_->is_initiator() ? log::ReplicationRole::kResponder
                               : log::ReplicationRole::kInitiator,
      session_->handshake_hash(), c->key);
  if (decoded->capability != expected) {
    return Status::VerificationFailed(
        "peer: wrong capability for the core with discovery key " +
        HexEncode(c->discovery_key) +
        " (it does not know the core key, or the connection is tampered)");
  }
  c->paired = true;
  c->replicator->OnOpen();
  return Status::OK();
}

Status Connection::OnMessage(uint32_t id, uint64_t type,
                             std::string_view payload) {
  Channel* c = ByMuxId(id);
  if (c == nullptr || !c->paired) return Status::OK();
  auto message = DecodeMessage(type, payload);
  if (!message.ok()) {
    if (message.status().IsNotSupported()) return Status::OK();  // ignored
    return message.status().WithContext("peer's " +
                                        std::string(MessageName(type)));
  }
  if (auto* ext = std::get_if<Extension>(&*message)) {
    c->extension_names.Received(ext);
  }
  return c->replicator->OnMessage(*message);
}

void Connection::OnClose(uint32_t id, bool rejected) {
  Channel* c = ByMuxId(id);
  if (c == nullptr) return;
  c->closed = true;
  if (handlers_.on_channel_close) {
    handlers_.on_channel_close(
        c->replicator.get(),
        rejected ? Status::NotFound("peer does not have the core with "
                                    "discovery key " +
                                    HexEncode(c->discovery_key) +
                                    " (it rejected the channel)")
                 : Status::Unavailable("peer closed the channel of core " +
                                       HexEncode(c->discovery_key)));
  }
}

}  // namespace bee::net
