// A read-only log follows a writer of the same directory: Refresh verifies
// and publishes the newest signed head, follows truncations, and keeps its
// old state when the new head does not verify.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "log/core.h"
#include "log/internal/storage_format.h"
#include "tests/util/fault_env.h"
#include "tests/util/no_write_env.h"
#include "tests/util/temp_dir.h"

namespace bee::log {
namespace {

std::vector<std::string> Blocks(const std::string& tag, int first, int n) {
  std::vector<std::string> out;
  for (int i = first; i < first + n; i++) {
    out.push_back(tag + std::to_string(i) +
                  std::string(static_cast<size_t>(i % 5), '.'));
  }
  return out;
}

CoreOptions ReadOnlyOn(Env* env) {
  CoreOptions options;
  options.env = env;
  options.read_only = true;
  return options;
}

// Reads every block; with verify_files, every file must verify too (not
// while a test keeps damage in place that the reader is meant to survive).
void CheckBlocks(const Core& core, const std::vector<std::string>& expect,
                 bool verify_files = true) {
  REQUIRE(core.length() == expect.size());
  for (uint64_t i = 0; i < expect.size(); i++) {
    CAPTURE(i);
    CHECK(core.Get(i).value() == expect[i]);
  }
  if (verify_files) CHECK(core.VerifyAll().ok());
}

TEST_CASE("a read-only log follows a writer's appends", "[log][refresh]") {
  test::TempDir tmp;
  auto writer = Core::Create(tmp.path(), KeyPair::FromSeed(Seed{})).value();
  REQUIRE(writer->Append(Blocks("a", 0, 5)).ok());
  auto reader = Core::Open(tmp.path(), ReadOnlyOn(nullptr)).value();
  CheckBlocks(*reader, Blocks("a", 0, 5));

  RefreshResult same = reader->Refresh().value();
  CHECK_FALSE(same.changed);
  CHECK(same.unchanged_length == 5);

  REQUIRE(writer->Append(Blocks("a", 5, 6)).ok());
  CHECK(reader->length() == 5);  // until it refreshes
  RefreshResult grown = reader->Refresh().value();
  CHECK(grown.changed);
  CHECK(grown.unchanged_length == 5);
  CheckBlocks(*reader, Blocks("a", 0, 11));
  CHECK(reader->head().signature == writer->head().signature);
  CHECK(reader->WaitForAppend(5, std::chrono::milliseconds(0)) == 11);
}

TEST_CASE("a read-only log follows a writer's truncation", "[log][refresh]") {
  test::TempDir tmp;
  auto writer = Core::Create(tmp.path(), KeyPair::FromSeed(Seed{})).value();
  REQUIRE(writer->Append(Blocks("a", 0, 10)).ok());
  auto reader = Core::Open(tmp.path(), ReadOnlyOn(nullptr)).value();
  CheckBlocks(*reader, Blocks("a", 0, 10));  // its node cache is full

  SECTION("to a shorter log") {
    REQUIRE(writer->Truncate(6).ok());
    RefreshResult r = reader->Refresh().value();
    CHECK(r.unchanged_length == 6);
    CHECK(reader->fork() == 1);
    CheckBlocks(*reader, Blocks("a", 0, 6));
  }
  SECTION("and its appends past the old length") {
    REQUIRE(writer->Truncate(3).ok());
    REQUIRE(writer->Append(Blocks("b", 3, 9)).ok());
    RefreshResult r = reader->Refresh().value();
    CHECK(r.changed);
    // The reader verified every node: it finds the parting point exactly.
    CHECK(r.unchanged_length == 3);
    CHECK(reader->fork() == 1);
    std::vector<std::string> expect = Blocks("a", 0, 3);
    for (const std::string& b : Blocks("b", 3, 9)) expect.push_back(b);
    CheckBlocks(*reader, expect);
  }
}

TEST_CASE("a reader refreshing while the writer appends sees signed states",
          "[log][refresh]") {
  test::TempDir tmp;
  auto writer = Core::Create(tmp.path(), KeyPair::FromSeed(Seed{})).value();
  auto reader = Core::Open(tmp.path(), ReadOnlyOn(nullptr)).value();
  const std::vector<std::string> blocks = Blocks("a", 0, 120);
  // Catch assertions are for the test's thread only: the appender reports.
  Status appended;  // read after join
  std::atomic<bool> failed{false};
  std::thread appender([&] {
    for (size_t i = 0; i < blocks.size() && appended.ok(); i += 3) {
      appended = writer->Append(std::span(blocks).subspan(i, 3));
    }
    failed = !appended.ok();
  });
  // Every refresh lands on a length the writer signed, with its blocks.
  uint64_t seen = 0;
  while (seen < blocks.size() && !failed) {
    RefreshResult r = reader->Refresh().value();
    CHECK(r.unchanged_length == seen);
    seen = reader->length();
    CHECK(seen % 3 == 0);
    if (seen > 0) CHECK(reader->Get(seen - 1).value() == blocks[seen - 1]);
    if (!r.changed) std::this_thread::yield();
  }
  appender.join();
  REQUIRE(appended.ok());
  CheckBlocks(*reader, blocks);
}

TEST_CASE("a reader that read nothing follows a truncation too",
          "[log][refresh]") {
  test::TempDir tmp;
  auto writer = Core::Create(tmp.path(), KeyPair::FromSeed(Seed{})).value();
  REQUIRE(writer->Append(Blocks("a", 0, 10)).ok());
  auto reader = Core::Open(tmp.path(), ReadOnlyOn(nullptr)).value();
  REQUIRE(writer->Truncate(3).ok());
  REQUIRE(writer->Append(Blocks("b", 3, 9)).ok());
  // Without verified nodes below the parting point, less is kept.
  CHECK(reader->Refresh().value().unchanged_length <= 3);
  std::vector<std::string> expect = Blocks("a", 0, 3);
  for (const std::string& b : Blocks("b", 3, 9)) expect.push_back(b);
  CheckBlocks(*reader, expect);
}

TEST_CASE("refresh of a read-only log writes nothing", "[log][refresh]") {
  std::unique_ptr<Env> mem = NewMemEnv();
  CoreOptions options;
  options.env = mem.get();
  auto writer =
      Core::Create("/log", KeyPair::FromSeed(Seed{}), options).value();
  test::NoWriteEnv strict(mem.get());
  auto reader = Core::Open("/log", ReadOnlyOn(&strict)).value();
  CHECK(reader->length() == 0);
  REQUIRE(writer->Append(Blocks("a", 0, 4)).ok());
  REQUIRE(reader->Refresh().value().changed);
  REQUIRE(writer->Truncate(1).ok());
  REQUIRE(writer->Append(Blocks("c", 1, 2)).ok());
  REQUIRE(reader->Refresh().value().changed);
  std::vector<std::string> expect = Blocks("a", 0, 1);
  for (const std::string& b : Blocks("c", 1, 2)) expect.push_back(b);
  CheckBlocks(*reader, expect);
}

TEST_CASE("a newer head that does not verify leaves the reader as it was",
          "[log][refresh]") {
  test::FaultEnv env;
  CoreOptions options;
  options.env = &env;
  auto writer =
      Core::Create("/log", KeyPair::FromSeed(Seed{}), options).value();
  REQUIRE(writer->Append(Blocks("a", 0, 4)).ok());
  auto reader = Core::Open("/log", ReadOnlyOn(&env)).value();
  REQUIRE(writer->Append(Blocks("a", 4, 4)).ok());
  // Damage the new root (blocks 0..7, node 7) as stored.
  env.FlipBit("/log/tree", 7 * internal::kTreeRecordSize + 20, 3);
  auto r = reader->Refresh();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsCorruption());
  CHECK(r.status().message().find("does not verify") != std::string::npos);
  CHECK(r.status().message().find("stays at length 4") != std::string::npos);
  // Its blocks still read; the files (a newer head over a damaged record)
  // do not verify, as a full check says.
  CheckBlocks(*reader, Blocks("a", 0, 4), false);
  CHECK_FALSE(reader->VerifyAll().ok());
  // Repaired, the same head is followed.
  env.FlipBit("/log/tree", 7 * internal::kTreeRecordSize + 20, 3);
  CHECK(reader->Refresh().value().changed);
  CheckBlocks(*reader, Blocks("a", 0, 8));
}

TEST_CASE("a head file that goes back is reported", "[log][refresh]") {
  test::FaultEnv env;
  CoreOptions options;
  options.env = &env;
  auto writer =
      Core::Create("/log", KeyPair::FromSeed(Seed{}), options).value();
  REQUIRE(writer->Append(Blocks("a", 0, 2)).ok());
  const std::string old_head = env.Contents("/log/head");
  REQUIRE(writer->Append(Blocks("a", 2, 2)).ok());
  REQUIRE(writer->Append(Blocks("a", 4, 2)).ok());
  auto reader = Core::Open("/log", ReadOnlyOn(&env)).value();
  env.SetContents("/log/head", old_head);
  auto r = reader->Refresh();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().IsCorruption());
  // What it read still reads; the files (a slot zeroed under generation 3)
  // do not verify, as a full check says.
  CheckBlocks(*reader, Blocks("a", 0, 6), false);
  CHECK_FALSE(reader->VerifyAll().ok());
}

TEST_CASE("only a read-only log refreshes", "[log][refresh]") {
  auto writer = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  CHECK(writer->Refresh().status().IsInvalidArgument());
}

}  // namespace
}  // namespace bee::log
