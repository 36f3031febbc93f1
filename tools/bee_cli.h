// The `bee` command line, as a function so tests can run it in-process.
#ifndef BEE_TOOLS_BEE_CLI_H_
#define BEE_TOOLS_BEE_CLI_H_

#include <iosfwd>

#include "tools/progress.h"

namespace bee::tools {

// Runs `bee` with argv (argv[0] is the program name). Returns the exit
// status: 0 on success, 1 when the operation failed, 2 for bad arguments.
// Output is written in large pieces and flushed at the end (and, for
// `get -`, before each read of stdin that may wait); `in` is read through
// its streambuf in large chunks. Long commands draw progress on `err` only
// when `terminal` says it is a terminal.
int RunBee(int argc, const char* const* argv, std::istream& in,
           std::ostream& out, std::ostream& err, const Terminal& terminal = {});

// Runs `bee-dump`, with the same conventions.
int RunBeeDump(int argc, const char* const* argv, std::ostream& out,
               std::ostream& err, const Terminal& terminal = {});

}  // namespace bee::tools

#endif  // BEE_TOOLS_BEE_CLI_H_
