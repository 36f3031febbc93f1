// Core::GetMany, the mapped reads of a writable log, and the node cache's
// byte budget.
#include <atomic>
#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "log/core.h"
#include "log/internal/storage_format.h"
#include "log/proof.h"
#include "tests/util/fault_env.h"
#include "tests/util/temp_dir.h"

namespace bee::log {
namespace {

using internal::kTreeRecordSize;

KeyPair TestKey() {
  Seed seed{};
  seed.fill(0x51);
  return KeyPair::FromSeed(seed);
}

std::string Block(uint64_t i) {
  return "get-many-" + std::to_string(i) +
         std::string(static_cast<size_t>(i % 13),
                     static_cast<char>('a' + i % 26));
}

std::vector<std::string> Blocks(uint64_t first, uint64_t n) {
  std::vector<std::string> out;
  for (uint64_t i = first; i < first + n; i++) out.push_back(Block(i));
  return out;
}

struct Call {
  uint64_t index;
  std::string bytes;
  bool operator==(const Call&) const = default;
};

// GetMany's calls, and its status.
Status Collect(const Core& core, std::span<const uint64_t> indexes,
               std::vector<Call>* calls) {
  calls->clear();
  return core.GetMany(indexes, [&](uint64_t index, std::string_view bytes) {
    calls->push_back(Call{index, std::string(bytes)});
    return Status::OK();
  });
}

// What Get returns for each index, until the first error.
std::vector<Call> ByGet(const Core& core, std::span<const uint64_t> indexes) {
  std::vector<Call> calls;
  for (uint64_t i : indexes) {
    auto got = core.Get(i);
    if (!got.ok()) break;
    calls.push_back(Call{i, *got});
  }
  return calls;
}

// Index sets: empty, all in order, all reversed, random with duplicates,
// and more than one batch.
std::vector<std::vector<uint64_t>> IndexSets(uint64_t length, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint64_t>> sets(1);
  std::vector<uint64_t> all(length);
  for (uint64_t i = 0; i < length; i++) all[i] = i;
  sets.push_back(all);
  sets.emplace_back(all.rbegin(), all.rend());
  for (size_t n : {1u, 2u, 8u, 8u, 50u, 300u, 700u}) {
    std::vector<uint64_t> set;
    for (size_t k = 0; k < n; k++) set.push_back(rng() % length);
    if (n > 2) set.push_back(set.front());  // a duplicate
    sets.push_back(set);
  }
  return sets;
}

void CheckEqualsGet(const Core& core, uint64_t seed) {
  for (const auto& set : IndexSets(core.length(), seed)) {
    CAPTURE(set.size());
    std::vector<Call> calls;
    REQUIRE(Collect(core, set, &calls).ok());
    CHECK(calls.size() == set.size());
    CHECK(calls == ByGet(core, set));
    for (const Call& c : calls) REQUIRE(c.bytes == Block(c.index));
  }
}

CoreOptions OnDisk(size_t cache_bytes = size_t{8} << 20) {
  CoreOptions options;
  options.durability = Durability::kNoSync;
  options.node_cache_bytes = cache_bytes;
  return options;
}

TEST_CASE("GetMany returns what Get returns, mapped or read", "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  {
    auto core = Core::Create(dir, TestKey(), OnDisk()).value();
    REQUIRE(core->Append(Blocks(0, 1000)).ok());
    REQUIRE(core->Append(Blocks(1000, 333)).ok());  // an uneven length
  }
  for (size_t cache : {size_t{0}, size_t{8} << 10, size_t{8} << 20}) {
    CAPTURE(cache);
    {
      auto core = Core::Open(dir, OnDisk(cache)).value();
      CHECK(core->memory_usage().mapped_data_bytes >= core->byte_length());
      CheckEqualsGet(*core, Catch::rngSeed() + cache);
    }
    CoreOptions read_only = OnDisk(cache);
    read_only.read_only = true;
    auto core = Core::Open(dir, read_only).value();
    CHECK(core->memory_usage().mapped_data_bytes == 0);
    CheckEqualsGet(*core, Catch::rngSeed() + cache + 1);
  }
  auto memory = Core::CreateInMemory(TestKey()).value();
  REQUIRE(memory->Append(Blocks(0, 777)).ok());
  CHECK(memory->memory_usage().mapped_data_bytes == 0);
  CheckEqualsGet(*memory, Catch::rngSeed());
}

// Overwrites `n` bytes of file `path` at `offset` with 'X' (another
// process damaging it: a mapping sees the change).
void Damage(const std::string& path, uint64_t offset, size_t n = 1) {
  auto file = Env::Default()->OpenFile(path, OpenMode::kReadWrite).value();
  REQUIRE(file->Write(offset, std::string(n, 'X')).ok());
}

uint64_t DataOffset(uint64_t block) {
  uint64_t offset = 0;
  for (uint64_t i = 0; i < block; i++) offset += Block(i).size();
  return offset;
}

enum class Damaged { kData, kLeafHash, kForgedBlock, kParentSize };

// A log of 500 blocks in `dir`, read by GetMany (mapped unless read_only),
// then damaged as `what` says, then read again.
void CheckDamage(const std::string& dir, bool read_only, Damaged what) {
  CAPTURE(read_only, static_cast<int>(what));
  {
    auto core = Core::Create(dir, TestKey(), OnDisk()).value();
    REQUIRE(core->Append(Blocks(0, 500)).ok());
  }
  CoreOptions options = OnDisk();
  options.read_only = read_only;
  // A follower keeping the runs it read would serve them from memory, not
  // from the damaged files (verified_runs_test.cc tests that).
  options.run_bytes_cache_bytes = 0;
  auto core = Core::Open(dir, options).value();
  const std::vector<uint64_t> set{40, 7, 300, 123, 9, 13, 300, 450};
  std::vector<Call> calls;
  REQUIRE(Collect(*core, set, &calls).ok());  // and caches their paths
  Status s;
  size_t delivered = 0;
  switch (what) {
    case Damaged::kData:  // seen through the mapping, cached paths or not
      Damage(dir + "/data", DataOffset(300) + 3);
      s = Collect(*core, set, &calls);
      CHECK(s.message().find("data: block 300 ") != std::string::npos);
      delivered = 2;
      break;
    case Damaged::kLeafHash: {
      Damage(dir + "/tree", 2 * 123 * kTreeRecordSize + 20);
      core.reset();  // a writer holds the lock
      auto cold = Core::Open(dir, options).value();
      s = Collect(*cold, set, &calls);
      CHECK(s.message().find("merkle nodes 244 and 246") != std::string::npos);
      cold.reset();
      auto fresh = Core::Open(dir, options).value();
      CHECK(fresh->Get(123).status().message() == s.message());
      delivered = 3;
      break;
    }
    case Damaged::kForgedBlock: {
      // Other bytes for block 123 and the leaf record that matches them:
      // only the merkle path tells.
      const std::string forged(Block(123).size(), 'Y');
      auto data = Env::Default()->OpenFile(dir + "/data", OpenMode::kReadWrite);
      REQUIRE((*data)->Write(DataOffset(123), forged).ok());
      const Hash32 hash = LeafHash(forged);
      auto tree = Env::Default()->OpenFile(dir + "/tree", OpenMode::kReadWrite);
      REQUIRE((*tree)
                  ->Write(2 * 123 * kTreeRecordSize + 8,
                          std::string_view(
                              reinterpret_cast<const char*>(hash.data()), 32))
                  .ok());
      core.reset();
      auto cold = Core::Open(dir, options).value();
      s = Collect(*cold, set, &calls);
      CHECK(s.message().find("merkle nodes 244 and 246") != std::string::npos);
      delivered = 3;
      break;
    }
    case Damaged::kParentSize: {
      // Node 19 (blocks 8..11) is a sibling on the paths of blocks 12..15.
      Damage(dir + "/tree", 19 * kTreeRecordSize);
      core.reset();
      // Without block 9 in the batch: it would hash node 19 from its
      // children, and the damaged record would not matter.
      auto cold = Core::Open(dir, options).value();
      const std::vector<uint64_t> without9{40, 7, 300, 123, 13, 450};
      s = Collect(*cold, without9, &calls);
      CHECK(s.message().find("merkle nodes 19 and 27") != std::string::npos);
      delivered = 4;  // 40, 7, 300, 123
      const std::vector<uint64_t> good{0, 200, 9, 10, 11, 8};
      std::vector<Call> good_calls;
      REQUIRE(Collect(*cold, good, &good_calls).ok());
      CHECK(good_calls == ByGet(*cold, good));
      break;
    }
  }
  CHECK(s.IsCorruption());
  CHECK(calls.size() == delivered);  // never the damaged block's bytes
  for (const Call& c : calls) CHECK(c.bytes == Block(c.index));
}

TEST_CASE("GetMany stops at the first damaged block, naming it", "[log]") {
  test::TempDir tmp;
  int n = 0;
  for (Damaged what : {Damaged::kData, Damaged::kLeafHash,
                       Damaged::kForgedBlock, Damaged::kParentSize}) {
    for (bool read_only : {false, true}) {
      CheckDamage(tmp.Sub("log" + std::to_string(n++)), read_only, what);
    }
  }
}

TEST_CASE("GetMany refuses blocks past the length or not stored", "[log]") {
  auto core = Core::CreateInMemory(TestKey()).value();
  REQUIRE(core->Append(Blocks(0, 46)).ok());
  std::vector<Call> calls;
  const std::vector<uint64_t> past{3, 46, 4};
  Status s = Collect(*core, past, &calls);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message() == core->Get(46).status().message());
  CHECK(calls == std::vector<Call>{{3, Block(3)}});

