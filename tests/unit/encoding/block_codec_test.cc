#include "encoding/block_codec.h"

#include <catch2/catch.hpp>
#include <random>

#include "encoding/bytes.h"
#include "hyperbee.pb.h"
#include "tests/util/vectors.h"

namespace bee {
namespace {

using nlohmann::json;
using test::Unhex;
using test::Vectors;

void CheckDecoded(const NodeBlock& node, const json& decoded) {
  CHECK(HexEncode(node.key) == decoded["key"]);
  if (decoded["value"].is_null()) {
    CHECK_FALSE(node.value.has_value());
  } else {
    REQUIRE(node.value.has_value());
    CHECK(HexEncode(*node.value) == decoded["value"]);
  }
  REQUIRE(node.levels.size() == decoded["levels"].size());
  for (size_t i = 0; i < node.levels.size(); i++) {
    const json& level = decoded["levels"][i];
    CHECK(node.levels[i].keys == level["keys"].get<std::vector<uint64_t>>());
    std::vector<uint64_t> flat;
    for (const json& pair : level["children"]) {
      flat.push_back(pair[0].get<uint64_t>());
      flat.push_back(pair[1].get<uint64_t>());
    }
    CHECK(node.levels[i].children == flat);
  }
}

TEST_CASE("every recorded block decodes and re-encodes byte for byte",
          "[encoding]") {
  size_t nodes = 0, headers = 0;
  for (const json& scenario : Vectors()["scenarios"]) {
    if (!scenario.contains("steps")) continue;
    for (const json& step : scenario["steps"]) {
      for (const json& b : step["blocks"]) {
        CAPTURE(b["hex"].get<std::string>());
        std::string raw = Unhex(b["hex"]);
        if (b["decoded"].contains("header")) {
          auto header = DecodeHeaderBlock(raw);
          REQUIRE(header.ok());
          CHECK(IsHyperbeeHeader(*header));
          CHECK(EncodeHeaderBlock(*header) == raw);
          headers++;
          continue;
        }
        auto node = DecodeNodeBlock(raw);
        REQUIRE(node.ok());
        CheckDecoded(*node, b["decoded"]);
        CHECK(EncodeNodeBlock(*node) == raw);
      }
    }
  }
  // Every block of every scenario (C and D record only the final log).
  for (const json& scenario : Vectors()["scenarios"]) {
    if (!scenario.contains("finalBlocks")) continue;
    const json& blocks = scenario["finalBlocks"];
    for (size_t i = 0; i < blocks.size(); i++) {
      std::string raw = Unhex(blocks[i]);
      if (i == 0) {
        auto header = DecodeHeaderBlock(raw);
        REQUIRE(header.ok());
        CHECK(EncodeHeaderBlock(*header) == raw);
        headers++;
        continue;
      }
      auto node = DecodeNodeBlock(raw);
      REQUIRE(node.ok());
      CHECK(EncodeNodeBlock(*node) == raw);
      nodes++;
    }
  }
  CHECK(headers == 6);  // A and B step by step, then A-D whole
  CHECK(nodes > 1000);
}

TEST_CASE("worked examples of FORMAT.md section 2", "[encoding]") {
  NodeBlock j;
  j.levels = {{{5}, {9, 1, 10, 1}}, {{6, 7, 8, 9, 10}, {}}};
  j.key = "j";
  j.value = "J";
  CHECK(HexEncode(EncodeNodeBlock(j)) ==
        "0a140a090a0105120409010a010a070a05060708090a12016a1a014a");
  NodeBlock del;
  del.levels = {{}};
  del.key = "x";
  CHECK(HexEncode(EncodeNodeBlock(del)) == "0a020a00120178");
  NodeBlock compacted;
  compacted.key = "ba";
  compacted.value = "x";
  CHECK(HexEncode(EncodeNodeBlock(compacted)) == "0a00120262611a0178");
  NodeBlock empty_key_and_value;
  empty_key_and_value.value = "";
  CHECK(HexEncode(EncodeNodeBlock(empty_key_and_value)) == "0a0012001a00");

  HeaderBlock header;
  CHECK(HexEncode(EncodeHeaderBlock(header)) == "0a086879706572626565");
  header.metadata = HeaderMetadata{std::string(32, '\xaa'), "hello"};
  CHECK(HexEncode(EncodeHeaderBlock(header)) == "0a08687970657262656512290a20" +
                                                    std::string(64, 'a') +
                                                    "120568656c6c6f");
  header.metadata = HeaderMetadata{};
  CHECK(HexEncode(EncodeHeaderBlock(header)) == "0a0868797065726265651200");
}

TEST_CASE("malformed blocks are rejected, never crash", "[encoding]") {
  const std::string good =
      Unhex("0a140a090a0105120409010a010a070a05060708090a12016a1a014a");
  // A prefix that ends on a field boundary is a shorter valid block; any
  // other prefix must fail.
  for (size_t n = 0; n < good.size(); n++) {
    auto prefix = DecodeNodeBlock(good.substr(0, n));
    if (prefix.ok()) CHECK(EncodeNodeBlock(*prefix) == good.substr(0, n));
  }
  CHECK_FALSE(DecodeNodeBlock(good.substr(0, 5)).ok());
  CHECK(DecodeNodeBlock(Unhex("120178")).status().IsCorruption());  // no index
  CHECK(DecodeNodeBlock(Unhex("0a00")).status().IsCorruption());    // no key
  CHECK(DecodeNodeBlock(Unhex("0a02ffff120178")).status().IsCorruption());
  // Odd number of children: (9,1),(10) is not a whole pair.
  auto odd = DecodeNodeBlock(Unhex("0a070a05120309010a120178"));
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.status().message().find("odd number") != std::string::npos);
  CHECK_FALSE(DecodeNodeBlock("garbage that is not protobuf").ok());
  CHECK_FALSE(DecodeHeaderBlock(Unhex("1200")).ok());  // no protocol
  auto other = DecodeHeaderBlock(Unhex("0a03616263"));
  REQUIRE(other.ok());
  CHECK_FALSE(IsHyperbeeHeader(*other));
}

// The reference: the same block serialized by libprotobuf with the schema.
std::string ProtobufEncoding(const NodeBlock& node) {
  pb::YoloIndex index;
  for (const IndexLevel& level : node.levels) {
    pb::YoloIndex::Level* l = index.add_levels();
    l->mutable_keys()->Add(level.keys.begin(), level.keys.end());
    l->mutable_children()->Add(level.children.begin(), level.children.end());
  }
  pb::Node msg;
  index.SerializeToString(msg.mutable_index());
  msg.set_key(node.key);
  if (node.value) msg.set_value(*node.value);
  return msg.SerializeAsString();
}

TEST_CASE("the hand-written node encoder writes what libprotobuf writes",
          "[encoding]") {
  const uint64_t seed = Catch::rngSeed();  // fresh per run (tests/main.cc)
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  auto number = [&] {  // every varint length, 1 to 10 bytes
    return rng() >> (rng() % 64);
  };
  auto bytes = [&](size_t max) {
    std::string s(rng() % (max + 1), '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  std::string appended;
  std::string expected_all;
  for (int round = 0; round < 2000; round++) {
    NodeBlock node;
    // Now and then enough levels for an index of 16 KiB or more.
    node.levels.resize(rng() % 50 == 0 ? 100 + rng() % 100 : rng() % 12);
    for (IndexLevel& level : node.levels) {
      level.keys.resize(rng() % 10);
      for (uint64_t& k : level.keys) k = number();
      level.children.resize(rng() % 3 == 0 ? 0 : 2 * (rng() % 11));
      for (uint64_t& c : level.children) c = number();
    }
    // Long keys and values give multi-byte length prefixes.
    node.key = bytes(rng() % 8 == 0 ? 300 : 20);
    if (rng() % 4 != 0) node.value = bytes(rng() % 8 == 0 ? 20000 : 100);
    const std::string expected = ProtobufEncoding(node);
    INFO("round " << round);
    REQUIRE(HexEncode(EncodeNodeBlock(node)) == HexEncode(expected));
    AppendNodeBlock(node, &appended);
    expected_all += expected;
  }
  CHECK(appended == expected_all);
}

TEST_CASE("deletion classification", "[encoding]") {
  NodeBlock del = DecodeNodeBlock(Unhex("0a020a00120178")).value();
  CHECK(IsDeletion(del, 5));
  NodeBlock put_no_value;
  put_no_value.levels = {{{7}, {}}};
  put_no_value.key = "k";
  CHECK_FALSE(IsDeletion(put_no_value, 7));
  CHECK(IsDeletion(put_no_value, 8));
  put_no_value.value = "";
  CHECK_FALSE(IsDeletion(put_no_value, 8));
}

}  // namespace
}  // namespace bee
