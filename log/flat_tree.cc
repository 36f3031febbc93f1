#include "log/flat_tree.h"

namespace bee::flat {

std::vector<uint64_t> FullRoots(uint64_t index) {
  std::vector<uint64_t> roots;
  uint64_t leaves = index / 2;
  uint64_t offset = 0;
  // Largest powers of two first: each one is a perfect subtree.
  while (leaves > 0) {
    uint64_t factor = std::bit_floor(leaves);
    roots.push_back(2 * offset + factor - 1);
    offset += factor;
    leaves -= factor;
  }
  return roots;
}

}  // namespace bee::flat
