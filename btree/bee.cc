#include "btree/bee.h"

#include "btree/internal/boundaries.h"
#include "btree/internal/header_file.h"
#include "btree/internal/snapshot_access.h"
#include "btree/internal/version_root.h"
#include "btree/internal/writer.h"
#include "encoding/limits.h"

namespace bee::btree {
namespace internal {

// Everything a Bee and its snapshots share.
struct Store {
  explicit Store(std::unique_ptr<log::Core> c,
                 size_t cache_bytes = kDefaultCacheBytes)
      : core(std::move(c)), cache(core.get(), cache_bytes) {}
  std::unique_ptr<log::Core> core;
  BlockCache cache;
  std::unique_ptr<Boundaries> boundaries;
  // What the first write appends as block 0 while the log is empty (the
  // header given at Create); nullopt when unknown (a store written
  // elsewhere), which gets hyperbee's default header.
  std::optional<std::string> first_header;
  // Where the files are, for Refresh to reload the boundaries; env is null
  // for a store that has no directory (in memory, or FromCore).
  log::Env* env = nullptr;
  std::string dir;
};

}  // namespace internal

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

// An empty log is a store whose first write has not happened yet (hyperbee
// appends its header with the first write); otherwise block 0 must be a
// hyperbee header.
Status CheckHeader(const log::Core& core) {
  if (core.length() == 0) return Status::OK();
  auto block = core.Get(0);
  if (!block.ok()) return block.status().WithContext("header block");
  auto header = DecodeHeaderBlock(*block);
  if (!header.ok() || !IsHyperbeeHeader(*header)) {
    return Status::Corruption("block 0 is not a hyperbee header");
  }
  return Status::OK();
}

log::Env* EnvOf(const BeeOptions& options) {
  return options.core.env ? options.core.env : log::Env::Default();
}

std::string HeaderFor(std::optional<HeaderMetadata> metadata) {
  HeaderBlock header;
  header.metadata = std::move(metadata);
  return EncodeHeaderBlock(header);
}

internal::BoundariesOptions BoundariesFor(const BeeOptions& options,
                                          bool create) {
  return {create, options.core.durability == log::Durability::kSync,
          options.core.read_only};
}

// The store's one budget, split: an eighth for the log's verified merkle
// nodes; for a read-only follower, three eighths for the bytes of the runs
// of blocks it verified; the rest for the tree's blocks.
size_t RunBytesCacheBytes(const BeeOptions& options) {
  return options.core.read_only ? options.cache_bytes / 8 * 3 : 0;
}

log::CoreOptions CoreOptionsFor(const BeeOptions& options) {
  log::CoreOptions core = options.core;
  core.node_cache_bytes = options.cache_bytes / 8;
  core.run_bytes_cache_bytes = RunBytesCacheBytes(options);
  return core;
}

size_t BlockCacheBytes(const BeeOptions& options) {
  return options.cache_bytes - options.cache_bytes / 8 -
         RunBytesCacheBytes(options);
}

}  // namespace

// ---------------------------------------------------------------------------
// Snapshot

const internal::BlockCache& internal::SnapshotAccess::Cache(const Snapshot& s) {
  return s.store_->cache;
}
const log::Core& Snapshot::core() const { return *store_->core; }

Result<std::optional<Entry>> Snapshot::Get(std::string_view key) const {
  return Lookup(store_->cache, internal::RootOf(*this), key);
}

Result<Entry> Snapshot::GetBySeq(uint64_t seq) const {
  if (seq == 0 || seq >= version_) {
    return Status::InvalidArgument(
        "seq " + Num(seq) + " is not a node block of version " + Num(version_));
  }
  return EntryAt(store_->cache, seq);
}

// ---------------------------------------------------------------------------
// Bee

Bee::Bee(std::shared_ptr<internal::Store> store)
    : store_(std::move(store)),
      encoded_(std::make_unique<internal::EncodedBatch>()) {}

Bee::~Bee() = default;

Result<std::unique_ptr<Bee>> Bee::Create(const std::string& dir,
                                         const log::KeyPair& key_pair,
                                         std::optional<HeaderMetadata> metadata,
                                         const BeeOptions& options) {
  log::Env* env = EnvOf(options);
  BEE_RETURN_IF_ERROR(env->CreateDir(dir));
  // `meta` makes a directory a log (docs/FORMAT.md §1): refuse before
  // touching any file of an existing store.
  if (env->FileExists(dir + "/meta")) {
    return Status::InvalidArgument(dir + ": already holds a log");
  }
  // The store's own files before the log's meta, which makes it a store: a
  // crash in between leaves no store, never one that lost its header.
  std::string header = HeaderFor(std::move(metadata));
  BEE_RETURN_IF_ERROR(internal::WriteHeaderFile(env, dir, header));
  BEE_ASSIGN_OR_RETURN(
      auto boundaries,
      internal::Boundaries::Open(env, dir, 0, BoundariesFor(options, true)));
  BEE_ASSIGN_OR_RETURN(
      auto core, log::Core::Create(dir, key_pair, CoreOptionsFor(options)));
  auto store = std::make_shared<internal::Store>(std::move(core),
                                                 BlockCacheBytes(options));
  store->boundaries = std::move(boundaries);
  store->first_header = std::move(header);
  return std::unique_ptr<Bee>(new Bee(std::move(store)));
}

