#include "log/parallel.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace bee::log {
namespace {

// Waiting: a flush hands the helper two jobs within microseconds (encoding,
// then hashing), and each job ends within microseconds of the caller's own
// share, while waking a sleeping thread costs an interrupt and two context
// switches (tens of microseconds on a virtual machine). So both sides spin
// for about this long before they sleep.
constexpr auto kSpin = std::chrono::microseconds(100);

inline void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until pred() or kSpin has passed; returns pred().
template <typename Pred>
bool SpinFor(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  while (true) {
    for (int i = 0; i < 64; i++) {
      if (pred()) return true;
      Pause();
    }
    if (std::chrono::steady_clock::now() >= deadline) return pred();
  }
}

// One ParallelFor call: the tasks the caller and the helper claim in turn.
struct Job {
  const std::function<void(size_t)>* fn = nullptr;
  size_t count = 0;
  std::atomic<size_t> next{0};    // the next task to claim
  std::atomic<bool> done{false};  // the helper is through with the job

  void Work() {
    while (true) {
      size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count) return;
      (*fn)(i);
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
    bool free = false;
    if (!taken_.compare_exchange_strong(free, true,
                                        std::memory_order_acquire)) {
      return false;
    }
    offered_.store(job, std::memory_order_release);
    std::lock_guard<std::mutex> l(mu_);  // not between its check and sleep
    if (sleeping_) cv_.notify_all();
    return true;
  }

  // Returns once the helper is done with the job TryOffer handed over (or
  // takes it back if the helper never picked it up).
  void Finish(Job* job) {
    Job* expected = job;
    if (!offered_.compare_exchange_strong(expected, nullptr,
                                          std::memory_order_acq_rel)) {
      // The helper has it.
      auto done = [job] { return job->done.load(std::memory_order_acquire); };
      if (!SpinFor(done)) {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, done);
      }
    }
    taken_.store(false, std::memory_order_release);
  }

 private:
  Helper() : pid_(getpid()) {
    std::thread([this] { Run(); }).detach();
  }

  void Run() {
    auto offered = [this] {
      return offered_.load(std::memory_order_acquire) != nullptr;
    };
    while (true) {
      if (!SpinFor(offered)) {
        std::unique_lock<std::mutex> l(mu_);
        sleeping_ = true;
        cv_.wait(l, offered);
        sleeping_ = false;
      }
      Job* job = offered_.exchange(nullptr, std::memory_order_acq_rel);
      if (job == nullptr) continue;  // its caller took it back
      job->Work();
      {
        // Under the lock, so a caller that checked `done` and went to
        // sleep is woken; the job may be gone as soon as `done` is set.
        std::lock_guard<std::mutex> l(mu_);
        job->done.store(true, std::memory_order_release);
      }
      cv_.notify_all();
    }
  }

  const pid_t pid_;
  std::atomic<bool> taken_{false};  // a caller holds the helper until Finish
  std::atomic<Job*> offered_{nullptr};  // a job the thread has not taken
  std::mutex mu_;                       // for sleeping, never held long
  std::condition_variable cv_;
  bool sleeping_ = false;  // the thread waits on cv_; guarded by mu_
};

}  // namespace

Status ParallelFor(size_t count, bool parallel,
                   const std::function<void(size_t)>& fn,
                   const std::function<Status()>& meanwhile) {
  Job job;
  job.fn = &fn;
  job.count = count;
  Helper* helper = parallel && count > 1 ? Helper::Get() : nullptr;
  const bool shared = helper != nullptr && helper->TryOffer(&job);
  Status s = meanwhile ? meanwhile() : Status::OK();
  job.Work();
  if (shared) helper->Finish(&job);
  return s;
}

}  // namespace bee::log
