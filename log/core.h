/// @file
/// Core: a single-writer, append-only, signed merkle log of byte blocks,
/// byte-compatible with hypercore 11 (../shared/spec/FORMAT.md part B).
///
/// Every Append() adds leaves to a BLAKE2b merkle tree and signs the new
/// (tree hash, length, fork) once with Ed25519. Anyone holding the key can
/// verify any block. Storage is a directory of files (docs/FORMAT.md) written
/// so that a crash at any instant leaves a log that reopens at a length that
/// was once signed; or, with an in-memory Env, nothing touches the disk.
///
/// Thread safety: one writer and any number of concurrent readers. Append,
/// Truncate, Refresh and the proof-applying calls serialize on an internal
/// lock;
/// Get, GetMany and the accessors may run concurrently with them and with
/// each other.
/// A reader that captured length() = L may read any block < L until the log
/// is truncated below L. Subscribe's callbacks run on the thread that made a
/// change, under the writer lock (see Subscribe); Subscriptions may be
/// dropped from any thread.
#ifndef BEE_LOG_CORE_H_
#define BEE_LOG_CORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "log/crypto.h"
#include "log/env.h"

namespace bee::log {

/// When an append is durable (CoreOptions::durability).
enum class Durability : uint8_t {
  kNoSync = 0,  ///< no fsync: survives a process crash, not power loss
  kSync = 1,    ///< fsync data, tree and head on every append and truncate
};

/// Where a sparse replica gets the blocks it lacks when they are read: a
/// connection to a peer, say (remote/remote_store.h). The log knows nothing of
/// the network: Get and GetMany ask the source for every block of the call
/// that the replica lacks, at once, then read them verified as usual.
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  /// Makes the replica hold the blocks `indexes` (sorted, unique, each below
  /// the log's length when asked and not held then), storing them only as
  /// verified proofs (ApplyProof), and returns once all are held (OK), or
  /// fails with an error naming a block still missing and why (a timeout,
  /// the peer closed or lied, offline). Called with no lock of the log held,
  /// from any reading thread, possibly by several threads at once.
  virtual Status Fetch(std::span<const uint64_t> indexes) = 0;
  /// Returns once blocks already on their way without a Fetch (say, the
  /// answer of a read's hint) have been stored, or stopped coming: a reader
  /// that can choose which block to ask for next looks at what they brought
  /// first. Same threads as Fetch. Default: nothing comes unasked.
  virtual void AwaitPending() {}
};

/// Options of Core::Create, Open, CreateReplica and Repair.
struct CoreOptions {
  /// Where the files live; nullptr means Env::Default() (the disk).
  Env* env = nullptr;
  /// Whether Append and Truncate fsync before they return.
  Durability durability = Durability::kSync;
  /// Hypercore-10 "compat" core: key = public key, 80-byte signable, raw
  /// 64-byte signatures (FORMAT.md §15.3). Only used when creating.
  bool compat = false;
  /// Open without the secret key and without taking the writer lock, so
  /// readers can open a log another process writes. Files are opened for
  /// reading only: nothing in the directory is created, written, truncated
  /// or locked (so read-only files and directories open too), and proofs
  /// cannot be applied. Only used by Open.
  bool read_only = false;
  /// Hash the blocks of a large append (>= 64 blocks and 32 KiB) on two
  /// threads: the caller and one helper thread shared by the process
  /// (log/parallel.h); a Bee also encodes a large flush's blocks there. Same
  /// bytes, less wall time; off, all of it runs on the caller alone.
  bool parallel_hashing = true;
  /// Bytes of verified merkle nodes a log keeps in memory for reads, at
  /// most (Core::memory_usage().node_cache_bytes; 56 bytes a node, the table
  /// starts small and grows as it fills; budgets under 2 KiB are raised to
  /// 2 KiB). Every other node is read from the `tree` file and verified when
  /// used, so a larger cache makes random reads of a large log cheaper, never
  /// less safe. The default holds every node of a log of ~70k blocks.
  size_t node_cache_bytes = size_t{8} << 20;
  /// A writable log reads `data` and `tree` through read-only memory
  /// mappings (no system call per read) where the Env supports it; off, or
  /// in a read-only or replica log, with pread (docs/FORMAT.md §1.4 says
  /// why). Mapped pages are the kernel's page cache: they count as the
  /// process's file-backed resident memory while mapped, and the kernel
  /// reclaims them under pressure.
  bool map_files = true;
  /// A read-only follower keeps the bytes of the runs of 64 blocks it
  /// verified (docs/FORMAT.md §1.4), at most this many (least recently used
  /// dropped; 0: none), so that later reads of their blocks make no system
  /// call and hash nothing again: the bytes are in this process's memory,
  /// proven against the signed tree when they were read.
  size_t run_bytes_cache_bytes = size_t{16} << 20;
  /// A replica's on-demand source of missing blocks (see BlockSource); null:
  /// a missing block is Unavailable. Not owned; must outlive the log. Used
  /// by Open and CreateReplica of a replica (ignored for other logs).
  BlockSource* block_source = nullptr;
};

