// Resident memory of a read workload stays within the cache budget plus a
// small constant, whatever the store's size (issue 10): a child process
// (cache_rss_child.cc) scans and reads a store whose data is more than 50
// times its cache budget, and its peak resident memory is checked. The
// same run with an unbounded budget must use far more, which shows the
// measurement can see the difference. Needs a build without sanitizers
// (their shadow memory and quarantine are not the program's memory).
#include <catch2/catch.hpp>
#include <cstdio>
#include <iostream>
#include <random>

#include "btree/bee.h"
#include "tests/util/temp_dir.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BEE_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define BEE_UNDER_SANITIZER 1
#endif
#endif

namespace bee::btree {
namespace {

#ifndef BEE_UNDER_SANITIZER
struct ChildReport {
  uint64_t entries = 0, found = 0;
  long peak_kib = 0, baseline_kib = 0;
};

ChildReport RunChild(const std::string& dir, size_t budget) {
  std::string cmd = std::string(BEE_RSS_CHILD) + " " + dir + " " +
                    std::to_string(budget) + " 20000";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  ChildReport r;
  unsigned long long entries = 0, found = 0;
  const int n = std::fscanf(
      p, "entries %llu found %llu peak_rss_kib %ld baseline_kib %ld", &entries,
      &found, &r.peak_kib, &r.baseline_kib);
  const int rc = pclose(p);
  REQUIRE(rc == 0);
  REQUIRE(n == 4);
  r.entries = entries;
  r.found = found;
  return r;
}
#endif

TEST_CASE(
    "a scan and gets of a store 50x the cache budget stay within it "
    "in resident memory",
    "[btree][cache][memory]") {
#ifdef BEE_UNDER_SANITIZER
  std::cout << "BEE-SKIPPED: resident memory is not measurable under a "
               "sanitizer; the Release run checks it\n";
  return;
#else
  test::TempDir tmp;
  const std::string dir = tmp.Sub("store");
  constexpr uint64_t kKeys = 120000;
  constexpr size_t kBudget = 384 << 10;
  {
    BeeOptions options;
    options.core.durability = log::Durability::kNoSync;
    auto bee = Bee::Create(dir, log::KeyPair::FromSeed(log::Seed{}),
                           std::nullopt, options)
                   .value();
    std::mt19937_64 rng(7);
    for (uint64_t i = 0; i < kKeys; i += 1000) {
      auto batch = bee->MakeBatch().value();
      for (uint64_t j = i; j < i + 1000; j++) {
        std::string key(16, 0), value(100, 0);
        for (char& c : key) c = static_cast<char>(rng());
        for (char& c : value) c = static_cast<char>(rng());
        REQUIRE(batch->Put(key, value).ok());
      }
      REQUIRE(batch->Flush().ok());
    }
    REQUIRE(bee->core().byte_length() >= 50 * kBudget);
    REQUIRE(bee->Close().ok());
  }
  const ChildReport bounded = RunChild(dir, kBudget);
  const ChildReport unbounded = RunChild(dir, size_t{1} << 40);
  CAPTURE(bounded.peak_kib, bounded.baseline_kib, unbounded.peak_kib,
          unbounded.baseline_kib);
  CHECK(bounded.entries == kKeys);
  CHECK(bounded.found == 20000);
  CHECK(unbounded.entries == kKeys);
  // Growth during the reads: the budget, the log's node cache (3.5 MiB at
  // most by default), the iterator's path, and allocator slack.
  const long growth = bounded.peak_kib - bounded.baseline_kib;
  CHECK(growth <= static_cast<long>(kBudget / 1024) + 8 * 1024);
  // The measurement sees a cache that keeps everything.
  CHECK(unbounded.peak_kib - unbounded.baseline_kib > growth + 20 * 1024);
#endif
}

}  // namespace
}  // namespace bee::btree
