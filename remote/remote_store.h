// RemoteBee: reads a store served by a peer (`bee://HOST:PORT/KEYHEX`, a
// bee or JS server) through the normal read API of a btree::Bee (get,
// range, diff, history, checkout), fetching only the blocks each read
// needs (PROTOCOL.md §9, "remote reads").
//
// Underneath is a sparse replica (log::Core::CreateReplica) in
// RemoteOptions::cache_dir, or in a temporary directory removed at Close.
// Every block and merkle node arrives as a proof verified against the
// signed length before it is stored (log::ApplyProof); nothing unverified
// is ever returned or stored. A read that finds blocks missing asks for all
// of them at once (log::BlockSource: one wave of requests) and waits until
// they are stored, or fails with an error naming a missing block: the
// peer sent nothing for RemoteOptions::timeout, closed, lied (its proof did
// not verify), or has no such block. Such a failure is final for this
// RemoteBee (later reads fail with it at once, so no read waits twice);
// what was verified before stays in the cache, and a new RemoteBee (say,
// to an honest server, with the same cache_dir) goes on from it.
//
// The cache never rolls back: its signed length only grows (an upgrade
// must extend it and carry the writer's signature of the new tree). A peer
// whose signed length is below the cache's (a stale copy, whose newest
// signature is an older one of the writer's) is read from as far as it
// reaches: a read needing a block at or past the peer's length fails at
// once, not finally, naming the block and both lengths. Of a peer that
// serves another history signed by the same key, at open or announced
// live, the first proof checked does not verify (a final failure naming
// it); a peer that moved to a new fork is named as such.
//
// A cache makes a repeated read free: blocks held are read locally, so a
// query whose blocks are all cached makes no round trip. Offline, nothing
// is sent: a read needing a block the cache lacks fails naming it.
//
// Following: the replica keeps the peer's newest signed length. The peer
// announces each one (a bee server: as soon as it signs or sees it); the
// connection's thread verifies it and publishes it, which grows
// bee().version() and wakes Core::WaitForAppend, so a btree::Watcher or a
// live btree::HistoryIterator on bee() sees new versions as a local one
// does, without polling the peer, and fetches the blocks they read on
// demand. A failure (the peer went away, or moved to a new fork: a replica
// does not follow a truncation) does not wake those waits: a follower
// calls Next with a bounded timeout and checks status() between calls.
// With RemoteOptions::heartbeat a peer that stops answering without closing
// is such a failure within RemoteOptions::timeout.
//
// Threads: one thread of its own runs the connection (an EventLoop). The
// Bee may be read from any threads at once (reads block while their blocks
// are fetched); it must not be used after Close or destruction.
#ifndef BEE_REMOTE_REMOTE_STORE_H_
#define BEE_REMOTE_REMOTE_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "encoding/result.h"
#include "net/connection.h"
#include "net/event_loop.h"
#include "net/transport.h"
#include "remote/replicate.h"

