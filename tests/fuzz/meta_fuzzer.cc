// Fuzzes the meta file parser (log/internal/storage_records.h). With the
// first byte odd the trailing checksum is recomputed first, so the fuzzer
// reaches the fields behind it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "log/internal/storage_records.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string meta(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 1 && meta.size() >= 32) {
    size_t body = meta.size() - 32;
    auto sum = bee::log::Blake2b256(std::string_view(meta).substr(0, body));
    meta.replace(body, 32, bee::AsChars(sum));
  }
  auto parsed = bee::log::ParseMeta(meta, "meta");
  if (parsed.ok()) {
    bee::fuzz::Check(parsed->manifest.size() < meta.size(),
                     "the manifest lies inside the file");
  }
  return 0;
}