  test::FaultEnv env;
  CoreOptions options;
  options.env = &env;
  auto replica =
      Core::CreateReplica("/replica", core->key(), core->manifest(), options)
          .value();
  for (uint64_t b : {5u, 6u, 30u}) {
    REQUIRE(ApplyProof(replica.get(),
                       CreateProof(*core, MakeRequest(*replica, b, 46)).value())
                .ok());
  }
  const std::vector<uint64_t> stored{30, 5, 6, 5};
  REQUIRE(Collect(*replica, stored, &calls).ok());
  CHECK(calls == ByGet(*core, stored));
  const std::vector<uint64_t> sparse{6, 30, 7, 5};
  s = Collect(*replica, sparse, &calls);
  CHECK(s.IsUnavailable());
  CHECK(s.message().find("block 7 ") != std::string::npos);
  CHECK(calls.size() == 2);
}

TEST_CASE("GetMany returns fn's first error", "[log]") {
  auto core = Core::CreateInMemory(TestKey()).value();
  REQUIRE(core->Append(Blocks(0, 20)).ok());
  const std::vector<uint64_t> set{1, 2, 3, 4};
  int calls = 0;
  Status s = core->GetMany(set, [&](uint64_t index, std::string_view) {
    calls++;
    return index == 3 ? Status::NotFound("stop at 3") : Status::OK();
  });
  CHECK(s.IsNotFound());
  CHECK(calls == 3);
}

