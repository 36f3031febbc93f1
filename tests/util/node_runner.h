// Runs the pinned JS peer (tests/interop/js: hyperbee 2.27.3 on hypercore
// 11.39.5) on one JSON program; the program and result formats are
// documented at the top of each script (core.js, bee.js, export.js,
// proof.js). The long-running peer (peer.js) runs through node_process.h,
// which shares the checks and helpers below.
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

// For a test that needs the JS peer: false when it can run; otherwise
// prints the "BEE-SKIPPED: <why>" line that ctest reports as a skip
// (tests/CMakeLists.txt) and returns true. "js harness: the peer is
// installed" fails in that case, so a skip does not go unnoticed.
bool SkipWithoutNode();

// The path of the JS peer script `script` (in tests/interop/js), after
// NodeStatus(): its error when node or the packages are missing;
// InvalidArgument when there is no such script.
Result<std::string> NodeScriptPath(const std::string& script);

// The last `n` bytes of the file at `path` ("..." first when cut; "" when it
// cannot be read), to quote a script's stderr in an error.
std::string FileTail(const std::string& path, size_t n);

// Writes `program` to a temp file, runs `node <js dir>/<script> <file>` and
// parses the one JSON value it prints. Unavailable when node or the npm
// packages are missing; InvalidArgument for an unknown script; IOError (with
// the script's stderr) when it exits non-zero; Corruption when its stdout is
// not JSON.
Result<nlohmann::json> RunNodeScript(const std::string& script,
                                     const nlohmann::json& program);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_NODE_RUNNER_H_
