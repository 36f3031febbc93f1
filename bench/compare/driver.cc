// The comparison driver (driver.h): the table of workloads, the child
// processes, the medians, the table, the targets and the JSON lines.
#include "bench/compare/driver.h"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "bench/compare/child.h"
#include "bench/compare/workload.h"
#include "btree/version.h"

#ifdef BEE_COMPARE_HAVE_LEVELDB
#include <leveldb/db.h>
#endif

namespace bee::compare {
namespace {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;

enum class Kind {
  kWorker,    // a child process of ours (bee, LevelDB) or node (hyperbee)
  kDiskSize,  // du of the store the batched puts wrote
  kSignRate,  // reported by bee's single-puts worker
  kCli,       // the bee binary, timed whole
};

struct Workload {
  const char* id;
  const char* title;
  const char* unit;
  Kind kind;
  bool uses_store;  // reads the store that puts_batched wrote this run
  bool leveldb;     // LevelDB has an equivalent
  bool hyperbee;    // hyperbee runs it (CLI rows: see js_counterpart)
  const char* js_counterpart;  // CLI rows: the in-process JS row compared
  bool lower_is_better;
};

// In the order they run: puts_batched writes the run's stores, which the
// rows marked uses_store read; checkout_gets and diff update them, last.
constexpr Workload kWorkloads[] = {
    {"puts_batched", "batched puts (1,000 per batch)", "puts/s", Kind::kWorker,
     false, true, true, nullptr, false},
    {"bytes_per_key", "bytes on disk per key (du / N after batched puts)",
     "bytes", Kind::kDiskSize, true, true, true, nullptr, true},
    {"puts_sequential", "sequential inserts (ascending, 1,000 per batch)",
     "puts/s", Kind::kWorker, false, true, true, nullptr, false},
    {"gets_warm", "random gets, warm (same process, after writing)", "gets/s",
     Kind::kWorker, false, true, true, nullptr, false},
    {"gets_reopen", "random gets after reopen (new process)", "gets/s",
     Kind::kWorker, true, true, true, nullptr, false},
    {"scan_first", "first full scan, zero-copy (after writing)", "keys/s",
     Kind::kWorker, false, true, true, nullptr, false},
    {"scan_reopen", "full scan after reopen (new process)", "keys/s",
     Kind::kWorker, true, true, true, nullptr, false},
    {"ranges", "ranges of 100 from random keys, zero-copy", "keys/s",
     Kind::kWorker, false, true, true, nullptr, false},
    {"puts_single", "single signed puts (one Put each)", "puts/s",
     Kind::kWorker, false, false, true, nullptr, false},
    {"sign_rate", "Ed25519 signatures, libsodium (32-200 B)", "signs/s",
     Kind::kSignRate, false, false, false, nullptr, false},
    {"cli_get", "CLI: bee get DIR - (JS: gets after reopen)", "keys/s",
     Kind::kCli, true, false, false, "gets_reopen", false},
    {"cli_range", "CLI: bee range DIR > file (JS: scan after reopen)", "keys/s",
     Kind::kCli, true, false, false, "scan_reopen", false},
    {"cli_apply", "CLI: bee apply NDJSON, new store (JS: batched puts)",
     "ops/s", Kind::kCli, false, false, false, "puts_batched", false},
    {"checkout_gets", "gets on a checkout 1,000 updates back (*)", "gets/s",
     Kind::kWorker, true, true, true, nullptr, false},
    {"diff", "diff after 1,000 updates", "changes/s", Kind::kWorker, true,
     false, true, nullptr, false},
};

const Workload& FindWorkload(std::string_view id) {
  for (const Workload& w : kWorkloads) {
    if (w.id == id) return w;
  }
  std::abort();  // ids are constants of this file
}

// The hyperbee row a bee row is compared with: its own, or for a CLI row the
// matching in-process one.
std::string JsRow(const Workload& w) {
  return w.js_counterpart ? w.js_counterpart : w.id;
}

const char* kEngines[] = {"bee", "leveldb", "hyperbee"};

struct Sample {
  const Workload* w;
  std::string engine;
  size_t run;
  double value;          // the row's unit
  int64_t peak_rss_kib;  // 0: no process of its own
  json details;
};

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

// 6195 -> "6,195"; 682345 -> "682k"; 11.2e6 -> "11.2M".
std::string Rate(double v) {
  if (v >= 10e6) return Fixed(v / 1e6, 1) + "M";
  if (v >= 1e6) return Fixed(v / 1e6, 2) + "M";
  if (v >= 100e3) return Fixed(v / 1e3, 0) + "k";
  if (v >= 10e3) return Fixed(v / 1e3, 1) + "k";
  if (v >= 100) return Fixed(v, 0);
  return Fixed(v, 1);
}

std::string Ratio(double v) {
  if (v >= 100) return Fixed(v, 0) + "x";
  if (v >= 10) return Fixed(v, 1) + "x";
  return Fixed(v, 2) + "x";
}

std::string Mib(int64_t kib) {
  return Fixed(static_cast<double>(kib) / 1024, 1) + " MiB";
}

std::optional<double> Median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

Result<size_t> CountLines(const std::string& path, std::string_view marker,
                          size_t* with_marker) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::IOError(path + ": cannot open");
  size_t lines = 0;
  *with_marker = 0;
  for (std::string line; std::getline(f, line);) {
    lines++;
    if (!marker.empty() && line.find(marker) != std::string::npos) {
      (*with_marker)++;
    }
  }
  return lines;
}

std::string LastLine(const std::string& text) {
  std::string line, last = "(it printed nothing on stderr)";
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last;
}

class Driver {
 public:
  explicit Driver(DriverOptions o)
      : o_(std::move(o)), sizes_(Sizes::For(o_.n)) {}
  int Run();

