// What a log tells a replicator it holds (PROTOCOL.md §6.4, §7.6):
// contiguous_length, held_blocks and HeldBitfield on writable logs, sparse
// replicas filled out of order, after truncation, reopening and refresh;
// and WaitForBlock waking when a proof brings the block.
#include <algorithm>
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "log/core.h"
#include "log/proof.h"
#include "tests/util/fault_env.h"
#include "tests/util/temp_dir.h"

namespace bee::log {
namespace {

// The recorded sessions' core: seed 01…01, blocks "block-00".."block-49".
std::unique_ptr<Core> SessionCore() {
  Seed seed;
  seed.fill(1);
  auto core = Core::CreateInMemory(KeyPair::FromSeed(seed)).value();
  std::vector<std::string> blocks;
  for (int i = 0; i < 50; i++) {
    blocks.push_back((i < 10 ? "block-0" : "block-") + std::to_string(i));
  }
  REQUIRE(core->Append(blocks).ok());
  return core;
}

std::unique_ptr<Core> NewReplica(const Core& source, Env* env,
                                 const std::string& dir = "/r") {
  CoreOptions options;
  options.env = env;
  return Core::CreateReplica(dir, source.key(), source.manifest(), options)
      .value();
}

Status Fetch(const Core& source, Core* replica, std::optional<uint64_t> block) {
  auto proof =
      CreateProof(source, MakeRequest(*replica, block, source.length()));
  if (!proof.ok()) return proof.status();
  return ApplyProof(replica, *proof);
}

std::vector<uint32_t> Words(const Core& core, uint64_t start, size_t n) {
  std::vector<uint32_t> words(n, 0xdeadbeef);
  REQUIRE(core.HeldBitfield(start, words).ok());
  return words;
}

// The words a set of held blocks gives, built bit by bit.
std::vector<uint32_t> ModelWords(const std::vector<bool>& held, uint64_t start,
                                 size_t n) {
  std::vector<uint32_t> words(n, 0);
  for (uint64_t b = start; b < start + 32 * n && b < held.size(); b++) {
    if (held[b]) {
      words[(b - start) / 32] |= uint32_t{1} << ((b - start) % 32);
    }
  }
  return words;
}

TEST_CASE("a writable log holds every block below its length",
          "[log][availability]") {
  auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  CHECK(core->contiguous_length() == 0);
  CHECK(core->held_blocks() == 0);
  CHECK(Words(*core, 0, 2) == std::vector<uint32_t>{0, 0});

  std::vector<std::string> blocks(40, "x");
  REQUIRE(core->Append(blocks).ok());
  CHECK(core->contiguous_length() == 40);
  CHECK(core->held_blocks() == 40);
  CHECK(Words(*core, 0, 3) == std::vector<uint32_t>{0xffffffff, 0x000000ff, 0});
  CHECK(Words(*core, 32, 1) == std::vector<uint32_t>{0xff});
  CHECK(Words(*core, 64, 1) == std::vector<uint32_t>{0});

  REQUIRE(core->Truncate(35).ok());
  CHECK(core->contiguous_length() == 35);
  CHECK(core->held_blocks() == 35);
  CHECK(Words(*core, 0, 2) == std::vector<uint32_t>{0xffffffff, 0x7});
  REQUIRE(core->Truncate(0).ok());
  CHECK(core->contiguous_length() == 0);
  CHECK(Words(*core, 0, 1) == std::vector<uint32_t>{0});
}

TEST_CASE("a bitfield range must start on a word", "[log][availability]") {
  auto core = SessionCore();
  std::array<uint32_t, 2> words{7, 7};
  for (uint64_t start : {uint64_t{1}, uint64_t{17}, uint64_t{33}}) {
    CAPTURE(start);
    Status s = core->HeldBitfield(start, words);
    CHECK(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains("not a multiple of 32"));
    CHECK(words == std::array<uint32_t, 2>{7, 7});  // untouched
  }
  // Far past the length (the range's end would wrap): nothing held.
  const uint64_t far = ~uint64_t{0} - 31;
  REQUIRE(core->HeldBitfield(far, words).ok());
  CHECK(words == std::array<uint32_t, 2>{0, 0});
  CHECK(core->HeldBitfield(0, {}).ok());
}

TEST_CASE("a sparse replica reports the blocks proofs stored",
          "[log][availability]") {
  auto source = SessionCore();
  test::FaultEnv env;
  auto replica = NewReplica(*source, &env);
  REQUIRE(Fetch(*source, replica.get(), std::nullopt).ok());
  CHECK(replica->length() == 50);
  CHECK(replica->contiguous_length() == 0);
  CHECK(replica->held_blocks() == 0);
  CHECK(Words(*replica, 0, 2) == std::vector<uint32_t>{0, 0});

  // The sparse-relay session's server holds blocks 17 and 40 and announces
  // exactly these words (PROTOCOL.md §6.4).
  REQUIRE(Fetch(*source, replica.get(), 17).ok());
  REQUIRE(Fetch(*source, replica.get(), 40).ok());
  CHECK(Words(*replica, 0, 2) == std::vector<uint32_t>{0x00020000, 0x00000100});
  CHECK(replica->held_blocks() == 2);
  CHECK(replica->contiguous_length() == 0);

  // Blocks 16 down to 1: still nothing contiguous until block 0 arrives.
  for (uint64_t b = 16; b >= 1; b--) {
    REQUIRE(Fetch(*source, replica.get(), b).ok());
    CHECK(replica->contiguous_length() == 0);
  }
  REQUIRE(Fetch(*source, replica.get(), 0).ok());
  CHECK(replica->contiguous_length() == 18);
  CHECK(replica->held_blocks() == 19);
  // Fetching a held block again changes nothing.
  REQUIRE(Fetch(*source, replica.get(), 5).ok());
  CHECK(replica->held_blocks() == 19);
  CHECK(Words(*replica, 0, 2) == std::vector<uint32_t>{0x0003ffff, 0x00000100});

  // A reopened replica counts the same from its bitfield file.
  replica.reset();
  CoreOptions options;
  options.env = &env;
  auto reopened = Core::Open("/r", options).value();
  CHECK(reopened->contiguous_length() == 18);
  CHECK(reopened->held_blocks() == 19);
  CHECK(Words(*reopened, 0, 2) ==
        std::vector<uint32_t>{0x0003ffff, 0x00000100});
}

TEST_CASE("a replica filled in random order agrees with a model",
          "[log][availability]") {
  auto source = SessionCore();
  const uint32_t seed = Catch::rngSeed();
  CAPTURE(seed);
  std::mt19937 rng(seed);
  test::FaultEnv env;
  auto replica = NewReplica(*source, &env);
  std::vector<uint64_t> order(50);
  for (uint64_t i = 0; i < 50; i++) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<bool> held(50, false);
  uint64_t count = 0;
  for (uint64_t b : order) {
    CAPTURE(b);
    REQUIRE(Fetch(*source, replica.get(), b).ok());
    held[b] = true;
    count++;
    uint64_t contiguous = 0;
    while (contiguous < 50 && held[contiguous]) contiguous++;
    CHECK(replica->contiguous_length() == contiguous);
    CHECK(replica->held_blocks() == count);
    CHECK(Words(*replica, 0, 3) == ModelWords(held, 0, 3));
    CHECK(Words(*replica, 32, 1) == ModelWords(held, 32, 1));
    CHECK(replica->Has(b));
  }
  CHECK(replica->contiguous_length() == 50);
}

TEST_CASE("an imported replica holds everything", "[log][availability]") {
  auto source = SessionCore();
  test::FaultEnv env;
  auto replica = NewReplica(*source, &env);
  std::vector<std::string> blocks;
  for (uint64_t i = 0; i < 50; i++) blocks.push_back(source->Get(i).value());
  REQUIRE(ImportLog(replica.get(), blocks, 0, source->signature()).ok());
  CHECK(replica->contiguous_length() == 50);
  CHECK(replica->held_blocks() == 50);
  CHECK(Words(*replica, 0, 2) == std::vector<uint32_t>{0xffffffff, 0x3ffff});
}

TEST_CASE("a read-only log reports what the writer it follows signed",
          "[log][availability]") {
  test::TempDir tmp;
  auto writer = Core::Create(tmp.path(), KeyPair::FromSeed(Seed{})).value();
  REQUIRE(writer->Append(std::vector<std::string>(5, "a")).ok());
  CoreOptions options;
  options.read_only = true;
  auto reader = Core::Open(tmp.path(), options).value();
  CHECK(reader->contiguous_length() == 5);
  REQUIRE(writer->Append(std::vector<std::string>(30, "b")).ok());
  CHECK(reader->contiguous_length() == 5);  // until it refreshes
  REQUIRE(reader->Refresh().ok());
  CHECK(reader->contiguous_length() == 35);
  CHECK(reader->held_blocks() == 35);
  CHECK(Words(*reader, 32, 1) == std::vector<uint32_t>{0x7});
}

TEST_CASE("a read-only replica recounts after a refresh",
          "[log][availability]") {
  auto source = SessionCore();
  test::TempDir tmp;
  CoreOptions options;
  auto replica = Core::CreateReplica(tmp.path(), source->key(),
                                     source->manifest(), options)
                     .value();
  REQUIRE(Fetch(*source, replica.get(), 3).ok());
  options.read_only = true;
  auto reader = Core::Open(tmp.path(), options).value();
  CHECK(reader->held_blocks() == 1);
  CHECK(reader->contiguous_length() == 0);
  // The writing process fetches more; a new head makes the reader re-read
  // the bitfield. (Blocks stored under an unchanged head are seen at the
  // next head: Refresh reads the bitfield only with a newer head.)
  REQUIRE(source->Append(std::vector<std::string>{"block-50"}).ok());
  for (uint64_t b : {0u, 1u, 2u, 50u}) {
    REQUIRE(Fetch(*source, replica.get(), b).ok());
  }
  REQUIRE(reader->Refresh().value().changed);
  CHECK(reader->length() == 51);
  CHECK(reader->held_blocks() == 5);
  CHECK(reader->contiguous_length() == 4);
  CHECK(Words(*reader, 32, 1) == std::vector<uint32_t>{0x40000});
}

TEST_CASE("WaitForBlock wakes when a proof brings the block",
          "[log][availability][threads]") {
  auto source = SessionCore();
  test::FaultEnv env;
  auto replica = NewReplica(*source, &env);
  REQUIRE(Fetch(*source, replica.get(), std::nullopt).ok());
  // Not held: the wait ends with the timeout.
  CHECK_FALSE(replica->WaitForBlock(7, std::chrono::milliseconds(1)));
  CHECK_FALSE(replica->WaitForBlock(70, std::chrono::milliseconds(1)));
  // Catch's assertions are for the test's thread: the others report back.
  Status fetched_8, fetched_7;
  std::thread fetcher([&] {
    // Another block first: a waiter woken by it must wait on.
    fetched_8 = Fetch(*source, replica.get(), 8);
    fetched_7 = Fetch(*source, replica.get(), 7);
  });
  CHECK(replica->WaitForBlock(7, std::chrono::hours(1)));
  fetcher.join();
  CHECK(fetched_8.ok());
  CHECK(fetched_7.ok());
  CHECK(replica->Has(8));
  // A writable log's blocks arrive by append.
  auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  Status appended;
  std::thread appender(
      [&] { appended = core->Append(std::vector<std::string>(3, "z")); });
  CHECK(core->WaitForBlock(2, std::chrono::hours(1)));
  appender.join();
  CHECK(appended.ok());
}

TEST_CASE("availability reads race proofs being applied",
          "[log][availability][threads]") {
  auto source = SessionCore();
  test::FaultEnv env;
  auto replica = NewReplica(*source, &env);
  REQUIRE(Fetch(*source, replica.get(), std::nullopt).ok());
  std::atomic<bool> done{false};
  std::atomic<bool> consistent{true};
  std::thread reader([&] {
    std::array<uint32_t, 2> words{};
    uint64_t last_held = 0;
    while (!done.load()) {
      const uint64_t held = replica->held_blocks();
      const uint64_t contiguous = replica->contiguous_length();
      if (!replica->HeldBitfield(0, words).ok() || held < last_held ||
          contiguous > 50) {
        consistent = false;
      }
      last_held = held;
    }
  });
  Status s;
  for (uint64_t b = 50; b-- > 0 && s.ok();)
    s = Fetch(*source, replica.get(), b);
  done = true;
  reader.join();
  REQUIRE(s.ok());
  CHECK(consistent.load());
  CHECK(replica->contiguous_length() == 50);
  CHECK(replica->held_blocks() == 50);
}

}  // namespace
}  // namespace bee::log
