// Noise XX (../shared/spec/PROTOCOL.md §3):
//
//   init:  h = name zero-padded to 64; ck = h; h = B2b-64(h)  (empty prologue)
//   m1 (I->R, 32 bytes):  e                    e.pub ‖ Enc("")
//   m2 (R->I, 96 bytes):  e, ee, s, es         e.pub ‖ Enc(s.pub) ‖ Enc("")
//   m3 (I->R, 64 bytes):  s, se                Enc(s.pub) ‖ Enc("")
//
//   MixHash(d):   h = B2b-64(h ‖ d)
//   MixKey(dh):   (ck, t) = HKDF(ck, dh); k = t[0..32]; n = 0
//   HKDF(ck, x):  prk = HMAC(ck, x); o1 = HMAC(prk, 01); o2 = HMAC(prk, o1 ‖
//   02) HMAC:         BLAKE2b-512, 128-byte block, ipad 0x36 / opad 0x5c
//   Enc(p):       ChaCha20-Poly1305 IETF, nonce 0^4 ‖ u32le(n) ‖ 0^4, ad = h;
//                 the bare plaintext while there is no key; then MixHash(c)
//   DH(l, r):     crypto_scalarmult_ed25519(SHA-512(l.seed)[0..32], r)
//   Split:        (o1, o2) = HKDF(ck, ""); initiator tx = o1[0..32], rx =
//                 o2[0..32]; the responder the other way round
#include "net/noise.h"

#include <sodium.h>

#include <cassert>
#include <cstring>

#include "encoding/bytes.h"

namespace bee::net {
namespace {

static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == kNoiseKeySize);
static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == kNoiseTagSize);
static_assert(crypto_scalarmult_ed25519_BYTES == kNoiseKeySize);
static_assert(kNoiseProtocolName.size() <= kNoiseHashSize);

constexpr size_t kHmacBlock = 128;  // BLAKE2b's block size

using Hash64 = std::array<uint8_t, kNoiseHashSize>;

const uint8_t* U8(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// HMAC-BLAKE2b-512 over the concatenation of `parts`.
// REQUIRES: key.size() <= kHmacBlock.
void Hmac(std::span<const uint8_t> key,
          std::initializer_list<std::span<const uint8_t>> parts,
          uint8_t out[kNoiseHashSize]) {
  assert(key.size() <= kHmacBlock);
  uint8_t pad[kHmacBlock];
  uint8_t inner[kNoiseHashSize];
  crypto_generichash_state state;
  std::memset(pad, 0x36, sizeof(pad));
  for (size_t i = 0; i < key.size(); i++) pad[i] ^= key[i];
  crypto_generichash_init(&state, nullptr, 0, kNoiseHashSize);
  crypto_generichash_update(&state, pad, sizeof(pad));
  for (auto part : parts) {
    crypto_generichash_update(&state, part.data(), part.size());
  }
  crypto_generichash_final(&state, inner, sizeof(inner));
  std::memset(pad, 0x5c, sizeof(pad));
  for (size_t i = 0; i < key.size(); i++) pad[i] ^= key[i];
  crypto_generichash_init(&state, nullptr, 0, kNoiseHashSize);
  crypto_generichash_update(&state, pad, sizeof(pad));
  crypto_generichash_update(&state, inner, sizeof(inner));
  crypto_generichash_final(&state, out, kNoiseHashSize);
  sodium_memzero(pad, sizeof(pad));
  sodium_memzero(inner, sizeof(inner));
  sodium_memzero(&state, sizeof(state));
}

// HKDF with two outputs and empty info (§3.3).
void Hkdf(std::span<const uint8_t> ck, std::span<const uint8_t> ikm,
          uint8_t o1[kNoiseHashSize], uint8_t o2[kNoiseHashSize]) {
  uint8_t prk[kNoiseHashSize];
  const uint8_t one = 1;
  const uint8_t two = 2;
  Hmac(ck, {ikm}, prk);
  Hmac(prk, {{&one, 1}}, o1);
  Hmac(prk, {{o1, kNoiseHashSize}, {&two, 1}}, o2);
  sodium_memzero(prk, sizeof(prk));
}

void Nonce(uint64_t n,
           uint8_t out[crypto_aead_chacha20poly1305_ietf_NPUBBYTES]) {
  std::memset(out, 0, crypto_aead_chacha20poly1305_ietf_NPUBBYTES);
  for (int i = 0; i < 4; i++) out[4 + i] = static_cast<uint8_t>(n >> (8 * i));
}

// DH(local, remote) of §3.2; false when libsodium refuses the remote point
// (or the result is the identity).
bool Dh(const log::KeyPair& local, const log::PublicKey& remote,
        uint8_t out[kNoiseKeySize]) {
  uint8_t expanded[crypto_hash_sha512_BYTES];
  crypto_hash_sha512(expanded, local.secret_key().data(), 32);  // the seed
  // crypto_scalarmult_ed25519 clamps its scalar as §3.2 asks.
  const bool ok = crypto_scalarmult_ed25519(out, expanded, remote.data()) == 0;
  sodium_memzero(expanded, sizeof(expanded));
  if (!ok) sodium_memzero(out, kNoiseKeySize);
  return ok;
}

const char* MessageName(int step) {
  static const char* const kNames[] = {
      "handshake message 1", "handshake message 2", "handshake message 3"};
  return kNames[step];
}

}  // namespace

