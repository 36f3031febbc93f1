// Kill a process writing to a store on disk (tests/crash/crash_child.cc:
// puts, dels, batches, truncates) with SIGKILL at random moments, hundreds
// of times, under both durability modes. After each kill the store must
// reopen (writable) with every block verifying, at the state its last
// acknowledged operation left or the one after it (a kill loses nothing
// acknowledged, even without fsync: the page cache survives the process),
// read exactly as the workload replayed in memory, and accept a write.
//
// The workload is deterministic per seed; the kill moments are not. A
// failure prints the seed, and the kill index to rerun alone with
// BEE_SIGKILL_ONLY=<index>.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <thread>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "tests/crash/crash_ops.h"
#include "tests/util/temp_dir.h"

extern char** environ;

namespace bee::btree {
namespace {

using crashtest::Model;
using crashtest::Workload;

constexpr int kKills = 300;
constexpr int kOpsPerChild = 5000;  // more than a child gets through

// The whole tree, in order; keys must come strictly ascending.
Model Read(const Bee& bee) {
  Model out;
  auto snap = bee.GetSnapshot();
  REQUIRE(snap.ok());
  RangeIterator it(*snap, {});
  while (true) {
    auto e = it.Next();
    REQUIRE(e.ok());
    if (!e->has_value()) return out;
    if (!out.empty()) CHECK(out.rbegin()->first < (*e)->key);
    out[(*e)->key] = (*e)->value.value_or("");
  }
}

// The one place a killed store is reopened (writable).
Result<std::unique_ptr<Bee>> Reopen(const std::string& dir,
                                    const BeeOptions& options) {
  return Bee::Open(dir, options);
}

struct Head {
  uint64_t version;
  uint64_t fork;
  bool operator==(const Head&) const = default;
};

Head HeadOf(const Bee& bee) { return {bee.version(), bee.core().fork()}; }

struct Child {
  pid_t pid = -1;
  int out = -1;  // the read end of its stdout
};

Child Spawn(const std::string& dir, uint64_t seed, bool sync) {
  std::vector<std::string> args = {BEE_CRASH_CHILD, dir, std::to_string(seed),
                                   sync ? "sync" : "nosync",
                                   std::to_string(kOpsPerChild)};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  REQUIRE(posix_spawn_file_actions_init(&actions) == 0);
  REQUIRE(posix_spawn_file_actions_adddup2(&actions, fds[1], 1) == 0);
  Child child;
  const int err =
      posix_spawn(&child.pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  REQUIRE(err == 0);
  child.out = fds[0];
  return child;
}

// Reads up to and without the next newline ("" at end of file).
std::string ReadLine(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

// Kills the child after `delay` and returns how many operations it
// acknowledged; *finished says it exited on its own, successfully.
uint64_t KillAfter(Child child, std::chrono::microseconds delay,
                   bool* finished) {
  std::this_thread::sleep_for(delay);
  ::kill(child.pid, SIGKILL);
  uint64_t acked = 0;
  for (std::string line = ReadLine(child.out); !line.empty();
       line = ReadLine(child.out)) {
    REQUIRE(line == std::to_string(acked));
    acked++;
  }
  ::close(child.out);
  int status = 0;
  REQUIRE(::waitpid(child.pid, &status, 0) == child.pid);
  *finished = !WIFSIGNALED(status);
  if (*finished) REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  return acked;
}

// Checks the killed store against the workload replayed in memory, and
// returns the kind of state it was in.
std::string CheckKilled(const std::string& dir, const BeeOptions& options,
                        uint64_t seed, uint64_t acked) {
  auto bee = Reopen(dir, options);
  INFO("reopen: " << (bee.ok() ? "OK" : bee.status().ToString()));
  REQUIRE(bee.ok());
  REQUIRE((*bee)->core().VerifyAll().ok());
  const Head got = HeadOf(**bee);
  auto mem = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  Workload replay(seed);
  for (uint64_t i = 0; i < acked; i++) REQUIRE(replay.Step(mem.get()).ok());
  std::string kind = "at the last acknowledged op";
  if (got != HeadOf(*mem)) {
    // The operation in flight when killed landed: only the next one may.
    REQUIRE(replay.Step(mem.get()).ok());
    INFO("in flight: " << replay.last());
    REQUIRE(got == HeadOf(*mem));
    kind = "with the op in flight";
  }
  CHECK(Read(**bee) == replay.model());
  CHECK((*bee)->Checkout((*bee)->version()).ok());
  REQUIRE((*bee)->Put("after", "kill").ok());
  CHECK((*bee)->Get("after")->value().value == "kill");
  return kind;
}

// "kind: count; ..." for the report.
std::string Summary(const std::map<std::string, int>& seen) {
  std::string out;
  for (const auto& [kind, n] : seen) {
    out += kind + ": " + std::to_string(n) + "; ";
  }
  return out;
}

TEST_CASE("a store killed with SIGKILL mid-write keeps what it acknowledged",
          "[crash][sigkill]") {
  const uint64_t seed = Catch::rngSeed();
  const char* only = std::getenv("BEE_SIGKILL_ONLY");
  std::printf(
      "sigkill: seed %llu; replay: bee_crash_tests '[sigkill]' --rng-seed "
      "%llu (one kill: BEE_SIGKILL_ONLY=<kill> as well)\n",
      static_cast<unsigned long long>(seed),
      static_cast<unsigned long long>(seed));
  std::map<std::string, int> seen;
  for (int kill = 0; kill < kKills; kill++) {
    if (only != nullptr && std::atoi(only) != kill) continue;
    const uint64_t workload = seed * 1000003 + static_cast<uint64_t>(kill);
    std::mt19937_64 rng(workload);
    const bool sync = kill % 2 == 0;
    CAPTURE(seed, kill, sync);
    BeeOptions options;
    options.core.durability =
        sync ? log::Durability::kSync : log::Durability::kNoSync;
    test::TempDir tmp;
    const std::string dir = tmp.Sub("store");
    REQUIRE(Bee::Create(dir, log::KeyPair::FromSeed(log::Seed{}), std::nullopt,
                        options)
                .ok());
    Child child = Spawn(dir, workload, sync);
    REQUIRE(ReadLine(child.out) == "ready");
    // Half within the first operations, the rest spread over several;
    // fsyncs make kSync operations much slower.
    const uint64_t scale = (sync ? uint64_t{20000} : uint64_t{5000})
                           << (rng() % 3);
    const auto delay = std::chrono::microseconds(
        rng() % 2 == 0 ? rng() % 2000 : rng() % scale);
    bool finished = false;
    const uint64_t acked = KillAfter(child, delay, &finished);
    CAPTURE(acked, finished);
    const std::string mode = sync ? "sync: " : "nosync: ";
    seen[mode + CheckKilled(dir, options, workload, acked)]++;
    if (acked == 0) seen[mode + "none acknowledged"]++;
    if (finished) seen[mode + "finished before the kill"]++;
  }
  std::printf("sigkill: %s\n", Summary(seen).c_str());
  if (only != nullptr) return;
  INFO(Summary(seen));
  for (const char* kind :
       {"sync: at the last acknowledged op", "sync: with the op in flight",
        "nosync: at the last acknowledged op",
        "nosync: with the op in flight"}) {
    CAPTURE(seed, kind);
    CHECK(seen[kind] > 0);
  }
}

}  // namespace
}  // namespace bee::btree
