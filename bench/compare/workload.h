// The comparison harness's workloads (bench/compare/README.md), written once
// over a small Engine interface that bee and LevelDB implement. The JS side
// (hyperbee_side.js) reproduces the same data and the same steps.
//
// Data: N records of a 16-byte key and a 100-byte value from the
// xorshift64* stream of bench/bench_common.h seeded with 0xbee, in the order
// key 0, value 0, key 1, ... (as bench/btree_bench.cc and
// bench/js/peer_bench.js). Random choices come from their own streams with
// fixed seeds (the kSeed* constants), so every engine and every run does the
// same operations.
//
// Thread safety: none; a worker process runs one workload on one thread.
#ifndef BEE_BENCH_COMPARE_WORKLOAD_H_
#define BEE_BENCH_COMPARE_WORKLOAD_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "encoding/status.h"

namespace bee::compare {

constexpr size_t kKeySize = 16;
constexpr size_t kValueSize = 100;
constexpr uint64_t kSeedData = 0xbee;
constexpr uint64_t kSeedGets = 5;
constexpr uint64_t kSeedCheckoutGets = 6;
constexpr uint64_t kSeedRanges = 7;
constexpr uint64_t kSeedUpdateKeys = 11;
constexpr uint64_t kSeedUpdateValues = 12;
constexpr uint64_t kSeedSignatures = 13;

// How many operations each workload does for N records; the JS side derives
// the same numbers (sizesFor in hyperbee_side.js).
struct Sizes {
  size_t n = 0;
  size_t batch = 1000;     // puts per batch
  size_t gets = 0;         // min(20,000, N)
  size_t ranges = 0;       // min(1,000, N / 20)
  size_t range_len = 100;  // keys per range
  size_t single_puts = 0;  // min(10,000, N / 2)
  size_t updates = 0;      // distinct keys updated: min(1,000, N / 2)
  static Sizes For(size_t n);
};

// The records, in two flat buffers. Values are generated only when asked
// for (the stream is still advanced past them), so a reader's peak RSS
// holds the keys only.
class Dataset {
 public:
  Dataset(size_t n, bool with_values);
  size_t size() const { return n_; }
  std::string_view key(size_t i) const {
    return std::string_view(keys_).substr(i * kKeySize, kKeySize);
  }
  // REQUIRES: constructed with_values.
  std::string_view value(size_t i) const {
    return std::string_view(values_).substr(i * kValueSize, kValueSize);
  }

 private:
  size_t n_;
  std::string keys_, values_;
};

// `count` indices below n, from the stream seeded `seed` (Next() % n each).
std::vector<size_t> Picks(uint64_t seed, size_t count, size_t n);
// `count` distinct indices below n, in the order first drawn.
std::vector<size_t> DistinctPicks(uint64_t seed, size_t count, size_t n);
// count new values of kValueSize bytes from the stream seeded `seed`.
std::vector<std::string> NewValues(uint64_t seed, size_t count);

using Clock = std::chrono::steady_clock;
inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
// CPU seconds the process (all its threads) has used: what a timed region
// cost on a shared, busy machine, where wall time also counts the other
// processes' turns (reported beside `seconds` as `cpu_seconds`).
double ProcessCpuSeconds();

// What a worker reports: `ops` operations took `seconds`; `checked` of the
// answers were verified (keys found, entries scanned), which the workload
// compares with what it expects before reporting.
struct Measurement {
  uint64_t ops = 0;
  double seconds = 0;
  uint64_t checked = 0;
  // Extra figures, e.g. the Ed25519 signing rate measured beside single puts.
  std::vector<std::pair<std::string, double>> extra;
};

// One key/value store under test. Every method returns the engine's error
// as a Status; none throws.
class Engine {
 public:
  virtual ~Engine() = default;
  // A new store in `dir` (which does not exist yet) or an existing one.
  virtual Status Create(const std::string& dir) = 0;
  virtual Status Open(const std::string& dir) = 0;
  virtual Status Close() = 0;
  // One atomic batch: keys[i] = value[i] for each i.
  virtual Status PutBatch(std::span<const std::string_view> keys,
                          std::span<const std::string_view> values) = 0;
  // One put on its own (for bee: one block and one signature).
  virtual Status PutSingle(std::string_view key, std::string_view value) = 0;
  // Whether the key is present, with a value of kValueSize bytes.
  virtual Result<bool> Get(std::string_view key) = 0;
  // Counts up to `limit` entries (< 0: all) from `start` (nullopt: the
  // first), viewing each key and value without copying where the engine can.
  virtual Result<size_t> Scan(std::optional<std::string_view> start,
                              int64_t limit) = 0;
  // Remembers the current version (bee: a version number; LevelDB: a
  // Snapshot) for GetAtMark and DiffSinceMark.
  virtual Status Mark() = 0;
  virtual Result<bool> GetAtMark(std::string_view key) = 0;
  // The number of keys that differ between the marked version and now;
  // NotSupported where the engine has no diff.
  virtual Result<size_t> DiffSinceMark() = 0;
};

std::unique_ptr<Engine> MakeBeeEngine();
// nullptr when built without LevelDB (BEE_COMPARE_HAVE_LEVELDB unset).
std::unique_ptr<Engine> MakeLevelDbEngine();

// Runs workload `name` (one of the ids in kWorkloads of compare_main.cc that
// a worker runs) on `engine` in `dir`: a store that `puts_batched` wrote, or
// a scratch path the workload creates. Errors, and answers that fail their
// check, are returned as a Status.
Result<Measurement> RunWorkload(Engine* engine, std::string_view name,
                                const std::string& dir, const Sizes& sizes);

}  // namespace bee::compare

#endif  // BEE_BENCH_COMPARE_WORKLOAD_H_
