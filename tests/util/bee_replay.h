// Replays the recorded hyperbee scenarios through our API (shared by the
// btree tests).
#ifndef BEE_TESTS_UTIL_BEE_REPLAY_H_
#define BEE_TESTS_UTIL_BEE_REPLAY_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "btree/bee.h"

namespace bee::test {

const nlohmann::json& Scenario(const std::string& name);

// A fresh in-memory bee with the scenario's seed and header metadata.
std::unique_ptr<btree::Bee> NewScenarioBee(const nlohmann::json& scenario);

// Applies one recorded op: ["put", k, v, "cas-refused"?], ["del", k, ...],
// ["batch", [...]] or ["truncate", n]. Keys and values are hex when `hex`,
// raw UTF-8 otherwise. Returns false (after a failed CHECK) on error.
bool ApplyRecordedOp(btree::Bee* bee, const nlohmann::json& op, bool hex);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_BEE_REPLAY_H_
