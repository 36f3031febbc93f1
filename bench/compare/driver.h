// The comparison driver: runs every selected (engine, workload) pair in its
// own child process, run after run, interleaving the engines within each
// workload, then prints the header, the table of medians, the issue's
// targets and writes JSON lines (bench/compare/README.md).
#ifndef BEE_BENCH_COMPARE_DRIVER_H_
#define BEE_BENCH_COMPARE_DRIVER_H_

#include <cstddef>
#include <string>
#include <vector>

namespace bee::compare {

struct DriverOptions {
  bool quick = false;  // N = 2,000 and one run unless given
  size_t n = 100000;
  size_t runs = 3;
  std::string json_path;  // "" = no JSON lines
  std::string bee_cli;    // "" = <this binary's dir>/../tools/bee
  std::string node = "node";
  std::string js_script;  // "" = the source tree's hyperbee_side.js
  std::vector<std::string> engines = {"bee", "leveldb", "hyperbee"};
  std::vector<std::string> workloads;  // ids; empty = all
  std::string workdir = "/tmp";
  // JSON lines of an earlier run (--json) whose bee medians the per-key
  // costs are compared with (the N = 1M targets: within 2x of N = 100,000).
  std::string baseline_path;
};

// Returns the process exit status: 0 when every workload ran and passed its
// checks (however slow), 1 otherwise, 2 for bad options.
int RunDriver(const DriverOptions& options);

}  // namespace bee::compare

#endif  // BEE_BENCH_COMPARE_DRIVER_H_
