// The Noise XX handshake of a hypercore connection (../shared/spec/PROTOCOL.md
// §3), as a state machine without I/O: Noise_XX_Ed25519_ChaChaPoly_BLAKE2b,
// empty prologue, empty payloads, the DH being Ed25519 point multiplication
// (§3.2, not X25519) and the key derivation HMAC-BLAKE2b (§3.3, not keyed
// BLAKE2b).
//
//   initiator                          responder
//   WriteMessage() -> m1 (32 bytes)    ReadMessage(m1)
//   ReadMessage(m2)                    WriteMessage() -> m2 (96 bytes)
//   WriteMessage() -> m3 (64 bytes)    ReadMessage(m3)
//   done(): tx/rx keys, handshake hash, remote static key
//
// The bodies are bare: framing (u24le, net/frame.h) is the caller's.
//
// Errors: a call out of the XX order is InvalidArgument; a message of the
// wrong size or a key libsodium refuses as a DH input (small order,
// non-canonical, not in the main subgroup) is Corruption; a message that
// does not authenticate (AEAD tag) or a remote static key other than the
// expected one is VerificationFailed. Any error leaves the handshake failed
// (its secrets wiped):
// every later call returns that error, and the connection must be dropped.
//
// Secrets (the chaining key, cipher keys, the ephemeral key, the split
// keys) live in sodium_malloc'd memory and are wiped as soon as they are no
// longer needed, and at destruction.
//
// Not thread-safe: one handshake per connection, driven by one thread.
#ifndef BEE_NET_NOISE_H_
#define BEE_NET_NOISE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "encoding/result.h"
#include "encoding/status.h"
#include "log/crypto.h"

namespace bee::net {

inline constexpr std::string_view kNoiseProtocolName =
    "Noise_XX_Ed25519_ChaChaPoly_BLAKE2b";
inline constexpr size_t kNoiseHashSize = 64;  // HASHLEN: h, ck, HKDF outputs
inline constexpr size_t kNoiseKeySize = 32;   // cipher keys, DH outputs
inline constexpr size_t kNoiseTagSize = 16;   // ChaCha20-Poly1305 tag
// The sizes of the three messages (§3.4).
inline constexpr size_t kNoiseMessage1Size = 32;
inline constexpr size_t kNoiseMessage2Size = 32 + 32 + 16 + 16;
inline constexpr size_t kNoiseMessage3Size = 32 + 16 + 16;

using HandshakeHash = std::array<uint8_t, kNoiseHashSize>;
using CipherKey = std::span<const uint8_t, kNoiseKeySize>;

// One step of the symmetric state, as the JS recorder traced it
// (noise-session.json `trace`). For tests and debugging only: it exposes
// secrets. Views are valid during the callback only; a span is empty when
// the value does not exist yet (k before the first MixKey) or does not
// apply to the step.
struct NoiseTraceStep {
  // "init", "mixHash", "mixKey", "encryptAndHash", "decryptAndHash", "split"
  std::string_view what;
  std::span<const uint8_t> h;
  std::span<const uint8_t> ck;
  std::span<const uint8_t> k;
  uint64_t n = 0;               // the nonce counter after the step
  std::span<const uint8_t> dh;  // mixKey: the DH output
  std::span<const uint8_t> tx;  // split
  std::span<const uint8_t> rx;  // split
};

struct NoiseOptions {
  // The ephemeral key pair's seed. Tests pin it to reproduce recorded
  // sessions; leave empty in production (a random key per handshake).
  std::optional<log::Seed> ephemeral_seed;
  // When set, a remote static key other than this one fails the handshake
  // (VerificationFailed). XX authenticates whatever key the peer holds; it
  // is the caller who decides whether that key is the one it wanted.
  std::optional<log::PublicKey> expected_remote_key;
  // Called after every step of the symmetric state (tests only).
  std::function<void(const NoiseTraceStep&)> trace;
};

class NoiseHandshake {
 public:
  // InvalidArgument when `static_key` has no secret key.
  static Result<std::unique_ptr<NoiseHandshake>> Create(
      bool is_initiator, log::KeyPair static_key, NoiseOptions options = {});

  NoiseHandshake(const NoiseHandshake&) = delete;
  NoiseHandshake& operator=(const NoiseHandshake&) = delete;
  ~NoiseHandshake();

  // Appends the next message body to *out.
  // REQUIRES (else InvalidArgument): next_is_write().
  Status WriteMessage(std::string* out);
  // Consumes the next message body from the peer.
  // REQUIRES (else InvalidArgument): !next_is_write() && !done().
  Status ReadMessage(std::string_view body);

  bool is_initiator() const { return is_initiator_; }
  // True when the next step is ours to write (and the handshake is alive).
  bool next_is_write() const;
  // True once the third message was written (initiator) or read
  // (responder) without error.
  bool done() const { return step_ == kSteps && !failed(); }
  bool failed() const { return !error_.ok(); }
  const Status& error() const { return error_; }

  // REQUIRES: done().
  const HandshakeHash& handshake_hash() const;
  const log::PublicKey& remote_public_key() const;
  // The transport keys (§3.3 Split): ours to encrypt, the peer's to
  // decrypt. Valid until this object is destroyed (then wiped).
  CipherKey tx_key() const;
  CipherKey rx_key() const;
  const log::PublicKey& local_public_key() const {
    return static_key_.public_key();
  }

 private:
  struct Secrets;
  struct SecretsFree {
    void operator()(Secrets* p) const;
  };
  static constexpr int kSteps = 3;

  NoiseHandshake(bool is_initiator, log::KeyPair static_key,
                 NoiseOptions options);

  // The symmetric state (§3.3).
  void MixHash(std::string_view data);
  Status MixKey(const log::PublicKey& remote, bool local_ephemeral,
                std::string_view what);
  void EncryptAndHash(std::string_view plaintext, std::string* out);
  Status DecryptAndHash(std::string_view ciphertext, std::string* plaintext,
                        std::string_view what);
  void Split();
  void Trace(std::string_view what, std::span<const uint8_t> dh = {});

  // The tokens of each message (§3.4).
  Status WriteEphemeral(std::string* out);
  Status ReadEphemeral(std::string_view body);
  Status ReadStatic(std::string_view ciphertext, std::string_view what);
  Status CheckRemoteKey();
  Status Fail(Status status);

  bool is_initiator_;
  int step_ = 0;  // messages of the XX pattern processed so far
  Status error_;
  log::KeyPair static_key_;
  std::optional<log::KeyPair> ephemeral_;
  NoiseOptions options_;
  std::unique_ptr<Secrets, SecretsFree> secrets_;  // ck, k, split keys
  HandshakeHash h_{};
  bool has_key_ = false;
  uint64_t n_ = 0;
  log::PublicKey remote_ephemeral_{};
  log::PublicKey remote_static_{};
};

}  // namespace bee::net

#endif  // BEE_NET_NOISE_H_
