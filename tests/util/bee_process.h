// `bee ARGS` as a child process (the real `bee` binary in BEE_TOOLS_DIR,
// built with the tests), its stdout and stderr on pipes: for commands that
// run until a signal or a failure (`bee watch`, `bee history --live`).
// Lines and exits are awaited with a generous timeout (a failure, not a
// measurement).
#ifndef BEE_TESTS_UTIL_BEE_PROCESS_H_
#define BEE_TESTS_UTIL_BEE_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace bee::test {

// A line (or an exit) is awaited this long at most: a failure, not a
// measurement.
constexpr int kLineTimeoutMs = 60000;

// `bee ARGS` as a child process, its stdout and stderr on pipes.
class BeeProcess {
 public:
  explicit BeeProcess(const std::vector<std::string>& args) {
    const std::string tool = std::string(BEE_TOOLS_DIR) + "/bee";
    REQUIRE(std::filesystem::exists(tool));  // built with the tests
    int out[2], err[2];
    REQUIRE(pipe(out) == 0);
    REQUIRE(pipe(err) == 0);
    std::vector<std::string> all = {"bee"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      int null = open("/dev/null", O_RDONLY);
      dup2(null, STDIN_FILENO);
      close(out[0]);
      close(err[0]);
      execv(tool.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~BeeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
    close(err_);
  }
  BeeProcess(const BeeProcess&) = delete;
  BeeProcess& operator=(const BeeProcess&) = delete;

  // The next line of stdout (stderr), without its newline; "" when the
  // output ended or nothing came within the timeout.
  std::string OutLine() { return Line(out_, &out_buf_); }
  std::string ErrLine() { return Line(err_, &err_buf_); }
  // The child's process id (e.g. to stop it with SIGSTOP).
  pid_t pid() const { return pid_; }
  // Sends `signal`, waits for the exit, returns its status (128 + signal
  // number when killed by one).
  int Stop(int signal) {
    kill(pid_, signal);
    return Wait();
  }
  // Waits for the exit (it must come by itself), returns its status; -1
  // (after killing it) when it has not exited within the line timeout.
  int Wait() {
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(kLineTimeoutMs);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
        return -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Everything left on stdout after the exit.
  std::string RestOfOut() {
    std::string rest = out_buf_;
    char buf[4096];
    ssize_t n;
    while ((n = read(out_, buf, sizeof(buf))) > 0) {
      rest.append(buf, static_cast<size_t>(n));
    }
    return rest;
  }

 private:
  static std::string Line(int fd, std::string* buf) {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(kLineTimeoutMs);
    while (true) {
      size_t nl = buf->find('\n');
      if (nl != std::string::npos) {
        std::string line = buf->substr(0, nl);
        buf->erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "";
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
      char chunk[4096];
      ssize_t n = read(fd, chunk, sizeof(chunk));
      if (n <= 0) return "";
      buf->append(chunk, static_cast<size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  std::string out_buf_, err_buf_;
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_BEE_PROCESS_H_