namespace bee::remote {

// What a read is about to look up, given to RemoteOptions::hint before it
// starts: a server that understands a hint (hyperbee's extension, or ours)
// can send the blocks the lookup will need in one round trip.
struct ReadHint {
  enum class Kind : uint8_t { kGet = 0, kRange = 1 };
  Kind kind = Kind::kGet;
  uint64_t version = 0;       // the version (snapshot) the read uses
  std::string key;            // kGet
  btree::RangeOptions range;  // kRange
};

// What reads have cost so far (RemoteBee::stats).
struct RemoteStats {
  uint64_t blocks = 0;  // blocks received, verified and stored
  uint64_t bytes = 0;   // their bytes
  // Request/response round trips: waves of block requests sent while none
  // was in flight, after the channel opened and the reader held a signed
  // length (net::ReplicatorStats::round_trips), plus one per read that
  // waited for the answer of a bee/read request (a request whose read found
  // everything cached costs no wait).
  uint64_t round_trips = 0;
  // bee/read (remote/bee_extension.h): requests sent, and proofs of their
  // answers rejected (not stored). Blocks its answers brought count above
  // and in read_blocks: at most kMaxReadBlocks per request, whatever blocks
  // the server chose to prove.
  uint64_t read_requests = 0;
  uint64_t read_rejected = 0;
  uint64_t read_blocks = 0;
  // bee/read answers that reads stopped waiting for because none came
  // within `timeout` (the server is not asked again).
  uint64_t read_timeouts = 0;
  // hyperbee's hints: blocks requested because a server's `cache` answer
  // listed them (at most kIteratorMaxSeqs per hint sent, whatever it
  // listed), and listed seqs ignored (over that budget, past the signed
  // length, listed twice, or unsolicited).
  uint64_t hinted_blocks = 0;
  uint64_t hint_seqs_ignored = 0;
  // Extension messages of either extension dropped unread: undecodable,
  // or over their size bound (kMaxHintPayload, kMaxReadPayload). After a
  // malformed bee/read message the server is not asked again, and no read
  // waits for an answer from it.
  uint64_t malformed = 0;
  // RemoteOptions::heartbeat: pings sent to a quiet peer, and those after
  // which the peer sent something (the answer, or anything else) before
  // the next ping.
  uint64_t pings = 0;
  uint64_t ping_answers = 0;
};

struct RemoteOptions {
  // A directory holding (or to hold) the sparse replica, kept after Close;
  // empty: a temporary directory, removed at Close.
  std::string cache_dir;
  // Read the cache alone: no connection. REQUIRES: cache_dir holds a
  // replica of the key.
  bool offline = false;
  // A read (or the open) fails when the peer sends nothing it waits for
  // during this long (connecting, the handshake, the signed length, a
  // block), naming what it waited for.
  std::chrono::milliseconds timeout{30000};
  net::ConnectionOptions connection;
  net::TransportOptions transport = net::IdleAfter(std::chrono::seconds(30));
  // Makes the transport to the peer, on `loop` (tests: a transport with
  // faults); default: TCP to the URL's HOST:PORT.
  std::function<Result<std::unique_ptr<net::Transport>>(
      net::EventLoop* loop, const std::string& host_port)>
      connect;
  // Called on the connection's thread before a lookup starts (RemoteBee::
  // Hint), with the log's channel to send a hint on (and, e.g., to call
  // DownloadBlocks with the blocks a server's answer announces). Null: no
  // hints. It must not block nor call this RemoteBee or read its Bee (a
  // read waits for this very thread). The hyperbee extension
  // (remote/hyperbee_extension.h) plugs in here.
  std::function<void(const ReadHint& hint, net::ChannelReplicator* channel)>
      hint;
  // Without a `hint` function: send hyperbee's own hints (its `hyperbee`
  // extension, remote/hyperbee_extension.h) before each lookup, and fetch
  // the blocks a server's `cache` answer lists in one wave (bee serve and a
  // JS Hyperbee answer; a server that does not costs nothing). Off: every
  // lookup walks the tree, one wave per step.
  bool hyperbee_hints = true;
  // Without a `hint` function, to a server that says `bee/read/1` hello on
  // the channel (bee serve): send each lookup as a bee/read request instead
  // of hyperbee's hints, and have the read wait for its answer (up to
  // `timeout`), which brings every block the lookup needs with its proof in
  // one round trip; blocks it lacks are then fetched as usual.
  bool bee_read = true;
  // For followers (a Watcher or live history on bee(), `bee watch`, `bee
  // history --live`): notice within `timeout` a peer that vanished without
  // closing (stopped, or a network that stopped carrying its bytes). When
  // the peer sent nothing for a third of `timeout`, it is pinged
  // (net::ChannelReplicator::Ping, a `want` every hypercore peer holding
  // its log answers), again each third; when nothing at all arrived for
  // `timeout`, the connection is closed and status() says "connection to
  // HOST:PORT: nothing received for T ms, not even an answer to a ping
  // (the server stopped answering)". Off: such a peer is noticed only by
  // the transport's idle timeout (`transport`, 30 s: the peer's
  // keep-alives, every 5 s, reset it) or a read's `timeout`.
  bool heartbeat = false;
};

class RemoteBee {
 public:
  // Connects, opens the log's channel, waits for the peer's signed length
  // (verified), and opens the replica as a read-only Bee at that length.
  // InvalidArgument for a bad URL, or a cache_dir holding another log or a
  // writable store; Unavailable when the peer cannot be reached, does not
  // have the log, or sends no signed length within the timeout; offline,
  // NotFound when the cache holds no replica.
  static Result<std::unique_ptr<RemoteBee>> Open(std::string_view url,
                                                 RemoteOptions options);
  static Result<std::unique_ptr<RemoteBee>> Open(const BeeUrl& url,
                                                 RemoteOptions options);
  ~RemoteBee();  // Close(), its error ignored
  RemoteBee(const RemoteBee&) = delete;
  RemoteBee& operator=(const RemoteBee&) = delete;

  // The store: read it as a local one (writes fail: it is read-only). Its
  // version is the peer's signed length at open, growing as the peer
  // announces new ones (Bee::version, GetSnapshot).
  btree::Bee& bee();
  const btree::Bee& bee() const;

  // Tells RemoteOptions::hint what a lookup is about to read (a no-op
  // without a hint function, offline, or after a failure).
  void Hint(const ReadHint& hint);

  RemoteStats stats() const;
  // The first failure of the connection or of a fetch; OK while usable.
  Status status() const;

  // Closes the connection, syncs the cache (or removes the temporary
  // directory). The Bee must not be used after.
  Status Close();

  class Impl;

 private:
  explicit RemoteBee(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bee::remote

#endif  // BEE_REMOTE_REMOTE_STORE_H_