/// What a log holds in memory for reads (Core::memory_usage).
struct CoreMemoryUsage {
  /// The verified merkle nodes: at most CoreOptions::node_cache_bytes.
  size_t node_cache_bytes = 0;
  /// Bytes of `data` and `tree` readable through the mappings (0 when not
  /// mapped): address space, resident only as far as reads touched them.
  uint64_t mapped_data_bytes = 0;
  uint64_t mapped_tree_bytes = 0;
  /// Which runs of 64 blocks a mapped log verified in bulk (docs/FORMAT.md
  /// §1.4): 8 bytes a run, growing with the log (0 when not mapped).
  size_t verified_runs_bytes = 0;
  /// A read-only follower's kept runs: at most
  /// CoreOptions::run_bytes_cache_bytes.
  size_t run_bytes_cache_bytes = 0;
};

/// The signed head of a log: what one signature covers.
struct SignedHead {
  uint64_t length = 0;       ///< blocks in the log
  uint64_t fork = 0;         ///< truncations so far
  uint64_t byte_length = 0;  ///< bytes of those blocks
  Hash32 tree_hash{};        ///< hash of the merkle roots (crypto.h TreeHash)
  /// As hypercore stores it: the 68-byte container (v1) or 64 raw bytes
  /// (compat). Empty when nothing was ever signed (a new, empty log).
  std::string signature;
};

/// A change to a log, as Core::Subscribe reports it: one event per change,
/// after the change is published (length(), Has(), reads already see it).
struct CoreEvent {
  enum class Type : uint8_t {
    /// The signed length grew at the same fork: Append, or Refresh following
    /// another process that appended (or, for a replica, upgraded).
    kAppend = 0,
    /// A new fork: Truncate, or Refresh following another process's
    /// truncation. Blocks at or past unchanged_length may differ.
    kTruncate = 1,
    /// ApplyProof verified and published a newer signed length (or
    /// ImportLog filled the replica).
    kUpgrade = 2,
    /// ApplyProof stored `block`, which the replica did not hold before.
    /// A proof with both an upgrade and a new block reports kUpgrade, then
    /// kBlock.
    kBlock = 3,
  };
  Type type = Type::kAppend;       ///< what changed
  uint64_t length = 0;             ///< the log's length after the change
  uint64_t fork = 0;               ///< its fork after the change
  uint64_t contiguous_length = 0;  ///< its contiguous_length() after it
  /// kTruncate: blocks below this are as they were (the new length after a
  /// Truncate; RefreshResult::unchanged_length after a Refresh).
  uint64_t unchanged_length = 0;
  uint64_t block = 0;  ///< kBlock: the block stored
};

namespace internal {
class SubscriberList;  // log/internal/subscribers.h
}  // namespace internal

