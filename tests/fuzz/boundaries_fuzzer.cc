// Fuzzes the boundaries file parser (btree/internal/boundaries.h). The first
// 8 input bytes are the log length; with the first byte odd each record's
// check bytes are recomputed first, so the fuzzer reaches the ordering and
// truncation rules behind them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "btree/internal/boundaries.h"
#include "encoding/varint.h"
#include "tests/fuzz/fuzz_util.h"

using bee::btree::internal::Boundaries;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  const char* bytes = reinterpret_cast<const char*>(data);
  const uint64_t log_length = bee::DecodeFixed64(bytes);
  std::string file(bytes + 8, size - 8);
  if (data[0] % 2 == 1) {
    for (size_t at = 0; at + Boundaries::kRecordSize <= file.size();
         at += Boundaries::kRecordSize) {
      uint64_t length = bee::DecodeFixed64(file.data() + at);
      file.replace(at, Boundaries::kRecordSize,
                   Boundaries::EncodeRecord(length));
    }
  }
  std::vector<uint64_t> lengths = Boundaries::ParseRecords(file, log_length);
  for (size_t i = 0; i < lengths.size(); i++) {
    bee::fuzz::Check(lengths[i] <= log_length, "no length past the log");
    bee::fuzz::Check(i == 0 || lengths[i - 1] < lengths[i], "ascending");
  }
  return 0;
}
