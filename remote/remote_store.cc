#include "remote/remote_store.h"

#include <stdlib.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "log/core.h"
#include "log/crypto.h"
#include "net/replicator.h"
#include "remote/bee_extension.h"
#include "remote/hyperbee_extension.h"

namespace bee::remote {
namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

// A fresh directory under the system's temporary directory.
Result<std::string> MakeTempDir() {
  std::error_code ec;
  std::string base = std::filesystem::temp_directory_path(ec).string();
  if (ec) base = "/tmp";
  std::string pattern = base + "/bee-remote-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return Status::IOError("cannot make a temporary directory in " + base);
  }
  return pattern;
}

bool HoldsLog(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir + "/meta", ec);
}

// RemoteOptions::heartbeat: a ping after a third of the timeout in
// silence, then each third, so two go unanswered before the deadline.
std::chrono::milliseconds PingInterval(std::chrono::milliseconds timeout) {
  return std::max(timeout / 3, std::chrono::milliseconds(1));
}

}  // namespace

class RemoteBee::Impl : public log::BlockSource {
 public:
  Impl(BeeUrl url, RemoteOptions options)
      : url_(std::move(url)), options_(std::move(options)) {}
  ~Impl() override { (void)Close(); }

  Status Start();
  Status Fetch(std::span<const uint64_t> indexes) override;
  // The answers of bee/read requests sent (a read looks at what they
  // brought before it asks for a block).
  void AwaitPending() override;
  void Hint(const ReadHint& hint);
  // The default hint (no RemoteOptions::hint): hyperbee's get / iterator.
  void SendHyperbeeHint(const ReadHint& hint);
  // To a bee/read server: the lookup as one request (loop thread).
  void SendBeeRead(const ReadHint& hint);
  RemoteStats Stats();
  Status CurrentStatus() const {
    std::lock_guard<std::mutex> l(mu_);
    return failed_;
  }
  Status Close();

  std::unique_ptr<btree::Bee> bee_;

 private:
  log::CoreOptions CoreOptionsFor();
  Result<std::unique_ptr<log::Core>> OpenCache();
  Status Connect(std::unique_ptr<log::Core> cached);
  Status WaitReady();
  // Loop thread: after each batch of input.
  void OnUpdate();
  // RemoteOptions::heartbeat (loop thread): starts watching the peer, notes
  // that it sent something, and checks it (a timer, re-armed for the next
  // ping or the deadline).
  void StartHeartbeat();
  void Heard();
  void Heartbeat();
  // Records the first failure and wakes every waiting read.
  void Fail(const Status& why);
  void CopyStats();  // loop thread
  // The stats from the channel and bee/read (loop thread; REQUIRES: mu_).
  void FillStatsLocked();
  // Waits (up to the timeout) for the answers of bee/read requests sent;
  // true if the read stops waiting for them for good.
  void WaitForReads();
  void ReadAnswered();  // loop thread
  // A malformed bee/read message came: stop asking this server, and let
  // reads waiting for its answers go on (loop thread).
  void ReadsDropped();
  // The error of a read needing a block past the peer's signed length, on
  // our fork (a stale or lying server): it cannot come from this peer.
  // OK when every block may. REQUIRES: mu_.
  Status PastPeerLocked(std::span<const uint64_t> indexes) const;
  // Runs fn on the loop thread and waits for it (REQUIRES: loop running).
  void RunOnLoop(const std::function<void()>& fn);
  std::string NameMissing(std::span<const uint64_t> indexes) const;

  const BeeUrl url_;
  const RemoteOptions options_;
  std::string dir_;
  bool temporary_ = false;
  bool closed_ = false;

  std::unique_ptr<net::EventLoop> loop_;
  std::thread thread_;
  std::thread::id loop_thread_;
  // Loop thread only (and setup before the thread starts).
  std::unique_ptr<net::Connection> conn_;
  net::ChannelReplicator* channel_ = nullptr;
  // hyperbee's extension on channel_ (owned by it), when hints are sent.
  std::shared_ptr<HyperbeeExtension> hyperbee_;
  // bee/read on channel_ (owned by it); set before the loop thread starts.
  std::shared_ptr<BeeReadExtension> bee_read_;
  // RemoteOptions::heartbeat: when the peer last sent something, when the
  // next ping is due, whether one waits for an answer, and the counts.
  bool heartbeat_on_ = false;
  net::EventLoop::TimerId heartbeat_timer_ = 0;
  net::EventLoop::Clock::time_point heard_at_{};
  net::EventLoop::Clock::time_point next_ping_at_{};
  bool ping_waiting_ = false;
  uint64_t pings_ = 0;
  uint64_t ping_answers_ = 0;