/// A registration made by Core::Subscribe; dropping it (destruction, Reset
/// or assignment) unsubscribes. Move-only. May outlive its log (it then
/// does nothing). Thread-safe as a value is: one Subscription must not be
/// used by two threads at once.
class Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&& other) noexcept;
  Subscription& operator=(Subscription&& other) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { Reset(); }

  /// Unsubscribes. When it returns, the callback is not running on another
  /// thread and is never called again. May be called from the callback
  /// itself (the callback then finishes; it is not called again).
  void Reset();
  /// Whether the callback is registered (false once reset or moved from).
  bool active() const { return list_ != nullptr; }

 private:
  friend class Core;
  Subscription(std::shared_ptr<internal::SubscriberList> list, uint64_t id)
      : list_(std::move(list)), id_(id) {}
  std::shared_ptr<internal::SubscriberList> list_;
  uint64_t id_ = 0;
};

/// What Core::Refresh changed.
struct RefreshResult {
  /// A newer signed head was verified and published.
  bool changed = false;
  /// Blocks below this length are as they were before the refresh; blocks
  /// at or past it may differ (the writer truncated, then maybe appended):
  /// anything derived from them must be dropped. The previous length when
  /// the log only grew (or nothing changed).
  uint64_t unchanged_length = 0;
};

/// A damaged slot of the `head` file, found by open (docs/FORMAT.md §2):
/// a slot that is not all zero but fails its checksum, or is checksummed but
/// does not verify against the stored tree. Open uses the newest slot that
/// verifies; this says what the other one was and what may be lost.
struct HeadDamage {
  uint64_t slot = 0;  ///< which slot: 0 or 1
  /// The slot's generation: checksummed, or as its bytes read (unverified)
  /// when the checksum fails; absent when the magic is gone too.
  std::optional<uint64_t> generation;
  /// The log holds blocks a newer head may have signed past the head open
  /// used: acknowledged writes may be lost. A writable open then fails with
  /// Corruption; a read-only open succeeds and reports this.
  bool writes_may_be_lost = false;
  /// With writes_may_be_lost: blocks [length(), lost_end) may have been
  /// signed (as far as the slot or the tree file tells).
  uint64_t lost_end = 0;
  /// Names the head file, the slot, the generation where readable, what is
  /// wrong, the blocks that may be lost, and says to run `bee repair DIR`.
  std::string description;
};

/// What Core::Verify found. Failures name the file, the offset, slot or node,
/// and the blocks (versions) affected; notes are leftovers that are not
/// damage (bytes past the signed head from an interrupted append or a
/// truncation).
struct VerifyReport {
  std::vector<std::string> failures;  ///< damage, one sentence each
  std::vector<std::string> notes;     ///< leftovers that are not damage
  /// Blocks [0, intact_length) provably hold the signed data; what a repair
  /// keeps. Equal to the length unless some block's data is damaged or
  /// cannot be proven (its tree records are damaged too).
  uint64_t intact_length = 0;
  /// No failures.
  bool ok() const { return failures.empty(); }
};

/// What Core::Repair did. Blocks [new_length, dropped_end) were dropped:
/// those of the verifiable head past the intact prefix, and those a damaged
/// newer head may have signed.
struct RepairReport {
  bool changed = false;  ///< false: the log verified, nothing was written
  /// The length before and after, and the end of the blocks dropped.
  uint64_t old_length = 0, new_length = 0, dropped_end = 0;
  /// The fork before and after (a truncation moves to the next fork).
  uint64_t old_fork = 0, new_fork = 0;
  uint64_t dropped_bytes = 0;  ///< data bytes of the dropped blocks
  /// What was done, one line each, naming the file, slot, nodes or blocks.
  std::vector<std::string> actions;
};

