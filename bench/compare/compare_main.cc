// bee_compare: the same workloads on bee, LevelDB and the JS hyperbee, each
// (engine, workload, run) in its own process, interleaved; prints medians,
// the ratios bee/LevelDB and bee/hyperbee and each engine's peak RSS, and
// writes JSON lines. Usage: bench/compare/run.sh (bench/compare/README.md).
//
//   bee_compare [--quick] [--n N] [--runs R] [--json FILE] [--bee PATH]
//               [--node PATH] [--js PATH] [--engines bee,leveldb,hyperbee]
//               [--workloads ID,...] [--workdir DIR] [--baseline FILE]
//   bee_compare --worker ENGINE WORKLOAD DIR N   (one measurement, JSON out)
//   bee_compare --prepare DIR N                  (the CLI rows' input files)
//
// It reports and never asserts a time: it exits non-zero only when a
// workload fails (an error, or an answer that fails its check).
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "bench/compare/driver.h"
#include "bench/compare/workload.h"
#include "encoding/bytes.h"

namespace bee::compare {
namespace {

Result<size_t> ParseCount(const std::string& s, const std::string& what) {
  size_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0) {
    return Status::InvalidArgument(what + ": '" + s +
                                   "' is not a positive integer");
  }
  return v;
}

// --worker ENGINE WORKLOAD DIR N: prints one JSON object.
int WorkerMain(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: bee_compare --worker ENGINE WORKLOAD DIR N\n";
    return 2;
  }
  const std::string engine_name = argv[2];
  std::unique_ptr<Engine> engine;
  if (engine_name == "bee") engine = MakeBeeEngine();
  if (engine_name == "leveldb") engine = MakeLevelDbEngine();
  auto n = ParseCount(argv[5], "N");
  Result<Measurement> m = Status::InvalidArgument(
      "unknown engine '" + engine_name + "' (or built without it)");
  if (!n.ok()) m = n.status();
  if (engine && n.ok())
    m = RunWorkload(engine.get(), argv[3], argv[4], Sizes::For(*n));
  if (!m.ok()) {
    std::cerr << "bee_compare: " << engine_name << " " << argv[3] << ": "
              << m.status().ToString() << "\n";
    return 1;
  }
  nlohmann::ordered_json j{
      {"ops", m->ops}, {"seconds", m->seconds}, {"checked", m->checked}};
  for (const auto& [k, v] : m->extra) j[k] = v;
  std::cout << j.dump() << "\n";
  return 0;
}

// --prepare DIR N: DIR/keys.hex (the random gets' keys, one hex key a
// line, for `bee --hex get DIR -`) and DIR/apply.ndjson (every record as
// batch lines of 1,000 hex-encoded puts, for `bee apply`).
int PrepareMain(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: bee_compare --prepare DIR N\n";
    return 2;
  }
  auto n = ParseCount(argv[3], "N");
  if (!n.ok()) {
    std::cerr << "bee_compare: " << n.status().ToString() << "\n";
    return 2;
  }
  const std::string dir = argv[2];
  const Sizes s = Sizes::For(*n);
  const Dataset d(s.n, true);
  std::ofstream keys(dir + "/keys.hex");
  for (size_t i : Picks(kSeedGets, s.gets, s.n)) {
    keys << HexEncode(d.key(i)) << "\n";
  }
  std::ofstream ops(dir + "/apply.ndjson");
  for (size_t i = 0; i < s.n; i += s.batch) {
    ops << R"({"type":"batch","encoding":"hex","ops":[)";
    for (size_t j = i; j < std::min(s.n, i + s.batch); j++) {
      ops << (j == i ? "" : ",") << R"({"type":"put","key":")"
          << HexEncode(d.key(j)) << R"(","value":")" << HexEncode(d.value(j))
          << "\"}";
    }
    ops << "]}\n";
  }
  keys.close();
  ops.close();
  if (!keys || !ops) {
    std::cerr << "bee_compare: cannot write the input files in " << dir << "\n";
    return 1;
  }
  return 0;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Result<DriverOptions> ParseDriverArgs(int argc, char** argv) {
  DriverOptions o;
  bool n_given = false, runs_given = false;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--quick") {
      o.quick = true;
      continue;
    }
    if (i + 1 >= argc) return Status::InvalidArgument(a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--n") {
      BEE_ASSIGN_OR_RETURN(o.n, ParseCount(v, "--n"));
      n_given = true;
    } else if (a == "--runs") {
      BEE_ASSIGN_OR_RETURN(o.runs, ParseCount(v, "--runs"));
      runs_given = true;
    } else if (a == "--json") {
      o.json_path = v;
    } else if (a == "--bee") {
      o.bee_cli = v;
    } else if (a == "--node") {
      o.node = v;
    } else if (a == "--js") {
      o.js_script = v;
    } else if (a == "--engines") {
      o.engines = SplitList(v);
    } else if (a == "--workloads") {
      o.workloads = SplitList(v);
    } else if (a == "--workdir") {
      o.workdir = v;
    } else if (a == "--baseline") {
      o.baseline_path = v;
    } else {
      return Status::InvalidArgument("unknown option '" + a + "'");
    }
  }
  if (o.quick && !n_given) o.n = 2000;
  if (o.quick && !runs_given) o.runs = 1;
  return o;
}

}  // namespace
}  // namespace bee::compare

int main(int argc, char** argv) {
  using namespace bee::compare;
  if (argc >= 2 && std::string(argv[1]) == "--worker") {
    return WorkerMain(argc, argv);
  }
  if (argc >= 2 && std::string(argv[1]) == "--prepare") {
    return PrepareMain(argc, argv);
  }
  auto options = ParseDriverArgs(argc, argv);
  if (!options.ok()) {
    std::cerr << "bee_compare: " << options.status().message()
              << "\nusage: bee_compare [--quick] [--n N] [--runs R] "
                 "[--json FILE] [--bee PATH] [--node PATH] [--js PATH] "
                 "[--engines LIST] [--workloads LIST] [--workdir DIR] "
                 "[--baseline FILE]\n";
    return 2;
  }
  return RunDriver(*options);
}
