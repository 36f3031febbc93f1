#include "btree/history.h"

#include <algorithm>
#include <limits>

#include "btree/internal/block_cache.h"
#include "btree/internal/snapshot_access.h"
#include "btree/internal/version_root.h"

namespace bee::btree {
namespace {

// Hyperbee's bound rules (its history iterator, checked against 2.27.3): a
// bound of 0 counts as unset, except that lt or lte of 0 selects nothing;
// gt wins over gte but lte wins over lt; a negative bound counts back from
// the version.
int64_t Resolve(int64_t bound, uint64_t version) {
  return bound < 0 ? bound + static_cast<int64_t>(version) : bound;
}

// The seq after `seq`. At INT64_MAX, past every seq a log can hold, it
// stays there instead of overflowing.
int64_t After(int64_t seq) {
  return seq == std::numeric_limits<int64_t>::max() ? seq : seq + 1;
}

int64_t Begin(const HistoryOptions& o, uint64_t version) {
  if (o.gt && *o.gt != 0) return After(Resolve(*o.gt, version));
  if (o.gte && *o.gte != 0) return Resolve(*o.gte, version);
  return 1;
}

// Past the last seq; nullopt when no upper bound was given.
std::optional<int64_t> End(const HistoryOptions& o, uint64_t version) {
  if ((o.lt && *o.lt == 0) || (o.lte && *o.lte == 0)) return 0;
  if (o.lte) return After(Resolve(*o.lte, version));
  if (o.lt) return Resolve(*o.lt, version);
  return std::nullopt;
}

}  // namespace

HistoryIterator::HistoryIterator(Snapshot snapshot, HistoryOptions options)
    : snapshot_(std::move(snapshot)), options_(std::move(options)) {
  const uint64_t version = snapshot_.version();
  invalid_ = options_.live && options_.reverse;
  // Seq 0 is the header, never returned.
  begin_ =
      static_cast<uint64_t>(std::max<int64_t>(Begin(options_, version), 1));
  std::optional<int64_t> end = End(options_, version);
  if (!end) {
    end_ = options_.live ? UINT64_MAX : version;
  } else {
    end_ = static_cast<uint64_t>(std::max<int64_t>(*end, 0));
    if (!options_.live) end_ = std::min(end_, version);
  }
  end_ = std::max(end_, begin_);
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
  BEE_ASSIGN_OR_RETURN(internal::BlockPtr block,
                       internal::CacheOf(snapshot_).Get(seq));
  emitted_++;
  HistoryEntry::Type type = IsDeletion(*block, seq) ? HistoryEntry::Type::kDel
                                                    : HistoryEntry::Type::kPut;
  return std::optional<HistoryEntry>(
      HistoryEntry{type, seq, block->key, block->value});
}

}  // namespace bee::btree
