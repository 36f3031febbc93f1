// LeafHashes and ParentHashes: many independent leaf or parent hashes
// (log/crypto.h) at once. Private to log/.
//
// Why: an append hashes every block (a 150-250 byte block is two BLAKE2b
// compressions) and about as many parents (one compression each), and
// libsodium hashes one message at a time. These hashes are independent, so
// a multi-buffer BLAKE2b (RFC 7693) that gives each 64-bit SIMD lane its own
// message computes 4 (AVX2) or 8 (AVX-512) compressions for little more
// than the price of one. Each lane takes the next message as soon as its
// own is done, so messages of any mix of lengths share the lanes.
//
// The results are byte for byte those of LeafHash and ParentHash, which the
// scalar path calls. The path is chosen once per process from the CPU's
// features (the binary needs none of them).
//
// Thread safety: LeafHashes and ParentHashes are pure functions, safe on any
// number of threads. ForceHashPathForTesting is for tests only: it may be
// called at any time, but a hash running meanwhile may use either path.
#ifndef BEE_LOG_INTERNAL_MULTI_HASH_H_
#define BEE_LOG_INTERNAL_MULTI_HASH_H_

#include <optional>
#include <span>
#include <string_view>

#include "log/crypto.h"

namespace bee::log {

// out[i] = LeafHash(blocks[i]) for every i.
// REQUIRES: out has room for blocks.size() hashes and overlaps no block.
void LeafHashes(std::span<const std::string_view> blocks, Hash32* out);

// *out[i] = ParentHash(*left[i], *right[i]) for every i. Several pointers
// may point at one node.
// REQUIRES: left, right and out have one size; left[i]->index <
// right[i]->index; no output overlaps any input node.
void ParentHashes(std::span<const TreeNode* const> left,
                  std::span<const TreeNode* const> right,
                  std::span<Hash32* const> out);

// The implementations: libsodium one message at a time, 4 lanes of AVX2,
// 8 lanes of AVX-512F. A call with fewer than two messages always takes the
// scalar path.
enum class HashPath { kScalar, kAvx2, kAvx512 };

// Whether this CPU (and OS) can run `path`. kScalar always can.
bool HashPathSupported(HashPath path);

// The path LeafHashes and ParentHashes use now: the forced one if any, else
// the fastest supported one.
HashPath ActiveHashPath();

// Makes LeafHashes and ParentHashes use `path` (std::nullopt: the default
// choice again), so that tests and benchmarks can compare every path.
// Returns false, changing nothing, if the CPU cannot run `path`.
bool ForceHashPathForTesting(std::optional<HashPath> path);

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_MULTI_HASH_H_
