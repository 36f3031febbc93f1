#include "log/internal/leaf_hasher.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace bee::log {
namespace {

// Below this many bytes of blocks, waking the helper costs more than it
// saves (a wake-up is a few microseconds; BLAKE2b does ~1 GB/s).
constexpr size_t kMinParallelBytes = 32 << 10;
constexpr size_t kMinParallelBlocks = 64;

// The hashing of one append, in runs of blocks that lie within one aligned
// 32-block window, which the caller and the helper claim in turn (a helper
// that wakes up late just takes fewer). Runs are independent: each fills
// only its own leaves and the parents of its whole subtrees.
struct Job {
  static constexpr uint64_t kRun = 32;
  uint64_t first_block = 0;
  std::span<const std::string_view> blocks;
  std::span<TreeNode> nodes;
  std::span<uint8_t> computed;
  std::atomic<size_t> next{0};  // the next run to claim
  size_t runs = 0;

  // Block range of run r: the first run ends at the first multiple of kRun.
  std::pair<size_t, size_t> Run(size_t r) const {
    uint64_t head = (kRun - first_block % kRun) % kRun;
    size_t begin = r == 0 ? 0 : static_cast<size_t>(head + (r - 1) * kRun);
    size_t end = static_cast<size_t>(head + r * kRun);
    if (head == 0) {  // no partial first run
      begin = static_cast<size_t>(r * kRun);
      end = begin + kRun;
    }
    return {begin, std::min(end, blocks.size())};
  }

  void Hash(size_t begin, size_t end) {
    for (size_t i = begin; i < end; i++) {
      nodes[2 * i] = LeafNode(first_block + i, blocks[i]);
      computed[2 * i] = 1;
    }
    // Then every whole subtree of the run, level by level. A node spanning
    // blocks [a, a + w) (w a power of two, a a multiple of w) sits at flat
    // index 2a + w - 1; here a is relative to the append's first block.
    for (uint64_t w = 2; w <= kRun; w *= 2) {
      uint64_t g = (first_block + begin + w - 1) / w * w;  // aligned start
      for (; g + w <= first_block + end; g += w) {
        const size_t a = static_cast<size_t>(g - first_block);
        const size_t parent = 2 * a + static_cast<size_t>(w) - 1;
        const size_t left = parent - static_cast<size_t>(w) / 2;
        const size_t right = parent + static_cast<size_t>(w) / 2;
        nodes[parent] = ParentNode(nodes[left], nodes[right]);
        computed[parent] = 1;
      }
    }
  }

  void Work() {
    while (true) {
      size_t r = next.fetch_add(1, std::memory_order_relaxed);
      if (r >= runs) return;
      auto [begin, end] = Run(r);
      Hash(begin, end);
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

Status HashNewNodes(uint64_t first_block,
                    std::span<const std::string_view> blocks,
                    std::span<TreeNode> nodes, std::span<uint8_t> computed,
                    bool parallel, const std::function<Status()>& meanwhile) {
  Job job;
  job.first_block = first_block;
  job.blocks = blocks;
  job.nodes = nodes;
  job.computed = computed;
  const uint64_t head = (Job::kRun - first_block % Job::kRun) % Job::kRun;
  const size_t n = blocks.size();
  job.runs =
      head >= n
          ? 1
          : (head > 0 ? 1 : 0) +
                static_cast<size_t>((n - head + Job::kRun - 1) / Job::kRun);
  size_t bytes = 0;
  if (parallel && n >= kMinParallelBlocks) {
    for (std::string_view b : blocks) bytes += b.size() + 64;
  }
  Helper* helper = bytes >= kMinParallelBytes ? Helper::Get() : nullptr;
  const bool shared = helper != nullptr && helper->TryOffer(&job);
  Status s = meanwhile ? meanwhile() : Status::OK();
  job.Work();
  if (shared) helper->Finish();
  return s;
}

}  // namespace bee::log
