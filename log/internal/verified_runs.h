// VerifiedRuns: which aligned runs of blocks of a mapped log were verified
// in bulk, and where each run's bytes begin. Private to log/.
//
// A run is the kRunBlocks blocks [r * kRunBlocks, (r + 1) * kRunBlocks)
// below one merkle node of depth kRunBits, its root (flat index
// Index(kRunBits, r)); its 2 * kRunBlocks - 1 tree records are contiguous
// in `tree`. Core::Impl::VerifyRun marks a run once every record of it is
// proven (each leaf the hash of its block's bytes, each parent the hash of
// its stored children, the root a verified node of the signed tree):
// docs/FORMAT.md §1.4 says what a read may then skip, and why only the
// directory lock holder, reading through its mappings, uses this.
//
// Memory: 8 bytes a run (0.125 byte a block: 1.25 MiB for ten million
// blocks), reported in Core::memory_usage().
//
// Thread safety: Find and Mark may run concurrently with each other (the
// owner's state lock held shared); Resize and DropFrom may not (held
// exclusively, or before the log is shared).
#ifndef BEE_LOG_INTERNAL_VERIFIED_RUNS_H_
#define BEE_LOG_INTERNAL_VERIFIED_RUNS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace bee::log {

class VerifiedRuns {
 public:
  static constexpr uint64_t kRunBits = 6;
  static constexpr uint64_t kRunBlocks = uint64_t{1} << kRunBits;
  // Nodes (tree records) of one run.
  static constexpr uint64_t kRunNodes = 2 * kRunBlocks - 1;

  VerifiedRuns() = default;
  VerifiedRuns(const VerifiedRuns&) = delete;
  VerifiedRuns& operator=(const VerifiedRuns&) = delete;

  // Runs [0, runs) may be marked: the complete runs of the signed length.
  // Marks below both the old and the new size are kept.
  void Resize(uint64_t runs);
  // Forgets every run holding a block at or past `length` (a truncation).
  void DropFrom(uint64_t length);

  uint64_t size() const { return size_; }
  // Whether run `run` is marked, with the byte offset of its first block
  // in *offset. REQUIRES: run < size().
  bool Find(uint64_t run, uint64_t* offset) const {
    const uint64_t v = slots_[run].load(std::memory_order_acquire);
    *offset = v - 1;
    return v != 0;
  }
  // REQUIRES: run < size().
  void Mark(uint64_t run, uint64_t offset) {
    slots_[run].store(offset + 1, std::memory_order_release);
  }

  size_t memory_usage() const {
    return sizeof(*this) + capacity_ * sizeof(std::atomic<uint64_t>);
  }

 private:
  // Offset + 1 of each marked run, 0 for the others.
  std::unique_ptr<std::atomic<uint64_t>[]> slots_;
  uint64_t size_ = 0;
  uint64_t capacity_ = 0;
};

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_VERIFIED_RUNS_H_