  // The replica: owned here until the Bee takes it.
  std::unique_ptr<log::Core> core_owned_;
  log::Core* core_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  Status failed_;           // guarded by mu_
  bool ready_ = false;      // guarded by mu_: a signed length is held
  bool loop_done_ = false;  // guarded by mu_: the loop thread returned
  RemoteStats stats_;       // guarded by mu_
  // bee/read requests sent (or about to be) whose answers reads wait for;
  // after an answer did not come within the timeout, none is sent again.
  uint64_t reads_pending_ = 0;  // guarded by mu_
  bool reads_stalled_ = false;  // guarded by mu_
  uint64_t read_waits_ = 0;     // guarded by mu_: reads that waited for one
  uint64_t read_timeouts_ = 0;  // guarded by mu_
  // The peer's signed length as its last sync on our fork stated (a read
  // needing a block past it fails at once).
  std::optional<uint64_t> peer_length_;  // guarded by mu_
};

log::CoreOptions RemoteBee::Impl::CoreOptionsFor() {
  log::CoreOptions o;
  // Blocks arrive in many small proofs: the cache is synced at Close.
  o.durability = log::Durability::kNoSync;
  o.block_source = this;
  return o;
}

Result<std::unique_ptr<log::Core>> RemoteBee::Impl::OpenCache() {
  BEE_ASSIGN_OR_RETURN(auto core, log::Core::Open(dir_, CoreOptionsFor()));
  if (core->key() != url_.key) {
    return Status::InvalidArgument(dir_ + " holds the log with key " +
                                   HexEncode(core->key()) + ", not " +
                                   HexEncode(url_.key));
  }
  if (core->writable()) {
    return Status::InvalidArgument(
        dir_ + " is a writable store, not a cache of a remote one");
  }
  return core;
}

Status RemoteBee::Impl::Start() {
  log::InitCrypto();
  if (options_.cache_dir.empty()) {
    if (options_.offline) {
      return Status::InvalidArgument("offline reads need a cache directory");
    }
    BEE_ASSIGN_OR_RETURN(dir_, MakeTempDir());
    temporary_ = true;
  } else {
    dir_ = options_.cache_dir;
  }
  std::unique_ptr<log::Core> cached;
  if (HoldsLog(dir_)) {
    BEE_ASSIGN_OR_RETURN(cached, OpenCache());
  } else if (options_.offline) {
    return Status::NotFound("offline: " + dir_ + " holds no cache of the log " +
                            HexEncode(url_.key));
  }
  if (options_.offline) {
    core_ = cached.get();
    auto bee = btree::Bee::FromCore(std::move(cached));
    if (!bee.ok()) return bee.status().WithContext(dir_);
    bee_ = std::move(bee).value();
    return Status::OK();
  }
  BEE_RETURN_IF_ERROR(Connect(std::move(cached)));
  BEE_RETURN_IF_ERROR(WaitReady());
  if (options_.heartbeat) loop_->Post([this] { StartHeartbeat(); });
  {
    std::lock_guard<std::mutex> l(mu_);
    core_ = core_owned_.get();
  }
  // The header (which the open checks) and the current version's root
  // block (which every read starts from) in one wave; a failure is left to
  // the reads that need them, which name it.
  if (const uint64_t length = core_->length(); length > 0) {
    const uint64_t first[] = {0, length - 1};
    (void)core_->GetMany(
        first, [](uint64_t, std::string_view) { return Status::OK(); });
  }
  auto bee = btree::Bee::FromCore(std::move(core_owned_));
  if (!bee.ok()) return bee.status().WithContext(url_.host_port);
  bee_ = std::move(bee).value();
  return Status::OK();
}