 private:
  bool Selected(const Workload& w) const;
  bool Enabled(const std::string& engine) const {
    return enabled_.count(engine) > 0;
  }
  void Skip(const std::string& what, const std::string& why);
  void Probe();
  Status Prepare();
  void PrintHeader();
  void RunOnce(size_t run);
  void Measure(const Workload& w, const std::string& engine, size_t run);
  Result<Sample> MeasureWorker(const Workload& w, const std::string& engine,
                               size_t run);
  Result<Sample> MeasureCli(const Workload& w, size_t run);
  Result<ChildRun> TimedCliApply(const std::string& store);
  void Record(const Sample& s);
  std::optional<double> MedianOf(const std::string& id,
                                 const std::string& engine) const;
  int64_t PeakRss(const std::string& id, const std::string& engine) const;
  void PrintTable();
  void PrintTargets();
  void Target(const std::string& what, std::optional<double> got, double want,
              bool above, const std::string& shown);
  std::optional<double> Quotient(const std::string& id, const char* engine,
                                 const std::string& other_id,
                                 const char* other_engine) const;
  void HyperbeeTarget();
  void PerKeyCosts();
  Status LoadBaseline();
  Status Setup();
  void Emit(const json& j);

  std::string RunDir(size_t run) const {
    return base_ + "/run-" + std::to_string(run);
  }
  std::string Store(size_t run, const std::string& engine) const {
    return RunDir(run) + "/" + engine + "-store";
  }

