// Runs the `bee` and `bee-dump` tools in the test process (tools/bee_cli.h)
// and returns what they printed. Header-only: only test suites that link
// bee_tools include it.
#ifndef BEE_TESTS_UTIL_CLI_RUN_H_
#define BEE_TESTS_UTIL_CLI_RUN_H_

#include <sstream>
#include <string>
#include <vector>

#include "tools/bee_cli.h"

namespace bee::test {

struct CliOutcome {
  int code;  // the exit status
  std::string out, err;
};

// `bee ARGS` (dump: `bee-dump ARGS`) with `input` on standard input.
inline CliOutcome RunCli(bool dump, std::vector<std::string> args,
                         const std::string& input = "") {
  args.insert(args.begin(), dump ? "bee-dump" : "bee");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  const int argc = static_cast<int>(argv.size());
  std::istringstream in(input);
  std::ostringstream out, err;
  const int code = dump ? tools::RunBeeDump(argc, argv.data(), out, err)
                        : tools::RunBee(argc, argv.data(), in, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_CLI_RUN_H_
