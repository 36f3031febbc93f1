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
