// The tools' hand-written formatting (tools/output.h) against references:
// JSON strings byte for byte as nlohmann-json writes them, escapes as the
// first per-byte implementation made them, tables aligned as before.
#include "tools/output.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "encoding/bytes.h"

namespace bee::tools {
namespace {

// The per-byte escape the tools used before the table-driven one.
std::string ReferenceEscape(std::string_view bytes) {
  bool utf8 = IsValidUtf8(bytes);
  std::string out;
  for (char ch : bytes) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

// Random bytes: mostly ASCII with control bytes, quotes and backslashes,
// some valid multi-byte characters, and (when `invalid`) stray high bytes.
std::string RandomBytes(std::mt19937_64* rng, bool invalid) {
  static const char* const kPieces[] = {
      "\"",   "\\", "\n", "\r", "\t", "\b", "\f", "\x01", "\x1f",
      "\x7f", "é",  "€",  "𝄞",  "a",  "Z",  " ",  "/"};
  std::string s;
  size_t n = (*rng)() % 40;
  for (size_t i = 0; i < n; i++) {
    uint64_t r = (*rng)();
    if (invalid && r % 13 == 0) {
      s += static_cast<char>(0x80 + r % 0x80);
    } else if (r % 3 == 0) {
      s += static_cast<char>(r % 0x80);
    } else {
      s += kPieces[r % (sizeof(kPieces) / sizeof(kPieces[0]))];
    }
  }
  return s;
}

TEST_CASE("JSON strings match nlohmann-json for every byte value",
          "[tools][output]") {
  OutputOptions o;
  for (int b = 0; b < 256; b++) {
    CAPTURE(b);
    // Alone, and between text (a run copied, then the escape, then a run).
    for (std::string s : {std::string(1, static_cast<char>(b)),
                          "ab" + std::string(1, static_cast<char>(b)) + "cd"}) {
      std::string got;
      AppendBytesJson(&got, s, o);
      CHECK(got == BytesJson(s, o).dump());
      OutputOptions hex{.json = true, .hex = true};
      std::string got_hex;
      AppendBytesJson(&got_hex, s, hex);
      CHECK(got_hex == BytesJson(s, hex).dump());
    }
  }
  // Every byte value inside valid UTF-8 text: a two-byte character per
  // lead byte, with each continuation byte.
  for (int lead = 0xc2; lead <= 0xdf; lead++) {
    for (int cont = 0x80; cont <= 0xbf; cont++) {
      std::string s = {'x', static_cast<char>(lead), static_cast<char>(cont)};
      std::string got;
      AppendJsonString(&got, s);
      CHECK(got == nlohmann::ordered_json(s).dump());
    }
  }
  std::mt19937_64 rng(Catch::rngSeed());
  for (int i = 0; i < 2000; i++) {
    std::string s = RandomBytes(&rng, i % 2 == 1);
    CAPTURE(HexEncode(s));
    std::string got;
    AppendBytesJson(&got, s, o);
    CHECK(got == BytesJson(s, o).dump());
  }
}

TEST_CASE("entry JSON matches nlohmann-json", "[tools][output]") {
  OutputOptions o;
  btree::Entry e{123456789012345ull, "k\x01\"", std::string("\xff\x00", 2)};
  std::string got;
  AppendEntryJson(&got, e.seq, e.key, std::string_view(*e.value), o);
  CHECK(got == EntryJson(e, o).dump());
  e.value.reset();
  got.clear();
  AppendEntryJson(&got, e.seq, e.key, std::nullopt, o);
  CHECK(got == EntryJson(e, o).dump());
}

// Whether nlohmann-json accepts `s` inside a JSON string, which it does
// exactly when `s` is valid UTF-8 (quotes, backslashes and control bytes
// are made harmless first).
bool NlohmannSaysUtf8(std::string_view s) {
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  }
  return nlohmann::json::accept(quoted + "\"");
}

TEST_CASE("escapes for people match the per-byte reference",
          "[tools][output]") {
  for (int b = 0; b < 256; b++) {
    CAPTURE(b);
    std::string s = "x" + std::string(1, static_cast<char>(b)) + "yz";
    CHECK(Escape(s) == ReferenceEscape(s));
  }
  std::mt19937_64 rng(Catch::rngSeed());
  for (int i = 0; i < 2000; i++) {
    std::string s = RandomBytes(&rng, i % 2 == 1);
    CAPTURE(HexEncode(s));
    CHECK(Escape(s) == ReferenceEscape(s));
    CHECK(IsValidUtf8(s) == NlohmannSaysUtf8(s));
  }
}

TEST_CASE("hex and numbers append as HexEncode and to_string",
          "[tools][output]") {
  std::string all;
  for (int b = 0; b < 256; b++) all += static_cast<char>(b);
  std::string got = "prefix";
  AppendHex(&got, all);
  CHECK(got == "prefix" + HexEncode(all));
  for (uint64_t v : {0ull, 9ull, 10ull, 18446744073709551615ull}) {
    std::string n;
    AppendUint(&n, v);
    CHECK(n == std::to_string(v));
  }
}

TEST_CASE("tables align in pieces of kRows rows", "[tools][output]") {
  OutputOptions o;
  std::ostringstream out;
  {
    EntryTable table(&out, o);
    for (size_t i = 0; i < EntryTable::kRows + 2; i++) {
      // Row kRows-1 is wide; the piece after it is aligned on its own.
      std::string key = i == EntryTable::kRows - 1 ? "wide-key" : "k";
      table.AddEntry(
          i, key, i % 2 ? std::optional<std::string_view>("v ") : std::nullopt);
    }
  }
  std::istringstream lines(out.str());
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line)) all.push_back(line);
  REQUIRE(all.size() == EntryTable::kRows + 2);
  CHECK(all[0] == "0     k         (no value)");
  CHECK(all[1] == "1     k         v");  // trailing spaces are trimmed
  CHECK(all[EntryTable::kRows - 1] == "4095  wide-key  v");
  CHECK(all[EntryTable::kRows] == "4096  k  (no value)");
  CHECK(all[EntryTable::kRows + 1] == "4097  k  v");
  // Add and AddEntry make the same rows; widths count characters.
  std::ostringstream a, b;
  {
    EntryTable ta(&a, o), tb(&b, o);
    ta.Add({"1", "é", "x"});
    ta.Add({"22", "k", "y"});
    tb.AddEntry(1, "é", std::string_view("x"));
    tb.AddEntry(22, "k", std::string_view("y"));
  }
  CHECK(a.str() == "1   é  x\n22  k  y\n");
  CHECK(a.str() == b.str());
}

}  // namespace
}  // namespace bee::tools
