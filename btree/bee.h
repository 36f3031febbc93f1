// Bee: a key/value store whose B-tree lives inside a signed append-only
// log, byte-compatible with hyperbee 2 on hypercore 11.
//
// Keys and values are byte strings; keys are ordered by unsigned bytewise
// comparison. Every Put/Del appends one block (one signature); a Batch
// appends all its blocks with one signature at Flush. As in hyperbee, a new
// store is empty (length 0): its first write appends the header block on
// its own first. Any past version can be read back through Checkout.
//
//   auto bee = Bee::Create("/tmp/db", log::KeyPair::Random()).value();
//   bee->Put("hello", "world");
//   auto e = bee->Get("hello");        // Result<std::optional<Entry>>
//   Snapshot then = bee->GetSnapshot().value();  // unaffected by later
//                                                // writes
//
// Thread safety: one writer and any number of concurrent readers. Put, Del,
// Batch and Truncate must be used by one thread at a time (a second writer
// while a batch is open gets Busy). Get, GetSnapshot, Checkout and every
// Snapshot method may be called from any thread concurrently with the writer:
// snapshots are immutable views of one version.
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

// Compare-and-swap predicate (FORMAT.md §5.4): called with the stored entry
// and the entry about to replace it (value absent for a delete) only when
// the key exists; false refuses the operation.
using CasFn = std::function<bool(const Entry& prev, const Entry& next)>;

// How much memory a store's caches may use by default, in bytes
// (BeeOptions::cache_bytes).
inline constexpr size_t kDefaultCacheBytes = size_t{64} << 20;

struct PutOptions {
  // Compare-and-swap (FORMAT.md §5.4): called only when the key exists.
  CasFn cas;
  // false: a put whose value equals the stored one appends nothing.
  bool always_duplicate = true;
};

struct DelOptions {
  CasFn cas;  // next.value is absent
};

struct BatchOptions {
  // Write each operation's block exactly as if it were appended on its own
  // (as hyperbee's put/del would), yet append them all with one signature
  // at Flush. Reads and cas still see earlier operations of the batch, and
  // the version after each operation can be checked out.
  bool separate_blocks = false;
};

struct BeeOptions {
  log::CoreOptions core;
  // Memory for the store's caches, in bytes: an eighth for the log's
  // verified merkle nodes (this sets core.node_cache_bytes), the rest for
  // the tree's blocks (their flat, packed and decoded forms, their keys,
  // and the tables that find them). Blocks not used recently are evicted to
  // stay within it, so a store of any size reads and writes in bounded
  // memory: resident memory is this budget, plus what open readers hold (an
  // iterator holds the blocks of its path and of its current entry; an open
  // batch holds the blocks it read), plus a small constant, plus (for a
  // writable store, whose log maps its files: CoreOptions::map_files) the
  // pages of the files reads touched, which the kernel may reclaim. Evicted
  // blocks are read from the log and verified again when needed: a larger
  // budget is faster, never less safe.
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

// An immutable view of the tree at one version. Cheap to copy; keeps the
// store's files open while it lives.
class Snapshot {
 public:
  uint64_t version() const { return version_; }
  Result<std::optional<Entry>> Get(std::string_view key) const;
  // The entry written by block seq (1 <= seq < version()).
  Result<Entry> GetBySeq(uint64_t seq) const;

  // The store's log, as of now (not only up to version()).
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

class Bee {
 public:
  // Creates an empty store (length 0) in `dir`, which must not hold one.
  // `metadata` goes into the header block (FORMAT.md §2.3) that the first
  // write appends; until then it is kept in the `header` file
  // (docs/FORMAT.md §4.2).
  static Result<std::unique_ptr<Bee>> Create(
      const std::string& dir, const log::KeyPair& key_pair,
      std::optional<HeaderMetadata> metadata = std::nullopt,
      const BeeOptions& options = {});
  static Result<std::unique_ptr<Bee>> Open(const std::string& dir,
                                           const BeeOptions& options = {});
  static Result<std::unique_ptr<Bee>> CreateInMemory(
      const log::KeyPair& key_pair,
      std::optional<HeaderMetadata> metadata = std::nullopt);
  // Wraps a log written elsewhere (e.g. imported from JS). Block 0, if any,
  // must be a hyperbee header; an empty writable log gets hyperbee's default
  // header with its first write. Its append boundaries are unknown, so a
  // checkout is refused only for a version whose last block has no index.
  static Result<std::unique_ptr<Bee>> FromCore(std::unique_ptr<log::Core> core);

  Bee(const Bee&) = delete;
  Bee& operator=(const Bee&) = delete;
  ~Bee();

  Result<std::optional<Entry>> Get(std::string_view key) const;
  // Returns whether a block was appended.
  Result<bool> Put(std::string_view key, std::optional<std::string_view> value,
                   const PutOptions& options = {});
  Result<bool> Del(std::string_view key, const DelOptions& options = {});
  // Busy if another batch is open.
  Result<std::unique_ptr<Batch>> MakeBatch(const BatchOptions& options = {});

  // max(1, log length), as hyperbee's; the tree at version v >= 2 is rooted
  // in block v-1.
  uint64_t version() const;
  // The current version; an error when its last block cannot be read.
  Result<Snapshot> GetSnapshot() const;
  // InvalidArgument past the current version or strictly inside a batch
  // (every operation of a separate-block batch ends a version); Corruption
  // (or the read's error) when the version's last block is damaged.
  Result<Snapshot> Checkout(uint64_t version) const;
  // The versions this store knows to end an operation (empty when unknown,
  // for stores built from another writer's log).
  std::vector<uint64_t> Boundaries() const;

  // Block 0. While the log is empty: the header its first write will
  // append, or NotFound when the store does not know it (no header file).
  Result<HeaderBlock> GetHeader() const;
  Result<Entry> GetBySeq(uint64_t seq) const;

  // Keeps versions <= `version` (the log keeps blocks < version), moving
  // to the next fork; snapshots of later versions must not be used after.
  // Busy while a batch is open. Truncating to 0 keeps the header block for
  // the next write to append again, as hyperbee does.
  Status Truncate(uint64_t version);

  // Follows a writer in another process: for a store opened with
  // core.read_only (InvalidArgument otherwise), publishes the newest signed
  // length (log::Core::Refresh), so Get, GetSnapshot and Checkout see the
  // writer's new versions. After a truncation by the writer, cached blocks
  // it changed are dropped, and snapshots of versions past the truncation
  // must not be used any more (as after Truncate). A damaged or unverifiable
  // new head leaves the store as it was and returns the error.
  // Get, Checkout, Boundaries and snapshots may be used concurrently (the
  // boundaries are reloaded in place).
  Status Refresh();

  // The damaged head slot the log's open found, if any (a read-only open
  // succeeds despite one; tools print it as a warning).
  const std::optional<log::HeadDamage>& head_damage() const;

  // The underlying log. Do not truncate it directly: use Truncate.
  log::Core& core();
  const log::Core& core() const;
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

// A set of writes appended atomically (one signature) at Flush. Reads
// through the batch see its pending writes. Destroying an unflushed batch
// discards it: nothing is written.
class Batch {
 public:
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  ~Batch();

  Result<bool> Put(std::string_view key, std::optional<std::string_view> value,
                   const PutOptions& options = {});
  Result<bool> Del(std::string_view key, const DelOptions& options = {});
  Result<std::optional<Entry>> Get(std::string_view key);
  size_t pending() const;
  // Appends every pending block with one signature; the batch is then
  // closed. A batch with nothing pending appends nothing.
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
