#include "log/crypto.h"

#include <catch2/catch.hpp>

#include "tests/util/vectors.h"

namespace bee::log {
namespace {

using test::Vectors;

Seed SeedOf(std::string_view hex) {
  return HexDecodeFixed<32>(hex, "seed").value();
}

TEST_CASE("namespaces and known hashes match the vectors", "[log]") {
  const auto& c = Vectors()["constants"];
  CHECK(HexEncode(NamespaceHash(Namespace::kTree)) == c["TREE"]);
  CHECK(HexEncode(NamespaceHash(Namespace::kReplicateInitiator)) ==
        c["REPLICATE_INITIATOR"]);
  CHECK(HexEncode(NamespaceHash(Namespace::kReplicateResponder)) ==
        c["REPLICATE_RESPONDER"]);
  CHECK(HexEncode(NamespaceHash(Namespace::kManifest)) == c["MANIFEST"]);
  CHECK(HexEncode(NamespaceHash(Namespace::kDefaultNamespace)) ==
        c["DEFAULT_NAMESPACE"]);
  CHECK(HexEncode(NamespaceHash(Namespace::kDefaultEncryption)) ==
        c["DEFAULT_ENCRYPTION"]);
  CHECK(HexEncode(LeafHash("abc")) == c["leafHash_of_abc"]);
  CHECK(HexEncode(LeafHash("")) == c["leafHash_of_empty"]);
  CHECK(HexEncode(LeafHash(std::string_view())) == c["leafHash_of_empty"]);
  CHECK(HexEncode(TreeHash({})) ==
        "bb30a42c1e62f0afda5f0a4e8a562f7a13a24cea00ee81917b86b89e801314aa");
  // A block longer than the small-block fast path hashes the same way.
  std::string big(1000, 'x');
  TreeNode leaf = LeafNode(3, big);
  CHECK(leaf.index == 6);
  CHECK(leaf.size == 1000);
}

TEST_CASE("key pair, manifest, key and discovery key from seed", "[log]") {
  const auto& c = Vectors()["constants"];
  KeyPair kp = KeyPair::FromSeed(SeedOf(c["seed"].get<std::string>()));
  CHECK(HexEncode(kp.public_key()) == c["publicKey"]);
  CHECK(HexEncode(kp.secret_key()) == c["secretKey"]);
  std::string manifest = DefaultManifest(kp.public_key());
  CHECK(HexEncode(manifest) == c["defaultManifestEncoding"]);
  Hash32 key = ManifestHash(manifest);
  CHECK(HexEncode(key) == c["defaultManifestHash_isCoreKey"]);
  CHECK(HexEncode(DiscoveryKey(key)) == c["discoveryKeyOfThatKey"]);
  CHECK(ManifestSigner(manifest).value() == kp.public_key());
  CHECK(ManifestSigner(manifest.substr(0, 30)).status().IsCorruption());
  std::string other = manifest;
  other[0] = 2;
  CHECK(ManifestSigner(other).status().IsNotSupported());
}

TEST_CASE("signatures verify and reject tampering", "[log]") {
  KeyPair kp = KeyPair::FromSeed(SeedOf(std::string(64, '7')));
  Signature64 sig = kp.Sign("message");
  CHECK(VerifySignature(kp.public_key(), "message", sig));
  CHECK_FALSE(VerifySignature(kp.public_key(), "messagf", sig));
  sig[0] ^= 1;
  CHECK_FALSE(VerifySignature(kp.public_key(), "message", sig));
  CHECK_FALSE(VerifySignature(kp.public_key(), "message",
                              std::span<const uint8_t>(sig.data(), 63)));
  KeyPair pub = KeyPair::PublicOnly(kp.public_key());
  CHECK_FALSE(pub.has_secret_key());
  KeyPair copy = kp.Clone();
  CHECK(HexEncode(copy.secret_key()) == HexEncode(kp.secret_key()));
}

TEST_CASE("signature container round trip and rejects", "[log]") {
  Signature64 sig{};
  sig[5] = 9;
  std::string c = EncodeSignatureContainer(sig);
  CHECK(c.size() == 68);
  CHECK(HexEncode(c).substr(0, 4) == "0100");
  CHECK(DecodeSignatureContainer(c).value() == sig);
  CHECK(DecodeSignatureContainer(c.substr(0, 67)).status().IsCorruption());
  CHECK(DecodeSignatureContainer(c + "x").status().IsCorruption());
  std::string two = c;
  two[0] = 2;
  CHECK(DecodeSignatureContainer(two).status().IsCorruption());
}

}  // namespace
}  // namespace bee::log
