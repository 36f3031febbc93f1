/// @file
/// Bee: a key/value store whose B-tree lives inside a signed append-only
/// log, byte-compatible with hyperbee 2 on hypercore 11.
///
/// Keys and values are byte strings; keys are ordered by unsigned bytewise
/// comparison. Every Put/Del appends one block (one signature); a Batch
/// appends all its blocks with one signature at Flush. As in hyperbee, a new
/// store is empty (length 0): its first write appends the header block on
/// its own first. Any past version can be read back through Checkout.
///
/// @code
///   auto bee = Bee::Create("/tmp/db", log::KeyPair::Random()).value();
///   bee->Put("hello", "world");
///   auto e = bee->Get("hello");        // Result<std::optional<Entry>>
///   Snapshot then = bee->GetSnapshot().value();  // unaffected by later
///                                                // writes
/// @endcode
///
/// Errors: every call that can fail returns a Status or a Result (never
/// throws); the codes are those of encoding/status.h, and each message
/// names what is wrong (the file, the block, the limit). A missing key is
/// an empty optional, not an error.
///
/// Ownership: the factories return a std::unique_ptr the caller owns;
/// string_view arguments are copied before a call returns.
///
/// Thread safety: one writer and any number of concurrent readers. Put, Del,
/// Batch and Truncate must be used by one thread at a time (a second writer
/// while a batch is open gets Busy). Get, GetSnapshot, Checkout and every
/// Snapshot method may be called from any thread concurrently with the writer:
/// snapshots are immutable views of one version.
#ifndef BEE_BTREE_BEE_H_
#define BEE_BTREE_BEE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btree/entry.h"
#include "encoding/block_codec.h"
#include "encoding/result.h"
#include "log/core.h"

namespace bee::btree {

/// Compare-and-swap predicate (FORMAT.md §5.4): called with the stored entry
/// and the entry about to replace it (value absent for a delete) only when
/// the key exists; false refuses the operation.
using CasFn = std::function<bool(const Entry& prev, const Entry& next)>;

/// How much memory a store's caches may use by default, in bytes
/// (BeeOptions::cache_bytes).
inline constexpr size_t kDefaultCacheBytes = size_t{64} << 20;

/// Options of Bee::Put and Batch::Put.
struct PutOptions {
  /// Compare-and-swap (FORMAT.md §5.4): called only when the key exists.
  CasFn cas;
  /// When false, a put whose value equals the stored one appends nothing
  /// (hyperbee's cas-free dedup).
  bool always_duplicate = true;
};

/// Options of Bee::Del and Batch::Del.
struct DelOptions {
  /// Compare-and-swap (FORMAT.md §5.4), called only when the key exists;
  /// next.value is absent.
  CasFn cas;
};

/// Options of Bee::MakeBatch.
struct BatchOptions {
  /// Write each operation's block exactly as if it were appended on its own
  /// (as hyperbee's put/del would), yet append them all with one signature
  /// at Flush. Reads and cas still see earlier operations of the batch, and
  /// the version after each operation can be checked out.
  bool separate_blocks = false;
};

/// Options of Bee::Create and Bee::Open.
struct BeeOptions {
  /// The log's options: its Env, durability, read-only opens, parallel
  /// hashing, file mappings (log/core.h).
  log::CoreOptions core;
  /// Memory for the store's caches, in bytes: an eighth for the log's
  /// verified merkle nodes (this sets core.node_cache_bytes); in a read-only
  /// store, three eighths for the bytes of the runs of blocks it verified
  /// (core.run_bytes_cache_bytes); the rest for the tree's blocks (their
  /// flat, packed and decoded forms, their keys, and the tables that find
  /// them). Blocks not used recently are evicted to
  /// stay within it, so a store of any size reads and writes in bounded
  /// memory: resident memory is this budget, plus what open readers hold (an
  /// iterator holds the blocks of its path and of its current entry, and up
  /// to 256 KiB of entries per level of its path, btree/iterator.h; an open
  /// batch holds the blocks it read), plus a small constant, plus (for a
  /// writable store, whose log maps its files: CoreOptions::map_files) the
  /// pages of the files reads touched, which the kernel may reclaim. Evicted
  /// blocks are read from the log and verified again when needed: a larger
  /// budget is faster, never less safe.
  size_t cache_bytes = kDefaultCacheBytes;
};

// The tree's internals (btree/internal/), named here only so that the
// classes below can hold them: no public signature uses them.
namespace internal {
struct Store;
struct SnapshotAccess;  // btree/internal/snapshot_access.h
class Writer;
struct EncodedBatch;
}  // namespace internal

/// An immutable view of the tree at one version (Bee::GetSnapshot,
/// Bee::Checkout). Cheap to copy; keeps the store's files open while it
/// lives, so it may outlive the Bee it came from. Writes made after it was
/// taken never change what it reads. Every method may be called from any
/// thread, concurrently with the writer and with each other. It must not be
/// used after the store was truncated below its version (Bee::Truncate,
/// Bee::Refresh after the writer truncated).
class Snapshot {
 public:
  /// The version this snapshot reads: max(1, the log's length then).
  uint64_t version() const { return version_; }
  /// The entry of `key` at version(), or an empty optional when the key is
  /// absent. Errors: Corruption (or the log's read error, IOError) when a
  /// block on the way is damaged.
  Result<std::optional<Entry>> Get(std::string_view key) const;
  /// The entry written by block seq (1 <= seq < version()): InvalidArgument
  /// for another seq; as Get for damage.
  Result<Entry> GetBySeq(uint64_t seq) const;

