// bee_crash_child: the process tests/crash/sigkill_test.cc kills. It opens
// the store in <dir>, writes "ready", then runs the seed's workload
// (tests/crash/crash_ops.h) for <ops> operations, writing the index of each
// acknowledged one (its call returned OK) to stdout, until it finishes or
// is killed.
//
//   bee_crash_child <dir> <seed> <sync|nosync> <ops>
//
// Exit status: 0 when every operation succeeded, 2 on an error (printed),
// 1 on bad arguments.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "btree/bee.h"
#include "tests/crash/crash_ops.h"

namespace {

// Unbuffered, so an acknowledgement is out of the process before the next
// operation starts: a kill cannot lose it.
bool Say(const std::string& line) {
  std::string out = line + "\n";
  return ::write(STDOUT_FILENO, out.data(), out.size()) ==
         static_cast<ssize_t>(out.size());
}

int Fail(const std::string& what, const bee::Status& s) {
  std::fprintf(stderr, "bee_crash_child: %s: %s\n", what.c_str(),
               s.ToString().c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s <dir> <seed> <sync|nosync> <ops>\n",
                 argv[0]);
    return 1;
  }
  const std::string mode = argv[3];
  if (mode != "sync" && mode != "nosync") {
    std::fprintf(stderr,
                 "bee_crash_child: durability must be sync or nosync\n");
    return 1;
  }
  bee::btree::BeeOptions options;
  options.core.durability = mode == "sync" ? bee::log::Durability::kSync
                                           : bee::log::Durability::kNoSync;
  auto bee = bee::btree::Bee::Open(argv[1], options);
  if (!bee.ok()) return Fail("open", bee.status());
  bee::crashtest::Workload workload(std::strtoull(argv[2], nullptr, 10));
  const unsigned long long ops = std::strtoull(argv[4], nullptr, 10);
  if (!Say("ready")) return 2;
  for (unsigned long long i = 0; i < ops; i++) {
    bee::Status s = workload.Step(bee->get());
    if (!s.ok())
      return Fail("op " + std::to_string(i) + " (" + workload.last() + ")", s);
    if (!Say(std::to_string(i))) return 2;
  }
  return 0;
}
