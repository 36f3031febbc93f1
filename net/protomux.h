// Protomux (../shared/spec/PROTOCOL.md §5): many channels over one secret
// stream. Every decrypted message is one frame
//
//   uint channel ‖ uint type ‖ payload
//
// where channel 0 carries the control messages below and any other channel
// is the *sender's* local id of a channel it opened. An empty frame is a
// keep-alive.
//
// This header has the control-message codecs and `Mux`, a sans-I/O
// multiplexer: it consumes decrypted frames (OnFrame) and queues the frames
// to send (TakeOutput); the caller owns the socket, the secret stream and
// the event loop. The codecs are thread-safe; a Mux is not: one Mux per
// connection, driven by one thread. docs/PROTOCOL.md, "Protomux", has the
// rules and where they differ from JS.
#ifndef BEE_NET_PROTOMUX_H_
#define BEE_NET_PROTOMUX_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "encoding/result.h"
#include "encoding/status.h"

namespace bee::net {

// Control message types (channel 0), fixed by the protocol (§5.2).
enum class ControlType : uint8_t {
  kBatch = 0,
  kOpen = 1,
  kReject = 2,
  kClose = 3,
};

// open: `uint localId ‖ string protocol ‖ optionalBuffer id ‖ handshake`
// (the handshake is protocol-specific and runs to the end, §6.1).
struct OpenMessage {
  uint64_t local_id = 0;  // the sender's id for the channel, >= 1
  std::string protocol;
  std::string id;  // optionalBuffer: empty is "absent" on the wire
  std::string handshake;
  bool operator==(const OpenMessage&) const = default;
};

// reject: `uint remoteId`, the id the peer used in the open refused.
struct RejectMessage {
  uint64_t remote_id = 0;
};

// close: `uint localId`, the sender's own id of the channel it closes.
struct CloseMessage {
  uint64_t local_id = 0;
};

// One message inside a batch: `body` is `uint type ‖ payload` for
// `channel` (a control message in a batch loses its leading 00).
struct BatchItem {
  uint64_t channel = 0;
  std::string_view body;
};

// A frame split at its header. `payload` points into the frame.
struct FrameHeader {
  uint64_t channel = 0;
  uint64_t type = 0;
  std::string_view payload;
};

// Appends `uint channel ‖ uint type ‖ payload` to *out.
void AppendChannelFrame(uint64_t channel, uint64_t type,
                        std::string_view payload, std::string* out);
// Corruption when the channel or type is truncated. REQUIRES: the frame is
// not empty (empty frames are keep-alives, handled by the caller).
Result<FrameHeader> ParseFrameHeader(std::string_view frame);

// Control payloads: the bytes after `00 type`. Decoders skip trailing
// bytes (as JS does) and fail with Corruption naming the message and field.
std::string EncodeOpen(const OpenMessage& open);
Result<OpenMessage> DecodeOpen(std::string_view payload);
std::string EncodeReject(const RejectMessage& reject);
Result<RejectMessage> DecodeReject(std::string_view payload);
std::string EncodeClose(const CloseMessage& close);
Result<CloseMessage> DecodeClose(std::string_view payload);

// batch: `uint firstChannel` then items to the end, each `uint len ‖
// len bytes`; `len = 0` is followed by `uint channel` and switches the
// channel for the items after it. The encoder writes a switch only when
// the channel changes, as JS does. REQUIRES: every body is non-empty.
std::string EncodeBatch(std::span<const BatchItem> items);
// Items point into `payload`. Each item is bounded by its len; a len that
// runs past the batch is Corruption (JS clamps it; it never sends one).
Result<std::vector<BatchItem>> DecodeBatch(std::string_view payload);

// What the owner of a channel hears about it. Callbacks run inside Mux
// calls (OnFrame, Open) on the Mux's thread; `payload` and `handshake` are
// valid during the call only. A callback may call Send, Open, Close,
// Reject, Cork and Uncork on the Mux, but must not destroy it or call
// OnFrame. A non-OK Status from a callback fails the Mux (the connection
// must be dropped) and is returned by the Mux call that ran it.
class ChannelHandler {
 public:
  virtual ~ChannelHandler() = default;

  // The peer's open for our channel arrived: the channel is paired. The
  // messages the peer sent before pairing follow at once, in order.
  virtual Status OnOpen(uint32_t channel, std::string_view handshake) = 0;

  // A message on the channel. Types the handler does not know should be
  // ignored (return OK), as JS ignores them.
  virtual Status OnMessage(uint32_t channel, uint64_t type,
                           std::string_view payload) = 0;

  // The peer closed the channel, or rejected our open (`rejected`). No
  // call for the channel follows; its id may be reused by a later Open.
  // Not called for a Close() of ours.
  virtual void OnClose(uint32_t channel, bool rejected) = 0;
};

// Decides about the peer's opens for (protocol, id) that no channel of
// ours waits for (e.g. a peer asking for a core we have not opened yet).
class OpenListener {
 public:
  virtual ~OpenListener() = default;