  /// The store's log, as of now (not only up to version()).
  const log::Core& core() const;

 private:
  // The read algorithms reach the block cache and the root through it.
  friend struct internal::SnapshotAccess;
  Snapshot(std::shared_ptr<const internal::Store> store, uint64_t version,
           bool has_root, uint64_t root_seq, uint64_t root_offset)
      : store_(std::move(store)),
        version_(version),
        root_seq_(root_seq),
        root_offset_(root_offset),
        has_root_(has_root) {}

  std::shared_ptr<const internal::Store> store_;
  uint64_t version_;
  // The root node (level root_offset_ of block root_seq_), if the tree at
  // version_ is not empty.
  uint64_t root_seq_;
  uint64_t root_offset_;
  bool has_root_;
};

class Batch;

/// A store: the B-tree of hyperbee 2 inside a signed log (log::Core) in a
/// directory, or in memory. Made by Create, Open, CreateInMemory or
/// FromCore, owned by the caller. One writer at a time and any number of
/// readers (see the file's thread-safety note); a directory is locked by its
/// writer, so a second process opening it for writing gets Busy (a
/// read-only open, BeeOptions::core.read_only, takes no lock and follows the
/// writer with Refresh). After a write fails, every later write is refused
/// with that error until the store is reopened; reads keep working.
class Bee {
 public:
  /// Creates an empty store (length 0) in `dir`, which must not hold one.
  /// `metadata` goes into the header block (FORMAT.md §2.3) that the first
  /// write appends; until then it is kept in the `header` file
  /// (docs/FORMAT.md §4.2). `dir` is created if missing. The key pair
  /// must hold a secret key (log::KeyPair::Random, FromSeed); it is stored
  /// in the directory. Errors: InvalidArgument when `dir` already holds a
  /// store; IOError when a file cannot be written.
  static Result<std::unique_ptr<Bee>> Create(
      const std::string& dir, const log::KeyPair& key_pair,
      std::optional<HeaderMetadata> metadata = std::nullopt,
      const BeeOptions& options = {});
  /// Opens the store in `dir` at its newest signed version that verifies.
  /// A store holding its secret key is writable and locks the directory,
  /// unless options.core.read_only (then nothing is written, created or
  /// locked). Errors: NotFound when `dir` holds no store; Busy when another
  /// writer (another process) holds the lock; Corruption when no head
  /// verifies, when block 0 is not a hyperbee header, or when a writable
  /// open finds a damaged head that may have signed more (run
  /// RepairStore, btree/verify.h); IOError when a file cannot be read.
  static Result<std::unique_ptr<Bee>> Open(const std::string& dir,
                                           const BeeOptions& options = {});
  /// An empty writable store that lives only in memory (nothing touches the
  /// disk); as Create otherwise.
  static Result<std::unique_ptr<Bee>> CreateInMemory(
      const log::KeyPair& key_pair,
      std::optional<HeaderMetadata> metadata = std::nullopt);
  /// Wraps a log written elsewhere, such as one imported from JS. Block 0,
  /// if any, must be a hyperbee header; an empty writable log gets hyperbee's
  /// default header with its first write. Its append boundaries are unknown, so
  /// a checkout is refused only for a version whose last block has no index.
  static Result<std::unique_ptr<Bee>> FromCore(std::unique_ptr<log::Core> core);

