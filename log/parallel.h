// ParallelFor: spreads independent tasks over the calling thread and the
// process-wide helper thread (the one large appends hash on), for the few
// steps of a write that are worth two cores on a small machine.
//
//   std::vector<Result> out(n);
//   log::ParallelFor(n, true, [&](size_t i) { out[i] = Work(i); });
//
// The caller and the helper claim indexes in turn, so a helper that wakes
// up late just takes fewer. The helper serves one caller at a time: when
// another has it, or `parallel` is false, or the process forked after the
// helper started, the caller runs every task itself. Waking the helper
// costs a few microseconds, so pass parallel = false for small jobs.
//
// Thread safety: safe to call from any number of threads. `fn` must be safe
// to run for two different indexes at once and must not throw.
#ifndef BEE_LOG_PARALLEL_H_
#define BEE_LOG_PARALLEL_H_

#include <cstddef>
#include <functional>

#include "encoding/status.h"

namespace bee::log {

// Runs fn(0), ..., fn(count - 1), each once, and returns when all have run.
// `meanwhile` (if any) runs on the calling thread first, while the helper
// starts on the tasks; its status is returned.
Status ParallelFor(size_t count, bool parallel,
                   const std::function<void(size_t)>& fn,
                   const std::function<Status()>& meanwhile = nullptr);

}  // namespace bee::log

#endif  // BEE_LOG_PARALLEL_H_
