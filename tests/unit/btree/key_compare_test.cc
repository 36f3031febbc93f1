#include "btree/internal/key_compare.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

namespace bee::btree::internal {
namespace {

int Sign(int v) { return (v > 0) - (v < 0); }

TEST_CASE("CompareKeys orders keys as unsigned bytes, shorter first",
          "[btree]") {
  CHECK(CompareKeys("", "") == 0);
  CHECK(CompareKeys("", "a") < 0);
  CHECK(CompareKeys("abcdefgh", "abcdefgh") == 0);
  CHECK(CompareKeys("abcdefgh", "abcdefghi") < 0);  // a prefix comes first
  CHECK(CompareKeys("abcdefghi", "abcdefgh") > 0);
  CHECK(CompareKeys("abcdefgh\x01", "abcdefgh\xff") < 0);
  // Bytes >= 0x80 sort after ASCII, in the first 8 bytes and after them.
  CHECK(CompareKeys("\x80"
                    "0000000",
                    "\x7f"
                    "0000000") > 0);
  CHECK(CompareKeys("0000000\x80", "0000000\x7f") > 0);
  CHECK(CompareKeys("0000000\x80z", "00000001a") > 0);
  // The first differing byte decides, not the last.
  CHECK(CompareKeys("\x01\xff\xff\xff\xff\xff\xff\xff",
                    "\x02\x00\x00\x00\x00\x00\x00\x00") < 0);

  const uint64_t seed = Catch::rngSeed();  // fresh per run (tests/main.cc)
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 100000; i++) {
    // Short alphabets and lengths make shared prefixes common.
    auto key = [&] {
      std::string s(rng() % 20, '\0');
      for (char& c : s)
        c = static_cast<char>(rng() % 3 == 0 ? rng() : rng() % 2);
      return s;
    };
    std::string a = key(), b = key();
    INFO("round " << i);
    REQUIRE(Sign(CompareKeys(a, b)) == Sign(std::string_view(a).compare(b)));
  }
}

}  // namespace
}  // namespace bee::btree::internal
