// The log on disk: reopen, locking, read-only opens, and damaged files.
#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "log/core.h"
#include "log/internal/storage_format.h"
#include "tests/util/fault_env.h"
#include "tests/util/temp_dir.h"

namespace bee::log {
namespace {

KeyPair TestKey() {
  Seed seed{};
  seed.fill(0x42);
  return KeyPair::FromSeed(seed);
}

CoreOptions NoSyncOn(Env* env) {
  CoreOptions options;
  options.env = env;
  options.durability = Durability::kNoSync;
  return options;
}

// The status is Corruption and its message names `what`.
void CheckCorruption(const Status& s, std::string_view what) {
  CHECK(s.IsCorruption());
  CHECK(s.message().find(what) != std::string::npos);
}

std::vector<std::string> Blocks(int first, int n) {
  std::vector<std::string> out;
  for (int i = first; i < first + n; i++) {
    out.push_back("block-" + std::to_string(i) +
                  std::string(static_cast<size_t>(i % 7), '*'));
  }
  return out;
}

TEST_CASE("a log on disk reopens with the same signed state", "[log]") {
  test::TempDir tmp;
  std::string dir = tmp.Sub("log");
  SignedHead before;
  {
    auto core = Core::Create(dir, TestKey()).value();
    REQUIRE(core->Append(Blocks(0, 5)).ok());
    REQUIRE(core->Append(Blocks(5, 30)).ok());
    before = core->head();
    REQUIRE(core->Close().ok());
  }
  auto core = Core::Open(dir).value();
  CHECK(core->writable());
  CHECK(core->length() == 35);
  SignedHead after = core->head();
  CHECK(after.signature == before.signature);
  CHECK(after.tree_hash == before.tree_hash);
  CHECK(after.byte_length == before.byte_length);
  std::vector<std::string> expect = Blocks(0, 35);
  for (uint64_t i = 0; i < 35; i++) CHECK(core->Get(i).value() == expect[i]);
  REQUIRE(core->Append(Blocks(35, 1)).ok());
  CHECK(core->Get(35).value() == Blocks(35, 1)[0]);
  REQUIRE(core->VerifyAll().ok());
}

TEST_CASE("creating over an existing log is refused", "[log]") {
  test::TempDir tmp;
  auto core = Core::Create(tmp.path(), TestKey()).value();
  REQUIRE(core->Close().ok());
  auto again = Core::Create(tmp.path(), TestKey());
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().message().find("already holds a log") !=
        std::string::npos);
}

TEST_CASE("only one writer may hold a log, readers may open it", "[log]") {
  test::TempDir tmp;
  auto writer = Core::Create(tmp.path(), TestKey()).value();
  REQUIRE(writer->Append(Blocks(0, 3)).ok());
  auto second = Core::Open(tmp.path());
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().IsBusy());
  CoreOptions ro;
  ro.read_only = true;
  auto reader = Core::Open(tmp.path(), ro).value();
  CHECK_FALSE(reader->writable());
  CHECK(reader->length() == 3);
  CHECK(reader->Append(Blocks(3, 1)).IsInvalidArgument());
  REQUIRE(writer->Close().ok());
  writer.reset();
  CHECK(Core::Open(tmp.path()).ok());
}

TEST_CASE("opening a directory that is not a log names the problem", "[log]") {
  test::TempDir tmp;
  auto missing = Core::Open(tmp.Sub("nope"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().IsNotFound());
  auto empty = Core::Open(tmp.path());
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().message().find("not a bee log") != std::string::npos);
}

struct Damaged {
  test::FaultEnv env;
  CoreOptions options;
  std::vector<std::string> blocks = Blocks(0, 12);
  Damaged() {
    options.env = &env;
    auto core = Core::Create("/d", TestKey(), options).value();
    REQUIRE(core->Append(std::span(blocks).subspan(0, 8)).ok());
    REQUIRE(core->Append(std::span(blocks).subspan(8)).ok());
    REQUIRE(core->Close().ok());
  }
};

TEST_CASE("a flipped bit in a block is reported with file and offset",
          "[log]") {
  Damaged d;
  d.env.FlipBit("/d/data", 10, 3);  // inside block 1
  auto core = Core::Open("/d", d.options).value();
  CHECK(core->Get(0).ok());
  auto bad = core->Get(1);
  CheckCorruption(bad.status(), "data: block 1 at offset 7");
  CHECK(core->VerifyAll().IsCorruption());
}

TEST_CASE("a truncated data file is reported, not read past", "[log]") {
  Damaged d;
  std::string data = d.env.Contents("/d/data");
  d.env.SetContents("/d/data", data.substr(0, data.size() - 3));
  auto core = Core::Open("/d", d.options).value();
  auto bad = core->Get(11);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("truncated") != std::string::npos);
}

