// The tools' streaming input and progress: `bee get -` reads stdin in
// chunks and answers each line before waiting for the next, lines cross
// chunk boundaries, bad lines are named by number, and progress lines
// appear on a terminal's stderr only (never with --quiet, never on a pipe).
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "tests/util/cli_run.h"
#include "tests/util/temp_dir.h"
#include "tools/bee_cli.h"
#include "tools/line_reader.h"

namespace bee::tools {
namespace {

using Outcome = test::CliOutcome;

Outcome Bee(std::vector<std::string> args, const std::string& input = "") {
  return test::RunCli(false, std::move(args), input);
}

const std::string kSeed(64, '1');

// A stream that hands out its text `step` bytes per read and has nothing
// ready in between, as a slowly fed pipe; `on_read` runs before each read.
class TrickleBuf : public std::streambuf {
 public:
  TrickleBuf(std::string text, size_t step, std::function<void()> on_read)
      : text_(std::move(text)), step_(step), on_read_(std::move(on_read)) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (pos_ >= text_.size()) return traits_type::eof();
    if (on_read_) on_read_();
    const size_t n = std::min(step_, text_.size() - pos_);
    char* p = text_.data() + pos_;
    setg(p, p, p + n);
    pos_ += n;
    return traits_type::to_int_type(*p);
  }

 private:
  std::string text_;
  size_t step_;
  size_t pos_ = 0;
  std::function<void()> on_read_;
};

// The lines std::getline gives, each without one trailing '\r'.
std::vector<std::string> ReferenceLines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

TEST_CASE("lines cross chunk and read boundaries as std::getline splits them",
          "[tools][stream]") {
  const std::string long_line(300, 'x');
  const std::vector<std::string> inputs = {
      "",
      "\n",
      "a",
      "a\nbb\r\nccc",  // CRLF, and no newline at the end
      "a\n\n\nb\n",
      "\r\n\r\n",
      long_line + "\n" + long_line + long_line,
      "k1\nk2\r\n" + long_line + "\r\nlast"};
  for (const std::string& text : inputs) {
    for (size_t step : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{64},
                        size_t{1000}}) {
      for (size_t chunk :
           {size_t{1}, size_t{2}, size_t{5}, size_t{64}, size_t{1} << 16}) {
        CAPTURE(text, step, chunk);
        TrickleBuf buf(text, step, nullptr);
        std::istream in(&buf);
        LineReader reader(&in, chunk);
        std::vector<std::string> got;
        while (auto line = reader.Next()) {
          got.emplace_back(*line);
          CHECK(reader.line_number() == got.size());
        }
        CHECK(got == ReferenceLines(text));
        CHECK_FALSE(reader.Next().has_value());
      }
    }
  }
}

std::string MakeStore(const test::TempDir& tmp, int keys) {
  std::string dir = tmp.Sub("store");
  REQUIRE(Bee({"create", dir, "--seed", kSeed}).code == 0);
  std::string ops;
  for (int i = 0; i < keys; i++) {
    ops += "{\"type\":\"put\",\"key\":\"key" + std::to_string(i) +
           "\",\"value\":\"value" + std::to_string(i) + "\"}\n";
  }
  REQUIRE(Bee({"apply", dir, "-"}, ops).code == 0);
  return dir;
}

