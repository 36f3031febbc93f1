// Grammar: the `head` slot and `meta` file tables of
// log/internal/storage_format.h (docs/FORMAT.md §1.1-1.2).
#include "log/internal/storage_records.h"

#include <cstring>

#include "encoding/varint.h"
#include "log/internal/storage_format.h"

namespace bee::log {

std::optional<HeadSlot> ParseHeadSlot(std::string_view slot) {
  if (slot.size() < internal::kHeadSlotSize ||
      slot.compare(0, 8, internal::kHeadMagic) != 0) {
    return std::nullopt;
  }
  std::string_view body = slot.substr(0, internal::kHeadChecksumOffset);
  if (AsChars(Blake2b256(body)) !=
      slot.substr(internal::kHeadChecksumOffset, 32)) {
    return std::nullopt;
  }
  HeadSlot out;
  out.generation = DecodeFixed64(slot.data() + 8);
  out.head.length = DecodeFixed64(slot.data() + 16);
  out.head.fork = DecodeFixed64(slot.data() + 24);
  out.head.byte_length = DecodeFixed64(slot.data() + 32);
  uint32_t sig_len = DecodeFixed32(slot.data() + 40);
  if (sig_len > internal::kHeadSignatureCapacity) return std::nullopt;
  out.head.signature = std::string(slot.substr(44, sig_len));
  return out;
}

Result<MetaFields> ParseMeta(std::string_view meta, const std::string& path) {
  if (meta.size() < internal::kMetaFixedSize + 32 ||
      meta.compare(0, 8, internal::kMetaMagic) != 0) {
    return Status::Corruption(path + ": not a bee meta file (bad magic)");
  }
  std::string_view body(meta.data(), meta.size() - 32);
  if (AsChars(Blake2b256(body)) != meta.substr(body.size())) {
    return Status::Corruption(path + ": checksum mismatch at offset " +
                              std::to_string(body.size()));
  }
  uint32_t version = DecodeFixed32(meta.data() + 8);
  if (version != internal::kFormatVersion) {
    return Status::NotSupported(path + ": format version " +
                                std::to_string(version));
  }
  MetaFields out;
  uint32_t flags = DecodeFixed32(meta.data() + 12);
  out.compat = flags & internal::kMetaFlagCompat;
  std::memcpy(out.key.data(), meta.data() + 16, 32);
  std::memcpy(out.public_key.data(), meta.data() + 48, 32);
  uint32_t manifest_len = DecodeFixed32(meta.data() + 80);
  bool has_seed = flags & internal::kMetaFlagHasSeed;
  if (uint64_t{internal::kMetaFixedSize} + manifest_len +
          (has_seed ? 32u : 0u) !=
      body.size()) {
    return Status::Corruption(path + ": inconsistent lengths");
  }
  out.manifest = meta.substr(internal::kMetaFixedSize, manifest_len);
  if (has_seed) {
    out.seed.emplace();
    std::memcpy(out.seed->data(),
                meta.data() + internal::kMetaFixedSize + manifest_len, 32);
  }
  return out;
}

}  // namespace bee::log
