// RunBytesCache: what a read-only follower keeps of the runs it verified
// (docs/FORMAT.md §1.4, "read-only followers"): the bytes of the run's 64
// blocks, read into this process's memory and hashed against leaves proven
// against the signed tree. Being private and verified, they are served
// again with neither a read nor a hash. Least recently used runs are
// dropped to stay within a byte budget. Private to log/.
//
// Thread safety: every method may run concurrently with the others.
#ifndef BEE_LOG_INTERNAL_RUN_BYTES_CACHE_H_
#define BEE_LOG_INTERNAL_RUN_BYTES_CACHE_H_

#include <array>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace bee::log {

class RunBytesCache {
 public:
  // One verified run: its blocks back to back from the run's first byte.
  struct Run {
    uint64_t run = 0;
    std::string bytes;
    std::array<uint64_t, 65> ends{};  // block b is [ends[b], ends[b + 1])
    std::string_view block(uint64_t b) const {
      return std::string_view(bytes).substr(ends[b], ends[b + 1] - ends[b]);
    }
  };

  // Keeps at most `budget` bytes of runs (0: none); a run over a quarter of
  // it is not kept.
  explicit RunBytesCache(size_t budget) : budget_(budget) {}
  RunBytesCache(const RunBytesCache&) = delete;
  RunBytesCache& operator=(const RunBytesCache&) = delete;

  // The run, marked as used; null when not kept. Holding it keeps its bytes.
  std::shared_ptr<const Run> Find(uint64_t run) const;
  void Insert(std::shared_ptr<const Run> run);
  // Drops the runs holding a block at or past `length` (a truncation, or a
  // new fork, from there on).
  void DropFrom(uint64_t length);
  size_t memory_usage() const;

 private:
  static size_t Charge(const Run& run) { return run.bytes.size() + 640; }

  const size_t budget_;
  mutable std::mutex mu_;
  size_t usage_ = 0;
  // Most recently used first.
  mutable std::list<std::shared_ptr<const Run>> lru_;
  std::unordered_map<uint64_t, std::list<std::shared_ptr<const Run>>::iterator>
      index_;
};

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_RUN_BYTES_CACHE_H_
