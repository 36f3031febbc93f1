// Bulk-verified runs of a mapped log (log/core_runs.cc, docs/FORMAT.md
// §1.4): what a run verified once still checks on every read, and what
// makes a run fail its verification. Damage here is written by this test
// through its own file handle while the log is open: a mapping sees it at
// once, as it would see another process ignoring the directory lock.
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "log/core.h"
#include "log/internal/storage_format.h"
#include "tests/util/forwarding_env.h"
#include "tests/util/temp_dir.h"

namespace bee::log {
namespace {

using internal::kTreeRecordSize;

constexpr uint64_t kRun = 64;  // VerifiedRuns::kRunBlocks

KeyPair TestKey() {
  Seed seed{};
  seed.fill(0x52);
  return KeyPair::FromSeed(seed);
}

std::string Block(uint64_t i) {
  return "run-" + std::to_string(i) +
         std::string(static_cast<size_t>(i % 17),
                     static_cast<char>('a' + i % 26));
}

std::vector<std::string> Blocks(uint64_t first, uint64_t n) {
  std::vector<std::string> out;
  for (uint64_t i = first; i < first + n; i++) out.push_back(Block(i));
  return out;
}

uint64_t DataOffset(uint64_t block) {
  uint64_t offset = 0;
  for (uint64_t i = 0; i < block; i++) offset += Block(i).size();
  return offset;
}

CoreOptions OnDisk() {
  CoreOptions options;
  options.durability = Durability::kNoSync;
  return options;
}

void Write(const std::string& path, uint64_t offset, std::string_view bytes) {
  auto file = Env::Default()->OpenFile(path, OpenMode::kReadWrite).value();
  REQUIRE(file->Write(offset, bytes).ok());
}

void WriteRecord(const std::string& dir, const TreeNode& node) {
  std::string record(kTreeRecordSize, '\0');
  for (int i = 0; i < 8; i++) {
    record[static_cast<size_t>(i)] = static_cast<char>(node.size >> (8 * i));
  }
  record.replace(8, 32, reinterpret_cast<const char*>(node.hash.data()), 32);
  Write(dir + "/tree", node.index * kTreeRecordSize, record);
}

// Every block through Get and through one GetMany in a scattered order (as
// a B-tree scan reads them); fails the test on any difference.
void ReadAll(const Core& core) {
  std::vector<uint64_t> order;
  for (uint64_t i = 0; i < core.length(); i++) {
    order.push_back((i * 7919) % core.length());
  }
  size_t k = 0;
  REQUIRE(core.GetMany(order,
                       [&](uint64_t index, std::string_view bytes) {
                         CHECK(index == order[k++]);
                         CHECK(bytes == Block(index));
                         return Status::OK();
                       })
              .ok());
  for (uint64_t b = 0; b < core.length(); b += 5) {
    REQUIRE(core.Get(b).value() == Block(b));
  }
}

// The Corruption Get and a GetMany return for `block`, which must be the
// same, and the bytes GetMany delivered before it.
Status ReadDamaged(const Core& core, uint64_t block) {
  const std::vector<uint64_t> set{block - 1, block, block + 1};
  std::vector<std::string> got;
  Status s = core.GetMany(set, [&](uint64_t index, std::string_view bytes) {
    got.push_back(std::string(bytes));
    CHECK(bytes == Block(index));
    return Status::OK();
  });
  CHECK(got.size() == 1);
  CHECK(s.IsCorruption());
  CHECK(core.Get(block).status().message() == s.message());
  return s;
}

// Forges block `block` of the run [kRun, 2 * kRun) and rewrites every
// record of the run from it, up to the run's root (node 191): only the run
// root's path to the signed root tells.
void ForgeWholeRun(const std::string& dir, uint64_t block) {
  const std::string forged(Block(block).size(), 'Z');
  Write(dir + "/data", DataOffset(block), forged);
  std::vector<TreeNode> level;
  for (uint64_t b = kRun; b < 2 * kRun; b++) {
    level.push_back(LeafNode(b, b == block ? forged : Block(b)));
  }
  while (level.size() > 1) {
    std::vector<TreeNode> up;
    for (size_t i = 0; i < level.size(); i += 2) {
      up.push_back(ParentNode(level[i], level[i + 1]));
    }
    for (const TreeNode& n : level) WriteRecord(dir, n);
    level = up;
  }
  WriteRecord(dir, level[0]);  // the run's root, node 191
}

TEST_CASE("a mapped log reads every block the same through verified runs",
          "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  {
    auto core = Core::Create(dir, TestKey(), OnDisk()).value();
    REQUIRE(core->Append(Blocks(0, 10 * kRun + 7)).ok());
    ReadAll(*core);  // the writer, which appended them
  }
  auto core = Core::Open(dir, OnDisk()).value();
  CHECK(core->memory_usage().verified_runs_bytes >= 10 * 8);
  ReadAll(*core);
  ReadAll(*core);  // every run verified now
  // Appends complete more runs; reads see them.
  REQUIRE(core->Append(Blocks(10 * kRun + 7, 3 * kRun)).ok());
  ReadAll(*core);
  CoreOptions read_only = OnDisk();
  read_only.read_only = true;
  auto follower = Core::Open(dir, read_only).value();
  CHECK(follower->memory_usage().verified_runs_bytes == 0);  // pread
  ReadAll(*follower);
}

// A byte of a block changes after its run was verified: the read hashes
// the block against its leaf record, so it is Corruption naming the block.
TEST_CASE("a block damaged after its run was verified is Corruption", "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  auto core = Core::Create(dir, TestKey(), OnDisk()).value();
  REQUIRE(core->Append(Blocks(0, 4 * kRun)).ok());
  ReadAll(*core);
  const uint64_t block = 2 * kRun + 9;
  Write(dir + "/data", DataOffset(block) + 2, "#");
  Status s = ReadDamaged(*core, block);
  CHECK(s.message().find("data: block " + std::to_string(block) + " ") !=
        std::string::npos);
  // The leaf record of another block instead: its hash no longer matches
  // the block, whose path up to the verified run root is then read.
  const uint64_t other = 3 * kRun + 5;
  Write(dir + "/tree", 2 * other * kTreeRecordSize + 8, "#");
  s = ReadDamaged(*core, other);
  CHECK(s.message().find("merkle nodes " + std::to_string(2 * other - 2) +
                         " and " + std::to_string(2 * other)) !=
        std::string::npos);
}

// Damage before a run is verified: the run fails, and its blocks are read
// alone, which names the damage; its other blocks still read.
TEST_CASE("a run damaged before its verification is read block by block",
          "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  {
    auto core = Core::Create(dir, TestKey(), OnDisk()).value();
    REQUIRE(core->Append(Blocks(0, 4 * kRun)).ok());
  }
  const uint64_t block = kRun + 30;
  SECTION("a byte of a block") {
    Write(dir + "/data", DataOffset(block), "#");
    auto core = Core::Open(dir, OnDisk()).value();
    Status s = ReadDamaged(*core, block);
    CHECK(s.message().find("data: block " + std::to_string(block) + " ") !=
          std::string::npos);
    CHECK(core->Get(block + 20).value() == Block(block + 20));
  }
  SECTION("a parent inside the run") {
    // Node 189 (blocks 94 and 95) is the sibling on the paths of blocks 92
    // and 93, which read it alone.
    Write(dir + "/tree", 189 * kTreeRecordSize + 30, "#");
    auto core = Core::Open(dir, OnDisk()).value();
    Status s = core->Get(93).status();
    CHECK(s.IsCorruption());
    CHECK(s.message().find("merkle nodes 185 and 189") != std::string::npos);
    const std::vector<uint64_t> set{93};
    CHECK(core->GetMany(set,
                        [](uint64_t, std::string_view) { return Status::OK(); })
              .message() == s.message());
    CHECK(core->Get(block + 20).value() == Block(block + 20));
  }
  SECTION("another block and its leaf record, forged to match") {
    const std::string forged(Block(block).size(), 'Y');
    Write(dir + "/data", DataOffset(block), forged);
    WriteRecord(dir, LeafNode(block, forged));
    auto core = Core::Open(dir, OnDisk()).value();
    Status s = ReadDamaged(*core, block);
    CHECK(s.message().find("merkle nodes " + std::to_string(2 * block)) !=
          std::string::npos);
  }
  SECTION("the whole run forged up to its root") {
    // Every record of the run recomputed from the forged block: only the
    // run root's path to the signed root tells.
    ForgeWholeRun(dir, block);
    auto core = Core::Open(dir, OnDisk()).value();
    Status s = core->Get(block).status();
    CHECK(s.IsCorruption());
    CHECK(s.message().find("191") != std::string::npos);
    CHECK(core->Get(kRun + 1).status().IsCorruption());
    CHECK(core->Get(2 * kRun + 1).value() == Block(2 * kRun + 1));
  }
}

