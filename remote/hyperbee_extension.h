// Hyperbee's own extension, `hyperbee` (../shared/spec/PROTOCOL.md §15;
// docs/PROTOCOL.md "The hyperbee extension"), on both sides:
//
//  - the codec of its messages: Extension{cache, get, iterator}, proto2 as
//    hyperbee 2.27.3's lib/messages.js writes it, inside the extension
//    message as a compact-encoding buffer (`uint len ‖ protobuf`);
//  - the server's part: a reader's `get` / `iterator` hint runs the same
//    lookup JS runs, on the blocks the server holds, and the seqs it read
//    are sent back as `cache` messages (GetHintSeqs, IteratorHintSeqs);
//  - the reader's part: SendGetHint / SendIteratorHint, and on a `cache`,
//    every listed block not held is requested in one wave
//    (ChannelReplicator::RequestBlocks), within a budget per hint sent.
//
// A hint only saves round trips: every block still comes as a normal
// request / data pair with its proof, verified before it is stored.
//
// Hostile input: a payload that is not a well-formed Extension (a length
// past the payload, a truncated varint, a Cache without start or end, a
// known field with the wrong wire type) or larger than kMaxHintPayload is
// dropped and counted; so is a hint whose version is 0 or past our length,
// or whose checkpoint is not whole (seq, offset, i) triples of our blocks.
// The work of one hint is bounded: a get reads at most kMaxHintReads
// blocks, an iterator records at most kIteratorMaxSeqs seqs (plus the few
// of its last step) and reads at most kMaxHintReads blocks. A cache answer
// makes the reader request at most kIteratorMaxSeqs blocks per hint it sent
// (unsolicited caches are ignored), and only blocks below its signed
// length.
//
// Thread safety: none; a HyperbeeExtension lives on its channel's event
// loop. The seq functions only read the log (log::Core is thread-safe).
#ifndef BEE_REMOTE_HYPERBEE_EXTENSION_H_
#define BEE_REMOTE_HYPERBEE_EXTENSION_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btree/iterator.h"
#include "encoding/result.h"
#include "log/core.h"
#include "net/replicator.h"
#include "net/wire.h"

