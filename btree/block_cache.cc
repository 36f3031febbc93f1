#include "btree/internal/block_cache.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <mutex>
#include <string>

#include "encoding/varint.h"

namespace bee::btree::internal {

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

FlatBlock MakeFlatBlock(const NodeBlockView& block) {
  const size_t n = block.levels;
  const size_t bytes_at = 4 + 3 * n + block.keys + block.children;
  const size_t key = block.key.size();
  const size_t value = block.value ? block.value->size() : 0;
  FlatBlock flat = std::make_unique_for_overwrite<uint64_t[]>(
      bytes_at + (key + value + 7) / 8);
  uint64_t* w = flat.get();
  w[0] = n;
  w[n + 1] = key;
  w[n + 2] = block.value ? value + 1 : 0;
  w[n + 3] = bytes_at;
  NodeLevelReader reader(block);
  IndexLevelView level;
  size_t at = 4 + n;
  for (size_t i = 0; i < n; i++) {
    // A scanned block has its n levels, and they fill bytes_at words.
    const bool read = reader.Next(&level);
    assert(read);
    (void)read;
    w[1 + i] = at;
    w[at++] = level.keys.size();
    w[at++] = level.children.size();
    std::copy(level.keys.begin(), level.keys.end(), w + at);
    at += level.keys.size();
    std::copy(level.children.begin(), level.children.end(), w + at);
    at += level.children.size();
  }
  assert(at == bytes_at);
  char* out = reinterpret_cast<char*>(w + bytes_at);
  if (key > 0) std::memcpy(out, block.key.data(), key);
  if (value > 0) std::memcpy(out + key, block.value->data(), value);
  return flat;
}

CacheEntry::~CacheEntry() {
  std::atomic<const std::string*>* p = packed.load();
  if (p == nullptr) return;
  for (size_t i = 0; i < levels; i++) delete p[i].load();
  delete[] p;
}

std::string_view FlatKey(const uint64_t* w) {
  return std::string_view(BytesOf(w), w[w[0] + 1]);
}

std::optional<std::string_view> FlatValue(const uint64_t* w) {
  const size_t n = w[0];
  if (w[n + 2] == 0) return std::nullopt;
  return std::string_view(BytesOf(w) + w[n + 1], w[n + 2] - 1);
}

LevelView FlatLevel(const uint64_t* w, uint64_t offset) {
  const uint64_t* level = w + w[1 + offset];
  const uint64_t* keys = level + 2;
  return LevelView{std::span<const uint64_t>(keys, level[0]),
                   std::span<const uint64_t>(keys + level[0], level[1])};
}

LevelView BlockRef::level(size_t i) const {
  return FlatLevel(e_->flat.get(), i);
}
std::string_view BlockRef::key() const { return FlatKey(e_->flat.get()); }
std::optional<std::string_view> BlockRef::value() const {
  return FlatValue(e_->flat.get());
}

namespace {

// Words of a flat block, up to the end of its key and inline value.
size_t FlatWords(const uint64_t* w) {
  const size_t n = w[0];
  const size_t value = w[n + 2] == 0 ? 0 : w[n + 2] - 1;
  return w[n + 3] + (w[n + 1] + value + 7) / 8;
}

// What a decoded block costs the heap, roughly: its objects, its vectors
// and strings, and the allocator's overhead per allocation.
size_t DecodedBytes(const NodeBlock& b) {
  constexpr size_t kPerAllocation = 16;
  size_t bytes = 64 + sizeof(NodeBlock) + kPerAllocation;  // control block
  bytes += b.levels.capacity() * sizeof(IndexLevel) + kPerAllocation;
  for (const IndexLevel& level : b.levels) {
    bytes += (level.keys.capacity() + level.children.capacity()) * 8 +
             2 * kPerAllocation;
  }
  bytes += b.key.capacity() + kPerAllocation;
  if (b.value) bytes += b.value->capacity() + kPerAllocation;
  return bytes;
}

constexpr size_t kStringBytes = sizeof(std::string) + 16;

}  // namespace

BlockCache::BlockCache(const log::Core* core, size_t budget)
    : core_(core), budget_(budget) {}

BlockCache::~BlockCache() {
  // No reader remains: free everything, cached and retired.
  if (hand_ != nullptr) {
    Entry* e = hand_;
    do {
      Entry* next = e->next;
      e->Unref();
      e = next;
    } while (e != hand_);
  }
  for (const Retired& r : retired_) {
    if (r.entry != nullptr) r.entry->Unref();
    delete static_cast<Slots::Chunk*>(r.chunk);
  }
}

size_t BlockCache::usage() const {
  return usage_.load(std::memory_order_relaxed);
}

size_t BlockCache::cached_blocks() const {
  std::shared_lock<std::shared_mutex> l(mu_);
  return entries_;
}

size_t BlockCache::retired_objects() const {
  std::shared_lock<std::shared_mutex> l(mu_);
  return retired_.size();
}

BlockCache::Entry* BlockCache::Publish(uint64_t seq, FlatBlock flat,
                                       BlockPtr decoded) const {
  const size_t directory = slots_.directory_bytes();
  bool allocated = false;
  Slot& slot = slots_.Slot(seq, &allocated);
  size_t charge = slots_.directory_bytes() - directory;
  if (allocated) charge += sizeof(Slots::Chunk);
  usage_.fetch_add(charge, std::memory_order_relaxed);

  auto* e = new Entry();
  e->seq = seq;
  const uint64_t* w = flat.get();
  e->levels = w[0];
  e->charge = sizeof(Entry) + 16 + FlatWords(w) * 8;
  if (decoded != nullptr) {
    e->charge += DecodedBytes(*decoded);
    e->decoded = std::move(decoded);
    e->decoded_raw.store(e->decoded.get(), std::memory_order_relaxed);
  }
  e->flat = std::move(flat);

  const size_t size = w[w[0] + 1];
  const char* bytes = BytesOf(w);
  const char* data = bytes;  // the flat block never moves
  if (size <= sizeof(slot.inline_bytes)) {
    // A slot is only ever republished with the same key (its seq's block
    // is immutable) unless the log was truncated, when no reader may use
    // the old one: write the bytes only when they differ, so a reader of
    // the evicted entry never races with this write.
    if (slot.size.load(std::memory_order_relaxed) != size ||
        std::memcmp(slot.inline_bytes, bytes, size) != 0) {
      std::memcpy(slot.inline_bytes, bytes, size);
    }
    data = slot.inline_bytes;
  }
  // Each with release: a reader may load a pointer of this publication
  // after reading `present` of an earlier one (the block was cached before,
  // evicted, and cached again), so each must carry its own happens-before.
  slot.size.store(static_cast<uint32_t>(size), std::memory_order_release);
  slot.data.store(data, std::memory_order_release);
  slot.entry.store(e, std::memory_order_release);
  slot.flat.store(w, std::memory_order_release);
  slot.referenced.store(false, std::memory_order_relaxed);
  slot.present.store(true, std::memory_order_release);
  slots_.Live(seq)++;

  // Just behind the hand: the last the sweep looks at.
  if (hand_ == nullptr) {
    e->prev = e->next = e;
    hand_ = e;
  } else {
    e->next = hand_;
    e->prev = hand_->prev;
    hand_->prev->next = e;
    hand_->prev = e;
  }
  entries_++;
  usage_.fetch_add(e->charge, std::memory_order_relaxed);
  return e;
}

void BlockCache::Evict(Entry* e) const {
  Slot* slot = slots_.Find(e->seq);
  slot->present.store(false, std::memory_order_release);
  slot->entry.store(nullptr, std::memory_order_release);
  slot->flat.store(nullptr, std::memory_order_release);
  if (e->next == e) {
    hand_ = nullptr;
  } else {
    if (hand_ == e) hand_ = e->next;
    e->prev->next = e->next;
    e->next->prev = e->prev;
  }
  e->prev = e->next = nullptr;
  e->live = false;
  entries_--;
  usage_.fetch_sub(e->charge, std::memory_order_relaxed);
  const uint64_t epoch = Epochs::AdvanceForRetire();
  retired_.push_back(Retired{epoch, e, nullptr});
  if (--slots_.Live(e->seq) == 0) {
    retired_.push_back(Retired{epoch, nullptr, slots_.Detach(e->seq)});
    usage_.fetch_sub(sizeof(Slots::Chunk), std::memory_order_relaxed);
  }
}

void BlockCache::Shrink() const {
  // Two turns of the hand clear every second chance, so this ends.
  for (size_t steps = 2 * entries_ + 1;
       steps > 0 && hand_ != nullptr &&
       usage_.load(std::memory_order_relaxed) > budget_;
       steps--) {
    Entry* e = hand_;
    Slot* slot = slots_.Find(e->seq);
    if (slot->referenced.load(std::memory_order_relaxed)) {
      slot->referenced.store(false, std::memory_order_relaxed);
      hand_ = e->next;
      continue;
    }
    hand_ = e->next;
    Evict(e);
  }
  Reclaim();
}

void BlockCache::Reclaim() const {
  if (retired_.empty()) return;
  const uint64_t oldest = Epochs::OldestActive();
  while (!retired_.empty() && retired_.front().epoch < oldest) {
    if (retired_.front().entry != nullptr) retired_.front().entry->Unref();
    delete static_cast<Slots::Chunk*>(retired_.front().chunk);
    retired_.pop_front();
  }
}

Result<FlatBlock> BlockCache::Flatten(uint64_t seq, std::string_view raw) {
  auto block = ScanNodeBlock(raw);
  if (!block.ok()) {
    return block.status().WithContext("block " + std::to_string(seq));
  }
  return MakeFlatBlock(*block);
}

namespace {

// A thread's buffer for the block a cache miss reads: kept between misses
// (so a miss allocates only its flat block) unless a large block grew it.
constexpr size_t kMaxKeptReadBytes = size_t{64} << 10;

class ReadBuffer {
 public:
  ReadBuffer() : s_(in_use_ ? &own_ : &spare_) { in_use_ = true; }
  ~ReadBuffer() {
    if (s_ == &own_) return;
    if (spare_.capacity() > kMaxKeptReadBytes) std::string().swap(spare_);
    in_use_ = false;
  }
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  std::string* get() { return s_; }

