// The read side of the limits in encoding/limits.h: a block past one decodes
// to Corruption naming the limit, and a block exactly at it decodes.
#include "encoding/limits.h"

#include <catch2/catch.hpp>
#include <string>

#include "encoding/block_codec.h"

namespace bee {
namespace {

// A node whose level 0 has `keys` keys and `children` children.
std::string NodeWith(uint64_t keys, uint64_t children) {
  NodeBlock node;
  node.key = "k";
  node.levels.resize(1);
  for (uint64_t i = 0; i < keys; i++) node.levels[0].keys.push_back(i + 1);
  for (uint64_t i = 0; i < children; i++) {
    node.levels[0].children.push_back(i + 1);
    node.levels[0].children.push_back(0);
  }
  return EncodeNodeBlock(node);
}

void CheckOver(const Result<NodeBlock>& decoded, const char* limit) {
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.status().IsCorruption());
  CHECK_THAT(decoded.status().message(), Catch::Contains(limit));
}

TEST_CASE(
    "a node with more keys or children than a level may hold is "
    "corrupt",
    "[encoding]") {
  CHECK(DecodeNodeBlock(NodeWith(kMaxKeysPerLevel, 0)).ok());
  CheckOver(DecodeNodeBlock(NodeWith(kMaxKeysPerLevel + 1, 0)),
            "index level 0 keys: 9, over the limit of 8 (kMaxKeysPerLevel)");
  CHECK(DecodeNodeBlock(NodeWith(1, kMaxChildrenPerLevel)).ok());
  CheckOver(DecodeNodeBlock(NodeWith(1, kMaxChildrenPerLevel + 1)),
            "over the limit of 9 (kMaxChildrenPerLevel)");
}

TEST_CASE("a block with more index levels than the limit is corrupt",
          "[encoding]") {
  // Empty levels, two bytes each: the limit is reached well under 15 MiB.
  NodeBlock node;
  node.key = "k";
  node.levels.resize(kMaxLevelsPerBlock);
  std::string at_limit = EncodeNodeBlock(node);
  CHECK(DecodeNodeBlock(at_limit).ok());
  node.levels.resize(kMaxLevelsPerBlock + 1);
  CheckOver(DecodeNodeBlock(EncodeNodeBlock(node)), "(kMaxLevelsPerBlock)");
}

TEST_CASE("a block larger than the block limit is corrupt", "[encoding]") {
  NodeBlock node;
  node.key = "k";
  node.value = std::string(kMaxBlockSize, 'v');
  std::string over = EncodeNodeBlock(node);
  REQUIRE(over.size() > kMaxBlockSize);
  CheckOver(DecodeNodeBlock(over),
            "over the limit of 15728640 (kMaxBlockSize)");
  // Trimmed to exactly the limit it decodes.
  node.value->resize(kMaxBlockSize - (over.size() - kMaxBlockSize));
  std::string at_limit = EncodeNodeBlock(node);
  REQUIRE(at_limit.size() == kMaxBlockSize);
  CHECK(DecodeNodeBlock(at_limit).ok());

  HeaderBlock header;
  header.metadata.emplace();
  header.metadata->user_data = std::string(kMaxBlockSize, 'u');
  auto decoded = DecodeHeaderBlock(EncodeHeaderBlock(header));
  REQUIRE_FALSE(decoded.ok());
  CHECK_THAT(decoded.status().message(), Catch::Contains("(kMaxBlockSize)"));
}

}  // namespace
}  // namespace bee
