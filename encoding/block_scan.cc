// ScanNodeBlock and NodeLevelReader (encoding/block_codec.h): node blocks
// (../shared/spec/FORMAT.md §2.1) decoded without libprotobuf and without
// allocating.
//
// The wire format, as libprotobuf 3.21 reads it (what DecodeNodeBlock uses):
//   message := field*                  (up to the end of its bytes)
//   field   := tag payload
//   tag     := varint of at most 5 bytes, kept modulo 2^32;
//              number = tag >> 3 (0 is invalid), wire type = tag & 7
//   payload := varint                  (wire type 0, at most 10 bytes)
//            | 8 bytes                 (1)
//            | length bytes[length]    (2; length: at most 5 bytes, < 2^31)
//            | field* end-group tag    (3; the end tag is number << 3 | 4)
//            | 4 bytes                 (5)
// Wire types 6 and 7 are invalid; an end-group tag ends a group, anywhere
// else it is an error. A field of the schema read with another wire type
// is an unknown field (the one exception: a repeated scalar read as wire
// type 2 is a packed run, `varint*` filling its bytes exactly).
//
// Scan validates in one pass and counts; the reader walks the validated
// index again, a level at a time. Errors are kept as a static text and a
// position until the end, so a block that decodes costs no allocation.
#include <cassert>
#include <cstring>
#include <string>

#include "encoding/block_codec.h"
#include "encoding/limits.h"

namespace bee {
namespace {

// libprotobuf's default recursion limit (io::CodedInputStream): each nested
// message and group takes one level of it.
constexpr int kRecursionLimit = 100;

// Tags of the schema's fields (number << 3 | wire type).
constexpr uint32_t kTagBytes1 = 0x0a;   // Node.index, YoloIndex.levels,
                                        // Level.keys packed
constexpr uint32_t kTagBytes2 = 0x12;   // Node.key, Level.children packed
constexpr uint32_t kTagBytes3 = 0x1a;   // Node.value
constexpr uint32_t kTagVarint1 = 0x08;  // Level.keys, one
constexpr uint32_t kTagVarint2 = 0x10;  // Level.children, one

constexpr uint32_t kEndGroup = 4;

// What went wrong, and where in the block.
struct ScanError {
  const char* what = nullptr;
  const char* at = nullptr;
};

// A cursor over one message's bytes. Every read checks the bounds; a
// failed read records the error and returns false.
class Wire {
 public:
  Wire(std::string_view bytes, ScanError* error)
      : p_(bytes.data()), end_(bytes.data() + bytes.size()), error_(error) {}

  bool empty() const { return p_ == end_; }
  const char* pos() const { return p_; }

  bool Fail(const char* at, const char* what) {
    if (error_ != nullptr) *error_ = ScanError{what, at};
    return false;
  }

  bool Tag(uint32_t* tag) {
    if (p_ != end_ && static_cast<uint8_t>(*p_) < 0x80) [[likely]] {
      *tag = static_cast<uint8_t>(*p_++);
      return true;
    }
    const char* at = p_;
    uint64_t v = 0;
    for (int i = 0; i < 5; i++) {
      if (p_ == end_) return Fail(at, "a tag runs past the end of its message");
      const auto b = static_cast<uint8_t>(*p_++);
      v |= uint64_t{b & 0x7fu} << (7 * i);
      if (b < 0x80) {
        *tag = static_cast<uint32_t>(v);  // libprotobuf keeps 32 bits
        return true;
      }
    }
    return Fail(at, "a tag longer than 5 bytes");
  }

  bool Varint(uint64_t* out) {
    if (p_ != end_ && static_cast<uint8_t>(*p_) < 0x80) [[likely]] {
      *out = static_cast<uint8_t>(*p_++);
      return true;
    }
    const char* at = p_;
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
      if (p_ == end_) {
        return Fail(at, "a varint runs past the end of its field");
      }
      const auto b = static_cast<uint8_t>(*p_++);
      v |= uint64_t{b & 0x7fu} << (7 * i);  // the 10th byte: bit 0 only
      if (b < 0x80) {
        *out = v;
        return true;
      }
    }
    return Fail(at, "a varint longer than 10 bytes");
  }

