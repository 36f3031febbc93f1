// The crash model the crash tests rely on: what a FaultEnv crash keeps.
#include "tests/util/fault_env.h"

#include <catch2/catch.hpp>

namespace bee::test {
namespace {

void WriteFile(FaultEnv* env, const std::string& path, std::string_view data,
               bool sync) {
  auto file = env->OpenFile(path, log::OpenMode::kCreate);
  REQUIRE(file.ok());
  REQUIRE((*file)->Write(0, data).ok());
  if (sync) REQUIRE((*file)->Sync().ok());
}

TEST_CASE("a new file survives a crash only once its directory is synced",
          "[fault_env]") {
  FaultEnv env;
  REQUIRE(env.CreateDir("/d").ok());
  WriteFile(&env, "/d/a", "aa", true);
  env.Crash();
  CHECK_FALSE(env.FileExists("/d/a"));  // synced bytes, unsynced name

  WriteFile(&env, "/d/a", "aa", true);
  REQUIRE(env.SyncDir("/d").ok());
  WriteFile(&env, "/e", "ee", true);  // another directory's entry
  env.Crash();
  CHECK(env.Contents("/d/a") == "aa");
  CHECK_FALSE(env.FileExists("/e"));
}

TEST_CASE("an unsynced rename or remove is undone by a crash", "[fault_env]") {
  FaultEnv env;
  WriteFile(&env, "/d/tmp", "new", true);
  WriteFile(&env, "/d/gone", "old", true);
  REQUIRE(env.SyncDir("/d").ok());
  REQUIRE(env.RenameFile("/d/tmp", "/d/meta").ok());
  REQUIRE(env.RemoveFile("/d/gone").ok());
  CHECK(env.FileExists("/d/meta"));
  env.Crash();
  CHECK(env.Contents("/d/tmp") == "new");
  CHECK_FALSE(env.FileExists("/d/meta"));
  CHECK(env.Contents("/d/gone") == "old");
}

TEST_CASE("a crash keeps a prefix of a directory's changes, renames whole",
          "[fault_env]") {
  int renamed = 0, kept_none = 0;
  for (uint64_t seed = 0; seed < 200; seed++) {
    std::mt19937_64 rng(seed);
    FaultEnv env;
    WriteFile(&env, "/d/tmp", "x", true);
    REQUIRE(env.RenameFile("/d/tmp", "/d/meta").ok());
    const CrashReport report = env.Crash(&rng);
    const bool tmp = env.FileExists("/d/tmp");
    const bool meta = env.FileExists("/d/meta");
    CAPTURE(seed, tmp, meta);
    CHECK_FALSE((tmp && meta));  // a rename is one step
    CHECK((!meta || env.Contents("/d/meta") == "x"));
    if (meta) renamed++;
    if (!tmp && !meta) kept_none++;
    CHECK(report.entries_dropped == (meta ? 0u : tmp ? 1u : 2u));
  }
  CHECK(renamed > 0);
  CHECK(kept_none > 0);
}

TEST_CASE(
    "a crash keeps all, some or none of the unsynced writes, the last "
    "one torn or whole",
    "[fault_env]") {
  std::map<std::string, int> seen;
  for (uint64_t seed = 0; seed < 200; seed++) {
    std::mt19937_64 rng(seed);
    FaultEnv env;
    WriteFile(&env, "/d/f", "", true);
    REQUIRE(env.SyncDir("/d").ok());
    auto file = env.OpenFile("/d/f", log::OpenMode::kReadWrite).value();
    REQUIRE(file->Write(0, "aaaa").ok());
    REQUIRE(file->Write(4, "bbbb").ok());
    const CrashReport report = env.Crash(&rng);
    const std::string got = env.Contents("/d/f");
    CAPTURE(seed, got);
    CHECK(report.writes_kept + report.writes_dropped == 2);
    const bool torn = !report.torn.empty();
    if (torn) CHECK(report.torn == std::vector<std::string>{"/d/f"});
    CHECK(std::string("aaaabbbb").compare(0, got.size(), got) == 0);
    if (!torn) CHECK(got.size() == 4 * report.writes_kept);
    if (torn) CHECK(got.size() < 4 * report.writes_kept);
    seen[std::to_string(report.writes_kept) + (torn ? " torn" : " whole")]++;
  }
  for (const char* kind :
       {"0 whole", "1 whole", "1 torn", "2 whole", "2 torn"}) {
    CAPTURE(kind);
    CHECK(seen[kind] > 0);
  }
}

TEST_CASE("mutations are counted and fail after the allowed number",
          "[fault_env]") {
  FaultEnv env;
  auto file =
      env.OpenFile("/d/f", log::OpenMode::kCreate).value();  // 1: the new name
  REQUIRE(file->Write(0, "a").ok());                         // 2
  REQUIRE(file->Sync().ok());                                // 3
  REQUIRE(env.SyncDir("/d").ok());                           // 4
  CHECK(env.mutations() == 4);
  env.FailWritesAfter(1);
  CHECK(file->Write(1, "b").ok());
  CHECK(file->Sync().IsIOError());
  CHECK(env.RenameFile("/d/f", "/d/g").IsIOError());
  CHECK(env.FileExists("/d/f"));
  CHECK(env.mutations() == 7);
}

}  // namespace
}  // namespace bee::test
