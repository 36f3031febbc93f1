// The secretstream layer of a hypercore connection
// (../shared/spec/PROTOCOL.md §4), after the Noise handshake (net/noise.h):
//
//   - each side sends one 56-byte frame body, `streamId(own role) ‖
//     header(24)` (§4.1), where streamId(role) = B2b-32 keyed with the
//     64-byte handshake hash over NS_INITIATOR or NS_RESPONDER;
//   - every later frame body is one crypto_secretstream_xchacha20poly1305
//     message, plaintext + 17 bytes, tag TAG_MESSAGE, no AD (§4.2);
//   - an empty plaintext is a keep-alive (§4.3).
//
// SecretStreamPush encrypts with our tx key, SecretStreamPull decrypts with
// our rx key and the header the peer sent. Both hold key material (the
// libsodium state) in sodium_malloc'd memory, wiped on destruction. Any
// decryption failure is Corruption and leaves the pull failed for good: the
// connection must end (JS destroys its stream too).
//
// Not thread-safe: one push and one pull per connection, each driven by one
// thread.
#ifndef BEE_NET_SECRET_STREAM_H_
#define BEE_NET_SECRET_STREAM_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "encoding/bytes.h"
#include "encoding/result.h"
#include "encoding/status.h"
#include "net/noise.h"

namespace bee::net {

inline constexpr size_t kStreamIdSize = 32;
inline constexpr size_t kSecretStreamHeaderSize = 24;
inline constexpr size_t kHeaderFrameSize =
    kStreamIdSize + kSecretStreamHeaderSize;  // 56
// Bytes a message adds to its plaintext: the encrypted tag byte and the MAC.
inline constexpr size_t kSecretStreamOverhead = 17;

using StreamId = Hash32;
using SecretStreamHeader = std::array<uint8_t, kSecretStreamHeaderSize>;

// The namespaces of @hyperswarm/secret-stream (§4.1): B2b-32(base ‖ byte(i))
// with base = B2b-32("hyperswarm/secret-stream"); 0 initiator, 1
// responder, 2 send (UDP only).
const Hash32& SecretStreamNamespace(uint8_t i);

// streamId of the side whose role is `initiator` (§4.1).
StreamId ComputeStreamId(const HandshakeHash& handshake_hash, bool initiator);

// Appends the 56-byte id/header frame body `id ‖ header` to *out.
void AppendHeaderFrame(const StreamId& id, const SecretStreamHeader& header,
                       std::string* out);

// Checks the peer's first post-handshake frame body: Corruption naming the
// size when it is not 56 bytes, naming both ids when its id is not
// `expected`. Returns the peer's secretstream header.
Result<SecretStreamHeader> ParseHeaderFrame(std::string_view body,
                                            const StreamId& expected);

class SecretStreamPush {
 public:
  // A push state with a random header (init_push).
  explicit SecretStreamPush(CipherKey key);
  // A push state whose header is `header` (§4.2: init_pull with a chosen
  // header leaves the state exactly as the init_push that produced it).
  // For tests that reproduce recorded sessions; never in production, where
  // a header must not repeat under one key.
  static SecretStreamPush WithHeaderForTesting(
      CipherKey key, const SecretStreamHeader& header);

  SecretStreamPush(SecretStreamPush&&) noexcept = default;
  SecretStreamPush& operator=(SecretStreamPush&&) noexcept = default;
  ~SecretStreamPush() = default;

  const SecretStreamHeader& header() const { return header_; }

  // Appends the ciphertext of one message (plaintext.size() + 17 bytes,
  // unframed) to *out. An empty plaintext makes a keep-alive.
  void Encrypt(std::string_view plaintext, std::string* out);

 private:
  struct State;
  struct StateFree {
    void operator()(State* p) const;
  };
  SecretStreamPush() = default;

  std::unique_ptr<State, StateFree> state_;
  SecretStreamHeader header_{};
};

class SecretStreamPull {
 public:
  // init_pull with our rx key and the header the peer sent.
  SecretStreamPull(CipherKey key, const SecretStreamHeader& header);

  SecretStreamPull(SecretStreamPull&&) noexcept = default;
  SecretStreamPull& operator=(SecretStreamPull&&) noexcept = default;
  ~SecretStreamPull() = default;

  // Decrypts one message (an unframed frame body) into *plaintext
  // (replacing its contents). Corruption when it is shorter than 17 bytes
  // or does not authenticate; the pull then stays failed.
  Status Decrypt(std::string_view ciphertext, std::string* plaintext);

  uint64_t messages() const { return messages_; }

 private:
  struct State;
  struct StateFree {
    void operator()(State* p) const;
  };

  std::unique_ptr<State, StateFree> state_;
  uint64_t messages_ = 0;  // decrypted so far, for error messages
  Status error_;
};

}  // namespace bee::net

#endif  // BEE_NET_SECRET_STREAM_H_
