#include "log/internal/multi_hash.h"

#include <sodium.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "log/crypto.h"

namespace bee::log {
namespace {

std::string PathName(HashPath path) {
  switch (path) {
    case HashPath::kScalar:
      return "scalar";
    case HashPath::kAvx2:
      return "avx2";
    case HashPath::kAvx512:
      return "avx512";
  }
  return "?";
}

// Each path in turn (a GENERATE), forced for the rest of the test case;
// a path this CPU cannot run is left out (ok() is false). The test case
// "multi_hash: the <path> path runs on this CPU" reports it as skipped.
class EachPath {
 public:
  EachPath()
      : path_(GENERATE(HashPath::kScalar, HashPath::kAvx2, HashPath::kAvx512)) {
    if (!HashPathSupported(path_)) return;
    REQUIRE(ForceHashPathForTesting(path_));
    REQUIRE(ActiveHashPath() == path_);
    forced_ = true;
  }
  EachPath(const EachPath&) = delete;
  EachPath& operator=(const EachPath&) = delete;
  ~EachPath() {
    if (forced_) ForceHashPathForTesting(std::nullopt);
  }
  bool ok() const { return forced_; }
  std::string name() const { return PathName(path_); }

 private:
  HashPath path_;
  bool forced_ = false;
};

// A block in an allocation of exactly its size, so that AddressSanitizer
// reports a read even one byte past its end (a std::string has spare room).
class ExactBlock {
 public:
  ExactBlock(size_t size, std::mt19937_64& rng)
      : bytes_(std::make_unique<char[]>(size)), size_(size) {
    for (size_t i = 0; i < size; i++) bytes_[i] = static_cast<char>(rng());
  }
  std::string_view view() const { return {bytes_.get(), size_}; }