// fn may read another log with GetMany (its batch is not the caller's).
TEST_CASE("GetMany nests across logs", "[log]") {
  auto a = Core::CreateInMemory(TestKey()).value();
  auto b = Core::CreateInMemory(TestKey()).value();
  REQUIRE(a->Append(Blocks(0, 300)).ok());
  REQUIRE(b->Append(Blocks(1000, 300)).ok());
  const std::vector<uint64_t> outer{299, 3, 150, 3};
  std::vector<Call> got, inner;
  Status s = a->GetMany(outer, [&](uint64_t index, std::string_view bytes) {
    const std::string copy(bytes);
    const std::vector<uint64_t> one{index, 299 - index};
    BEE_RETURN_IF_ERROR(Collect(*b, one, &inner));
    got.push_back(Call{index, copy});
    for (const Call& c : inner) {
      if (c.bytes != Block(1000 + c.index)) return Status::Corruption("b");
    }
    return Status::OK();
  });
  REQUIRE(s.ok());
  CHECK(got == ByGet(*a, outer));
}

TEST_CASE("the node cache stays within its byte budget", "[log]") {
  test::FaultEnv env;
  CoreOptions options;
  options.env = &env;
  options.durability = Durability::kNoSync;
  {
    auto core = Core::Create("/c", TestKey(), options).value();
    REQUIRE(core->Append(Blocks(0, 20000)).ok());
  }
  for (size_t budget :
       {size_t{0}, size_t{3000}, size_t{100} << 10, size_t{1} << 20}) {
    CAPTURE(budget);
    options.node_cache_bytes = budget;
    auto core = Core::Open("/c", options).value();
    std::mt19937_64 rng(Catch::rngSeed() + budget);
    const size_t limit = std::max(budget, size_t{2048});
    for (int round = 0; round < 40; round++) {
      std::vector<uint64_t> set;
      for (int k = 0; k < 200; k++) set.push_back(rng() % 20000);
      std::vector<Call> calls;
      REQUIRE(Collect(*core, set, &calls).ok());
      REQUIRE(core->Get(rng() % 20000).ok());
      REQUIRE(core->memory_usage().node_cache_bytes <= limit);
    }
    // A large budget is used, not just respected.
    if (budget >= (size_t{1} << 20)) {
      CHECK(core->memory_usage().node_cache_bytes > budget / 4);
    }
  }
}

