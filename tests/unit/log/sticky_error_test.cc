// A failed write makes the log refuse every further write until it is
// reopened (LevelDB's sticky background error): retrying could sign a
// second tree for one (length, fork), or trust an fsync after a failed one.
#include <catch2/catch.hpp>

#include "btree/bee.h"
#include "log/core.h"
#include "tests/util/fault_env.h"

namespace bee::log {
namespace {

constexpr char kInjected[] = "injected failure";

std::vector<std::string> Blocks(const std::string& tag, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; i++) out.push_back(tag + std::to_string(i));
  return out;
}

bool Names(const Status& s, std::string_view what) {
  return s.message().find(what) != std::string::npos;
}

// The write was refused because of the earlier failure, which it names.
void CheckRefused(const Status& s) {
  CHECK(s.IsIOError());
  CHECK(Names(s, kInjected));
  CHECK(Names(s, "reopen"));
}

struct Log {
  test::FaultEnv env;
  CoreOptions options;
  std::unique_ptr<Core> core;
  explicit Log(Durability durability) {
    options.env = &env;
    options.durability = durability;
    core = Core::Create("/log", KeyPair::FromSeed(Seed{}), options).value();
    REQUIRE(core->Append(Blocks("a", 3)).ok());
  }
  // Reopening reads back what landed; the log is writable again.
  void CheckReopens(uint64_t min_length, uint64_t max_length) {
    core.reset();
    core = Core::Open("/log", options).value();
    CHECK(core->length() >= min_length);
    CHECK(core->length() <= max_length);
    CHECK(core->VerifyAll().ok());
    CHECK(core->Append(Blocks("c", 1)).ok());
  }
};

TEST_CASE("a failed append makes every later write fail until reopen",
          "[log][sticky]") {
  // Each n fails a different write of the append: the blocks, the tree
  // nodes, their fsyncs, the head slot, its fsync.
  for (int64_t n = 0;; n++) {
    CAPTURE(n);
    Log log(Durability::kSync);
    log.env.FailWritesAfter(n);
    Status failed = log.core->Append(Blocks("b", 2));
    if (failed.ok()) {
      REQUIRE(n >= 5);  // every write of the append was tried
      break;
    }
    CHECK(Names(failed, kInjected));
    log.env.FailWritesAfter(-1);  // the disk works again
    // Different blocks of the same count: what an equivocating retry signs.
    CheckRefused(log.core->Append(Blocks("x", 2)));
    CheckRefused(log.core->Truncate(1));
    CHECK(log.core->length() == 3);
    CHECK(log.core->Get(2).value() == "a2");
    log.CheckReopens(3, 5);
  }
}

TEST_CASE("a failed truncate makes every later write fail until reopen",
          "[log][sticky]") {
  Log log(Durability::kSync);
  log.env.FailWritesAfter(0);
  CHECK(Names(log.core->Truncate(1), kInjected));
  log.env.FailWritesAfter(-1);
  CheckRefused(log.core->Truncate(2));
  CheckRefused(log.core->Append(Blocks("x", 1)));
  CHECK(log.core->length() == 3);
  CHECK(log.core->fork() == 0);
  log.CheckReopens(1, 3);
}

TEST_CASE("a failed Sync makes every later write fail until reopen",
          "[log][sticky]") {
  Log log(Durability::kNoSync);
  log.env.FailWritesAfter(0);
  CHECK(Names(log.core->Sync(), kInjected));
  log.env.FailWritesAfter(-1);
  CheckRefused(log.core->Append(Blocks("x", 1)));
  log.CheckReopens(3, 3);
}

TEST_CASE("a store whose append failed refuses writes until reopened",
          "[btree][sticky]") {
  for (int64_t n = 0; n < 6; n++) {
    CAPTURE(n);
    test::FaultEnv env;
    btree::BeeOptions options;
    options.core.env = &env;
    auto bee =
        btree::Bee::Create("/bee", KeyPair::FromSeed(Seed{}), {}, options)
            .value();
    REQUIRE(bee->Put("k", "v1").ok());
    const uint64_t version = bee->version();
    env.FailWritesAfter(n);
    auto failed = bee->Put("k", "v2");
    REQUIRE_FALSE(failed.ok());
    CHECK(Names(failed.status(), kInjected));
    env.FailWritesAfter(-1);
    CHECK(bee->version() == version);
    CheckRefused(bee->Put("k", "v3").status());
    CheckRefused(bee->Del("k").status());
    CHECK(bee->Get("k").value()->value == "v1");
    bee.reset();
    bee = btree::Bee::Open("/bee", options).value();
    REQUIRE(bee->Put("k", "v4").ok());
    CHECK(bee->Get("k").value()->value == "v4");
  }
}

}  // namespace
}  // namespace bee::log
