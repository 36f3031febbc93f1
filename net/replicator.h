// The behaviour of one `hypercore/alpha` channel (../shared/spec/PROTOCOL.md
// §7): one log replicated with one peer over one connection. Sans I/O: it
// consumes the peer's decoded messages and emits its own through a
// MessageSink, and the caller (the connection that owns the channel)
// carries them; it never blocks on the network and owns no thread.
//
// As a server it answers the peer's requests with proofs of what the local
// log holds (log::CreateProof), announces what it has (sync, range,
// bitfield) and pushes new signed lengths when the log changes
// (OnLocalChange). As a reader it downloads a range of blocks (Download):
// it upgrades to the peer's signed length, requests blocks with the merkle
// nodes it lacks, pipelines up to Options::max_inflight requests, and
// verifies every answer with log::ApplyProof before anything is stored. A
// peer may be both at once, as JS peers are.
//
// Hostile peers: a proof that does not verify, data of a kind or fork the
// request did not ask for, a peer that announces blocks and then has none of
// them, or one that keeps sending invalid requests is a protocol error:
// OnMessage returns a Status naming the peer's fault, and the caller must
// close the connection. Nothing unverified is stored (ApplyProof stores only
// after verifying). Memory per channel is bounded: at most max_inflight
// outstanding requests and max_bitfield_bytes of the peer's availability.
//
// Thread safety: none; a channel is driven by its connection's event loop.
// The log itself may be appended by other threads; they tell the channel
// through the loop (OnLocalChange on the loop's thread).
#ifndef BEE_NET_REPLICATOR_H_
#define BEE_NET_REPLICATOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "log/core.h"
#include "net/wire.h"

namespace bee::net {

// Where a channel's messages go: the connection encodes each one on the
// channel and sends it. Cork/Uncork bracket messages that should travel as
// one Protomux batch (JS sends sync and range after open that way).
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void Send(const Message& message) = 0;
  virtual void Cork() {}
  virtual void Uncork() {}
};

// The peer as its messages describe it.
struct RemoteState {
  bool synced = false;  // a sync was received
  uint64_t fork = 0;
  uint64_t length = 0;         // the peer's signed length
  uint64_t remote_length = 0;  // our length as the peer last saw it
  bool can_upgrade = false;
  bool uploading = false;
  bool downloading = false;
  bool has_manifest = false;
  uint64_t contiguous = 0;  // the peer holds blocks [0, contiguous)
};

// What a channel has done, for --stats and tests.
struct ReplicatorStats {
  uint64_t requests_sent = 0;
  uint64_t blocks_received = 0;  // verified and stored
  uint64_t bytes_received = 0;   // block bytes of those
  uint64_t upgrades_received = 0;
  uint64_t requests_answered = 0;  // data sent
  uint64_t no_data_sent = 0;
  uint64_t invalid_requests = 0;  // received from the peer
  // RequestBlocks: blocks requested, and listed blocks left out (past our
  // signed length, not announced by the peer, or over the queue bound).
  uint64_t listed_requested = 0;
  uint64_t listed_skipped = 0;
  // Request/response round trips of a reader: the highest wave of a
  // request sent so far. A request's wave is one more than the highest
  // wave among the answers received before it is sent (data or noData for
  // a request of that wave; an extension message counts as the answer to
  // the hints sent before it: SendExtension's awaits_answer), so a request that
  // had to wait for an answer is one round trip later, however many others were
  // in flight. Requests sent before the log holds a signed length (the first
  // contact: the manifest and the length) are wave 0, not counted.
  uint64_t round_trips = 0;
  uint64_t pings_sent = 0;  // Ping
};

class ChannelReplicator {
 public:
  struct Options {
    // Requests in flight at once (JS: 48 on TCP, 512 for a Hyperbee).
    uint64_t max_inflight = 64;
    // Invalid requests from the peer before the channel gives up on it
    // (JS destroys the stream at the 64th).
    uint64_t max_invalid_requests = 64;
    // The peer's sparse availability (bitfield and range messages past its
    // contiguous prefix) is remembered up to this many bytes of bitmap.
    size_t max_bitfield_bytes = size_t{1} << 20;
  };

