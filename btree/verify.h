// Whole-store verification and repair: the log's files (log::Core::Verify
// and Repair) plus what a store adds, the `boundaries` file and the
// hyperbee blocks (docs/FORMAT.md §4.4). The tools (`bee-dump --verify`,
// `bee repair`) only print what these return.
//
// Thread safety: each call opens the store itself; VerifyStore reads only
// (it may run while a writer has the store open), RepairStore takes the
// writer lock.
#ifndef BEE_BTREE_VERIFY_H_
#define BEE_BTREE_VERIFY_H_

#include <string>

#include "btree/bee.h"
#include "encoding/result.h"
#include "log/core.h"

namespace bee::btree {

// Checks every byte of the store in `dir`: every log file (meta, both head
// slots, every tree record, every data byte), the boundaries file (check
// bytes, order, lengths; leftovers of an interrupted append are notes),
// that block 0 is a hyperbee header and that every other block decodes.
// An error status only when the store cannot be opened at all (no meta, no
// head that verifies).
Result<log::VerifyReport> VerifyStore(const std::string& dir,
                                      const BeeOptions& options = {});

// Repairs the log (log::Core::Repair), then rewrites the boundaries file
// when it is damaged or holds versions the repair dropped. A store that
// verifies is not touched: changed == false and no file is written.
Result<log::RepairReport> RepairStore(const std::string& dir,
                                      const BeeOptions& options = {});

}  // namespace bee::btree

#endif  // BEE_BTREE_VERIFY_H_