  DriverOptions o_;
  Sizes sizes_;
  std::map<std::string, bool> enabled_;  // engines that run
  bool cli_ = false;                     // the bee binary runs
  std::string self_, base_, leveldb_version_, js_versions_;
  std::ofstream json_;
  std::vector<Sample> samples_;
  std::map<std::string, double> baseline_;  // workload id -> bee median
  size_t baseline_n_ = 0;
  int failures_ = 0;
};

bool Driver::Selected(const Workload& w) const {
  if (o_.workloads.empty()) return true;
  // The batched puts write the store the others read; its size comes free.
  if (w.id == std::string_view("puts_batched") || w.kind == Kind::kDiskSize) {
    return true;
  }
  const std::string id =
      w.id == std::string("sign_rate") ? "puts_single" : w.id;
  return std::find(o_.workloads.begin(), o_.workloads.end(), id) !=
         o_.workloads.end();
}

void Driver::Skip(const std::string& what, const std::string& why) {
  std::cout << "BEE-SKIPPED: " << what << ": " << why << "\n";
  Emit(json{{"type", "skipped"}, {"what", what}, {"why", why}});
}

void Driver::Emit(const json& j) {
  if (json_.is_open()) json_ << j.dump() << "\n";
}

void Driver::Probe() {
  auto wanted = [&](const std::string& e) {
    return std::find(o_.engines.begin(), o_.engines.end(), e) !=
           o_.engines.end();
  };
  for (const char* e : kEngines) {
    if (!wanted(e)) Skip(e, "not selected by --engines");
  }
  if (wanted("bee")) enabled_["bee"] = true;
#ifdef BEE_COMPARE_HAVE_LEVELDB
  leveldb_version_ = std::to_string(leveldb::kMajorVersion) + "." +
                     std::to_string(leveldb::kMinorVersion);
  if (wanted("leveldb")) enabled_["leveldb"] = true;
#else
  if (wanted("leveldb")) {
    Skip("leveldb",
         "bee_compare was built without LevelDB (install "
         "libleveldb-dev: scripts/setup.sh, then rebuild)");
  }
#endif
  if (wanted("hyperbee")) {
    const std::string out = base_ + "/versions.json";
    auto r = RunChild({o_.node, o_.js_script, "versions", "-", "1"}, "", out);
    json v = json::parse(ReadFileOrEmpty(out), nullptr, false);
    if (r.ok() && r->ok() && v.is_object()) {
      enabled_["hyperbee"] = true;
      js_versions_ = "hyperbee " + v.value("hyperbee", "?") + " on hypercore " +
                     v.value("hypercore", "?") + ", node " +
                     v.value("node", "?");
    } else {
      Skip("hyperbee", "cannot run " + o_.node + " " + o_.js_script +
                           " (node or the pinned packages of "
                           "tests/interop/js missing: scripts/setup.sh)");
    }
  }
  cli_ = wanted("bee") && ::access(o_.bee_cli.c_str(), X_OK) == 0;
  if (wanted("bee") && !cli_) {
    Skip("bee CLI rows", o_.bee_cli + " is not an executable (--bee PATH)");
  }
}

// The CLI rows' inputs, written by a child so that the driver stays small
// (its peak RSS is the floor of every child's).
Status Driver::Prepare() {
  fs::create_directories(base_ + "/inputs");
  BEE_ASSIGN_OR_RETURN(
      ChildRun r,
      RunChild({self_, "--prepare", base_ + "/inputs", std::to_string(o_.n)},
               "", base_ + "/inputs/out"));
  if (!r.ok()) return Status::IOError("--prepare: " + r.Describe());
  return Status::OK();
}

void Driver::PrintHeader() {
  const Machine m = DescribeMachine();
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  std::ostringstream h;
  h << "bee vs LevelDB vs JS hyperbee (bench/compare)\n"
    << "date      " << date << "\n"
    << "machine   " << m.cpu << ", " << m.cores << " cores, " << m.kernel
    << ", " << Fixed(static_cast<double>(m.memory_bytes) / (1 << 30), 1)
    << " GiB memory; load average " << m.load_average
    << " at start (a shared machine: expect noise)\n"
    << "build     bee " << btree::LibraryVersion() << ", "
    << BEE_COMPARE_BUILD_TYPE
#ifdef NDEBUG
    << " (NDEBUG)"
#else
    << " (assertions on: not a benchmark build)"
#endif
    << "; LevelDB " << (leveldb_version_.empty() ? "n/a" : leveldb_version_)
    << "; " << (js_versions_.empty() ? "hyperbee n/a" : js_versions_) << "\n"
    << "data      N = " << sizes_.n << " random 16-byte keys, 100-byte values "
    << "(xorshift64*, seed 0xbee); gets " << sizes_.gets << ", ranges "
    << sizes_.ranges << " x " << sizes_.range_len << ", single puts "
    << sizes_.single_puts << ", updates " << sizes_.updates << "\n"
    << "runs      " << o_.runs << (o_.quick ? " (quick mode)" : "")
    << ", each (engine, workload, run) in its own process, engines "
       "interleaved; medians shown, peak RSS the highest of the runs\n"
    << "fsync     none: bee Durability::kNoSync; LevelDB WriteOptions::sync = "
       "false; hyperbee: hypercore 11's default storage (RocksDB); the bee CLI "
       "rows use the CLI's own defaults\n";
  std::cout << h.str() << std::endl;
  Emit(json{{"type", "header"},
            {"date", date},
            {"cpu", m.cpu},
            {"cores", m.cores},
            {"kernel", m.kernel},
            {"memory_bytes", m.memory_bytes},
            {"load_average", m.load_average},
            {"build_type", BEE_COMPARE_BUILD_TYPE},
            {"bee_version", btree::LibraryVersion()},
            {"leveldb_version", leveldb_version_},
            {"js_versions", js_versions_},
            {"n", sizes_.n},
            {"runs", o_.runs},
            {"quick", o_.quick},
            {"fsync",
             "bee kNoSync; LevelDB sync=false; hyperbee default storage; "
             "CLI defaults"}});
}

Result<Sample> Driver::MeasureWorker(const Workload& w,
                                     const std::string& engine, size_t run) {
  const std::string dir = w.uses_store || std::string(w.id) == "puts_batched"
                              ? Store(run, engine)
                              : RunDir(run) + "/" + engine + "-" + w.id;
  const std::string n = std::to_string(o_.n);
  std::vector<std::string> argv =
      engine == "hyperbee"
          ? std::vector<std::string>{o_.node, o_.js_script, w.id, dir, n}
          : std::vector<std::string>{self_, "--worker", engine, w.id, dir, n};
  const std::string out = RunDir(run) + "/worker.json";
  const std::string err = RunDir(run) + "/worker.err";
  BEE_ASSIGN_OR_RETURN(ChildRun r, RunChild(argv, "", out, err));
  if (dir != Store(run, engine)) fs::remove_all(dir);
  const std::string said = ReadFileOrEmpty(err);
  std::cerr << said;
  if (!r.ok()) {
    return Status::Corruption("the worker failed (" + r.Describe() +
                              "): " + LastLine(said));
  }
  json j = json::parse(ReadFileOrEmpty(out), nullptr, false);
  if (!j.is_object() || !j.contains("ops") || !j.contains("seconds") ||
      !j["seconds"].is_number() || j["seconds"].get<double>() <= 0) {
    return Status::Corruption("the worker printed no measurement");
  }
  const double value = j["ops"].get<double>() / j["seconds"].get<double>();
  return Sample{&w, engine, run, value, r.peak_rss_kib, j};
}

Result<ChildRun> Driver::TimedCliApply(const std::string& store) {
  const std::string out = base_ + "/cli.out";
  BEE_ASSIGN_OR_RETURN(ChildRun c, RunChild({o_.bee_cli, "create", store,
                                             "--seed", std::string(64, '9')},
                                            "", out));
  if (!c.ok()) return Status::Corruption("bee create: " + c.Describe());
  BEE_ASSIGN_OR_RETURN(ChildRun r, RunChild({o_.bee_cli, "apply", store,
                                             base_ + "/inputs/apply.ndjson"},
                                            "", out));
  if (!r.ok()) return Status::Corruption("bee apply: " + r.Describe());
  const std::string want = "applied " + std::to_string(o_.n) + " operations";
  if (ReadFileOrEmpty(out).find(want) == std::string::npos) {
    return Status::Corruption("bee apply did not say '" + want + "'");
  }
  return r;
}

// The bee binary, timed from fork to exit, its output checked.
Result<Sample> Driver::MeasureCli(const Workload& w, size_t run) {
  const std::string id = w.id, store = Store(run, "bee"),
                    out = base_ + "/cli.out";
  ChildRun r;
  size_t ops = 0, lines = 0, marked = 0;
  if (id == "cli_apply") {
    const std::string fresh = RunDir(run) + "/cli-apply-store";
    BEE_ASSIGN_OR_RETURN(r, TimedCliApply(fresh));
    fs::remove_all(fresh);
    ops = lines = o_.n;
  } else {
    const bool get = id == "cli_get";
    std::vector<std::string> argv = {o_.bee_cli, "--hex", get ? "get" : "range",
                                     store};
    if (get) argv.push_back("-");
    BEE_ASSIGN_OR_RETURN(
        r, RunChild(argv, get ? base_ + "/inputs/keys.hex" : "", out));
    if (!r.ok())
      return Status::Corruption("bee " + argv[2] + ": " + r.Describe());
    ops = get ? sizes_.gets : o_.n;
    BEE_ASSIGN_OR_RETURN(lines, CountLines(out, "(not found)", &marked));
  }
  fs::remove(out);
  if (lines != ops || marked != 0) {
    return Status::Corruption("bee printed " + std::to_string(lines) +
                              " lines (" + std::to_string(marked) +
                              " not found), expected " + std::to_string(ops));
  }
  json j{{"ops", ops}, {"seconds", r.seconds}, {"checked", lines}};
  return Sample{
      &w, "bee", run, static_cast<double>(ops) / r.seconds, r.peak_rss_kib, j};
}

void Driver::Record(const Sample& s) {
  samples_.push_back(s);
  json j{{"type", "sample"},   {"workload", s.w->id},
         {"engine", s.engine}, {"run", s.run},
         {"n", o_.n},          {"value", s.value},
         {"unit", s.w->unit},  {"peak_rss_kib", s.peak_rss_kib}};
  j["details"] = s.details;
  Emit(j);
}

void Driver::Measure(const Workload& w, const std::string& engine, size_t run) {
  Result<Sample> s = Status::Unavailable("not measured");
  if (w.kind == Kind::kDiskSize) {
    auto du = MeasureDiskUsage(Store(run, engine));
    if (!du.ok()) {
      s = du.status();
    } else {
      s = Sample{&w,
                 engine,
                 run,
                 static_cast<double>(du->allocated) / static_cast<double>(o_.n),
                 0,
                 json{{"allocated_bytes", du->allocated},
                      {"apparent_bytes", du->apparent}}};
    }
  } else if (w.kind == Kind::kCli) {
    s = MeasureCli(w, run);
  } else {
    s = MeasureWorker(w, engine, run);
  }
  if (!s.ok()) {
    failures_++;
    std::cout << "compare: FAILED: " << engine << " " << w.id << " (run " << run
              << "): " << s.status().ToString() << std::endl;
    Emit(json{{"type", "failure"},
              {"workload", w.id},
              {"engine", engine},
              {"run", run},
              {"error", s.status().ToString()}});
    return;
  }
  Record(*s);
  if (std::string(w.id) == "puts_single" && engine == "bee" &&
      s->details.contains("signs_per_second")) {
    Record(Sample{&FindWorkload("sign_rate"), "bee", run,
                  s->details["signs_per_second"].get<double>(), s->peak_rss_kib,
                  json::object()});
  }
}

void Driver::RunOnce(size_t run) {
  fs::create_directories(RunDir(run));
  for (const Workload& w : kWorkloads) {
    if (!Selected(w) || w.kind == Kind::kSignRate) continue;
    if (w.kind == Kind::kCli) {
      if (!cli_) continue;
      std::cerr << "compare: run " << run << "/" << o_.runs << " " << w.id
                << " bee CLI\n";
      Measure(w, "bee", run);
      continue;
    }
    for (const char* e : kEngines) {
      const std::string engine = e;
      if (!Enabled(engine)) continue;
      if (engine == "leveldb" && !w.leveldb) continue;
      if (engine == "hyperbee" && !w.hyperbee) continue;
      std::cerr << "compare: run " << run << "/" << o_.runs << " " << w.id
                << " " << engine << "\n";
      Measure(w, engine, run);
    }
  }
  fs::remove_all(RunDir(run));
}

std::optional<double> Driver::MedianOf(const std::string& id,
                                       const std::string& engine) const {
  std::vector<double> v;
  for (const Sample& s : samples_) {
    if (s.w->id == id && s.engine == engine) v.push_back(s.value);
  }
  return Median(v);
}

int64_t Driver::PeakRss(const std::string& id,
                        const std::string& engine) const {
  int64_t peak = 0;
  for (const Sample& s : samples_) {
    if (s.w->id == id && s.engine == engine)
      peak = std::max(peak, s.peak_rss_kib);
  }
  return peak;
}

std::string Cell(const std::optional<double>& v, bool bytes) {
  if (!v) return "n/a";
  return bytes ? Fixed(*v, 1) : Rate(*v);
}

std::string RatioCell(const std::optional<double>& a,
                      const std::optional<double>& b) {
  if (!a || !b || *b <= 0) return "n/a";
  return Ratio(*a / *b);
}

void PrintRow(const std::vector<std::string>& cells) {
  static const int kWidths[] = {-52, -10, 10, 10, 10, 12, 13, 11};
  std::string line;
  for (size_t i = 0; i < cells.size(); i++) {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "%*s", kWidths[i], cells[i].c_str());
    line += buf;
  }
  std::cout << line << "\n";
}

