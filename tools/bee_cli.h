// The `bee` command line, as a function so tests can run it in-process.
#ifndef BEE_TOOLS_BEE_CLI_H_
#define BEE_TOOLS_BEE_CLI_H_

#include <iosfwd>

namespace bee::tools {

// Runs `bee` with argv (argv[0] is the program name). Returns the exit
// status: 0 on success, 1 when the operation failed, 2 for bad arguments.
int RunBee(int argc, const char* const* argv, std::istream& in,
           std::ostream& out, std::ostream& err);

// Runs `bee-dump`, with the same conventions.
int RunBeeDump(int argc, const char* const* argv, std::ostream& out,
               std::ostream& err);

}  // namespace bee::tools

#endif  // BEE_TOOLS_BEE_CLI_H_
