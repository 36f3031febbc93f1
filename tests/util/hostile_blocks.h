// Node blocks with hostile tree structure, for feeds signed by our own log:
// a writer can sign anything, so readers must survive these.
#ifndef BEE_TESTS_UTIL_HOSTILE_BLOCKS_H_
#define BEE_TESTS_UTIL_HOSTILE_BLOCKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "encoding/block_codec.h"

namespace bee::test {

// The encoded node block putting `key` = "v" with these levels.
std::string NodeBytes(std::vector<IndexLevel> levels, std::string key);

// Blocks 1 to 3 (after the header): blocks 1 and 2 put "a" and "b"; block 3
// puts "c" with root {b} over the leaf {a} = (1, 0) and, as its right child,
// (right_seq, right_offset): its own level 1 {c} when that is (3, 1).
std::vector<std::string> ThreeKeys(uint64_t right_seq, uint64_t right_offset);

// Blocks 1 to n: block k puts "k%04d" over the tree before it. Unshared, its
// children are that tree and its own empty level 1 (a chain n levels deep,
// well ordered); shared, both children are that tree (a DAG whose naive
// walk lists 2^n keys, out of order).
std::vector<std::string> Chain(uint64_t n, bool shared);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_HOSTILE_BLOCKS_H_
