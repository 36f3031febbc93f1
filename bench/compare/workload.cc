// The workloads, once for every Engine. Setup (generating data, loading a
// store that the workload then reads) stays outside the timed region; each
// workload checks its answers after timing them, so a broken engine fails
// instead of reporting a fast number.
#include "bench/compare/workload.h"

#include <sodium.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "bench/bench_common.h"

namespace bee::compare {

Sizes Sizes::For(size_t n) {
  Sizes s;
  s.n = n;
  s.gets = std::min<size_t>(20000, n);
  s.ranges = std::max<size_t>(1, std::min<size_t>(1000, n / 20));
  s.single_puts = std::max<size_t>(1, std::min<size_t>(10000, n / 2));
  s.updates = std::max<size_t>(1, std::min<size_t>(1000, n / 2));
  return s;
}

Dataset::Dataset(size_t n, bool with_values) : n_(n) {
  bench::Rng rng(kSeedData);
  keys_.reserve(n * kKeySize);
  if (with_values) values_.reserve(n * kValueSize);
  constexpr size_t kValueWords = (kValueSize + 7) / 8;
  for (size_t i = 0; i < n; i++) {
    keys_ += rng.Bytes(kKeySize);
    if (with_values) {
      values_ += rng.Bytes(kValueSize);
    } else {
      for (size_t w = 0; w < kValueWords; w++) rng.Next();
    }
  }
}

double ProcessCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::vector<size_t> Picks(uint64_t seed, size_t count, size_t n) {
  bench::Rng rng(seed);
  std::vector<size_t> out(count);
  for (size_t& i : out) i = static_cast<size_t>(rng.Next() % n);
  return out;
}

std::vector<size_t> DistinctPicks(uint64_t seed, size_t count, size_t n) {
  bench::Rng rng(seed);
  std::vector<bool> taken(n);
  std::vector<size_t> out;
  while (out.size() < std::min(count, n)) {
    const auto i = static_cast<size_t>(rng.Next() % n);
    if (taken[i]) continue;
    taken[i] = true;
    out.push_back(i);
  }
  return out;
}

std::vector<std::string> NewValues(uint64_t seed, size_t count) {
  bench::Rng rng(seed);
  std::vector<std::string> out;
  for (size_t i = 0; i < count; i++) out.push_back(rng.Bytes(kValueSize));
  return out;
}

namespace {

// Writes records order[0..] in batches of sizes.batch.
Status Load(Engine* e, const Dataset& d, std::span<const size_t> order,
            size_t batch) {
  std::vector<std::string_view> keys, values;
  for (size_t i = 0; i < order.size(); i += batch) {
    keys.clear();
    values.clear();
    for (size_t j = i; j < std::min(order.size(), i + batch); j++) {
      keys.push_back(d.key(order[j]));
      values.push_back(d.value(order[j]));
    }
    BEE_RETURN_IF_ERROR(e->PutBatch(keys, values));
  }
  return Status::OK();
}

std::vector<size_t> Identity(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}

Status Expect(std::string_view what, uint64_t got, uint64_t want) {
  if (got == want) return Status::OK();
  return Status::Corruption(std::string(what) + ": got " + std::to_string(got) +
                            ", expected " + std::to_string(want));
}

// Times the batched load of `order` into a new store, then checks that a
// scan finds every record.
Result<Measurement> TimedLoad(Engine* e, const std::string& dir, const Sizes& s,
                              bool ascending) {
  const Dataset d(s.n, true);
  std::vector<size_t> order = Identity(s.n);
  if (ascending) {
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return d.key(a) < d.key(b); });
  }
  BEE_RETURN_IF_ERROR(e->Create(dir));
  const double cpu = ProcessCpuSeconds();
  const auto start = Clock::now();
  BEE_RETURN_IF_ERROR(Load(e, d, order, s.batch));
  Measurement m{s.n, SecondsSince(start), 0, {}};
  m.extra.emplace_back("cpu_seconds", ProcessCpuSeconds() - cpu);
  BEE_ASSIGN_OR_RETURN(m.checked, e->Scan(std::nullopt, -1));
  BEE_RETURN_IF_ERROR(Expect("entries after the load", m.checked, s.n));
  BEE_RETURN_IF_ERROR(e->Close());
  return m;
}

