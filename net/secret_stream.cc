// Secretstream (../shared/spec/PROTOCOL.md §4):
//
//   NS[i]        = B2b-32(B2b-32("hyperswarm/secret-stream") ‖ byte(i))
//   streamId(r)  = B2b-32[key = handshake hash (64)](NS[r])   r: 0 I, 1 R
//   header frame = streamId(own role) (32) ‖ secretstream header (24)
//   message      = crypto_secretstream_xchacha20poly1305_push(m, ad = none,
//                  tag = TAG_MESSAGE): len(m) + 17 bytes
#include "net/secret_stream.h"

#include <sodium.h>

#include <cstring>

namespace bee::net {

static_assert(crypto_secretstream_xchacha20poly1305_HEADERBYTES ==
              kSecretStreamHeaderSize);
static_assert(crypto_secretstream_xchacha20poly1305_ABYTES ==
              kSecretStreamOverhead);
static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == kNoiseKeySize);

namespace {

struct Namespaces {
  Hash32 values[3];
  Namespaces() {
    log::InitCrypto();
    static constexpr std::string_view kName = "hyperswarm/secret-stream";
    Hash32 base;
    crypto_generichash(base.data(), base.size(),
                       reinterpret_cast<const uint8_t*>(kName.data()),
                       kName.size(), nullptr, 0);
    for (uint8_t i = 0; i < 3; i++) {
      uint8_t in[33];
      std::memcpy(in, base.data(), 32);
      in[32] = i;
      crypto_generichash(values[i].data(), 32, in, sizeof(in), nullptr, 0);
    }
  }
};

}  // namespace

const Hash32& SecretStreamNamespace(uint8_t i) {
  static const Namespaces kNamespaces;
  return kNamespaces.values[i];
}

StreamId ComputeStreamId(const HandshakeHash& handshake_hash, bool initiator) {
  const Hash32& ns = SecretStreamNamespace(initiator ? 0 : 1);
  StreamId id;
  crypto_generichash(id.data(), id.size(), ns.data(), ns.size(),
                     handshake_hash.data(), handshake_hash.size());
  return id;
}

void AppendHeaderFrame(const StreamId& id, const SecretStreamHeader& header,
                       std::string* out) {
  out->append(AsChars(id));
  out->append(AsChars(header));
}

Result<SecretStreamHeader> ParseHeaderFrame(std::string_view body,
                                            const StreamId& expected) {
  if (body.size() != kHeaderFrameSize) {
    return Status::Corruption(
        "secret stream: the peer's first frame after the handshake has " +
        std::to_string(body.size()) + " bytes, expected " +
        std::to_string(kHeaderFrameSize) + " (stream id and header)");
  }
  if (std::memcmp(body.data(), expected.data(), kStreamIdSize) != 0) {
    return Status::Corruption("secret stream: the peer's stream id is " +
                              HexEncode(body.substr(0, kStreamIdSize)) +
                              ", expected " + HexEncode(expected) +
                              " (not the peer of this handshake)");
  }
  SecretStreamHeader header;
  std::memcpy(header.data(), body.data() + kStreamIdSize, header.size());
  return header;
}

struct SecretStreamPush::State {
  crypto_secretstream_xchacha20poly1305_state s;
};
struct SecretStreamPull::State {
  crypto_secretstream_xchacha20poly1305_state s;
};

namespace {

template <typename T>
T* NewSecureState() {
  log::InitCrypto();
  auto* p = static_cast<T*>(sodium_malloc(sizeof(T)));
  if (p == nullptr) abort();  // out of secure memory
  return p;
}

}  // namespace

void SecretStreamPush::StateFree::operator()(State* p) const {
  sodium_free(p);  // wipes the region before releasing it
}
void SecretStreamPull::StateFree::operator()(State* p) const { sodium_free(p); }

SecretStreamPush::SecretStreamPush(CipherKey key)
    : state_(NewSecureState<State>()) {
  crypto_secretstream_xchacha20poly1305_init_push(&state_->s, header_.data(),
                                                  key.data());
}

SecretStreamPush SecretStreamPush::WithHeaderForTesting(
    CipherKey key, const SecretStreamHeader& header) {
  SecretStreamPush push;
  push.state_.reset(NewSecureState<State>());
  push.header_ = header;
  // init_pull never fails in libsodium 1.0.18 (it only copies the nonce).
  (void)crypto_secretstream_xchacha20poly1305_init_pull(
      &push.state_->s, header.data(), key.data());
  return push;
}

void SecretStreamPush::Encrypt(std::string_view plaintext, std::string* out) {
  const size_t start = out->size();
  out->resize(start + plaintext.size() + kSecretStreamOverhead);
  crypto_secretstream_xchacha20poly1305_push(
      &state_->s, reinterpret_cast<uint8_t*>(out->data() + start), nullptr,
      reinterpret_cast<const uint8_t*>(plaintext.data()), plaintext.size(),
      nullptr, 0, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
}

SecretStreamPull::SecretStreamPull(CipherKey key,
                                   const SecretStreamHeader& header)
    : state_(NewSecureState<State>()) {
  (void)crypto_secretstream_xchacha20poly1305_init_pull(
      &state_->s, header.data(), key.data());
}

Status SecretStreamPull::Decrypt(std::string_view ciphertext,
                                 std::string* plaintext) {
  if (!error_.ok()) return error_;
  plaintext->clear();
  if (ciphertext.size() < kSecretStreamOverhead) {
    error_ = Status::Corruption(
        "secret stream: message " + std::to_string(messages_) + " has " +
        std::to_string(ciphertext.size()) +
        " bytes, fewer than the 17 every message carries");
    return error_;
  }
  plaintext->resize(ciphertext.size() - kSecretStreamOverhead);
  unsigned char tag = 0;
  // JS ignores the tag's value (§4.2); libsodium rekeys on its own when the
  // tag asks for it.
  if (crypto_secretstream_xchacha20poly1305_pull(
          &state_->s, reinterpret_cast<uint8_t*>(plaintext->data()), nullptr,
          &tag, reinterpret_cast<const uint8_t*>(ciphertext.data()),
          ciphertext.size(), nullptr, 0) != 0) {
    plaintext->clear();
    error_ = Status::Corruption(
        "secret stream: message " + std::to_string(messages_) + " (" +
        std::to_string(ciphertext.size()) +
        " bytes) does not decrypt: damaged, reordered or forged");
    return error_;
  }
  messages_++;
  return Status::OK();
}

}  // namespace bee::net
