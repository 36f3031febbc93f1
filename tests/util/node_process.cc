#include "tests/util/node_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tests/util/node_runner.h"

extern char** environ;

namespace bee::test {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline`, for poll(): 0 once it has passed.
int MillisLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Waits until `fd` is ready for `events` or `deadline` passes; false on
// timeout. Retries interrupted waits.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, MillisLeft(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // let the read or write report it
  }
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) {
    return "exit status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "wait status " + std::to_string(status);
}

// Our environment with TMPDIR set to `tmp`.
std::vector<std::string> EnvironmentWithTmp(const std::string& tmp) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; e++) {
    if (!std::string_view(*e).starts_with("TMPDIR=")) env.emplace_back(*e);
  }
  env.push_back("TMPDIR=" + tmp);
  return env;
}

// Spawns `node <script_path>` with `fd` as its stdin and stdout, `dir`'s
// file "stderr" as its stderr and `dir` as its TMPDIR, so that what it
// leaves in temp directories (it may be killed) goes with `dir`.
Result<pid_t> Spawn(const std::string& script_path, int fd,
                    const TempDir& dir) {
  std::string node = "node", path = script_path;
  std::vector<char*> argv = {node.data(), path.data(), nullptr};
  std::vector<std::string> env = EnvironmentWithTmp(dir.path());
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string stderr_path = dir.Sub("stderr");
  posix_spawn_file_actions_t actions;
  if (posix_spawn_file_actions_init(&actions) != 0) {
    return Status::IOError("posix_spawn_file_actions_init failed");
  }
  int err = posix_spawn_file_actions_adddup2(&actions, fd, 0);
  if (err == 0) err = posix_spawn_file_actions_adddup2(&actions, fd, 1);
  if (err == 0) {
    err = posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(),
                                           O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  pid_t pid = -1;
  if (err == 0) {
    err =
        posix_spawnp(&pid, "node", &actions, nullptr, argv.data(), envp.data());
  }
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) {
    return Status::IOError("cannot start node " + script_path + ": " +
                           std::strerror(err));
  }
  return pid;
}

}  // namespace

Result<std::unique_ptr<NodeProcess>> NodeProcess::Start(
    const std::string& script) {
  std::string script_path = script;
  if (!script.starts_with('/')) {
    BEE_ASSIGN_OR_RETURN(script_path, NodeScriptPath(script));
  } else if (!NodeAvailable()) {
    return NodeStatus();
  }
  auto dir = std::make_unique<TempDir>();
  // A socket rather than pipes: writes to a dead child fail with EPIPE
  // (MSG_NOSIGNAL) instead of raising SIGPIPE in the test process.
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Status::IOError(std::string("socketpair failed: ") +
                           std::strerror(errno));
  }
  Result<pid_t> pid = Spawn(script_path, fds[1], *dir);
  ::close(fds[1]);
  if (!pid.ok()) {
    ::close(fds[0]);
    return pid.status();
  }
  return std::unique_ptr<NodeProcess>(
      new NodeProcess(script, *pid, fds[0], std::move(dir)));
}

NodeProcess::NodeProcess(std::string script, pid_t pid, int fd,
                         std::unique_ptr<TempDir> dir)
    : script_(std::move(script)), pid_(pid), fd_(fd), dir_(std::move(dir)) {}

NodeProcess::~NodeProcess() { Reap(Clock::now()); }

std::string NodeProcess::StderrTail(size_t n) const {
  return FileTail(dir_->Sub("stderr"), n);
}

std::string NodeProcess::Describe(const std::string& what) const {
  return script_ + ": " + what + "; its stderr: " + StderrTail(2000);
}

std::string NodeProcess::Reap(Clock::time_point deadline) {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (pid_ <= 0) return "already reaped";
  int status = 0;
  pid_t got = 0;
  while ((got = ::waitpid(pid_, &status, WNOHANG)) == 0 &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (got == 0) {
    ::kill(pid_, SIGKILL);
    got = ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  return got < 0 ? std::string("waitpid failed: ") + std::strerror(errno)
                 : DescribeExit(status);
}

Status NodeProcess::Send(const std::string& line, Clock::time_point deadline) {
  size_t sent = 0;
  while (sent < line.size()) {
    if (!WaitFor(fd_, POLLOUT, deadline)) {
      return Status::IOError("timed out writing the command");
    }
    const ssize_t n =
        ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::IOError(std::string("cannot write the command: ") +
                             std::strerror(errno));
    }
    sent += static_cast<size_t>(n);
  }
  return Status::OK();
}

Result<std::string> NodeProcess::ReceiveLine(Clock::time_point deadline) {
  for (;;) {
    const size_t newline = received_.find('\n');
    if (newline != std::string::npos) {
      std::string line = received_.substr(0, newline);
      received_.erase(0, newline + 1);
      return line;
    }
    if (!WaitFor(fd_, POLLIN, deadline)) {
      return Status::IOError("no reply in time");
    }
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::IOError(n == 0 ? "end of output"
                                    : std::string("cannot read: ") +
                                          std::strerror(errno));
    }
    received_.append(buf, static_cast<size_t>(n));
  }
}

Result<nlohmann::json> NodeProcess::Call(const nlohmann::json& command,
                                         std::chrono::milliseconds timeout) {
  if (!command.is_object()) {
    return Status::InvalidArgument(
        script_ + ": a command is a JSON object, not " + command.dump());
  }
  const std::string cmd = command.value("cmd", std::string("?"));
  if (!running()) {
    return Status::IOError(Describe("no process to send " + cmd + " to"));
  }
  nlohmann::json sent = command;
  if (!sent.contains("id")) sent["id"] = next_id_++;
  const auto deadline = Clock::now() + timeout;
  Status status = Send(sent.dump() + "\n", deadline);
  Result<std::string> line = status.ok() ? ReceiveLine(deadline) : status;
  if (!line.ok()) {
    // The child is dead or stuck: either way it is of no further use.
    const std::string ended = Reap(Clock::now() + std::chrono::seconds(1));
    return Status::IOError(
        Describe(cmd + " after " + std::to_string(timeout.count()) +
                 " ms: " + line.status().message() + " (" + ended + ")"));
  }
  auto reply = nlohmann::json::parse(*line, nullptr, false);
  if (reply.is_discarded() || !reply.is_object()) {
    return Status::Corruption(Describe(
        cmd + ": the reply is not a JSON object: " + line->substr(0, 200)));
  }
  if (reply.value("id", nlohmann::json()) != sent["id"]) {
    return Status::Corruption(Describe(
        cmd + ": the reply is for another command: " + line->substr(0, 200)));
  }
  return reply;
}

Result<nlohmann::json> NodeProcess::CallOk(const nlohmann::json& command,
                                           std::chrono::milliseconds timeout) {
  BEE_ASSIGN_OR_RETURN(nlohmann::json reply, Call(command, timeout));
  if (reply.value("ok", false) != true) {
    return Status::Unavailable(
        command.value("cmd", std::string("?")) + ": " +
        reply.value("error", std::string("the peer gave no error message")));
  }
  return reply;
}

Status NodeProcess::Close(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Result<nlohmann::json> reply = CallOk({{"cmd", "close"}}, timeout);
  if (!running()) return reply.status();  // the failed Call reaped it
  const std::string ended = Reap(deadline);
  if (!reply.ok()) return reply.status();
  if (ended != "exit status 0") {
    return Status::IOError(Describe("after close: " + ended));
  }
  return Status::OK();
}

}  // namespace bee::test