// A truncation forgets the runs it cut: their blocks are verified again
// against the new signed tree, not served from the old verification.
TEST_CASE("a truncation drops the verified runs it cuts", "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  auto core = Core::Create(dir, TestKey(), OnDisk()).value();
  REQUIRE(core->Append(Blocks(0, 3 * kRun)).ok());
  ReadAll(*core);
  REQUIRE(core->Truncate(kRun + 10).ok());
  std::vector<std::string> other;
  for (uint64_t i = kRun + 10; i < 3 * kRun; i++) {
    other.push_back("other-" + std::to_string(i));
  }
  REQUIRE(core->Append(other).ok());
  const uint64_t block = kRun + 40;
  CHECK(core->Get(block).value() == other[block - kRun - 10]);  // verified
  // Forged after a truncation and the same appends: a run still marked
  // from before would serve it.
  REQUIRE(core->Truncate(kRun + 10).ok());
  REQUIRE(core->Append(other).ok());
  const std::string forged(other[block - kRun - 10].size(), 'F');
  uint64_t offset = DataOffset(kRun + 10);
  for (uint64_t b = kRun + 10; b < block; b++) {
    offset += other[b - kRun - 10].size();
  }
  Write(dir + "/data", offset, forged);
  WriteRecord(dir, LeafNode(block, forged));
  CHECK(core->Get(block).status().IsCorruption());
}