TEST_CASE("get -: each answer is out before the next line is waited for",
          "[tools][stream]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp, 3);
  for (bool json : {true, false}) {
    CAPTURE(json);
    std::ostringstream out, err;
    std::vector<std::string> seen;  // the output at each read of stdin
    TrickleBuf buf("key1\nnope\nkey2\n", 5, [&] { seen.push_back(out.str()); });
    std::istream in(&buf);
    std::vector<const char*> argv = {"bee", "get", dir.c_str(), "-"};
    if (json) argv.push_back("--json");
    REQUIRE(RunBee(static_cast<int>(argv.size()), argv.data(), in, out, err) ==
            0);
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].empty());
    if (json) {
      CHECK(seen[1] == "{\"seq\":2,\"key\":\"key1\",\"value\":\"value1\"}\n");
      CHECK(seen[2] == seen[1] + "null\n");
      CHECK(out.str() ==
            seen[2] + "{\"seq\":3,\"key\":\"key2\",\"value\":\"value2\"}\n");
    } else {
      CHECK(seen[1] == "2  key1  value1\n");
      CHECK(seen[2] == seen[1] + "-  nope  (not found)\n");
      CHECK(out.str() == seen[2] + "3  key2  value2\n");
    }
  }
}

TEST_CASE("get -: large stdin, keys split across reads, long lines, CRLF",
          "[tools][stream]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp, 200);
  // More than one 64 KiB chunk of keys, CRLF on every other line, a line
  // longer than a chunk (not found), and no newline at the end.
  std::string input, expected;
  for (int i = 0; i < 12000; i++) {
    int k = (i * 7) % 250;  // keys 200..249 are absent
    input += "key" + std::to_string(k) + (i % 2 ? "\r\n" : "\n");
    expected += k < 200
                    ? "{\"seq\":" + std::to_string(k + 1) + ",\"key\":\"key" +
                          std::to_string(k) + "\",\"value\":\"value" +
                          std::to_string(k) + "\"}\n"
                    : "null\n";
  }
  input += std::string(70000, 'k') + "\nkey5";
  expected += "null\n{\"seq\":6,\"key\":\"key5\",\"value\":\"value5\"}\n";
  Outcome o = Bee({"get", dir, "-", "--json"}, input);
  CHECK(o.code == 0);
  CHECK(o.out == expected);
  // The same through a stream that gives 3 bytes at a time.
  std::ostringstream out, err;
  TrickleBuf buf(input, 3, nullptr);
  std::istream in(&buf);
  const char* argv[] = {"bee", "get", dir.c_str(), "-", "--json"};
  CHECK(RunBee(5, argv, in, out, err) == 0);
  CHECK(out.str() == expected);
}

TEST_CASE("get -: a bad hex line is named by its number", "[tools][stream]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp, 3);
  std::string input;
  for (int i = 0; i < 5000; i++) input += "6b657931\n";  // "key1"
  input += "6b65793\n6b657932\n";                        // line 5001: odd
  Outcome o = Bee({"get", dir, "-", "--hex", "--json"}, input);
  CHECK(o.code == 1);
  CHECK(o.err.find("stdin line 5001 (--hex): hex string has odd length 7") !=
        std::string::npos);
  // What came before the bad line was answered.
  CHECK(std::count(o.out.begin(), o.out.end(), '\n') == 5000);
}

TEST_CASE("apply and import: bad lines named by number in large inputs",
          "[tools][stream]") {
  test::TempDir tmp;
  std::string dir = tmp.Sub("s");
  REQUIRE(Bee({"create", dir, "--seed", kSeed}).code == 0);
  std::string ops;
  for (int i = 0; i < 3000; i++) {
    ops += "{\"type\":\"put\",\"key\":\"k" + std::to_string(i) +
           "\",\"value\":\"" + std::string(40, 'v') + "\"}\r\n";
  }
  Outcome bad = Bee({"apply", dir, "-"}, ops + "{\"type\":\"put\",\"key\":}\n");
  CHECK(bad.code == 1);
  CHECK(bad.err.find("line 3001: not valid JSON (nothing was applied)") !=
        std::string::npos);
  // CRLF lines and no newline at the end; a repeated name: the last wins.
  Outcome ok = Bee({"apply", dir, "-", "--json"},
                   ops + "{\"type\":\"put\",\"key\":\"a\",\"key\":\"b\"}");
  CHECK(ok.out == "{\"operations\":3001,\"written\":3001,\"version\":3002}\n");
  CHECK(Bee({"get", dir, "b", "--json"}).out ==
        "{\"seq\":3001,\"key\":\"b\",\"value\":null}\n");

  std::string exported = Bee({"export", dir}).out;
  size_t line_3000 = 0;
  for (int i = 0; i < 2999; i++) line_3000 = exported.find('\n', line_3000) + 1;
  std::string broken = exported.substr(0, line_3000) + "{\"seq\":2999}\n" +
                       exported.substr(exported.find('\n', line_3000) + 1);
  Outcome imp =
      Bee({"import", tmp.Sub("copy"), "-", "--public-key", std::string(64, 'a'),
           "--signature", std::string(128, 'b')},
          broken);
  CHECK(imp.code == 1);
  CHECK(imp.err.find("line 3000: expected {\"seq\":N,\"hex\":\"...\"}") !=
        std::string::npos);
}

