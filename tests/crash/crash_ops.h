// The random workload of the SIGKILL crash test (tests/crash/sigkill_test.cc):
// single puts and dels, batches (one multi-op append, or separate blocks,
// small and large) and truncates. The child process runs it on disk; the
// test replays it in memory. Both draw the same operations from the same
// seed, because each draw depends only on the seed and the state that the
// earlier operations left.
//
// Thread safety: none; one Workload per thread.
#ifndef BEE_TESTS_CRASH_CRASH_OPS_H_
#define BEE_TESTS_CRASH_CRASH_OPS_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "btree/bee.h"

namespace bee::crashtest {

using Model = std::map<std::string, std::string>;

class Workload {
 public:
  explicit Workload(uint64_t seed) : rng_(seed) {}

  // Draws the next operation and runs it on `bee`; on OK the model follows
  // it. After an error the workload no longer matches the store.
  // REQUIRES: `bee` is as this workload's earlier steps left it, starting
  // from a fresh store.
  Status Step(btree::Bee* bee);

  // The tree the operations so far should have left.
  const Model& model() const { return model_; }
  // What the last Step did, e.g. "batch of 12 (separate blocks)".
  const std::string& last() const { return last_; }

 private:
  std::string Key();
  std::string Value();
  Status Single(btree::Bee* bee);
  Status RunBatch(btree::Bee* bee, size_t n, bool separate);
  Status TruncateSome(btree::Bee* bee);

  std::mt19937_64 rng_;
  Model model_;
  std::map<uint64_t, Model> at_;  // the model at each version reached
  std::string last_;
};

}  // namespace bee::crashtest

#endif  // BEE_TESTS_CRASH_CRASH_OPS_H_
