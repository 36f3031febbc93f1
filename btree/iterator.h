/// @file
/// Range iteration over one version of the tree (FORMAT.md §10.3).
///
/// A RangeIterator walks the immutable blocks reachable from its snapshot's
/// root, so writes made after it was created never change what it yields.
///
/// @code
///   RangeIterator it(bee->GetSnapshot().value(), {.gte = "a", .lt = "b"});
///   while (true) {
///     auto e = it.Next();                 // Result<std::optional<Entry>>
///     if (!e.ok() || !e->has_value()) break;
///     ...
///   }
/// @endcode
///
/// Thread safety: one iterator per thread; many iterators may share a
/// snapshot.
///
/// Memory: an iterator holds the blocks of the nodes on its path from the
/// root (one per level) and the block of the entry it returned last; every
/// other block it reads may be evicted from the store's cache
/// (BeeOptions::cache_bytes), so a scan of any size runs in bounded memory.
/// The nodes a scan walks once (every node it enters at its first position,
/// not along a bound) are read in batches that bypass the cache: their
/// levels, and their entries' keys and values, are copied into the iterator,
/// up to 256 KiB of entries per level of its path (larger ones are read
/// through the cache), and leave the cache to what other reads use.
#ifndef BEE_BTREE_ITERATOR_H_
#define BEE_BTREE_ITERATOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "btree/bee.h"
#include "btree/entry.h"

namespace bee::btree {

/// Which keys a RangeIterator yields, and in what order. All unset: every
/// key, ascending.
struct RangeOptions {
  /// Bounds on the key: gt wins over gte and lt over lte when both are set.
  std::optional<std::string> gt, gte, lt, lte;
  bool reverse = false;  ///< descending order
  int64_t limit = -1;    ///< at most this many entries; negative: unlimited
};

/// An entry viewed in place: the bytes live in a block the iterator that
/// returned it holds, and stay valid until that iterator's next call or its
/// destruction (as LevelDB's Iterator::key()), whatever the cache evicts
/// meanwhile. Copy what must live longer (RangeIterator::Next does).
struct EntryView {
  uint64_t seq;                           ///< the block that wrote the entry
  std::string_view key;                   ///< borrowed, see above
  std::optional<std::string_view> value;  ///< absent: a put without a value
};

/// Iterates the keys of one snapshot within RangeOptions' bounds, in order.
/// Owns a copy of its snapshot (so the store's files stay open while it
/// lives) and may outlive the Bee. Move-only; one thread at a time.
class RangeIterator {
 public:
  /// Starts before the first key of the range; reads nothing yet.
  RangeIterator(Snapshot snapshot, RangeOptions options);
  RangeIterator(RangeIterator&&) noexcept;
  RangeIterator& operator=(RangeIterator&&) noexcept;
  ~RangeIterator();

  /// The next entry in order, or nullopt past the end (and on every call
  /// after it). Errors: Corruption (or the log's read error) naming a
  /// damaged block; the iterator must not be used after an error.
  Result<std::optional<Entry>> Next();
  /// As Next, without copying the key and value: the view's bytes stay
  /// valid until the next call or the iterator's destruction (EntryView).
  Result<std::optional<EntryView>> NextView();

 private:
  // The walk's state (btree/iterator.cc), allocated once per iterator.
  class Impl;
  std::unique_ptr<Impl> impl_;
};

/// The first entry of the range (an iterator with limit 1), or nullopt when
/// the range is empty; errors as RangeIterator::Next.
Result<std::optional<Entry>> Peek(const Snapshot& snapshot,
                                  RangeOptions options);

}  // namespace bee::btree

#endif  // BEE_BTREE_ITERATOR_H_