// Read-only followers (pread, no mapping): a run is verified through one
// read of its records and one of its bytes, and its leaves are kept in the
// node cache; each later read of one of its blocks is checked against them.

// A follower; with `keep` 0 it keeps no run's bytes, only its leaves, and
// reads every block from `data`.
CoreOptions Follower(Env* env = nullptr,
                     size_t keep = CoreOptions{}.run_bytes_cache_bytes) {
  CoreOptions options = OnDisk();
  options.read_only = true;
  options.env = env;
  options.run_bytes_cache_bytes = keep;
  return options;
}

// Counts the reads of `tree` files.
class TreeReadCounter : public test::ForwardingEnv {
 public:
  TreeReadCounter() : ForwardingEnv(Env::Default()) {}
  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         OpenMode mode) override {
    BEE_ASSIGN_OR_RETURN(auto file, base()->OpenFile(path, mode));
    if (!path.ends_with("/tree")) return file;
    return std::unique_ptr<File>(
        std::make_unique<Counted>(std::move(file), &reads_));
  }
  uint64_t reads() const { return reads_.load(); }

 private:
  class Counted : public test::ForwardingFile {
   public:
    Counted(std::unique_ptr<File> base, std::atomic<uint64_t>* reads)
        : ForwardingFile(std::move(base)), reads_(reads) {}
    Status Read(uint64_t offset, size_t n, std::string* out) const override {
      ++*reads_;
      return ForwardingFile::Read(offset, n, out);
    }

   private:
    std::atomic<uint64_t>* reads_;
  };
  std::atomic<uint64_t> reads_{0};
};

