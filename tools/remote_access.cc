#include "tools/remote_access.h"

#include <chrono>

#include "tools/store_access.h"

namespace bee::tools {

void AddRemoteFlags(CLI::App* cmd, RemoteFlags* flags,
                    const std::string& stats_flag) {
  cmd->add_option("--cache", flags->cache,
                  "With bee://: keep the blocks read in DIR (a sparse "
                  "replica) for later reads")
      ->option_text("DIR");
  cmd->add_flag("--offline", flags->offline,
                "With bee:// and --cache: read the cache alone (a block it "
                "lacks is an error naming it)");
  cmd->add_option("--timeout", flags->timeout_ms,
                  "With bee://: fail when the server sends nothing awaited "
                  "for this long, in ms (default 30000); following (watch, "
                  "history --live), when it sends nothing at all, not even "
                  "an answer to a ping")
      ->option_text("MS");
  cmd->add_flag(stats_flag, flags->stats,
                "With bee://: print {\"blocks\":N,\"bytes\":N,"
                "\"roundTrips\":N} as the last line on stderr");
}

bool IsRemote(std::string_view dir_or_url) {
  return dir_or_url.substr(0, 6) == "bee://";
}

ReadStore::~ReadStore() {
  if (remote_ == nullptr) return;
  remote::RemoteStats used = remote_->stats();
  (void)remote_->Close();
  if (flags_ != nullptr) flags_->used = used;
}

void ReadStore::HintGet(const btree::Snapshot& snap, std::string_view key) {
  if (remote_ == nullptr) return;
  remote::ReadHint hint;
  hint.kind = remote::ReadHint::Kind::kGet;
  hint.version = snap.version();
  hint.key = std::string(key);
  remote_->Hint(hint);
}

void ReadStore::HintRange(const btree::Snapshot& snap,
                          const btree::RangeOptions& o) {
  if (remote_ == nullptr) return;
  remote::ReadHint hint;
  hint.kind = remote::ReadHint::Kind::kRange;
  hint.version = snap.version();
  hint.range = o;
  remote_->Hint(hint);
}

Status ReadStore::Follow() {
  if (remote_ == nullptr) return bee_->Refresh();
  Status s = remote_->status();
  if (s.ok()) return s;
  return s.WithContext("stopped following " + url_);
}

Result<ReadStore> OpenReadStore(const std::string& dir_or_url,
                                RemoteFlags* flags, std::ostream& warnings,
                                bool follow) {
  RemoteFlags defaults;
  const RemoteFlags& f = flags != nullptr ? *flags : defaults;
  ReadStore store;
  store.flags_ = flags;
  if (!IsRemote(dir_or_url)) {
    if (!f.cache.empty() || f.offline) {
      return Status::InvalidArgument(
          "--cache and --offline are for bee:// addresses, not a directory");
    }
    BEE_ASSIGN_OR_RETURN(store.local_, OpenStore(dir_or_url, false, warnings));
    store.bee_ = store.local_.get();
    return store;
  }
  if (f.offline && f.cache.empty()) {
    return Status::InvalidArgument("--offline needs --cache DIR");
  }
  remote::RemoteOptions options;
  options.cache_dir = f.cache;
  options.offline = f.offline;
  options.timeout = std::chrono::milliseconds(f.timeout_ms);
  options.heartbeat = follow;
  auto remote = remote::RemoteBee::Open(dir_or_url, options);
  if (!remote.ok()) return remote.status().WithContext("cannot open store");
  store.remote_ = std::move(remote).value();
  store.url_ = dir_or_url;
  store.bee_ = &store.remote_->bee();
  return store;
}

void PrintRemoteStats(const RemoteFlags& flags, std::ostream& err) {
  if (!flags.stats || !flags.used) return;
  err << "{\"blocks\":" << flags.used->blocks
      << ",\"bytes\":" << flags.used->bytes
      << ",\"roundTrips\":" << flags.used->round_trips << "}\n";
}

}  // namespace bee::tools
