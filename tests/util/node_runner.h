// Runs the pinned JS peer (tests/interop/js) on one JSON program.
#ifndef BEE_TESTS_UTIL_NODE_RUNNER_H_
#define BEE_TESTS_UTIL_NODE_RUNNER_H_

#include <nlohmann/json.hpp>
#include <string>

#include "encoding/result.h"

namespace bee::test {

// Writes `program` to a temp file, runs `node <js dir>/<script> <file>` and
// parses its stdout. Unavailable (with the fix in the message) when node or
// the npm packages are missing; IOError when the script fails.
Result<nlohmann::json> RunNodeScript(const std::string& script,
                                     const nlohmann::json& program);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_NODE_RUNNER_H_
