// The bounded cache of verified merkle nodes, and the Env gather write the
// append path uses.
#include "log/internal/node_cache.h"

#include <catch2/catch.hpp>

#include "log/env.h"
#include "log/flat_tree.h"
#include "tests/util/temp_dir.h"

namespace bee::log {
namespace {

PlacedNode Placed(uint64_t index) {
  PlacedNode p;
  p.node.index = index;
  p.node.size = index * 3 + 1;
  p.node.hash.fill(static_cast<uint8_t>(index));
  p.offset = index * 7;
  return p;
}

bool Cached(const NodeCache& cache, uint64_t index) {
  PlacedNode out;
  return cache.FindAncestor(index, flat::Parent(index), &out) == 0 &&
         out.node == Placed(index).node && out.offset == Placed(index).offset;
}

TEST_CASE("node cache finds the first cached ancestor", "[log]") {
  NodeCache cache(64 * 56 + 4096);
  std::vector<PlacedNode> nodes{Placed(3), Placed(8)};
  cache.Insert(nodes);
  PlacedNode out;
  // Leaf 4 -> 5 -> 3 (cached) -> 7 (the root given).
  CHECK(cache.FindAncestor(4, 7, &out) == 2);
  CHECK(out.node == Placed(3).node);
  CHECK(out.offset == Placed(3).offset);
  CHECK(cache.FindAncestor(8, 15, &out) == 0);
  CHECK(cache.FindAncestor(16, 23, &out) == 3);  // 16, 17, 19: none
  CHECK(cache.FindAncestor(7, 7, &out) == 0);    // the root itself
}

TEST_CASE("node cache memory is bounded and keeps deep nodes", "[log]") {
  NodeCache cache(64 * 56 + 4096);
  const uint64_t deep = flat::Index(12, 3);
  std::vector<PlacedNode> one{Placed(deep)};
  cache.Insert(one);
  for (uint64_t leaf = 0; leaf < 20000; leaf += 2) {
    std::vector<PlacedNode> n{Placed(leaf)};
    cache.Insert(n);
  }
  CHECK(cache.capacity() == 64);
  CHECK(cache.size() <= 64);
  // Leaves took turns in the slots they may use; the deep node stayed.
  CHECK(Cached(cache, deep));
  CHECK(Cached(cache, 19998));  // the last insert is always found
}

TEST_CASE("node cache forgets what a truncation removes", "[log]") {
  NodeCache cache(1024 * 56 + 4096);
  std::vector<PlacedNode> nodes;
  for (uint64_t i = 0; i < 40; i++) nodes.push_back(Placed(i));
  cache.Insert(nodes);
  cache.DropFrom(10);  // keeps nodes whose leaves all lie below leaf 20
  for (uint64_t i = 0; i < 40; i++) {
    CAPTURE(i);
    CHECK(Cached(cache, i) == (flat::RightSpan(i) < 20));
  }
}

void CheckGatherWrite(Env* env, const std::string& path) {
  auto file = env->OpenFile(path, OpenMode::kCreate).value();
  REQUIRE(file->Write(0, "0123456789").ok());
  // More pieces than one pwritev takes, empty ones among them.
  std::vector<std::string> owned{"ab", "", "cde"};
  for (size_t i = 0; i < 3000; i++)
    owned.push_back(std::string(1 + i % 3, 'x'));
  owned.push_back("");
  std::vector<std::string_view> pieces(owned.begin(), owned.end());
  std::string expect = "01234";
  for (const std::string& p : owned) expect += p;
  REQUIRE(file->WriteV(5, pieces).ok());
  std::string back;
  REQUIRE(file->Read(0, expect.size() + 10, &back).ok());
  CHECK(back == expect);
  REQUIRE(file->WriteV(1, std::span<const std::string_view>()).ok());
  CHECK(file->Size().value() == expect.size());
}

TEST_CASE("gather writes land as one concatenated write", "[log]") {
  std::unique_ptr<Env> mem = NewMemEnv();
  CheckGatherWrite(mem.get(), "/f");
  test::TempDir tmp;
  CheckGatherWrite(Env::Default(), tmp.Sub("f"));
}

}  // namespace
}  // namespace bee::log
