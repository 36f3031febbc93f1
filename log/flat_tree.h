// Flat-tree index arithmetic (../shared/spec/FORMAT.md §12).
//
// Every merkle node has an index; block b is the leaf 2b. Odd indexes are
// parents. depth(i) = number of trailing 1-bits; offset(i) = position within
// its depth. All functions are pure and constexpr-friendly.
#ifndef BEE_LOG_FLAT_TREE_H_
#define BEE_LOG_FLAT_TREE_H_

#include <bit>
#include <cstdint>
#include <vector>

namespace bee::flat {

inline uint64_t Depth(uint64_t i) {
  return static_cast<uint64_t>(std::countr_one(i));
}
inline uint64_t Offset(uint64_t i) {
  if ((i & 1) == 0) return i / 2;
  return ((i + 1) >> Depth(i)) >> 1;
}
inline uint64_t Index(uint64_t depth, uint64_t offset) {
  return ((2 * offset + 1) << depth) - 1;
}
inline uint64_t Parent(uint64_t i) {
  return Index(Depth(i) + 1, Offset(i) >> 1);
}
inline uint64_t Sibling(uint64_t i) { return Index(Depth(i), Offset(i) ^ 1); }
// REQUIRES: i is odd (a parent).
inline uint64_t LeftChild(uint64_t i) {
  return Index(Depth(i) - 1, Offset(i) * 2);
}
inline uint64_t RightChild(uint64_t i) {
  return Index(Depth(i) - 1, Offset(i) * 2 + 1);
}
inline uint64_t LeftSpan(uint64_t i) {
  uint64_t d = Depth(i);
  return d == 0 ? i : Offset(i) << (d + 1);
}
inline uint64_t RightSpan(uint64_t i) {
  uint64_t d = Depth(i);
  return d == 0 ? i : ((Offset(i) + 1) << (d + 1)) - 2;
}
inline uint64_t CountLeaves(uint64_t i) { return uint64_t{1} << Depth(i); }
// True when node b lies in the subtree of node a (or is a).
inline bool Contains(uint64_t a, uint64_t b) {
  uint64_t half = uint64_t{1} << Depth(a);
  return a + 1 > half ? (a - half < b && b < a + half) : b < a + half;
}

// The roots of a tree with `index / 2` leaves (index = 2 * length), left to
// right.
std::vector<uint64_t> FullRoots(uint64_t index);

}  // namespace bee::flat

#endif  // BEE_LOG_FLAT_TREE_H_
