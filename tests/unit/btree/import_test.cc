// ImportStore (btree/import.h): a store rebuilt from its blocks and its
// writer's signature; `bee import`'s tests (tests/unit/tools/cli_test.cc)
// check the command around it.
#include "btree/import.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "log/core.h"
#include "tests/util/temp_dir.h"

namespace bee::btree {
namespace {

struct Exported {
  log::PublicKey key;
  std::vector<std::string> blocks;
  std::string signature;  // the 68-byte container
};

Exported Export(const Bee& bee) {
  Exported e;
  e.key = bee.core().public_key();
  for (uint64_t i = 0; i < bee.core().length(); i++) {
    e.blocks.push_back(bee.core().Get(i).value());
  }
  e.signature = bee.core().signature();
  return e;
}

TEST_CASE("ImportStore rebuilds a store from its blocks and signature",
          "[btree][import]") {
  test::TempDir tmp;
  auto bee = Bee::CreateInMemory(log::KeyPair::Random()).value();
  for (int i = 0; i < 30; i++) {
    REQUIRE(bee->Put("k" + std::to_string(i), "v").ok());
  }
  const Exported e = Export(*bee);
  auto copy = ImportStore(tmp.Sub("copy"), e.key, e.blocks, e.signature);
  REQUIRE(copy.ok());
  CHECK((*copy)->version() == bee->version());
  CHECK((*copy)->Get("k7").value()->value == "v");
  CHECK(!(*copy)->Put("x", "y").ok());
  REQUIRE((*copy)->Close().ok());

  // The raw 64 bytes are accepted too (the container: 1 proof, signer 0,
  // the signature, no patch).
  auto raw = ImportStore(tmp.Sub("raw"), e.key, e.blocks,
                         std::string_view(e.signature).substr(2, 64));
  CHECK(raw.ok());
}

TEST_CASE("ImportStore refuses what does not verify", "[btree][import]") {
  test::TempDir tmp;
  auto bee = Bee::CreateInMemory(log::KeyPair::Random()).value();
  REQUIRE(bee->Put("a", "1").ok());
  REQUIRE(bee->Put("b", "2").ok());
  const Exported e = Export(*bee);

  auto none = ImportStore(tmp.Sub("none"), e.key, std::vector<std::string>(),
                          e.signature);
  CHECK(none.status().ToString().find("no blocks") != std::string::npos);
  auto short_sig = ImportStore(tmp.Sub("short"), e.key, e.blocks, "abcd");
  CHECK(short_sig.status().ToString().find("68-byte signature") !=
        std::string::npos);
  std::vector<std::string> tampered = e.blocks;
  tampered[1][3] ^= 1;
  auto bad = ImportStore(tmp.Sub("bad"), e.key, tampered, e.signature);
  CHECK(bad.status().IsVerificationFailed());
  auto other =
      ImportStore(tmp.Sub("other"), log::KeyPair::Random().public_key(),
                  e.blocks, e.signature);
  CHECK(other.status().IsVerificationFailed());
}

}  // namespace
}  // namespace bee::btree