Result<std::unique_ptr<Bee>> Bee::Open(const std::string& dir,
                                       const BeeOptions& options) {
  BEE_ASSIGN_OR_RETURN(auto core,
                       log::Core::Open(dir, CoreOptionsFor(options)));
  BEE_RETURN_IF_ERROR(CheckHeader(*core));
  const uint64_t length = core->length();
  auto store = std::make_shared<internal::Store>(std::move(core),
                                                 BlockCacheBytes(options));
  store->env = EnvOf(options);
  store->dir = dir;
  if (length == 0) {
    BEE_ASSIGN_OR_RETURN(store->first_header,
                         internal::ReadHeaderFile(EnvOf(options), dir));
  }
  // Only Create makes the file: a store without one (written elsewhere, or
  // whose file was lost) has unknown boundaries rather than a wrong list.
  auto boundaries = internal::Boundaries::Open(EnvOf(options), dir, length,
                                               BoundariesFor(options, false));
  if (boundaries.ok()) {
    store->boundaries = std::move(boundaries).value();
  } else if (boundaries.status().IsNotFound()) {
    store->boundaries = std::make_unique<internal::Boundaries>();
  } else {
    return boundaries.status();
  }
  return std::unique_ptr<Bee>(new Bee(std::move(store)));
}

Result<std::unique_ptr<Bee>> Bee::CreateInMemory(
    const log::KeyPair& key_pair, std::optional<HeaderMetadata> metadata) {
  BEE_ASSIGN_OR_RETURN(auto core, log::Core::CreateInMemory(key_pair));
  auto store = std::make_shared<internal::Store>(std::move(core));
  store->boundaries = internal::Boundaries::InMemory();
  store->first_header = HeaderFor(std::move(metadata));
  return std::unique_ptr<Bee>(new Bee(std::move(store)));
}

Result<std::unique_ptr<Bee>> Bee::FromCore(std::unique_ptr<log::Core> core) {
  BEE_RETURN_IF_ERROR(CheckHeader(*core));
  auto store = std::make_shared<internal::Store>(std::move(core));
  store->boundaries = std::make_unique<internal::Boundaries>();
  return std::unique_ptr<Bee>(new Bee(std::move(store)));
}

uint64_t Bee::version() const {
  return std::max<uint64_t>(1, store_->core->length());
}

const std::optional<log::HeadDamage>& Bee::head_damage() const {
  return store_->core->head_damage();
}

log::Core& Bee::core() { return *store_->core; }
const log::Core& Bee::core() const { return *store_->core; }

std::vector<uint64_t> Bee::Boundaries() const {
  return store_->boundaries->All();
}

Result<Snapshot> Bee::SnapshotAt(uint64_t version) const {
  BEE_ASSIGN_OR_RETURN(std::optional<internal::NodeRef> root,
                       RootOfVersion(store_->cache, version));
  return internal::SnapshotAccess::Make(store_, version, root);
}

Result<Snapshot> Bee::GetSnapshot() const { return SnapshotAt(version()); }

Result<Snapshot> Bee::Checkout(uint64_t version) const {
  if (version == 0) version = 1;
  uint64_t current = this->version();
  if (version > current) {
    return Status::InvalidArgument("version " + Num(version) +
                                   " is beyond the current version " +
                                   Num(current));
  }
  // The current version always ends an operation (a writer's append, or a
  // batch, ends with a root), even before its boundary is recorded or when
  // boundaries are unknown: one whose block has no root is damage, as is a
  // recorded boundary's.
  if (version > 1 && version < current) {
    BEE_RETURN_IF_ERROR(CheckEndsOperation(version));
  }
  return SnapshotAt(version);
}

Status Bee::CheckEndsOperation(uint64_t version) const {
  const std::string inside =
      "version " + Num(version) +
      " ends inside a batch (its block has no usable root); check out a "
      "version at an operation's end";
  if (store_->boundaries->known()) {
    if (store_->boundaries->Contains(version)) return Status::OK();
    return Status::InvalidArgument(inside);
  }
  // Unknown boundaries: a block without an index cannot end an operation.
  BEE_ASSIGN_OR_RETURN(internal::BlockPtr block,
                       store_->cache.Get(version - 1));
  if (block->levels.empty()) return Status::InvalidArgument(inside);
  return Status::OK();
}

