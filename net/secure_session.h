// SecureSession: one end of an encrypted hypercore connection, without I/O
// (../shared/spec/PROTOCOL.md §2-§4). It turns the raw bytes of a TCP
// stream into authenticated messages and back:
//
//   frames (u24le, net/frame.h)
//   ├─ Noise XX handshake, three messages (net/noise.h)
//   ├─ one id/header frame each way (net/secret_stream.h)
//   └─ secretstream messages; the empty ones are keep-alives
//
// A transport loop drives it:
//
//   auto session = SecureSession::Create(is_initiator, std::move(key_pair));
//   std::string out;                        // bytes to write to the socket
//   Status s = (*session)->Start(&out);     // the initiator's message 1
//   on bytes read:     s = session->Receive(bytes, &out, &messages);
//   on a message:      s = session->Send(plaintext, &out);
//   on idle:           s = session->SendKeepAlive(&out);
//   write `out` to the socket (in order); on any error, close the socket.
//
// Output is appended to caller-owned buffers, so the loop decides how to
// batch writes. Each element appended to `messages` is one plaintext, in
// order: exactly one Protomux frame for the layer above (§5.1).
// Keep-alives are dropped and counted. Messages passed to Send() before the
// handshake is done are queued and emitted, in order, after our id/header
// frame in the output of the call that completes it (as JS does).
//
// Limits: a received frame body may not exceed `max_frame_body` (default
// 2^24-1, as JS); until the peer's id/header frame has arrived, no frame
// may exceed the largest handshake body (96 bytes), so an unauthenticated
// peer cannot make the session buffer more. Send() refuses a message whose
// frame would exceed `max_frame_body` (InvalidArgument; the session stays
// usable). The first frame after the handshake must be the 56-byte
// id/header frame.
//
// Errors: any bad input from the peer (framing, handshake, header,
// decryption) fails the session for good: the call returns the Status, and
// every later call returns it again (the connection must be dropped).
// Output appended and messages delivered before the failing frame stay in
// the caller's buffers: they were produced or authenticated before it.
// Calls out of order (Receive before Start, Start twice) are
// InvalidArgument and fail the session too. Secrets (handshake state,
// transport keys) are wiped when the session fails or is destroyed.
//
// Not thread-safe: one session per connection, driven by one thread.
#ifndef BEE_NET_SECURE_SESSION_H_
#define BEE_NET_SECURE_SESSION_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "encoding/status.h"
#include "log/crypto.h"
#include "net/frame.h"
#include "net/noise.h"
#include "net/secret_stream.h"

namespace bee::net {

struct SecureSessionOptions {
  // The largest frame body received or sent once the handshake is over.
  // REQUIRES: kNoiseMessage2Size <= max_frame_body <= kMaxFrameBody.
  size_t max_frame_body = kMaxFrameBody;
  // The handshake's options: pinned ephemeral seed (tests), the expected
  // remote static key, a trace hook (tests).
  NoiseOptions noise;
  // Pins our secretstream header (tests that reproduce recorded sessions,
  // §4.2); random when empty, as it must be in production.
  std::optional<SecretStreamHeader> push_header_for_testing;
};

class SecureSession {
 public:
  enum class State : uint8_t {
    kNew,             // Start() not called yet
    kHandshake,       // Noise messages in flight
    kAwaitingHeader,  // our side is done; the peer's id/header frame is not
                      // here yet (we may send, nothing can be received)
    kOpen,            // messages flow both ways
    kFailed,          // see error()
  };

  // InvalidArgument when `static_key` has no secret key or the frame limit
  // is out of range.
  static Result<std::unique_ptr<SecureSession>> Create(
      bool is_initiator, log::KeyPair static_key,
      SecureSessionOptions options = {});

  SecureSession(const SecureSession&) = delete;
  SecureSession& operator=(const SecureSession&) = delete;
  ~SecureSession();

  // Appends the bytes to send first: the initiator's message 1 (35 bytes on
  // the wire); nothing for a responder. REQUIRES: state() == kNew.
  Status Start(std::string* out);

  // Consumes received bytes (any split of the stream). Appends to *out the
  // bytes to send in reply (handshake messages, our id/header frame, queued
  // messages) and to *messages every application message decrypted.
  // REQUIRES: Start() was called.
  Status Receive(std::string_view bytes, std::string* out,
                 std::vector<std::string>* messages);

  // Appends the frame of one message to *out, or queues the message while
  // the handshake is not done (see above). An empty plaintext is a
  // keep-alive.
  Status Send(std::string_view plaintext, std::string* out);
  Status SendKeepAlive(std::string* out) { return Send({}, out); }

  State state() const { return state_; }
  const Status& error() const { return error_; }
  bool is_initiator() const { return is_initiator_; }
  // True once our side of the handshake is done (kAwaitingHeader, kOpen).
  bool handshake_done() const;

  // REQUIRES: handshake_done().
  const HandshakeHash& handshake_hash() const;
  const log::PublicKey& remote_public_key() const;

  uint64_t messages_received() const { return messages_received_; }
  uint64_t keep_alives_received() const { return keep_alives_received_; }
  // Messages waiting for the handshake, and their bytes.
  size_t queued_messages() const { return queue_.size(); }
  size_t queued_bytes() const { return queued_bytes_; }
  // Received bytes not yet consumed (a partial frame).
  size_t buffered_bytes() const { return decoder_.buffered(); }

 private:
  SecureSession(bool is_initiator, std::unique_ptr<NoiseHandshake> handshake,
                SecureSessionOptions options);

  Status HandleFrame(std::string_view body, std::string* out,
                     std::vector<std::string>* messages);
  Status HandleHandshakeFrame(std::string_view body, std::string* out);
  Status HandleHeaderFrame(std::string_view body);
  Status HandleMessageFrame(std::string_view body,
                            std::vector<std::string>* messages);
  void OnHandshakeDone(std::string* out);
  void EncryptFrame(std::string_view plaintext, std::string* out);
  Status Fail(Status status);

  const bool is_initiator_;
  SecureSessionOptions options_;
  State state_ = State::kNew;
  Status error_;
  FrameDecoder decoder_;
  // Alive until the peer's header arrives (it holds our rx key until then).
  std::unique_ptr<NoiseHandshake> handshake_;
  std::optional<SecretStreamPush> push_;
  std::optional<SecretStreamPull> pull_;
  HandshakeHash handshake_hash_{};
  log::PublicKey remote_public_key_{};
  StreamId remote_stream_id_{};
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  uint64_t messages_received_ = 0;
  uint64_t keep_alives_received_ = 0;
  std::string body_;   // the frame being handled (reused)
  std::string plain_;  // its plaintext (reused)
};

}  // namespace bee::net

#endif  // BEE_NET_SECURE_SESSION_H_