TEST_CASE("a read-only follower verifies a run once and reads its blocks",
          "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  {
    auto core = Core::Create(dir, TestKey(), OnDisk()).value();
    REQUIRE(core->Append(Blocks(0, 8 * kRun + 7)).ok());
  }
  TreeReadCounter env;
  auto follower = Core::Open(dir, Follower(&env)).value();
  ReadAll(*follower);
  ReadAll(*follower);
  // The 64 blocks of one run, one Get each in a scattered order: one read
  // of the run's records and the run root's path, then none per block (a
  // block alone would read its leaf record and its path).
  auto fresh = Core::Open(dir, Follower(&env)).value();
  const uint64_t before = env.reads();
  for (uint64_t i = 0; i < kRun; i++) {
    const uint64_t block = 3 * kRun + (i * 37) % kRun;
    REQUIRE(fresh->Get(block).value() == Block(block));
  }
  CHECK(env.reads() - before <= 8);
  CHECK(fresh->memory_usage().node_cache_bytes <= OnDisk().node_cache_bytes);
}

TEST_CASE(
    "a follower's block rewritten after its run was verified is "
    "Corruption",
    "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  auto writer = Core::Create(dir, TestKey(), OnDisk()).value();
  REQUIRE(writer->Append(Blocks(0, 4 * kRun)).ok());
  auto follower = Core::Open(dir, Follower(nullptr, 0)).value();
  ReadAll(*follower);
  const uint64_t block = 2 * kRun + 9;
  Write(dir + "/data", DataOffset(block) + 2, "#");
  Status s = ReadDamaged(*follower, block);
  CHECK(s.message().find("data: block " + std::to_string(block) + " ") !=
        std::string::npos);
  CHECK(s.message().find("does not match its merkle hash") !=
        std::string::npos);
}

TEST_CASE("a follower's run forged before its verification is Corruption",
          "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  {
    auto core = Core::Create(dir, TestKey(), OnDisk()).value();
    REQUIRE(core->Append(Blocks(0, 4 * kRun)).ok());
  }
  const uint64_t block = kRun + 30;
  SECTION("a block and its leaf record, forged to match") {
    const std::string forged(Block(block).size(), 'Y');
    Write(dir + "/data", DataOffset(block), forged);
    WriteRecord(dir, LeafNode(block, forged));
    auto follower = Core::Open(dir, Follower()).value();
    Status s = ReadDamaged(*follower, block);
    CHECK(s.message().find("merkle nodes " + std::to_string(2 * block)) !=
          std::string::npos);
    CHECK(follower->Get(block + 20).value() == Block(block + 20));
  }
  SECTION("the whole run forged up to its root") {
    ForgeWholeRun(dir, block);
    auto follower = Core::Open(dir, Follower()).value();
    Status s = follower->Get(block).status();
    CHECK(s.IsCorruption());
    CHECK(s.message().find("191") != std::string::npos);
    CHECK(follower->Get(kRun + 1).status().IsCorruption());
    CHECK(follower->Get(2 * kRun + 1).value() == Block(2 * kRun + 1));
  }
}

TEST_CASE("a follower's data file cut short is Corruption", "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  {
    auto core = Core::Create(dir, TestKey(), OnDisk()).value();
    REQUIRE(core->Append(Blocks(0, 4 * kRun)).ok());
  }
  const uint64_t block = 3 * kRun + 20;
  auto follower = Core::Open(dir, Follower(nullptr, 0)).value();
  const bool warmed = GENERATE(false, true);
  CAPTURE(warmed);
  if (warmed) ReadAll(*follower);
  auto file = Env::Default()->OpenFile(dir + "/data", OpenMode::kReadWrite);
  REQUIRE(file.value()->Truncate(DataOffset(block) + 1).ok());
  Status s = ReadDamaged(*follower, block);
  CHECK(s.message().find("data: block " + std::to_string(block) + " ") !=
        std::string::npos);
  CHECK(s.message().find("truncated") != std::string::npos);
}

