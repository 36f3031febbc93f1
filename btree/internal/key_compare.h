// CompareKeys: the order of keys, unsigned bytewise (as memcmp, then
// shorter first), tuned for the hot loops of the tree.
#ifndef BEE_BTREE_INTERNAL_KEY_COMPARE_H_
#define BEE_BTREE_INTERNAL_KEY_COMPARE_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace bee::btree::internal {

// Keys that differ in their first 8 bytes (random keys almost always do)
// are told apart with one load each instead of a call to memcmp.
inline int CompareKeys(std::string_view a, std::string_view b) {
  if (a.size() >= 8 && b.size() >= 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data(), 8);
    std::memcpy(&y, b.data(), 8);
    if (x != y) {
      if constexpr (std::endian::native == std::endian::little) {
        x = __builtin_bswap64(x);  // most significant byte first
        y = __builtin_bswap64(y);
      }
      return x < y ? -1 : 1;
    }
  }
  return a.compare(b);  // char_traits<char>::compare is memcmp: unsigned
}

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_KEY_COMPARE_H_