void Driver::PrintTable() {
  PrintRow({"workload", "unit", "bee", "LevelDB", "hyperbee", "bee/LevelDB",
            "bee/hyperbee", "bee RSS"});
  for (const Workload& w : kWorkloads) {
    const auto bee = MedianOf(w.id, "bee");
    const auto ldb = MedianOf(w.id, "leveldb");
    const auto js = MedianOf(JsRow(w), "hyperbee");
    if (!bee && !ldb && !js) continue;
    const bool bytes = w.kind == Kind::kDiskSize;
    const int64_t rss = PeakRss(w.id, "bee");
    PrintRow({w.title, w.unit, Cell(bee, bytes), Cell(ldb, bytes),
              Cell(js, bytes), RatioCell(bee, ldb), RatioCell(bee, js),
              rss ? Mib(rss) : "-"});
    json j{{"type", "median"}, {"workload", w.id},
           {"unit", w.unit},   {"n", o_.n},
           {"runs", o_.runs},  {"lower_is_better", w.lower_is_better}};
    for (const char* e : kEngines) {
      const auto v = std::string(e) == "hyperbee" ? js : MedianOf(w.id, e);
      j[e] = v ? json(*v) : json(nullptr);
      j[std::string(e) + "_peak_rss_kib"] =
          std::string(e) == "hyperbee" && w.js_counterpart ? 0
                                                           : PeakRss(w.id, e);
    }
    j["bee_over_leveldb"] = bee && ldb ? json(*bee / *ldb) : json(nullptr);
    j["bee_over_hyperbee"] = bee && js ? json(*bee / *js) : json(nullptr);
    Emit(j);
  }
  std::cout << "(*) LevelDB: gets through a leveldb::Snapshot taken before "
               "the 1,000 updates, in the same process. Bytes per key: lower "
               "is better; every other row: higher is better.\n"
            << std::endl;
}