struct NoiseHandshake::Secrets {
  uint8_t ck[kNoiseHashSize];
  uint8_t k[kNoiseKeySize];
  uint8_t tx[kNoiseKeySize];
  uint8_t rx[kNoiseKeySize];
};

void NoiseHandshake::SecretsFree::operator()(Secrets* p) const {
  sodium_free(p);  // wipes the region before releasing it
}

Result<std::unique_ptr<NoiseHandshake>> NoiseHandshake::Create(
    bool is_initiator, log::KeyPair static_key, NoiseOptions options) {
  if (!static_key.has_secret_key()) {
    return Status::InvalidArgument(
        "noise: the static key pair has no secret key");
  }
  return std::unique_ptr<NoiseHandshake>(new NoiseHandshake(
      is_initiator, std::move(static_key), std::move(options)));
}

NoiseHandshake::NoiseHandshake(bool is_initiator, log::KeyPair static_key,
                               NoiseOptions options)
    : is_initiator_(is_initiator),
      static_key_(std::move(static_key)),
      options_(std::move(options)) {
  log::InitCrypto();
  secrets_.reset(static_cast<Secrets*>(sodium_malloc(sizeof(Secrets))));
  if (secrets_ == nullptr) abort();  // out of secure memory
  sodium_memzero(secrets_.get(), sizeof(Secrets));
  std::memcpy(h_.data(), kNoiseProtocolName.data(), kNoiseProtocolName.size());
  std::memcpy(secrets_->ck, h_.data(), kNoiseHashSize);
  MixHash({});  // the empty prologue
  Trace("init");
}

NoiseHandshake::~NoiseHandshake() = default;

bool NoiseHandshake::next_is_write() const {
  if (failed() || done()) return false;
  // The initiator writes messages 1 and 3, the responder message 2.
  return (step_ % 2 == 0) == is_initiator_;
}

const HandshakeHash& NoiseHandshake::handshake_hash() const {
  assert(done());
  return h_;
}

const log::PublicKey& NoiseHandshake::remote_public_key() const {
  assert(done());
  return remote_static_;
}

CipherKey NoiseHandshake::tx_key() const {
  assert(done());
  return CipherKey(secrets_->tx, kNoiseKeySize);
}

CipherKey NoiseHandshake::rx_key() const {
  assert(done());
  return CipherKey(secrets_->rx, kNoiseKeySize);
}

Status NoiseHandshake::Fail(Status status) {
  error_ = status;
  ephemeral_.reset();
  sodium_memzero(secrets_.get(), sizeof(Secrets));
  has_key_ = false;
  return status;
}

void NoiseHandshake::Trace(std::string_view what, std::span<const uint8_t> dh) {
  if (!options_.trace) return;
  NoiseTraceStep step;
  step.what = what;
  step.h = h_;
  step.ck = std::span<const uint8_t>(secrets_->ck, kNoiseHashSize);
  if (has_key_) step.k = std::span<const uint8_t>(secrets_->k, kNoiseKeySize);
  step.n = n_;
  step.dh = dh;
  if (what == "split") {
    step.k = {};
    step.tx = std::span<const uint8_t>(secrets_->tx, kNoiseKeySize);
    step.rx = std::span<const uint8_t>(secrets_->rx, kNoiseKeySize);
  }
  options_.trace(step);
}

