// Process helpers of the comparison driver: run one child with its stdin
// and stdout redirected and report its wall time and peak RSS, measure a
// directory's disk usage, describe the machine.
//
// The peak RSS of a child (wait4's ru_maxrss) is at least the driver's own
// at the time of the fork (Linux carries the image it replaced into the
// figure), so the driver keeps its memory small: the data lives in the
// children.
#ifndef BEE_BENCH_COMPARE_CHILD_H_
#define BEE_BENCH_COMPARE_CHILD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "encoding/result.h"

namespace bee::compare {

struct ChildRun {
  int exit_code = 0;    // -1 when killed by a signal
  int term_signal = 0;  // the signal, when killed by one
  double seconds = 0;   // wall time from fork to exit
  int64_t peak_rss_kib = 0;
  bool ok() const { return exit_code == 0; }
  std::string Describe() const;  // "exit status 1", "killed by signal 9"
};

// Runs argv[0] (searched in PATH) with stdin from `stdin_path` ("" for
// /dev/null), stdout into `stdout_path` and stderr into `stderr_path`
// (truncated; "" leaves stderr ours). An error only when the child could
// not be started.
Result<ChildRun> RunChild(const std::vector<std::string>& argv,
                          const std::string& stdin_path,
                          const std::string& stdout_path,
                          const std::string& stderr_path = "");

// Bytes allocated on disk for the files under `dir` (as du), and their
// apparent size.
struct DiskUsage {
  uint64_t allocated = 0;
  uint64_t apparent = 0;
};
Result<DiskUsage> MeasureDiskUsage(const std::string& dir);

struct Machine {
  std::string cpu;  // /proc/cpuinfo "model name"
  unsigned cores = 0;
  std::string kernel;  // uname: sysname release machine
  uint64_t memory_bytes = 0;
  std::string load_average;  // /proc/loadavg's 1, 5 and 15 minute figures
};
Machine DescribeMachine();

std::string ReadFileOrEmpty(const std::string& path);

}  // namespace bee::compare

#endif  // BEE_BENCH_COMPARE_CHILD_H_