  Bee(const Bee&) = delete;
  Bee& operator=(const Bee&) = delete;
  ~Bee();

  /// The entry of `key` at the current version, or an empty optional when
  /// it is absent; as Snapshot::Get. Any thread, concurrently with the
  /// writer.
  Result<std::optional<Entry>> Get(std::string_view key) const;
  /// Sets `key` to `value` with one block and one signature; an absent
  /// value is hyperbee's put of null (Entry::value then reads back absent).
  /// Returns whether a block was appended (false: a cas refused it, or
  /// always_duplicate is off and the value is unchanged). Errors:
  /// InvalidArgument for a read-only store, a closed one, or a key or value
  /// over the limits of encoding/limits.h; Busy while a batch is open;
  /// IOError when the log cannot write (the store then refuses writes until
  /// reopened).
  Result<bool> Put(std::string_view key, std::optional<std::string_view> value,
                   const PutOptions& options = {});
  /// Deletes `key` with one block; returns whether a block was appended
  /// (false when the key is absent or a cas refused). Errors as Put.
  Result<bool> Del(std::string_view key, const DelOptions& options = {});
  /// Opens a batch, which holds the store's writer lock until it is flushed
  /// or destroyed. InvalidArgument for a read-only store; Busy if another
  /// batch is open; the earlier write error after a failed write.
  Result<std::unique_ptr<Batch>> MakeBatch(const BatchOptions& options = {});

  /// max(1, log length), as hyperbee's; the tree at version v >= 2 is rooted
  /// in block v-1.
  uint64_t version() const;
  /// The current version; an error when its last block cannot be read.
  Result<Snapshot> GetSnapshot() const;
  /// InvalidArgument past the current version or strictly inside a batch
  /// (every operation of a separate-block batch ends a version); Corruption
  /// (or the read's error) when the version's last block is damaged.
  Result<Snapshot> Checkout(uint64_t version) const;
  /// The versions this store knows to end an operation (empty when unknown,
  /// for stores built from another writer's log).
  std::vector<uint64_t> Boundaries() const;

  /// Block 0. While the log is empty: the header its first write will
  /// append, or NotFound when the store does not know it (no header file).
  Result<HeaderBlock> GetHeader() const;
  /// The entry written by block `seq` at the current version
  /// (Snapshot::GetBySeq).
  Result<Entry> GetBySeq(uint64_t seq) const;

  /// Keeps versions <= `version` (the log keeps blocks < version), moving
  /// to the next fork; snapshots of later versions must not be used after.
  /// Busy while a batch is open. Truncating to 0 keeps the header block for
  /// the next write to append again, as hyperbee does.
  Status Truncate(uint64_t version);

  /// Follows a writer in another process: for a store opened with
  /// core.read_only (InvalidArgument otherwise), publishes the newest signed
  /// length (log::Core::Refresh), so Get, GetSnapshot and Checkout see the
  /// writer's new versions. After a truncation by the writer, cached blocks
  /// it changed are dropped, and snapshots of versions past the truncation
  /// must not be used any more (as after Truncate). A damaged or unverifiable
  /// new head leaves the store as it was and returns the error.
  /// Get, Checkout, Boundaries and snapshots may be used concurrently (the
  /// boundaries are reloaded in place).
  Status Refresh();