// Runs `bee` in-process as if stderr were a terminal (progress drawn at
// every chance) or not.
Outcome BeeOn(bool tty, std::vector<std::string> args,
              const std::string& input = "", bool dump = false) {
  args.insert(args.begin(), dump ? "bee-dump" : "bee");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  Terminal terminal;
  terminal.stderr_is_tty = tty;
  terminal.progress_every = std::chrono::milliseconds(0);
  std::istringstream in(input);
  std::ostringstream out, err;
  const int argc = static_cast<int>(argv.size());
  int code = dump ? RunBeeDump(argc, argv.data(), out, err, terminal)
                  : RunBee(argc, argv.data(), in, out, err, terminal);
  return {code, out.str(), err.str()};
}

// Whether `err` holds progress lines that end erased: each drawn line
// starts with '\r', and the text ends with '\r' after blanks.
bool ProgressDrawnAndErased(const std::string& err, const std::string& what) {
  if (err.find("\r" + what) == std::string::npos) return false;
  if (err.size() < 2 || err.back() != '\r') return false;
  size_t blank = err.find_last_not_of(' ', err.size() - 2);
  return blank != std::string::npos && err[blank] == '\r';
}

TEST_CASE("progress: on a terminal only, never with --quiet, erased at the end",
          "[tools][progress]") {
  test::TempDir tmp;
  std::string dir = tmp.Sub("s");
  REQUIRE(Bee({"create", dir, "--seed", kSeed}).code == 0);
  std::string ops;
  for (int i = 0; i < 600; i++) {
    ops += "{\"type\":\"put\",\"key\":\"k" + std::to_string(i) + "\"}\n";
  }
  Outcome tty = BeeOn(true, {"apply", dir, "-"}, ops);
  REQUIRE(tty.code == 0);
  CHECK(ProgressDrawnAndErased(tty.err, "applying operations: "));
  CHECK(tty.err.find("/600 (") != std::string::npos);
  CHECK(tty.out ==
        "applied 600 operations (600 blocks written), version 601\n");
  Outcome quiet = BeeOn(true, {"apply", dir, "-", "--quiet"}, ops);
  CHECK(quiet.code == 0);
  CHECK(quiet.err.empty());
  Outcome pipe = BeeOn(false, {"apply", dir, "-"}, ops);
  CHECK(pipe.code == 0);
  CHECK(pipe.err.empty());

  Outcome exp = BeeOn(true, {"export", dir});
  CHECK(ProgressDrawnAndErased(exp.err, "exporting blocks: "));
  CHECK(BeeOn(true, {"export", dir, "-q"}).err.empty());
  CHECK(BeeOn(false, {"export", dir}).out == exp.out);
  CHECK(BeeOn(false, {"export", dir}).err.empty());

  Outcome verify = BeeOn(true, {dir, "--verify"}, "", true);
  CHECK(verify.code == 0);
  CHECK(ProgressDrawnAndErased(verify.err, "checking tree nodes"));
  CHECK(BeeOn(true, {dir, "--verify", "--quiet"}, "", true).err.empty());
  CHECK(BeeOn(false, {dir, "--verify"}, "", true).err.empty());

  std::string pub =
      Bee({"create", tmp.Sub("probe"), "--seed", kSeed, "--json"}).out;
  pub = pub.substr(pub.find("\"publicKey\":\"") + 13, 64);
  std::string info = Bee({"info", dir, "--json"}).out;
  std::string sig = info.substr(info.find("\"signature\":\"") + 13, 136);
  Outcome imp = BeeOn(
      true,
      {"import", tmp.Sub("copy"), "-", "--public-key", pub, "--signature", sig},
      exp.out);
  CHECK(imp.code == 0);
  CHECK(ProgressDrawnAndErased(imp.err, "verifying and writing 1801 blocks"));
  CHECK(BeeOn(true,
              {"import", tmp.Sub("copy2"), "-", "--public-key", pub,
               "--signature", sig, "--quiet"},
              exp.out)
            .err.empty());
  Outcome repair = BeeOn(true, {"repair", dir});
  CHECK(ProgressDrawnAndErased(repair.err, "checking and repairing"));
  CHECK(BeeOn(true, {"repair", dir, "--quiet"}).err.empty());
}

