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
  const size_t sets = std::bit_floor(
      std::max((budget - std::min(budget, fixed)) / sizeof(Set), size_t{2}));
  max_entries_ = sets * kWays;
  sets_.resize(std::min(kInitialEntries, max_entries_) / kWays);
  sets_.shrink_to_fit();
  recent_.resize(recent);
  recent_.shrink_to_fit();
  set_bits_ = std::countr_zero(sets_.size());
  recent_bits_ = std::countr_zero(recent);
}

size_t NodeCache::SetOf(uint64_t index) const {
  // Fibonacci hashing: flat-tree indexes of one depth share their low bits,
  // so the high bits of the product pick the set. A table of one set uses
  // set 0 (a shift by 64 would be undefined).
  if (set_bits_ == 0) return 0;
  uint64_t h = (index + 1) * 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(h >> (64 - set_bits_));
}

size_t NodeCache::RecentSlot(uint64_t index) const {
  return static_cast<size_t>(((index + 1) * 0x9E3779B97F4A7C15ull) >>
                             (64 - recent_bits_));
}

bool NodeCache::FindLocked(uint64_t index, PlacedNode* out) const {
  const uint64_t key = index + 1;
  if (const Entry& e = recent_[RecentSlot(index)]; e.key == key) {
    *out = PlacedNode{TreeNode{index, e.size, e.hash}, e.offset};
    return true;
  }
  const Set& set = sets_[SetOf(index)];
  for (size_t w = 0; w < kWays; w++) {
    if (set.keys[w] == key) {
      const Value& v = set.values[w];
      *out = PlacedNode{TreeNode{index, v.size, v.hash}, v.offset};
      return true;
    }
  }
  return false;
}

void NodeCache::FindEach(std::span<const uint64_t> indexes,
                         std::span<PlacedNode> out,
                         std::span<uint8_t> found) const {
  std::lock_guard<std::mutex> l(mu_);
  for (size_t i = 0; i < indexes.size(); i++) {
    found[i] = FindLocked(indexes[i], &out[i]);
  }
}

size_t NodeCache::FindAncestor(uint64_t index, uint64_t root,
                               PlacedNode* out) const {
  std::lock_guard<std::mutex> l(mu_);
  size_t levels = 0;
  for (uint64_t node = index; node != root; node = flat::Parent(node)) {
    if (FindLocked(node, out)) return levels;
    levels++;
  }
  return levels;
}

void NodeCache::Insert(std::span<const PlacedNode> nodes) {
  std::lock_guard<std::mutex> l(mu_);
  for (const PlacedNode& n : nodes) {
    if (4 * used_ >= 3 * kWays * sets_.size() &&
        kWays * sets_.size() < max_entries_) {
      Grow();
    }
    InsertLocked(n);
    recent_[RecentSlot(n.node.index)] =
        Entry{n.node.index + 1, n.node.size, n.offset, n.node.hash};
  }
}

void NodeCache::InsertLocked(const PlacedNode& n) {
  Set& set = sets_[SetOf(n.node.index)];
  const uint64_t key = n.node.index + 1;
  // The way to fill: the node's own, else an empty one, else the
  // shallowest resident's (searched from a position that varies with the
  // index, so equally deep nodes take turns).
  size_t own = kWays, empty = kWays, shallowest = kWays;
  size_t start = static_cast<size_t>(n.node.index >> 1) % kWays;
  for (size_t k = 0; k < kWays; k++) {
    const size_t w = (start + k) % kWays;
    if (set.keys[w] == key) {
      own = w;
      break;
    }
    if (set.keys[w] == 0) {
      if (empty == kWays) empty = w;
    } else if (shallowest == kWays ||
               flat::Depth(set.keys[w] - 1) <
                   flat::Depth(set.keys[shallowest] - 1)) {
      shallowest = w;
    }
  }
  const size_t way = own != kWays ? own : empty != kWays ? empty : shallowest;
  if (way == shallowest &&
      flat::Depth(set.keys[way] - 1) > flat::Depth(n.node.index)) {
    return;  // every resident is deeper
  }
  if (set.keys[way] == 0) used_++;
  set.keys[way] = key;
  set.values[way] = Value{n.node.size, n.offset, n.node.hash};
}

void NodeCache::Grow() {
  std::vector<Set> old = std::move(sets_);
  sets_ = std::vector<Set>(old.size() * 2);
  set_bits_++;
  used_ = 0;
  for (const Set& set : old) {
    for (size_t w = 0; w < kWays; w++) {
      if (set.keys[w] == 0) continue;
      const Value& v = set.values[w];
      InsertLocked(
          PlacedNode{TreeNode{set.keys[w] - 1, v.size, v.hash}, v.offset});
    }
  }
}

void NodeCache::DropFrom(uint64_t length) {
  std::lock_guard<std::mutex> l(mu_);
  auto stale = [&](uint64_t key) {
    return key != 0 && flat::RightSpan(key - 1) >= 2 * length;
  };
  for (Set& set : sets_) {
    for (uint64_t& key : set.keys) {
      if (stale(key)) {
        key = 0;
        used_--;
      }
    }
  }
  for (Entry& e : recent_) {
    if (stale(e.key)) e = Entry{};
  }
}

size_t NodeCache::size() const {
  std::lock_guard<std::mutex> l(mu_);
  return used_;
}

size_t NodeCache::capacity() const {
  std::lock_guard<std::mutex> l(mu_);
  return kWays * sets_.size();
}

size_t NodeCache::memory_usage() const {
  std::lock_guard<std::mutex> l(mu_);
  return sizeof(NodeCache) + sets_.capacity() * sizeof(Set) +
         recent_.capacity() * sizeof(Entry);
}

}  // namespace bee::log
