// Grammar (FORMAT.md §2.1, proto2; tags are field << 3 | wire type):
//   Node      := 0a len YoloIndex-bytes   (index, required, even if empty)
//                12 len key               (required, even if empty)
//                [1a len value]           (optional; present iff a value)
//   YoloIndex := (0a len Level)*          (every level, even empty: 0a 00)
//   Level     := [0a len varint*]         (keys, packed, omitted if empty)
//                [12 len varint*]         (children, packed, omitted if empty)
//   Header    := 0a len "hyperbee" [12 len Metadata]
//   Metadata  := [0a len contentFeed] [12 len userData]
// libprotobuf with this proto2 schema writes exactly these bytes (§21.1).
#include "encoding/block_codec.h"

#include <cstring>
#include <string>

#include "encoding/limits.h"
#include "encoding/varint.h"
#include "hyperbee.pb.h"

namespace bee {
namespace {

// Reused per thread: parsing into a cleared message keeps its allocations.
pb::Node& ScratchNode() {
  thread_local pb::Node node;
  return node;
}
pb::YoloIndex& ScratchIndex() {
  thread_local pb::YoloIndex index;
  return index;
}

// Parses without libprotobuf's logging (hostile input is normal here) and
// then checks the required fields.
bool ParseExact(google::protobuf::MessageLite* msg, std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) return false;
  return msg->ParsePartialFromArray(bytes.data(),
                                    static_cast<int>(bytes.size())) &&
         msg->IsInitialized();
}

}  // namespace

