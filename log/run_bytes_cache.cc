#include "log/internal/run_bytes_cache.h"

#include "log/internal/verified_runs.h"

namespace bee::log {

namespace {
constexpr uint64_t kRunBlocks = VerifiedRuns::kRunBlocks;
}  // namespace

std::shared_ptr<const RunBytesCache::Run> RunBytesCache::Find(
    uint64_t run) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = index_.find(run);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return *it->second;
}

void RunBytesCache::Insert(std::shared_ptr<const Run> run) {
  const size_t charge = Charge(*run);
  if (charge > budget_ / 4) return;
  std::lock_guard<std::mutex> l(mu_);
  if (index_.count(run->run) > 0) return;
  lru_.push_front(std::move(run));
  index_[lru_.front()->run] = lru_.begin();
  usage_ += charge;
  while (usage_ > budget_) {
    usage_ -= Charge(*lru_.back());
    index_.erase(lru_.back()->run);
    lru_.pop_back();
  }
}

void RunBytesCache::DropFrom(uint64_t length) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (((*it)->run + 1) * kRunBlocks > length) {
      usage_ -= Charge(**it);
      index_.erase((*it)->run);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t RunBytesCache::memory_usage() const {
  std::lock_guard<std::mutex> l(mu_);
  return usage_;
}

}  // namespace bee::log
