// The limits bee enforces (docs/FORMAT.md §5), in one place. Each is at
// least what hyperbee 2 / hypercore 11 can write, so every store they write
// stays readable; writes past a limit fail with InvalidArgument naming it,
// and stored bytes past one read as Corruption naming the block and limit.
// Frozen: lowering a limit could make existing stores unreadable.
#ifndef BEE_ENCODING_LIMITS_H_
#define BEE_ENCODING_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace bee {

// One block of the log: hypercore refuses to append a larger one
// (MAX_SUGGESTED_BLOCK_SIZE, 15 MiB) so that each replicates in one piece.
inline constexpr uint64_t kMaxBlockSize = 15 * 1024 * 1024;
// A key and a value each live whole in their node block, so neither can be
// larger than a block; checked before the block is built so the error
// names them.
inline constexpr uint64_t kMaxKeySize = kMaxBlockSize;
inline constexpr uint64_t kMaxValueSize = kMaxBlockSize;
// Operations (puts and deletes that write a block) one batch may hold
// before Flush. Hyperbee has no limit; each operation is a block held in
// memory until the flush appends them all at once.
inline constexpr size_t kMaxBatchOperations = size_t{1} << 20;
// B-tree nodes (index levels) in one block. A block holds the nodes its
// write changed: a put's path (two per level on a split), or at the end of
// a batch every node the batch changed. A stored non-root node has at
// least 4 keys, so 2^20 of them take more than 15 MiB: no valid block
// reaches the limit.
inline constexpr uint64_t kMaxLevelsPerBlock = uint64_t{1} << 20;
// Keys and children of one node: hyperbee (T = 5) splits a node when it
// reaches 9 keys, so a stored node has at most 8 keys and 9 children.
inline constexpr uint64_t kMaxKeysPerLevel = 8;
inline constexpr uint64_t kMaxChildrenPerLevel = kMaxKeysPerLevel + 1;
// Nodes on a path from the root to a leaf. A tree of depth d holds at
// least 2 * 5^(d-2) keys, so no log of 2^64 blocks is deeper than 30;
// deeper means a cycle of child references in hostile blocks.
inline constexpr size_t kMaxTreeDepth = 64;

}  // namespace bee

#endif  // BEE_ENCODING_LIMITS_H_
