// Parsers of the log directory's small records (layouts in
// log/internal/storage_format.h, docs/FORMAT.md): pure functions over the
// bytes as read, so they can be fuzzed apart from the files. Private to log/.
//
// Thread safety: all functions are thread-safe.
#ifndef BEE_LOG_INTERNAL_STORAGE_RECORDS_H_
#define BEE_LOG_INTERNAL_STORAGE_RECORDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "encoding/result.h"
#include "log/core.h"
#include "log/crypto.h"

namespace bee::log {

struct HeadSlot {
  uint64_t generation = 0;
  SignedHead head;
};

// Parses one head slot; nullopt when it is empty or fails its checksum.
std::optional<HeadSlot> ParseHeadSlot(std::string_view slot);

// The fields of a `meta` file.
struct MetaFields {
  bool compat = false;
  Hash32 key{};
  PublicKey public_key{};
  std::string manifest;
  // The secret seed, for writable logs. The caller wipes it after use.
  std::optional<Seed> seed;
};

// Parses the bytes of the meta file at `path` (named in errors): Corruption
// for bad magic, checksum or lengths; NotSupported for another version.
// Does not check the seed against the public key.
Result<MetaFields> ParseMeta(std::string_view meta, const std::string& path);

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_STORAGE_RECORDS_H_