TEST_CASE("a flipped bit in a tree node is detected", "[log]") {
  Damaged d;
  // Leaf of block 2 (node 4): its hash no longer chains up to the root.
  d.env.FlipBit("/d/tree", 4 * internal::kTreeRecordSize + 20, 0);
  auto core = Core::Open("/d", d.options).value();
  auto bad = core->Get(2);
  CheckCorruption(bad.status(), "tree: merkle nodes 4 and 6");
  CHECK(core->Get(9).ok());
}

TEST_CASE("a damaged root node makes open fail clearly", "[log]") {
  Damaged d;
  // Node 19 is the root of blocks 8..11, signed only by the newest head.
  d.env.FlipBit("/d/tree", 19 * internal::kTreeRecordSize + 9, 0);
  auto core = Core::Open("/d", d.options);
  CheckCorruption(core.status(),
                  "slot 0 (generation 2, length 12) does not verify");
  CheckCorruption(core.status(), "blocks 8..11 past the last verifiable head");
  // A reader opens at the previous head, which still verifies.
  CoreOptions ro = d.options;
  ro.read_only = true;
  auto reader = Core::Open("/d", ro).value();
  CHECK(reader->length() == 8);
  REQUIRE(reader->head_damage().has_value());
  CHECK(reader->head_damage()->writes_may_be_lost);
  CHECK(reader->VerifyAll().IsCorruption());
  // Node 7 is signed by both heads: nothing verifies.
  d.env.FlipBit("/d/tree", 7 * internal::kTreeRecordSize + 9, 0);
  reader.reset();
  auto none = Core::Open("/d", ro);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message().find("no signed head verifies") !=
        std::string::npos);
}

TEST_CASE("a damaged meta file is refused", "[log]") {
  Damaged d;
  d.env.FlipBit("/d/meta", 40, 2);
  auto core = Core::Open("/d", d.options);
  CheckCorruption(core.status(), "/d/meta: checksum mismatch");
}

TEST_CASE("truncate survives reopen and later appends reuse the space",
          "[log]") {
  test::FaultEnv env;
  CoreOptions options;
  options.env = &env;
  {
    auto core = Core::Create("/t", TestKey(), options).value();
    REQUIRE(core->Append(Blocks(0, 10)).ok());
    REQUIRE(core->Truncate(4).ok());
    CHECK(core->fork() == 1);
    CHECK(core->Get(4).status().IsInvalidArgument());
    REQUIRE(core->Close().ok());
  }
  auto core = Core::Open("/t", options).value();
  CHECK(core->length() == 4);
  CHECK(core->fork() == 1);
  REQUIRE(core->Append(Blocks(100, 3)).ok());
  CHECK(core->Get(5).value() == Blocks(101, 1)[0]);
  REQUIRE(core->VerifyAll().ok());
  REQUIRE(core->Close().ok());
  core.reset();
  auto again = Core::Open("/t", options).value();
  CHECK(again->length() == 7);
  CHECK(again->Get(6).value() == Blocks(102, 1)[0]);
}

TEST_CASE("a tree node damaged after open is caught when first read", "[log]") {
  Damaged d;
  auto core = Core::Open("/d", d.options).value();
  CHECK(core->Get(0).value() == d.blocks[0]);  // verifies 0's path up to 7
  // The leaf of block 4 (node 8) was not read yet.
  d.env.FlipBit("/d/tree", 8 * internal::kTreeRecordSize + 30, 5);
  auto bad = core->Get(4);
  CheckCorruption(
      bad.status(),
      "tree: merkle nodes 8 and 10 (offsets 320, 400) do not hash to "
      "their parent 9");
  CHECK(core->GetNode(8).status().IsCorruption());
  CHECK(core->Get(5).status().IsCorruption());  // its path holds node 8
  CHECK(core->Get(6).value() == d.blocks[6]);
  // A damaged sibling high up the path is caught the same way.
  auto fresh = Core::Open("/d", CoreOptions{.env = &d.env, .read_only = true});
  REQUIRE(fresh.ok());
  d.env.FlipBit("/d/tree", 11 * internal::kTreeRecordSize + 1, 0);
  CHECK((*fresh)->Get(1).status().IsCorruption());
  CHECK((*fresh)->VerifyAll().IsCorruption());
}

TEST_CASE("a missing tree record is Corruption, not a crash", "[log]") {
  Damaged d;
  std::string tree = d.env.Contents("/d/tree");
  // Zero the leaf of block 3 (node 6), and cut the file inside node 21.
  tree.replace(6 * internal::kTreeRecordSize, internal::kTreeRecordSize,
               internal::kTreeRecordSize, '\0');
  d.env.SetContents("/d/tree", tree.substr(0, 21 * 40 + 10));
  auto core = Core::Open("/d", d.options).value();
  auto zero = core->Get(3);
  CheckCorruption(zero.status(), "node 6 at offset 240 is missing");
  CHECK(core->Get(2).status().IsCorruption());   // 6 is its leaf's sibling
  CHECK(core->Get(10).status().IsCorruption());  // 22 is past the end
  CHECK(core->Get(9).status().IsCorruption());   // 21 is cut short
  CHECK(core->Get(7).value() == d.blocks[7]);
}

