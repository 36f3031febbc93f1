// The harness refuses a JS peer other than the pinned one: every comparison
// with hyperbee/hypercore is only worth as much as the versions it ran.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/util/node_runner.h"
#include "tests/util/temp_dir.h"

namespace bee::test {
namespace {

using nlohmann::json;

void WriteJson(const std::string& path, const json& value) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream(path) << value.dump();
}

// A peer directory whose lock pins hyperbee, hypercore, an ordinary
// dependency and an optional one, all installed at those versions.
class FakePeer {
 public:
  FakePeer() {
    lock_ = {{"lockfileVersion", 3},
             {"packages",
              {{"", {{"name", "bee-interop-peer"}}},
               {"node_modules/hyperbee", {{"version", "2.27.3"}}},
               {"node_modules/hypercore", {{"version", "11.39.5"}}},
               {"node_modules/b4a", {{"version", "1.9.0"}}},
               {"node_modules/simdle-native",
                {{"version", "1.3.9"}, {"optional", true}}}}}};
    for (const auto& [path, entry] : lock_["packages"].items()) {
      if (!path.empty()) Install(path, entry["version"]);
    }
    WriteLock();
  }
  void Install(const std::string& path, const std::string& version) {
    WriteJson(dir_.Sub(path + "/package.json"), {{"version", version}});
  }
  void Uninstall(const std::string& path) {
    std::filesystem::remove_all(dir_.Sub(path));
  }
  void Lock(const std::string& path, const std::string& version) {
    lock_["packages"][path]["version"] = version;
    WriteLock();
  }
  Status Check() const { return CheckPeerVersions(dir_.path()); }

 private:
  void WriteLock() { WriteJson(dir_.Sub("package-lock.json"), lock_); }
  TempDir dir_;
  json lock_;
};

TEST_CASE("peer versions: the installed peer is the pinned one", "[interop]") {
  const Status s = CheckPeerVersions(BEE_INTEROP_JS_DIR);
  INFO(s.ToString());
  CHECK(s.ok());
}

TEST_CASE("peer versions: a package at another version is refused",
          "[interop]") {
  FakePeer peer;
  REQUIRE(peer.Check().ok());
  peer.Install("node_modules/b4a", "1.8.0");
  const Status s = peer.Check();
  CHECK(s.IsUnavailable());
  CHECK_THAT(s.message(), Catch::Contains("node_modules/b4a is version 1.8.0, "
                                          "package-lock.json pins 1.9.0") &&
                              Catch::Contains("scripts/setup.sh"));
}

TEST_CASE("peer versions: a missing package is refused unless optional",
          "[interop]") {
  FakePeer peer;
  peer.Uninstall("node_modules/simdle-native");
  CHECK(peer.Check().ok());
  peer.Uninstall("node_modules/hypercore");
  const Status s = peer.Check();
  CHECK(s.IsUnavailable());
  CHECK_THAT(s.message(),
             Catch::Contains("node_modules/hypercore is not installed"));
}

TEST_CASE("peer versions: a lock pinning another hyperbee is refused",
          "[interop]") {
  FakePeer peer;
  peer.Lock("node_modules/hyperbee", "2.28.0");
  peer.Install("node_modules/hyperbee", "2.28.0");
  const Status s = peer.Check();
  CHECK(s.IsUnavailable());
  CHECK_THAT(s.message(),
             Catch::Contains("pins hyperbee '2.28.0', bee needs 2.27.3"));
}

TEST_CASE("peer versions: a missing or broken lock is refused", "[interop]") {
  TempDir dir;
  CHECK_THAT(CheckPeerVersions(dir.path()).message(),
             Catch::Contains("package-lock.json does not exist"));
  std::ofstream(dir.Sub("package-lock.json")) << "{not json";
  CHECK_THAT(CheckPeerVersions(dir.path()).message(),
             Catch::Contains("is not a JSON object"));
}

}  // namespace
}  // namespace bee::test
