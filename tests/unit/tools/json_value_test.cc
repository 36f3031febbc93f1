// JSON values as hyperbee's json encoding stores them, and text decoded as
// its utf-8 encoding reads it: known answers printed by Node 18
// (JSON.stringify, Buffer.toString('utf-8')).
#include "tools/json_value.h"

#include <catch2/catch.hpp>
#include <utility>

#include "encoding/bytes.h"
#include "tools/output.h"

namespace bee::tools {
namespace {

TEST_CASE("numbers print as JS's Number.prototype.toString", "[tools][json]") {
  const std::pair<double, const char*> cases[] = {
      {0.0, "0"},
      {-0.0, "0"},
      {1, "1"},
      {1.5, "1.5"},
      {0.1, "0.1"},
      {1e21, "1e+21"},
      {1e20, "100000000000000000000"},
      {1e-7, "1e-7"},
      {1e-6, "0.000001"},
      {123456789012345680000.0, "123456789012345680000"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {-1.5e-10, "-1.5e-10"},
      {9007199254740992.0, "9007199254740992"},
      {0.000001234, "0.000001234"},
      {1.234e-7, "1.234e-7"},
      {100, "100"},
      {-123.456e5, "-12345600"},
  };
  for (const auto& [v, want] : cases) {
    CAPTURE(v);
    CHECK(JsNumber(v) == want);
  }
}

TEST_CASE("JsonStringify writes what JSON.stringify(JSON.parse(text)) does",
          "[tools][json]") {
  const std::pair<const char*, const char*> cases[] = {
      {" 12345678901234567890 ", "12345678901234567000"},
      {"-0", "0"},
      {"1.0e2", "100"},
      {"[ 1 , [ ] , { } ]", "[1,[],{}]"},
      {"\"\\u00e9\\/\\t\\u001f\\u007f\"", "\"\xc3\xa9/\\t\\u001f\x7f\""},
      // Array-index keys first in numeric order, then the rest as given; a
      // repeated key keeps its first place and its last value.
      {R"({"b":1,"4294967294":1,"4294967295":2,"01":3,"1":4,"0":5,"b":6})",
       R"({"0":5,"1":4,"4294967294":1,"b":6,"4294967295":2,"01":3})"},
      {"true", "true"},
      {"null", "null"},
  };
  for (const auto& [text, want] : cases) {
    CAPTURE(text);
    auto got = JsonStringify(text);
    REQUIRE(got.ok());
    CHECK(*got == want);
  }
  for (const char* bad :
       {"", "{", "[1,]", "'a'", "NaN", "1e400", "\"\xff\"", "1 2", "{a:1}"}) {
    CAPTURE(bad);
    auto got = JsonStringify(bad);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().IsInvalidArgument());
  }
  CHECK(JsonPretty(R"({"a:":[1,"x,y"],"b":{}})") ==
        R"({"a:": [1, "x,y"], "b": {}})");
  CHECK(JsonPretty(R"(["\"",","])") == R"(["\"", ","])");
}

TEST_CASE("utf-8 decoding replaces bad sequences as Node does",
          "[tools][json]") {
  const std::pair<const char*, const char*> cases[] = {
      {"ff", "efbfbd"},
      {"e282", "efbfbd"},
      {"f08080", "efbfbdefbfbdefbfbd"},
      {"eda080", "efbfbdefbfbdefbfbd"},
      {"61c328", "61efbfbd28"},
      {"c0af", "efbfbdefbfbd"},
      {"f4908080", "efbfbdefbfbdefbfbdefbfbd"},
      {"e0a080", "e0a080"},
      {"f09f9880", "f09f9880"},
  };
  for (const auto& [in, want] : cases) {
    CAPTURE(in);
    CHECK(HexEncode(DecodeUtf8Lossy(HexDecode(in).value())) == want);
  }
}

}  // namespace
}  // namespace bee::tools
