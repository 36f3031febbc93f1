// Runs the pinned JS peer (tests/interop/js: hyperbee 2.27.3 on hypercore
// 11.39.5) on one JSON program; the program and result formats are
// documented at the top of each script (core.js, bee.js, export.js,
// proof.js).
//
// Thread-safe: each call uses its own temp directory and node process.
#ifndef BEE_TESTS_UTIL_NODE_RUNNER_H_
#define BEE_TESTS_UTIL_NODE_RUNNER_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "encoding/result.h"
#include "encoding/status.h"

namespace bee::test {

// OK when `node` runs and the pinned packages are installed; otherwise
// Unavailable, with the fix (scripts/setup.sh) in the message. Checked once.
const Status& NodeStatus();

// `s` as one POSIX shell word (in single quotes).
std::string ShellQuote(std::string_view s);

// OK when `js_dir`/node_modules holds every package its package-lock.json
// pins, each at the locked version (an optional one may be absent), and the
// lock pins hyperbee 2.27.3 and hypercore 11.39.5, the versions bee is
// byte-compatible with. Otherwise Unavailable, naming the package and both
// versions. NodeStatus() runs it on the peer's directory.
Status CheckPeerVersions(const std::string& js_dir);

// NodeStatus().ok().
bool NodeAvailable();

// Writes `program` to a temp file, runs `node <js dir>/<script> <file>` and
// parses the one JSON value it prints. Unavailable when node or the npm
// packages are missing; InvalidArgument for an unknown script; IOError (with
// the script's stderr) when it exits non-zero; Corruption when its stdout is
// not JSON.
Result<nlohmann::json> RunNodeScript(const std::string& script,
                                     const nlohmann::json& program);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_NODE_RUNNER_H_