void NoiseHandshake::MixHash(std::string_view data) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, kNoiseHashSize);
  crypto_generichash_update(&state, h_.data(), h_.size());
  crypto_generichash_update(&state, U8(data), data.size());
  crypto_generichash_final(&state, h_.data(), h_.size());
}

Status NoiseHandshake::MixKey(const log::PublicKey& remote,
                              bool local_ephemeral, std::string_view what) {
  uint8_t dh[kNoiseKeySize];
  if (!Dh(local_ephemeral ? *ephemeral_ : static_key_, remote, dh)) {
    return Status::Corruption(
        std::string(MessageName(step_)) + ": libsodium refuses the " +
        std::string(what) + " " + HexEncode(remote) +
        " as a DH input (small order, non-canonical or not on the curve)");
  }
  uint8_t o1[kNoiseHashSize];
  uint8_t o2[kNoiseHashSize];
  Hkdf(std::span<const uint8_t>(secrets_->ck, kNoiseHashSize), dh, o1, o2);
  std::memcpy(secrets_->ck, o1, kNoiseHashSize);
  std::memcpy(secrets_->k, o2, kNoiseKeySize);
  sodium_memzero(o1, sizeof(o1));
  sodium_memzero(o2, sizeof(o2));
  has_key_ = true;
  n_ = 0;
  Trace("mixKey", dh);
  sodium_memzero(dh, sizeof(dh));
  return Status::OK();
}

void NoiseHandshake::EncryptAndHash(std::string_view plaintext,
                                    std::string* out) {
  const size_t start = out->size();
  if (!has_key_) {
    out->append(plaintext);
  } else {
    uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
    Nonce(n_, nonce);
    out->resize(start + plaintext.size() + kNoiseTagSize);
    unsigned long long written = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(
        reinterpret_cast<uint8_t*>(out->data() + start), &written,
        U8(plaintext), plaintext.size(), h_.data(), h_.size(), nullptr, nonce,
        secrets_->k);
    n_++;
  }
  MixHash(std::string_view(*out).substr(start));
  Trace("encryptAndHash");
}

Status NoiseHandshake::DecryptAndHash(std::string_view ciphertext,
                                      std::string* plaintext,
                                      std::string_view what) {
  plaintext->clear();
  if (!has_key_) {
    plaintext->assign(ciphertext);
  } else {
    assert(ciphertext.size() >= kNoiseTagSize);
    uint8_t nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
    Nonce(n_, nonce);
    plaintext->resize(ciphertext.size() - kNoiseTagSize);
    unsigned long long written = 0;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(
            reinterpret_cast<uint8_t*>(plaintext->data()), &written, nullptr,
            U8(ciphertext), ciphertext.size(), h_.data(), h_.size(), nonce,
            secrets_->k) != 0) {
      plaintext->clear();
      return Status::VerificationFailed(
          std::string(MessageName(step_)) + ": the " + std::string(what) +
          " does not authenticate (bad AEAD tag: damaged, or a peer that "
          "does not hold the keys of this handshake)");
    }
    n_++;
  }
  MixHash(ciphertext);
  Trace("decryptAndHash");
  return Status::OK();
}

void NoiseHandshake::Split() {
  uint8_t o1[kNoiseHashSize];
  uint8_t o2[kNoiseHashSize];
  Hkdf(std::span<const uint8_t>(secrets_->ck, kNoiseHashSize), {}, o1, o2);
  std::memcpy(is_initiator_ ? secrets_->tx : secrets_->rx, o1, kNoiseKeySize);
  std::memcpy(is_initiator_ ? secrets_->rx : secrets_->tx, o2, kNoiseKeySize);
  sodium_memzero(o1, sizeof(o1));
  sodium_memzero(o2, sizeof(o2));
  Trace("split");
  // The handshake state is no longer needed: only the split keys stay.
  sodium_memzero(secrets_->ck, sizeof(secrets_->ck));
  sodium_memzero(secrets_->k, sizeof(secrets_->k));
  has_key_ = false;
  ephemeral_.reset();
}

