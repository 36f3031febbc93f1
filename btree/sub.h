// Sub-databases (FORMAT.md §9): a key prefix inside the same tree, laid out
// exactly as hyperbee's sub(): the prefix of sub(name, sep) is
// parentPrefix ‖ name ‖ sep; sep defaults to the root's separator (0x00),
// never to the parent's. Ranges default to (prefix ‖ 00, prefix+1), so the
// empty sub-key is found by Get but not listed, as in hyperbee.
//
// A SubDb is a cheap view; it does not own the Bee (REQUIRES: the Bee
// outlives it). Thread safety: as the Bee's.
#ifndef BEE_BTREE_SUB_H_
#define BEE_BTREE_SUB_H_

#include <optional>
#include <string>
#include <string_view>

#include "btree/bee.h"
#include "btree/iterator.h"

namespace bee::btree {

class SubDb {
 public:
  // sub(name) of the root bee; sep defaults to the single byte 0x00.
  static SubDb Of(Bee* bee, std::string_view name,
                  std::optional<std::string> sep = std::nullopt);
  // A nested sub-database (sep defaults to the root separator 0x00).
  SubDb Sub(std::string_view name,
            std::optional<std::string> sep = std::nullopt) const;

  const std::string& prefix() const { return prefix_; }
  // The key as stored in the tree.
  std::string Key(std::string_view key) const {
    return prefix_ + std::string(key);
  }

  Result<std::optional<Entry>> Get(std::string_view key) const;
  Result<std::optional<Entry>> Get(const Snapshot& snap,
                                   std::string_view key) const;
  Result<bool> Put(std::string_view key, std::optional<std::string_view> value,
                   const PutOptions& options = {});
  Result<bool> Del(std::string_view key, const DelOptions& options = {});
  Result<bool> Put(Batch* batch, std::string_view key,
                   std::optional<std::string_view> value,
                   const PutOptions& options = {});
  Result<bool> Del(Batch* batch, std::string_view key,
                   const DelOptions& options = {});

  // Range options over the tree for user-level `options` within this sub.
  RangeOptions Translate(const RangeOptions& options) const;
  // The user-level entry of a stored one (prefix removed).
  Entry Strip(Entry e) const;

 private:
  SubDb(Bee* bee, std::string prefix) : bee_(bee), prefix_(std::move(prefix)) {}

  Bee* bee_;
  std::string prefix_;  // parent prefix ‖ name ‖ sep
};

// Iterates a sub-database's range, yielding user-level keys.
class SubRangeIterator {
 public:
  SubRangeIterator(const SubDb& sub, Snapshot snapshot,
                   const RangeOptions& options)
      : sub_(sub), it_(std::move(snapshot), sub.Translate(options)) {}
  Result<std::optional<Entry>> Next();

 private:
  SubDb sub_;
  RangeIterator it_;
};

}  // namespace bee::btree

#endif  // BEE_BTREE_SUB_H_
