// `bee serve` and `bee replicate` on the command line: a store served by the
// real `bee` binary in a child process, copied by `bee replicate` (resumed
// after a write by a third process), the server stopped by SIGTERM; and
// bad arguments each refused with an error naming what is wrong.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/util/cli_run.h"
#include "tests/util/temp_dir.h"

namespace bee::tools {
namespace {

using test::RunCli;

const std::string kSeed(64, 'a');

test::CliOutcome Bee(std::vector<std::string> args) {
  return RunCli(false, std::move(args));
}

// `bee serve ARGS` as a child process, its stdout on a pipe.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) {
    const std::string tool = std::string(BEE_TOOLS_DIR) + "/bee";
    REQUIRE(std::filesystem::exists(tool));  // built with the tests
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::vector<std::string> all = {"bee", "serve"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      int null = open("/dev/null", O_RDWR);
      dup2(null, STDIN_FILENO);
      dup2(null, STDERR_FILENO);
      close(fds[0]);
      execv(tool.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) fclose(out_);
  }
  // The next line it prints (without the newline); empty at end of output.
  std::string Line() {
    char buf[4096];
    if (fgets(buf, sizeof(buf), out_) == nullptr) return "";
    std::string line(buf);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    return line;
  }
  // Sends SIGTERM and returns the exit status.
  int Stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

TEST_CASE(
    "bee serve and bee replicate copy a store, resume, and stop "
    "cleanly",
    "[tools][net]") {
  test::TempDir tmp;
  const std::string store = tmp.Sub("store");
  REQUIRE(Bee({"create", store, "--seed", kSeed}).code == 0);
  for (int i = 0; i < 50; i++) {
    REQUIRE(
        Bee({"put", store, "k" + std::to_string(i), "v" + std::to_string(i)})
            .code == 0);
  }
  const auto info = Bee({"--json", "info", store});
  const std::string key = info.out.substr(info.out.find("\"key\":\"") + 7, 64);

  ServeProcess serve({store, "--listen", "127.0.0.1:0", "--refresh", "50"});
  const std::string listening = serve.Line();
  REQUIRE(listening.rfind("listening on 127.0.0.1:", 0) == 0);
  const std::string address =
      listening.substr(std::string("listening on ").size());
  const std::string serving = serve.Line();
  CHECK(serving ==
        "serving bee://" + address + "/" + key + " (" + store + ", length 51)");
  const std::string url = "bee://" + address + "/" + key;

  const std::string copy = tmp.Sub("copy");
  auto replicated = Bee({"replicate", url, copy, "--timeout", "20000"});
  INFO(replicated.err);
  REQUIRE(replicated.code == 0);
  CHECK(replicated.out.find("length 51") != std::string::npos);
  CHECK(replicated.out.find("51 blocks received") != std::string::npos);
  CHECK(Bee({"get", copy, "k7"}).out == Bee({"get", store, "k7"}).out);
  CHECK(Bee({"range", copy}).out == Bee({"range", store}).out);

  // A write by another process while serving: the server follows it, and
  // a second replicate resumes with just the new block.
  REQUIRE(Bee({"put", store, "late", "write"}).code == 0);
  // The server picks the write up within its refresh interval; until then
  // a replicate finds the old length (and fetches nothing).
  test::CliOutcome resumed;
  uint64_t fetched = 0;
  for (int attempt = 0; attempt < 200; attempt++) {
    resumed = Bee({"--json", "replicate", url, copy, "--timeout", "20000"});
    INFO(resumed.err);
    REQUIRE(resumed.code == 0);
    if (resumed.out.find("\"blocksReceived\":1") != std::string::npos) {
      fetched++;
    }
    if (resumed.out.find("\"length\":52") != std::string::npos) break;
    usleep(50 * 1000);
  }
  CHECK(resumed.out.find("\"length\":52") != std::string::npos);
  CHECK(fetched == 1);  // the one new block, fetched once
  CHECK(resumed.out.find("\"resumed\":true") != std::string::npos);
  CHECK(Bee({"get", copy, "late"}).out == Bee({"get", store, "late"}).out);

  // The replica is read-only.
  auto put = Bee({"put", copy, "x", "y"});
  CHECK(put.code == 1);

  CHECK(serve.Stop() == 0);
}

TEST_CASE("bee replicate and bee serve refuse bad arguments, naming them",
          "[tools][net]") {
  test::TempDir tmp;
  const std::string key(64, '5');
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string error;
  };
  const std::string dir = tmp.Sub("r");
  const Case cases[] = {
      {{"replicate", "http://x/" + key, dir}, 1, "not a bee:// address"},
      {{"replicate", "bee://127.0.0.1:80", dir}, 1, "has no key"},
      {{"replicate", "bee://127.0.0.1/" + key, dir}, 1, "port"},
      {{"replicate", "bee://127.0.0.1:99999/" + key, dir}, 1, "99999"},
      {{"replicate", "bee://127.0.0.1:4000/zz", dir}, 1, "key"},
      // Nothing listens on port 1 of loopback.
      {{"replicate", "bee://127.0.0.1:1/" + key, dir, "--timeout", "5000"},
       1,
       "127.0.0.1:1"},
      {{"replicate", "bee://127.0.0.1:1/" + key}, 2, "DIR"},
      {{"replicate", "bee://127.0.0.1:1/" + key, dir, "--timeout", "x"},
       2,
       "--timeout"},
      {{"serve", tmp.Sub("missing")}, 1, tmp.Sub("missing")},
      {{"serve"}, 2, "DIR"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.args);
    auto outcome = Bee(c.args);
    CHECK(outcome.code == c.code);
    CHECK(outcome.err.find(c.error) != std::string::npos);
    INFO(outcome.err);
  }
  // Nothing was created by the failed replications.
  CHECK_FALSE(std::filesystem::exists(dir));

  // A store and a bad listen address.
  const std::string store = tmp.Sub("s");
  REQUIRE(Bee({"create", store, "--seed", kSeed}).code == 0);
  auto bad_listen = Bee({"serve", store, "--listen", "nowhere"});
  CHECK(bad_listen.code == 1);
  CHECK(bad_listen.err.find("nowhere") != std::string::npos);
  // Replicating into a writable store is refused; it is not touched.
  const auto info = Bee({"--json", "info", store});
  const std::string store_key =
      info.out.substr(info.out.find("\"key\":\"") + 7, 64);
  auto into_store = Bee({"replicate", "bee://127.0.0.1:1/" + store_key, store});
  CHECK(into_store.code == 1);
  CHECK(into_store.err.find("writable store") != std::string::npos);
  auto other_key = Bee({"replicate", "bee://127.0.0.1:1/" + key, store});
  CHECK(other_key.code == 1);
  CHECK(other_key.err.find("holds the log with key") != std::string::npos);
}

}  // namespace
}  // namespace bee::tools
