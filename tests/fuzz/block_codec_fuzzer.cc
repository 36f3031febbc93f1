// Fuzzes the block decoders (encoding/block_codec.h): any bytes decode to a
// node or header block or to Corruption, and whatever decodes survives a
// round trip through our encoder unchanged.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "encoding/block_codec.h"
#include "tests/fuzz/fuzz_util.h"

using bee::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto node = bee::DecodeNodeBlock(bytes);
  if (node.ok()) {
    auto again = bee::DecodeNodeBlock(bee::EncodeNodeBlock(*node));
    Check(again.ok() && *again == *node, "a decoded node re-encodes the same");
    (void)bee::IsDeletion(*node, 1);
  }
  auto header = bee::DecodeHeaderBlock(bytes);
  if (header.ok()) {
    auto again = bee::DecodeHeaderBlock(bee::EncodeHeaderBlock(*header));
    Check(again.ok() && *again == *header,
          "a decoded header re-encodes the same");
  }
  return 0;
}
