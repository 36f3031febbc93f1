// `bee serve` and `bee replicate`: the replication protocol on the command
// line (remote/server.h, remote/replicate.h do the work).
#ifndef BEE_TOOLS_NET_COMMANDS_H_
#define BEE_TOOLS_NET_COMMANDS_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "encoding/status.h"
#include "tools/progress.h"

namespace bee::tools {

struct ServeArgs {
  std::vector<std::string> dirs;
  std::string listen = "127.0.0.1:0";
  uint64_t refresh_ms = 200;
  bool json = false;
};

// Serves until SIGINT or SIGTERM: prints what it listens on and serves
// (stdout, flushed at once), logs peers and errors on stderr.
Status Serve(const ServeArgs& args, std::ostream& out, std::ostream& err);

struct ReplicateArgs {
  std::string url;
  std::string dir;
  bool live = false;
  uint64_t timeout_ms = 30000;
  bool json = false;
  bool quiet = false;
};

// Downloads the log at `url` into `dir` (a new or resumed replica); with
// `live`, follows it until SIGINT or SIGTERM. Prints a summary.
Status Replicate(const ReplicateArgs& args, std::ostream& out,
                 std::ostream& err, const Terminal& terminal);

}  // namespace bee::tools

#endif  // BEE_TOOLS_NET_COMMANDS_H_
