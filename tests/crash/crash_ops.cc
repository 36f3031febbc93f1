#include "tests/crash/crash_ops.h"

namespace bee::crashtest {

std::string Workload::Key() { return "k" + std::to_string(rng_() % 64); }

// Mostly small values, some a few KiB (so a large batch is hashed on two
// threads and appends take long enough for kills to land inside them).
std::string Workload::Value() {
  const uint64_t r = rng_();
  std::string v = std::to_string(r);
  const size_t pad = r % 8 == 0 ? 2000 + r % 3000 : r % 64;
  v.append(pad, static_cast<char>('a' + r % 26));
  return v;
}

Status Workload::Single(btree::Bee* bee) {
  std::string key = Key();
  if (rng_() % 4 == 0) {
    last_ = "del " + key;
    BEE_RETURN_IF_ERROR(bee->Del(key).status());
    model_.erase(key);
    return Status::OK();
  }
  std::string value = Value();
  last_ = "put " + key;
  BEE_RETURN_IF_ERROR(bee->Put(key, value).status());
  model_[key] = value;
  return Status::OK();
}

Status Workload::RunBatch(btree::Bee* bee, size_t n, bool separate) {
  last_ = "batch of " + std::to_string(n) +
          (separate ? " (separate blocks)" : " (one append)");
  BEE_ASSIGN_OR_RETURN(auto batch,
                       bee->MakeBatch({.separate_blocks = separate}));
  Model next = model_;
  for (size_t i = 0; i < n; i++) {
    std::string key = Key();
    if (rng_() % 5 == 0) {
      BEE_RETURN_IF_ERROR(batch->Del(key).status());
      next.erase(key);
    } else {
      std::string value = Value();
      BEE_RETURN_IF_ERROR(batch->Put(key, value).status());
      next[key] = value;
    }
  }
  BEE_RETURN_IF_ERROR(batch->Flush());
  model_ = std::move(next);
  return Status::OK();
}

// Back to a version this workload reached (and still has), maybe the
// current one (which only moves to the next fork).
Status Workload::TruncateSome(btree::Bee* bee) {
  auto target = std::next(at_.begin(), static_cast<long>(rng_() % at_.size()));
  last_ = "truncate to " + std::to_string(target->first);
  BEE_RETURN_IF_ERROR(bee->Truncate(target->first));
  model_ = target->second;
  at_.erase(std::next(target), at_.end());
  return Status::OK();
}

// Versions are keyed by log length: a new store has length 0 (version 1
// only once its header is written), and Truncate takes a length.
Status Workload::Step(btree::Bee* bee) {
  if (at_.empty()) at_[bee->core().length()] = model_;
  const uint64_t r = rng_() % 100;
  Status s;
  if (r < 40) {
    s = Single(bee);
  } else if (r < 60) {
    s = RunBatch(bee, 1 + rng_() % 30, false);
  } else if (r < 80) {
    s = RunBatch(bee, 1 + rng_() % 30, true);
  } else if (r < 88) {
    s = RunBatch(bee, 100 + rng_() % 200, rng_() % 2 == 0);
  } else {
    s = TruncateSome(bee);
  }
  if (s.ok()) at_[bee->core().length()] = model_;
  return s;
}

}  // namespace bee::crashtest