  // Return false to reject the open (the Mux answers `reject`). Return
  // true to accept it: call Mux::Open for the same (protocol, id), during
  // this call or later (then the peer's messages on the channel are
  // buffered until Open, see Options::max_buffered), or Mux::Reject.
  virtual bool OnRemoteOpen(std::string_view protocol, std::string_view id) = 0;
};

class Mux {
 public:
  struct Options {
    // Bytes of the peer's messages held for channels it opened that are
    // not paired yet, over all channels; each message counts 512 bytes
    // plus its payload, as JS counts. The id and handshake of an open a
    // listener accepted for later count too (JS has no such bound). Going over
    // fails the Mux with Corruption (an error, not back-pressure: a JS peer
    // sends nothing on a channel before it has our open, so only a misbehaving
    // peer fills it).
    size_t max_buffered = 32 * 1024;
    // A corked batch is sent once it reaches this many bytes (as JS).
    size_t max_batch = 8 * 1024 * 1024;
    // The peer's channel ids are allocated densely from 1 (§5.3); an open
    // for an id above this is refused, which bounds our table.
    uint64_t max_remote_channels = 4096;
  };

  Mux();
  explicit Mux(Options options);
  ~Mux();
  Mux(const Mux&) = delete;
  Mux& operator=(const Mux&) = delete;

  // Routes the peer's opens of `protocol` that find no channel of ours to
  // `listener` (nullptr removes it; without one, they are rejected).
  // REQUIRES: listener outlives the Mux or is removed first.
  void Listen(std::string_view protocol, OpenListener* listener);

  // Opens our channel for (protocol, id), sending `open` with our local id
  // (1, 2, … lowest free first) and `handshake`. When the peer has opened
  // the same (protocol, id) (an accepted OnRemoteOpen), the channel is
  // paired and handler->OnOpen runs before Open returns (or, when Open is
  // called from a callback, as soon as that callback returns); otherwise
  // OnOpen runs when the peer's open arrives. InvalidArgument when a
  // channel of ours for (protocol, id) is already open.
  // REQUIRES: handler outlives the channel (until OnClose or Close).
  Result<uint32_t> Open(std::string_view protocol, std::string_view id,
                        std::string_view handshake, ChannelHandler* handler);

  // Refuses every accepted-but-unopened open of the peer for (protocol,
  // id), dropping what it sent on them.
  Status Reject(std::string_view protocol, std::string_view id);

  // Sends a message on our channel (open, paired or not yet). InvalidArgument
  // for an id that is not an open channel of ours. No size limit here: the
  // caller keeps a message within what its transport frames (net/frame.h).
  // REQUIRES: type and payload are a message of the channel's protocol.
  Status Send(uint32_t channel, uint64_t type, std::string_view payload);

  // Closes our channel and tells the peer; its messages still in flight
  // are ignored. The id is free for reuse at once when the channel was
  // paired, else when the peer answers our open (with open or reject).
  Status Close(uint32_t channel);

  // While corked (nested: each Cork needs an Uncork), everything sent goes
  // into one batch frame, emitted by the last Uncork. JS corks sync+range
  // after an open, and replies to a batch of several messages with one.
  // REQUIRES: every Uncork follows a Cork.
  void Cork();
  void Uncork();

  // Consumes one decrypted frame (empty = keep-alive). Corruption for
  // malformed control messages, an open of channel 0, of an id still open
  // or skipping ids, a reject nobody waits for, a nested batch, a message
  // on a channel the peer never opened, or buffering over the limit.
  // Unknown control types, unknown message types (handlers ignore them)
  // and messages on channels closed since are ignored, as JS does. After
  // an error the Mux stays failed and every call returns the error.
  Status OnFrame(std::string_view frame);

  // The frames to send, in order, each one secret-stream message.
  std::vector<std::string> TakeOutput();

  // Whether our channel is paired with the peer's (its open arrived).
  bool paired(uint32_t channel) const;
  // Bytes of buffered messages (Options::max_buffered).
  size_t buffered() const { return buffered_; }
  const Status& status() const { return error_; }

 private:
  struct Local;
  struct Remote;
  struct Pairing;
  using Key = std::pair<std::string, std::string>;

  Status Dispatch(uint64_t channel, uint64_t type, std::string_view payload,
                  bool in_batch);
  Status OnBatch(std::string_view payload);
  Status OnOpenMessage(std::string_view payload);
  Status CheckRemoteId(uint64_t remote_id) const;
  Status AskListener(uint64_t remote_id, const Key& key);
  Status OnRejectMessage(std::string_view payload);
  Status OnCloseMessage(std::string_view payload);
  Status OnChannelMessage(uint64_t remote_id, uint64_t type,
                          std::string_view payload);
  Status FullyOpen(uint64_t remote_id);
  Status RunReady();
  Status Fail(Status status);

  void Write(uint64_t channel, uint64_t type, std::string_view payload);
  void FlushBatch();
  void FreeLocal(uint32_t channel);
  void DropRemote(uint64_t remote_id);
  void SendReject(uint64_t remote_id);
  void Forget(const Key& key);

  Options options_;
  Status error_;
  std::vector<std::string> output_;
  // Our channels by local id - 1 (null = free); free ids, lowest reused
  // first.
  std::vector<std::unique_ptr<Local>> local_;
  // The peer's channels by its id - 1 (null = closed or rejected).
  std::vector<std::unique_ptr<Remote>> remote_;
  std::map<Key, Pairing> pairing_;
  std::map<std::string, OpenListener*, std::less<>> listeners_;
  // Remote ids paired by Open but not yet announced to their handler.
  std::deque<uint64_t> ready_;
  size_t buffered_ = 0;
  int depth_ = 0;  // callbacks running (OnOpen waits for 0)
  int corked_ = 0;
  std::vector<std::pair<uint64_t, std::string>> batch_;
  size_t batch_bytes_ = 0;
};

}  // namespace bee::net

#endif  // BEE_NET_PROTOMUX_H_
