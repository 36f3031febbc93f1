// On-disk layout of a log directory (normative description: docs/FORMAT.md).
// Persisted values are frozen: never renumber or resize them.
//
//   LOCK      empty; flock()ed by the one writer
//   meta      written once at creation (tmp + rename):
//               OFFSET SIZE  DESCRIPTION
//               0      8     magic "BEE-META"
//               8      4     u32le format version (1)
//               12     4     u32le flags (bit 0 compat, bit 1 has seed)
//               16     32    core key
//               48     32    signer public key
//               80     4     u32le manifest length M (0 for compat)
//               84     M     manifest (FORMAT.md §14.4 encoding)
//               84+M   32    secret seed (only with flag bit 1)
//               end-32 32    BLAKE2b-256 of every byte before it
//   head      two 144-byte slots; generation g is written to slot g % 2:
//               0      8     magic "BEE-HEAD"
//               8      8     u64le generation (>= 1)
//               16     8     u64le length
//               24     8     u64le fork
//               32     8     u64le byte length
//               40     4     u32le signature length S (64 or 68)
//               44     68    signature, zero-filled after S bytes
//               112    32    BLAKE2b-256 of bytes 0..111
//   tree      40-byte record per merkle node at offset index * 40:
//               u64le size, 32-byte hash; all zero = not stored
//   data      block bytes at their byte offset in the log
//   bitfield  replicas only: bit b of byte b/8 (LSB first) = block b stored
#ifndef BEE_LOG_INTERNAL_STORAGE_FORMAT_H_
#define BEE_LOG_INTERNAL_STORAGE_FORMAT_H_

#include <cstdint>

namespace bee::log::internal {

inline constexpr char kMetaMagic[] = "BEE-META";
inline constexpr char kHeadMagic[] = "BEE-HEAD";
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint32_t kMetaFlagCompat = 1u << 0;
inline constexpr uint32_t kMetaFlagHasSeed = 1u << 1;
inline constexpr uint32_t kMetaFixedSize = 84;
inline constexpr uint64_t kHeadSlotSize = 144;
inline constexpr uint64_t kHeadChecksumOffset = 112;
inline constexpr uint64_t kHeadSignatureCapacity = 68;
inline constexpr uint64_t kTreeRecordSize = 40;

inline constexpr char kLockFile[] = "LOCK";
inline constexpr char kMetaFile[] = "meta";
inline constexpr char kHeadFile[] = "head";
inline constexpr char kTreeFile[] = "tree";
inline constexpr char kDataFile[] = "data";
inline constexpr char kBitfieldFile[] = "bitfield";

static_assert(sizeof(kMetaMagic) - 1 == 8 && sizeof(kHeadMagic) - 1 == 8);
static_assert(44 + kHeadSignatureCapacity == kHeadChecksumOffset);
static_assert(kHeadChecksumOffset + 32 == kHeadSlotSize);

}  // namespace bee::log::internal

#endif  // BEE_LOG_INTERNAL_STORAGE_FORMAT_H_