// Times gets of keys `picks`, through `get`; every key must be found.
template <typename GetFn>
Result<Measurement> TimedGets(const Dataset& d, std::span<const size_t> picks,
                              GetFn get) {
  uint64_t found = 0;
  const double cpu = ProcessCpuSeconds();
  const auto start = Clock::now();
  for (size_t i : picks) {
    BEE_ASSIGN_OR_RETURN(bool f, get(d.key(i)));
    found += f ? 1 : 0;
  }
  Measurement m{picks.size(), SecondsSince(start), found, {}};
  m.extra.emplace_back("cpu_seconds", ProcessCpuSeconds() - cpu);
  BEE_RETURN_IF_ERROR(Expect("keys found", found, picks.size()));
  return m;
}

// Creates a store holding every record (untimed) for a workload that reads
// right after writing, in the same process.
Result<Dataset> CreateLoaded(Engine* e, const std::string& dir,
                             const Sizes& s) {
  Dataset d(s.n, true);
  BEE_RETURN_IF_ERROR(e->Create(dir));
  BEE_RETURN_IF_ERROR(Load(e, d, Identity(s.n), s.batch));
  return d;
}

Result<Measurement> GetsWarm(Engine* e, const std::string& dir,
                             const Sizes& s) {
  BEE_ASSIGN_OR_RETURN(Dataset d, CreateLoaded(e, dir, s));
  return TimedGets(d, Picks(kSeedGets, s.gets, s.n),
                   [&](std::string_view k) { return e->Get(k); });
}

Result<Measurement> GetsReopen(Engine* e, const std::string& dir,
                               const Sizes& s) {
  const Dataset d(s.n, false);
  const auto open_start = Clock::now();
  BEE_RETURN_IF_ERROR(e->Open(dir));
  const double open_seconds = SecondsSince(open_start);
  BEE_ASSIGN_OR_RETURN(
      Measurement m, TimedGets(d, Picks(kSeedGets, s.gets, s.n),
                               [&](std::string_view k) { return e->Get(k); }));
  m.extra.emplace_back("open_seconds", open_seconds);
  return m;
}

Result<Measurement> TimedFullScan(Engine* e, const Sizes& s) {
  const double cpu = ProcessCpuSeconds();
  const auto start = Clock::now();
  BEE_ASSIGN_OR_RETURN(size_t count, e->Scan(std::nullopt, -1));
  Measurement m{count, SecondsSince(start), count, {}};
  m.extra.emplace_back("cpu_seconds", ProcessCpuSeconds() - cpu);
  BEE_RETURN_IF_ERROR(Expect("entries scanned", count, s.n));
  return m;
}

Result<Measurement> ScanFirst(Engine* e, const std::string& dir,
                              const Sizes& s) {
  BEE_RETURN_IF_ERROR(CreateLoaded(e, dir, s).status());
  return TimedFullScan(e, s);
}

Result<Measurement> ScanReopen(Engine* e, const std::string& dir,
                               const Sizes& s) {
  BEE_RETURN_IF_ERROR(e->Open(dir));
  return TimedFullScan(e, s);
}

// Ranges of range_len keys from random start keys; each must hold
// min(range_len, records from its start to the end).
Result<Measurement> Ranges(Engine* e, const std::string& dir, const Sizes& s) {
  BEE_ASSIGN_OR_RETURN(Dataset d, CreateLoaded(e, dir, s));
  std::vector<size_t> picks = Picks(kSeedRanges, s.ranges, s.n);
  std::vector<std::string_view> sorted;
  for (size_t i = 0; i < s.n; i++) sorted.push_back(d.key(i));
  std::sort(sorted.begin(), sorted.end());
  uint64_t want = 0;
  for (size_t i : picks) {
    const auto rank = static_cast<size_t>(
        std::lower_bound(sorted.begin(), sorted.end(), d.key(i)) -
        sorted.begin());
    want += std::min(s.range_len, s.n - rank);
  }
  uint64_t got = 0;
  const auto start = Clock::now();
  for (size_t i : picks) {
    BEE_ASSIGN_OR_RETURN(size_t c,
                         e->Scan(d.key(i), static_cast<int64_t>(s.range_len)));
    got += c;
  }
  Measurement m{got, SecondsSince(start), got, {}};
  BEE_RETURN_IF_ERROR(Expect("keys in the ranges", got, want));
  return m;
}

// Signatures per second of libsodium's crypto_sign_detached on messages of
// 32..200 bytes: the floor of a signed put.
Result<double> SignRate(size_t count) {
  if (sodium_init() < 0) return Status::Unavailable("sodium_init failed");
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  unsigned char seed[crypto_sign_SEEDBYTES];
  std::memset(seed, 9, sizeof(seed));
  crypto_sign_seed_keypair(pk, sk, seed);
  bench::Rng rng(kSeedSignatures);
  std::vector<std::string> messages;
  for (size_t i = 0; i < count; i++)
    messages.push_back(rng.Bytes(32 + i % 169));
  unsigned char sig[crypto_sign_BYTES];
  unsigned sink = 0;
  const auto start = Clock::now();
  for (const std::string& m : messages) {
    crypto_sign_detached(sig, nullptr,
                         reinterpret_cast<const unsigned char*>(m.data()),
                         m.size(), sk);
    sink += sig[0];
  }
  const double seconds = SecondsSince(start);
  if (sink == 0xffffffffu) return Status::Corruption("unreachable");
  return static_cast<double>(count) / seconds;
}