TEST_CASE("reads after a truncation never see the old tree", "[log]") {
  test::FaultEnv env;
  CoreOptions options;
  options.env = &env;
  auto core = Core::Create("/t", TestKey(), options).value();
  REQUIRE(core->Append(Blocks(0, 40)).ok());
  REQUIRE(core->VerifyAll().ok());  // every node of the 40 is now cached
  REQUIRE(core->Truncate(13).ok());
  REQUIRE(core->Append(Blocks(500, 30)).ok());
  std::vector<std::string> expect = Blocks(0, 13), more = Blocks(500, 30);
  expect.insert(expect.end(), more.begin(), more.end());
  for (uint64_t i = 0; i < expect.size(); i++) {
    CAPTURE(i);
    CHECK(core->Get(i).value() == expect[i]);
  }
  REQUIRE(core->VerifyAll().ok());
  auto roots = core->RootsAt(43).value();
  CHECK(TreeHash(roots) == core->tree_hash());
}

// More nodes than the node cache holds (65,536): reads must verify from the
// tree file again after eviction, and the memory stays bounded.
TEST_CASE("a log much larger than the node cache verifies every block",
          "[log]") {
  test::FaultEnv env;
  CoreOptions options = NoSyncOn(&env);
  const uint64_t n = 70000;
  auto block = [](uint64_t i) { return "b" + std::to_string(i * 7919 % n); };
  {
    auto core = Core::Create("/big", TestKey(), options).value();
    for (uint64_t start = 0; start < n; start += 7000) {
      std::vector<std::string> blocks;
      for (uint64_t i = start; i < start + 7000; i++)
        blocks.push_back(block(i));
      REQUIRE(core->Append(blocks).ok());
    }
    REQUIRE(core->VerifyAll().ok());
    REQUIRE(core->Close().ok());
  }
  auto core = Core::Open("/big", options).value();
  REQUIRE(core->length() == n);
  std::mt19937_64 rng(Catch::rngSeed());
  for (int k = 0; k < 2000; k++) {
    uint64_t i = rng() % n;
    CAPTURE(i);
    REQUIRE(core->Get(i).value() == block(i));
  }
  REQUIRE(core->VerifyAll().ok());
  // A leaf evicted long ago is read again and still checked.
  env.FlipBit("/big/tree", 2 * 12345 * internal::kTreeRecordSize + 9, 2);
  std::string out;
  Status s = core->Get(12345, &out);
  if (s.ok()) {
    CHECK(out == block(12345));  // still cached: verified before the damage
  } else {
    CHECK(s.IsCorruption());
  }
  auto reopened =
      Core::Open("/big", CoreOptions{.env = &env, .read_only = true});
  REQUIRE(reopened.ok());
  CHECK((*reopened)->Get(12345).status().IsCorruption());
  CHECK((*reopened)->Get(12344).status().IsCorruption());  // the sibling
  CHECK((*reopened)->Get(12346).value() == block(12346));
}

// CoreOptions::node_cache_bytes bounds the cache: with room for 16 nodes
// every read re-verifies from the tree file, and still reads right and
// catches damage; a large cache serves the same reads.
TEST_CASE("the node cache size is an option and never changes what reads see",
          "[log]") {
  test::FaultEnv env;
  CoreOptions options = NoSyncOn(&env);
  const std::vector<std::string> blocks = Blocks(0, 3000);
  {
    auto core = Core::Create("/c", TestKey(), options).value();
    REQUIRE(core->Append(blocks).ok());
    REQUIRE(core->Close().ok());
  }
  for (size_t entries : {size_t{0}, size_t{16}, size_t{1} << 20}) {
    CAPTURE(entries);
    CoreOptions o = options;
    o.read_only = true;
    o.node_cache_bytes = entries * 56;
    auto core = Core::Open("/c", o).value();
    std::mt19937_64 rng(Catch::rngSeed() + entries);
    for (int k = 0; k < 500; k++) {
      uint64_t i = rng() % blocks.size();
      CAPTURE(i);
      REQUIRE(core->Get(i).value() == blocks[i]);
    }
    REQUIRE(core->VerifyAll().ok());
  }
  options.node_cache_bytes = 16 * 56;
  auto core = Core::Open("/c", options).value();
  REQUIRE(core->Get(2001).value() == blocks[2001]);
  env.FlipBit("/c/tree", 2 * 2001 * internal::kTreeRecordSize + 3, 1);
  for (int k = 0; k < 100; k++) {  // evicts what 2001 verified
    REQUIRE(core->Get(static_cast<uint64_t>(k) * 7).ok());
  }
  CHECK(core->Get(2001).status().IsCorruption());
  CHECK(core->Get(2000).status().IsCorruption());  // its leaf's sibling
  CHECK(core->Get(1999).value() == blocks[1999]);
}

}  // namespace
}  // namespace bee::log