Result<std::optional<Entry>> Bee::Get(std::string_view key) const {
  BEE_ASSIGN_OR_RETURN(Snapshot snap, GetSnapshot());
  return snap.Get(key);
}

Result<HeaderBlock> Bee::GetHeader() const {
  if (store_->core->length() == 0) {
    if (!store_->first_header) {
      return Status::NotFound("the store has no header block yet");
    }
    return DecodeHeaderBlock(*store_->first_header);
  }
  BEE_ASSIGN_OR_RETURN(std::string block, store_->core->Get(0));
  auto header = DecodeHeaderBlock(block);
  if (!header.ok()) return header.status().WithContext("block 0");
  return header;
}

Result<Entry> Bee::GetBySeq(uint64_t seq) const {
  BEE_ASSIGN_OR_RETURN(Snapshot snap, GetSnapshot());
  return snap.GetBySeq(seq);
}

Result<std::unique_ptr<Batch>> Bee::MakeBatch(const BatchOptions& options) {
  if (!store_->core->writable()) {
    return Status::InvalidArgument("the store is read-only");
  }
  std::unique_lock<std::mutex> lock(write_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return Status::Busy("another batch is open on this store");
  }
  BEE_RETURN_IF_ERROR(CheckNoWriteError());
  return std::unique_ptr<Batch>(
      new Batch(this, std::move(lock), options.separate_blocks));
}

Result<bool> Bee::Put(std::string_view key,
                      std::optional<std::string_view> value,
                      const PutOptions& options) {
  BEE_ASSIGN_OR_RETURN(auto batch, MakeBatch());
  BEE_ASSIGN_OR_RETURN(bool written, batch->Put(key, value, options));
  BEE_RETURN_IF_ERROR(batch->Flush());
  return written;
}

Result<bool> Bee::Del(std::string_view key, const DelOptions& options) {
  BEE_ASSIGN_OR_RETURN(auto batch, MakeBatch());
  BEE_ASSIGN_OR_RETURN(bool written, batch->Del(key, options));
  BEE_RETURN_IF_ERROR(batch->Flush());
  return written;
}

Status Bee::AppendHeader() {
  const std::string block =
      store_->first_header.value_or(HeaderFor(std::nullopt));
  const std::string_view blocks[] = {block};
  return AppendRecorded(blocks, false, nullptr);
}

Status Bee::Commit(internal::Writer* writer, bool separate) {
  if (writer->pending() == 0) return Status::OK();
  writer->EncodeBlocks(encoded_.get(), store_->core->parallel_hashing());
  // The next batch reads these blocks: the cache takes them while they are
  // hashed. Readers never look past their version, so blocks past the
  // log's length are invisible until the append commits, and are dropped
  // if it fails.
  const uint64_t first = store_->core->length();
  internal::BlockCache& cache = store_->cache;
  return AppendRecorded(encoded_->blocks, separate, [&] {
    cache.Insert(first, std::move(encoded_->flats));
  });
}

Status Bee::AppendRecorded(std::span<const std::string_view> blocks,
                           bool separate,
                           const std::function<void()>& meanwhile) {
  // Each block of a separate-block batch ends a version, as its own append
  // would; otherwise only the last one does.
  const uint64_t first = store_->core->length();
  std::vector<uint64_t> ends;
  for (uint64_t i = separate ? 1 : blocks.size(); i <= blocks.size(); i++) {
    ends.push_back(first + i);
  }
  // Recorded first: a record that cannot be written fails the commit while
  // nothing is appended yet.
  Status s = store_->boundaries->Record(ends);
  if (s.ok()) {
    s = store_->core->Append(blocks, meanwhile);
    if (!s.ok()) {
      store_->cache.Invalidate(first);
      store_->boundaries->Forget(first);
    }
  }
  return Sticky(s);
}

Status Bee::Truncate(uint64_t version) {
  std::unique_lock<std::mutex> l(write_mu_, std::try_to_lock);
  if (!l.owns_lock()) {
    return Status::Busy(
        "a batch is open on this store: flush or drop it first");
  }
  BEE_RETURN_IF_ERROR(CheckNoWriteError());
  if (version == 0 && store_->core->length() > 0) {
    // The next write appends the header again: keep this one's metadata,
    // as hyperbee keeps its own. Set before the log shrinks, so a reader
    // that sees length 0 sees it too.
    BEE_ASSIGN_OR_RETURN(store_->first_header, store_->core->Get(0));
  }
  BEE_RETURN_IF_ERROR(store_->core->Truncate(version));
  store_->cache.Invalidate(version);
  return Sticky(store_->boundaries->Truncate(version));
}

