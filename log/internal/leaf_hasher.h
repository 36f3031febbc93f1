// HashNewNodes: the hashing of a large append, on two threads. Private to
// log/.
#ifndef BEE_LOG_INTERNAL_LEAF_HASHER_H_
#define BEE_LOG_INTERNAL_LEAF_HASHER_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "encoding/status.h"
#include "log/crypto.h"

namespace bee::log {

// The merkle nodes of an append of `blocks` as blocks first_block,
// first_block + 1, ...: nodes[j] is flat-tree node 2 * first_block + j,
// filled (and computed[j] set to 1) for every leaf and for every parent
// whose blocks all lie in one 32-block run aligned to a multiple of 32.
// The caller merges what is left (a few parents per 32 blocks).
//
// Each run's leaves, then each level of its parents, go through the
// multi-buffer BLAKE2b (multi_hash.h). When the append is large enough to
// pay for the hand-off and the process-wide helper thread is free, the
// caller and the helper claim the runs in turn (ParallelFor, parallel.h);
// else the caller hashes everything.
//
// REQUIRES: nodes.size() == computed.size() == 2 * blocks.size(), computed
// all zero.
// Thread safety: safe to call from any number of threads; only one call at
// a time gets the helper, the others hash alone.
//
// `meanwhile` (if any) runs on the calling thread while the helper hashes,
// or first when it does not; its status is returned.
Status HashNewNodes(uint64_t first_block,
                    std::span<const std::string_view> blocks,
                    std::span<TreeNode> nodes, std::span<uint8_t> computed,
                    bool parallel,
                    const std::function<Status()>& meanwhile = nullptr);

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_LEAF_HASHER_H_
