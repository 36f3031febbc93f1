#include "tests/util/node_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace bee::test {

Result<nlohmann::json> RunNodeScript(const std::string& script,
                                     const nlohmann::json& program) {
  const std::string dir = BEE_INTEROP_JS_DIR;
  if (!std::filesystem::exists(dir + "/node_modules/hyperbee")) {
    return Status::Unavailable(
        "the JS peer is not installed: run "
        "scripts/setup.sh (npm ci in " +
        dir + ")");
  }
  char path[] = "/tmp/bee-program-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) return Status::IOError("mkstemp failed");
  ::close(fd);
  {
    std::ofstream out(path);
    out << program.dump();
  }
  std::string cmd = "node '" + dir + "/" + script + "' '" + path + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    std::remove(path);
    return Status::Unavailable("cannot run node");
  }
  std::string output;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
  int status = ::pclose(pipe);
  std::remove(path);
  if (status != 0) {
    return Status::IOError(script + " failed (exit status " +
                           std::to_string(WEXITSTATUS(status)) + ")");
  }
  auto parsed = nlohmann::json::parse(output, nullptr, false);
  if (parsed.is_discarded()) {
    return Status::Corruption(script +
                              " printed no JSON: " + output.substr(0, 200));
  }
  return parsed;
}

}  // namespace bee::test