  // Makes the local log once the peer has sent, and this channel has
  // verified against `key`, the manifest (empty for a compat core, whose
  // key is the signer). Returns the log the channel then replicates.
  using CoreFactory =
      std::function<Result<log::Core*>(std::string_view manifest)>;

  // Replicates `core`, which outlives the channel.
  ChannelReplicator(log::Core* core, MessageSink* sink, Options options);
  ChannelReplicator(log::Core* core, MessageSink* sink)
      : ChannelReplicator(core, sink, Options{}) {}
  // Replicates a log that does not exist yet, known only by its key: the
  // first request asks for the manifest, `factory` makes the log from it.
  // Only a reader can start so; Download must be called too.
  ChannelReplicator(const Hash32& key, CoreFactory factory, MessageSink* sink,
                    Options options);

  ChannelReplicator(const ChannelReplicator&) = delete;
  ChannelReplicator& operator=(const ChannelReplicator&) = delete;

  // The channel is paired (both opens seen, capability checked): sends our
  // sync, and range {0, contiguous} when we hold a prefix.
  void OnOpen();

  // One message from the peer. A non-OK Status names the peer's protocol
  // violation; the caller closes the connection with it.
  Status OnMessage(const Message& message);

  // The local log's signed length, fork or held blocks changed (an append
  // here or in a writer process followed by Refresh, or a proof applied by
  // another channel): announces the new state to the peer.
  void OnLocalChange();

  // Reader: downloads blocks [start, end). end = kLive follows the peer's
  // length as it grows; end = kPeerLength stops at the peer's signed length
  // as its first sync states it. Blocks already held are skipped. Replaces
  // an earlier range.
  static constexpr uint64_t kLive = ~uint64_t{0};
  static constexpr uint64_t kPeerLength = kLive - 1;
  void Download(uint64_t start, uint64_t end);

  // Reader: also downloads these single blocks (each below the signed
  // length; those held already are skipped), sparse reads' blocks on
  // demand, as soon as the channel is open and has a signed length. Adds to
  // the blocks asked before. Needs a Download (Download(0, 0): only these
  // blocks and the peer's new lengths). A block the peer then answers with
  // noData sets download_status().
  void DownloadBlocks(std::span<const uint64_t> blocks);
  // Blocks asked by DownloadBlocks and not held yet.
  size_t blocks_wanted() const { return wanted_blocks_.size(); }

  // True once every block of the Download range is held locally and, for
  // a bounded range, the range lies within our signed length. A live
  // download is never done.
  bool done() const;
  // The reason the download cannot finish (e.g. the peer has no block it
  // must provide), OK while it can.
  const Status& download_status() const { return download_status_; }

  // Reader: requests each of `blocks` below our signed length that is not
  // held, not requested or queued already and announced by the peer, all at
  // once (one wave), besides the Download range (which it leaves alone). Those
  // past max_inflight wait in a queue of at most kMaxListedQueue blocks
  // and go out as answers free slots, after what the Download range and
  // DownloadBlocks need (a list never holds back a block a read waits
  // for); the rest are skipped (counted in stats). Best effort, for hints
  // (remote/hyperbee_extension.h): a block the peer then refuses is not
  // reported in download_status. Returns the number requested or queued.
  // Ignored before the log exists.
  static constexpr size_t kMaxListedQueue = 8192;
  size_t RequestBlocks(std::span<const uint64_t> blocks);

  // A liveness probe: asks the peer what it holds of the first 2^21
  // blocks (a `want`, §7.6), which a hypercore peer answers with `range`
  // (a JS peer holding its whole log, as a writer does, always; a bee
  // peer holding a contiguous log, always) or `bitfield`, and which changes
  // nothing the peer stores or sends otherwise. The answer is handled as
  // any availability message. Ignored before the channel is open.
  void Ping();

