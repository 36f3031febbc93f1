// The limits of encoding/limits.h on a store: writes past one fail with
// InvalidArgument naming it and append nothing; stored blocks past one read
// as Corruption naming the block and the limit.
#include "encoding/limits.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "btree/diff.h"
#include "btree/iterator.h"
#include "encoding/block_codec.h"

namespace bee::btree {
namespace {

log::KeyPair Keys() { return log::KeyPair::FromSeed(log::Seed{}); }

void CheckRefused(const Status& s, const char* limit) {
  CHECK(s.IsInvalidArgument());
  CHECK_THAT(s.message(), Catch::Contains(limit));
}

TEST_CASE("a put past the key, value or block limit appends nothing",
          "[btree]") {
  auto bee = Bee::CreateInMemory(Keys()).value();
  const uint64_t version = bee->version();
  const std::string big(kMaxKeySize + 1, 'x');
  CheckRefused(bee->Put(big, "v").status(), "(kMaxKeySize)");
  CheckRefused(bee->Del(big).status(), "(kMaxKeySize)");
  CheckRefused(bee->Put("k", std::string_view(big)).status(),
               "(kMaxValueSize)");
  const std::string half(kMaxBlockSize / 2 + 1, 'h');
  CheckRefused(bee->Put(half, std::string_view(half)).status(),
               "(kMaxBlockSize)");
  CHECK(bee->version() == version);
  CHECK(bee->Put("k", "v").value());
}

TEST_CASE("the log refuses to append a block past the block limit", "[log]") {
  auto core = log::Core::CreateInMemory(Keys()).value();
  std::vector<std::string> blocks = {"a", std::string(kMaxBlockSize + 1, 'b')};
  Status s = core->Append(blocks);
  CheckRefused(s, "block 1 of the append is 15728641 bytes");
  CheckRefused(s, "(kMaxBlockSize)");
  CHECK(core->length() == 0);
  blocks[1].pop_back();
  CHECK(core->Append(blocks).ok());
}

TEST_CASE("a batch holds at most kMaxBatchOperations operations",
          "[btree][.slow]") {
  auto bee = Bee::CreateInMemory(Keys()).value();
  auto batch = bee->MakeBatch().value();
  for (size_t i = 0; i < kMaxBatchOperations; i++) {
    REQUIRE(batch->Put("k", "v").value());
  }
  CheckRefused(batch->Put("k", "v").status(), "(kMaxBatchOperations)");
  CheckRefused(batch->Del("k").status(), "(kMaxBatchOperations)");
  REQUIRE(batch->Flush().ok());
  CHECK(bee->version() == 1 + kMaxBatchOperations);
}

// A store from another writer whose blocks 1.. are `nodes`.
std::unique_ptr<Bee> StoreOf(const std::vector<NodeBlock>& nodes) {
  std::vector<std::string> blocks = {EncodeHeaderBlock({})};
  for (const NodeBlock& n : nodes) blocks.push_back(EncodeNodeBlock(n));
  auto core = log::Core::CreateInMemory(Keys()).value();
  REQUIRE(core->Append(blocks).ok());
  return Bee::FromCore(std::move(core)).value();
}

TEST_CASE("a stored node past the keys-per-level limit reads as corrupt",
          "[btree]") {
  std::vector<NodeBlock> nodes;
  for (uint64_t seq = 1; seq <= kMaxKeysPerLevel + 1; seq++) {
    NodeBlock n;
    n.key = "k" + std::to_string(seq);
    n.value = "v";
    n.levels.push_back({{}, {}});
    for (uint64_t k = 1; k <= seq; k++) n.levels[0].keys.push_back(k);
    nodes.push_back(n);
  }
  auto bee = StoreOf(nodes);
  auto at_limit = bee->Checkout(kMaxKeysPerLevel + 1).value();
  CHECK(at_limit.Get("k1").value().has_value());
  auto e = bee->Get("k1");
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().IsCorruption());
  CHECK_THAT(e.status().message(),
             Catch::Contains("block 9: index level 0 keys: 9") &&
                 Catch::Contains("(kMaxKeysPerLevel)"));
}

// Block s (1..n) is an internal node whose one key is its own and whose
// two children are both block s-1's root: no cycle, but a path n deep.
std::vector<NodeBlock> Chain(uint64_t n) {
  std::vector<NodeBlock> nodes(n);
  for (uint64_t s = 1; s <= n; s++) {
    NodeBlock& node = nodes[s - 1];
    node.key = "k" + std::to_string(1000 + s);
    node.levels.push_back({{s}, {}});
    if (s > 1) node.levels[0].children = {s - 1, 0, s - 1, 0};
  }
  return nodes;
}

TEST_CASE("a path deeper than kMaxTreeDepth reads as corrupt", "[btree]") {
  auto shallow = StoreOf(Chain(kMaxTreeDepth));
  CHECK_FALSE(shallow->Get("a").value().has_value());

  auto bee = StoreOf(Chain(kMaxTreeDepth + 1));
  const Snapshot snap = bee->Checkout(bee->version()).value();
  const char* expected = "block 1 level 0 is deeper than 64 levels";
  auto e = snap.Get("a");
  REQUIRE_FALSE(e.ok());
  CHECK(e.status().IsCorruption());
  CHECK_THAT(e.status().message(),
             Catch::Contains(expected) && Catch::Contains("(kMaxTreeDepth)"));
  RangeIterator range(snap, {});
  auto first = range.Next();
  REQUIRE_FALSE(first.ok());
  CHECK_THAT(first.status().message(), Catch::Contains("(kMaxTreeDepth)"));
  DiffIterator diff(snap, bee->Checkout(2).value(), {});
  auto d = diff.Next();
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(d.status().message(), Catch::Contains("(kMaxTreeDepth)"));
}

}  // namespace
}  // namespace bee::btree
