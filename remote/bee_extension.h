// Our own remote-read extension, `bee/read/1` (docs/PROTOCOL.md "The
// bee/read extension"): a reader's cold get or range costs one round trip
// against a bee server.
//
//  - The server says `hello` once per channel, right after its open (so a
//    reader knows before its signed length arrives that the server speaks
//    it; JS peers ignore unknown extension names, §15.1, and never say it).
//  - The reader sends a `request`: an id, its version (signed length), a get
//    key or range bounds + limit + reverse, and the seqs on the lookup's
//    path it already holds (`have`).
//  - The server answers with one `answer`: for each block the reader's
//    read needs that is not in `have`, a hypercore `data` proof
//    (log::EncodeProof) of that block against the reader's version, which
//    the reader verifies with log::ApplyProof before storing it. For a get:
//    per node of the path, its block and the one or two keys bracketing
//    the target (the equal key alone where it is found, and nothing
//    below), read straight off the served log; the reader's B-tree search
//    on a sparse replica compares held keys first, so these decide every
//    node without a fetch. For a range: the blocks our B-tree's range reads
//    on a sparse replica (node blocks of the seek's path, the keys of each
//    of its nodes, the scanned blocks), found by running it on an
//    in-memory shadow replica fed from the served log.
//
// Bounds: an answer carries at most kMaxReadBlocks proofs and
// kMaxReadBytes bytes (the server stops there and says kTruncated; the
// reader fetches the rest on demand). A reader accepts an answer only for
// a request it has outstanding, at most kMaxReadBlocks proofs in at most
// kMaxReadPayload bytes; of each proof only a block part for a block below
// its signed length and not held; each is verified before it is stored,
// and one that fails is counted (and named in last_error) and dropped:
// nothing unverified is stored, and the read goes on through the normal
// per-block fetch. An answer may prove blocks the lookup did not need: they
// verify and are stored like any, so what one request can bring is bounded
// by kMaxReadBlocks and kMaxReadPayload, not by the lookup. Malformed or
// oversized messages are counted and dropped, and a reader is told
// (Options::on_malformed: RemoteBee then stops asking that server, and no
// read waits for an answer from it).
//
// Thread safety: a BeeReadExtension lives on its channel's event loop; its
// counters may be read from any thread. The free functions only read (or,
// ApplyReadAnswer, verify into) a log, which is thread-safe.
#ifndef BEE_REMOTE_BEE_EXTENSION_H_
#define BEE_REMOTE_BEE_EXTENSION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "encoding/result.h"
#include "log/core.h"
#include "net/replicator.h"
#include "net/wire.h"

