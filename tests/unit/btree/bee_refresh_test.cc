// A read-only store follows a writer of the same directory, in this process
// or another one: Refresh shows its new versions, and after a truncation no
// cached block of the old fork is served.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "btree/bee.h"
#include "tests/util/temp_dir.h"

namespace bee::btree {
namespace {

BeeOptions ReadOnly() {
  BeeOptions options;
  options.core.read_only = true;
  return options;
}

std::string Key(int i) { return "key" + std::to_string(i); }

std::optional<std::string> ValueOf(const Bee& bee, const std::string& key) {
  auto entry = bee.Get(key).value();
  if (!entry) return std::nullopt;
  return entry->value;
}

TEST_CASE("a read-only store follows a writer's puts", "[btree][refresh]") {
  test::TempDir tmp;
  auto writer = Bee::Create(tmp.path(), log::KeyPair::FromSeed({})).value();
  for (int i = 0; i < 10; i++) REQUIRE(writer->Put(Key(i), "v1").ok());
  const uint64_t v1 = writer->version();
  auto reader = Bee::Open(tmp.path(), ReadOnly()).value();
  CHECK(ValueOf(*reader, Key(3)) == "v1");
  for (int i = 0; i < 20; i++) REQUIRE(writer->Put(Key(i), "v2").ok());
  CHECK(ValueOf(*reader, Key(3)) == "v1");  // until it refreshes
  REQUIRE(reader->Refresh().ok());
  CHECK(reader->version() == writer->version());
  for (int i = 0; i < 20; i++) CHECK(ValueOf(*reader, Key(i)) == "v2");
  // A version the reader learnt of by refreshing is an append boundary.
  CHECK(reader->Checkout(reader->version() - 5).ok());
  auto then = reader->Checkout(v1);
  REQUIRE(then.ok());
  CHECK(then->Get(Key(3)).value()->value == "v1");
}

TEST_CASE("a read-only store drops the blocks a writer truncated",
          "[btree][refresh]") {
  test::TempDir tmp;
  auto writer = Bee::Create(tmp.path(), log::KeyPair::FromSeed({})).value();
  for (int i = 0; i < 8; i++) REQUIRE(writer->Put(Key(i), "old").ok());
  const uint64_t middle = writer->version();
  for (int i = 8; i < 16; i++) REQUIRE(writer->Put(Key(i), "old").ok());
  auto reader = Bee::Open(tmp.path(), ReadOnly()).value();
  // Every block is now in the reader's cache.
  for (int i = 0; i < 16; i++) CHECK(ValueOf(*reader, Key(i)) == "old");
  // The same seqs get other blocks on the new fork.
  REQUIRE(writer->Truncate(middle).ok());
  for (int i = 8; i < 20; i++) REQUIRE(writer->Put(Key(i), "new").ok());
  REQUIRE(reader->Refresh().ok());
  CHECK(reader->core().fork() == 1);
  CHECK(reader->version() == writer->version());
  for (int i = 0; i < 8; i++) CHECK(ValueOf(*reader, Key(i)) == "old");
  for (int i = 8; i < 20; i++) CHECK(ValueOf(*reader, Key(i)) == "new");
}

TEST_CASE("a read-only store sees the puts of a writer process",
          "[btree][refresh]") {
  const std::string tool = std::string(BEE_TOOLS_DIR) + "/bee";
  REQUIRE(std::filesystem::exists(tool));  // built with the tests
  test::TempDir tmp;
  {
    auto bee = Bee::Create(tmp.path(), log::KeyPair::FromSeed({})).value();
    REQUIRE(bee->Put("before", "1").ok());
    REQUIRE(bee->Close().ok());
  }
  auto reader = Bee::Open(tmp.path(), ReadOnly()).value();
  CHECK_FALSE(reader->Get("child").value().has_value());
  const std::string command = "'" + tool + "' put '" + tmp.path() +
                              "' child 'from another process' >/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
  CHECK_FALSE(reader->Get("child").value().has_value());
  REQUIRE(reader->Refresh().ok());
  CHECK(ValueOf(*reader, "child") == "from another process");
  CHECK(ValueOf(*reader, "before") == "1");
}

TEST_CASE("only a read-only store refreshes", "[btree][refresh]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed({})).value();
  CHECK(bee->Refresh().IsInvalidArgument());
}

}  // namespace
}  // namespace bee::btree
