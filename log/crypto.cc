// Hash domains (FORMAT.md §13-15):
//   leaf   = H(00 ‖ u64le(len) ‖ data)
//   parent = H(01 ‖ u64le(size_a + size_b) ‖ hash_a ‖ hash_b)
//   tree   = H(02 ‖ (hash ‖ u64le(index) ‖ u64le(size))*)
//   ns[i]  = H(H("hypercore") ‖ byte(i))
//   key    = H(ns[MANIFEST] ‖ manifest)            (v1 cores)
//   dkey   = H_keyed(key)("hypercore")
//   cap    = H_keyed(handshake hash)(ns[role] ‖ key)  (PROTOCOL.md §6.2)
#include "log/crypto.h"

#include <sodium.h>

#include <cassert>
#include <cstring>
#include <mutex>

#include "encoding/varint.h"

namespace bee::log {
namespace {

class Hasher {
 public:
  Hasher() { crypto_generichash_init(&state_, nullptr, 0, 32); }
  void Update(const void* data, size_t n) {
    crypto_generichash_update(&state_, static_cast<const uint8_t*>(data), n);
  }
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  void Update(const Hash32& h) { Update(h.data(), h.size()); }
  void UpdateByte(uint8_t b) { Update(&b, 1); }
  void UpdateU64(uint64_t v) {
    char buf[8];
    EncodeFixed64(buf, v);
    Update(buf, 8);
  }
  Hash32 Final() {
    Hash32 out;
    crypto_generichash_final(&state_, out.data(), out.size());
    return out;
  }

 private:
  crypto_generichash_state state_;
};

Hash32 HashOf(std::string_view data) {
  Hash32 out;
  crypto_generichash(out.data(), out.size(),
                     reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                     nullptr, 0);
  return out;
}

struct Namespaces {
  Hash32 values[6];
  Namespaces() {
    Hash32 base = HashOf("hypercore");
    for (uint8_t i = 0; i < 6; i++) {
      Hasher h;
      h.Update(base);
      h.UpdateByte(i);
      values[i] = h.Final();
    }
  }
};

}  // namespace

void InitCrypto() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) abort();  // libsodium cannot run at all
  });
}

Hash32 Blake2b256(std::string_view data) { return HashOf(data); }

Hash32 LeafHash(std::string_view data) {
  // One contiguous buffer for small blocks is measurably faster than three
  // incremental updates.
  char prefix[9];
  prefix[0] = 0;
  EncodeFixed64(prefix + 1, data.size());
  if (data.size() <= 247) {
    char buf[256];
    std::memcpy(buf, prefix, 9);
    // An empty view may have a null data(), which memcpy must not get.
    if (!data.empty()) std::memcpy(buf + 9, data.data(), data.size());
    return HashOf(std::string_view(buf, 9 + data.size()));
  }
  Hasher h;
  h.Update(prefix, 9);
  h.Update(data);
  return h.Final();
}

TreeNode LeafNode(uint64_t block_index, std::string_view data) {
  return TreeNode{2 * block_index, data.size(), LeafHash(data)};
}

Hash32 ParentHash(const TreeNode& a, const TreeNode& b) {
  assert(a.index < b.index);
  char buf[73];
  buf[0] = 1;
  EncodeFixed64(buf + 1, a.size + b.size);
  std::memcpy(buf + 9, a.hash.data(), 32);
  std::memcpy(buf + 41, b.hash.data(), 32);
  return HashOf(std::string_view(buf, sizeof(buf)));
}

TreeNode ParentNode(const TreeNode& a, const TreeNode& b) {
  uint64_t index = (a.index + b.index) / 2;  // the parent of two siblings
  return TreeNode{index, a.size + b.size, ParentHash(a, b)};
}

Hash32 TreeHash(std::span<const TreeNode> roots) {
  Hasher h;
  h.UpdateByte(2);
  for (const TreeNode& r : roots) {
    h.Update(r.hash);
    h.UpdateU64(r.index);
    h.UpdateU64(r.size);
  }
  return h.Final();
}

const Hash32& NamespaceHash(Namespace ns) {
  static const Namespaces kNamespaces;
  return kNamespaces.values[static_cast<uint8_t>(ns)];
}

void KeyPair::SodiumFree::operator()(uint8_t* p) const { sodium_free(p); }

KeyPair KeyPair::FromSeed(const Seed& seed) {
  InitCrypto();
  KeyPair kp;
  kp.secret_.reset(
      static_cast<uint8_t*>(sodium_malloc(crypto_sign_SECRETKEYBYTES)));
  if (kp.secret_ == nullptr) abort();  // out of secure memory
  crypto_sign_seed_keypair(kp.public_key_.data(), kp.secret_.get(),
                           seed.data());
  return kp;
}

KeyPair KeyPair::Random() {
  InitCrypto();
  Seed seed;
  randombytes_buf(seed.data(), seed.size());
  KeyPair kp = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return kp;
}

KeyPair KeyPair::PublicOnly(const PublicKey& public_key) {
  KeyPair kp;
  kp.public_key_ = public_key;
  return kp;
}

std::span<const uint8_t> KeyPair::secret_key() const {
  assert(has_secret_key());
  return {secret_.get(), crypto_sign_SECRETKEYBYTES};
}

