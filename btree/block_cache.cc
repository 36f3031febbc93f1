#include "btree/internal/block_cache.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include "encoding/varint.h"

namespace bee::btree::internal {

BlockCache::BlockCache(const log::Core* core) : core_(core) {}

namespace {

const char* BytesOf(const uint64_t* w) {
  return reinterpret_cast<const char*>(w + w[w[0] + 3]);
}

// The decoded form of a flat block whose value is inline.
NodeBlock Unflatten(const uint64_t* w) {
  NodeBlock block;
  const size_t n = w[0];
  block.levels.resize(n);
  for (size_t i = 0; i < n; i++) {
    const uint64_t* level = w + w[1 + i];
    const uint64_t* keys = level + 2;
    block.levels[i].keys.assign(keys, keys + level[0]);
    block.levels[i].children.assign(keys + level[0],
                                    keys + level[0] + level[1]);
  }
  const char* bytes = BytesOf(w);
  block.key.assign(bytes, w[n + 1]);
  if (w[n + 2] != 0) block.value.emplace(bytes + w[n + 1], w[n + 2] - 1);
  return block;
}

}  // namespace

FlatBlock MakeFlatBlock(std::span<const IndexLevelView> levels,
                        std::string_view key,
                        std::optional<std::string_view> value) {
  const size_t n = levels.size();
  size_t words = 4 + n;
  for (const IndexLevelView& level : levels) {
    words += 2 + level.keys.size() + level.children.size();
  }
  const size_t bytes_at = words;
  const size_t bytes = key.size() + (value ? value->size() : 0);
  FlatBlock flat =
      std::make_unique_for_overwrite<uint64_t[]>(words + (bytes + 7) / 8);
  uint64_t* w = flat.get();
  w[0] = n;
  w[n + 1] = key.size();
  w[n + 2] = value ? value->size() + 1 : 0;
  w[n + 3] = bytes_at;
  size_t at = 4 + n;
  for (size_t i = 0; i < n; i++) {
    const IndexLevelView& level = levels[i];
    w[1 + i] = at;
    w[at++] = level.keys.size();
    w[at++] = level.children.size();
    std::copy(level.keys.begin(), level.keys.end(), w + at);
    at += level.keys.size();
    std::copy(level.children.begin(), level.children.end(), w + at);
    at += level.children.size();
  }
  char* out = reinterpret_cast<char*>(w + bytes_at);
  if (!key.empty()) std::memcpy(out, key.data(), key.size());
  if (value && !value->empty()) {
    std::memcpy(out + key.size(), value->data(), value->size());
  }
  return flat;
}

Result<BlockPtr> BlockCache::Get(uint64_t seq) const {
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    if (seq < blocks_.size() && blocks_[seq] != nullptr) return blocks_[seq];
    if (seq < flat_.size() && flat_[seq] != nullptr) {
      // Appended by this process: decode it from its flat form.
      l.unlock();
      std::unique_lock<std::shared_mutex> x(mu_);
      if (seq < flat_.size() && flat_[seq] != nullptr) {
        if (blocks_.size() <= seq) blocks_.resize(seq + 1);
        if (blocks_[seq] == nullptr) {
          blocks_[seq] =
              std::make_shared<const NodeBlock>(Unflatten(flat_[seq].get()));
          peek_.Slot(seq).block.store(blocks_[seq].get(),
                                      std::memory_order_release);
        }
        return blocks_[seq];
      }
    }
  }
  if (seq == 0) {
    return Status::Corruption("block 0 is the header, not a tree node");
  }
  std::string raw;
  BEE_RETURN_IF_ERROR(core_->Get(seq, &raw));
  auto decoded = DecodeNodeBlock(raw);
  if (!decoded.ok()) {
    return decoded.status().WithContext("block " + std::to_string(seq));
  }
  auto block = std::make_shared<const NodeBlock>(std::move(decoded).value());
  for (const IndexLevel& level : block->levels) {
    if (level.children.size() % 2 != 0) {
      return Status::Corruption("block " + std::to_string(seq) +
                                ": odd number of child references");
    }
  }
  // Its flat form, for the writer: the value stays in the decoded block.
  FlatBlock flat = MakeFlatBlock(LevelViews(*block), block->key, std::nullopt);
  flat[flat[0] + 2] = kValueElsewhere;
  std::unique_lock<std::shared_mutex> l(mu_);
  if (blocks_.size() <= seq) blocks_.resize(seq + 1);
  if (blocks_[seq] == nullptr && (seq >= flat_.size() || !flat_[seq])) {
    blocks_[seq] = block;
    Publish(seq, std::move(flat), blocks_[seq].get());
  }
  if (blocks_[seq] == nullptr) {  // appended meanwhile: decode that one
    blocks_[seq] = block;
    peek_.Slot(seq).block.store(blocks_[seq].get(), std::memory_order_release);
  }
  return blocks_[seq];
}