// Runs the real `bee` binary with stderr on a pseudo-terminal (stdout to
// /dev/null) and returns what the terminal showed.
std::string RunOnPty(const std::vector<std::string>& args) {
  const std::string tool = std::string(BEE_TOOLS_DIR) + "/bee";
  REQUIRE(std::filesystem::exists(tool));  // built with the tests
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDIN_FILENO);
    execv(tool.c_str(), argv.data());
    _exit(127);
  }
  std::string shown;
  char buf[4096];
  while (true) {
    ssize_t n = read(master, buf, sizeof(buf));
    if (n <= 0) break;  // EIO once the child has exited
    shown.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  return shown;
}

TEST_CASE("progress on a real terminal, nothing on a pipe",
          "[tools][progress]") {
  test::TempDir tmp;
  std::string dir = tmp.Sub("s");
  REQUIRE(Bee({"create", dir, "--seed", kSeed}).code == 0);
  std::string file = tmp.Sub("ops.ndjson");
  {
    std::ofstream f(file);
    for (int i = 0; i < 300; i++) {
      f << "{\"type\":\"put\",\"key\":\"k" << i << "\"}\n";
    }
  }
  const std::string tool = std::string(BEE_TOOLS_DIR) + "/bee";
  std::string shown = RunOnPty({"bee", "apply", dir, file});
  CHECK(shown.find("\rapplying operations: ") != std::string::npos);
  CHECK(RunOnPty({"bee", "apply", dir, file, "--quiet"}).empty());
  // stderr to a pipe: not a terminal, nothing extra.
  std::string command =
      "'" + tool + "' apply '" + dir + "' '" + file + "' 2>&1 >/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string piped;
  char buf[256];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) piped.append(buf, n);
  CHECK(pclose(pipe) == 0);
  CHECK(piped.empty());
}

// A stream that refuses every byte, as a full disk does.
class FullBuf : public std::streambuf {
 protected:
  int_type overflow(int_type) override { return traits_type::eof(); }
  std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

TEST_CASE("a failed write of the output is an error, not a silent success",
          "[tools][stream]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp, 3);
  for (std::vector<std::string> args : {std::vector<std::string>{"range", dir},
                                        {"range", dir, "--json"},
                                        {"get", dir, "key1", "--json"},
                                        {"export", dir}}) {
    CAPTURE(args);
    args.insert(args.begin(), "bee");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    FullBuf full;
    std::ostream out(&full);
    std::istringstream in;
    std::ostringstream err;
    CHECK(RunBee(static_cast<int>(argv.size()), argv.data(), in, out, err) ==
          1);
    CHECK(err.str() == "bee: error: cannot write the output\n");
  }
}

}  // namespace
}  // namespace bee::tools
