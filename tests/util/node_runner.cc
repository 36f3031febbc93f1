#include "tests/util/node_runner.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

#include "tests/util/temp_dir.h"

namespace bee::test {
namespace {

const std::string kJsDir = BEE_INTEROP_JS_DIR;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The last `n` bytes of `s`, for error messages.
std::string Tail(const std::string& s, size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// The versions bee reproduces byte for byte (README.md, docs/FORMAT.md).
constexpr std::pair<const char*, const char*> kPinnedPeer[] = {
    {"hyperbee", "2.27.3"}, {"hypercore", "11.39.5"}};

const std::string kFix =
    " (run scripts/setup.sh: it installs node and runs npm ci in " + kJsDir +
    ")";

Result<nlohmann::json> ReadJson(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) {
    return Status::Unavailable(path + " does not exist" + kFix);
  }
  auto parsed = nlohmann::json::parse(ReadFile(path), nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Status::Unavailable(path + " is not a JSON object" + kFix);
  }
  return parsed;
}

// The version string of `object`, or "" when it has none.
std::string VersionOf(const nlohmann::json& object) {
  auto it = object.find("version");
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Whether the lock's package at `path` ("node_modules/<name>") is installed
// at its locked version.
Status CheckInstalled(const std::string& js_dir, const std::string& path,
                      const nlohmann::json& locked) {
  const std::string manifest = js_dir + "/" + path + "/package.json";
  if (!std::filesystem::exists(manifest)) {
    if (locked.value("optional", false)) return Status::OK();
    return Status::Unavailable(path + " is not installed" + kFix);
  }
  BEE_ASSIGN_OR_RETURN(nlohmann::json installed, ReadJson(manifest));
  if (VersionOf(installed) != VersionOf(locked)) {
    return Status::Unavailable(path + " is version " + VersionOf(installed) +
                               ", package-lock.json pins " + VersionOf(locked) +
                               kFix);
  }
  return Status::OK();
}

}  // namespace

Status CheckPeerVersions(const std::string& js_dir) {
  BEE_ASSIGN_OR_RETURN(nlohmann::json lock,
                       ReadJson(js_dir + "/package-lock.json"));
  const nlohmann::json packages = lock.value("packages", nlohmann::json());
  if (!packages.is_object()) {
    return Status::Unavailable("package-lock.json lists no packages");
  }
  for (const auto& [name, version] : kPinnedPeer) {
    const std::string path = std::string("node_modules/") + name;
    auto it = packages.find(path);
    const std::string locked = it == packages.end() ? "" : VersionOf(*it);
    if (locked != version) {
      return Status::Unavailable(std::string("package-lock.json pins ") + name +
                                 " '" + locked + "', bee needs " + version);
    }
  }
  for (const auto& [path, locked] : packages.items()) {
    if (!path.starts_with("node_modules/") || locked.value("link", false)) {
      continue;
    }
    BEE_RETURN_IF_ERROR(CheckInstalled(js_dir, path, locked));
  }
  return Status::OK();
}

namespace {

Status CheckNode() {
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    return Status::Unavailable("node is not installed" + kFix);
  }
  return CheckPeerVersions(kJsDir);
}

// Runs `command`, returning its stdout and, in `*exit_code`, its exit code
// (-1 if it did not exit normally).
Result<std::string> Capture(const std::string& command, int* exit_code) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return Status::IOError("popen failed: " + command);
  std::string output;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

}  // namespace

const Status& NodeStatus() {
  static const Status status = CheckNode();
  return status;
}

bool NodeAvailable() { return NodeStatus().ok(); }

bool SkipWithoutNode() {
  if (NodeAvailable()) return false;
  std::cout << "BEE-SKIPPED: the JS peer cannot run: "
            << NodeStatus().ToString() << "\n";
  return true;
}

Result<std::string> NodeScriptPath(const std::string& script) {
  if (!NodeAvailable()) return NodeStatus();
  std::string path = kJsDir + "/" + script;
  if (!std::filesystem::is_regular_file(path)) {
    return Status::InvalidArgument("no JS peer script " + path);
  }
  return path;
}

std::string FileTail(const std::string& path, size_t n) {
  return Tail(ReadFile(path), n);
}

Result<nlohmann::json> RunNodeScript(const std::string& script,
                                     const nlohmann::json& program) {
  BEE_ASSIGN_OR_RETURN(const std::string script_path, NodeScriptPath(script));
  TempDir tmp;
  const std::string program_path = tmp.Sub("program.json");
  const std::string stderr_path = tmp.Sub("stderr");
  {
    std::ofstream out(program_path, std::ios::binary);
    out << program.dump();
    if (!out.flush()) return Status::IOError("cannot write " + program_path);
  }
  int exit_code = 0;
  BEE_ASSIGN_OR_RETURN(
      std::string output,
      Capture("node " + ShellQuote(script_path) + " " +
                  ShellQuote(program_path) + " 2>" + ShellQuote(stderr_path),
              &exit_code));
  if (exit_code != 0) {
    return Status::IOError(script + " failed (exit status " +
                           std::to_string(exit_code) +
                           "): " + FileTail(stderr_path, 2000));
  }
  auto parsed = nlohmann::json::parse(output, nullptr, false);
  if (parsed.is_discarded()) {
    return Status::Corruption(script +
                              " printed no JSON: " + Tail(output, 200));
  }
  return parsed;
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace bee::test
