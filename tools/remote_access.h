// Opening a store for the read commands (`bee get|range|diff|history|info|
// export|watch`, `bee-dump`): a directory, or a remote store given as
// bee://HOST:PORT/KEYHEX, read through a sparse replica (remote/
// remote_store.h) with --cache DIR, --offline, --timeout MS and --stats.
#ifndef BEE_TOOLS_REMOTE_ACCESS_H_
#define BEE_TOOLS_REMOTE_ACCESS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "remote/remote_store.h"

namespace bee::tools {

// The remote options of a read command, and what its reads cost.
struct RemoteFlags {
  std::string cache;  // --cache DIR: a persistent sparse replica
  bool offline = false;
  uint64_t timeout_ms = 30000;
  bool stats = false;
  // Set when a remote store was closed: its reads' cost.
  std::optional<remote::RemoteStats> used;
};

// Adds --cache, --offline, --timeout and `stats_flag` (--stats; bee-dump,
// whose --stats is the tree's, says --net-stats) to a read command.
void AddRemoteFlags(CLI::App* cmd, RemoteFlags* flags,
                    const std::string& stats_flag = "--stats");

// True for a bee:// argument.
bool IsRemote(std::string_view dir_or_url);

// A store open for reading, local or remote; use it as a btree::Bee
// (operator-> and *). Closing a remote one (destruction) records its cost
// in the flags.
class ReadStore {
 public:
  ReadStore(ReadStore&&) noexcept = default;
  ReadStore& operator=(ReadStore&&) noexcept = default;
  ~ReadStore();

  btree::Bee* get() { return bee_; }
  btree::Bee* operator->() { return bee_; }
  const btree::Bee* operator->() const { return bee_; }
  btree::Bee& operator*() { return *bee_; }
  const btree::Bee& operator*() const { return *bee_; }

  // Before a lookup or a range starts: a hint for the server (a no-op for
  // a local store).
  void HintGet(const btree::Snapshot& snap, std::string_view key);
  void HintRange(const btree::Snapshot& snap, const btree::RangeOptions& o);

  // For a command that follows new versions (`watch`, `history --live`),
  // between its waits. A directory: publishes another process's new signed
  // length (Bee::Refresh). A remote store: its new lengths arrive by
  // themselves (the server announces them and the replica upgrades, which
  // wakes the waits), so this only returns why the reader stopped, naming
  // the URL: the server went away, stopped answering (within --timeout,
  // when opened to follow), or moved to a new fork.
  Status Follow();

 private:
  friend Result<ReadStore> OpenReadStore(const std::string&, RemoteFlags*,
                                         std::ostream&, bool);
  ReadStore() = default;
  std::unique_ptr<btree::Bee> local_;
  std::unique_ptr<remote::RemoteBee> remote_;
  std::string url_;  // of remote_
  btree::Bee* bee_ = nullptr;
  RemoteFlags* flags_ = nullptr;
};

// Opens DIR read-only (as OpenStore does) or, for bee://HOST:PORT/KEYHEX,
// the remote store with `flags` (null: the defaults). --cache, --offline and
// --timeout given with a DIR are refused (InvalidArgument): they mean
// nothing locally. `follow`: for a command that follows new versions
// (`watch`, `history --live`): a remote store's server is pinged when
// quiet, and one that stops answering fails Follow() within --timeout
// (remote::RemoteOptions::heartbeat).
Result<ReadStore> OpenReadStore(const std::string& dir_or_url,
                                RemoteFlags* flags, std::ostream& warnings,
                                bool follow = false);

// With --stats and a remote store read: one JSON object on `err`,
// {"blocks":N,"bytes":N,"roundTrips":N}, meant to be its last line.
void PrintRemoteStats(const RemoteFlags& flags, std::ostream& err);

}  // namespace bee::tools

#endif  // BEE_TOOLS_REMOTE_ACCESS_H_
