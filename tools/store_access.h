// Opening stores for the tools, with messages that name what is wrong.
#ifndef BEE_TOOLS_STORE_ACCESS_H_
#define BEE_TOOLS_STORE_ACCESS_H_

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "btree/bee.h"

namespace bee::tools {

// Opens DIR read-only (readers never take the writer lock) or writable.
// A damaged head slot the open went past is printed to `warnings` as
// "warning: ..." (a read-only open succeeds despite possible loss).
// `durability` applies to a writable open's appends (kNoSync: the caller
// makes its work durable with Bee::Close, which syncs).
Result<std::unique_ptr<btree::Bee>> OpenStore(
    const std::string& dir, bool writable, std::ostream& warnings,
    log::Durability durability = log::Durability::kSync);

// Parses a version argument; 0 and 1 are the empty tree.
Result<btree::Snapshot> SnapshotFor(const btree::Bee& bee,
                                    const std::string& version);

// Parses argv with `app` and runs `action`: the exit status of a tool
// (0 ok, 1 the action failed, with "<name>: error: ..." on err; 2 for bad
// arguments, with CLI11's message; --help prints to out and exits 0).
int RunTool(CLI::App& app, int argc, const char* const* argv,
            const std::function<Status()>& action, std::ostream& out,
            std::ostream& err);

}  // namespace bee::tools

#endif  // BEE_TOOLS_STORE_ACCESS_H_
