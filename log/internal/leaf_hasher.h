// LeafHasher: hashes the leaves of a large append on two threads. Private
// to log/.
#ifndef BEE_LOG_INTERNAL_LEAF_HASHER_H_
#define BEE_LOG_INTERNAL_LEAF_HASHER_H_

#include <span>
#include <string_view>

#include "encoding/bytes.h"

namespace bee::log {

// Fills out[i] = LeafHash(blocks[i]). When the append is large enough to
// pay for the hand-off and the process-wide helper thread is idle, the
// helper hashes the second half while the caller hashes the first; else the
// caller hashes everything. The helper thread starts on first use and lives
// as long as the process.
//
// Thread safety: safe to call from any number of threads; only one call at
// a time gets the helper, the others hash alone.
void HashLeaves(std::span<const std::string_view> blocks, std::span<Hash32> out,
                bool parallel);

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_LEAF_HASHER_H_
