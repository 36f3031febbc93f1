// Connection: one hypercore replication connection (../shared/spec/
// PROTOCOL.md §1) over a Transport, the layers stacked:
//
//   Transport (TCP, memory)   bytes
//   SecureSession             Noise XX, secret stream, keep-alives
//   Mux                       Protomux channels
//   ChannelReplicator         one per replicated log (hypercore/alpha)
//
// Each log is replicated on the channel named by its discovery key; the
// peer proves it knows the log's key with the capability of its open
// (§6.2), checked here before the channel is used.
//
// Usage (on the loop's thread):
//
//   auto conn = Connection::Create(loop, std::move(transport), initiator,
//                                  options, handlers);
//   ChannelReplicator* ch = conn->Replicate(core);   // any time
//   ch->Download(0, ChannelReplicator::kPeerLength);
//   (*conn)->Start();
//   loop->Run...  handlers.on_update runs after each batch of input
//
// A server calls ServeWith(resolver): the peer's opens of logs it has not
// asked for are answered from the resolver (or rejected).
//
// Errors: any failure of a layer (a malformed frame, a bad handshake or
// capability, a peer's protocol violation reported by a replicator, a
// transport error) closes the connection once, and on_close receives the
// Status naming it, from the loop (never from inside a call of the owner).
// Close() closes without calling on_close.
//
// Thread safety: none; everything runs on the loop's thread, and the
// handlers are called there. The owner may destroy the Connection in
// on_close or on_update (but not elsewhere inside a handler).
#ifndef BEE_NET_CONNECTION_H_
#define BEE_NET_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "log/core.h"
#include "log/crypto.h"
#include "net/event_loop.h"
#include "net/protomux.h"
#include "net/replicator.h"
#include "net/secure_session.h"
#include "net/transport.h"
#include "net/wire.h"

namespace bee::net {

inline constexpr std::string_view kHypercoreProtocol = "hypercore/alpha";

struct ConnectionOptions {
  // The Noise static key; a random one per connection when unset (as JS
  // does unless given a key pair).
  std::optional<log::Seed> static_seed;
  // When nothing was sent for this long, an empty message is sent (JS:
  // 5 s). Zero: never.
  std::chrono::milliseconds keep_alive{5000};
  // Frame limit of the secure session (JS: 2^24 - 1).
  size_t max_frame_body = kMaxFrameBody;
  ChannelReplicator::Options replicator;
  Mux::Options mux;
};

// What a connection tells its owner.
struct ConnectionHandlers {
  // The connection ended (never for Close()): the first error, naming the
  // layer and what went wrong; Unavailable "...: closed by peer" for a
  // peer that hung up.
  std::function<void(const Status& why)> on_close;
  // Input was handled (replicators may have progressed): check done(),
  // download_status(), stats.
  std::function<void()> on_update;
  // A channel ended: the peer rejected our open (it does not have the log,
  // or does not want to share it) or closed it.
  std::function<void(ChannelReplicator* channel, const Status& why)>
      on_channel_close;
};

class Connection : private ChannelHandler, private OpenListener {
 public:
  // Takes a transport that is not started yet.
  static Result<std::unique_ptr<Connection>> Create(
      EventLoop* loop, std::unique_ptr<Transport> transport, bool is_initiator,
      ConnectionOptions options, ConnectionHandlers handlers);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts the transport and the handshake. REQUIRES: called once.
  void Start();

  // Replicates `core` (which outlives the connection) with the peer: its
  // channel opens once the handshake is done. Returns the channel's
  // replicator (owned by the connection) for Download and stats.
  ChannelReplicator* Replicate(log::Core* core);
  // Replicates a log known only by its key (a reader's first contact):
  // `factory` makes the local log from the manifest the peer sends.
  ChannelReplicator* ReplicateKey(const Hash32& key,
                                  ChannelReplicator::CoreFactory factory);

  // Serving: the peer's opens of logs not given to Replicate are looked up
  // by discovery key; a null answer rejects the open.
  using Resolver = std::function<log::Core*(const Hash32& discovery_key)>;
  // `on_channel`, when set, runs once for each channel the resolver
  // answered, right after its replicator is made (before any of its
  // messages): e.g. to attach an extension handler (remote/
  // hyperbee_extension.h).
  using ChannelHook = std::function<void(ChannelReplicator* channel)>;
  void ServeWith(Resolver resolver, ChannelHook on_channel = nullptr);

  // The local log changed (an append, a refresh): tell the peer.
  void OnLocalChange(log::Core* core);

  // Closes the transport now; on_close is not called.
  void Close();
  bool closed() const { return closed_; }

  const std::string& name() const { return transport_->name(); }
  // REQUIRES: the handshake is done.
  const log::PublicKey& remote_public_key() const {
    return session_->remote_public_key();
  }
  bool handshake_done() const { return session_->handshake_done(); }
  uint64_t bytes_received() const { return bytes_received_; }
  uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  struct Channel;
  class Sink;

  Connection(EventLoop* loop, std::unique_ptr<Transport> transport,
             std::unique_ptr<SecureSession> session, ConnectionOptions options,
             ConnectionHandlers handlers);

  void OnData(std::string_view bytes);
  // Sends what the Mux queued, through the session, to the transport.
  void Flush();
  // Flush soon, from the loop (for messages sent outside OnData).
  void ScheduleFlush();
  void WriteWire();
  void OpenChannels();
  Status OpenChannel(Channel* channel);
  void Fail(Status why);
  Channel* ByMuxId(uint32_t id);
  Channel* Add(std::unique_ptr<Channel> channel);

  // ChannelHandler
  Status OnOpen(uint32_t channel, std::string_view handshake) override;
  Status OnMessage(uint32_t channel, uint64_t type,
                   std::string_view payload) override;
  void OnClose(uint32_t channel, bool rejected) override;
  // OpenListener
  bool OnRemoteOpen(std::string_view protocol, std::string_view id) override;

  EventLoop* loop_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<SecureSession> session_;
  ConnectionOptions options_;
  ConnectionHandlers handlers_;
  Mux mux_;
  Resolver resolver_;
  ChannelHook on_served_channel_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::string wire_;  // bytes for the transport, not yet accepted by it
  bool reading_paused_ = false;
  bool dispatching_ = false;  // inside Mux::OnFrame
  bool flush_posted_ = false;
  bool started_ = false;
  bool closed_ = false;
  bool sent_since_tick_ = false;
  EventLoop::TimerId keep_alive_timer_{};
  bool keep_alive_armed_ = false;
  uint64_t bytes_received_ = 0;
  uint64_t bytes_sent_ = 0;
  // Expires with the connection: a posted on_close checks it.
  std::shared_ptr<bool> alive_;
};

}  // namespace bee::net

#endif  // BEE_NET_CONNECTION_H_
