// The `header` file of a store directory (docs/FORMAT.md §4.2): the
// hyperbee header block that the store's first write appends as block 0,
// kept from Create until then (hyperbee writes its header with the first
// write, so a new store has length 0). Ignored once the log has block 0.
//
//   offset  size  content
//   0       8     magic "BEE-HDR1"
//   8       4     format version, 1 (u32le)
//   12      4     header block length N (u32le)
//   16      N     the header block (spec §2.3), exactly as block 0 will hold
//   16+N    32    BLAKE2b-256 of every preceding byte
//
// Written once, crash-safely: to `header.tmp`, fsynced, renamed, and the
// directory fsynced.
#ifndef BEE_BTREE_INTERNAL_HEADER_FILE_H_
#define BEE_BTREE_INTERNAL_HEADER_FILE_H_

#include <optional>
#include <string>
#include <string_view>

#include "encoding/result.h"
#include "log/env.h"

namespace bee::btree::internal {

inline constexpr char kHeaderFileName[] = "header";

std::string EncodeHeaderFile(std::string_view header_block);
// The header block; Corruption naming the file when the bytes are damaged
// or do not hold a hyperbee header.
Result<std::string> DecodeHeaderFile(std::string_view bytes);

Status WriteHeaderFile(log::Env* env, const std::string& dir,
                       std::string_view header_block);
// The stored header block, or nullopt when `dir` has no header file.
Result<std::optional<std::string>> ReadHeaderFile(log::Env* env,
                                                  const std::string& dir);

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_HEADER_FILE_H_
