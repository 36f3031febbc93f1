#include "btree/internal/block_cache.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include "encoding/varint.h"

namespace bee::btree::internal {

BlockCache::BlockCache(const log::Core* core) : core_(core) {}

Result<BlockPtr> BlockCache::Get(uint64_t seq) const {
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    if (seq < blocks_.size() && blocks_[seq] != nullptr) return blocks_[seq];
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
  std::unique_lock<std::shared_mutex> l(mu_);
  if (blocks_.size() <= seq) blocks_.resize(seq + 1);
  if (blocks_[seq] == nullptr) {
    blocks_[seq] = block;
    Publish(seq);
  }
  return blocks_[seq];
}

void BlockCache::Publish(uint64_t seq) const {
  const NodeBlock& block = *blocks_[seq];
  KeySlot& slot = keys_.Slot(seq);
  slot.size = static_cast<uint32_t>(block.key.size());
  if (block.key.size() <= sizeof(slot.inline_bytes)) {
    std::memcpy(slot.inline_bytes, block.key.data(), block.key.size());
    slot.data = slot.inline_bytes;
  } else {
    slot.data = block.key.data();
  }
  slot.present.store(true, std::memory_order_release);
  if (flat_.size() <= seq) flat_.resize(seq + 1);
  flat_[seq] = Flatten(block);
  PeekSlot& peek = peek_.Slot(seq);
  peek.levels.store(flat_[seq].get(), std::memory_order_release);
  peek.block.store(&block, std::memory_order_release);
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

Result<std::string> BlockCache::Pack(const IndexLevel& level) const {
  const size_t k = level.keys.size(), c = level.children.size() / 2;
  std::string buf;
  PutFixed32(&buf, static_cast<uint32_t>(k));
  PutFixed32(&buf, static_cast<uint32_t>(c));
  for (uint64_t seq : level.keys) PutFixed64(&buf, seq);
  for (uint64_t v : level.children) PutFixed64(&buf, v);
  std::string keys;
  for (uint64_t seq : level.keys) {
    BEE_ASSIGN_OR_RETURN(const NodeBlock* holder, Peek(seq));
    keys += holder->key;
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
    if (ref.seq < packed_.size() && packed_[ref.seq] != nullptr &&
        !(*packed_[ref.seq])[ref.offset].empty()) {
      return PackedNode((*packed_[ref.seq])[ref.offset]);
    }
  }
  BEE_ASSIGN_OR_RETURN(const NodeBlock* block, PeekNode(ref));
  BEE_ASSIGN_OR_RETURN(std::string packed, Pack(block->levels[ref.offset]));
  std::unique_lock<std::shared_mutex> l(mu_);
  if (packed_.size() <= ref.seq) packed_.resize(ref.seq + 1);
  auto& levels = packed_[ref.seq];
  if (levels == nullptr) {
    levels = std::make_unique<std::vector<std::string>>(block->levels.size());
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

Result<const NodeBlock*> BlockCache::PeekNode(NodeRef ref) const {
  BEE_ASSIGN_OR_RETURN(const NodeBlock* block, Peek(ref.seq));
  if (ref.offset >= block->levels.size()) {
    return Status::Corruption("block " + std::to_string(ref.seq) +
                              " has no index level " +
                              std::to_string(ref.offset));
  }
  return block;
}

std::unique_ptr<uint64_t[]> BlockCache::Flatten(const NodeBlock& block) {
  const size_t n = block.levels.size();
  size_t words = 1 + n;
  for (const IndexLevel& level : block.levels) {
    words += 2 + level.keys.size() + level.children.size();
  }
  auto flat = std::make_unique_for_overwrite<uint64_t[]>(words);
  uint64_t* w = flat.get();
  w[0] = n;
  size_t at = 1 + n;
  for (size_t i = 0; i < n; i++) {
    const IndexLevel& level = block.levels[i];
    w[1 + i] = at;
    w[at++] = level.keys.size();
    w[at++] = level.children.size();
    std::copy(level.keys.begin(), level.keys.end(), w + at);
    at += level.keys.size();
    std::copy(level.children.begin(), level.children.end(), w + at);
    at += level.children.size();
  }
  return flat;
}

Result<LevelView> BlockCache::PeekLevel(NodeRef ref) const {
  const PeekSlot* slot = peek_.Find(ref.seq);
  const uint64_t* w =
      slot != nullptr ? slot->levels.load(std::memory_order_acquire) : nullptr;
  if (w == nullptr) {
    BEE_RETURN_IF_ERROR(Get(ref.seq).status());  // caches and publishes it
    w = peek_.Find(ref.seq)->levels.load(std::memory_order_acquire);
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

void BlockCache::Insert(uint64_t first, std::vector<NodeBlock> blocks) {
  std::vector<BlockPtr> shared;
  shared.reserve(blocks.size());
  for (NodeBlock& b : blocks) {
    shared.push_back(std::make_shared<const NodeBlock>(std::move(b)));
  }
  std::unique_lock<std::shared_mutex> l(mu_);
  if (blocks_.size() < first + shared.size()) {
    blocks_.resize(first + shared.size());
  }
  for (size_t i = 0; i < shared.size(); i++) {
    if (blocks_[first + i] != nullptr) continue;
    blocks_[first + i] = std::move(shared[i]);
    Publish(first + i);
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
      slot->levels.store(nullptr, std::memory_order_relaxed);
    }
  }
  published_limit_ = std::min(published_limit_, from);
  if (blocks_.size() > from) blocks_.resize(from);
  if (flat_.size() > from) flat_.resize(from);
  if (packed_.size() > from) packed_.resize(from);
}

}  // namespace bee::btree::internal