  // A length-delimited payload.
  bool Bytes(std::string_view* out) {
    const char* at = p_;
    uint64_t n = 0;
    for (int i = 0;; i++) {
      if (p_ == end_) {
        return Fail(at, "a length runs past the end of its message");
      }
      const auto b = static_cast<uint8_t>(*p_++);
      if (i == 4 && b >= 8) return Fail(at, "a length of 2 GiB or more");
      n |= uint64_t{b & 0x7fu} << (7 * i);
      if (b < 0x80) break;
    }
    if (n > static_cast<uint64_t>(end_ - p_)) {
      return Fail(at,
                  "a length-delimited field runs past the end of its "
                  "message");
    }
    *out = std::string_view(p_, static_cast<size_t>(n));
    p_ += n;
    return true;
  }

  bool Skip(size_t n) {
    if (n > static_cast<size_t>(end_ - p_)) {
      return Fail(p_, "a fixed-size field runs past the end of its message");
    }
    p_ += n;
    return true;
  }

 private:
  const char* p_;
  const char* end_;
  ScanError* error_;  // null: failures are not recorded
};

bool SkipField(Wire* w, const char* at, uint32_t tag, int depth);

// The rest of a group opened by start_tag. depth: the recursion levels
// left to the message holding the group.
bool SkipGroup(Wire* w, const char* at, uint32_t start_tag, int depth) {
  if (--depth < 0) {
    return w->Fail(at, "groups nested past the recursion limit of 100");
  }
  while (!w->empty()) {
    const char* field = w->pos();
    uint32_t tag;
    if (!w->Tag(&tag)) return false;
    if ((tag & 7) == kEndGroup) {
      if (tag == start_tag + 1) return true;
      return w->Fail(field, "a group closed by another field's end tag");
    }
    if (!SkipField(w, field, tag, depth)) return false;
  }
  return w->Fail(at, "a group without its end tag");
}

// Skips an unknown field (its tag read, at `at`) of a message, or of a
// group, whose recursion levels left are `depth`. REQUIRES: not an end tag.
bool SkipField(Wire* w, const char* at, uint32_t tag, int depth) {
  if (tag >> 3 == 0) return w->Fail(at, "field number 0");
  switch (tag & 7) {
    case 0: {
      uint64_t v;
      return w->Varint(&v);
    }
    case 1:
      return w->Skip(8);
    case 2: {
      std::string_view bytes;
      return w->Bytes(&bytes);
    }
    case 3:
      return SkipGroup(w, at, tag, depth);
    case 5:
      return w->Skip(4);
    default:
      return w->Fail(at, "wire type 6 or 7");
  }
}

// An unknown field of a message (not inside a group): an end tag has no
// group to end.
bool SkipUnknown(Wire* w, const char* at, uint32_t tag, int depth) {
  if ((tag & 7) == kEndGroup) {
    return w->Fail(at, "an end-group tag outside a group");
  }
  return SkipField(w, at, tag, depth);
}

// The varints of a packed run: true, with their count, when they fill the
// run exactly and none is longer than 10 bytes.
bool CountPacked(Wire* w, std::string_view run, size_t* count) {
  // A varint ends at each byte under 0x80, and one longer than 10 bytes
  // shows as 10 continuation bytes in a row. (No early exit: measured
  // faster.)
  size_t n = 0, continued = 0;
  bool overlong = false;
  for (char c : run) {
    const bool more = static_cast<uint8_t>(c) >= 0x80;
    n += more ? 0 : 1;
    continued = more ? continued + 1 : 0;
    overlong |= continued >= 10;
  }
  if (overlong) return w->Fail(run.data(), "a varint longer than 10 bytes");
  if (continued != 0) {
    return w->Fail(run.data(), "a packed run ends inside a varint");
  }
  *count = n;
  return true;
}

struct LevelCounts {
  size_t keys = 0;
  size_t children = 0;
};

bool ScanLevel(std::string_view bytes, ScanError* error, LevelCounts* out) {
  Wire w(bytes, error);
  LevelCounts c;
  const int depth = kRecursionLimit - 1;  // a Level nests in the YoloIndex
  while (!w.empty()) {
    const char* at = w.pos();
    uint32_t tag;
    if (!w.Tag(&tag)) return false;
    uint64_t one;
    std::string_view run;
    size_t n = 0;
    switch (tag) {
      case kTagVarint1:
        if (!w.Varint(&one)) return false;
        c.keys++;
        break;
      case kTagBytes1:
        if (!w.Bytes(&run) || !CountPacked(&w, run, &n)) return false;
        c.keys += n;
        break;
      case kTagVarint2:
        if (!w.Varint(&one)) return false;
        c.children++;
        break;
      case kTagBytes2:
        if (!w.Bytes(&run) || !CountPacked(&w, run, &n)) return false;
        c.children += n;
        break;
      default:
        if (!SkipUnknown(&w, at, tag, depth)) return false;
    }
  }
  *out = c;
  return true;
}

Status OverLimit(const std::string& what, uint64_t count, uint64_t limit,
                 const char* name) {
  return Status::Corruption(what + " " + std::to_string(count) +
                            ", over the limit of " + std::to_string(limit) +
                            " (" + name + ")");
}

Status LevelError(size_t level, LevelCounts c) {
  const std::string name = "index level " + std::to_string(level);
  if (c.keys > kMaxKeysPerLevel) {
    return OverLimit(name + " keys:", c.keys, kMaxKeysPerLevel,
                     "kMaxKeysPerLevel");
  }
  if (c.children / 2 > kMaxChildrenPerLevel) {
    return OverLimit(name + " children:", c.children / 2, kMaxChildrenPerLevel,
                     "kMaxChildrenPerLevel");
  }
  return Status::Corruption(name + " has an odd number of child entries");
}

Status WireStatus(std::string_view block, const char* part, ScanError e) {
  return Status::Corruption(std::string("not a hyperbee node block: ") + part +
                            ": " + e.what + " (byte " +
                            std::to_string(e.at - block.data()) + ")");
}

// The Node's fields (last occurrence wins); false on a wire error.
bool ScanFields(std::string_view block, ScanError* error, NodeBlockView* v,
                bool* has_index, bool* has_key) {
  Wire w(block, error);
  while (!w.empty()) {
    const char* at = w.pos();
    uint32_t tag;
    if (!w.Tag(&tag)) return false;
    std::string_view bytes;
    switch (tag) {
      case kTagBytes1:
        if (!w.Bytes(&v->index)) return false;
        *has_index = true;
        break;
      case kTagBytes2:
        if (!w.Bytes(&v->key)) return false;
        *has_key = true;
        break;
      case kTagBytes3:
        if (!w.Bytes(&bytes)) return false;
        v->value = bytes;
        break;
      default:
        if (!SkipUnknown(&w, at, tag, kRecursionLimit)) return false;
    }
  }
  return true;
}

// The index's levels: counted, each within the limits.
Status ScanIndex(std::string_view block, NodeBlockView* v) {
  ScanError error;
  Wire w(v->index, &error);
  while (!w.empty()) {
    const char* at = w.pos();
    uint32_t tag;
    if (!w.Tag(&tag)) return WireStatus(block, "index", error);
    if (tag != kTagBytes1) {
      if (!SkipUnknown(&w, at, tag, kRecursionLimit)) {
        return WireStatus(block, "index", error);
      }
      continue;
    }
    std::string_view level;
    LevelCounts c;
    if (!w.Bytes(&level) || !ScanLevel(level, &error, &c)) {
      return WireStatus(block, "index level", error);
    }
    if (c.keys > kMaxKeysPerLevel || c.children / 2 > kMaxChildrenPerLevel ||
        c.children % 2 != 0) {
      return LevelError(v->levels, c);
    }
    v->levels++;
    v->keys += c.keys;
    v->children += c.children;
  }
  if (v->levels > kMaxLevelsPerBlock) {
    return OverLimit("node block index levels:", v->levels, kMaxLevelsPerBlock,
                     "kMaxLevelsPerBlock");
  }
  return Status::OK();
}

}  // namespace

