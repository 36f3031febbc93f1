// Opening stores for the tools, with messages that name what is wrong.
#ifndef BEE_TOOLS_STORE_ACCESS_H_
#define BEE_TOOLS_STORE_ACCESS_H_

#include <memory>
#include <string>

#include "btree/bee.h"

namespace bee::tools {

// Opens DIR read-only (readers never take the writer lock) or writable.
Result<std::unique_ptr<btree::Bee>> OpenStore(const std::string& dir,
                                              bool writable);

// Parses a version argument; 0 and 1 are the empty tree.
Result<btree::Snapshot> SnapshotFor(const btree::Bee& bee,
                                    const std::string& version);

}  // namespace bee::tools

#endif  // BEE_TOOLS_STORE_ACCESS_H_