namespace bee::remote {

inline constexpr std::string_view kBeeReadExtensionName = "bee/read/1";
inline constexpr uint64_t kBeeReadVersion = 1;
// Proofs in one answer (a 100-key range on a 100,000-key store needs ~110).
inline constexpr size_t kMaxReadBlocks = 512;
// Block and proof bytes the server puts in one answer.
inline constexpr size_t kMaxReadBytes = size_t{4} << 20;
// Larger extension payloads are dropped unread (answer bytes plus framing).
inline constexpr size_t kMaxReadPayload = kMaxReadBytes + (size_t{64} << 10);
// Seqs a request may list as held.
inline constexpr size_t kMaxReadHave = 256;

// Frozen wire values.
enum class BeeReadKind : uint8_t { kGet = 0, kRange = 1 };
enum class BeeReadResult : uint8_t {
  kComplete = 0,   // every block of the lookup not in `have`
  kTruncated = 1,  // stopped at a bound, or at a block the server lacks
  kRefused = 2,    // version 0 or past the server's length: no proofs
};

struct BeeReadHello {
  uint64_t version = kBeeReadVersion;
  bool operator==(const BeeReadHello&) const = default;
};

struct BeeReadRequest {
  uint64_t id = 0;
  uint64_t version = 0;  // the reader's signed length
  BeeReadKind kind = BeeReadKind::kGet;
  std::string key;  // kGet
  // kRange: as btree::RangeOptions (gt wins over gte, lt over lte); limit
  // 0 = none.
  std::optional<std::string> gte, gt, lte, lt;
  uint64_t limit = 0;
  bool reverse = false;
  std::vector<uint64_t> have;  // seqs of the lookup the reader holds
  bool operator==(const BeeReadRequest&) const = default;
};

struct BeeReadAnswer {
  uint64_t id = 0;
  BeeReadResult result = BeeReadResult::kComplete;
  std::vector<std::string> proofs;  // log::EncodeProof bytes, one block each
  bool operator==(const BeeReadAnswer&) const = default;
};

using BeeReadMessage =
    std::variant<BeeReadHello, BeeReadRequest, BeeReadAnswer>;

// The extension message's payload (grammar atop bee_extension.cc).
std::string EncodeBeeRead(const BeeReadMessage& message);
// Corruption naming the fault: an unknown type, a truncated field, a
// length past the payload, an unknown kind or result, over kMaxReadHave
// seqs or kMaxReadBlocks proofs, bytes after the message.
Result<BeeReadMessage> DecodeBeeRead(std::string_view payload);

// Server: the answer to `request` from the blocks `core` holds: for a get,
// the node blocks of its path and per node the keys bracketing the key
// (the equal key alone where it is found); for a range, the blocks a bee
// reader's range fetches, found by running it with our own B-tree
// (btree::Bee, checked out at request.version) on an in-memory sparse
// replica fed from `core` and recording what it asks for; minus the header
// and `have`; each as a proof of the block against request.version, in
// reading order, within kMaxReadBlocks and kMaxReadBytes. kTruncated when
// `core` lacks a block the read needs. A range costs the server one proof
// made and verified per block; a get, one decode per key compared.
BeeReadAnswer AnswerRead(const log::Core& core, const BeeReadRequest& request);

// Reader: seqs of the request's lookup `replica` holds already, at most
// kMaxReadHave. A get: the node blocks of its path down to the first the
// replica lacks or whose held keys do not decide where the key is, and the
// held keys of those nodes. A range: hyperbee's walk up to the first block
// it lacks, and the keys of the index levels of the blocks it held.
std::vector<uint64_t> HeldSeqs(const log::Core& replica,
                               const BeeReadRequest& request);

// Reader: the lookup needs nothing the replica lacks (a cached read, whose
// request would bring nothing). A get: the held node blocks and keys of its
// path decide every node. A range: hyperbee's walk found every block it
// read held, and every key of their index levels.
bool LookupHeld(const log::Core& replica, const BeeReadRequest& request);

// What applying one answer did.
struct ApplyReadResult {
  uint64_t applied = 0;   // blocks verified and stored
  uint64_t bytes = 0;     // their bytes
  uint64_t skipped = 0;   // held already
  uint64_t rejected = 0;  // undecodable, not a lone block, past the
                          // length, or failed verification: not stored
  Status first_error;     // names the first rejected proof
};
// Verifies and stores each proof of `answer` in `replica` (REQUIRES: a
// replica, log::Core::CreateReplica).
ApplyReadResult ApplyReadAnswer(log::Core* replica,
                                const BeeReadAnswer& answer);

// What BeeReadExtensions did (a server's channels share one): readable
// from any thread.
struct BeeReadCounters {
  // Served.
  std::atomic<uint64_t> requests_received{0};
  std::atomic<uint64_t> answers_sent{0};
  std::atomic<uint64_t> proofs_sent{0};
  // Read.
  std::atomic<uint64_t> requests_sent{0};
  std::atomic<uint64_t> answers_received{0};
  std::atomic<uint64_t> answers_ignored{0};  // no such request outstanding
  std::atomic<uint64_t> blocks_applied{0};
  std::atomic<uint64_t> bytes_applied{0};
  std::atomic<uint64_t> proofs_rejected{0};
  // Both.
  std::atomic<uint64_t> malformed{0};
};

class BeeReadExtension {
 public:
  struct Options {
    bool answer = true;  // serve the peer's requests
    // Reader: after each answer for an outstanding request was applied
    // (on the loop thread).
    std::function<void(uint64_t id, const ApplyReadResult&)> on_answer;
    // Reader: after a bee/read message from the peer was dropped as
    // malformed or oversized (on the loop thread), with the reason: an
    // answer it may have carried will not be applied.
    std::function<void(const Status& why)> on_malformed;
    std::shared_ptr<BeeReadCounters> counters;  // fresh when null
  };

  // Handles `bee/read/1` messages on `channel` and passes every other
  // extension message to the handler set before (e.g. hyperbee's). The
  // channel owns the extension; the pointer returned must not be used
  // after the channel is destroyed.
  static std::shared_ptr<BeeReadExtension> Attach(
      net::ChannelReplicator* channel, Options options);

  // Server: announces the extension. REQUIRES: our open was sent.
  void SendHello();
  // Reader: the peer said hello (any thread).
  bool peer_speaks() const { return peer_speaks_.load(); }
  // Reader: sends `request` with a fresh id (returned), kept outstanding
  // until its answer arrives.
  uint64_t SendRequest(BeeReadRequest request);

  void OnExtension(const net::Extension& extension);

  const BeeReadCounters& counters() const { return *counters_; }
  // The first proof a peer's answer carried that was rejected (OK: none).
  Status last_error() const;

  BeeReadExtension(net::ChannelReplicator* channel, Options options);
  BeeReadExtension(const BeeReadExtension&) = delete;
  BeeReadExtension& operator=(const BeeReadExtension&) = delete;

 private:
  void Send(const BeeReadMessage& message);
  // Counts a message dropped unread and tells on_malformed.
  void Dropped(const Status& why);
  void OnRequest(const BeeReadRequest& request);
  void OnAnswer(const BeeReadAnswer& answer);

  net::ChannelReplicator* channel_;
  Options options_;
  std::shared_ptr<BeeReadCounters> counters_;
  std::function<void(const net::Extension&)> next_;
  std::atomic<bool> peer_speaks_{false};
  uint64_t next_id_ = 1;
  std::set<uint64_t> outstanding_;
  mutable std::mutex error_mu_;
  Status last_error_;  // guarded by error_mu_
};

}  // namespace bee::remote

#endif  // BEE_REMOTE_BEE_EXTENSION_H_