Result<NodeBlockView> ScanNodeBlock(std::string_view block) {
  if (block.size() > kMaxBlockSize) {
    return OverLimit("node block bytes:", block.size(), kMaxBlockSize,
                     "kMaxBlockSize");
  }
  NodeBlockView v;
  ScanError error;
  bool has_index = false, has_key = false;
  if (!ScanFields(block, &error, &v, &has_index, &has_key)) {
    return WireStatus(block, "node", error);
  }
  if (!has_index || !has_key) {
    return Status::Corruption(std::string("not a hyperbee node block: no ") +
                              (has_index ? "key" : "index") + " field");
  }
  BEE_RETURN_IF_ERROR(ScanIndex(block, &v));
  return v;
}

namespace {

// Appends the varints of a validated packed run to out[*n, cap): a scanned
// run holds whole varints of at most 10 bytes, and a scanned level fits its
// arrays, so no byte is checked against the end.
void ReadPacked(std::string_view run, uint64_t* out, size_t cap, size_t* n) {
  const auto* p = reinterpret_cast<const uint8_t*>(run.data());
  const uint8_t* end = p + run.size();
  while (p < end) {
    uint64_t v = *p++;
    if (v >= 0x80) {
      v &= 0x7f;
      for (int shift = 7;; shift += 7) {
        const uint64_t b = *p++;
        v |= (b & 0x7f) << shift;  // shift 63: the 10th byte's bit 0 only
        if (b < 0x80) break;
      }
    }
    assert(*n < cap);
    if (*n < cap) out[(*n)++] = v;
  }
}

}  // namespace