 private:
  static thread_local std::string spare_;
  static thread_local bool in_use_;
  std::string own_;
  std::string* s_;
};

thread_local std::string ReadBuffer::spare_;
thread_local bool ReadBuffer::in_use_ = false;

}  // namespace

Result<BlockCache::Entry*> BlockCache::Load(uint64_t seq) const {
  if (seq == 0) {
    return Status::Corruption("block 0 is the header, not a tree node");
  }
  FlatBlock flat;
  {
    ReadBuffer raw;
    BEE_RETURN_IF_ERROR(core_->Get(seq, raw.get()));
    // Only the flat form is kept: the decoded one is built if Get asks.
    BEE_ASSIGN_OR_RETURN(flat, Flatten(seq, *raw.get()));
  }
  std::unique_lock<std::shared_mutex> l(mu_);
  if (const Slot* slot = slots_.Find(seq);
      slot != nullptr && slot->present.load(std::memory_order_relaxed)) {
    return slot->entry.load(std::memory_order_relaxed);  // cached meanwhile
  }
  Entry* e = Publish(seq, std::move(flat), nullptr);
  Shrink();
  return e;
}

void BlockCache::Prefetch(std::span<const uint64_t> seqs) const {
  uint64_t missing[64];
  size_t n = 0;
  for (uint64_t seq : seqs) {
    if (n == std::size(missing)) break;
    if (seq == 0) continue;
    const Slot* slot = slots_.Find(seq);
    if (slot == nullptr || !slot->present.load(std::memory_order_relaxed)) {
      missing[n++] = seq;
    }
  }
  if (n < 2) return;  // one block: its own load costs the same
  std::vector<std::pair<uint64_t, FlatBlock>> flats;
  flats.reserve(n);
  // Errors are left to the blocks' own loads, which name them when used.
  (void)core_->GetMany(std::span<const uint64_t>(missing, n),
                       [&](uint64_t seq, std::string_view raw) {
                         auto flat = Flatten(seq, raw);
                         if (flat.ok())
                           flats.emplace_back(seq, std::move(flat).value());
                         return Status::OK();
                       });
  if (flats.empty()) return;
  std::unique_lock<std::shared_mutex> l(mu_);
  for (auto& [seq, flat] : flats) {
    const Slot* slot = slots_.Find(seq);
    if (slot != nullptr && slot->present.load(std::memory_order_relaxed)) {
      continue;
    }
    Publish(seq, std::move(flat), nullptr);
  }
  Shrink();
}

Result<BlockCache::Entry*> BlockCache::Find(uint64_t seq) const {
  if (const Slot* slot = Hit(seq)) {
    if (Entry* e = slot->entry.load(std::memory_order_acquire)) return e;
  }
  return Load(seq);
}

Result<BlockRef> BlockCache::Pin(uint64_t seq) const {
  EpochGuard guard;
  BEE_ASSIGN_OR_RETURN(Entry * e, Find(seq));
  return BlockRef(e);
}

Result<BlockRef> BlockCache::PinNode(NodeRef ref) const {
  BEE_ASSIGN_OR_RETURN(BlockRef block, Pin(ref.seq));
  if (ref.offset >= block.levels()) {
    return Status::Corruption("block " + std::to_string(ref.seq) +
                              " has no index level " +
                              std::to_string(ref.offset));
  }
  return block;
}

Result<BlockCache::EntryBytes> BlockCache::PeekEntry(uint64_t seq) const {
  assert(Epochs::ThreadDepth() > 0);
  const uint64_t* w = nullptr;
  if (const Slot* slot = Hit(seq)) {
    w = slot->flat.load(std::memory_order_acquire);
  }
  if (w == nullptr) {
    BEE_ASSIGN_OR_RETURN(Entry * e, Load(seq));
    w = e->flat.get();
  }
  return EntryBytes{FlatKey(w), FlatValue(w)};
}

Result<btree::Entry> BlockCache::CopyEntry(uint64_t seq) const {
  if (Hit(seq) == nullptr) {
    std::string bytes;
    std::vector<ReadEntry> read;
    ReadEntries(std::span<const uint64_t>(&seq, 1), true, SIZE_MAX, &bytes,
                &read);
    if (read[0].found) {
      const ReadEntry& r = read[0];
      btree::Entry e{seq, bytes.substr(r.begin, r.key_size), std::nullopt};
      if (r.has_value) e.value = bytes.substr(r.begin + r.key_size);
      return e;
    }
  }
  // Cached, or a read that failed: the cache's load names the error.
  BEE_ASSIGN_OR_RETURN(EntryBytes found, PeekEntry(seq));
  btree::Entry e{seq, std::string(found.key), std::nullopt};
  if (found.value) e.value.emplace(*found.value);
  return e;
}

Result<BlockPtr> BlockCache::Decoded(Entry* e) const {
  if (e->decoded_raw.load(std::memory_order_acquire) != nullptr) {
    return e->decoded;
  }
  // Decode it from its flat form, once.
  auto block = std::make_shared<const NodeBlock>(Unflatten(e->flat.get()));
  std::unique_lock<std::shared_mutex> l(mu_);
  if (e->decoded_raw.load(std::memory_order_relaxed) == nullptr) {
    e->decoded = std::move(block);
    e->decoded_raw.store(e->decoded.get(), std::memory_order_release);
    if (e->live) {
      const size_t bytes = DecodedBytes(*e->decoded);
      e->charge += bytes;
      usage_.fetch_add(bytes, std::memory_order_relaxed);
      Shrink();
    }
  }
  return e->decoded;
}

Result<BlockPtr> BlockCache::Get(uint64_t seq) const {
  EpochGuard guard;
  BEE_ASSIGN_OR_RETURN(Entry * e, Find(seq));
  return Decoded(e);
}

Result<std::string_view> BlockCache::KeyOf(uint64_t seq) const {
  assert(Epochs::ThreadDepth() > 0);
  if (const Slot* slot = Hit(seq)) {
    return std::string_view(slot->data.load(std::memory_order_acquire),
                            slot->size.load(std::memory_order_acquire));
  }
  BEE_ASSIGN_OR_RETURN(Entry * e, Load(seq));
  const uint64_t* w = e->flat.get();
  return std::string_view(BytesOf(w), w[w[0] + 1]);
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

void BlockCache::ReadEntries(std::span<const uint64_t> seqs, bool values,
                             size_t max_bytes, std::string* bytes,
                             std::vector<ReadEntry>* out) const {
  out->assign(seqs.size(), ReadEntry{});
  uint64_t missing[64];
  size_t position[64];
  size_t n = 0;
  for (size_t i = 0; i < seqs.size() && n < std::size(missing); i++) {
    if (seqs[i] == 0 || Hit(seqs[i]) != nullptr) continue;
    position[n] = i;
    missing[n++] = seqs[i];
  }
  if (n == 0) return;
  size_t next = 0;  // GetMany calls fn in the order given
  // Errors are left to the cache's own loads, which name the block.
  (void)core_->GetMany(
      std::span<const uint64_t>(missing, n),
      [&](uint64_t, std::string_view raw) {
        ReadEntry& entry = (*out)[position[next++]];
        auto block = ScanNodeBlock(raw);
        if (!block.ok()) return Status::OK();
        const bool with_value = values && block->value.has_value();
        const size_t size =
            block->key.size() + (with_value ? block->value->size() : 0);
        if (bytes->size() + size > max_bytes) return Status::OK();
        entry.begin = bytes->size();
        entry.key_size = static_cast<uint32_t>(block->key.size());
        bytes->append(block->key);
        if (with_value) {
          entry.has_value = true;
          entry.value_size = static_cast<uint32_t>(block->value->size());
          bytes->append(*block->value);
        }
        entry.found = true;
        return Status::OK();
      });
}

void BlockCache::ReadLevels(std::span<const NodeRef> refs,
                            std::vector<uint64_t>* words,
                            std::vector<ReadLevel>* out) const {
  out->assign(refs.size(), ReadLevel{});
  words->clear();
  uint64_t missing[64];
  size_t n = 0;
  for (const NodeRef& ref : refs) {
    if (n == std::size(missing)) break;
    if (ref.seq == 0 || Hit(ref.seq) != nullptr) continue;
    // A node's children may share a block (its levels): read it once.
    if (std::find(missing, missing + n, ref.seq) != missing + n) continue;
    missing[n++] = ref.seq;
  }
  if (n == 0) return;
  // Errors are left to the cache's own loads, which name the block.
  (void)core_->GetMany(
      std::span<const uint64_t>(missing, n),
      [&](uint64_t seq, std::string_view raw) {
        auto block = ScanNodeBlock(raw);
        if (!block.ok()) return Status::OK();
        for (size_t i = 0; i < refs.size(); i++) {
          if (refs[i].seq != seq || refs[i].offset >= block->levels) continue;
          NodeLevelReader reader(*block);
          IndexLevelView level;
          for (uint64_t l = 0; l <= refs[i].offset; l++) {
            if (!reader.Next(&level)) return Status::OK();  // scanned: no
          }
          ReadLevel& read = (*out)[i];
          read.begin = words->size();
          read.keys = static_cast<uint32_t>(level.keys.size());
          read.children = static_cast<uint32_t>(level.children.size());
          words->insert(words->end(), level.keys.begin(), level.keys.end());
          words->insert(words->end(), level.children.begin(),
                        level.children.end());
          read.found = true;
        }
        return Status::OK();
      });
}

Result<std::string> BlockCache::Pack(LevelView level) const {
  // The keys of blocks not cached are read in one batch, without caching
  // their blocks: packing needs only the keys, and a get then uses the
  // packed node (a scan reads its entries the same way).
  std::string read_bytes;
  std::vector<ReadEntry> read;
  ReadEntries(level.keys, false, SIZE_MAX, &read_bytes, &read);
  const size_t k = level.keys.size(), c = level.children.size() / 2;
  std::string buf;
  PutFixed32(&buf, static_cast<uint32_t>(k));
  PutFixed32(&buf, static_cast<uint32_t>(c));
  for (uint64_t seq : level.keys) PutFixed64(&buf, seq);
  for (uint64_t v : level.children) PutFixed64(&buf, v);
  std::string keys;
  for (size_t i = 0; i < k; i++) {
    std::string_view key;
    if (read[i].found) {
      key =
          std::string_view(read_bytes).substr(read[i].begin, read[i].key_size);
    } else {
      BEE_ASSIGN_OR_RETURN(key, KeyOf(level.keys[i]));
    }
    keys += key;
    if (keys.size() > UINT32_MAX)
      return Status::Corruption("node keys too large");
    PutFixed32(&buf, static_cast<uint32_t>(keys.size()));
  }
  buf += keys;
  return buf;
}

namespace {

Status NoLevel(NodeRef ref) {
  return Status::Corruption("block " + std::to_string(ref.seq) +
                            " has no index level " +
                            std::to_string(ref.offset));
}

}  // namespace

Result<PackedNode> BlockCache::Packed(NodeRef ref) const {
  assert(Epochs::ThreadDepth() > 0);
  BEE_ASSIGN_OR_RETURN(Entry * e, Find(ref.seq));
  // The offset is checked against the level count as PeekLevel does: a
  // signed block may name a level its block does not have.
  if (ref.offset >= e->levels) return NoLevel(ref);
  if (const auto* levels = e->packed.load(std::memory_order_acquire)) {
    if (const std::string* p =
            levels[ref.offset].load(std::memory_order_acquire)) {
      return PackedNode(*p);
    }
  }
  // Packing reads the keys' blocks, which may evict this one: the guard
  // keeps it alive, and a packed level of an evicted block is freed with it.
  BEE_ASSIGN_OR_RETURN(std::string packed,
                       Pack(FlatLevel(e->flat.get(), ref.offset)));
  std::unique_lock<std::shared_mutex> l(mu_);
  std::atomic<const std::string*>* levels =
      e->packed.load(std::memory_order_relaxed);
  size_t bytes = 0;
  if (levels == nullptr) {
    levels = new std::atomic<const std::string*>[e->levels]();
    e->packed.store(levels, std::memory_order_release);
    bytes += 16 + e->levels * 8;
  }
  const std::string* p = levels[ref.offset].load(std::memory_order_relaxed);
  if (p == nullptr) {
    // A packed node is never empty (its header alone is 8 bytes), and once
    // set it never changes while the entry exists.
    p = new std::string(std::move(packed));
    levels[ref.offset].store(p, std::memory_order_release);
    if (e->live) {
      bytes += p->capacity() + kStringBytes;
      e->charge += bytes;
      usage_.fetch_add(bytes, std::memory_order_relaxed);
      Shrink();
    }
  }
  return PackedNode(*p);
}

Result<LevelView> BlockCache::PeekLevel(NodeRef ref) const {
  assert(Epochs::ThreadDepth() > 0);
  const uint64_t* w = nullptr;
  if (const Slot* slot = Hit(ref.seq)) {
    w = slot->flat.load(std::memory_order_acquire);
  }
  if (w == nullptr) {
    BEE_ASSIGN_OR_RETURN(Entry * e, Load(ref.seq));
    w = e->flat.get();
  }
  if (ref.offset >= w[0]) return NoLevel(ref);
  return FlatLevel(w, ref.offset);
}

void BlockCache::Insert(uint64_t first, std::vector<FlatBlock> blocks) {
  std::unique_lock<std::shared_mutex> l(mu_);
  for (size_t i = 0; i < blocks.size(); i++) {
    const uint64_t seq = first + i;
    const Slot* slot = slots_.Find(seq);
    if (slot != nullptr && slot->present.load(std::memory_order_relaxed)) {
      continue;
    }
    Publish(seq, std::move(blocks[i]), nullptr);
  }
  Shrink();
}

void BlockCache::Invalidate(uint64_t from) {
  std::unique_lock<std::shared_mutex> l(mu_);
  std::vector<Entry*> drop;
  if (hand_ != nullptr) {
    Entry* e = hand_;
    do {
      if (e->seq >= from) drop.push_back(e);
      e = e->next;
    } while (e != hand_);
  }
  for (Entry* e : drop) Evict(e);
  Reclaim();
}

}  // namespace bee::btree::internal