 private:
  std::unique_ptr<char[]> bytes_;
  size_t size_;
};

// Hashes `blocks` with LeafHashes and checks every hash against LeafHash,
// and that nothing is written past the last one.
void CheckLeafHashes(const std::vector<std::string_view>& blocks) {
  CAPTURE(blocks.size());
  Hash32 sentinel;
  sentinel.fill(0xa5);
  std::vector<Hash32> out(blocks.size() + 1, sentinel);
  LeafHashes(blocks, out.data());
  for (size_t i = 0; i < blocks.size(); i++) {
    CAPTURE(i, blocks[i].size());
    REQUIRE(HexEncode(out[i]) == HexEncode(LeafHash(blocks[i])));
  }
  CHECK(out.back() == sentinel);
}

// The lengths of one run: every length 0..300 (around the 1-, 2- and
// 3-compression boundaries at 119/120, 247/248), random ones up to 600,
// a few longer than 10,000 bytes, in random order.
std::vector<size_t> TestLengths(std::mt19937_64& rng) {
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 300; n++) lengths.push_back(n);
  std::uniform_int_distribution<size_t> short_length(0, 600);
  for (int i = 0; i < 300; i++) lengths.push_back(short_length(rng));
  std::uniform_int_distribution<size_t> long_length(10000, 20000);
  for (int i = 0; i < 4; i++) lengths.push_back(long_length(rng));
  lengths.push_back(10000 - 9);  // a message of exactly 10000 / 128 blocks
  std::shuffle(lengths.begin(), lengths.end(), rng);
  return lengths;
}

TEST_CASE("LeafHashes match LeafHash for any count and length",
          "[multi_hash]") {
  EachPath path;
  if (!path.ok()) return;
  INFO("path " << path.name() << ", seed " << Catch::rngSeed());
  std::mt19937_64 rng(Catch::rngSeed());
  std::vector<ExactBlock> storage;
  for (size_t n : TestLengths(rng)) storage.emplace_back(n, rng);
  // Random counts 0..40 cover an idle start, partly filled lanes and
  // several refills per lane.
  std::uniform_int_distribution<size_t> count(0, 40);
  size_t at = 0;
  while (at < storage.size()) {
    const size_t n = std::min(count(rng), storage.size() - at);
    std::vector<std::string_view> blocks;
    for (size_t i = at; i < at + n; i++) blocks.push_back(storage[i].view());
    CheckLeafHashes(blocks);
    at += n;
  }
}

TEST_CASE("LeafHashes of a long block among short ones", "[multi_hash]") {
  EachPath path;
  if (!path.ok()) return;
  INFO("path " << path.name() << ", seed " << Catch::rngSeed());
  std::mt19937_64 rng(Catch::rngSeed());
  // One lane hashes the megabyte while the others take the short blocks in
  // turn and then idle; a null empty view must not reach memcpy.
  std::vector<ExactBlock> storage;
  storage.emplace_back(size_t{1} << 20, rng);
  for (size_t i = 0; i < 30; i++) storage.emplace_back(i * 37 % 300, rng);
  std::vector<std::string_view> blocks;
  for (const ExactBlock& b : storage) blocks.push_back(b.view());
  blocks.insert(blocks.begin() + 3, std::string_view());
  CheckLeafHashes(blocks);
  std::reverse(blocks.begin(), blocks.end());
  CheckLeafHashes(blocks);
}

TEST_CASE("LeafHashes known answers", "[multi_hash]") {
  EachPath path;
  if (!path.ok()) return;
  INFO("path " << path.name());
  // BLAKE2b-256 of 00 ‖ u64le(3) ‖ "abc", computed by libsodium from the
  // hash's definition rather than through LeafHash.
  const uint8_t abc_message[12] = {0, 3, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c'};
  Hash32 abc_expected;
  crypto_generichash(abc_expected.data(), abc_expected.size(), abc_message,
                     sizeof(abc_message), nullptr, 0);
  // Two of each, so that the SIMD paths (which take two or more messages)
  // hash them.
  const std::vector<std::string_view> blocks = {"", "abc", "abc", ""};
  std::vector<Hash32> out(blocks.size());
  LeafHashes(blocks, out.data());
  // hypercore-crypto's leaf hashes (tests/data/vectors.json).
  CHECK(HexEncode(out[0]) ==
        "5187b7a8021bf4f2c004ea3a54cfece1754f11c7624d2363c7f4cf4fddd1441e");
  CHECK(HexEncode(out[1]) ==
        "cf7315a0fc0e5d6ef3292bb080af8126e66fc8e73e2d2158204c8b158eb24759");
  CHECK(out[1] == abc_expected);
  CHECK(out[2] == out[1]);
  CHECK(out[3] == out[0]);
}

TEST_CASE("ParentHashes match ParentHash, with shared and aliased nodes",
          "[multi_hash]") {
  EachPath path;
  if (!path.ok()) return;
  INFO("path " << path.name() << ", seed " << Catch::rngSeed());
  std::mt19937_64 rng(Catch::rngSeed());
  // Nodes in one array; pairs point into it, a node may be the left of one
  // pair and the right of another, or in several pairs.
  std::vector<TreeNode> nodes(16);
  for (size_t k = 0; k < nodes.size(); k++) {
    nodes[k].index = k;
    nodes[k].size = rng() >> (rng() % 64);  // small and huge sizes
    for (uint8_t& b : nodes[k].hash) b = static_cast<uint8_t>(rng());
  }
  std::uniform_int_distribution<size_t> count(0, 40);
  std::uniform_int_distribution<size_t> pick(0, nodes.size() - 1);
  for (int round = 0; round < 200; round++) {
    CAPTURE(round);
    const size_t n = count(rng);
    std::vector<const TreeNode*> left, right;
    for (size_t i = 0; i < n; i++) {
      size_t a = pick(rng), b = pick(rng);
      while (a == b) b = pick(rng);
      left.push_back(&nodes[std::min(a, b)]);
      right.push_back(&nodes[std::max(a, b)]);
    }
    // The outputs in shuffled order, and one past them as a sentinel.
    Hash32 sentinel;
    sentinel.fill(0x5a);
    std::vector<Hash32> results(n + 1, sentinel);
    std::vector<Hash32*> out;
    for (size_t i = 0; i < n; i++) out.push_back(&results[i]);
    std::shuffle(out.begin(), out.end(), rng);
    ParentHashes(left, right, out);
    for (size_t i = 0; i < n; i++) {
      CAPTURE(n, i, left[i]->index, right[i]->index);
      REQUIRE(HexEncode(*out[i]) == HexEncode(ParentHash(*left[i], *right[i])));
    }
    CHECK(results.back() == sentinel);
  }
}

// Whether `path` hashes like LeafHash on a mixed batch of blocks, forced.
void CheckPathRuns(HashPath path) {
  REQUIRE(ForceHashPathForTesting(path));
  std::vector<std::string> blocks;
  for (size_t n = 0; n < 20; n++) blocks.push_back(std::string(n * 13, 'x'));
  std::vector<std::string_view> views(blocks.begin(), blocks.end());
  CheckLeafHashes(views);
  ForceHashPathForTesting(std::nullopt);
}

// One test case per path, so that a path this CPU lacks shows as a skipped
// test (the line below matches the SKIP_REGULAR_EXPRESSION of
// tests/CMakeLists.txt) rather than hiding in a passing one; the test cases
// above then run every other path. Each path the CPU has is forced, the
// narrower ones too (AVX2 on an AVX-512 machine), and says so.
void ReportPath(HashPath path) {
  if (!HashPathSupported(path)) {
    std::cout << "BEE-SKIPPED: this CPU cannot run the " << PathName(path)
              << " hash path; run the tests on one that can\n";
    return;
  }
  CheckPathRuns(path);
  std::cout << "bee: the " << PathName(path) << " hash path ran\n";
}

TEST_CASE("multi_hash: the scalar path runs on this CPU", "[multi_hash]") {
  ReportPath(HashPath::kScalar);
}

TEST_CASE("multi_hash: the avx2 path runs on this CPU", "[multi_hash]") {
  ReportPath(HashPath::kAvx2);
}

TEST_CASE("multi_hash: the avx512 path runs on this CPU", "[multi_hash]") {
  ReportPath(HashPath::kAvx512);
}

TEST_CASE("only supported paths can be forced", "[multi_hash]") {
  CHECK(HashPathSupported(HashPath::kScalar));
  for (HashPath path : {HashPath::kAvx2, HashPath::kAvx512}) {
    CAPTURE(PathName(path));
    const bool supported = HashPathSupported(path);
    CHECK(ForceHashPathForTesting(path) == supported);
    CHECK((ActiveHashPath() == path) == supported);
    ForceHashPathForTesting(std::nullopt);
  }
  // By default the widest supported path runs.
  const HashPath best = HashPathSupported(HashPath::kAvx512) ? HashPath::kAvx512
                        : HashPathSupported(HashPath::kAvx2)
                            ? HashPath::kAvx2
                            : HashPath::kScalar;
  CHECK(ActiveHashPath() == best);
}

}  // namespace
}  // namespace bee::log
