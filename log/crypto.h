/// @file
/// Typed BLAKE2b hashing, Ed25519 signing and hypercore 11 key derivation
/// (../shared/spec/FORMAT.md §13-15). Every hash domain (leaf, parent, tree,
/// namespaces, manifest, discovery key) is defined here and nowhere else.
///
/// Thread safety: all functions are thread-safe; KeyPair is immutable after
/// construction.
#ifndef BEE_LOG_CRYPTO_H_
#define BEE_LOG_CRYPTO_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "encoding/bytes.h"
#include "encoding/result.h"

namespace bee::log {

using PublicKey = Hash32;                     ///< an Ed25519 public key
using Seed = Hash32;                          ///< an Ed25519 seed
using Signature64 = std::array<uint8_t, 64>;  ///< a raw Ed25519 signature

/// A merkle tree node: flat-tree index, total byte size of the blocks below
/// it, and its hash.
struct TreeNode {
  uint64_t index = 0;  ///< flat-tree index (leaf of block b: 2b)
  uint64_t size = 0;   ///< bytes of the blocks below
  Hash32 hash{};       ///< LeafHash or ParentHash
  bool operator==(const TreeNode&) const = default;
};

/// Must be called once before any other function (idempotent, thread-safe).
void InitCrypto();

/// H(0x00 ‖ u64le(len) ‖ data)
Hash32 LeafHash(std::string_view data);
/// The leaf node of block `block_index` holding `data`.
TreeNode LeafNode(uint64_t block_index, std::string_view data);
/// H(0x01 ‖ u64le(a.size + b.size) ‖ a.hash ‖ b.hash). REQUIRES: a.index <
/// b.index.
Hash32 ParentHash(const TreeNode& a, const TreeNode& b);
/// The parent node of a and b. REQUIRES: a and b are siblings, a first.
TreeNode ParentNode(const TreeNode& a, const TreeNode& b);
/// H(0x02 ‖ hash ‖ u64le(index) ‖ u64le(size) ‖ ...) over the roots, left
/// to right.
Hash32 TreeHash(std::span<const TreeNode> roots);

/// Plain BLAKE2b-256 of bytes: checksums in our own files (docs/FORMAT.md).
Hash32 Blake2b256(std::string_view data);

/// The hypercore namespaces: H(H("hypercore") ‖ byte(i)).
enum class Namespace : uint8_t {
  kTree = 0,
  kReplicateInitiator = 1,
  kReplicateResponder = 2,
  kManifest = 3,
  kDefaultNamespace = 4,
  kDefaultEncryption = 5,
};
/// The namespace's hash (computed once; static storage).
const Hash32& NamespaceHash(Namespace ns);

/// An Ed25519 key pair. The secret key lives in sodium_malloc'd memory and is
/// wiped on destruction. A KeyPair without a secret key can only verify.
class KeyPair {
 public:
  /// The key pair derived from `seed` (libsodium's seed_keypair).
  static KeyPair FromSeed(const Seed& seed);
  /// A new key pair from the system's random source.
  static KeyPair Random();
  /// A key pair that can only verify.
  static KeyPair PublicOnly(const PublicKey& public_key);

  KeyPair(KeyPair&&) noexcept = default;
  KeyPair& operator=(KeyPair&&) noexcept = default;
  KeyPair(const KeyPair&) = delete;
  KeyPair& operator=(const KeyPair&) = delete;
  ~KeyPair() = default;

  /// The public key.
  const PublicKey& public_key() const { return public_key_; }
  /// Whether this key pair can sign.
  bool has_secret_key() const { return secret_ != nullptr; }
  /// The 64-byte libsodium secret key (seed ‖ public key). REQUIRES:
  /// has_secret_key().
  std::span<const uint8_t> secret_key() const;
  /// The Ed25519 signature of `message`. REQUIRES: has_secret_key().
  Signature64 Sign(std::string_view message) const;
  /// A copy (in new sodium_malloc'd memory); copies are explicit.
  KeyPair Clone() const;

 private:
  struct SodiumFree {
    void operator()(uint8_t* p) const;
  };
  KeyPair() = default;

  PublicKey public_key_{};
  std::unique_ptr<uint8_t, SodiumFree> secret_;
};

/// Whether `signature` (64 bytes) is public_key's Ed25519 signature of
/// `message`; false for a signature of another size.
bool VerifySignature(const PublicKey& public_key, std::string_view message,
                     std::span<const uint8_t> signature);

/// The default (v1) manifest for a single Ed25519 signer, 70 bytes
/// (FORMAT.md §14.4): 01 00 00 01 01 00 ‖ DEFAULT_NAMESPACE ‖ publicKey.
std::string DefaultManifest(const PublicKey& public_key);
/// Parses a v1 manifest with one ed25519 signer and no optional parts;
/// anything else is NotSupported or Corruption.
Result<PublicKey> ManifestSigner(std::string_view manifest);
/// H(MANIFEST ‖ manifest): the core key of a v1 core.
Hash32 ManifestHash(std::string_view manifest);
/// BLAKE2b-256 of "hypercore" keyed with the core key.
Hash32 DiscoveryKey(const Hash32& key);

/// A replication peer's Noise role (PROTOCOL.md §6.2); the values are the
/// namespace indexes of the capability (frozen).
enum class ReplicationRole : uint8_t {
  kInitiator = 1,  ///< dialled the connection: REPLICATE_INITIATOR
  kResponder = 2,  ///< accepted it: REPLICATE_RESPONDER
};
/// The Noise XX handshake hash of a connection (64 bytes, BLAKE2b-512).
using HandshakeHash = std::array<uint8_t, 64>;
/// The capability a peer in `role` sends when it opens the channel of core
/// `key` on the connection with `handshake_hash` (PROTOCOL.md §6.2):
/// BLAKE2b-256 keyed with the handshake hash over NS_HC[role] ‖ key. It
/// proves the sender knows the core key and binds it to this connection; a
/// receiver recomputes it for the peer's role and compares.
Hash32 Capability(ReplicationRole role, const HandshakeHash& handshake_hash,
                  const Hash32& key);

/// The 112-byte v1 signable: TREE ‖ key ‖ treeHash ‖ u64le length ‖ u64le fork.
std::string Signable(const Hash32& key, const Hash32& tree_hash,
                     uint64_t length, uint64_t fork);
/// The 80-byte compat signable: TREE ‖ treeHash ‖ u64le length ‖ u64le fork.
std::string CompatSignable(const Hash32& tree_hash, uint64_t length,
                           uint64_t fork);
/// The 68-byte stored multisig container for one default signer:
/// 01 00 ‖ signature ‖ 00 00.
std::string EncodeSignatureContainer(const Signature64& signature);
/// Extracts the single signature from a container; Corruption otherwise.
Result<Signature64> DecodeSignatureContainer(std::string_view container);

}  // namespace bee::log

#endif  // BEE_LOG_CRYPTO_H_
