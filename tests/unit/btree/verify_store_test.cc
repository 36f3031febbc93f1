// Whole-store verification and repair (docs/FORMAT.md §2.1, §4.4): the
// boundaries file is checked record by record, and a repair rewrites it
// when it is damaged or names versions the repair dropped.
#include <catch2/catch.hpp>
#include <map>

#include "btree/internal/boundaries.h"
#include "btree/verify.h"
#include "tests/util/fault_env.h"

namespace bee::btree {
namespace {

bool AnyHas(const std::vector<std::string>& lines, std::string_view what) {
  for (const std::string& l : lines) {
    if (l.find(what) != std::string::npos) return true;
  }
  return false;
}

// Versions 1 (header), 2 (put a), 4 (a batch of b and c), 5 (put d): head
// generations 1..4, the newest (4) in slot 0.
struct Store {
  test::FaultEnv env;
  BeeOptions options;
  Store() {
    options.core.env = &env;
    auto bee = Bee::Create("/s", log::KeyPair::FromSeed(log::Seed{}),
                           std::nullopt, options)
                   .value();
    REQUIRE(bee->Put("a", "1").ok());
    auto batch = bee->MakeBatch().value();
    REQUIRE(batch->Put("b", "2").ok());
    REQUIRE(batch->Put("c", "3").ok());
    REQUIRE(batch->Flush().ok());
    REQUIRE(bee->Put("d", "4").ok());
    REQUIRE(bee->Close().ok());
  }
  std::map<std::string, std::string> Files() {
    std::map<std::string, std::string> out;
    for (const char* f : {"meta", "head", "tree", "data", "boundaries"}) {
      out[f] = env.Contents(std::string("/s/") + f);
    }
    return out;
  }
  void CheckSoundAndWritable(uint64_t version) {
    log::VerifyReport report = VerifyStore("/s", options).value();
    CHECK(report.failures.empty());
    auto bee = Bee::Open("/s", options);
    REQUIRE(bee.ok());
    CHECK((*bee)->version() == version);
    REQUIRE((*bee)->Put("after", "repair").ok());
    CHECK((*bee)->Get("after").value()->value == "repair");
  }
};

TEST_CASE("a healthy store verifies and repair leaves every byte as it was",
          "[btree][repair]") {
  Store s;
  const auto before = s.Files();
  log::VerifyReport report = VerifyStore("/s", s.options).value();
  CHECK(report.ok());
  CHECK(report.notes.empty());
  log::RepairReport repair = RepairStore("/s", s.options).value();
  CHECK_FALSE(repair.changed);
  CHECK(s.Files() == before);
}

TEST_CASE("a flipped byte in boundaries fails verify, repair rewrites it",
          "[btree][repair]") {
  Store s;
  s.env.FlipBit("/s/boundaries", 16 + 3, 6);  // the record of version 2
  log::VerifyReport report = VerifyStore("/s", s.options).value();
  CHECK_FALSE(report.ok());
  CHECK(AnyHas(report.failures,
               "/s/boundaries: record at offset 16 fails its check bytes"));
  log::RepairReport repair = RepairStore("/s", s.options).value();
  CHECK(repair.changed);
  CHECK(repair.new_length == 5);
  CHECK(AnyHas(repair.actions, "dropping the record at offset 16"));
  auto bee = Bee::Open("/s", s.options).value();
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 4, 5});
  bee.reset();
  s.CheckSoundAndWritable(5);
}

TEST_CASE("out-of-order and leftover boundary records", "[btree][repair]") {
  Store s;
  std::string file = s.env.Contents("/s/boundaries");
  // A leftover of an interrupted append and a partial record: notes.
  s.env.SetContents("/s/boundaries",
                    file + internal::Boundaries::EncodeRecord(9) + "xyz");
  log::VerifyReport report = VerifyStore("/s", s.options).value();
  CHECK(report.ok());
  CHECK(AnyHas(report.notes, "(length 9) is past the log's length 5"));
  CHECK(AnyHas(report.notes, "3 bytes at offset 80 are a partial record"));
  // A length that does not increase is damage.
  s.env.SetContents("/s/boundaries",
                    file + internal::Boundaries::EncodeRecord(3));
  report = VerifyStore("/s", s.options).value();
  CHECK(AnyHas(report.failures, "(length 3) does not increase"));
}

TEST_CASE("a damaged newest head: repair drops its version and its boundary",
          "[btree][repair]") {
  Store s;
  s.env.FlipBit("/s/head", 40, 0);  // slot 0: generation 4, version 5
  auto writer = Bee::Open("/s", s.options);
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.status().message().find("blocks 4..4 past the last verifiable "
                                       "head (length 4") != std::string::npos);
  BeeOptions ro = s.options;
  ro.core.read_only = true;
  auto reader = Bee::Open("/s", ro).value();
  CHECK(reader->version() == 4);
  REQUIRE(reader->head_damage().has_value());
  reader.reset();
  log::VerifyReport report = VerifyStore("/s", s.options).value();
  CHECK(AnyHas(report.failures, "/s/head: slot 0"));
  log::RepairReport repair = RepairStore("/s", s.options).value();
  CHECK(repair.new_length == 4);
  CHECK(repair.dropped_end == 5);
  CHECK(AnyHas(repair.actions, "/s/boundaries: rewrote 3 records"));
  auto bee = Bee::Open("/s", s.options).value();
  CHECK(bee->Boundaries() == std::vector<uint64_t>{1, 2, 4});
  CHECK_FALSE(bee->Get("d").value().has_value());
  bee.reset();
  s.CheckSoundAndWritable(4);
}

}  // namespace
}  // namespace bee::btree
