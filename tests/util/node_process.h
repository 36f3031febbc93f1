// A long-running JS peer (tests/interop/js/peer.js by default) as a child
// process driven by JSON lines: Call() writes one command line to its stdin
// and reads its one reply line from its stdout. The command set is
// documented at the top of peer.js. The child's stderr goes to a file in a
// temp directory, quoted in every error; that directory is also its TMPDIR,
// and is deleted (with what the child left there) when this object goes.
//
// Lifetime: the child runs until Close() or destruction. A Call that times
// out, and the destructor, kill it (SIGKILL) and reap it: no zombies, no
// orphans (a child whose parent dies sees end of input and exits). After
// the child is gone every Call fails.
//
// Thread safety: none; one thread drives one NodeProcess. Distinct objects
// may run on different threads.
#ifndef BEE_TESTS_UTIL_NODE_PROCESS_H_
#define BEE_TESTS_UTIL_NODE_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "encoding/result.h"
#include "encoding/status.h"
#include "tests/util/temp_dir.h"

namespace bee::test {

class NodeProcess {
 public:
  // Longer than peer.js's own default command timeout (15 s), so that a
  // command that cannot finish gets the peer's explanation, not a kill.
  static constexpr std::chrono::milliseconds kDefaultTimeout{30000};

  // Starts `node <tests/interop/js>/<script>` (or `node <script>` for an
  // absolute path: the tests of this class run stand-ins). Unavailable when
  // node or the pinned packages are missing (NodeStatus() in node_runner.h:
  // a test then skips), InvalidArgument for an unknown script, IOError when
  // the process cannot be started.
  static Result<std::unique_ptr<NodeProcess>> Start(
      const std::string& script = "peer.js");

  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Sends `command` (a JSON object; an "id" is added when it has none) and
  // returns the reply, whatever its "ok". InvalidArgument when `command` is
  // not an object; IOError when the child has exited
  // or exits before replying, or gives no reply within `timeout` (the child
  // is then killed); Corruption when the reply is not a JSON object or
  // carries another id. Every error names the command and quotes stderr.
  Result<nlohmann::json> Call(
      const nlohmann::json& command,
      std::chrono::milliseconds timeout = kDefaultTimeout);

  // Call(), then the reply only if it says "ok": true; a reply with "ok":
  // false becomes Unavailable("<cmd>: <the peer's error>").
  Result<nlohmann::json> CallOk(
      const nlohmann::json& command,
      std::chrono::milliseconds timeout = kDefaultTimeout);

  // Sends "close" and waits up to `timeout` for the child to exit, killing
  // it after that. OK when it replied and exited with status 0.
  Status Close(std::chrono::milliseconds timeout = kDefaultTimeout);

  // Whether the child has not been reaped yet.
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // The last `n` bytes the child wrote to stderr.
  std::string StderrTail(size_t n = 4000) const;

 private:
  NodeProcess(std::string script, pid_t pid, int fd,
              std::unique_ptr<TempDir> dir);

  Status Send(const std::string& line,
              std::chrono::steady_clock::time_point deadline);
  Result<std::string> ReceiveLine(
      std::chrono::steady_clock::time_point deadline);
  // Waits for the child to exit until `deadline`, then kills it; reaps it
  // and closes the socket. Returns how it ended ("exit status 0", ...).
  std::string Reap(std::chrono::steady_clock::time_point deadline);
  // "<script> (pid N): <what>; stderr: <tail>"
  std::string Describe(const std::string& what) const;

  const std::string script_;
  pid_t pid_;  // > 0 until reaped
  int fd_;     // our end of the child's stdin/stdout socket; -1 once closed
  std::unique_ptr<TempDir> dir_;  // holds the stderr file
  std::string received_;          // bytes read past the last reply line
  uint64_t next_id_ = 1;
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_NODE_PROCESS_H_