/// The log: a directory of files (or memory) holding the blocks, their
/// merkle tree and the signed head. Made by the factories below, owned by
/// the caller; not copyable. See the file's note on threads.
class Core {
 public:
  /// Creates a new writable log in directory `dir` (created if missing; it
  /// must not already hold a log). The key pair's secret key is stored.
  /// Errors: InvalidArgument when `dir` holds a log, or the key pair has no
  /// secret key; IOError when a file cannot be written.
  static Result<std::unique_ptr<Core>> Create(const std::string& dir,
                                              const KeyPair& key_pair,
                                              const CoreOptions& options = {});
  /// Opens an existing log at its newest head that verifies; a log holding
  /// a secret key is writable and locks the directory. Corruption when no
  /// head verifies, or when the log is writable and a damaged head slot may
  /// have signed blocks past it (HeadDamage::writes_may_be_lost; run Repair).
  /// NotFound when `dir` holds no log; Busy when another writer holds the
  /// lock.
  static Result<std::unique_ptr<Core>> Open(const std::string& dir,
                                            const CoreOptions& options = {});
  /// Brings a damaged writable log back to the newest state that fully
  /// verifies (docs/FORMAT.md §2.1): rewrites tree records that can be
  /// recomputed from verified data, truncates past the first block that
  /// cannot be proven or that a damaged head may have signed (signing the
  /// kept length at the next fork, as Truncate does), and rewrites damaged
  /// head slots. A log that verifies is not touched (changed == false).
  /// Takes the writer lock. NotSupported for a log without a secret key.
  static Result<RepairReport> Repair(const std::string& dir,
                                     const CoreOptions& options = {});
  /// Creates an empty read-only replica that knows only the core key and
  /// manifest (or, for compat cores, the public key, with an empty manifest).
  /// Blocks and lengths arrive as verified proofs (log/proof.h).
  static Result<std::unique_ptr<Core>> CreateReplica(
      const std::string& dir, const Hash32& key, std::string_view manifest,
      const CoreOptions& options = {});
  /// A writable log that lives only in memory.
  static Result<std::unique_ptr<Core>> CreateInMemory(const KeyPair& key_pair,
                                                      bool compat = false);

  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  ~Core();

  /// Appends blocks as one atomic step with one signature for the new length.
  /// An empty span appends nothing. REQUIRES: writable().
  ///
  /// A failed write, fsync or head write (here, in Truncate or in Sync)
  /// makes every later Append and Truncate fail with an error naming it,
  /// until the log is reopened: the files may hold part of the failed step,
  /// and a retry could sign a second tree for the same (length, fork). Reads
  /// keep working at the last published length; reopening reads back the
  /// newest head that landed.
  ///
  /// `meanwhile` (if any) runs once on the calling thread when the append
  /// gets as far as hashing its blocks, while the helper thread hashes a
  /// large append's (log/parallel.h); the append is not committed yet and
  /// may still fail. For the caller's own bookkeeping: it must not use this
  /// log.
  Status Append(std::span<const std::string_view> blocks,
                const std::function<void()>& meanwhile);
  /// As Append(blocks, meanwhile), with nothing to run meanwhile.
  Status Append(std::span<const std::string_view> blocks) {
    return Append(blocks, nullptr);
  }
  /// As Append(blocks, meanwhile), with nothing to run meanwhile.
  Status Append(std::span<const std::string> blocks);

  /// Reads block `index`, verified against the signed merkle tree: Corruption
  /// if the stored bytes do not match, Unavailable if a sparse replica lacks
  /// the block, InvalidArgument if index >= length(). A replica with a
  /// BlockSource fetches a block it lacks first (and fails with the source's
  /// error when that fails).
  Status Get(uint64_t index, std::string* out) const;
  /// As Get(index, out), returning the bytes.
  Result<std::string> Get(uint64_t index) const;
  /// Whether block `index` is held (always, below length(), unless this is
  /// a sparse replica); reads nothing.
  bool Has(uint64_t index) const;

  /// A replica with a BlockSource: BlockSource::AwaitPending (blocks on
  /// their way unasked have arrived or stopped coming). A no-op otherwise.
  void AwaitPending() const;

  /// The most indexes GetMany reads and verifies as one batch.
  static constexpr size_t kGetManyBatch = 256;

