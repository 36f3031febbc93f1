#include "log/internal/node_cache.h"

#include <algorithm>
#include <bit>

#include "log/flat_tree.h"

namespace bee::log {
namespace {

constexpr size_t kInitialEntries = 1024;

}  // namespace

NodeCache::NodeCache(size_t budget_bytes) {
  const size_t budget = std::max(budget_bytes, kMinBudget);
  // The recent table takes at most a sixteenth of the budget.
  const size_t recent = std::clamp(std::bit_floor(budget / 16 / sizeof(Entry)),
                                   size_t{4}, kRecentEntries);
  const size_t fixed = sizeof(NodeCache) + recent * sizeof(Entry);
  max_entries_ = std::bit_floor(
      std::max((budget - std::min(budget, fixed)) / sizeof(Entry), 2 * kWays));
  size_t entries = std::min(kInitialEntries, max_entries_);
  entries_.resize(entries);
  entries_.shrink_to_fit();
  recent_.resize(recent);
  recent_.shrink_to_fit();
  set_bits_ = std::countr_zero(entries / kWays);
  recent_bits_ = std::countr_zero(recent);
}

size_t NodeCache::SetOf(uint64_t index) const {
  // Fibonacci hashing: flat-tree indexes of one depth share their low bits,
  // so the high bits of the product pick the set. A table of one set uses
  // set 0 (a shift by 64 would be undefined).
  if (set_bits_ == 0) return 0;
  uint64_t h = (index + 1) * 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(h >> (64 - set_bits_)) * kWays;
}

size_t NodeCache::RecentSlot(uint64_t index) const {
  return static_cast<size_t>(((index + 1) * 0x9E3779B97F4A7C15ull) >>
                             (64 - recent_bits_));
}

const NodeCache::Entry* NodeCache::FindLocked(uint64_t index) const {
  const uint64_t key = index + 1;
  if (const Entry& e = recent_[RecentSlot(index)]; e.key == key) return &e;
  const Entry* set = &entries_[SetOf(index)];
  for (size_t w = 0; w < kWays; w++) {
    if (set[w].key == key) return &set[w];
  }
  return nullptr;
}

void NodeCache::FindEach(std::span<const uint64_t> indexes,
                         std::span<PlacedNode> out,
                         std::span<uint8_t> found) const {
  std::lock_guard<std::mutex> l(mu_);
  for (size_t i = 0; i < indexes.size(); i++) {
    const Entry* e = FindLocked(indexes[i]);
    found[i] = e != nullptr;
    if (e != nullptr) {
      out[i].node = TreeNode{indexes[i], e->size, e->hash};
      out[i].offset = e->offset;
    }
  }
}

size_t NodeCache::FindAncestor(uint64_t index, uint64_t root,
                               PlacedNode* out) const {
  std::lock_guard<std::mutex> l(mu_);
  size_t levels = 0;
  for (uint64_t node = index; node != root; node = flat::Parent(node)) {
    if (const Entry* e = FindLocked(node)) {
      out->node = TreeNode{node, e->size, e->hash};
      out->offset = e->offset;
      return levels;
    }
    levels++;
  }
  return levels;
}

void NodeCache::Insert(std::span<const PlacedNode> nodes) {
  std::lock_guard<std::mutex> l(mu_);
  for (const PlacedNode& n : nodes) {
    if (4 * used_ >= 3 * entries_.size() && entries_.size() < max_entries_) {
      Grow();
    }
    InsertLocked(n);
    recent_[RecentSlot(n.node.index)] =
        Entry{n.node.index + 1, n.node.size, n.offset, n.node.hash};
  }
}

void NodeCache::InsertLocked(const PlacedNode& n) {
  Entry* set = &entries_[SetOf(n.node.index)];
  const uint64_t key = n.node.index + 1;
  // The slot to fill: the node's own, else an empty one, else the
  // shallowest resident's (searched from a position that varies with the
  // index, so equally deep nodes take turns).
  Entry* own = nullptr;
  Entry* empty = nullptr;
  Entry* shallowest = nullptr;
  size_t start = static_cast<size_t>(n.node.index >> 1) % kWays;
  for (size_t k = 0; k < kWays; k++) {
    Entry& e = set[(start + k) % kWays];
    if (e.key == key) {
      own = &e;
      break;
    }
    if (e.key == 0) {
      if (empty == nullptr) empty = &e;
    } else if (shallowest == nullptr ||
               flat::Depth(e.key - 1) < flat::Depth(shallowest->key - 1)) {
      shallowest = &e;
    }
  }
  Entry* slot = own != nullptr ? own : empty != nullptr ? empty : shallowest;
  if (slot == shallowest &&
      flat::Depth(slot->key - 1) > flat::Depth(n.node.index)) {
    return;  // every resident is deeper
  }
  if (slot->key == 0) used_++;
  *slot = Entry{key, n.node.size, n.offset, n.node.hash};
}

void NodeCache::Grow() {
  std::vector<Entry> old = std::move(entries_);
  entries_ = std::vector<Entry>(old.size() * 2);
  set_bits_++;
  used_ = 0;
  for (const Entry& e : old) {
    if (e.key != 0) {
      InsertLocked(PlacedNode{TreeNode{e.key - 1, e.size, e.hash}, e.offset});
    }
  }
}

void NodeCache::DropFrom(uint64_t length) {
  std::lock_guard<std::mutex> l(mu_);
  auto stale = [&](const Entry& e) {
    return e.key != 0 && flat::RightSpan(e.key - 1) >= 2 * length;
  };
  for (Entry& e : entries_) {
    if (stale(e)) {
      e = Entry{};
      used_--;
    }
  }
  for (Entry& e : recent_) {
    if (stale(e)) e = Entry{};
  }
}

size_t NodeCache::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return used_;
}

size_t NodeCache::capacity() const {
  std::lock_guard<std::mutex> l(mu_);
  return entries_.size();
}

size_t NodeCache::memory_usage() const {
  std::lock_guard<std::mutex> l(mu_);
  return sizeof(NodeCache) +
         (entries_.capacity() + recent_.capacity()) * sizeof(Entry);
}

}  // namespace bee::log
