/// @file
/// Importing a store received out of band: the blocks of an export (`bee
/// export`, or any hypercore's blocks) with the writer's public key and its
/// signature of the last length. The result is a read-only replica: it
/// reads, checks out and replicates, and never writes.
///
/// Thread safety: one call per directory at a time. Errors: as below;
/// nothing is left in the log when the signature does not verify.
#ifndef BEE_BTREE_IMPORT_H_
#define BEE_BTREE_IMPORT_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "btree/bee.h"
#include "encoding/result.h"
#include "log/crypto.h"

namespace bee::btree {

/// Creates, in `dir` (which must not hold a store), a read-only store of
/// `blocks` (block 0 a hyperbee header), after verifying the merkle tree
/// they make against `signature` for (blocks.size(), fork) by `public_key`
/// under hypercore's default manifest. `signature` is the 68-byte container
/// hypercore stores, or the 64 raw Ed25519 bytes.
/// Errors: InvalidArgument for no blocks, or a signature of another size;
/// VerificationFailed when the signature does not verify (the log stays
/// empty); Corruption when block 0 is not a hyperbee header. On an error
/// `dir` may hold an empty replica: the caller removes it. The store
/// returned is owned by the caller.
Result<std::unique_ptr<Bee>> ImportStore(const std::string& dir,
                                         const log::PublicKey& public_key,
                                         std::span<const std::string> blocks,
                                         std::string_view signature,
                                         uint64_t fork = 0);

}  // namespace bee::btree

#endif  // BEE_BTREE_IMPORT_H_
