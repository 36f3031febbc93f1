// Pins the bytes of our own files (docs/FORMAT.md §1) for a known key pair.
#include <catch2/catch.hpp>

#include "encoding/varint.h"
#include "log/core.h"
#include "tests/util/fault_env.h"

namespace bee::log {
namespace {

constexpr char kKey[] =
    "d8c3a0597903b28d751c6e0b7107775e388ec5a3cf669bdd1e7ec41b8b8f6e72";
constexpr char kPublicKey[] =
    "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c";
constexpr char kManifest[] =
    "0100000101004144eea531e483d54e0c14f4ca68e0644f355343ff6fcb0f005200e12cd747"
    "cb8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c";

struct Written {
  test::FaultEnv env;
  std::unique_ptr<Core> core;
  Written() {
    CoreOptions options;
    options.env = &env;
    Seed seed;
    seed.fill(1);
    core = Core::Create("/f", KeyPair::FromSeed(seed), options).value();
    for (const char* b : {"a", "bb"}) {
      std::string block = b;
      REQUIRE(core->Append(std::span<const std::string>(&block, 1)).ok());
    }
  }
};

TEST_CASE("meta file bytes", "[log][format]") {
  Written w;
  std::string meta = w.env.Contents("/f/meta");
  std::string expect = "BEE-META";
  expect += std::string("\x01\x00\x00\x00", 4);  // format version 1
  expect += std::string("\x02\x00\x00\x00", 4);  // flags: has seed
  expect += HexDecode(kKey).value();
  expect += HexDecode(kPublicKey).value();
  expect += std::string("\x46\x00\x00\x00", 4);  // manifest length 70
  expect += HexDecode(kManifest).value();
  expect += std::string(32, '\x01');  // the seed
  REQUIRE(meta.size() == expect.size() + 32);
  CHECK(HexEncode(meta.substr(0, expect.size())) == HexEncode(expect));
  CHECK(HexEncode(meta.substr(expect.size())) == HexEncode(Blake2b256(expect)));
}

TEST_CASE("head slot bytes", "[log][format]") {
  Written w;
  std::string head = w.env.Contents("/f/head");
  REQUIRE(head.size() == 288);
  // Generation 2 (the second append) lives in slot 0.
  std::string slot = head.substr(0, 144);
  std::string expect = "BEE-HEAD";
  for (uint64_t v : {2u, 2u, 0u, 3u})
    PutFixed64(&expect, v);  // gen, len, fork, bytes
  PutFixed32(&expect, 68);
  std::string sig = w.core->signature();
  REQUIRE(sig.size() == 68);
  CHECK(HexEncode(sig).substr(0, 4) == "0100");
  expect += sig;
  REQUIRE(expect.size() == 112);
  CHECK(HexEncode(slot.substr(0, 112)) == HexEncode(expect));
  CHECK(HexEncode(slot.substr(112)) == HexEncode(Blake2b256(expect)));
  // Generation 1 (length 1) is still intact in slot 1.
  CHECK(head.substr(144, 8) == "BEE-HEAD");
  CHECK(DecodeFixed64(head.data() + 144 + 8) == 1);
  CHECK(DecodeFixed64(head.data() + 144 + 16) == 1);
}

TEST_CASE("tree and data file bytes", "[log][format]") {
  Written w;
  CHECK(w.env.Contents("/f/data") == "abb");
  std::string tree = w.env.Contents("/f/tree");
  REQUIRE(tree.size() == 3 * 40);
  // Records 0 (leaf "a"), 1 (parent) and 2 (leaf "bb"): size then hash.
  CHECK(DecodeFixed64(tree.data()) == 1);
  CHECK(tree.substr(8, 32) == std::string(AsChars(LeafHash("a"))));
  CHECK(DecodeFixed64(tree.data() + 40) == 3);
  CHECK(DecodeFixed64(tree.data() + 80) == 2);
  CHECK(tree.substr(88, 32) == std::string(AsChars(LeafHash("bb"))));
  TreeNode a = LeafNode(0, "a"), b = LeafNode(1, "bb");
  CHECK(tree.substr(48, 32) == std::string(AsChars(ParentHash(a, b))));
  CHECK(w.env.Contents("/f/LOCK").empty());
}

TEST_CASE("tree records of nodes not complete yet are zero", "[log][format]") {
  Written w;
  // Length 2 -> 5 in one append: leaves 4, 6, 8, parents 5 and 3 (blocks
  // 0-3). Node 7 (blocks 0-7) is not complete: its record is all zero until
  // an append completes it.
  std::vector<std::string> blocks{"c", "dd", "eee"};
  REQUIRE(w.core->Append(blocks).ok());
  std::string tree = w.env.Contents("/f/tree");
  REQUIRE(tree.size() == 9 * 40);
  TreeNode a = LeafNode(0, "a"), b = LeafNode(1, "bb"), c = LeafNode(2, "c"),
           d = LeafNode(3, "dd"), e = LeafNode(4, "eee");
  TreeNode ab = ParentNode(a, b), cd = ParentNode(c, d);
  TreeNode abcd = ParentNode(ab, cd);
  auto record = [&](const TreeNode& n) {
    std::string r;
    PutFixed64(&r, n.size);
    r.append(AsChars(n.hash));
    return HexEncode(r);
  };
  for (const TreeNode& n : {a, ab, b, abcd, c, cd, d, e}) {
    CAPTURE(n.index);
    CHECK(HexEncode(tree.substr(n.index * 40, 40)) == record(n));
  }
  CHECK(tree.substr(7 * 40, 40) == std::string(40, '\0'));
  CHECK(w.env.Contents("/f/data") == "abbcddeee");
}

}  // namespace
}  // namespace bee::log
