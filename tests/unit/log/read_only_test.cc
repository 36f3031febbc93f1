// A read-only open changes nothing: no file is created, written, truncated,
// renamed, removed or locked, and the directory's bytes and times stay as
// they were.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "btree/bee.h"
#include "log/core.h"
#include "log/proof.h"
#include "tests/util/no_write_env.h"
#include "tests/util/temp_dir.h"

namespace bee::log {
namespace {

std::vector<std::string> Blocks(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; i++) out.push_back("block " + std::to_string(i));
  return out;
}

CoreOptions ReadOnlyOn(Env* env) {
  CoreOptions options;
  options.env = env;
  options.read_only = true;
  return options;
}

// Every read a reader does: blocks, nodes, roots, the full verification.
void ReadEverything(const Core& core, uint64_t length) {
  REQUIRE(core.length() == length);
  for (uint64_t i = 0; i < length; i++) CHECK(core.Get(i).ok());
  CHECK(core.RootsAt(length).ok());
  CHECK(core.GetNode(0).ok());
  CHECK(core.VerifyAll().ok());
}

TEST_CASE("a read-only open of a log asks for no write access",
          "[log][read_only]") {
  std::unique_ptr<Env> mem = NewMemEnv();
  {
    CoreOptions options;
    options.env = mem.get();
    auto writer =
        Core::Create("/log", KeyPair::FromSeed(Seed{}), options).value();
    REQUIRE(writer->Append(Blocks(9)).ok());
    REQUIRE(writer->Truncate(7).ok());
    REQUIRE(writer->Close().ok());
  }
  test::NoWriteEnv strict(mem.get());
  auto reader = Core::Open("/log", ReadOnlyOn(&strict)).value();
  CHECK_FALSE(reader->writable());
  ReadEverything(*reader, 7);
  CHECK(reader->Sync().ok());
  CHECK(reader->Close().ok());
}

TEST_CASE("a read-only open of a replica asks for no write access",
          "[log][read_only]") {
  std::unique_ptr<Env> mem = NewMemEnv();
  KeyPair key = KeyPair::FromSeed(Seed{});
  auto source = Core::CreateInMemory(key).value();
  REQUIRE(source->Append(Blocks(5)).ok());
  {
    CoreOptions options;
    options.env = mem.get();
    auto replica = Core::CreateReplica("/replica", source->key(),
                                       source->manifest(), options)
                       .value();
    REQUIRE(ImportLog(replica.get(), Blocks(5), 0, source->signature()).ok());
    REQUIRE(replica->Close().ok());
  }
  test::NoWriteEnv strict(mem.get());
  auto reader = Core::Open("/replica", ReadOnlyOn(&strict)).value();
  ReadEverything(*reader, 5);
  CHECK(reader->Close().ok());
}

// Each entry's bytes and modification time (ns), and the directory's own.
std::string DirectoryState(const std::string& dir) {
  std::ostringstream out;
  auto stamp = [&](const std::string& path) {
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    out << path << " mode " << (st.st_mode & 07777) << " mtime "
        << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec << " ctime "
        << st.st_ctim.tv_sec << "." << st.st_ctim.tv_nsec << "\n";
  };
  stamp(dir);
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    files[e.path().string()] = std::string(std::istreambuf_iterator<char>(in),
                                           std::istreambuf_iterator<char>());
  }
  for (const auto& [path, bytes] : files) {
    stamp(path);
    out << bytes.size() << " bytes: " << bytes << "\n";
  }
  return out.str();
}

TEST_CASE("a read-only open leaves a log directory's bytes and times alone",
          "[log][read_only]") {
  test::TempDir tmp;
  {
    auto writer = Core::Create(tmp.path(), KeyPair::FromSeed(Seed{})).value();
    REQUIRE(writer->Append(Blocks(40)).ok());
    REQUIRE(writer->Close().ok());
  }
  const std::string before = DirectoryState(tmp.path());
  {
    auto reader = Core::Open(tmp.path(), ReadOnlyOn(nullptr)).value();
    ReadEverything(*reader, 40);
    CHECK(reader->Close().ok());
  }
  CHECK(DirectoryState(tmp.path()) == before);
}

TEST_CASE("a read-only open leaves a store directory's bytes and times alone",
          "[btree][read_only]") {
  test::TempDir tmp;
  {
    auto writer =
        btree::Bee::Create(tmp.path(), KeyPair::FromSeed(Seed{})).value();
    for (int i = 0; i < 30; i++) {
      REQUIRE(writer->Put("key" + std::to_string(i), "value").ok());
    }
    REQUIRE(writer->Close().ok());
  }
  const std::string before = DirectoryState(tmp.path());
  {
    btree::BeeOptions options;
    options.core.read_only = true;
    auto reader = btree::Bee::Open(tmp.path(), options).value();
    CHECK(reader->Get("key7").value()->value == "value");
    CHECK(reader->Checkout(10).ok());
    CHECK(reader->Close().ok());
  }
  CHECK(DirectoryState(tmp.path()) == before);
}

}  // namespace
}  // namespace bee::log