Result<Measurement> PutsSingle(Engine* e, const std::string& dir,
                               const Sizes& s) {
  const Dataset d(s.single_puts, true);
  BEE_RETURN_IF_ERROR(e->Create(dir));
  const auto start = Clock::now();
  for (size_t i = 0; i < s.single_puts; i++) {
    BEE_RETURN_IF_ERROR(e->PutSingle(d.key(i), d.value(i)));
  }
  Measurement m{s.single_puts, SecondsSince(start), 0, {}};
  BEE_ASSIGN_OR_RETURN(m.checked, e->Scan(std::nullopt, -1));
  BEE_RETURN_IF_ERROR(Expect("entries after single puts", m.checked, m.ops));
  BEE_ASSIGN_OR_RETURN(double signs,
                       SignRate(std::max<size_t>(1000, s.single_puts)));
  m.extra.emplace_back("signs_per_second", signs);
  return m;
}

// Opens the stored records, marks the version, then updates s.updates
// distinct keys in one batch with values from `value_seed` (untimed).
Status OpenMarkUpdate(Engine* e, const std::string& dir, const Dataset& d,
                      const Sizes& s, uint64_t value_seed) {
  BEE_RETURN_IF_ERROR(e->Open(dir));
  BEE_RETURN_IF_ERROR(e->Mark());
  std::vector<size_t> which = DistinctPicks(kSeedUpdateKeys, s.updates, s.n);
  std::vector<std::string> values = NewValues(value_seed, which.size());
  std::vector<std::string_view> keys, views;
  for (size_t i = 0; i < which.size(); i++) {
    keys.push_back(d.key(which[i]));
    views.push_back(values[i]);
  }
  return e->PutBatch(keys, views);
}

Result<Measurement> CheckoutGets(Engine* e, const std::string& dir,
                                 const Sizes& s) {
  const Dataset d(s.n, false);
  BEE_RETURN_IF_ERROR(OpenMarkUpdate(e, dir, d, s, kSeedUpdateValues));
  return TimedGets(d, Picks(kSeedCheckoutGets, s.gets, s.n),
                   [&](std::string_view k) { return e->GetAtMark(k); });
}

Result<Measurement> Diff(Engine* e, const std::string& dir, const Sizes& s) {
  const Dataset d(s.n, false);
  BEE_RETURN_IF_ERROR(OpenMarkUpdate(e, dir, d, s, kSeedUpdateValues + 2));
  const auto start = Clock::now();
  BEE_ASSIGN_OR_RETURN(size_t changes, e->DiffSinceMark());
  Measurement m{changes, SecondsSince(start), changes, {}};
  BEE_RETURN_IF_ERROR(Expect("changes in the diff", changes, s.updates));
  return m;
}

}  // namespace

Result<Measurement> RunWorkload(Engine* engine, std::string_view name,
                                const std::string& dir, const Sizes& sizes) {
  using Fn = Result<Measurement> (*)(Engine*, const std::string&, const Sizes&);
  static const std::pair<std::string_view, Fn> kTable[] = {
      {"puts_batched",
       [](Engine* e, const std::string& d, const Sizes& s) {
         return TimedLoad(e, d, s, false);
       }},
      {"puts_sequential",
       [](Engine* e, const std::string& d, const Sizes& s) {
         return TimedLoad(e, d, s, true);
       }},
      {"gets_warm", GetsWarm},
      {"gets_reopen", GetsReopen},
      {"scan_first", ScanFirst},
      {"scan_reopen", ScanReopen},
      {"ranges", Ranges},
      {"puts_single", PutsSingle},
      {"checkout_gets", CheckoutGets},
      {"diff", Diff},
  };
  for (const auto& [id, fn] : kTable) {
    if (id != name) continue;
    BEE_ASSIGN_OR_RETURN(Measurement m, fn(engine, dir, sizes));
    BEE_RETURN_IF_ERROR(engine->Close());
    return m;
  }
  return Status::InvalidArgument("unknown workload '" + std::string(name) +
                                 "'");
}

}  // namespace bee::compare