Status RemoteBee::Impl::Connect(std::unique_ptr<log::Core> cached) {
  BEE_ASSIGN_OR_RETURN(loop_, net::EventLoop::Create());
  std::unique_ptr<net::Transport> transport;
  if (options_.connect) {
    BEE_ASSIGN_OR_RETURN(transport,
                         options_.connect(loop_.get(), url_.host_port));
  } else {
    net::TransportOptions t = options_.transport;
    t.connect_timeout = std::min(t.connect_timeout, options_.timeout);
    BEE_ASSIGN_OR_RETURN(transport,
                         net::Connect(loop_.get(), url_.host_port, t));
  }
  net::ConnectionHandlers handlers;
  handlers.on_close = [this](const Status& why) {
    Fail(why.WithContext("connection to " + url_.host_port));
  };
  handlers.on_channel_close = [this](net::ChannelReplicator*,
                                     const Status& why) {
    Fail(why.WithContext(url_.host_port));
  };
  handlers.on_update = [this]() { OnUpdate(); };
  net::ConnectionOptions copts = options_.connection;
  // A wave of a range's blocks goes out at once (JS Hyperbee: 512).
  copts.replicator.max_inflight =
      std::max<uint64_t>(copts.replicator.max_inflight, 512);
  BEE_ASSIGN_OR_RETURN(
      conn_, net::Connection::Create(loop_.get(), std::move(transport), true,
                                     copts, std::move(handlers)));
  if (cached) {
    core_owned_ = std::move(cached);
    channel_ = conn_->Replicate(core_owned_.get());
  } else {
    channel_ = conn_->ReplicateKey(
        url_.key, [this](std::string_view manifest) -> Result<log::Core*> {
          BEE_ASSIGN_OR_RETURN(
              core_owned_, log::Core::CreateReplica(dir_, url_.key, manifest,
                                                    CoreOptionsFor()));
          return core_owned_.get();
        });
  }
  if (!options_.hint && options_.hyperbee_hints) {
    HyperbeeExtension::Options eopts;
    eopts.answer = false;  // a reader: only its own hints' answers
    hyperbee_ = HyperbeeExtension::Attach(channel_, eopts);
  }
  if (!options_.hint && options_.bee_read) {
    BeeReadExtension::Options ropts;
    ropts.answer = false;
    ropts.on_answer = [this](uint64_t, const ApplyReadResult&) {
      ReadAnswered();
    };
    ropts.on_malformed = [this](const Status&) { ReadsDropped(); };
    bee_read_ = BeeReadExtension::Attach(channel_, std::move(ropts));
  }
  channel_->Download(0, 0);  // the signed length; blocks on demand
  conn_->Start();
  thread_ = std::thread([this] {
    Status run = loop_->Run();
    std::lock_guard<std::mutex> l(mu_);
    loop_done_ = true;
    if (failed_.ok() && !run.ok()) failed_ = run;
    cv_.notify_all();
  });
  loop_thread_ = thread_.get_id();
  return Status::OK();
}

void RemoteBee::Impl::OnUpdate() {
  if (channel_ == nullptr) return;
  Heard();
  if (!channel_->download_status().ok()) {
    Fail(channel_->download_status().WithContext(url_.host_port));
    return;
  }
  log::Core* core = channel_->core();
  bool ready = false;
  std::optional<uint64_t> peer_length;
  if (core != nullptr && channel_->remote().synced) {
    if (channel_->remote().fork != core->fork() && core->length() > 0) {
      Fail(Status::Unavailable(
          url_.host_port + " serves fork " + Num(channel_->remote().fork) +
          " of the log; the cache holds fork " + Num(core->fork())));
      return;
    }
    // Upgraded to the peer's length (or the peer cannot prove a longer one).
    ready = core->length() >= channel_->remote().length ||
            !channel_->remote().can_upgrade;
    peer_length = channel_->remote().length;
  }
  std::lock_guard<std::mutex> l(mu_);
  if (ready) ready_ = true;
  peer_length_ = peer_length;
  FillStatsLocked();
  cv_.notify_all();
}

void RemoteBee::Impl::StartHeartbeat() {
  if (conn_ == nullptr || conn_->closed()) return;
  heartbeat_on_ = true;
  Heard();
  Heartbeat();
}

void RemoteBee::Impl::Heard() {
  if (!heartbeat_on_) return;
  const auto now = loop_->Now();
  heard_at_ = now;
  next_ping_at_ = now + PingInterval(options_.timeout);
  if (ping_waiting_) {
    ping_waiting_ = false;
    ping_answers_++;
  }
}

