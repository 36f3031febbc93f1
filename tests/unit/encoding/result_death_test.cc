// Result::value() of an error must stop the process in every build type,
// with the status on stderr, instead of reading a value that was never set.
// Each case runs the access in a forked child and inspects how it ended.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <functional>
#include <string>

#include "encoding/result.h"

namespace bee {
namespace {

struct ChildEnd {
  bool aborted = false;
  std::string stderr_text;
};

// Runs `body` in a child whose stderr is captured; a body that returns
// ends the child with exit code 0.
ChildEnd RunInChild(const std::function<void()>& body) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDERR_FILENO);
    body();
    _exit(0);
  }
  close(fds[1]);
  ChildEnd end;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
    end.stderr_text.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  end.aborted = WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGABRT;
  return end;
}

Result<int> Failing() { return Status::Corruption("block 7 is hostile"); }

TEST_CASE("value() of an error Result aborts with the status on stderr",
          "[encoding][hostile]") {
  ChildEnd end = RunInChild([] {
    volatile int v = Failing().value();
    (void)v;
  });
  CHECK(end.aborted);
  CHECK(end.stderr_text.find("Corruption: block 7 is hostile") !=
        std::string::npos);
}

TEST_CASE("every accessor of an error Result aborts", "[encoding][hostile]") {
  const Result<std::string> error = Status::IOError("disk gone");
  std::vector<std::function<void()>> accesses = {
      [&] {
        volatile size_t n = error.value().size();
        (void)n;
      },
      [&] {
        volatile size_t n = (*error).size();
        (void)n;
      },
      [&] {
        volatile size_t n = error->size();
        (void)n;
      },
      [] {
        Result<std::string> moved = Status::IOError("disk gone");
        std::string s = std::move(moved).value();
      }};
  for (size_t i = 0; i < accesses.size(); i++) {
    CAPTURE(i);
    ChildEnd end = RunInChild(accesses[i]);
    CHECK(end.aborted);
    CHECK(end.stderr_text.find("IO error: disk gone") != std::string::npos);
  }
}

TEST_CASE("a Result built from an OK status aborts", "[encoding][hostile]") {
  ChildEnd end = RunInChild([] { Result<int> r(Status::OK()); });
  CHECK(end.aborted);
  CHECK(end.stderr_text.find("OK status") != std::string::npos);
}

TEST_CASE("value() of a good Result does not abort", "[encoding][hostile]") {
  ChildEnd end = RunInChild([] {
    Result<int> r(3);
    if (r.value() != 3) std::abort();
  });
  CHECK_FALSE(end.aborted);
  CHECK(end.stderr_text.empty());
}

}  // namespace
}  // namespace bee