TEST_CASE("a writable log's mapping grows with its appends", "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  auto core = Core::Create(dir, TestKey(), OnDisk()).value();
  CHECK(core->memory_usage().mapped_data_bytes == 0);
  // Past the first mapping (1 MiB) of both files, twice.
  uint64_t length = 0;
  for (uint64_t n : {1u, 10u, 3000u, 30000u, 5u, 40000u}) {
    std::vector<std::string> blocks;
    for (uint64_t i = length; i < length + n; i++) {
      blocks.push_back(Block(i) + std::string(40, 'q'));
    }
    REQUIRE(core->Append(blocks).ok());
    length += n;
    CAPTURE(length);
    const CoreMemoryUsage usage = core->memory_usage();
    CHECK(usage.mapped_data_bytes == core->byte_length());
    CHECK(usage.mapped_tree_bytes == (2 * length - 1) * kTreeRecordSize);
    const std::vector<uint64_t> set{length - 1, 0, length / 2, length - 1};
    std::vector<Call> calls;
    REQUIRE(Collect(*core, set, &calls).ok());
    CHECK(calls == ByGet(*core, set));
    CHECK(calls[0].bytes == blocks.back());
  }
  CHECK(core->byte_length() > (size_t{2} << 20));
}

// Readers run while appends grow (and replace) the mappings.
TEST_CASE("GetMany runs concurrently with appends", "[log]") {
  test::TempDir tmp;
  auto core = Core::Create(tmp.Sub("log"), TestKey(), OnDisk()).value();
  REQUIRE(core->Append(Blocks(0, 10)).ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    std::mt19937_64 rng(Catch::rngSeed());
    while (!done.load()) {
      const uint64_t length = core->length();
      std::vector<uint64_t> set;
      for (int k = 0; k < 16; k++) set.push_back(rng() % length);
      Status s = core->GetMany(set, [&](uint64_t i, std::string_view bytes) {
        if (bytes != Block(i)) bad++;
        return Status::OK();
      });
      if (!s.ok()) bad++;
    }
  });
  uint64_t length = 10;
  while (length < 60000) {
    const uint64_t n = 1 + length / 4;
    REQUIRE(core->Append(Blocks(length, n)).ok());
    length += n;
  }
  done = true;
  reader.join();
  CHECK(bad.load() == 0);
}

