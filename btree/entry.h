/// @file
/// Entry: one key/value record of the tree, as read at some version.
#ifndef BEE_BTREE_ENTRY_H_
#define BEE_BTREE_ENTRY_H_

#include <cstdint>
#include <optional>
#include <string>

namespace bee::btree {

/// An entry as a read returns it: a copy the caller owns (compare EntryView,
/// btree/iterator.h, which borrows an iterator's bytes).
struct Entry {
  uint64_t seq = 0;  ///< the block that wrote this entry
  std::string key;   ///< the key, as stored
  /// The value; absent for a put without a value (hyperbee's null), which
  /// differs from an empty value.
  std::optional<std::string> value;
  bool operator==(const Entry&) const = default;
};

}  // namespace bee::btree

#endif  // BEE_BTREE_ENTRY_H_