// One target: met when `got` is at least (`above`) or below `want`.
void Driver::Target(const std::string& what, std::optional<double> got,
                    double want, bool above, const std::string& shown) {
  std::string verdict = "n/a (not measured)";
  if (got) verdict = (above ? *got >= want : *got < want) ? "met" : "MISSED";
  std::cout << "  " << what << ": " << (got ? shown : "n/a") << "  " << verdict
            << "\n";
  Emit(json{{"type", "target"},
            {"target", what},
            {"value", got ? json(*got) : json(nullptr)},
            {"verdict", verdict}});
}

std::optional<double> Driver::Quotient(const std::string& id,
                                       const char* engine,
                                       const std::string& other_id,
                                       const char* other_engine) const {
  const auto a = MedianOf(id, engine), b = MedianOf(other_id, other_engine);
  if (!a || !b || *b <= 0) return std::nullopt;
  return *a / *b;
}

// The row with the lowest bee/hyperbee ratio.
void Driver::HyperbeeTarget() {
  std::optional<double> worst;
  std::string worst_id;
  for (const Workload& w : kWorkloads) {
    if (w.lower_is_better || w.kind == Kind::kSignRate) continue;
    const auto r = Quotient(w.id, "bee", JsRow(w), "hyperbee");
    if (!r || (worst && *r >= *worst)) continue;
    worst = r;
    worst_id = w.id;
  }
  Target("every workload >= 50x hyperbee" +
             (worst_id.empty() ? "" : " (lowest: " + worst_id + ")"),
         worst, 50, true, worst ? Ratio(*worst) : "");
}

