// Hyperbee's own recorded blocks, loaded byte for byte (no writer of ours is
// involved), with a std::map model of every version replayed from the
// recorded operations. For testing the read algorithms against the JS
// trees.
#ifndef BEE_TESTS_UTIL_RAW_SCENARIO_H_
#define BEE_TESTS_UTIL_RAW_SCENARIO_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "btree/bee.h"

namespace bee::test {

struct ModelEntry {
  uint64_t seq;
  std::optional<std::string> value;
  bool operator==(const ModelEntry&) const = default;
};
using ModelState = std::map<std::string, ModelEntry>;

// What block `seq` recorded: the operation that produced it.
struct ModelBlock {
  bool del;
  std::string key;
  std::optional<std::string> value;
};

struct RawScenario {
  std::vector<std::string> blocks;  // block 0 is the header
  // The tree after each append (the versions with a usable root), from
  // version 1 (empty) on.
  std::map<uint64_t, ModelState> versions;
  std::vector<ModelBlock> ops;    // by seq; ops[0] stands for the header
  std::vector<std::string> keys;  // every key the operations name, sorted
};

// Scenario A up to length 46 (before its truncation, where its recorded
// reads were taken), or all of scenario B, C or D. Checks (REQUIRE) that
// the replayed operations account for every recorded block.
RawScenario LoadRawScenario(const std::string& name);

// An in-memory bee over exactly `blocks`, appended with one signature by
// the named scenario's key pair. Its append boundaries are unknown.
std::unique_ptr<btree::Bee> RawBee(const std::string& name,
                                   const std::vector<std::string>& blocks);

// A range bound near the scenario's keys: a key, just above or below one,
// a prefix of one, or an extreme ("" or 0xff).
std::string RandomBound(std::mt19937_64* rng,
                        const std::vector<std::string>& keys);

// Bytes for a test message: printable ASCII as is, the rest as \xNN.
std::string Printable(std::string_view bytes);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_RAW_SCENARIO_H_
