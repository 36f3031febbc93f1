#include "btree/history.h"

#include <algorithm>

#include "btree/version_root.h"

namespace bee::btree {
namespace {

// Resolves a bound: negative counts back from the version.
int64_t Resolve(int64_t bound, uint64_t version) {
  return bound < 0 ? bound + static_cast<int64_t>(version) : bound;
}

}  // namespace

HistoryIterator::HistoryIterator(Snapshot snapshot, HistoryOptions options)
    : snapshot_(std::move(snapshot)), options_(std::move(options)) {
  const uint64_t version = snapshot_.version();
  invalid_ = options_.live && options_.reverse;
  int64_t gte = 1;
  if (options_.gt) {
    gte = Resolve(*options_.gt, version) + 1;
  } else if (options_.gte) {
    gte = Resolve(*options_.gte, version);
  }
  int64_t lt = static_cast<int64_t>(version);
  bool bounded = false;
  if (options_.lt) {
    lt = *options_.lt == 0 ? 0 : Resolve(*options_.lt, version);
    bounded = true;
  } else if (options_.lte) {
    lt = *options_.lte == 0 ? 0 : Resolve(*options_.lte, version) + 1;
    bounded = true;
  }
  gte = std::max<int64_t>(gte, 1);
  lt = std::max<int64_t>(lt, 0);
  if (!options_.live || bounded) {
    lt = std::min<int64_t>(lt, static_cast<int64_t>(version));
  }
  begin_ = static_cast<uint64_t>(gte);
  end_ = options_.live && !bounded ? UINT64_MAX : static_cast<uint64_t>(lt);
  if (end_ < begin_) end_ = begin_;
  next_ = options_.reverse ? end_ : begin_;
}

Result<std::optional<HistoryEntry>> HistoryIterator::Next(
    std::chrono::milliseconds timeout) {
  if (invalid_) {
    return Status::InvalidArgument("a live history cannot be reversed");
  }
  if (options_.limit >= 0 && emitted_ >= options_.limit) {
    return std::optional<HistoryEntry>();
  }
  uint64_t seq;
  if (options_.reverse) {
    if (next_ <= begin_) return std::optional<HistoryEntry>();
    seq = --next_;
  } else {
    if (next_ >= end_) return std::optional<HistoryEntry>();
    if (options_.live) {
      const log::Core& core = snapshot_.core();
      auto deadline = std::chrono::steady_clock::now() + timeout;
      while (core.length() <= next_) {
        if (cancelled_ || std::chrono::steady_clock::now() >= deadline) {
          return std::optional<HistoryEntry>();
        }
        core.WaitForAppend(next_, std::chrono::milliseconds(50));
      }
    }
    seq = next_++;
  }
  BEE_ASSIGN_OR_RETURN(internal::BlockPtr block, snapshot_.cache().Get(seq));
  emitted_++;
  HistoryEntry::Type type = IsDeletion(*block, seq) ? HistoryEntry::Type::kDel
                                                    : HistoryEntry::Type::kPut;
  return std::optional<HistoryEntry>(
      HistoryEntry{type, seq, block->key, block->value});
}

}  // namespace bee::btree
