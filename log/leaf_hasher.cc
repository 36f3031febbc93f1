#include "log/internal/leaf_hasher.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "log/crypto.h"

namespace bee::log {
namespace {

// Below this many bytes of blocks, waking the helper costs more than it
// saves (a wake-up is a few microseconds; BLAKE2b does ~1 GB/s).
constexpr size_t kMinParallelBytes = 32 << 10;
constexpr size_t kMinParallelBlocks = 64;

void HashRange(std::span<const std::string_view> blocks,
               std::span<Hash32> out) {
  for (size_t i = 0; i < blocks.size(); i++) out[i] = LeafHash(blocks[i]);
}

// The blocks of one append, hashed in chunks that the caller and the
// helper take turns to claim: if the helper wakes up late, the caller just
// hashes more of them.
struct Job {
  static constexpr size_t kChunk = 32;
  std::span<const std::string_view> blocks;
  std::span<Hash32> out;
  std::atomic<size_t> next{0};

  void Work() {
    while (true) {
      size_t begin = next.fetch_add(kChunk, std::memory_order_relaxed);
      if (begin >= blocks.size()) return;
      size_t n = std::min(kChunk, blocks.size() - begin);
      HashRange(blocks.subspan(begin, n), out.subspan(begin, n));
    }
  }
};

class Helper {
 public:
  // The process's helper, or nullptr in a child forked after it started
  // (the thread does not exist there).
  static Helper* Get() {
    static Helper* helper = new Helper();  // lives as long as the process
    return helper->pid_ == getpid() ? helper : nullptr;
  }

  // Offers `job` to the helper thread; false when another caller has it.
  bool TryOffer(Job* job) {
    std::unique_lock<std::mutex> l(mu_, std::try_to_lock);
    if (!l.owns_lock() || taken_) return false;
    taken_ = true;
    offered_ = job;
    cv_.notify_all();
    return true;
  }

  // Returns once the helper is done with the job TryOffer handed over (or
  // never picked it up).
  void Finish() {
    std::unique_lock<std::mutex> l(mu_);
    offered_ = nullptr;  // too late to start now
    cv_.wait(l, [this] { return !running_; });
    taken_ = false;
  }

 private:
  Helper() : pid_(getpid()) {
    std::thread([this] { Run(); }).detach();
  }

  void Run() {
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      cv_.wait(l, [this] { return offered_ != nullptr; });
      Job* job = offered_;
      offered_ = nullptr;
      running_ = true;
      l.unlock();
      job->Work();
      l.lock();
      running_ = false;
      cv_.notify_all();
    }
  }

  const pid_t pid_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool taken_ = false;      // a caller holds the helper until its Finish
  Job* offered_ = nullptr;  // a job the thread has not picked up yet
  bool running_ = false;    // the thread is working on a job
};

}  // namespace

void HashLeaves(std::span<const std::string_view> blocks, std::span<Hash32> out,
                bool parallel) {
  size_t bytes = 0;
  if (parallel && blocks.size() >= kMinParallelBlocks) {
    for (std::string_view b : blocks) bytes += b.size() + 64;
  }
  Helper* helper = bytes >= kMinParallelBytes ? Helper::Get() : nullptr;
  Job job;
  job.blocks = blocks;
  job.out = out;
  if (helper == nullptr || !helper->TryOffer(&job)) {
    HashRange(blocks, out);
    return;
  }
  job.Work();
  helper->Finish();
}

}  // namespace bee::log
