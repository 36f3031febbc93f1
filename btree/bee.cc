#include "btree/bee.h"

#include "btree/internal/boundaries.h"
#include "btree/version_root.h"

namespace bee::btree {
namespace internal {

// Everything a Bee and its snapshots share.
struct Store {
  explicit Store(std::unique_ptr<log::Core> c)
      : core(std::move(c)), cache(core.get()) {}
  std::unique_ptr<log::Core> core;
  BlockCache cache;
  std::unique_ptr<Boundaries> boundaries;
};

}  // namespace internal

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

Status CheckHeader(const log::Core& core) {
  if (core.length() == 0) {
    return Status::Corruption(
        "the log has no hyperbee header (was its creation interrupted? "
        "remove the directory and create the store again)");
  }
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

}  // namespace

// ---------------------------------------------------------------------------
// Snapshot

const internal::BlockCache& Snapshot::cache() const { return store_->cache; }
const log::Core& Snapshot::core() const { return *store_->core; }

Result<std::optional<Entry>> Snapshot::Get(std::string_view key) const {
  return Lookup(store_->cache, root_, key);
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

Bee::Bee(std::shared_ptr<internal::Store> store) : store_(std::move(store)) {}

Bee::~Bee() = default;

Result<std::unique_ptr<Bee>> Bee::Create(const std::string& dir,
                                         const log::KeyPair& key_pair,
                                         std::optional<HeaderMetadata> metadata,
                                         const BeeOptions& options) {
  BEE_ASSIGN_OR_RETURN(auto core,
                       log::Core::Create(dir, key_pair, options.core));
  HeaderBlock header;
  header.metadata = std::move(metadata);
  std::string block = EncodeHeaderBlock(header);
  BEE_RETURN_IF_ERROR(core->Append(std::span<const std::string>(&block, 1)));
  auto store = std::make_shared<internal::Store>(std::move(core));
  BEE_ASSIGN_OR_RETURN(store->boundaries,
                       internal::Boundaries::Open(
                           EnvOf(options), dir, 1, true,
                           options.core.durability == log::Durability::kSync));
  return std::unique_ptr<Bee>(new Bee(std::move(store)));
}

Result<std::unique_ptr<Bee>> Bee::Open(const std::string& dir,
                                       const BeeOptions& options) {
  BEE_ASSIGN_OR_RETURN(auto core, log::Core::Open(dir, options.core));
  BEE_RETURN_IF_ERROR(CheckHeader(*core));
  uint64_t length = core->length();
  auto store = std::make_shared<internal::Store>(std::move(core));
  // Only Create makes the file: a store without one (written elsewhere, or
  // whose file was lost) has unknown boundaries rather than a wrong list.
  auto boundaries = internal::Boundaries::Open(
      EnvOf(options), dir, length, false,
      options.core.durability == log::Durability::kSync);
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
  HeaderBlock header;
  header.metadata = std::move(metadata);
  std::string block = EncodeHeaderBlock(header);
  BEE_RETURN_IF_ERROR(core->Append(std::span<const std::string>(&block, 1)));
  auto store = std::make_shared<internal::Store>(std::move(core));
  store->boundaries = internal::Boundaries::InMemory();
  BEE_RETURN_IF_ERROR(store->boundaries->Record(1));
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
  return Snapshot(store_, version, root);
}

Snapshot Bee::GetSnapshot() const {
  // The current version is always an append boundary; a failure here means
  // the last block is damaged, which Get will report on use.
  uint64_t v = version();
  auto snap = SnapshotAt(v);
  if (snap.ok()) return std::move(snap).value();
  return Snapshot(store_, v, internal::NodeRef{v - 1, 0});
}

Result<Snapshot> Bee::Checkout(uint64_t version) const {
  if (version == 0) version = 1;
  uint64_t current = this->version();
  if (version > current) {
    return Status::InvalidArgument("version " + Num(version) +
                                   " is beyond the current version " +
                                   Num(current));
  }
  if (version > 1 && store_->boundaries->known() &&
      !store_->boundaries->Contains(version)) {
    return Status::InvalidArgument(
        "version " + Num(version) +
        " ends inside a batch (its block has no usable root); check out a "
        "version at an append boundary");
  }
  auto snap = SnapshotAt(version);
  if (!snap.ok() && snap.status().IsCorruption()) {
    return Status::InvalidArgument(snap.status().message());
  }
  return snap;
}

Result<std::optional<Entry>> Bee::Get(std::string_view key) const {
  return GetSnapshot().Get(key);
}

Result<HeaderBlock> Bee::GetHeader() const {
  BEE_ASSIGN_OR_RETURN(std::string block, store_->core->Get(0));
  auto header = DecodeHeaderBlock(block);
  if (!header.ok()) return header.status().WithContext("block 0");
  return header;
}

Result<Entry> Bee::GetBySeq(uint64_t seq) const {
  return GetSnapshot().GetBySeq(seq);
}

Result<std::unique_ptr<Batch>> Bee::MakeBatch(const BatchOptions& options) {
  if (!store_->core->writable()) {
    return Status::InvalidArgument("the store is read-only");
  }
  std::unique_lock<std::mutex> lock(write_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return Status::Busy("another batch is open on this store");
  }
  return std::unique_ptr<Batch>(new Batch(
      this, std::move(lock), store_->core->length(), options.separate_blocks));
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

Status Bee::Commit(internal::Writer* writer) {
  if (writer->pending() == 0) return Status::OK();
  writer->EncodeBlocks(&encoded_, store_->core->parallel_hashing());
  // The next batch reads these blocks: the cache takes them while they are
  // hashed. Readers never look past their version, so blocks past the
  // log's length are invisible until the append commits, and are dropped
  // if it fails.
  const uint64_t first = store_->core->length();
  internal::BlockCache& cache = store_->cache;
  Status s = store_->core->Append(
      encoded_.blocks, [&] { cache.Insert(first, std::move(encoded_.flats)); });
  if (!s.ok()) {
    cache.Invalidate(first);
    return s;
  }
  return store_->boundaries->Record(store_->core->length());
}

Status Bee::Truncate(uint64_t version) {
  std::lock_guard<std::mutex> l(write_mu_);
  BEE_RETURN_IF_ERROR(store_->core->Truncate(version));
  store_->cache.Invalidate(version);
  return store_->boundaries->Truncate(version);
}

Status Bee::Close() { return store_->core->Close(); }

// ---------------------------------------------------------------------------
// Batch

Batch::Batch(Bee* bee, std::unique_lock<std::mutex> lock, uint64_t length,
             bool separate)
    : bee_(bee),
      lock_(std::move(lock)),
      writer_(&bee->store_->cache, length, separate) {}

Status Batch::CheckOpen() const {
  if (!lock_.owns_lock()) {
    return Status::InvalidArgument("the batch was already flushed");
  }
  return Status::OK();
}

Result<bool> Batch::Put(std::string_view key,
                        std::optional<std::string_view> value,
                        const PutOptions& options) {
  BEE_RETURN_IF_ERROR(CheckOpen());
  return writer_.Put(key, value, options.cas, options.always_duplicate);
}

Result<bool> Batch::Del(std::string_view key, const DelOptions& options) {
  BEE_RETURN_IF_ERROR(CheckOpen());
  return writer_.Del(key, options.cas);
}

Result<std::optional<Entry>> Batch::Get(std::string_view key) {
  BEE_RETURN_IF_ERROR(CheckOpen());
  return writer_.Get(key);
}

Status Batch::Flush() {
  BEE_RETURN_IF_ERROR(CheckOpen());
  Status s = bee_->Commit(&writer_);
  lock_.unlock();
  return s;
}

}  // namespace bee::btree