void BlockCache::Publish(uint64_t seq, FlatBlock flat,
                         const NodeBlock* block) const {
  const uint64_t* w = flat.get();
  const size_t size = w[w[0] + 1];
  KeySlot& slot = keys_.Slot(seq);
  slot.size = static_cast<uint32_t>(size);
  if (size <= sizeof(slot.inline_bytes)) {
    std::memcpy(slot.inline_bytes, BytesOf(w), size);
    slot.data = slot.inline_bytes;
  } else {
    slot.data = BytesOf(w);  // the flat block never moves
  }
  slot.present.store(true, std::memory_order_release);
  if (flat_.size() <= seq) flat_.resize(seq + 1);
  flat_[seq] = std::move(flat);
  PeekSlot& peek = peek_.Slot(seq);
  peek.flat.store(w, std::memory_order_release);
  if (block != nullptr) peek.block.store(block, std::memory_order_release);
  published_limit_ = std::max(published_limit_, seq + 1);
}

Result<std::string_view> BlockCache::KeyOf(uint64_t seq) const {
  const KeySlot* slot = keys_.Find(seq);
  if (slot != nullptr && slot->present.load(std::memory_order_acquire)) {
    return std::string_view(slot->data, slot->size);
  }
  // Get caches the block (and publishes its key); the view stays valid.
  BEE_ASSIGN_OR_RETURN(BlockPtr block, Get(seq));
  return std::string_view(block->key);
}

Status ChildRefError(NodeRef parent, size_t child, NodeRef ref) {
  return Status::Corruption("block " + std::to_string(parent.seq) + " level " +
                            std::to_string(parent.offset) + " child " +
                            std::to_string(child) + " points to block " +
                            std::to_string(ref.seq) + " level " +
                            std::to_string(ref.offset) +
                            (ref.seq == parent.seq ? " (itself)"
                             : ref.seq == 0        ? " (the header)"
                                                   : " (a later block)"));
}

Result<BlockPtr> BlockCache::GetNode(NodeRef ref) const {
  BEE_ASSIGN_OR_RETURN(BlockPtr block, Get(ref.seq));
  if (ref.offset >= block->levels.size()) {
    return Status::Corruption("block " + std::to_string(ref.seq) +
                              " has no index level " +
                              std::to_string(ref.offset));
  }
  return block;
}

uint32_t PackedNode::U32(size_t at) const {
  return DecodeFixed32(buf_.data() + at);
}
uint64_t PackedNode::U64(size_t at) const {
  return DecodeFixed64(buf_.data() + at);
}

Result<std::string> BlockCache::Pack(LevelView level) const {
  const size_t k = level.keys.size(), c = level.children.size() / 2;
  std::string buf;
  PutFixed32(&buf, static_cast<uint32_t>(k));
  PutFixed32(&buf, static_cast<uint32_t>(c));
  for (uint64_t seq : level.keys) PutFixed64(&buf, seq);
  for (uint64_t v : level.children) PutFixed64(&buf, v);
  std::string keys;
  for (uint64_t seq : level.keys) {
    BEE_ASSIGN_OR_RETURN(std::string_view key, KeyOf(seq));
    keys += key;
    if (keys.size() > UINT32_MAX)
      return Status::Corruption("node keys too large");
    PutFixed32(&buf, static_cast<uint32_t>(keys.size()));
  }
  buf += keys;
  return buf;
}

