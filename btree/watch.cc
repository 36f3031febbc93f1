#include "btree/watch.h"

namespace bee::btree {

Watcher::Watcher(const Bee* bee, DiffOptions range)
    : bee_(bee), range_(std::move(range)) {
  range_.limit = -1;
  fork_ = bee->core().fork();
  auto start = bee->GetSnapshot();
  if (start.ok()) {
    last_ = std::move(start).value();
  } else {
    start_error_ = start.status();
  }
}

Result<std::optional<WatchEvent>> Watcher::Next(
    std::chrono::milliseconds timeout) {
  BEE_RETURN_IF_ERROR(start_error_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!cancelled_) {
    const uint64_t fork = bee_->core().fork();
    if (fork != fork_) {
      BEE_ASSIGN_OR_RETURN(Snapshot current, bee_->GetSnapshot());
      fork_ = fork;
      Snapshot previous = *std::exchange(last_, current);
      return std::optional<WatchEvent>(
          WatchEvent{std::move(current), std::move(previous), {}, true});
    }
    if (bee_->version() <= last_->version()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      auto wait = std::min<std::chrono::milliseconds>(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
          std::chrono::milliseconds(50));
      bee_->core().WaitForAppend(last_->version(), wait);
      continue;
    }
    BEE_ASSIGN_OR_RETURN(Snapshot current, bee_->GetSnapshot());
    DiffIterator it(current, *last_, range_);
    std::vector<DiffEntry> changes;
    while (true) {
      BEE_ASSIGN_OR_RETURN(std::optional<DiffEntry> d, it.Next());
      if (!d) break;
      changes.push_back(std::move(*d));
    }
    Snapshot previous = *std::exchange(last_, current);
    if (!changes.empty()) {
      return std::optional<WatchEvent>(WatchEvent{
          std::move(current), std::move(previous), std::move(changes), false});
    }
  }
  return std::optional<WatchEvent>();
}

}  // namespace bee::btree
