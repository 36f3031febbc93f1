#include "log/internal/verified_runs.h"

#include <algorithm>

namespace bee::log {

void VerifiedRuns::Resize(uint64_t runs) {
  if (runs > capacity_) {
    // Doubling: a growing log copies O(its runs) in all.
    const uint64_t capacity = std::max<uint64_t>(runs, 2 * capacity_);
    auto slots = std::make_unique<std::atomic<uint64_t>[]>(
        static_cast<size_t>(capacity));
    for (uint64_t i = 0; i < size_; i++) {
      slots[i].store(slots_[i].load(std::memory_order_relaxed),
                     std::memory_order_relaxed);
    }
    slots_ = std::move(slots);
    capacity_ = capacity;
  }
  for (uint64_t i = runs; i < size_; i++) {
    slots_[i].store(0, std::memory_order_relaxed);
  }
  size_ = runs;
}

void VerifiedRuns::DropFrom(uint64_t length) {
  Resize(std::min(size_, length / kRunBlocks));
}

}  // namespace bee::log
