// `bee repair`, and damage reported by every tool: a damaged head slot
// refuses writes, warns on reads, fails `bee-dump --verify`; `bee repair`
// drops exactly what may be lost, and touches nothing on a sound store.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/util/cli_run.h"
#include "tests/util/temp_dir.h"
#include "tools/bee_cli.h"

namespace bee::tools {
namespace {

using Outcome = test::CliOutcome;

Outcome Bee(std::vector<std::string> args) {
  return test::RunCli(false, std::move(args));
}
Outcome Dump(std::vector<std::string> args) {
  return test::RunCli(true, std::move(args));
}

bool Has(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::string bytes = ReadFile(path);
  REQUIRE(offset < bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x10);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::map<std::string, std::string> Files(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    out[e.path().filename().string()] = ReadFile(e.path().string());
  }
  return out;
}

// Header, then puts a, b, c: versions 1..4, head generations 1..4; the
// newest (4, version 4) is in slot 0, the older (3) in slot 1.
std::string MakeStore(const test::TempDir& tmp) {
  std::string dir = tmp.Sub("store");
  REQUIRE(Bee({"create", dir, "--seed", std::string(64, '2')}).code == 0);
  for (const char* k : {"a", "b", "c"})
    REQUIRE(Bee({"put", dir, k, "v"}).code == 0);
  return dir;
}

TEST_CASE("bee: a damaged newest head slot refuses writes until repaired",
          "[tools][repair]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  FlipByte(dir + "/head", 17);  // slot 0's length field
  Outcome put = Bee({"put", dir, "d", "v"});
  CHECK(put.code == 1);
  CHECK(Has(put.err, dir + "/head: slot 0 (generation 4, unverified)"));
  CHECK(Has(put.err,
            "blocks 3..3 past the last verifiable head (length 3, "
            "generation 3) may be lost: run `bee repair " +
                dir + "`"));
  Outcome get = Bee({"get", dir, "a"});
  CHECK(get.code == 0);
  CHECK(Has(get.err, "warning: " + dir + "/head: slot 0"));
  Outcome verify = Dump({dir, "--verify"});
  CHECK(verify.code == 1);
  CHECK(Has(verify.out, "FAIL " + dir + "/head: slot 0"));
  CHECK(Has(verify.out, "blocks 3..3 past the last verifiable head"));

  Outcome repair = Bee({"repair", dir});
  CHECK(repair.code == 0);
  CHECK(Has(repair.out, "repaired " + dir +
                            ": version 3, fork 1; dropped "
                            "versions 4..4 (blocks 3..3, "));
  CHECK(Dump({dir, "--verify"}).code == 0);
  CHECK(Bee({"get", dir, "c"}).out == "-  c  (not found)\n");
  CHECK(Bee({"put", dir, "d", "v"}).code == 0);
  CHECK(Dump({dir, "--verify"}).code == 0);
}

TEST_CASE("bee-dump --verify: the older head slot and boundaries are checked",
          "[tools][repair]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  FlipByte(dir + "/head", 144 + 60);  // slot 1: generation 3's signature
  Outcome verify = Dump({dir, "--verify"});
  CHECK(verify.code == 1);
  CHECK(Has(verify.out, "FAIL " + dir + "/head: slot 1"));
  CHECK(Bee({"put", dir, "d", "v"}).code == 0);  // nothing can be lost
  CHECK(Dump({dir, "--verify"}).code == 0);      // the put rewrote slot 1

  FlipByte(dir + "/boundaries", 2 * 16 + 9);
  verify = Dump({dir, "--verify", "--json"});
  CHECK(verify.code == 1);
  CHECK(Has(verify.out, dir + "/boundaries: record at offset 32 fails its "
                              "check bytes"));
  Outcome repair = Bee({"repair", dir});
  CHECK(repair.code == 0);
  CHECK(Has(repair.out, dir + "/boundaries: rewrote 4 records, dropping the "
                              "record at offset 32 (check bytes)"));
  CHECK(Dump({dir, "--verify"}).code == 0);
}

TEST_CASE("bee repair on a sound store writes nothing", "[tools][repair]") {
  test::TempDir tmp;
  std::string dir = MakeStore(tmp);
  const auto before = Files(dir);
  Outcome repair = Bee({"repair", dir});
  CHECK(repair.code == 0);
  CHECK(repair.out == "nothing to repair: " + dir +
                          " verifies (version 4); no file was written\n");
  CHECK(Files(dir) == before);
  Outcome json = Bee({"--json", "repair", dir});
  CHECK(Has(json.out, "\"changed\":false"));
  CHECK(Files(dir) == before);
}

}  // namespace
}  // namespace bee::tools