Status Bee::CheckNoWriteError() const {
  if (write_error_.ok()) return Status::OK();
  return write_error_.WithContext(
      "the store refuses writes since an earlier write failed (reopen it to "
      "recover)");
}

Status Bee::Sticky(Status s) {
  if (!s.ok() && write_error_.ok()) write_error_ = s;
  return s;
}

Status Bee::Refresh() {
  std::lock_guard<std::mutex> l(write_mu_);
  BEE_ASSIGN_OR_RETURN(log::RefreshResult r, store_->core->Refresh());
  if (!r.changed) return Status::OK();
  // Cached blocks the writer truncated away would be served as if current.
  store_->cache.Invalidate(r.unchanged_length);
  if (!store_->boundaries->known()) return Status::OK();
  return store_->boundaries->Reload(store_->env, store_->dir,
                                    store_->core->length());
}

Status Bee::Close() { return store_->core->Close(); }

// ---------------------------------------------------------------------------
// Batch

Batch::Batch(Bee* bee, std::unique_lock<std::mutex> lock, bool separate)
    : bee_(bee), lock_(std::move(lock)), separate_(separate) {
  const uint64_t length = bee->store_->core->length();
  needs_header_ = length == 0;
  writer_ =
      std::make_unique<internal::Writer>(&bee->store_->cache, length, separate);
}

Batch::~Batch() = default;

size_t Batch::pending() const { return writer_->pending(); }

Status Batch::CheckOpen() const {
  if (!lock_.owns_lock()) {
    return Status::InvalidArgument("the batch was already flushed");
  }
  return Status::OK();
}

// As hyperbee's put and del do, the first write of a store appends its
// header block on its own, before the operation (even one that then
// writes nothing).
Status Batch::PrepareWrite() {
  BEE_RETURN_IF_ERROR(CheckOpen());
  // Only this batch writes while it is open: the log's length is the one
  // it started from, so the check is a flag, not a lock per operation.
  if (!needs_header_) return Status::OK();
  internal::Store& store = *bee_->store_;
  BEE_RETURN_IF_ERROR(bee_->AppendHeader());
  needs_header_ = false;
  writer_ = std::make_unique<internal::Writer>(&store.cache,
                                               store.core->length(), separate_);
  return Status::OK();
}

Status Batch::CheckLimits(std::string_view key,
                          std::optional<std::string_view> value) const {
  if (key.size() > kMaxKeySize) {
    return Status::InvalidArgument("key of " + Num(key.size()) +
                                   " bytes is over the limit of " +
                                   Num(kMaxKeySize) + " (kMaxKeySize)");
  }
  if (value && value->size() > kMaxValueSize) {
    return Status::InvalidArgument("value of " + Num(value->size()) +
                                   " bytes is over the limit of " +
                                   Num(kMaxValueSize) + " (kMaxValueSize)");
  }
  // The block holds both (and its index): past this it can never be
  // appended.
  if (value && key.size() + value->size() > kMaxBlockSize) {
    return Status::InvalidArgument(
        "key and value of " + Num(key.size() + value->size()) +
        " bytes together are over the block limit of " + Num(kMaxBlockSize) +
        " (kMaxBlockSize)");
  }
  if (writer_->pending() >= kMaxBatchOperations) {
    return Status::InvalidArgument(
        "the batch already holds " + Num(writer_->pending()) +
        " operations, the limit (kMaxBatchOperations); flush it first");
  }
  return Status::OK();
}

Result<bool> Batch::Put(std::string_view key,
                        std::optional<std::string_view> value,
                        const PutOptions& options) {
  [[maybe_unused]] internal::PinnedByWriter guard;
  BEE_RETURN_IF_ERROR(CheckOpen());
  BEE_RETURN_IF_ERROR(CheckLimits(key, value));
  BEE_RETURN_IF_ERROR(PrepareWrite());
  return writer_->Put(key, value, options.cas, options.always_duplicate);
}

Result<bool> Batch::Del(std::string_view key, const DelOptions& options) {
  [[maybe_unused]] internal::PinnedByWriter guard;
  BEE_RETURN_IF_ERROR(CheckOpen());
  BEE_RETURN_IF_ERROR(CheckLimits(key, std::nullopt));
  BEE_RETURN_IF_ERROR(PrepareWrite());
  return writer_->Del(key, options.cas);
}

Result<std::optional<Entry>> Batch::Get(std::string_view key) {
  [[maybe_unused]] internal::PinnedByWriter guard;
  BEE_RETURN_IF_ERROR(CheckOpen());
  return writer_->Get(key);
}

Status Batch::Flush() {
  [[maybe_unused]] internal::PinnedByWriter guard;
  BEE_RETURN_IF_ERROR(CheckOpen());
  Status s = bee_->Commit(writer_.get(), separate_);
  lock_.unlock();
  return s;
}

}  // namespace bee::btree