void Driver::PrintTargets() {
  std::cout << "Targets (issue 10; reported, never asserted):\n";
  const std::pair<const char*, double> vs_leveldb[] = {
      {"gets_reopen", 0.5}, {"scan_reopen", 0.5}, {"gets_warm", 1.0},
      {"scan_first", 0.5},  {"ranges", 0.5},      {"puts_batched", 0.5}};
  for (const auto& [id, want] : vs_leveldb) {
    const auto r = Quotient(id, "bee", id, "leveldb");
    Target(FindWorkload(id).title + std::string(" >= ") + Fixed(want, 1) +
               "x LevelDB",
           r, want, true, r ? Ratio(*r) : "");
  }
  const auto sign = Quotient("puts_single", "bee", "sign_rate", "bee");
  Target("single signed puts >= 0.9x the Ed25519 signing rate", sign, 0.9, true,
         sign ? Ratio(*sign) : "");
  const std::pair<const char*, double> absolute[] = {
      {"cli_get", 300e3}, {"cli_range", 2e6}, {"cli_apply", 300e3}};
  for (const auto& [id, want] : absolute) {
    const auto v = MedianOf(id, "bee");
    Target(FindWorkload(id).title + std::string(" >= ") + Rate(want) + "/s", v,
           want, true, v ? Rate(*v) + "/s" : "");
  }
  const int64_t rss = PeakRss("scan_reopen", "bee");
  std::optional<double> mib;
  if (rss) mib = static_cast<double>(rss) / 1024;
  Target("full scan after reopen: peak RSS < 200 MiB (target at N = 1M)", mib,
         200, false, rss ? Mib(rss) : "");
  HyperbeeTarget();
  PerKeyCosts();
  std::cout << std::endl;
}