Result<PackedNode> BlockCache::Packed(NodeRef ref) const {
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    // The offset is checked against the level count as PeekLevel does: a
    // signed block may name a level its block does not have.
    if (ref.seq < packed_.size() && packed_[ref.seq] != nullptr &&
        ref.offset < packed_[ref.seq]->size() &&
        !(*packed_[ref.seq])[ref.offset].empty()) {
      return PackedNode((*packed_[ref.seq])[ref.offset]);
    }
  }
  BEE_ASSIGN_OR_RETURN(LevelView level, PeekLevel(ref));
  // PeekLevel published the flat block: its first word is the level count.
  const size_t n = peek_.Find(ref.seq)->flat.load(std::memory_order_acquire)[0];
  BEE_ASSIGN_OR_RETURN(std::string packed, Pack(level));
  std::unique_lock<std::shared_mutex> l(mu_);
  if (packed_.size() <= ref.seq) packed_.resize(ref.seq + 1);
  auto& levels = packed_[ref.seq];
  if (levels == nullptr) {
    levels = std::make_unique<std::vector<std::string>>(n);
  }
  // A packed node is never empty (its header alone is 8 bytes), and once
  // set it never changes, so views handed out stay valid.
  std::string& slot = (*levels)[ref.offset];
  if (slot.empty()) slot = std::move(packed);
  return PackedNode(slot);
}

Result<const NodeBlock*> BlockCache::Peek(uint64_t seq) const {
  const PeekSlot* slot = peek_.Find(seq);
  if (slot != nullptr) {
    const NodeBlock* block = slot->block.load(std::memory_order_acquire);
    if (block != nullptr) return block;
  }
  BEE_ASSIGN_OR_RETURN(BlockPtr block, Get(seq));
  return block.get();
}

Result<LevelView> BlockCache::PeekLevel(NodeRef ref) const {
  const PeekSlot* slot = peek_.Find(ref.seq);
  const uint64_t* w =
      slot != nullptr ? slot->flat.load(std::memory_order_acquire) : nullptr;
  if (w == nullptr) {
    BEE_RETURN_IF_ERROR(Get(ref.seq).status());  // caches and publishes it
    w = peek_.Find(ref.seq)->flat.load(std::memory_order_acquire);
  }
  if (ref.offset >= w[0]) {
    return Status::Corruption("block " + std::to_string(ref.seq) +
                              " has no index level " +
                              std::to_string(ref.offset));
  }
  const uint64_t* level = w + w[1 + ref.offset];
  const uint64_t* keys = level + 2;
  return LevelView{std::span<const uint64_t>(keys, level[0]),
                   std::span<const uint64_t>(keys + level[0], level[1])};
}

void BlockCache::Insert(uint64_t first, std::vector<FlatBlock> blocks) {
  std::unique_lock<std::shared_mutex> l(mu_);
  for (size_t i = 0; i < blocks.size(); i++) {
    const uint64_t seq = first + i;
    if (seq < flat_.size() && flat_[seq] != nullptr) continue;
    if (seq < blocks_.size() && blocks_[seq] != nullptr) continue;
    Publish(seq, std::move(blocks[i]), nullptr);
  }
}

void BlockCache::Invalidate(uint64_t from) {
  std::unique_lock<std::shared_mutex> l(mu_);
  for (uint64_t seq = from; seq < published_limit_; seq++) {
    if (KeySlot* slot = keys_.Find(seq)) {
      slot->present.store(false, std::memory_order_relaxed);
    }
    if (PeekSlot* slot = peek_.Find(seq)) {
      slot->block.store(nullptr, std::memory_order_relaxed);
      slot->flat.store(nullptr, std::memory_order_relaxed);
    }
  }
  published_limit_ = std::min(published_limit_, from);
  if (blocks_.size() > from) blocks_.resize(from);
  if (flat_.size() > from) flat_.resize(from);
  if (packed_.size() > from) packed_.resize(from);
}

}  // namespace bee::btree::internal
