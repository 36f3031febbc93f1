// Byte helpers shared by every layer.
//
// Byte strings (blocks, keys, values) are std::string / std::string_view, as in
// LevelDB: they may hold any byte, including 0x00. Fixed-size digests are
// std::array. Hex is lower-case on output and case-insensitive on input.
#ifndef BEE_ENCODING_BYTES_H_
#define BEE_ENCODING_BYTES_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "encoding/result.h"

namespace bee {

using Hash32 = std::array<uint8_t, 32>;

// Views the bytes of a string as unsigned bytes (no copy).
// REQUIRES: s outlives the returned span.
inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
// Views unsigned bytes as a string_view (no copy).
inline std::string_view AsChars(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
template <size_t N>
std::string_view AsChars(const std::array<uint8_t, N>& a) {
  return {reinterpret_cast<const char*>(a.data()), N};
}

std::string HexEncode(std::span<const uint8_t> bytes);
inline std::string HexEncode(std::string_view bytes) {
  return HexEncode(AsBytes(bytes));
}
template <size_t N>
std::string HexEncode(const std::array<uint8_t, N>& a) {
  return HexEncode(std::span<const uint8_t>(a.data(), N));
}

// Decodes hex text (even length, [0-9a-fA-F]); InvalidArgument otherwise.
Result<std::string> HexDecode(std::string_view hex);

// Decodes exactly N bytes of hex; InvalidArgument naming `what` otherwise.
template <size_t N>
Result<std::array<uint8_t, N>> HexDecodeFixed(std::string_view hex,
                                              std::string_view what) {
  auto raw = HexDecode(hex);
  if (!raw.ok()) return raw.status().WithContext(what);
  if (raw->size() != N) {
    return Status::InvalidArgument(std::string(what) + ": expected " +
                                   std::to_string(N) + " bytes of hex, got " +
                                   std::to_string(raw->size()));
  }
  std::array<uint8_t, N> out{};
  for (size_t i = 0; i < N; i++) out[i] = static_cast<uint8_t>((*raw)[i]);
  return out;
}

}  // namespace bee

#endif  // BEE_ENCODING_BYTES_H_
