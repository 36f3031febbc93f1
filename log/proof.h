/// @file
/// Proofs: how a reader holding only a core's key verifies a block (and the
/// length it belongs to) fetched from an untrusted peer. The shapes and wire
/// encodings are hypercore 11's request/data messages (FORMAT.md §16), so a
/// future replication protocol can carry them unchanged.
///
/// @code
///   responder: CreateProof(core, request)        -> Proof (or noData)
///   requester: MakeRequest(replica, block, len)  -> ProofRequest
///              ApplyProof(replica, proof)        -> verified and stored
/// @endcode
///
/// Thread safety: the functions are as thread-safe as the Core calls they
/// make (CreateProof reads; ApplyProof and ImportLog write, serialized by
/// the log). Proof and ProofRequest are plain values.
/// Every byte of a Proof is hostile until ApplyProof has checked it against
/// the replica's stored nodes and the signer's public key.
#ifndef BEE_LOG_PROOF_H_
#define BEE_LOG_PROOF_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "log/core.h"
#include "log/crypto.h"

namespace bee::log {

// The parts of a request and of a proof are defined outside them so that
// clang sees their default member initializers before std::optional asks
// whether they are default-constructible (CWG 1397).

/// A block or hash part of a request: the index, and the nodes wanted.
struct ProofRequestRange {
  /// The block (or, for a hash part, the flat-tree node) asked for.
  uint64_t index = 0;
  uint64_t nodes = 0;  ///< how many ancestors (leaf first) the requester lacks
};
/// A seek part of a request (never answered: NotSupported).
struct ProofRequestSeek {
  uint64_t bytes = 0;    ///< the byte offset sought
  uint64_t padding = 0;  ///< hypercore's padding
};
/// The upgrade part of a request: verify a longer signed length.
struct ProofRequestUpgrade {
  uint64_t start = 0;   ///< the requester's length
  uint64_t length = 0;  ///< how many more blocks it wants verified
};

/// hypercore 11's `request` message (FORMAT.md §16).
struct ProofRequest {
  using Range = ProofRequestRange;
  using Seek = ProofRequestSeek;
  using Upgrade = ProofRequestUpgrade;
  uint64_t id = 0;                   ///< echoed by the answer
  uint64_t fork = 0;                 ///< the fork the requester knows
  std::optional<Range> block;        ///< a block, with its proof
  std::optional<Range> hash;         ///< a node's hash, with its proof
  std::optional<Seek> seek;          ///< a byte offset
  std::optional<Upgrade> upgrade;    ///< a longer signed length
  bool manifest = false;             ///< the manifest is wanted too
  std::optional<uint64_t> priority;  ///< hypercore's priority hint
};

/// The block part of a proof: the block and the nodes that verify it.
struct ProofBlock {
  uint64_t index = 0;           ///< the block
  std::string value;            ///< its bytes
  std::vector<TreeNode> nodes;  ///< uncles, bottom-up
};
/// The hash part of a proof.
struct ProofHash {
  uint64_t index = 0;           ///< the flat-tree node
  std::vector<TreeNode> nodes;  ///< the node and its uncles
};
/// The seek part of a proof.
struct ProofSeek {
  uint64_t bytes = 0;           ///< the byte offset
  std::vector<TreeNode> nodes;  ///< the nodes down to it
};
/// The upgrade part of a proof: the nodes and signature of a longer length.
struct ProofUpgrade {
  uint64_t start = 0;                      ///< the requester's length
  uint64_t length = 0;                     ///< blocks the upgrade adds
  std::vector<TreeNode> nodes;             ///< the new roots' proof
  std::vector<TreeNode> additional_nodes;  ///< up to the signer's length
  std::string signature;  ///< as stored (68-byte container or raw 64)
};

/// hypercore 11's `data` message (FORMAT.md §16): what answers a
/// ProofRequest. Hostile until ApplyProof checked it.
struct Proof {
  using Block = ProofBlock;
  using Hash = ProofHash;
  using Seek = ProofSeek;
  using Upgrade = ProofUpgrade;
  uint64_t request = 0;                 ///< the id of the request this answers
  uint64_t fork = 0;                    ///< the responder's fork
  std::optional<Block> block;           ///< the block asked for
  std::optional<Hash> hash;             ///< the hash asked for
  std::optional<Seek> seek;             ///< the seek asked for
  std::optional<Upgrade> upgrade;       ///< the upgrade asked for
  std::optional<std::string> manifest;  ///< the manifest, when asked for
};

/// Wire encodings (compact-encoding, FORMAT.md §16.1). The decoders refuse
/// bytes after the message unless `allow_trailing`: a channel message
/// (PROTOCOL.md §6.4) may carry fields a newer peer appended, which JS skips.
std::string EncodeRequest(const ProofRequest& request);
Result<ProofRequest> DecodeRequest(std::string_view bytes,
                                   bool allow_trailing = false);
std::string EncodeProof(const Proof& proof);
Result<Proof> DecodeProof(std::string_view bytes, bool allow_trailing = false);

/// Builds the proof answering `request` (PROTOCOL.md §7.4, FORMAT.md §16.3)
/// from a core that holds the blocks and nodes it needs (a full log, or a
/// replica that has them), exactly as hypercore 11 does: block, hash and
/// upgrade parts in any combination (a hash part is ignored when a block is
/// asked for, as hypercore does), additional nodes up to this log's length,
/// and the manifest when asked for. An empty log answers with no part.
///
/// Errors, with the noData reason (PROTOCOL.md §6.4) a replicator sends:
/// - Unavailable: this log cannot answer now, whatever the request's shape:
///   another fork, a block it does not hold (or past its length), a node
///   a replica lacks. Reason 1, "not available" (or ManifestOnlyProof).
/// - InvalidArgument: no log of this length could answer it: an upgrade
///   with start >= end or end > length, a block or hash whose `nodes`
///   climbs out of the requester's tree (start + length, else this length),
///   a block or hash node past the end of the upgrade, a hash node outside
///   the tree. Reason 2, "invalid request" (hypercore counts them against
///   the peer).
/// - NotSupported: seek requests. Reason 1. A JS peer sends them only to a
///   peer whose channel open set `seeks` (PROTOCOL.md §6.1); told 0, it
///   asks hash requests instead, which are answered.
/// - Corruption, IOError: this log's own files failed. Reason 1.
///
/// The checks run in hypercore's order: a request both unavailable and
/// invalid is Unavailable.
Result<Proof> CreateProof(const Core& core, const ProofRequest& request);

/// What hypercore sends instead of noData reason 1 (PROTOCOL.md §7.4,
/// rule 1): when `request` asked for the manifest and `core` has one (not a
/// compat core), a proof carrying only the manifest, for the request's id
/// and the log's fork; else nullopt.
std::optional<Proof> ManifestOnlyProof(const Core& core,
                                       const ProofRequest& request);

/// What a replica must ask for to verify block `index` of a log whose remote
/// length is `remote_length` (0 = no upgrade wanted).
ProofRequest MakeRequest(const Core& replica, std::optional<uint64_t> block,
                         uint64_t remote_length);

/// Verifies `proof` against the replica's key, stored nodes and signature
/// rules, then stores the block, the nodes and (for an upgrade) the new
/// signed length. VerificationFailed or Corruption on any mismatch; nothing
/// is stored then. NotSupported for a proof with a hash or seek part (bee
/// never asks for them). Subscribers hear kUpgrade for a newer length, then
/// kBlock for a block not held before (Core::Subscribe). REQUIRES: replica
/// is a replica (CreateReplica).
Status ApplyProof(Core* replica, const Proof& proof);

/// Fills an empty replica with a complete log received out of band, such as
/// an export of every block: verifies the tree built from `blocks` against
/// `signature` for (length, fork) and only then stores everything.
/// VerificationFailed leaves the replica empty.
Status ImportLog(Core* replica, std::span<const std::string> blocks,
                 uint64_t fork, std::string_view signature);

}  // namespace bee::log

#endif  // BEE_LOG_PROOF_H_