void RemoteBee::Impl::Heartbeat() {
  heartbeat_timer_ = 0;
  if (conn_ == nullptr || conn_->closed() || channel_ == nullptr) return;
  const auto now = loop_->Now();
  if (now - heard_at_ >= options_.timeout) {
    Fail(Status::Unavailable(
        "connection to " + url_.host_port + ": nothing received for " +
        Num(static_cast<uint64_t>(options_.timeout.count())) +
        " ms, not even an answer to a ping (the server stopped answering)"));
    CopyStats();
    conn_->Close();
    return;
  }
  if (now >= next_ping_at_) {
    channel_->Ping();
    pings_++;
    ping_waiting_ = true;
    next_ping_at_ = now + PingInterval(options_.timeout);
  }
  const auto due = std::min(heard_at_ + options_.timeout, next_ping_at_);
  heartbeat_timer_ = loop_->AddTimer(due - now, [this] { Heartbeat(); });
}

void RemoteBee::Impl::FillStatsLocked() {
  const net::ReplicatorStats& s = channel_->stats();
  stats_.blocks = s.blocks_received;
  stats_.bytes = s.bytes_received;
  stats_.round_trips = s.round_trips;
  stats_.read_timeouts = read_timeouts_;
  stats_.pings = pings_;
  stats_.ping_answers = ping_answers_;
  stats_.malformed = 0;
  if (bee_read_ != nullptr) {
    const BeeReadCounters& r = bee_read_->counters();
    stats_.blocks += r.blocks_applied;
    stats_.bytes += r.bytes_applied;
    stats_.round_trips += read_waits_;
    stats_.read_requests = r.requests_sent;
    stats_.read_rejected = r.proofs_rejected;
    stats_.read_blocks = r.blocks_applied;
    stats_.malformed += r.malformed;
  }
  if (hyperbee_ != nullptr) {
    const HyperbeeExtensionCounters& c = hyperbee_->counters();
    stats_.hinted_blocks = c.blocks_requested;
    stats_.hint_seqs_ignored = c.seqs_ignored;
    stats_.malformed += c.malformed;
  }
}

void RemoteBee::Impl::ReadAnswered() {
  std::lock_guard<std::mutex> l(mu_);
  if (reads_pending_ > 0) reads_pending_--;
  FillStatsLocked();
  cv_.notify_all();
}

void RemoteBee::Impl::ReadsDropped() {
  std::lock_guard<std::mutex> l(mu_);
  reads_stalled_ = true;
  reads_pending_ = 0;
  FillStatsLocked();
  cv_.notify_all();
}

