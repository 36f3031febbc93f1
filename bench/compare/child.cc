#include "bench/compare/child.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace bee::compare {

std::string ChildRun::Describe() const {
  if (exit_code >= 0) return "exit status " + std::to_string(exit_code);
  return "killed by signal " + std::to_string(term_signal);
}

namespace {

// In the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void ExecChild(char* const* argv, const char* in, const char* out,
                            const char* err) {
  const int in_fd = ::open(in, O_RDONLY);
  const int out_fd = ::open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in_fd < 0 || out_fd < 0 || ::dup2(in_fd, 0) < 0 ||
      ::dup2(out_fd, 1) < 0) {
    ::_exit(126);
  }
  if (err != nullptr) {
    const int err_fd = ::open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err_fd < 0 || ::dup2(err_fd, 2) < 0) ::_exit(126);
  }
  ::execvp(argv[0], argv);
  ::_exit(127);
}

}  // namespace

Result<ChildRun> RunChild(const std::vector<std::string>& argv,
                          const std::string& stdin_path,
                          const std::string& stdout_path,
                          const std::string& stderr_path) {
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string in = stdin_path.empty() ? "/dev/null" : stdin_path;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0)
    return Status::IOError(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ExecChild(args.data(), in.c_str(), stdout_path.c_str(),
              stderr_path.empty() ? nullptr : stderr_path.c_str());
  }
  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      return Status::IOError(std::string("wait4: ") + std::strerror(errno));
    }
  }
  ChildRun run;
  run.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  run.peak_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
    if (run.exit_code == 127) {
      return Status::NotFound("cannot run " + argv[0]);
    }
  } else {
    run.exit_code = -1;
    run.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return run;
}

Result<DiskUsage> MeasureDiskUsage(const std::string& dir) {
  DiskUsage du;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    du.allocated += static_cast<uint64_t>(st.st_blocks) * 512;
    du.apparent += static_cast<uint64_t>(st.st_size);
  }
  if (ec) return Status::IOError(dir + ": " + ec.message());
  return du;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Machine DescribeMachine() {
  Machine m;
  m.cores = std::thread::hardware_concurrency();
  std::istringstream cpuinfo(ReadFileOrEmpty("/proc/cpuinfo"));
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) != 0) continue;
    m.cpu = line.substr(line.find(':') + 2);
    break;
  }
  struct utsname u {};
  if (::uname(&u) == 0) {
    m.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
  }
  std::istringstream meminfo(ReadFileOrEmpty("/proc/meminfo"));
  std::string key;
  uint64_t kib = 0;
  if (meminfo >> key >> kib && key == "MemTotal:") m.memory_bytes = kib * 1024;
  std::istringstream loadavg(ReadFileOrEmpty("/proc/loadavg"));
  std::string one, five, fifteen;
  if (loadavg >> one >> five >> fifteen) {
    m.load_average = one + " " + five + " " + fifteen;
  }
  return m;
}

}  // namespace bee::compare