  /// Reads the blocks `indexes` (any order, duplicates allowed), each
  /// verified against the signed tree exactly as Get does, and calls
  /// fn(index, bytes) for each in the order given. `bytes` is valid only
  /// during the call (zero-copy: it may point into a mapping of `data`).
  ///
  /// The blocks are read in batches of up to kGetManyBatch indexes: each
  /// merkle node on their paths is read and verified once per batch, up to
  /// the first node verified before (the node cache) or a signed root,
  /// leaves and parents with the multi-buffer hashes, and nearby blocks in
  /// one read. A sequential run verifies every leaf and parent of the run
  /// once. A log that maps its files (CoreOptions::map_files) verifies each
  /// aligned run of 64 blocks in bulk the first time Get or GetMany reads
  /// one of its blocks, and then hashes each block it returns only against
  /// its leaf (docs/FORMAT.md §1.4, "verified runs", says what that
  /// guarantees). A read-only follower verifies the runs it reads the same
  /// way through one pread of the run's records and one of its bytes, keeps
  /// their leaves in the node cache (within node_cache_bytes), and hashes
  /// each block it then reads against its cached leaf (§1.4, "read-only
  /// followers").
  ///
  /// Errors are Get's: the first block in the order given that fails stops
  /// the call with Get's error for it (InvalidArgument past the length,
  /// Unavailable when a replica lacks it, Corruption naming it); fn was
  /// called for exactly the blocks before it, never for unverified bytes.
  /// fn's first error stops the call and is returned.
  ///
  /// A replica with a BlockSource first fetches every block of `indexes` it
  /// lacks, in one call of the source, then reads as above; a block still
  /// missing then fails with the source's error.
  ///
  /// fn runs with the log's state lock held shared, as Get holds it: it
  /// must not call this log (an Append or Truncate waiting for the lock
  /// would deadlock it). Between batches the log may change as between two
  /// Gets (a truncation makes a later index invalid).
  Status GetMany(
      std::span<const uint64_t> indexes,
      const std::function<Status(uint64_t, std::string_view)>& fn) const;

  /// Keeps blocks < new_length, increments the fork and signs at once.
  /// REQUIRES: writable(), new_length <= length().
  Status Truncate(uint64_t new_length);

  /// Follows a writer in another process. REQUIRES: the log was opened
  /// with CoreOptions::read_only (InvalidArgument otherwise). Re-reads the
  /// head file and, when a newer head is signed, verifies it against the
  /// stored tree exactly as Open does and publishes it: length(), head() and
  /// reads see the new state, and WaitForAppend wakes. A truncation by the
  /// writer (a new fork) is followed too; verified nodes of blocks it
  /// changed are dropped. A newer head that is damaged or does not verify
  /// leaves the log as it was and returns Corruption. Reads may run
  /// concurrently; a reader of block b >= unchanged_length may have seen the
  /// old bytes, or Corruption if the writer overwrote them meanwhile.
  Result<RefreshResult> Refresh();

  /// Blocks until length() > known_length or the timeout passes; returns the
  /// length then.
  uint64_t WaitForAppend(uint64_t known_length,
                         std::chrono::milliseconds timeout) const;
  /// Blocks until Has(index) (a proof brought the block, or an append or
  /// refresh reached it) or the timeout passes; returns Has(index) then.
  bool WaitForBlock(uint64_t index, std::chrono::milliseconds timeout) const;

  /// Calls `callback` once for every later change (CoreEvent) until the
  /// returned Subscription is dropped: Append, Truncate, a Refresh that
  /// found a newer head, and ApplyProof (an upgrade, a newly stored block).
  /// Nothing is reported for a change that fails, nor for what a Refresh
  /// of a replica finds stored by another process (re-read the bitfield
  /// with HeldBitfield after its kAppend).
  ///
  /// The callback runs on the thread that made the change, after it is
  /// published, while that change still holds the log's writer lock (so
  /// events arrive in the order of the changes, one at a time). It must be
  /// quick (an event loop posts a task and returns) and must not change
  /// this log (Append, Truncate, Refresh, ApplyProof, Sync, Close: they
  /// would deadlock); it may read it (length(), Has(), HeldBitfield(),
  /// Get...), subscribe, and drop any Subscription, its own included.
  /// Callbacks of one log run one at a time, in subscription order.
  Subscription Subscribe(std::function<void(const CoreEvent&)> callback) const;