// The per-key cost of the rows with an N = 1M target, and with --baseline
// each one's ratio to the baseline's (the target: within 2x).
void Driver::PerKeyCosts() {
  for (const char* id :
       {"puts_batched", "cli_apply", "scan_reopen", "cli_range"}) {
    const auto v = MedianOf(id, "bee");
    if (!v) continue;
    std::cout << "  per-key cost at N = " << o_.n << ", " << id << ": "
              << Fixed(1e9 / *v, 0) << " ns\n";
    const auto base = baseline_.find(id);
    if (base == baseline_.end()) continue;
    const double ratio = base->second / *v;
    Target(std::string(id) + " per-key cost within 2x of N = " +
               std::to_string(baseline_n_) + "'s (--baseline)",
           ratio, 2.0, false, Ratio(ratio));
  }
}

// Reads the bee medians of an earlier run's JSON lines.
Status Driver::LoadBaseline() {
  if (o_.baseline_path.empty()) return Status::OK();
  std::ifstream f(o_.baseline_path);
  if (!f)
    return Status::InvalidArgument("--baseline: cannot read " +
                                   o_.baseline_path);
  for (std::string line; std::getline(f, line);) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_object() || j.value("type", "") != "median" ||
        !j.contains("bee") || !j["bee"].is_number()) {
      continue;
    }
    baseline_[j.value("workload", "")] = j["bee"].get<double>();
    baseline_n_ = j.value("n", size_t{0});
  }
  if (baseline_.empty()) {
    return Status::InvalidArgument("--baseline: " + o_.baseline_path +
                                   " holds no median rows of bee (write it "
                                   "with --json)");
  }
  return Status::OK();
}

