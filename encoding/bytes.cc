#include "encoding/bytes.h"

#include <array>
#include <cstdint>

namespace bee {
namespace {

// Each byte's hex digit value, 0x80 for a byte that is no hex digit.
constexpr std::array<uint8_t, 256> kHexValues = [] {
  std::array<uint8_t, 256> t{};
  t.fill(0x80);
  for (int c = '0'; c <= '9'; c++)
    t[static_cast<size_t>(c)] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; c++)
    t[static_cast<size_t>(c)] = static_cast<uint8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; c++)
    t[static_cast<size_t>(c)] = static_cast<uint8_t>(c - 'A' + 10);
  return t;
}();

uint8_t HexValue(char c) { return kHexValues[static_cast<uint8_t>(c)]; }

}  // namespace

std::string HexEncode(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); i++) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Status::InvalidArgument("hex string has odd length " +
                                   std::to_string(hex.size()));
  }
  // Without a branch per digit (`bee apply --hex` decodes every key and
  // value): bad digits are found by the OR of all values, then located.
  std::string out;
  out.resize(hex.size() / 2);
  uint8_t bad = 0;
  for (size_t i = 0; i < out.size(); i++) {
    const uint8_t hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    bad = static_cast<uint8_t>(bad | hi | lo);
    out[i] = static_cast<char>((hi << 4) | (lo & 0x0f));
  }
  if (bad & 0x80) {
    size_t at = 0;
    while (!(HexValue(hex[at]) & 0x80)) at++;
    return Status::InvalidArgument("invalid hex character at position " +
                                   std::to_string(at));
  }
  return out;
}

}  // namespace bee
