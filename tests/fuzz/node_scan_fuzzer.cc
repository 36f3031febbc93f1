// Fuzzes the allocation-free node decoder (ScanNodeBlock + NodeLevelReader,
// encoding/block_codec.h) against DecodeNodeBlock (libprotobuf): on any
// bytes both accept with the same values or both reject.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_util.h"
#include "tests/util/scan_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string differs = bee::test::CompareDecoders(bytes);
  if (!differs.empty()) std::fprintf(stderr, "%s\n", differs.c_str());
  bee::fuzz::Check(differs.empty(), "the scan decodes as libprotobuf does");
  return 0;
}
