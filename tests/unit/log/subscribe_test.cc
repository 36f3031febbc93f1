// Core::Subscribe: one event per change, with the state after it, for
// appends, truncations, upgrades and blocks brought by proofs, and a
// read-only log following a writer through Refresh; nothing after the
// Subscription is dropped; and, under TSan, callbacks racing subscribers
// and readers.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "log/core.h"
#include "log/proof.h"
#include "tests/util/fault_env.h"
#include "tests/util/temp_dir.h"

namespace bee::log {
namespace {

using Type = CoreEvent::Type;

// Collects the events of one subscription.
struct Recorder {
  std::vector<CoreEvent> events;
  Subscription subscription;
  explicit Recorder(const Core& core)
      : subscription(core.Subscribe(
            [this](const CoreEvent& e) { events.push_back(e); })) {}
  // The events since the last call.
  std::vector<CoreEvent> Take() { return std::exchange(events, {}); }
};

void CheckEvent(const CoreEvent& e, Type type, uint64_t length, uint64_t fork,
                uint64_t contiguous) {
  CHECK(static_cast<int>(e.type) == static_cast<int>(type));
  CHECK(e.length == length);
  CHECK(e.fork == fork);
  CHECK(e.contiguous_length == contiguous);
}

std::vector<std::string> Blocks(size_t n, const std::string& tag = "b") {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; i++) out.push_back(tag + std::to_string(i));
  return out;
}

TEST_CASE("appends and truncations are reported once each",
          "[log][subscribe]") {
  auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  Recorder rec(*core);
  REQUIRE(core->Append(Blocks(3)).ok());
  REQUIRE(core->Append(Blocks(2)).ok());
  REQUIRE(core->Append(std::vector<std::string>{}).ok());  // no change
  auto events = rec.Take();
  REQUIRE(events.size() == 2);
  CheckEvent(events[0], Type::kAppend, 3, 0, 3);
  CheckEvent(events[1], Type::kAppend, 5, 0, 5);

  REQUIRE(core->Truncate(2).ok());
  events = rec.Take();
  REQUIRE(events.size() == 1);
  CheckEvent(events[0], Type::kTruncate, 2, 1, 2);
  CHECK(events[0].unchanged_length == 2);

  // A refused change reports nothing.
  CHECK_FALSE(core->Truncate(10).ok());
  CHECK(rec.Take().empty());

  // Dropped: nothing more.
  rec.subscription.Reset();
  CHECK_FALSE(rec.subscription.active());
  REQUIRE(core->Append(Blocks(1)).ok());
  CHECK(rec.Take().empty());
}

TEST_CASE("a subscription ends when dropped, moved or reset from inside",
          "[log][subscribe]") {
  auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  int a = 0, b = 0, once = 0;
  std::optional<Subscription> sa(
      core->Subscribe([&](const CoreEvent&) { a++; }));
  Subscription sb = core->Subscribe([&](const CoreEvent&) { b++; });
  Subscription self;
  self = core->Subscribe([&](const CoreEvent& e) {
    once++;
    // The callback may read the log: it sees the change published.
    CHECK(core->length() == e.length);
    CHECK(core->Has(e.length - 1));
    self.Reset();
  });
  REQUIRE(core->Append(Blocks(1)).ok());
  CHECK((a == 1 && b == 1 && once == 1));

  Subscription moved = std::move(sb);
  CHECK_FALSE(sb.active());  // NOLINT(bugprone-use-after-move): the contract
  CHECK(moved.active());
  sa.reset();
  REQUIRE(core->Append(Blocks(1)).ok());
  CHECK((a == 1 && b == 2 && once == 1));

  moved = Subscription();
  REQUIRE(core->Append(Blocks(1)).ok());
  CHECK((a == 1 && b == 2 && once == 1));
}

TEST_CASE("a subscription may outlive its log", "[log][subscribe]") {
  auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  int calls = 0;
  Subscription s = core->Subscribe([&](const CoreEvent&) { calls++; });
  core.reset();
  CHECK(s.active());
  s.Reset();
  CHECK(calls == 0);
}

struct ReplicaPair {
  test::FaultEnv env;
  std::unique_ptr<Core> source, replica;
  ReplicaPair() {
    source = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
    REQUIRE(source->Append(Blocks(20)).ok());
    CoreOptions options;
    options.env = &env;
    replica =
        Core::CreateReplica("/r", source->key(), source->manifest(), options)
            .value();
  }
  Status Fetch(std::optional<uint64_t> block) {
    auto proof =
        CreateProof(*source, MakeRequest(*replica, block, source->length()));
    if (!proof.ok()) return proof.status();
    return ApplyProof(replica.get(), *proof);
  }
};

TEST_CASE("proofs report upgrades and newly stored blocks",
          "[log][subscribe]") {
  ReplicaPair p;
  Recorder rec(*p.replica);
  REQUIRE(p.Fetch(std::nullopt).ok());  // upgrade only
  auto events = rec.Take();
  REQUIRE(events.size() == 1);
  CheckEvent(events[0], Type::kUpgrade, 20, 0, 0);

  REQUIRE(p.Fetch(1).ok());
  REQUIRE(p.Fetch(0).ok());
  events = rec.Take();
  REQUIRE(events.size() == 2);
  CheckEvent(events[0], Type::kBlock, 20, 0, 0);
  CHECK(events[0].block == 1);
  CheckEvent(events[1], Type::kBlock, 20, 0, 2);
  CHECK(events[1].block == 0);

  // The same block again changes nothing.
  REQUIRE(p.Fetch(0).ok());
  CHECK(rec.Take().empty());

  // Upgrade and block in one proof: the upgrade, then the block.
  REQUIRE(p.source->Append(Blocks(3, "c")).ok());
  REQUIRE(p.Fetch(21).ok());
  events = rec.Take();
  REQUIRE(events.size() == 2);
  CheckEvent(events[0], Type::kUpgrade, 23, 0, 2);
  CheckEvent(events[1], Type::kBlock, 23, 0, 2);
  CHECK(events[1].block == 21);

  // A proof that does not verify reports nothing.
  Proof bad = CreateProof(*p.source, MakeRequest(*p.replica, 5, 23)).value();
  bad.block->value = "forged";
  CHECK_FALSE(ApplyProof(p.replica.get(), bad).ok());
  CHECK(rec.Take().empty());
}

TEST_CASE("an import reports one upgrade", "[log][subscribe]") {
  ReplicaPair p;
  Recorder rec(*p.replica);
  std::vector<std::string> blocks;
  for (uint64_t i = 0; i < 20; i++) blocks.push_back(p.source->Get(i).value());
  REQUIRE(ImportLog(p.replica.get(), blocks, 0, p.source->signature()).ok());
  auto events = rec.Take();
  REQUIRE(events.size() == 1);
  CheckEvent(events[0], Type::kUpgrade, 20, 0, 20);
}

TEST_CASE("a read-only log reports what Refresh follows", "[log][subscribe]") {
  test::TempDir tmp;
  auto writer = Core::Create(tmp.path(), KeyPair::FromSeed(Seed{})).value();
  REQUIRE(writer->Append(Blocks(5)).ok());
  CoreOptions options;
  options.read_only = true;
  auto reader = Core::Open(tmp.path(), options).value();
  Recorder rec(*reader);

  REQUIRE_FALSE(reader->Refresh().value().changed);
  CHECK(rec.Take().empty());

  REQUIRE(writer->Append(Blocks(2)).ok());
  REQUIRE(writer->Append(Blocks(2)).ok());
  CHECK(rec.Take().empty());  // until it refreshes
  REQUIRE(reader->Refresh().value().changed);
  auto events = rec.Take();
  REQUIRE(events.size() == 1);  // one change seen: length 5 -> 9
  CheckEvent(events[0], Type::kAppend, 9, 0, 9);

  REQUIRE(writer->Truncate(6).ok());
  REQUIRE(writer->Append(Blocks(1, "t")).ok());
  REQUIRE(reader->Refresh().value().changed);
  events = rec.Take();
  REQUIRE(events.size() == 1);
  CheckEvent(events[0], Type::kTruncate, 7, 1, 7);
  CHECK(events[0].unchanged_length == 6);
}

TEST_CASE("events race subscribers and readers safely",
          "[log][subscribe][threads]") {
  auto core = Core::CreateInMemory(KeyPair::FromSeed(Seed{})).value();
  constexpr uint64_t kAppends = 200;
  std::atomic<bool> done{false};
  // One long subscription that must see every length, in order.
  std::mutex mu;
  std::vector<uint64_t> lengths;
  Subscription all = core->Subscribe([&](const CoreEvent& e) {
    std::lock_guard<std::mutex> l(mu);
    lengths.push_back(e.length);
  });
  // Subscriptions made and dropped while the writer appends.
  std::atomic<uint64_t> churn_calls{0};
  std::thread churn([&] {
    while (!done.load()) {
      std::atomic<bool> alive{true};
      Subscription s = core->Subscribe([&](const CoreEvent&) {
        CHECK(alive.load());  // never called after Reset returned
        churn_calls++;
      });
      std::this_thread::yield();
      s.Reset();
      alive = false;
    }
  });
  std::thread reader([&] {
    uint64_t seen = 0;
    while (seen < kAppends) {
      seen = core->WaitForAppend(seen, std::chrono::hours(1));
      (void)core->contiguous_length();
    }
  });
  Status s;
  for (uint64_t i = 0; i < kAppends && s.ok(); i++) {
    s = core->Append(std::vector<std::string>{"x"});
  }
  reader.join();
  done = true;
  churn.join();
  REQUIRE(s.ok());
  std::lock_guard<std::mutex> l(mu);
  REQUIRE(lengths.size() == kAppends);
  for (uint64_t i = 0; i < kAppends; i++) CHECK(lengths[i] == i + 1);
}

}  // namespace
}  // namespace bee::log