Status NoiseHandshake::WriteEphemeral(std::string* out) {
  ephemeral_ = options_.ephemeral_seed
                   ? log::KeyPair::FromSeed(*options_.ephemeral_seed)
                   : log::KeyPair::Random();
  const log::PublicKey& pub = ephemeral_->public_key();
  MixHash(AsChars(pub));
  Trace("mixHash");
  out->append(AsChars(pub));
  return Status::OK();
}

Status NoiseHandshake::ReadEphemeral(std::string_view body) {
  std::memcpy(remote_ephemeral_.data(), body.data(), 32);
  MixHash(body.substr(0, 32));
  Trace("mixHash");
  return Status::OK();
}

Status NoiseHandshake::ReadStatic(std::string_view ciphertext,
                                  std::string_view what) {
  std::string plain;
  BEE_RETURN_IF_ERROR(DecryptAndHash(ciphertext, &plain, what));
  std::memcpy(remote_static_.data(), plain.data(), 32);
  return Status::OK();
}

Status NoiseHandshake::CheckRemoteKey() {
  if (options_.expected_remote_key &&
      *options_.expected_remote_key != remote_static_) {
    return Status::VerificationFailed(
        "noise: the peer's static key is " + HexEncode(remote_static_) +
        ", expected " + HexEncode(*options_.expected_remote_key));
  }
  return Status::OK();
}

Status NoiseHandshake::WriteMessage(std::string* out) {
  if (failed()) return error_;
  if (!next_is_write()) {
    return Fail(Status::InvalidArgument(
        done() ? "noise: WriteMessage after the handshake is done"
               : std::string("noise: WriteMessage while ") +
                     MessageName(step_) + " is expected from the peer"));
  }
  std::string msg;
  Status s;
  if (step_ == 0) {  // -> e
    s = WriteEphemeral(&msg);
  } else if (step_ == 1) {  // <- e, ee, s, es
    s = WriteEphemeral(&msg);
    if (s.ok()) s = MixKey(remote_ephemeral_, true, "remote ephemeral key");
    if (s.ok()) EncryptAndHash(AsChars(static_key_.public_key()), &msg);
    if (s.ok()) s = MixKey(remote_ephemeral_, false, "remote ephemeral key");
  } else {  // -> s, se
    EncryptAndHash(AsChars(static_key_.public_key()), &msg);
    s = MixKey(remote_ephemeral_, false, "remote ephemeral key");
  }
  if (!s.ok()) return Fail(s);
  EncryptAndHash({}, &msg);  // the empty payload
  step_++;
  if (done()) Split();
  out->append(msg);
  return Status::OK();
}

Status NoiseHandshake::ReadMessage(std::string_view body) {
  if (failed()) return error_;
  if (done() || next_is_write()) {
    return Fail(Status::InvalidArgument(
        done() ? "noise: ReadMessage after the handshake is done"
               : std::string("noise: ReadMessage while it is our turn to "
                             "write ") +
                     MessageName(step_)));
  }
  static constexpr size_t kSizes[] = {kNoiseMessage1Size, kNoiseMessage2Size,
                                      kNoiseMessage3Size};
  if (body.size() != kSizes[step_]) {
    return Fail(Status::Corruption(std::string(MessageName(step_)) + " has " +
                                   std::to_string(body.size()) +
                                   " bytes, expected " +
                                   std::to_string(kSizes[step_])));
  }
  std::string payload;
  Status s;
  if (step_ == 0) {  // -> e
    s = ReadEphemeral(body);
    body.remove_prefix(32);
  } else if (step_ == 1) {  // <- e, ee, s, es
    s = ReadEphemeral(body);
    if (s.ok()) s = MixKey(remote_ephemeral_, true, "remote ephemeral key");
    if (s.ok()) s = ReadStatic(body.substr(32, 48), "responder's static key");
    if (s.ok()) s = MixKey(remote_static_, true, "remote static key");
    body.remove_prefix(80);
  } else {  // -> s, se
    s = ReadStatic(body.substr(0, 48), "initiator's static key");
    if (s.ok()) s = MixKey(remote_static_, true, "remote static key");
    body.remove_prefix(48);
  }
  if (s.ok()) s = DecryptAndHash(body, &payload, "payload");
  if (s.ok() && step_ >= 1) s = CheckRemoteKey();
  if (!s.ok()) return Fail(s);
  step_++;
  if (done()) Split();
  return Status::OK();
}

}  // namespace bee::net
