// The `hyperbee` extension (../shared/spec/PROTOCOL.md §15.2-15.5).
//
//   payload   := uint len ‖ Extension (len bytes)     compact-encoding buffer
//   Extension := [0a len Cache] [12 len Get] [1a len Iterator]
//   Get       := [08 varint version] [12 len key]
//   Iterator  := [08 version] [12 gte] [1a gt] [22 lte] [2a lt]
//                [30 varint limit] [38 varint reverse] [42 len packed
//                checkpoint]
//   Cache     := 08 varint start ‖ 10 varint end ‖ [1a len packed blocks]
//
// Protobuf varints (LEB128), not compact-encoding, inside the buffer.
#include "remote/hyperbee_extension.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "encoding/block_codec.h"
#include "encoding/varint.h"

namespace bee::remote {
namespace {

// ---------------------------------------------------------------------------
// Protobuf writing

void PutTag(std::string* out, uint32_t field, uint32_t wire) {
  PutVarint64(out, (uint64_t{field} << 3) | wire);
}

void PutUint(std::string* out, uint32_t field, uint64_t v) {
  PutTag(out, field, 0);
  PutVarint64(out, v);
}

void PutBytes(std::string* out, uint32_t field, std::string_view bytes) {
  PutTag(out, field, 2);
  PutVarint64(out, bytes.size());
  out->append(bytes);
}

void PutPacked(std::string* out, uint32_t field,
               std::span<const uint64_t> values) {
  if (values.empty()) return;
  std::string packed;
  for (uint64_t v : values) PutVarint64(&packed, v);
  PutBytes(out, field, packed);
}

std::string EncodeGet(const HyperbeeGet& get) {
  std::string out;
  PutUint(&out, 1, get.version);
  PutBytes(&out, 2, get.key);
  return out;
}

std::string EncodeIterator(const HyperbeeIterator& it) {
  std::string out;
  PutUint(&out, 1, it.version);
  if (it.gte) PutBytes(&out, 2, *it.gte);
  if (it.gt) PutBytes(&out, 3, *it.gt);
  if (it.lte) PutBytes(&out, 4, *it.lte);
  if (it.lt) PutBytes(&out, 5, *it.lt);
  PutUint(&out, 6, it.limit);
  PutUint(&out, 7, it.reverse ? 1 : 0);
  PutPacked(&out, 8, it.checkpoint);
  return out;
}

std::string EncodeCache(const HyperbeeCache& cache) {
  std::string out;
  PutUint(&out, 1, cache.start);
  PutUint(&out, 2, cache.end);
  PutPacked(&out, 3, cache.blocks);
  return out;
}

// ---------------------------------------------------------------------------
// Protobuf reading

Status Malformed(std::string_view what) {
  return Status::Corruption("hyperbee extension: " + std::string(what));
}

// One field of a message: its number, wire type and (for 0) value or (for
// 2) bytes.
struct Field {
  uint64_t number = 0;
  uint32_t wire = 0;
  uint64_t value = 0;
  std::string_view bytes;
};

// Reads the next field of *in; unknown wire types are errors (JS's skip
// throws on them too).
Status NextField(std::string_view* in, Field* f) {
  uint64_t tag = 0;
  if (!GetVarint64(in, &tag)) return Malformed("truncated tag");
  f->number = tag >> 3;
  f->wire = static_cast<uint32_t>(tag & 7);
  switch (f->wire) {
    case 0:
      if (!GetVarint64(in, &f->value)) return Malformed("truncated varint");
      return Status::OK();
    case 1:
    case 5: {
      const size_t n = f->wire == 1 ? 8 : 4;
      if (in->size() < n) return Malformed("truncated fixed field");
      in->remove_prefix(n);
      return Status::OK();
    }
    case 2: {
      uint64_t len = 0;
      if (!GetVarint64(in, &len)) return Malformed("truncated length");
      if (len > in->size()) return Malformed("a field runs past its message");
      f->bytes = in->substr(0, len);
      in->remove_prefix(len);
      return Status::OK();
    }
    default:
      return Malformed("wire type " + std::to_string(f->wire));
  }
}

Status Expect(const Field& f, uint32_t wire, const char* name) {
  if (f.wire == wire) return Status::OK();
  return Malformed(std::string(name) + " has wire type " +
                   std::to_string(f.wire));
}

Status AppendPacked(std::string_view bytes, std::vector<uint64_t>* out,
                    const char* name) {
  while (!bytes.empty()) {
    uint64_t v = 0;
    if (!GetVarint64(&bytes, &v)) {
      return Malformed(std::string(name) + ": truncated varint");
    }
    out->push_back(v);
  }
  return Status::OK();
}

Result<HyperbeeGet> DecodeGet(std::string_view in) {
  HyperbeeGet get;
  while (!in.empty()) {
    Field f;
    BEE_RETURN_IF_ERROR(NextField(&in, &f));
    if (f.number == 1) {
      BEE_RETURN_IF_ERROR(Expect(f, 0, "get.version"));
      get.version = f.value;
    } else if (f.number == 2) {
      BEE_RETURN_IF_ERROR(Expect(f, 2, "get.key"));
      get.key = std::string(f.bytes);
    }
  }
  return get;
}

Result<HyperbeeIterator> DecodeIterator(std::string_view in) {
  HyperbeeIterator it;
  std::optional<std::string>* bounds[] = {&it.gte, &it.gt, &it.lte, &it.lt};
  while (!in.empty()) {
    Field f;
    BEE_RETURN_IF_ERROR(NextField(&in, &f));
    if (f.number == 1 || f.number == 6 || f.number == 7) {
      BEE_RETURN_IF_ERROR(Expect(f, 0, "iterator field"));
      if (f.number == 1) it.version = f.value;
      if (f.number == 6) it.limit = f.value;
      if (f.number == 7) it.reverse = f.value != 0;
    } else if (f.number >= 2 && f.number <= 5) {
      BEE_RETURN_IF_ERROR(Expect(f, 2, "iterator bound"));
      *bounds[f.number - 2] = std::string(f.bytes);
    } else if (f.number == 8) {
      BEE_RETURN_IF_ERROR(Expect(f, 2, "iterator.checkpoint"));
      BEE_RETURN_IF_ERROR(
          AppendPacked(f.bytes, &it.checkpoint, "iterator.checkpoint"));
    }
  }
  return it;
}

Result<HyperbeeCache> DecodeCache(std::string_view in) {
  HyperbeeCache cache;
  bool start = false, end = false;
  while (!in.empty()) {
    Field f;
    BEE_RETURN_IF_ERROR(NextField(&in, &f));
    if (f.number == 1 || f.number == 2) {
      BEE_RETURN_IF_ERROR(Expect(f, 0, "cache.start/end"));
      (f.number == 1 ? cache.start : cache.end) = f.value;
      (f.number == 1 ? start : end) = true;
    } else if (f.number == 3) {
      BEE_RETURN_IF_ERROR(Expect(f, 2, "cache.blocks"));
      BEE_RETURN_IF_ERROR(AppendPacked(f.bytes, &cache.blocks, "cache.blocks"));
    }
  }
  if (!start || !end) return Malformed("cache without start or end");
  return cache;
}

// ---------------------------------------------------------------------------
// The lookups, as hyperbee 2.27.3 runs them (index.js Batch._get,
// iterators/range.js), over the log's blocks.

// One B-tree node: level `offset` of a decoded block.
struct TreeNode {
  uint64_t seq = 0;
  const NodeBlock* block = nullptr;
  const IndexLevel* level = nullptr;
  size_t keys() const { return level->keys.size(); }
  size_t children() const { return level->children.size() / 2; }
};

// Reads and decodes blocks at one version, reporting each read (hyperbee's
// `onseq`: called before the block is fetched) to the walk's recorder. A
// read fails (ending the walk) when the block is past the version, not
// held, not a node block, or the read budget is spent.
class BlockReader {
 public:
  BlockReader(const log::Core& core, uint64_t version,
              std::function<void(uint64_t)> on_read)
      : core_(core), version_(version), on_read_(std::move(on_read)) {}