void RemoteBee::Impl::WaitForReads() {
  std::unique_lock<std::mutex> l(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  if (reads_pending_ > 0) read_waits_++;
  while (reads_pending_ > 0 && failed_.ok()) {
    if (cv_.wait_until(l, deadline) == std::cv_status::timeout) {
      reads_stalled_ = true;
      reads_pending_ = 0;
      read_timeouts_++;
    }
  }
}

void RemoteBee::Impl::AwaitPending() {
  if (options_.offline || loop_ == nullptr ||
      std::this_thread::get_id() == loop_thread_) {
    return;
  }
  WaitForReads();
}

void RemoteBee::Impl::Fail(const Status& why) {
  std::lock_guard<std::mutex> l(mu_);
  if (failed_.ok()) failed_ = why;
  cv_.notify_all();
}

Status RemoteBee::Impl::WaitReady() {
  std::unique_lock<std::mutex> l(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  while (!ready_ && failed_.ok()) {
    if (cv_.wait_until(l, deadline) == std::cv_status::timeout) break;
  }
  if (!failed_.ok()) return failed_;
  if (ready_) return Status::OK();
  failed_ = Status::Unavailable(
      "no signed length from " + url_.host_port + " within " +
      Num(static_cast<uint64_t>(options_.timeout.count())) +
      " ms (the peer may not have the log " + HexEncode(url_.key) + ")");
  return failed_;
}

std::string RemoteBee::Impl::NameMissing(
    std::span<const uint64_t> indexes) const {
  uint64_t missing = 0, first = 0;
  for (uint64_t i : indexes) {
    if (core_->Has(i)) continue;
    if (missing++ == 0) first = i;
  }
  std::string s = "block " + Num(first);
  if (missing > 1) s += " (and " + Num(missing - 1) + " more)";
  return s;
}

Status RemoteBee::Impl::PastPeerLocked(
    std::span<const uint64_t> indexes) const {
  if (!peer_length_) return Status::OK();
  for (uint64_t i : indexes) {
    if (i < *peer_length_ || core_->Has(i)) continue;
    // Not final: the blocks the peer can prove still come from it.
    return Status::Unavailable(
        "cannot fetch block " + Num(i) + ": " + url_.host_port +
        " has signed length " + Num(*peer_length_) + ", below the cache's " +
        Num(core_->length()) + " (a stale or lying server)");
  }
  return Status::OK();
}

Status RemoteBee::Impl::Fetch(std::span<const uint64_t> indexes) {
  if (options_.offline || loop_ == nullptr) {
    return Status::Unavailable(NameMissing(indexes) + " is not in the cache " +
                               dir_ + " (offline)");
  }
  if (std::this_thread::get_id() == loop_thread_) {
    return Status::InvalidArgument(
        "a remote read on the connection's own thread would wait forever");
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!failed_.ok()) {
      return failed_.WithContext("cannot fetch " + NameMissing(indexes));
    }
    BEE_RETURN_IF_ERROR(PastPeerLocked(indexes));
  }
  std::vector<uint64_t> wave(indexes.begin(), indexes.end());
  // A bee/read answer on its way brings these blocks, or most of them.
  WaitForReads();
  if (std::all_of(wave.begin(), wave.end(),
                  [&](uint64_t i) { return core_->Has(i); })) {
    return Status::OK();
  }
  loop_->Post([this, wave] {
    if (conn_ != nullptr && !conn_->closed()) channel_->DownloadBlocks(wave);
  });
  auto held = [&] {
    size_t n = 0;
    for (uint64_t i : wave) n += core_->Has(i) ? size_t{1} : size_t{0};
    return n;
  };
  std::unique_lock<std::mutex> l(mu_);
  size_t last = held();
  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  while (true) {
    if (!failed_.ok()) {
      return failed_.WithContext("cannot fetch " + NameMissing(wave));
    }
    const size_t now_held = held();
    if (now_held == wave.size()) return Status::OK();
    if (now_held > last) {
      last = now_held;
      deadline = std::chrono::steady_clock::now() + options_.timeout;
    }
    if (cv_.wait_until(l, deadline) == std::cv_status::timeout &&
        held() == last) {
      break;
    }
  }
  failed_ =
      Status::Unavailable("no answer from " + url_.host_port + " for " +
                          Num(static_cast<uint64_t>(options_.timeout.count())) +
                          " ms: " + NameMissing(wave) + " not received");
  Status why = failed_;
  l.unlock();
  // The peer stalled: drop it, so nothing arrives for a read given up.
  loop_->Post([this] {
    if (conn_ != nullptr) conn_->Close();
  });
  return why;
}

void RemoteBee::Impl::Hint(const ReadHint& hint) {
  if ((!options_.hint && hyperbee_ == nullptr && bee_read_ == nullptr) ||
      loop_ == nullptr || !CurrentStatus().ok()) {
    return;
  }
  bool bee_read = false;
  if (!options_.hint && bee_read_ != nullptr && bee_read_->peer_speaks()) {
    // Counted now, so a read that starts before the loop sends it waits.
    std::lock_guard<std::mutex> l(mu_);
    if (!reads_stalled_) {
      bee_read = true;
      reads_pending_++;
    }
  }
  loop_->Post([this, hint, bee_read] {
    if (conn_ == nullptr || conn_->closed() || channel_ == nullptr) {
      if (bee_read) ReadAnswered();
      return;
    }
    if (options_.hint) {
      options_.hint(hint, channel_);
    } else if (bee_read) {
      SendBeeRead(hint);
    } else if (hyperbee_ != nullptr) {
      SendHyperbeeHint(hint);
    }
  });
}

void RemoteBee::Impl::SendBeeRead(const ReadHint& hint) {
  BeeReadRequest r;
  r.version = hint.version;
  if (hint.kind == ReadHint::Kind::kGet) {
    r.key = hint.key;
  } else {
    r.kind = BeeReadKind::kRange;
    const btree::RangeOptions& o = hint.range;
    if (o.gt) {
      r.gt = o.gt;
    } else {
      r.gte = o.gte;
    }
    if (o.lt) {
      r.lt = o.lt;
    } else {
      r.lte = o.lte;
    }
    r.limit = o.limit < 0 ? 0 : static_cast<uint64_t>(o.limit);
    r.reverse = o.reverse;
  }
  const log::Core* core = channel_->core();
  const bool nothing =
      hint.version == 0 || core == nullptr || hint.version > core->length() ||
      (hint.kind == ReadHint::Kind::kRange && hint.range.limit == 0);
  if (nothing) {
    ReadAnswered();  // nothing to wait for
    return;
  }
  r.have = HeldSeqs(*core, r);
  if (LookupHeld(*core, r)) {
    ReadAnswered();  // a cached read: nothing to ask
    return;
  }
  bee_read_->SendRequest(std::move(r));
}

void RemoteBee::Impl::SendHyperbeeHint(const ReadHint& hint) {
  if (hint.version == 0) return;
  if (hint.kind == ReadHint::Kind::kGet) {
    hyperbee_->SendGetHint(hint.version, hint.key);
  } else if (std::optional<HyperbeeIterator> it =
                 IteratorHint(hint.version, hint.range)) {
    hyperbee_->SendIteratorHint(*it);
  }
}

void RemoteBee::Impl::CopyStats() {
  if (channel_ == nullptr) return;
  std::lock_guard<std::mutex> l(mu_);
  FillStatsLocked();
}

void RemoteBee::Impl::RunOnLoop(const std::function<void()>& fn) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  loop_->Post([this, fn, done] {
    fn();
    std::lock_guard<std::mutex> l(mu_);
    done->set_value();
    cv_.notify_all();
  });
  // A loop that ended (poll failed) never runs it: do not wait for that.
  std::unique_lock<std::mutex> l(mu_);
  while (!loop_done_ && finished.wait_for(std::chrono::milliseconds(0)) !=
                            std::future_status::ready) {
    cv_.wait_for(l, std::chrono::milliseconds(20));
  }
}

