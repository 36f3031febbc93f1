// Entry: one key/value record of the tree, as read at some version.
#ifndef BEE_BTREE_ENTRY_H_
#define BEE_BTREE_ENTRY_H_

#include <cstdint>
#include <optional>
#include <string>

namespace bee::btree {

struct Entry {
  uint64_t seq = 0;  // the block that wrote this entry
  std::string key;
  std::optional<std::string> value;  // absent: a put without a value
  bool operator==(const Entry&) const = default;
};

}  // namespace bee::btree

#endif  // BEE_BTREE_ENTRY_H_