Signature64 KeyPair::Sign(std::string_view message) const {
  assert(has_secret_key());
  Signature64 sig;
  crypto_sign_detached(sig.data(), nullptr,
                       reinterpret_cast<const uint8_t*>(message.data()),
                       message.size(), secret_.get());
  return sig;
}

KeyPair KeyPair::Clone() const {
  if (!has_secret_key()) return PublicOnly(public_key_);
  Seed seed;
  std::memcpy(seed.data(), secret_.get(), seed.size());
  KeyPair kp = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return kp;
}

bool VerifySignature(const PublicKey& public_key, std::string_view message,
                     std::span<const uint8_t> signature) {
  InitCrypto();
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(
             signature.data(), reinterpret_cast<const uint8_t*>(message.data()),
             message.size(), public_key.data()) == 0;
}

std::string DefaultManifest(const PublicKey& public_key) {
  std::string out;
  out.reserve(70);
  PutCompactUint(&out, 1);  // version
  PutCompactUint(&out, 0);  // flags
  PutCompactUint(&out, 0);  // hash: blake2b
  PutCompactUint(&out, 1);  // quorum
  PutCompactUint(&out, 1);  // one signer
  PutCompactUint(&out, 0);  // signature: ed25519
  out.append(AsChars(NamespaceHash(Namespace::kDefaultNamespace)));
  out.append(AsChars(public_key));
  return out;
}

Result<PublicKey> ManifestSigner(std::string_view manifest) {
  std::string_view in = manifest;
  uint64_t version, flags, hash, quorum, signers, type;
  if (!GetCompactUint(&in, &version) || !GetCompactUint(&in, &flags) ||
      !GetCompactUint(&in, &hash) || !GetCompactUint(&in, &quorum) ||
      !GetCompactUint(&in, &signers)) {
    return Status::Corruption("manifest is truncated");
  }
  if (version != 1 || flags != 0 || hash != 0 || quorum != 1 || signers != 1) {
    return Status::NotSupported(
        "only the default v1 manifest with one ed25519 signer is supported");
  }
  if (!GetCompactUint(&in, &type) || type != 0 || in.size() != 64) {
    return Status::Corruption("manifest signer is malformed");
  }
  PublicKey pk;
  std::memcpy(pk.data(), in.data() + 32, 32);
  return pk;
}

Hash32 ManifestHash(std::string_view manifest) {
  Hasher h;
  h.Update(NamespaceHash(Namespace::kManifest));
  h.Update(manifest);
  return h.Final();
}

Hash32 DiscoveryKey(const Hash32& key) {
  InitCrypto();
  Hash32 out;
  static constexpr char kMsg[] = "hypercore";
  crypto_generichash(out.data(), out.size(),
                     reinterpret_cast<const uint8_t*>(kMsg), sizeof(kMsg) - 1,
                     key.data(), key.size());
  return out;
}

Hash32 Capability(ReplicationRole role, const HandshakeHash& handshake_hash,
                  const Hash32& key) {
  InitCrypto();
  const Namespace ns = role == ReplicationRole::kInitiator
                           ? Namespace::kReplicateInitiator
                           : Namespace::kReplicateResponder;
  uint8_t message[64];
  std::memcpy(message, NamespaceHash(ns).data(), 32);
  std::memcpy(message + 32, key.data(), 32);
  Hash32 out;
  crypto_generichash(out.data(), out.size(), message, sizeof(message),
                     handshake_hash.data(), handshake_hash.size());
  return out;
}

std::string Signable(const Hash32& key, const Hash32& tree_hash,
                     uint64_t length, uint64_t fork) {
  std::string out;
  out.reserve(112);
  out.append(AsChars(NamespaceHash(Namespace::kTree)));
  out.append(AsChars(key));
  out.append(AsChars(tree_hash));
  PutFixed64(&out, length);
  PutFixed64(&out, fork);
  return out;
}

std::string CompatSignable(const Hash32& tree_hash, uint64_t length,
                           uint64_t fork) {
  std::string out;
  out.reserve(80);
  out.append(AsChars(NamespaceHash(Namespace::kTree)));
  out.append(AsChars(tree_hash));
  PutFixed64(&out, length);
  PutFixed64(&out, fork);
  return out;
}

std::string EncodeSignatureContainer(const Signature64& signature) {
  std::string out;
  out.reserve(68);
  PutCompactUint(&out, 1);  // one proof
  PutCompactUint(&out, 0);  // signer index
  out.append(AsChars(signature));
  PutCompactUint(&out, 0);  // patch
  PutCompactUint(&out, 0);  // no patch nodes
  return out;
}

Result<Signature64> DecodeSignatureContainer(std::string_view container) {
  std::string_view in = container;
  uint64_t proofs, signer, patch, patch_nodes;
  if (!GetCompactUint(&in, &proofs) || proofs != 1 ||
      !GetCompactUint(&in, &signer) || signer != 0 || in.size() < 64) {
    return Status::Corruption("signature container is malformed");
  }
  Signature64 sig;
  std::memcpy(sig.data(), in.data(), 64);
  in.remove_prefix(64);
  if (!GetCompactUint(&in, &patch) || patch != 0 ||
      !GetCompactUint(&in, &patch_nodes) || patch_nodes != 0 || !in.empty()) {
    return Status::Corruption("signature container is malformed");
  }
  return sig;
}

}  // namespace bee::log
