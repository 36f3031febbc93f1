// Compares a log's signed state with a recorded one (vectors or the JS
// peer): {length, byteLength, fork, treeHash, signature, roots}.
#ifndef BEE_TESTS_UTIL_CORE_STATE_H_
#define BEE_TESTS_UTIL_CORE_STATE_H_

#include <nlohmann/json.hpp>

#include "log/core.h"

namespace bee::test {

// Catch2 CHECKs every figure of `core` against `want`.
void CheckCoreState(const log::Core& core, const nlohmann::json& want);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_CORE_STATE_H_