  std::optional<const NodeBlock*> Read(uint64_t seq) {
    if (reads_++ >= kMaxHintReads || seq == 0 || seq >= version_) {
      return std::nullopt;
    }
    on_read_(seq);
    auto it = blocks_.find(seq);
    if (it != blocks_.end()) return &it->second;
    // Local blocks only: never wait for, or fetch, a missing one.
    if (!core_.Has(seq)) return std::nullopt;
    auto raw = core_.Get(seq);
    if (!raw.ok()) return std::nullopt;
    auto block = DecodeNodeBlock(*raw);
    if (!block.ok()) return std::nullopt;
    return &blocks_.emplace(seq, std::move(block).value()).first->second;
  }

  // Level `offset` of block seq (read).
  std::optional<TreeNode> Node(uint64_t seq, uint64_t offset) {
    auto block = Read(seq);
    if (!block) return std::nullopt;
    return NodeOf(seq, *block, offset);
  }

  static std::optional<TreeNode> NodeOf(uint64_t seq, const NodeBlock* block,
                                        uint64_t offset) {
    if (offset >= block->levels.size()) return std::nullopt;
    const IndexLevel* level = &block->levels[offset];
    if (level->children.size() % 2 != 0) return std::nullopt;
    return TreeNode{seq, block, level};
  }