// Every id of --workloads and --engines names one.
Status CheckSelection(const DriverOptions& o) {
  for (const std::string& id : o.workloads) {
    bool known = false;
    for (const Workload& w : kWorkloads) {
      known = known || (id == w.id && w.kind != Kind::kSignRate);
    }
    if (!known)
      return Status::InvalidArgument("--workloads: unknown id '" + id + "'");
  }
  for (const std::string& e : o.engines) {
    if (e != "bee" && e != "leveldb" && e != "hyperbee") {
      return Status::InvalidArgument("--engines: unknown engine '" + e +
                                     "' (bee, leveldb, hyperbee)");
    }
  }
  return Status::OK();
}

// Checks the options, finds the binaries, makes the work directory and
// opens the JSON lines file.
Status Driver::Setup() {
  BEE_RETURN_IF_ERROR(CheckSelection(o_));
  BEE_RETURN_IF_ERROR(LoadBaseline());
  std::error_code ec;
  self_ = fs::read_symlink("/proc/self/exe", ec).string();
  if (ec) return Status::IOError("cannot find this binary: " + ec.message());
  if (o_.bee_cli.empty()) {
    o_.bee_cli = (fs::path(self_).parent_path().parent_path() / "tools" / "bee")
                     .string();
  }
  if (o_.js_script.empty()) {
    o_.js_script = BEE_COMPARE_SOURCE_DIR "/hyperbee_side.js";
  }
  std::string pattern = o_.workdir + "/bee-compare-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::IOError("--workdir: cannot make a directory under " +
                           o_.workdir);
  }
  base_ = pattern;
  if (!o_.json_path.empty()) {
    json_.open(o_.json_path, std::ios::trunc);
    if (!json_) return Status::IOError("--json: cannot write " + o_.json_path);
  }
  return Status::OK();
}

int Driver::Run() {
  if (Status s = Setup(); !s.ok()) {
    std::cerr << "bee_compare: " << s.message() << "\n";
    return 2;
  }
  Probe();
  PrintHeader();
  if (cli_) {
    if (Status s = Prepare(); !s.ok()) {
      std::cout << "compare: FAILED: " << s.ToString() << "\n";
      failures_++;
      cli_ = false;
    }
  }
  for (size_t run = 1; run <= o_.runs; run++) RunOnce(run);
  PrintTable();
  PrintTargets();
  std::error_code ec;
  fs::remove_all(base_, ec);
  if (failures_) {
    std::cout << "compare: FAILED: " << failures_ << " measurement(s) failed\n";
    return 1;
  }
  std::cout << "compare: every workload ran and passed its checks\n";
  return 0;
}

}  // namespace

int RunDriver(const DriverOptions& options) { return Driver(options).Run(); }

}  // namespace bee::compare
