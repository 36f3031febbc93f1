// Damage is never silent: damaged head slots are reported at open (and a
// writable open refuses when writes may be lost), Verify checks every byte
// of every file, and Repair brings the log back to what verifies.
#include <catch2/catch.hpp>
#include <map>

#include "log/core.h"
#include "log/internal/storage_format.h"
#include "tests/util/fault_env.h"

namespace bee::log {
namespace {

using internal::kHeadSlotSize;
using internal::kTreeRecordSize;

std::vector<std::string> Blocks(int first, int n) {
  std::vector<std::string> out;
  for (int i = first; i < first + n; i++) {
    out.push_back("block-" + std::to_string(i) +
                  std::string(static_cast<size_t>(i % 5), '#'));
  }
  return out;
}

bool Has(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

bool AnyHas(const std::vector<std::string>& lines, std::string_view what) {
  for (const std::string& l : lines) {
    if (Has(l, what)) return true;
  }
  return false;
}

// A log of 12 blocks written by two appends: generation 1 (length 8) in
// head slot 1, generation 2 (length 12) in slot 0.
struct TwoHeads {
  test::FaultEnv env;
  CoreOptions options;
  CoreOptions read_only;
  TwoHeads() {
    options.env = &env;
    read_only = options;
    read_only.read_only = true;
    auto core = Core::Create("/d", KeyPair::FromSeed(Seed{}), options).value();
    std::vector<std::string> blocks = Blocks(0, 12);
    REQUIRE(core->Append(std::span(blocks).subspan(0, 8)).ok());
    REQUIRE(core->Append(std::span(blocks).subspan(8)).ok());
    REQUIRE(core->Close().ok());
  }
  std::map<std::string, std::string> Files() {
    std::map<std::string, std::string> out;
    for (const char* f : {"meta", "head", "tree", "data"}) {
      out[f] = env.Contents(std::string("/d/") + f);
    }
    return out;
  }
  // Reopens writable: it verifies and takes an append.
  void CheckWritableAndSound(uint64_t length) {
    auto core = Core::Open("/d", options);
    REQUIRE(core.ok());
    CHECK((*core)->length() == length);
    CHECK_FALSE((*core)->head_damage().has_value());
    CHECK((*core)->VerifyAll().ok());
    REQUIRE((*core)->Append(Blocks(100, 3)).ok());
    CHECK((*core)->Get(length + 2).value() == Blocks(102, 1)[0]);
    CHECK((*core)->VerifyAll().ok());
  }
};

TEST_CASE(
    "a damaged newest head slot: writable open refuses, repair drops "
    "exactly its blocks",
    "[log][repair]") {
  TwoHeads d;
  d.env.FlipBit("/d/head", 20, 1);  // slot 0's length field
  auto writer = Core::Open("/d", d.options);
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().IsCorruption());
  const std::string& m = writer.status().message();
  CHECK(
      Has(m, "/d/head: slot 0 (generation 2, unverified) fails its checksum"));
  CHECK(Has(m,
            "blocks 8..11 past the last verifiable head (length 8, "
            "generation 1) may be lost"));
  CHECK(Has(m, "run `bee repair /d`"));

  auto reader = Core::Open("/d", d.read_only).value();
  CHECK(reader->length() == 8);
  REQUIRE(reader->head_damage().has_value());
  CHECK(reader->head_damage()->slot == 0);
  CHECK(reader->head_damage()->writes_may_be_lost);
  CHECK(reader->head_damage()->lost_end == 12);
  VerifyReport report = reader->Verify().value();
  CHECK(AnyHas(report.failures, "blocks 8..11 past the last verifiable head"));
  reader.reset();

  RepairReport repair = Core::Repair("/d", d.options).value();
  CHECK(repair.changed);
  CHECK(repair.old_length == 8);
  CHECK(repair.new_length == 8);
  CHECK(repair.dropped_end == 12);
  CHECK(repair.new_fork == 1);
  CHECK(AnyHas(repair.actions, "dropping blocks 8..11 (versions 9 to 12"));
  d.CheckWritableAndSound(8);
}

TEST_CASE("a damaged older head slot is reported and rewritten",
          "[log][repair]") {
  TwoHeads d;
  d.env.FlipBit("/d/head", kHeadSlotSize + 30, 4);  // slot 1: generation 1
  // Nothing past the newest head: no write can be lost, open proceeds.
  auto core = Core::Open("/d", d.options).value();
  CHECK(core->length() == 12);
  REQUIRE(core->head_damage().has_value());
  CHECK(core->head_damage()->slot == 1);
  CHECK_FALSE(core->head_damage()->writes_may_be_lost);
  Status all = core->VerifyAll();
  CHECK(all.IsCorruption());
  CHECK(Has(all.message(), "/d/head: slot 1"));
  REQUIRE(core->Close().ok());
  core.reset();
  RepairReport repair = Core::Repair("/d", d.options).value();
  CHECK(repair.changed);
  CHECK(repair.new_length == 12);
  CHECK(repair.new_fork == 0);
  CHECK(AnyHas(repair.actions, "generation 3, slot 1); nothing dropped"));
  d.CheckWritableAndSound(12);
}

TEST_CASE("a torn truncation head covered nothing new: open proceeds",
          "[log][repair]") {
  TwoHeads d;
  {
    auto core = Core::Open("/d", d.options).value();
    REQUIRE(core->Truncate(10).ok());  // generation 3, slot 1
  }
  d.env.FlipBit("/d/head", kHeadSlotSize + 100, 0);
  auto core = Core::Open("/d", d.options).value();
  CHECK(core->length() == 12);  // the truncation did not land
  CHECK(core->fork() == 0);
  REQUIRE(core->head_damage().has_value());
  CHECK(Has(core->head_damage()->description, "a torn head write"));
  CHECK(core->VerifyAll().IsCorruption());
}

TEST_CASE("a tree record no read needs is found by Verify and rebuilt",
          "[log][repair]") {
  TwoHeads d;
  // Node 1 (blocks 0-1): reads in order verify block 0 through nodes 0, 2,
  // 5 and 11, cache the parents they compute, and never read record 1.
  d.env.FlipBit("/d/tree", 1 * kTreeRecordSize + 12, 3);
  {
    auto core = Core::Open("/d", d.read_only).value();
    for (uint64_t i = 0; i < 12; i++) REQUIRE(core->Get(i).ok());
    Status all = core->VerifyAll();
    CHECK(all.IsCorruption());
    CHECK(Has(all.message(),
              "/d/tree: node 1 (offset 40) is not the hash of "
              "its children 0 and 2"));
    CHECK(core->Verify().value().intact_length == 12);
  }
  const std::string head = d.env.Contents("/d/head");
  RepairReport repair = Core::Repair("/d", d.options).value();
  CHECK(repair.changed);
  CHECK(repair.new_length == 12);
  CHECK(repair.actions.size() == 1);
  CHECK(AnyHas(repair.actions, "rewrote 1 damaged records"));
  CHECK(d.env.Contents("/d/head") == head);  // both slots were sound
  d.CheckWritableAndSound(12);
}

TEST_CASE("damaged block data: repair keeps the blocks before it",
          "[log][repair]") {
  TwoHeads d;
  std::string data = d.env.Contents("/d/data");
  const size_t at = data.find("block-5");
  REQUIRE(at != std::string::npos);
  d.env.FlipBit("/d/data", at + 2, 0);
  {
    auto core = Core::Open("/d", d.options).value();  // roots still verify
    VerifyReport report = core->Verify().value();
    CHECK(report.intact_length == 5);
    CHECK(AnyHas(report.failures, "/d/data: block 5 at offset " +
                                      std::to_string(at) +
                                      " (7 bytes) does not hash to its leaf"));
    CHECK(AnyHas(report.failures,
                 "blocks 5..11 (versions 6 to 12) cannot be "
                 "proven"));
  }
  RepairReport repair = Core::Repair("/d", d.options).value();
  CHECK(repair.new_length == 5);
  CHECK(repair.new_fork == 1);
  CHECK(repair.dropped_end == 12);
  d.CheckWritableAndSound(5);
}

TEST_CASE("a missing leaf record is rebuilt from its block's data",
          "[log][repair]") {
  TwoHeads d;
  std::string tree = d.env.Contents("/d/tree");
  tree.replace(6 * kTreeRecordSize, kTreeRecordSize, kTreeRecordSize, '\0');
  d.env.SetContents("/d/tree", tree);
  {
    auto core = Core::Open("/d", d.read_only).value();
    VerifyReport report = core->Verify().value();
    CHECK(report.failures ==
          std::vector<std::string>{
              "/d/tree: node 6 (offset 240) is missing; it covers blocks "
              "3..3 (versions 4 to 12 read them)"});
    CHECK(report.intact_length == 12);  // its size is its parent's less 4's
  }
  RepairReport repair = Core::Repair("/d", d.options).value();
  CHECK(repair.new_length == 12);
  CHECK(d.env.Contents("/d/tree") != tree);
  d.CheckWritableAndSound(12);
}

TEST_CASE("a data file cut short: repair keeps the blocks it holds whole",
          "[log][repair]") {
  TwoHeads d;
  std::string data = d.env.Contents("/d/data");
  d.env.SetContents("/d/data", data.substr(0, data.size() - 3));
  {
    auto core = Core::Open("/d", d.read_only).value();
    VerifyReport report = core->Verify().value();
    CHECK(AnyHas(report.failures, "/d/data: block 11 at offset " +
                                      std::to_string(data.size() - 9) +
                                      " is cut short (6 of 9 bytes)"));
    CHECK(report.intact_length == 11);
  }
  RepairReport repair = Core::Repair("/d", d.options).value();
  CHECK(repair.new_length == 11);
  CHECK(repair.dropped_bytes == 9);
  d.CheckWritableAndSound(11);
}

TEST_CASE("a healthy log: repair writes nothing", "[log][repair]") {
  TwoHeads d;
  const auto before = d.Files();
  RepairReport repair = Core::Repair("/d", d.options).value();
  CHECK_FALSE(repair.changed);
  CHECK(repair.actions.empty());
  CHECK(d.Files() == before);
  auto core = Core::Open("/d", d.options).value();
  VerifyReport report = core->Verify().value();
  CHECK(report.ok());
  CHECK(report.notes.empty());
}

TEST_CASE("a torn first head: the log was empty, repair signs it so",
          "[log][repair]") {
  test::FaultEnv env;
  CoreOptions options;
  options.env = &env;
  {
    auto core = Core::Create("/e", KeyPair::FromSeed(Seed{}), options).value();
    REQUIRE(core->Append(Blocks(0, 3)).ok());  // generation 1, slot 1
  }
  env.FlipBit("/e/head", kHeadSlotSize + 50, 2);
  auto writer = Core::Open("/e", options);
  REQUIRE_FALSE(writer.ok());
  CHECK(Has(writer.status().message(),
            "blocks 0..2 past the last verifiable head (length 0, the empty "
            "log) may be lost"));
  RepairReport repair = Core::Repair("/e", options).value();
  CHECK(repair.new_length == 0);
  CHECK(repair.new_fork == 1);
  auto core = Core::Open("/e", options).value();
  CHECK(core->length() == 0);
  CHECK(core->VerifyAll().ok());
}

TEST_CASE("leftovers past the head are notes, not failures", "[log][repair]") {
  TwoHeads d;
  {
    auto core = Core::Open("/d", d.options).value();
    REQUIRE(core->Truncate(5).ok());
  }
  auto core = Core::Open("/d", d.read_only).value();
  VerifyReport report = core->Verify().value();
  CHECK(report.ok());
  CHECK(AnyHas(report.notes, "/d/tree: "));
  CHECK(AnyHas(report.notes, "/d/data: "));
}

}  // namespace
}  // namespace bee::log