  /// The damaged head slot the log's open found, if any (a read-only open
  /// succeeds despite one; tools print it as a warning).
  const std::optional<log::HeadDamage>& head_damage() const;

  /// The underlying log, owned by the store (valid while the Bee lives).
  /// Do not append to or truncate it directly: use Put, Del, Batch and
  /// Truncate.
  log::Core& core();
  /// The underlying log, for reading.
  const log::Core& core() const;
  /// Syncs the log and releases the directory lock. Later writes fail with
  /// InvalidArgument ("the log is closed"); reads and snapshots keep
  /// working. REQUIRES: no batch is open. The destructor closes an open
  /// store too, but only Close reports a failed sync.
  Status Close();

 private:
  friend class Batch;
  explicit Bee(std::shared_ptr<internal::Store> store);
  Status AppendHeader();
  Status Commit(internal::Writer* writer, bool separate);
  // Records the versions `blocks` end (each block with `separate`, else the
  // last), then appends them; on failure forgets them again.
  Status AppendRecorded(std::span<const std::string_view> blocks, bool separate,
                        const std::function<void()>& meanwhile);
  Result<Snapshot> SnapshotAt(uint64_t version) const;
  // OK when `version` (> 1) ends an operation.
  Status CheckEndsOperation(uint64_t version) const;

  // REQUIRES: write_mu_ held (both).
  Status CheckNoWriteError() const;
  // Remembers the first failed write in write_error_; returns s.
  Status Sticky(Status s);

  std::shared_ptr<internal::Store> store_;
  std::mutex write_mu_;  // held by the open batch
  // Commit's buffers, kept between batches so their memory is reused.
  // Guarded by write_mu_.
  std::unique_ptr<internal::EncodedBatch> encoded_;
  // The first write of this store that failed (the log keeps its own):
  // every later write is refused until the store is reopened, as the log
  // does. Guarded by write_mu_.
  Status write_error_;
};

/// A set of writes appended atomically (one signature) at Flush. Reads
/// through the batch see its pending writes. Destroying an unflushed batch
/// discards it: nothing is written. Made by Bee::MakeBatch; it holds the
/// store's writer lock until flushed or destroyed, and borrows the Bee,
/// which must outlive it. Used by one thread at a time.
class Batch {
 public:
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  /// Discards what was not flushed and releases the writer lock.
  ~Batch();

  /// As Bee::Put, pending until Flush. Errors: InvalidArgument after Flush,
  /// over a limit of encoding/limits.h (also kMaxBatchOperations per
  /// batch); the log's error when the store's first write must append its
  /// header block first.
  Result<bool> Put(std::string_view key, std::optional<std::string_view> value,
                   const PutOptions& options = {});
  /// As Bee::Del, pending until Flush; errors as Put.
  Result<bool> Del(std::string_view key, const DelOptions& options = {});
  /// As Bee::Get, seeing the batch's pending writes.
  Result<std::optional<Entry>> Get(std::string_view key);
  /// How many operations are pending.
  size_t pending() const;
  /// Appends every pending block with one signature; the batch is then
  /// closed. A batch with nothing pending appends nothing. Errors: the
  /// log's (IOError), after which the store refuses writes until reopened;
  /// InvalidArgument when already flushed.
  Status Flush();

 private:
  friend class Bee;
  Batch(Bee* bee, std::unique_lock<std::mutex> lock, bool separate);
  Status CheckOpen() const;
  // CheckOpen, and appends the header block first if the log is empty.
  Status PrepareWrite();
  // The write limits of encoding/limits.h: InvalidArgument naming the one
  // this operation would pass.
  Status CheckLimits(std::string_view key,
                     std::optional<std::string_view> value) const;

  Bee* bee_;
  std::unique_lock<std::mutex> lock_;
  const bool separate_;
  // Starts at the log's length; remade after the header is appended.
  std::unique_ptr<internal::Writer> writer_;
  // The log is empty: the first write appends the header block first.
  bool needs_header_ = false;
};

}  // namespace bee::btree

#endif  // BEE_BTREE_BEE_H_