bool NodeLevelReader::Next(IndexLevelView* level) {
  Wire index(rest_, nullptr);
  std::string_view bytes;
  for (;;) {
    if (index.empty()) return false;
    const char* at = index.pos();
    uint32_t tag;
    if (!index.Tag(&tag)) return false;
    if (tag == kTagBytes1) {
      if (!index.Bytes(&bytes)) return false;
      break;
    }
    if (!SkipUnknown(&index, at, tag, kRecursionLimit)) return false;
  }
  rest_.remove_prefix(static_cast<size_t>(index.pos() - rest_.data()));
  size_t k = 0, c = 0;
  Wire w(bytes, nullptr);
  while (!w.empty()) {
    const char* at = w.pos();
    uint32_t tag;
    if (!w.Tag(&tag)) break;
    std::string_view run;
    switch (tag) {
      case kTagVarint1:
      case kTagBytes1:
      case kTagVarint2:
      case kTagBytes2:
        break;
      default:
        if (!SkipUnknown(&w, at, tag, kRecursionLimit - 1)) return false;
        continue;
    }
    const bool keys = tag == kTagVarint1 || tag == kTagBytes1;
    uint64_t* out = keys ? keys_ : children_;
    const size_t cap = keys ? std::size(keys_) : std::size(children_);
    size_t* n = keys ? &k : &c;
    if ((tag & 7) == 2) {
      if (!w.Bytes(&run)) return false;
      ReadPacked(run, out, cap, n);
    } else {
      uint64_t v;
      if (!w.Varint(&v)) return false;
      assert(*n < cap);
      if (*n < cap) out[(*n)++] = v;
    }
  }
  *level = IndexLevelView{std::span<const uint64_t>(keys_, k),
                          std::span<const uint64_t>(children_, c)};
  return true;
}

}  // namespace bee
