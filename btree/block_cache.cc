#include "btree/internal/block_cache.h"

#include <mutex>
#include <string>

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
  if (blocks_[seq] == nullptr) blocks_[seq] = block;
  return blocks_[seq];
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

Result<const NodeBlock*> BlockCache::Peek(uint64_t seq) const {
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    if (seq < blocks_.size() && blocks_[seq] != nullptr) return blocks_[seq].get();
  }
  BEE_ASSIGN_OR_RETURN(BlockPtr block, Get(seq));
  return block.get();
}

Result<const NodeBlock*> BlockCache::PeekNode(NodeRef ref) const {
  BEE_ASSIGN_OR_RETURN(const NodeBlock* block, Peek(ref.seq));
  if (ref.offset >= block->levels.size()) {
    return Status::Corruption("block " + std::to_string(ref.seq) +
                              " has no index level " + std::to_string(ref.offset));
  }
  return block;
}

void BlockCache::Insert(uint64_t seq, BlockPtr block) {
  std::unique_lock<std::shared_mutex> l(mu_);
  if (blocks_.size() <= seq) blocks_.resize(seq + 1);
  if (blocks_[seq] == nullptr) blocks_[seq] = std::move(block);
}

void BlockCache::Invalidate(uint64_t from) {
  std::unique_lock<std::shared_mutex> l(mu_);
  if (blocks_.size() > from) blocks_.resize(from);
}

}  // namespace bee::btree::internal
