// Bee: a key/value store whose B-tree lives inside a signed append-only
// log, byte-compatible with hyperbee 2 on hypercore 11.
//
// Keys and values are byte strings; keys are ordered by unsigned bytewise
// comparison. Every Put/Del appends one block (one signature); a Batch
// appends all its blocks with one signature at Flush. Any past version can
// be read back through Checkout.
//
//   auto bee = Bee::Create("/tmp/db", log::KeyPair::Random()).value();
//   bee->Put("hello", "world");
//   auto e = bee->Get("hello");          // Result<std::optional<Entry>>
//   Snapshot then = bee->GetSnapshot();  // unaffected by later writes
//
// Thread safety: one writer and any number of concurrent readers. Put, Del
// and Batch must be used by one thread at a time (a second writer while a
// batch is open gets Busy). Get, GetSnapshot, Checkout and every Snapshot
// method may be called from any thread concurrently with the writer:
// snapshots are immutable views of one version.
#ifndef BEE_BTREE_BEE_H_
#define BEE_BTREE_BEE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "btree/entry.h"
#include "btree/internal/block_cache.h"
#include "btree/internal/writer.h"
#include "encoding/block_codec.h"
#include "encoding/result.h"
#include "log/core.h"

namespace bee::btree {

using CasFn = internal::CasFn;

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
  // at Flush. Reads and cas still see earlier operations of the batch.
  bool separate_blocks = false;
};

struct BeeOptions {
  log::CoreOptions core;
};

namespace internal {
struct Store;
}

// An immutable view of the tree at one version. Cheap to copy; keeps the
// store's files open while it lives.
class Snapshot {
 public:
  uint64_t version() const { return version_; }
  Result<std::optional<Entry>> Get(std::string_view key) const;
  // The entry written by block seq (1 <= seq < version()).
  Result<Entry> GetBySeq(uint64_t seq) const;

  // For the read algorithms (iterators, diff, history).
  const internal::BlockCache& cache() const;
  const std::optional<internal::NodeRef>& root() const { return root_; }
  const log::Core& core() const;

 private:
  friend class Bee;
  Snapshot(std::shared_ptr<const internal::Store> store, uint64_t version,
           std::optional<internal::NodeRef> root)
      : store_(std::move(store)), version_(version), root_(root) {}

  std::shared_ptr<const internal::Store> store_;
  uint64_t version_;
  std::optional<internal::NodeRef> root_;
};

class Batch;

class Bee {
 public:
  // Creates a store in `dir` (which must not hold one) and writes its header
  // block. `metadata` goes into the header (FORMAT.md §2.3).
  static Result<std::unique_ptr<Bee>> Create(
      const std::string& dir, const log::KeyPair& key_pair,
      std::optional<HeaderMetadata> metadata = std::nullopt,
      const BeeOptions& options = {});
  static Result<std::unique_ptr<Bee>> Open(const std::string& dir,
                                           const BeeOptions& options = {});
  static Result<std::unique_ptr<Bee>> CreateInMemory(
      const log::KeyPair& key_pair,
      std::optional<HeaderMetadata> metadata = std::nullopt);
  // Wraps a log written elsewhere (e.g. imported from JS). Block 0 must be a
  // hyperbee header. Its append boundaries are unknown, so a checkout of a
  // version without a usable root is refused.
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

  // The log length; the tree at version v is rooted in block v-1.
  uint64_t version() const;
  Snapshot GetSnapshot() const;
  // InvalidArgument past the current version or inside a batch.
  Result<Snapshot> Checkout(uint64_t version) const;
  // The versions this store knows to be append boundaries (empty when
  // unknown, for stores built from another writer's log).
  std::vector<uint64_t> Boundaries() const;

  Result<HeaderBlock> GetHeader() const;
  Result<Entry> GetBySeq(uint64_t seq) const;

  // Keeps versions <= `version` (the log keeps blocks < version), moving
  // to the next fork; snapshots of later versions must not be used after.
  Status Truncate(uint64_t version);

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
  Status Commit(internal::Writer* writer);
  Result<Snapshot> SnapshotAt(uint64_t version) const;

  std::shared_ptr<internal::Store> store_;
  std::mutex write_mu_;  // held by the open batch
  // Commit's buffers, kept between batches so their memory is reused.
  // Guarded by write_mu_.
  internal::EncodedBatch encoded_;
};

// A set of writes appended atomically (one signature) at Flush. Reads
// through the batch see its pending writes. Destroying an unflushed batch
// discards it: nothing is written.
class Batch {
 public:
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  ~Batch() = default;

  Result<bool> Put(std::string_view key, std::optional<std::string_view> value,
                   const PutOptions& options = {});
  Result<bool> Del(std::string_view key, const DelOptions& options = {});
  Result<std::optional<Entry>> Get(std::string_view key);
  size_t pending() const { return writer_.pending(); }
  // Appends every pending block with one signature; the batch is then
  // closed. A batch with nothing pending appends nothing.
  Status Flush();

 private:
  friend class Bee;
  Batch(Bee* bee, std::unique_lock<std::mutex> lock, uint64_t length,
        bool separate);
  Status CheckOpen() const;

  Bee* bee_;
  std::unique_lock<std::mutex> lock_;
  internal::Writer writer_;
};

}  // namespace bee::btree

#endif  // BEE_BTREE_BEE_H_