  /// @name Availability
  /// For announcing to peers (PROTOCOL.md §6.4, §7.6). A log
  /// with a writer (writable, or read_only following one) holds every block
  /// below length(); a replica holds those that proofs stored (its
  /// `bitfield`, docs/FORMAT.md §1.5). Blocks at or past length() are never
  /// held. Thread-safe, like the other accessors; O(1) except HeldBitfield.
  /// @{

  /// The longest prefix [0, n) of blocks all held.
  uint64_t contiguous_length() const;
  /// How many blocks below length() are held.
  uint64_t held_blocks() const;
  /// Fills `words` with the held bits of blocks [start, start + 32 *
  /// words.size()): bit i of the range is bit i % 32 (least significant
  /// first) of words[i / 32], the wire's `bitfield` message. Costs
  /// O(words.size()). InvalidArgument (and `words` untouched) unless start
  /// is a multiple of 32.
  Status HeldBitfield(uint64_t start, std::span<uint32_t> words) const;
  /// @}

  /// Makes everything written so far durable (a no-op with kSync).
  Status Sync();
  /// Syncs and releases the directory lock. Further writes fail.
  Status Close();

  /// Holds the secret key, was not opened read-only, and is not closed.
  bool writable() const;
  /// A hypercore-10 "compat" core (CoreOptions::compat).
  bool compat() const;
  /// CoreOptions::parallel_hashing, which a user of the log (the tree's
  /// flush) follows too.
  bool parallel_hashing() const;
  /// The signed length: blocks [0, length()) may be read.
  uint64_t length() const;
  /// The bytes of those blocks.
  uint64_t byte_length() const;
  /// How many times the log was truncated (its fork id).
  uint64_t fork() const;
  /// A consistent copy of the current signed head.
  SignedHead head() const;
  /// head().tree_hash.
  Hash32 tree_hash() const;
  /// head().signature.
  std::string signature() const;
  /// The core key: the manifest's hash (v1) or the public key (compat).
  const Hash32& key() const;
  /// The key peers find the log by (crypto.h DiscoveryKey).
  const Hash32& discovery_key() const;
  /// The signer's Ed25519 public key.
  const PublicKey& public_key() const;
  /// The encoded manifest (empty for compat cores).
  const std::string& manifest() const;

  /// The roots of the tree at `length` (REQUIRES: length <= this->length()).
  Result<std::vector<TreeNode>> RootsAt(uint64_t length) const;
  /// A stored merkle node, verified; Unavailable if a replica lacks it.
  Result<TreeNode> GetNode(uint64_t index) const;
  /// What the log holds in memory for reads now.
  CoreMemoryUsage memory_usage() const;
  /// The damaged head slot open found, if any.
  const std::optional<HeadDamage>& head_damage() const;

  /// Checks every byte of every file, streaming (bounded memory): `meta`,
  /// both head slots, every tree record of the signed tree (against the
  /// hash of its children or of its block) and every data byte below the
  /// byte length. A replica checks the blocks it stores. An error status
  /// only when the files cannot be read at all. Holds the state lock shared
  /// throughout: a concurrent append or truncation waits to publish.
  Result<VerifyReport> Verify() const;
  /// Verify(), as OK or a Corruption listing the first failures.
  Status VerifyAll() const;

  /// The bytes a signature for (tree_hash, length, fork) covers, for this
  /// core's signing mode.
  std::string SignableFor(const Hash32& tree_hash, uint64_t length,
                          uint64_t fork) const;

  class Impl;  // log/internal/core_impl.h

 private:
  explicit Core(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class ProofAccess;
};

}  // namespace bee::log

#endif  // BEE_LOG_CORE_H_