  // Extension messages (hyperbee's and ours ride on the channel, §15).
  // `awaits_answer`: a request of ours by another name (a hint): it is
  // given a wave as a request is, and the next extension message received
  // counts as its answer, so the requests that answer causes are a wave
  // later (ReplicatorStats::round_trips; the hint itself is not counted).
  void SendExtension(std::string name, std::string message,
                     bool awaits_answer = false);
  void set_extension_handler(std::function<void(const Extension&)> handler) {
    extension_handler_ = std::move(handler);
  }
  // The handler set (null: none), so another can chain to it.
  const std::function<void(const Extension&)>& extension_handler() const {
    return extension_handler_;
  }

  const RemoteState& remote() const { return remote_; }
  const ReplicatorStats& stats() const { return stats_; }
  log::Core* core() const { return core_; }
  uint64_t inflight() const { return inflight_.size(); }

 private:
  // What an outstanding request asked for.
  struct Pending {
    std::optional<uint64_t> block;
    bool upgrade = false;
    bool manifest = false;
    uint64_t fork = 0;
    bool listed = false;  // from RequestBlocks
    uint64_t wave = 0;    // ReplicatorStats::round_trips
  };

  Status OnSync(const Sync& sync);
  Status OnRequest(const log::ProofRequest& request);
  Status OnData(const log::Proof& proof);
  Status OnNoData(const NoData& no_data);
  void OnWant(const Want& want);
  Status OnRange(const Range& range);
  Status OnBitfield(const Bitfield& bitfield);

  void SendSync();
  void SendAvailability(uint64_t start, uint64_t length);
  // Sends the requests the download needs, then queued RequestBlocks
  // requests, up to max_inflight.
  void Pump();
  // Pump's part for the Download range and DownloadBlocks.
  void PumpDownload();
  // Sends queued RequestBlocks requests, up to max_inflight.
  void PumpListed();
  // The block can be requested now: below our length, not held or in
  // flight, announced by the peer.
  bool Requestable(uint64_t index) const;
  // Pump's part for DownloadBlocks.
  void PumpBlocks(uint64_t length);
  // Requests block i, or asks the peer for its availability first.
  void RequestBlock(uint64_t i);
  uint64_t NextId();
  void Request(log::ProofRequest request, Pending pending);
  bool RemoteHas(uint64_t index) const;
  void MarkRemote(uint64_t start, uint64_t length, bool has);
  // Blocks [0, n) all held locally.
  uint64_t LocalContiguous();

  log::Core* core_;
  Hash32 key_{};
  CoreFactory factory_;
  MessageSink* sink_;
  Options options_;

  RemoteState remote_;
  // The peer's blocks past its contiguous prefix: 4 KiB pages of bits,
  // keyed by page number (32768 blocks a page).
  std::map<uint64_t, std::vector<uint32_t>> remote_pages_;
  bool opened_ = false;
  std::optional<Sync> last_sync_;  // what our last sync said
  uint64_t announced_contiguous_ = 0;

  // Reader state.
  bool downloading_ = false;
  uint64_t want_start_ = 0, want_end_ = 0;
  uint64_t cursor_ = 0;  // no block below it (in the range) is missing
  std::map<uint64_t, Pending> inflight_;
  std::vector<uint64_t> free_ids_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, uint64_t> block_inflight_;  // block -> request id
  bool upgrade_inflight_ = false;
  std::map<uint64_t, bool> wanted_segments_;  // want messages sent
  std::set<uint64_t> wanted_blocks_;          // DownloadBlocks, not held
  Status download_status_;
  std::deque<uint64_t> listed_;       // RequestBlocks' queue
  std::set<uint64_t> listed_queued_;  // what listed_ holds

  std::function<void(const Extension&)> extension_handler_;
  ReplicatorStats stats_;
  uint64_t answered_wave_ = 0;  // the highest wave answered so far
  uint64_t hint_wave_ = 0;      // the highest wave of an awaits_answer send
};

}  // namespace bee::net

#endif  // BEE_NET_REPLICATOR_H_
