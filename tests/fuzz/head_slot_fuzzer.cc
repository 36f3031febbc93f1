// Fuzzes the head slot parser (log/internal/storage_records.h). With the
// first byte odd the slot's checksum is recomputed first, so the fuzzer
// reaches the fields behind it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "log/internal/storage_format.h"
#include "log/internal/storage_records.h"
#include "tests/fuzz/fuzz_util.h"

namespace internal = bee::log::internal;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string slot(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 1 && slot.size() >= internal::kHeadSlotSize) {
    auto sum = bee::log::Blake2b256(
        std::string_view(slot).substr(0, internal::kHeadChecksumOffset));
    slot.replace(internal::kHeadChecksumOffset, 32, bee::AsChars(sum));
  }
  auto parsed = bee::log::ParseHeadSlot(slot);
  if (parsed) {
    bee::fuzz::Check(
        parsed->head.signature.size() <= internal::kHeadSignatureCapacity,
        "a parsed signature fits its slot");
  }
  return 0;
}