RemoteStats RemoteBee::Impl::Stats() {
  if (loop_ != nullptr && thread_.joinable()) {
    RunOnLoop([this] { CopyStats(); });
  }
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

Status RemoteBee::Impl::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  if (thread_.joinable()) {
    loop_->Post([this] {
      CopyStats();
      if (heartbeat_timer_ != 0) loop_->CancelTimer(heartbeat_timer_);
      heartbeat_timer_ = 0;
      if (conn_ != nullptr) conn_->Close();
      hyperbee_.reset();
      bee_read_.reset();
      conn_.reset();
      channel_ = nullptr;
      loop_->Stop();
    });
    thread_.join();
  }
  Status s;
  if (bee_ != nullptr) {
    s = bee_->Close();
  } else if (core_owned_ != nullptr) {
    s = core_owned_->Close();
  }
  if (temporary_) {
    bee_.reset();
    core_owned_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  return s;
}

// ---------------------------------------------------------------------------

RemoteBee::RemoteBee(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RemoteBee::~RemoteBee() = default;

Result<std::unique_ptr<RemoteBee>> RemoteBee::Open(std::string_view url,
                                                   RemoteOptions options) {
  BEE_ASSIGN_OR_RETURN(BeeUrl parsed, ParseBeeUrl(url));
  return Open(parsed, std::move(options));
}

Result<std::unique_ptr<RemoteBee>> RemoteBee::Open(const BeeUrl& url,
                                                   RemoteOptions options) {
  auto impl = std::make_unique<Impl>(url, std::move(options));
  BEE_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<RemoteBee>(new RemoteBee(std::move(impl)));
}

btree::Bee& RemoteBee::bee() { return *impl_->bee_; }
const btree::Bee& RemoteBee::bee() const { return *impl_->bee_; }
void RemoteBee::Hint(const ReadHint& hint) { impl_->Hint(hint); }
RemoteStats RemoteBee::stats() const { return impl_->Stats(); }
Status RemoteBee::status() const { return impl_->CurrentStatus(); }
Status RemoteBee::Close() { return impl_->Close(); }

}  // namespace bee::remote
