#include "encoding/varint.h"

#include <catch2/catch.hpp>
#include <cctype>

#include "encoding/bytes.h"

namespace bee {
namespace {

TEST_CASE("varint round trips and known bytes", "[encoding]") {
  std::string out;
  PutVarint64(&out, 300);
  CHECK(HexEncode(out) == "ac02");
  for (uint64_t v :
       {0ull, 1ull, 127ull, 128ull, 16383ull, 16384ull, (1ull << 53), ~0ull}) {
    std::string s;
    PutVarint64(&s, v);
    CHECK(s.size() == VarintLength(v));
    std::string_view in = s;
    uint64_t got = 0;
    REQUIRE(GetVarint64(&in, &got));
    CHECK(got == v);
    CHECK(in.empty());
  }
}

TEST_CASE("varint rejects truncated and overlong input", "[encoding]") {
  uint64_t v;
  std::string_view truncated("\x80\x80", 2);
  CHECK_FALSE(GetVarint64(&truncated, &v));
  std::string overlong(10, '\xff');
  overlong.push_back('\x01');
  std::string_view in = overlong;
  CHECK_FALSE(GetVarint64(&in, &v));
  std::string_view empty;
  CHECK_FALSE(GetVarint64(&empty, &v));
}

TEST_CASE("compact-encoding uint boundaries", "[encoding]") {
  struct Case {
    uint64_t v;
    const char* hex;
  } cases[] = {{0, "00"},
               {0xfc, "fc"},
               {0xfd, "fdfd00"},
               {0xffff, "fdffff"},
               {0x10000, "fe00000100"},
               {0x100000000ull, "ff0000000001000000"}};
  for (const auto& c : cases) {
    std::string s;
    PutCompactUint(&s, c.v);
    CHECK(HexEncode(s) == c.hex);
    std::string_view in = s;
    uint64_t got = 0;
    REQUIRE(GetCompactUint(&in, &got));
    CHECK(got == c.v);
  }
  std::string_view short_in("\xfe\x01", 2);
  uint64_t got;
  CHECK_FALSE(GetCompactUint(&short_in, &got));
}

TEST_CASE("hex decode rejects bad input with a clear message", "[encoding]") {
  CHECK(HexDecode("0a0B").value() == std::string("\x0a\x0b", 2));
  auto odd = HexDecode("abc");
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.status().IsInvalidArgument());
  auto bad = HexDecode("zz");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("position 0") != std::string::npos);
  // Every byte value: hex digits decode, anything else is named by its
  // position, wherever it is.
  for (int c = 0; c < 256; c++) {
    const char ch = static_cast<char>(c);
    const bool digit = std::isxdigit(c) != 0;
    for (size_t at = 0; at < 6; at++) {
      std::string hex = "a1B2c3";
      hex[at] = ch;
      CAPTURE(c, at);
      auto got = HexDecode(hex);
      REQUIRE(got.ok() == digit);
      if (digit) {
        std::string lower = hex;
        for (char& x : lower) x = static_cast<char>(std::tolower(x));
        CHECK(HexEncode(got.value()) == lower);
      } else {
        CHECK(got.status().message() ==
              "invalid hex character at position " + std::to_string(at));
      }
    }
  }
  auto fixed = HexDecodeFixed<4>("0102", "seed");
  REQUIRE_FALSE(fixed.ok());
  CHECK(fixed.status().message().find("seed") != std::string::npos);
}

}  // namespace
}  // namespace bee
