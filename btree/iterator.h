// Range iteration over one version of the tree (FORMAT.md §10.3).
//
// A RangeIterator walks the immutable blocks reachable from its snapshot's
// root, so writes made after it was created never change what it yields.
//
//   RangeIterator it(bee->GetSnapshot().value(), {.gte = "a", .lt = "b"});
//   while (true) {
//     auto e = it.Next();                 // Result<std::optional<Entry>>
//     if (!e.ok() || !e->has_value()) break;
//     ...
//   }
//
// Thread safety: one iterator per thread; many iterators may share a
// snapshot.
//
// Memory: an iterator holds the blocks of the nodes on its path from the
// root (one per level) and the block of the entry it returned last; every
// other block it reads may be evicted from the store's cache
// (BeeOptions::cache_bytes), so a scan of any size runs in bounded memory.
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

struct RangeOptions {
  // Bounds on the key: gt wins over gte and lt over lte when both are set.
  std::optional<std::string> gt, gte, lt, lte;
  bool reverse = false;
  int64_t limit = -1;  // < 0: unlimited; 0: nothing
};

// An entry viewed in place: the bytes live in a block the iterator that
// returned it holds, and stay valid until that iterator's next call or its
// destruction (as LevelDB's Iterator::key()), whatever the cache evicts
// meanwhile. Copy what must live longer (RangeIterator::Next does).
struct EntryView {
  uint64_t seq;
  std::string_view key;
  std::optional<std::string_view> value;
};

class RangeIterator {
 public:
  RangeIterator(Snapshot snapshot, RangeOptions options);
  RangeIterator(RangeIterator&&) noexcept;
  RangeIterator& operator=(RangeIterator&&) noexcept;
  ~RangeIterator();

  // The next entry in order, or nullopt past the end.
  Result<std::optional<Entry>> Next();
  // As Next, without copying the key and value.
  Result<std::optional<EntryView>> NextView();

 private:
  // The walk's state (btree/iterator.cc), allocated once per iterator.
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The first entry of the range (an iterator with limit 1).
Result<std::optional<Entry>> Peek(const Snapshot& snapshot,
                                  RangeOptions options);

}  // namespace bee::btree

#endif  // BEE_BTREE_ITERATOR_H_
