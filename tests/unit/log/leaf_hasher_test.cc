#include "log/internal/leaf_hasher.h"

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "log/crypto.h"

namespace bee::log {
namespace {

std::vector<std::string> Blocks(size_t n, size_t size, size_t salt) {
  std::vector<std::string> blocks;
  for (size_t i = 0; i < n; i++) {
    blocks.push_back(std::string(size + i % 7, static_cast<char>(salt + i)));
  }
  return blocks;
}

// Whether HashNewNodes agrees with LeafNode and ParentNode on every node it
// fills, and fills every leaf and every parent of a whole aligned 32-block
// run (no Catch assertions here: they must not run on several threads).
bool HashesMatch(uint64_t first, const std::vector<std::string>& blocks,
                 bool parallel) {
  std::vector<std::string_view> views(blocks.begin(), blocks.end());
  const size_t n = blocks.size();
  std::vector<TreeNode> nodes(2 * n);
  std::vector<uint8_t> computed(2 * n, 0);
  if (!HashNewNodes(first, views, nodes, computed, parallel).ok()) {
    return false;
  }
  // The expected nodes: every subtree of the append, built bottom up.
  std::vector<TreeNode> want(2 * n);
  std::vector<uint8_t> expected(2 * n, 0);
  for (size_t i = 0; i < n; i++) {
    want[2 * i] = LeafNode(first + i, blocks[i]);
    expected[2 * i] = 1;
  }
  for (uint64_t w = 2; w <= 32; w *= 2) {
    for (uint64_t a = (first + w - 1) / w * w; a + w <= first + n; a += w) {
      if (a / 32 != (a + w - 1) / 32) continue;  // not within one run
      const size_t at = static_cast<size_t>(2 * (a - first) + w - 1);
      const size_t left = at - w / 2, right = at + w / 2;
      want[at] = ParentNode(want[left], want[right]);
      expected[at] = 1;
    }
  }
  for (size_t j = 0; j < 2 * n; j++) {
    if (computed[j] != expected[j]) return false;
    if (!expected[j]) continue;
    const TreeNode& a = nodes[j];
    const TreeNode& b = want[j];
    if (a.index != b.index || a.size != b.size || a.hash != b.hash) {
      return false;
    }
  }
  return true;
}

TEST_CASE("an append's nodes hash the same on one thread or two", "[log]") {
  InitCrypto();
  // Below and above the size that wakes the helper, and odd counts that
  // do not split evenly into chunks.
  for (size_t n : {0u, 1u, 63u, 64u, 65u, 333u, 1000u, 4097u}) {
    for (size_t size : {0u, 100u, 4096u}) {
      CAPTURE(n, size);
      for (uint64_t first : {0u, 5u, 32u, 1000003u}) {
        CAPTURE(first);
        CHECK(HashesMatch(first, Blocks(n, size, 1), true));
        CHECK(HashesMatch(first, Blocks(n, size, 2), false));
      }
    }
  }
}

TEST_CASE("concurrent appends share the hashing helper safely", "[log]") {
  InitCrypto();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (size_t t = 0; t < 4; t++) {
    threads.emplace_back([t, &failures] {
      for (int round = 0; round < 20; round++) {
        if (!HashesMatch(7 * t, Blocks(500 + 37 * t, 200, t), true)) {
          failures[t]++;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(failures == std::vector<int>(4, 0));
}

TEST_CASE("the work given to run meanwhile runs once and reports its error",
          "[log]") {
  InitCrypto();
  const std::vector<std::string> blocks = Blocks(1000, 100, 3);
  std::vector<std::string_view> views(blocks.begin(), blocks.end());
  for (bool parallel : {true, false}) {
    CAPTURE(parallel);
    std::vector<TreeNode> nodes(2 * blocks.size());
    std::vector<uint8_t> computed(2 * blocks.size(), 0);
    int calls = 0;
    Status s = HashNewNodes(0, views, nodes, computed, parallel, [&] {
      calls++;
      return Status::IOError("disk full");
    });
    CHECK(calls == 1);
    CHECK(s.IsIOError());
    // The hashing still completed: the helper is done with this call.
    CHECK(nodes[1998].hash == LeafHash(blocks[999]));
  }
}

}  // namespace
}  // namespace bee::log