TEST_CASE("a read-only follower reads what Refresh publishes", "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  auto writer = Core::Create(dir, TestKey(), OnDisk()).value();
  REQUIRE(writer->Append(Blocks(0, 100)).ok());
  CoreOptions options = OnDisk();
  options.read_only = true;
  auto follower = Core::Open(dir, options).value();
  uint64_t length = 100;
  for (uint64_t n : {1u, 5000u, 40000u}) {
    REQUIRE(writer->Append(Blocks(length, n)).ok());
    length += n;
    REQUIRE(follower->Refresh().value().changed);
    CHECK(follower->memory_usage().mapped_data_bytes == 0);
    const std::vector<uint64_t> set{length - 1, 3, length - n};
    std::vector<Call> calls;
    REQUIRE(Collect(*follower, set, &calls).ok());
    CHECK(calls == ByGet(*writer, set));
  }
}

// No bee process shrinks `data` or `tree`: what makes the writer's mapping
// safe. A truncation signs a shorter head; the next append overwrites.
TEST_CASE("a truncation keeps the files and the mapping valid", "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  auto core = Core::Create(dir, TestKey(), OnDisk()).value();
  REQUIRE(core->Append(Blocks(0, 3000)).ok());
  auto size = [&](const char* name) {
    auto file =
        Env::Default()->OpenFile(dir + "/" + name, OpenMode::kRead).value();
    return file->Size().value();
  };
  const uint64_t data_size = size("data"), tree_size = size("tree");
  const std::vector<uint64_t> set{2999, 1000, 5};
  std::vector<Call> calls;
  REQUIRE(Collect(*core, set, &calls).ok());
  REQUIRE(core->Truncate(1000).ok());
  CHECK(size("data") == data_size);
  CHECK(size("tree") == tree_size);
  CHECK(Collect(*core, set, &calls).IsInvalidArgument());
  // Different bytes where blocks 1000.. were, read through the mapping.
  std::vector<std::string> other;
  for (int i = 0; i < 2000; i++) other.push_back("other-" + std::to_string(i));
  REQUIRE(core->Append(other).ok());
  REQUIRE(Collect(*core, set, &calls).ok());
  CHECK(calls[0].bytes == other[1999]);
  CHECK(calls[1].bytes == other[0]);
  CHECK(calls[2].bytes == Block(5));
  CHECK(calls == ByGet(*core, set));
  REQUIRE(core->Close().ok());
  auto repaired = Core::Repair(dir, OnDisk());
  REQUIRE(repaired.ok());
  CHECK(size("data") >= data_size);
}

// Someone else shrinks the files under a read-only follower (not a bee
// process: a user, a tool). It does not map them, so it reports the damage
// instead of dying of SIGBUS.
TEST_CASE("a read-only follower survives its files being cut short", "[log]") {
  test::TempDir tmp;
  const std::string dir = tmp.Sub("log");
  {
    auto core = Core::Create(dir, TestKey(), OnDisk()).value();
    REQUIRE(core->Append(Blocks(0, 20000)).ok());
  }
  CoreOptions options = OnDisk();
  options.read_only = true;
  auto follower = Core::Open(dir, options).value();
  const std::vector<uint64_t> set{5, 19999};
  std::vector<Call> calls;
  REQUIRE(Collect(*follower, set, &calls).ok());
  auto data = Env::Default()->OpenFile(dir + "/data", OpenMode::kReadWrite);
  REQUIRE((*data)->Truncate(DataOffset(10000)).ok());
  Status s = Collect(*follower, set, &calls);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("block 19999 ") != std::string::npos);
  CHECK(s.message().find("truncated") != std::string::npos);
  CHECK(calls.size() == 1);
  auto tree = Env::Default()->OpenFile(dir + "/tree", OpenMode::kReadWrite);
  REQUIRE((*tree)->Truncate(2 * 100 * kTreeRecordSize).ok());
  CHECK(follower->Get(15000).status().IsCorruption());
  const std::vector<uint64_t> past_tree{5, 15000, 5};
  s = Collect(*follower, past_tree, &calls);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("merkle node 30000 ") != std::string::npos);
  CHECK(calls.size() == 1);
  CHECK(follower->Get(5).value() == Block(5));
}

}  // namespace
}  // namespace bee::log
