// Codecs for hyperbee blocks (../shared/spec/FORMAT.md §2): block 0 is a
// Header, every other block a Node carrying one key, its optional value and
// the B-tree levels the write rewrote (a YoloIndex).
//
// These are plain structs; the protobuf types stay private to encoding/.
// Encoding is byte-identical to the JS encoder (§2.2): required fields always
// written, `value` written iff present (empty => `1a 00`), packed lists
// omitted when empty, every level written even when empty.
//
// Thread safety: all functions are thread-safe.
#ifndef BEE_ENCODING_BLOCK_CODEC_H_
#define BEE_ENCODING_BLOCK_CODEC_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/limits.h"
#include "encoding/result.h"

namespace bee {

// One B-tree node (§3): `keys[j]` is the seq of the block holding the j-th
// key; `children` holds (seq, offset) pairs, flattened.
struct IndexLevel {
  std::vector<uint64_t> keys;
  std::vector<uint64_t> children;
  bool operator==(const IndexLevel&) const = default;
};

// A level as views, for encoding from storage other than IndexLevel.
struct IndexLevelView {
  std::span<const uint64_t> keys;
  std::span<const uint64_t> children;
};

struct NodeBlock {
  std::vector<IndexLevel> levels;
  std::string key;
  std::optional<std::string> value;
  bool operator==(const NodeBlock&) const = default;
};

// Views of a block's levels, valid while the block is.
std::vector<IndexLevelView> LevelViews(const NodeBlock& node);

struct HeaderMetadata {
  std::optional<std::string> content_feed;
  std::optional<std::string> user_data;
  bool operator==(const HeaderMetadata&) const = default;
};

struct HeaderBlock {
  std::string protocol = "hyperbee";
  std::optional<HeaderMetadata> metadata;
  bool operator==(const HeaderBlock&) const = default;
};

// Replaces *out with the encoded block.
void EncodeNodeBlock(const NodeBlock& node, std::string* out);
// Appends the encoded block to *out.
void AppendNodeBlock(const NodeBlock& node, std::string* out);
void AppendNodeBlock(std::span<const IndexLevelView> levels,
                     std::string_view key,
                     std::optional<std::string_view> value, std::string* out);
std::string EncodeNodeBlock(const NodeBlock& node);
// Corruption (with what is wrong) when the bytes are not a valid Node whose
// index is a valid YoloIndex with whole (seq, offset) pairs, or when they
// pass a limit of encoding/limits.h (naming it).
Result<NodeBlock> DecodeNodeBlock(std::string_view block);

// Decoding without allocating, for readers that lay a block out in memory of
// their own (the tree's block cache). ScanNodeBlock checks a node block in
// one pass and returns views of its fields and the counts a caller needs to
// size one buffer for it; a NodeLevelReader then decodes its levels one at a
// time. Neither allocates or copies the key and value.
//
// They accept exactly the bytes DecodeNodeBlock accepts and decode to the
// same values: the schema of hyperbee.proto read by the rules of
// libprotobuf 3.21 (what DecodeNodeBlock uses), then the checks of
// DecodeNodeBlock. So, in Node, YoloIndex and Level alike: fields come in
// any order; a repeated `index`, `key` or `value` keeps its last
// occurrence, and `value` is present if it occurs at all; repeated `levels`
// append; `keys` and `children` accept packed (wire type 2) and unpacked
// (wire type 0) occurrences and concatenate them in order; a field of
// another number, or a known number with another wire type, is skipped
// (wire types 0, 1, 2, 5, and 3 as a group up to its matching end-group
// tag, nested at most libprotobuf's recursion limit of 100 deep counting
// the Level); field number 0, wire types 6 and 7 and an end-group tag
// outside its group are rejected. A tag takes at most 5 bytes (its value
// kept modulo 2^32, as libprotobuf does), a length at most 5 (under 2^31),
// a varint at most 10 (modulo 2^64); every field lies within its message
// and every varint of a packed run within the run. `index` and `key` are
// required. Then the limits of encoding/limits.h and whole (seq, offset)
// child pairs. A test and a fuzzer (tests/fuzz/node_scan_fuzzer.cc) hold
// the two decoders to this.
struct NodeBlockView {
  std::string_view index;  // the encoded YoloIndex (the last `index` field)
  std::string_view key;
  std::optional<std::string_view> value;
  size_t levels = 0;    // levels of the index
  size_t keys = 0;      // keys of all levels
  size_t children = 0;  // child entries of all levels (two per child)
};

// Views into `block`, valid while its bytes are. Corruption when
// DecodeNodeBlock would return it (saying what is wrong and at which byte;
// the wording differs).
Result<NodeBlockView> ScanNodeBlock(std::string_view block);

// The levels of a scanned block, in order. Each level is decoded into the
// reader's own arrays (the limits bound a level's size), so a reader holds
// 26 numbers and never allocates.
//
// REQUIRES: `block` came from a successful ScanNodeBlock, and its bytes
// outlive the reader. Not thread-safe: one reader per thread.
class NodeLevelReader {
 public:
  explicit NodeLevelReader(const NodeBlockView& block) : rest_(block.index) {}
  NodeLevelReader(const NodeLevelReader&) = delete;
  NodeLevelReader& operator=(const NodeLevelReader&) = delete;

  // Decodes the next level into *level, whose views stay valid until the
  // next call; false after the last level.
  bool Next(IndexLevelView* level);

 private:
  std::string_view rest_;  // the index fields not read yet
  uint64_t keys_[kMaxKeysPerLevel];
  uint64_t children_[2 * kMaxChildrenPerLevel];
};

std::string EncodeHeaderBlock(const HeaderBlock& header);
// Corruption when the bytes are not a Header or pass kMaxBlockSize. Does not
// check the protocol: see IsHyperbeeHeader.
Result<HeaderBlock> DecodeHeaderBlock(std::string_view block);
bool IsHyperbeeHeader(const HeaderBlock& header);

// §10.5: a block is a deletion iff it has no value and its own seq appears in
// none of its levels' keys.
bool IsDeletion(const NodeBlock& node, uint64_t seq);

}  // namespace bee

#endif  // BEE_ENCODING_BLOCK_CODEC_H_
