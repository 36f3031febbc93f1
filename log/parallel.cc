#include "log/parallel.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace bee::log {
namespace {

// One ParallelFor call: the tasks the caller and the helper claim in turn.
struct Job {
  const std::function<void(size_t)>* fn = nullptr;
  size_t count = 0;
  std::atomic<size_t> next{0};  // the next task to claim

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
  if (shared) helper->Finish();
  return s;
}

}  // namespace bee::log