// Written by hand rather than through libprotobuf: this runs once per put
// on the write path, and building a message per block costs more than the
// rest of the encoding. The layout is the grammar above; a unit test checks
// it against libprotobuf on random blocks.
namespace {

// One pass over the numbers: a length-delimited field is written with room
// for a length of a guessed size, and its payload moved in the rare case
// the length needs another.
constexpr size_t kMaxVarint = 10;

char* WriteVarint(char* p, uint64_t v) {
  // Seqs and offsets are mostly under 2^21: one to three bytes, unrolled.
  if (v < 0x80) {
    *p = static_cast<char>(v);
    return p + 1;
  }
  if (v < 0x4000) {
    p[0] = static_cast<char>(v | 0x80);
    p[1] = static_cast<char>(v >> 7);
    return p + 2;
  }
  if (v < 0x200000) {
    p[0] = static_cast<char>(v | 0x80);
    p[1] = static_cast<char>((v >> 7) | 0x80);
    p[2] = static_cast<char>(v >> 14);
    return p + 3;
  }
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Writes the length of the payload [begin, end) at `at`, where `room`
// bytes were left for it (begin == at + room), moving the payload if the
// length takes another number of bytes. Returns the payload's new end.
char* PutLength(char* at, size_t room, char* begin, char* end) {
  const size_t length = static_cast<size_t>(end - begin);
  const size_t need = VarintLength(length);
  if (need != room) {
    std::memmove(at + need, begin, length);
    end = at + need + length;
  }
  WriteVarint(at, length);
  return end;
}

char* WriteBytes(char* p, char tag, std::string_view bytes) {
  *p++ = tag;
  p = WriteVarint(p, bytes.size());
  if (bytes.empty()) return p;  // data() may be null
  std::memcpy(p, bytes.data(), bytes.size());
  return p + bytes.size();
}

// A packed repeated field (nothing when empty). Room for its length: one
// byte, enough for 127 bytes of numbers.
char* WritePacked(char* p, char tag, std::span<const uint64_t> values) {
  if (values.empty()) return p;
  *p++ = tag;
  char* at = p++;
  for (uint64_t v : values) p = WriteVarint(p, v);
  return PutLength(at, 1, at + 1, p);
}

}  // namespace

void AppendNodeBlock(std::span<const IndexLevelView> levels,
                     std::string_view key,
                     std::optional<std::string_view> value, std::string* out) {
  // Room for the worst case: every number and length at its longest.
  size_t bound = 2 * (1 + kMaxVarint) + key.size() +
                 (value ? 1 + kMaxVarint + value->size() : 0);
  for (const IndexLevelView& level : levels) {
    bound += 3 * (1 + kMaxVarint) +
             kMaxVarint * (level.keys.size() + level.children.size());
  }
  const size_t start = out->size();
  out->resize(start + bound);
  char* p = out->data() + start;
  *p++ = 0x0a;
  char* index_at = p;
  p += 2;  // most indexes take 128 to 16,383 bytes
  for (const IndexLevelView& level : levels) {
    *p++ = 0x0a;
    char* level_at = p++;  // and most levels under 128
    p = WritePacked(p, 0x0a, level.keys);
    p = WritePacked(p, 0x12, level.children);
    p = PutLength(level_at, 1, level_at + 1, p);
  }
  p = PutLength(index_at, 2, index_at + 2, p);
  p = WriteBytes(p, 0x12, key);
  if (value) p = WriteBytes(p, 0x1a, *value);
  out->resize(static_cast<size_t>(p - out->data()));
}

std::vector<IndexLevelView> LevelViews(const NodeBlock& node) {
  std::vector<IndexLevelView> levels;
  levels.reserve(node.levels.size());
  for (const IndexLevel& level : node.levels) {
    levels.push_back(IndexLevelView{level.keys, level.children});
  }
  return levels;
}

void AppendNodeBlock(const NodeBlock& node, std::string* out) {
  std::optional<std::string_view> value;
  if (node.value) value = *node.value;
  AppendNodeBlock(LevelViews(node), node.key, value, out);
}

void EncodeNodeBlock(const NodeBlock& node, std::string* out) {
  out->clear();
  AppendNodeBlock(node, out);
}

std::string EncodeNodeBlock(const NodeBlock& node) {
  std::string out;
  EncodeNodeBlock(node, &out);
  return out;
}

namespace {

Status OverLimit(const std::string& what, uint64_t count, uint64_t limit,
                 const char* name) {
  return Status::Corruption(what + " " + std::to_string(count) +
                            ", over the limit of " + std::to_string(limit) +
                            " (" + name + ")");
}

// The node limits of encoding/limits.h, checked before anything is copied.
Status CheckNodeLimits(const pb::YoloIndex& index) {
  const auto levels = static_cast<uint64_t>(index.levels_size());
  if (levels > kMaxLevelsPerBlock) {
    return OverLimit("node block index levels:", levels, kMaxLevelsPerBlock,
                     "kMaxLevelsPerBlock");
  }
  for (int i = 0; i < index.levels_size(); i++) {
    const pb::YoloIndex::Level& l = index.levels(i);
    const std::string level = "index level " + std::to_string(i);
    const auto keys = static_cast<uint64_t>(l.keys_size());
    if (keys > kMaxKeysPerLevel) {
      return OverLimit(level + " keys:", keys, kMaxKeysPerLevel,
                       "kMaxKeysPerLevel");
    }
    const auto children = static_cast<uint64_t>(l.children_size()) / 2;
    if (children > kMaxChildrenPerLevel) {
      return OverLimit(level + " children:", children, kMaxChildrenPerLevel,
                       "kMaxChildrenPerLevel");
    }
  }
  return Status::OK();
}

}  // namespace

Result<NodeBlock> DecodeNodeBlock(std::string_view block) {
  if (block.size() > kMaxBlockSize) {
    return OverLimit("node block bytes:", block.size(), kMaxBlockSize,
                     "kMaxBlockSize");
  }
  pb::Node& msg = ScratchNode();
  if (!ParseExact(&msg, block)) {
    return Status::Corruption(
        "not a hyperbee node block (bad protobuf or "
        "missing index/key)");
  }
  pb::YoloIndex& index = ScratchIndex();
  if (!ParseExact(&index, msg.index())) {
    return Status::Corruption("node block index is not a valid YoloIndex");
  }
  BEE_RETURN_IF_ERROR(CheckNodeLimits(index));
  NodeBlock node;
  node.levels.resize(static_cast<size_t>(index.levels_size()));
  for (int i = 0; i < index.levels_size(); i++) {
    const pb::YoloIndex::Level& l = index.levels(i);
    if (l.children_size() % 2 != 0) {
      return Status::Corruption("index level " + std::to_string(i) +
                                " has an odd number of child entries");
    }
    IndexLevel& level = node.levels[static_cast<size_t>(i)];
    level.keys.assign(l.keys().begin(), l.keys().end());
    level.children.assign(l.children().begin(), l.children().end());
  }
  node.key = msg.key();
  if (msg.has_value()) node.value = msg.value();
  return node;
}

std::string EncodeHeaderBlock(const HeaderBlock& header) {
  pb::Header msg;
  msg.set_protocol(header.protocol);
  if (header.metadata) {
    pb::Header::Metadata* m = msg.mutable_metadata();
    if (header.metadata->content_feed) {
      m->set_contentfeed(*header.metadata->content_feed);
    }
    if (header.metadata->user_data)
      m->set_userdata(*header.metadata->user_data);
  }
  return msg.SerializeAsString();
}

Result<HeaderBlock> DecodeHeaderBlock(std::string_view block) {
  if (block.size() > kMaxBlockSize) {
    return OverLimit("header block bytes:", block.size(), kMaxBlockSize,
                     "kMaxBlockSize");
  }
  pb::Header msg;
  if (!ParseExact(&msg, block)) {
    return Status::Corruption("not a hyperbee header block");
  }
  HeaderBlock header;
  header.protocol = msg.protocol();
  if (msg.has_metadata()) {
    HeaderMetadata m;
    if (msg.metadata().has_contentfeed())
      m.content_feed = msg.metadata().contentfeed();
    if (msg.metadata().has_userdata()) m.user_data = msg.metadata().userdata();
    header.metadata = std::move(m);
  }
  return header;
}

bool IsHyperbeeHeader(const HeaderBlock& header) {
  return header.protocol == "hyperbee";
}

bool IsDeletion(const NodeBlock& node, uint64_t seq) {
  if (node.value) return false;
  for (const IndexLevel& level : node.levels) {
    for (uint64_t k : level.keys) {
      if (k == seq) return false;
    }
  }
  return true;
}

}  // namespace bee