// The writer truncates and appends other blocks (a new fork): the follower
// refuses the new bytes against the leaves it verified until it refreshes,
// and reads them after its Refresh dropped those leaves.
TEST_CASE("a follower's Refresh drops the verified leaves a fork changed",
          "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  auto writer = Core::Create(dir, TestKey(), OnDisk()).value();
  REQUIRE(writer->Append(Blocks(0, 3 * kRun)).ok());
  const bool keep = GENERATE(false, true);
  CAPTURE(keep);
  auto follower =
      Core::Open(dir, Follower(nullptr, keep ? size_t{1} << 20 : 0)).value();
  ReadAll(*follower);
  REQUIRE(writer->Truncate(kRun + 10).ok());
  std::vector<std::string> other;
  for (uint64_t i = kRun + 10; i < 3 * kRun; i++) {
    other.push_back("other-" + std::to_string(i));
  }
  REQUIRE(writer->Append(other).ok());
  if (keep) {
    // Until it refreshes, a follower keeping the runs it verified returns
    // the blocks its signed length holds, from memory.
    CHECK(follower->Get(kRun + 12).value() == Block(kRun + 12));
  } else {
    // Block kRun + 12's bytes were overwritten by the new fork's (bytes
    // past the new fork's end may still hold the old blocks, which then
    // verify).
    Status s = follower->Get(kRun + 12).status();
    CHECK(s.IsCorruption());
    CHECK(s.message().find("data: block " + std::to_string(kRun + 12) + " ") !=
          std::string::npos);
  }
  CHECK(follower->Get(kRun + 3).value() == Block(kRun + 3));  // unchanged
  REQUIRE(follower->Refresh().value().changed);
  for (uint64_t b = kRun + 10; b < 3 * kRun; b++) {
    CAPTURE(b);
    REQUIRE(follower->Get(b).value() == other[b - kRun - 10]);
  }
  CHECK(follower->Get(kRun + 3).value() == Block(kRun + 3));
}

// A follower keeps the bytes of the runs it verified (within its budget)
// and serves their blocks from memory: no read of `data`, no hash, and
// what it returns is what it proved, whatever is written to the file later.
TEST_CASE("a follower reads a kept run's blocks from memory, within budget",
          "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  {
    auto core = Core::Create(dir, TestKey(), OnDisk()).value();
    REQUIRE(core->Append(Blocks(0, 8 * kRun + 7)).ok());
  }
  // Room for about five runs of these blocks (a run over a quarter of the
  // budget is not kept).
  const size_t budget = 5 * (DataOffset(kRun) + 640) + 100;
  auto follower = Core::Open(dir, Follower(nullptr, budget)).value();
  const uint64_t block = 2 * kRun + 9;
  REQUIRE(follower->Get(block).value() == Block(block));
  CHECK(follower->memory_usage().run_bytes_cache_bytes > 0);
  // Damage on disk after the run was kept: not read again.
  Write(dir + "/data", DataOffset(block) + 2, "#");
  CHECK(follower->Get(block).value() == Block(block));
  std::vector<uint64_t> run;
  for (uint64_t i = 2 * kRun; i < 3 * kRun; i++) run.push_back(i);
  REQUIRE(follower
              ->GetMany(run,
                        [&](uint64_t index, std::string_view bytes) {
                          CHECK(bytes == Block(index));
                          return Status::OK();
                        })
              .ok());
  // Every block, many times the budget: the runs kept stay within it,
  // every block equal to what was written (the last, incomplete run is read
  // block by block).
  Write(dir + "/data", DataOffset(block) + 2, Block(block).substr(2, 1));
  ReadAll(*follower);
  ReadAll(*follower);
  CHECK(follower->memory_usage().run_bytes_cache_bytes <= budget);
  CHECK(follower->memory_usage().run_bytes_cache_bytes > budget / 2);
  // A run damaged before it was verified is not kept: the damage is found.
  const uint64_t far = 5 * kRun + 3;
  auto fresh = Core::Open(dir, Follower(nullptr, budget)).value();
  Write(dir + "/data", DataOffset(far) + 1, "#");
  Status s = fresh->Get(far).status();
  CHECK(s.IsCorruption());
}

}  // namespace
}  // namespace bee::log