namespace bee::remote {

inline constexpr std::string_view kHyperbeeExtensionName = "hyperbee";
// Seqs per cache message (hyperbee's FLUSH_BATCH).
inline constexpr size_t kCacheFlushSeqs = 128;
// Seqs an iterator hint records before it stops (MAX_ACTIVE_BATCH =
// MAX_PASSIVE_BATCH 2048 + FLUSH_BATCH).
inline constexpr size_t kIteratorMaxSeqs = 2176;
// Blocks one hint may read on the server, duplicates included.
inline constexpr size_t kMaxHintReads = 4 * kIteratorMaxSeqs;
// Larger extension payloads are dropped unread.
inline constexpr size_t kMaxHintPayload = size_t{1} << 20;
// Checkpoint triples an iterator hint may carry (one per tree level).
inline constexpr size_t kMaxCheckpointLevels = 64;

// Extension.Get: the lookup of `key` (the encoded key bytes) in the bee
// version `version` (a length).
struct HyperbeeGet {
  uint64_t version = 0;
  std::string key;
  bool operator==(const HyperbeeGet&) const = default;
};

// Extension.Iterator: a range read in version `version`, restarting from
// `checkpoint` ((seq, offset, i) per tree level, root first) when not empty.
struct HyperbeeIterator {
  uint64_t version = 0;
  std::optional<std::string> gte, gt, lte, lt;
  uint64_t limit = 0;  // 0: no limit
  bool reverse = false;
  std::vector<uint64_t> checkpoint;
  bool operator==(const HyperbeeIterator&) const = default;
};

// Extension.Cache: the seqs a lookup read, in reading order; start = the
// smallest, end = the largest + 1.
struct HyperbeeCache {
  uint64_t start = 0;
  uint64_t end = 0;
  std::vector<uint64_t> blocks;
  bool operator==(const HyperbeeCache&) const = default;
};

// One Extension message: JS sends exactly one of the three.
struct HyperbeeMessage {
  std::optional<HyperbeeCache> cache;
  std::optional<HyperbeeGet> get;
  std::optional<HyperbeeIterator> iterator;
  bool operator==(const HyperbeeMessage&) const = default;
};

// The iterator hint JS sends for a range read at `version` (RangeIterator.
// snapshot): gt wins over gte and lt over lte, as in the read itself; no
// limit (< 0) is 0. Nullopt for a limit of 0 (JS sends nothing: the read
// reads nothing).
std::optional<HyperbeeIterator> IteratorHint(uint64_t version,
                                             const btree::RangeOptions& range);

// The protobuf, byte for byte as JS writes it: fields in number order; Get
// writes version and key; Iterator writes version, the bounds present,
// limit and reverse always, checkpoint (packed) when not empty; Cache
// writes start and end, blocks (packed) when not empty.
std::string EncodeHyperbeeMessage(const HyperbeeMessage& message);
// Decodes as lib/messages.js does: unknown fields skipped (wire types 0, 1,
// 2, 5), missing fields default (0, absent, false, empty), a repeated field
// keeps the last occurrence (packed lists append), a Cache needs start and
// end. Stricter than JS where JS would misread: a known field with another
// wire type, a varint over 10 bytes, a length past the message are
// Corruption (JS drops those messages too, or reads garbage).
Result<HyperbeeMessage> DecodeHyperbeeMessage(std::string_view protobuf);

// The extension message's payload: compact-encoding `uint len ‖ protobuf`.
std::string EncodeHyperbeePayload(const HyperbeeMessage& message);
// Bytes after the buffer are ignored, as JS ignores them; a length past the
// payload is Corruption (JS closes the connection on it; we drop the
// message).
Result<HyperbeeMessage> DecodeHyperbeePayload(std::string_view payload);

// The cache messages of `seqs` (in order, at most kCacheFlushSeqs each).
std::vector<HyperbeeCache> CacheMessages(std::span<const uint64_t> seqs);

// Server side: the seqs JS's lookup reads, each once, in reading order.
//
// GetHintSeqs runs hyperbee's get at `get.version` (root = block
// version - 1) over the blocks `core` holds, without the network: the node
// blocks of the path and the key blocks its binary searches compare, the
// found key's block last. A block the log does not hold (a sparse replica)
// or cannot decode ends the walk, listed. Empty when version < 2 or past
// the log's length.
std::vector<uint64_t> GetHintSeqs(const log::Core& core,
                                  const HyperbeeGet& get);
// IteratorHintSeqs runs hyperbee's range iterator with the hint's bounds,
// reverse and limit, from its checkpoint when there is one (whose first
// checkpoint.size() block reads are not recorded, as JS skips them), until
// the limit, the end of the range, or kIteratorMaxSeqs recorded seqs.
// Empty for a refused version or a checkpoint that is not whole triples of
// node levels below the version. JS's unlimited forward iterators also
// prefetch nodes in the background (RangeIterator._preloadQuery), in an
// order that depends on timing; we do not: our list is the iteration's.
std::vector<uint64_t> IteratorHintSeqs(const log::Core& core,
                                       const HyperbeeIterator& iterator);

// What a HyperbeeExtension did (several may share one, e.g. a server's
// channels): safe to read from any thread.
struct HyperbeeExtensionCounters {
  // Served (hints received).
  std::atomic<uint64_t> hints_received{0};  // get or iterator, decoded
  std::atomic<uint64_t> hints_answered{0};  // at least one cache sent
  std::atomic<uint64_t> hints_refused{0};   // version, checkpoint, off
  std::atomic<uint64_t> caches_sent{0};
  std::atomic<uint64_t> seqs_sent{0};
  // Read (hints sent).
  std::atomic<uint64_t> hints_sent{0};
  std::atomic<uint64_t> caches_received{0};
  std::atomic<uint64_t> blocks_requested{0};  // by caches
  std::atomic<uint64_t> seqs_ignored{0};      // over budget, past length, dup
  // Both.
  std::atomic<uint64_t> malformed{0};  // undecodable or oversized payloads
};

class HyperbeeExtension {
 public:
  struct Options {
    // Answer the peer's get / iterator hints from our blocks.
    bool answer = true;
    // Request the blocks of the peer's cache answers.
    bool fetch = true;
    // Where to count; a fresh one when null.
    std::shared_ptr<HyperbeeExtensionCounters> counters;
  };

  // Makes the channel's extension handler this extension's (replacing any
  // other): the channel owns it, so it lives as long as the channel. The
  // pointer returned may be kept to send hints and read counters, but
  // must not be used after the channel is destroyed.
  static std::shared_ptr<HyperbeeExtension> Attach(
      net::ChannelReplicator* channel, Options options);

  // Reader: hints that a get of `key` (encoded) at `version` (our signed
  // length, REQUIRES > 0) is coming, so the peer lists its blocks. Send it
  // with the request of the root block (version - 1). REQUIRES: the
  // channel is open (messages before it are dropped).
  void SendGetHint(uint64_t version, std::string_view key);
  void SendIteratorHint(const HyperbeeIterator& iterator);

  // The handler Attach installs: one decoded extension message (name
  // resolved); other names are ignored.
  void OnExtension(const net::Extension& extension);

  const HyperbeeExtensionCounters& counters() const { return *counters_; }

  HyperbeeExtension(net::ChannelReplicator* channel, Options options);
  HyperbeeExtension(const HyperbeeExtension&) = delete;
  HyperbeeExtension& operator=(const HyperbeeExtension&) = delete;

 private:
  void Send(const HyperbeeMessage& message);
  void Answer(const std::vector<uint64_t>& seqs);
  void OnCache(const HyperbeeCache& cache);

  net::ChannelReplicator* channel_;
  Options options_;
  std::shared_ptr<HyperbeeExtensionCounters> counters_;
  // Blocks the peer's caches may still make us request: kIteratorMaxSeqs
  // per hint sent.
  uint64_t fetch_budget_ = 0;
};

}  // namespace bee::remote

#endif  // BEE_REMOTE_HYPERBEE_EXTENSION_H_
