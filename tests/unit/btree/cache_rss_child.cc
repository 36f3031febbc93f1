// The process cache_rss_test.cc measures: opens the store in argv[1]
// read-only with a cache budget of argv[2] bytes, scans every entry with
// the zero-copy iterator, then gets argv[3] keys picked at random from the
// scan, and prints "entries <n> found <n> peak_rss_kib <n> baseline_kib <n>"
// (baseline: resident memory after opening, before the scan).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "btree/iterator.h"

namespace {

// A field of /proc/self/status, in KiB.
long StatusKib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "cache_rss_child: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return Fail("usage: DIR CACHE_BYTES GETS");
  bee::btree::BeeOptions options;
  options.core.read_only = true;
  options.cache_bytes = std::strtoull(argv[2], nullptr, 10);
  auto bee = bee::btree::Bee::Open(argv[1], options);
  if (!bee.ok()) return Fail(bee.status().ToString());
  auto snap = (*bee)->GetSnapshot();
  if (!snap.ok()) return Fail(snap.status().ToString());
  const long baseline = StatusKib("VmRSS");
  // Every 97th key is kept for the gets: a small, fixed sample.
  std::vector<std::string> sample;
  uint64_t entries = 0;
  {
    bee::btree::RangeIterator it(*snap, {});
    while (true) {
      auto v = it.NextView();
      if (!v.ok()) return Fail(v.status().ToString());
      if (!v->has_value()) break;
      if (entries % 97 == 0) sample.emplace_back((*v)->key);
      entries++;
    }
  }
  std::mt19937_64 rng(1);
  const uint64_t gets = std::strtoull(argv[3], nullptr, 10);
  uint64_t found = 0;
  for (uint64_t i = 0; i < gets && !sample.empty(); i++) {
    auto e = snap->Get(sample[rng() % sample.size()]);
    if (!e.ok()) return Fail(e.status().ToString());
    if (e->has_value()) found++;
  }
  std::printf("entries %llu found %llu peak_rss_kib %ld baseline_kib %ld\n",
              static_cast<unsigned long long>(entries),
              static_cast<unsigned long long>(found), StatusKib("VmHWM"),
              baseline);
  return 0;
}
