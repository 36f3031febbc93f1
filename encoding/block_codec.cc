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

#include <string>

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

void EncodeNodeBlock(const NodeBlock& node, std::string* out) {
  pb::YoloIndex& index = ScratchIndex();
  index.Clear();
  for (const IndexLevel& level : node.levels) {
    pb::YoloIndex::Level* l = index.add_levels();
    l->mutable_keys()->Add(level.keys.begin(), level.keys.end());
    l->mutable_children()->Add(level.children.begin(), level.children.end());
  }
  pb::Node& msg = ScratchNode();
  msg.Clear();
  index.SerializeToString(msg.mutable_index());
  msg.set_key(node.key);
  if (node.value) msg.set_value(*node.value);
  out->clear();
  msg.SerializeToString(out);
}

std::string EncodeNodeBlock(const NodeBlock& node) {
  std::string out;
  EncodeNodeBlock(node, &out);
  return out;
}

Result<NodeBlock> DecodeNodeBlock(std::string_view block) {
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