  // The child `i` of `node`: its own block's other level costs no read
  // (TreeNode.getChildNode).
  std::optional<TreeNode> Child(const TreeNode& node, size_t i) {
    if (i >= node.children()) return std::nullopt;
    const uint64_t seq = node.level->children[2 * i];
    const uint64_t offset = node.level->children[2 * i + 1];
    if (seq == node.seq) return NodeOf(seq, node.block, offset);
    return Node(seq, offset);
  }

  uint64_t version() const { return version_; }

 private:
  const log::Core& core_;
  const uint64_t version_;
  std::function<void(uint64_t)> on_read_;
  std::map<uint64_t, NodeBlock> blocks_;
  size_t reads_ = 0;
};

int Compare(std::string_view a, std::string_view b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// Key `mid` of `node` (TreeNode.getKey): the node's own block costs no
// read, another key's block does (the walk's recorder keeps the first).
std::optional<std::string_view> KeyOf(BlockReader* reader, const TreeNode& node,
                                      size_t mid) {
  const uint64_t seq = node.level->keys[mid];
  if (seq == node.seq) return std::string_view(node.block->key);
  auto block = reader->Read(seq);
  if (!block) return std::nullopt;
  return std::string_view((*block)->key);
}

bool VersionServed(const log::Core& core, uint64_t version) {
  return version != 0 && version <= std::max<uint64_t>(1, core.length());
}

// RangeIterator, reads and all. i is JS's cursor: odd = key i >> 1 next,
// even = child i >> 1 next (forward; reverse walks down).
class RangeWalk {
 public:
  RangeWalk(BlockReader* reader, const HyperbeeIterator& hint)
      : reader_(reader), hint_(hint) {
    g_incl_ = !hint.gt.has_value();
    g_key_ = hint.gt ? hint.gt : hint.gte;
    l_incl_ = !hint.lt.has_value();
    l_key_ = hint.lt ? hint.lt : hint.lte;
    reverse_ = hint.reverse;
    limit_ = hint.limit == 0 ? -1
                             : static_cast<int64_t>(std::min<uint64_t>(
                                   hint.limit, uint64_t{1} << 62));
  }

  // False when the walk cannot start (an unreadable checkpoint level).
  bool Open() {
    if (!hint_.checkpoint.empty()) return OpenCheckpoint();
    if (reader_->version() < 2) return true;
    auto node = reader_->Node(reader_->version() - 1, 0);
    if (!node) return false;
    const bool incl = reverse_ ? l_incl_ : g_incl_;
    const std::optional<std::string>& start = reverse_ ? l_key_ : g_key_;
    if (!start) {
      stack_.push_back({*node, reverse_ ? Shl(node->keys()) : 0});
      return true;
    }
    for (size_t depth = 0; depth <= kMaxTreeDepth; depth++) {
      Frame entry{*node, reverse_ ? Shl(node->keys()) : 0};
      size_t s = 0, e = node->keys();
      int c = 0;
      while (s < e) {
        const size_t mid = (s + e) >> 1;
        auto key = KeyOf(reader_, *node, mid);
        if (!key) return false;
        c = Compare(*start, *key);
        if (c == 0) {
          const auto m = static_cast<int64_t>(mid);
          entry.i = incl ? m * 2 + 1 : m * 2 + (reverse_ ? 0 : 2);
          stack_.push_back(entry);
          return true;
        }
        if (c < 0) {
          e = mid;
        } else {
          s = mid + 1;
        }
      }
      const size_t i = c < 0 ? e : s;
      entry.i = 2 * static_cast<int64_t>(i) + (reverse_ ? -1 : 1);
      if (entry.i >= 0 && entry.i <= Shl(node->keys())) stack_.push_back(entry);
      if (node->children() == 0) return true;
      node = reader_->Child(*node, i);
      if (!node) return false;
    }
    return false;
  }

  // One entry (RangeIterator.next): false at the end, the limit, or a
  // block that cannot be read.
  bool Next() {
    const std::optional<std::string>& end = reverse_ ? g_key_ : l_key_;
    const bool incl = reverse_ ? g_incl_ : l_incl_;
    while (!stack_.empty() && (limit_ == -1 || limit_ > 0)) {
      if (stack_.size() > kMaxTreeDepth + 1) return false;
      Frame& top = stack_.back();
      const bool is_key = (top.i & 1) == 1;
      int64_t n;
      if (reverse_) {
        n = top.i < 0 ? static_cast<int64_t>(top.node.keys()) : top.i-- >> 1;
      } else {
        n = top.i++ >> 1;
      }
      if (!is_key) {
        if (top.node.children() == 0) continue;
        auto child = reader_->Child(top.node, static_cast<size_t>(n));
        if (!child) return false;
        stack_.push_back({*child, reverse_ ? Shl(child->keys()) : 0});
        continue;
      }
      if (n < 0 || static_cast<size_t>(n) >= top.node.keys()) {
        stack_.pop_back();
        continue;
      }
      auto block = reader_->Read(top.node.level->keys[static_cast<size_t>(n)]);
      if (!block) return false;
      if (end) {
        const int c = Compare((*block)->key, *end);
        if (c == 0 ? !incl : (reverse_ ? c < 0 : c > 0)) {
          limit_ = 0;
          return false;
        }
      }
      if (limit_ > 0) limit_--;
      return true;
    }
    return false;
  }

 private:
  struct Frame {
    TreeNode node;
    int64_t i = 0;
  };
  static int64_t Shl(size_t keys) { return static_cast<int64_t>(keys) << 1; }

  bool OpenCheckpoint() {
    const std::vector<uint64_t>& cp = hint_.checkpoint;
    for (size_t j = 0; j + 2 < cp.size(); j += 3) {
      auto node = reader_->Node(cp[j], cp[j + 1]);
      if (!node) return false;
      // A cursor past every key and child ends that level at once.
      const uint64_t cursor =
          std::min<uint64_t>(cp[j + 2], 64 + (cp[j + 2] & 1));
      const auto i = static_cast<int64_t>(cursor);
      stack_.push_back({*node, i});
    }
    return true;
  }

  BlockReader* reader_;
  const HyperbeeIterator& hint_;
  bool g_incl_ = true, l_incl_ = true, reverse_ = false;
  std::optional<std::string> g_key_, l_key_;
  int64_t limit_ = -1;
  std::vector<Frame> stack_;
};

}  // namespace

std::optional<HyperbeeIterator> IteratorHint(uint64_t version,
                                             const btree::RangeOptions& range) {
  if (range.limit == 0) return std::nullopt;
  HyperbeeIterator it;
  it.version = version;
  if (range.gt) {
    it.gt = range.gt;
  } else {
    it.gte = range.gte;
  }
  if (range.lt) {
    it.lt = range.lt;
  } else {
    it.lte = range.lte;
  }
  it.limit = range.limit < 0 ? 0 : static_cast<uint64_t>(range.limit);
  it.reverse = range.reverse;
  return it;
}

std::string EncodeHyperbeeMessage(const HyperbeeMessage& message) {
  std::string out;
  if (message.cache) PutBytes(&out, 1, EncodeCache(*message.cache));
  if (message.get) PutBytes(&out, 2, EncodeGet(*message.get));
  if (message.iterator) PutBytes(&out, 3, EncodeIterator(*message.iterator));
  return out;
}

Result<HyperbeeMessage> DecodeHyperbeeMessage(std::string_view in) {
  HyperbeeMessage m;
  while (!in.empty()) {
    Field f;
    BEE_RETURN_IF_ERROR(NextField(&in, &f));
    if (f.number < 1 || f.number > 3) continue;
    BEE_RETURN_IF_ERROR(Expect(f, 2, "extension field"));
    if (f.number == 1) {
      BEE_ASSIGN_OR_RETURN(m.cache, DecodeCache(f.bytes));
    } else if (f.number == 2) {
      BEE_ASSIGN_OR_RETURN(m.get, DecodeGet(f.bytes));
    } else {
      BEE_ASSIGN_OR_RETURN(m.iterator, DecodeIterator(f.bytes));
    }
  }
  return m;
}

std::string EncodeHyperbeePayload(const HyperbeeMessage& message) {
  const std::string protobuf = EncodeHyperbeeMessage(message);
  std::string out;
  PutCompactUint(&out, protobuf.size());
  out += protobuf;
  return out;
}

Result<HyperbeeMessage> DecodeHyperbeePayload(std::string_view payload) {
  uint64_t len = 0;
  if (!GetCompactUint(&payload, &len)) {
    return Malformed("truncated buffer length");
  }
  if (len > payload.size()) return Malformed("buffer runs past the message");
  return DecodeHyperbeeMessage(payload.substr(0, len));
}

std::vector<HyperbeeCache> CacheMessages(std::span<const uint64_t> seqs) {
  std::vector<HyperbeeCache> out;
  for (size_t at = 0; at < seqs.size(); at += kCacheFlushSeqs) {
    HyperbeeCache cache;
    auto part = seqs.subspan(at, std::min(kCacheFlushSeqs, seqs.size() - at));
    cache.blocks.assign(part.begin(), part.end());
    cache.start = *std::min_element(part.begin(), part.end());
    cache.end = *std::max_element(part.begin(), part.end()) + 1;
    out.push_back(std::move(cache));
  }
  return out;
}

std::vector<uint64_t> GetHintSeqs(const log::Core& core,
                                  const HyperbeeGet& get) {
  std::vector<uint64_t> seqs;
  if (!VersionServed(core, get.version) || get.version < 2) return seqs;
  std::set<uint64_t> seen;  // the get's block cache: each block read once
  BlockReader reader(core, get.version, [&](uint64_t seq) {
    if (seen.insert(seq).second) seqs.push_back(seq);
  });
  auto node = reader.Node(get.version - 1, 0);
  for (size_t depth = 0; node && depth <= kMaxTreeDepth; depth++) {
    if (node->block->key == get.key) break;  // BlockEntry.isTarget
    size_t s = 0, e = node->keys();
    int c = 0;
    while (s < e) {
      const size_t mid = (s + e) >> 1;
      auto key = KeyOf(&reader, *node, mid);
      if (!key) return seqs;
      c = Compare(get.key, *key);
      if (c == 0) {
        (void)reader.Read(node->level->keys[mid]);  // the entry's block
        return seqs;
      }
      if (c < 0) {
        e = mid;
      } else {
        s = mid + 1;
      }
    }
    if (node->children() == 0) break;
    node = reader.Child(*node, c < 0 ? e : s);
  }
  return seqs;
}

std::vector<uint64_t> IteratorHintSeqs(const log::Core& core,
                                       const HyperbeeIterator& iterator) {
  std::vector<uint64_t> seqs;
  const auto& cp = iterator.checkpoint;
  if (!VersionServed(core, iterator.version) || cp.size() % 3 != 0 ||
      cp.size() > 3 * kMaxCheckpointLevels) {
    return seqs;
  }
  for (size_t j = 0; j < cp.size(); j += 3) {
    if (cp[j] == 0 || cp[j] >= iterator.version) return seqs;
  }
  // JS skips the first checkpoint.length reads (not levels), then records
  // each distinct seq.
  size_t skip = cp.size();
  std::set<uint64_t> seen;
  BlockReader reader(core, iterator.version, [&](uint64_t seq) {
    if (skip > 0) {
      skip--;
      return;
    }
    if (seen.insert(seq).second) seqs.push_back(seq);
  });
  RangeWalk walk(&reader, iterator);
  if (!walk.Open()) return seqs;
  while (seqs.size() < kIteratorMaxSeqs && walk.Next()) {
  }
  return seqs;
}

// ---------------------------------------------------------------------------
// The channel's side

HyperbeeExtension::HyperbeeExtension(net::ChannelReplicator* channel,
                                     Options options)
    : channel_(channel),
      options_(std::move(options)),
      counters_(options_.counters
                    ? options_.counters
                    : std::make_shared<HyperbeeExtensionCounters>()) {}

std::shared_ptr<HyperbeeExtension> HyperbeeExtension::Attach(
    net::ChannelReplicator* channel, Options options) {
  auto ext = std::make_shared<HyperbeeExtension>(channel, std::move(options));
  channel->set_extension_handler(
      [ext](const net::Extension& m) { ext->OnExtension(m); });
  return ext;
}

void HyperbeeExtension::Send(const HyperbeeMessage& message) {
  // A hint awaits its `cache` answer (a round trip); an answer does not.
  channel_->SendExtension(std::string(kHyperbeeExtensionName),
                          EncodeHyperbeePayload(message),
                          /*awaits_answer=*/!message.cache.has_value());
}

void HyperbeeExtension::SendGetHint(uint64_t version, std::string_view key) {
  HyperbeeMessage m;
  m.get = HyperbeeGet{version, std::string(key)};
  Send(m);
  counters_->hints_sent++;
  fetch_budget_ = std::min(fetch_budget_ + kIteratorMaxSeqs,
                           uint64_t{4} * kIteratorMaxSeqs);
}

void HyperbeeExtension::SendIteratorHint(const HyperbeeIterator& iterator) {
  HyperbeeMessage m;
  m.iterator = iterator;
  Send(m);
  counters_->hints_sent++;
  fetch_budget_ = std::min(fetch_budget_ + kIteratorMaxSeqs,
                           uint64_t{4} * kIteratorMaxSeqs);
}

void HyperbeeExtension::OnExtension(const net::Extension& extension) {
  if (extension.name != kHyperbeeExtensionName) return;
  if (extension.message.size() > kMaxHintPayload) {
    counters_->malformed++;
    return;
  }
  auto m = DecodeHyperbeePayload(extension.message);
  if (!m.ok()) {
    counters_->malformed++;
    return;
  }
  if (m->cache) OnCache(*m->cache);
  if (!m->get && !m->iterator) return;
  const log::Core* core = channel_->core();
  auto hint = [&](auto&& seqs_of, const auto& request) {
    counters_->hints_received++;
    if (!options_.answer || core == nullptr) {
      counters_->hints_refused++;
      return;
    }
    std::vector<uint64_t> seqs = seqs_of(*core, request);
    if (seqs.empty()) {
      counters_->hints_refused++;
      return;
    }
    Answer(seqs);
  };
  if (m->get) {
    hint([](const log::Core& c,
            const HyperbeeGet& g) { return GetHintSeqs(c, g); },
         *m->get);
  }
  if (m->iterator) {
    hint([](const log::Core& c,
            const HyperbeeIterator& i) { return IteratorHintSeqs(c, i); },
         *m->iterator);
  }
}

void HyperbeeExtension::Answer(const std::vector<uint64_t>& seqs) {
  for (HyperbeeCache& cache : CacheMessages(seqs)) {
    counters_->caches_sent++;
    counters_->seqs_sent += cache.blocks.size();
    HyperbeeMessage m;
    m.cache = std::move(cache);
    Send(m);
  }
  counters_->hints_answered++;
}

void HyperbeeExtension::OnCache(const HyperbeeCache& cache) {
  counters_->caches_received++;
  const log::Core* core = channel_->core();
  if (!options_.fetch || core == nullptr) {
    counters_->seqs_ignored += cache.blocks.size();
    return;
  }
  std::vector<uint64_t> wanted;
  std::set<uint64_t> listed;
  const uint64_t length = core->length();
  for (uint64_t seq : cache.blocks) {
    if (fetch_budget_ == 0 || seq >= length || !listed.insert(seq).second) {
      counters_->seqs_ignored++;
      continue;
    }
    fetch_budget_--;
    if (!core->Has(seq)) wanted.push_back(seq);
  }
  counters_->blocks_requested += channel_->RequestBlocks(wanted);
}

}  // namespace bee::remote
