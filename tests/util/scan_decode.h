// The two node-block decoders of encoding/block_codec.h side by side: the
// allocation-free ScanNodeBlock + NodeLevelReader, and DecodeNodeBlock
// (libprotobuf), which is the reference. Header-only, so the unit tests and
// the libFuzzer target (tests/fuzz/node_scan_fuzzer.cc) share it.
#ifndef BEE_TESTS_UTIL_SCAN_DECODE_H_
#define BEE_TESTS_UTIL_SCAN_DECODE_H_

#include <string>
#include <string_view>

#include "encoding/block_codec.h"

namespace bee::test {

// The block as ScanNodeBlock and NodeLevelReader see it, as a NodeBlock.
// Also checks the scan's counts against the levels read: a mismatch is
// returned as an error that names it.
inline Result<NodeBlock> DecodeByScan(std::string_view bytes) {
  BEE_ASSIGN_OR_RETURN(NodeBlockView view, ScanNodeBlock(bytes));
  NodeBlock node;
  node.key = std::string(view.key);
  if (view.value) node.value = std::string(*view.value);
  NodeLevelReader reader(view);
  IndexLevelView level;
  size_t keys = 0, children = 0;
  while (reader.Next(&level)) {
    node.levels.push_back(
        IndexLevel{{level.keys.begin(), level.keys.end()},
                   {level.children.begin(), level.children.end()}});
    keys += level.keys.size();
    children += level.children.size();
  }
  if (node.levels.size() != view.levels || keys != view.keys ||
      children != view.children) {
    return Status::InvalidArgument("the scan's counts differ from the levels");
  }
  return node;
}

// Empty when both decoders accept `bytes` with the same values or both
// reject it; otherwise what differs.
inline std::string CompareDecoders(std::string_view bytes) {
  auto reference = DecodeNodeBlock(bytes);
  auto scanned = DecodeByScan(bytes);
  if (reference.ok() != scanned.ok()) {
    return reference.ok() ? "only libprotobuf accepts it; the scan says: " +
                                scanned.status().ToString()
                          : "only the scan accepts it; libprotobuf says: " +
                                reference.status().ToString();
  }
  if (!reference.ok()) {
    if (!scanned.status().IsCorruption()) {
      return "the scan rejects it without Corruption: " +
             scanned.status().ToString();
    }
    return "";
  }
  if (!(*reference == *scanned)) return "both accept it, with other values";
  return "";
}

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_SCAN_DECODE_H_
