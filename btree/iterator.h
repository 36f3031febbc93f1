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
#include <optional>
#include <string>
#include <vector>

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

  // The next entry in order, or nullopt past the end.
  Result<std::optional<Entry>> Next();
  // As Next, without copying the key and value.
  Result<std::optional<EntryView>> NextView();

 private:
  struct Frame {
    internal::BlockRef block;
    internal::NodeRef ref;      // where the node is, to check its children
    internal::LevelView level;  // into block
    int64_t next;  // position in the child/key interleaving (§10.3)
  };

  Status Seek();
  Status Push(internal::NodeRef ref, const std::string* bound);
  Result<std::string_view> KeyAt(uint64_t seq);
  bool BeyondEnd(std::string_view key) const;
  // The Corruption of a key that does not follow last_key_ strictly.
  static Status OutOfOrder(const Frame& frame);

  Snapshot snapshot_;
  RangeOptions options_;
  std::vector<Frame> stack_;
  // The block of the last entry returned, which the EntryView returned
  // for it points into: held until the next call.
  internal::BlockRef current_;
  // The last key returned: each must follow it strictly, which also bounds
  // the walk of a hostile tree that shares one subtree under many parents.
  // A view into current_: no copy per key.
  std::string_view last_key_;
  bool returned_ = false;  // whether last_key_ holds a key
  int64_t emitted_ = 0;
  bool started_ = false;
  bool done_ = false;
};

// The first entry of the range (an iterator with limit 1).
Result<std::optional<Entry>> Peek(const Snapshot& snapshot,
                                  RangeOptions options);

}  // namespace bee::btree

#endif  // BEE_BTREE_ITERATOR_H_
