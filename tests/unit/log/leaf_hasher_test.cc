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

// Whether HashLeaves agrees with LeafHash on every block (no Catch
// assertions here: they must not run on several threads).
bool HashesMatch(const std::vector<std::string>& blocks, bool parallel) {
  std::vector<std::string_view> views(blocks.begin(), blocks.end());
  std::vector<Hash32> out(blocks.size());
  HashLeaves(views, out, parallel);
  for (size_t i = 0; i < blocks.size(); i++) {
    if (out[i] != LeafHash(blocks[i])) return false;
  }
  return true;
}

TEST_CASE("leaf hashes are the same on one thread or two", "[log]") {
  InitCrypto();
  // Below and above the size that wakes the helper, and odd counts that
  // do not split evenly into chunks.
  for (size_t n : {0u, 1u, 63u, 64u, 65u, 333u, 1000u, 4097u}) {
    for (size_t size : {0u, 100u, 4096u}) {
      CAPTURE(n, size);
      CHECK(HashesMatch(Blocks(n, size, 1), true));
      CHECK(HashesMatch(Blocks(n, size, 2), false));
    }
  }
}

TEST_CASE("concurrent appends share the leaf hasher safely", "[log]") {
  InitCrypto();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (size_t t = 0; t < 4; t++) {
    threads.emplace_back([t, &failures] {
      for (int round = 0; round < 20; round++) {
        if (!HashesMatch(Blocks(500 + 37 * t, 200, t), true)) failures[t]++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(failures == std::vector<int>(4, 0));
}

}  // namespace
}  // namespace bee::log
