// Core::Impl: the state and storage of one log. Private to log/.
#ifndef BEE_LOG_INTERNAL_CORE_IMPL_H_
#define BEE_LOG_INTERNAL_CORE_IMPL_H_

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/core.h"
#include "log/internal/mapped_file.h"
#include "log/internal/node_cache.h"
#include "log/internal/run_bytes_cache.h"
#include "log/internal/storage_records.h"
#include "log/internal/subscribers.h"
#include "log/internal/verified_runs.h"

namespace bee::log {

// What Refresh found: a newer head that verifies, with its roots.
struct VerifiedHead {
  uint64_t generation = 0;
  SignedHead head;
  std::vector<TreeNode> roots;
};

class Core::Impl {
 public:
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl();

  // Identity (immutable after open).
  Env* env_ = nullptr;
  std::unique_ptr<Env> owned_env_;  // in-memory cores own their Env
  std::string dir_;
  Durability durability_ = Durability::kSync;
  bool parallel_hashing_ = true;  // CoreOptions::parallel_hashing
  bool read_only_ = false;        // CoreOptions::read_only: files opened kRead
  bool compat_ = false;
  bool replica_ = false;  // sparse: blocks may be missing (bitfield)
  BlockSource* block_source_ = nullptr;  // replicas only; not owned
  Hash32 key_{};
  Hash32 discovery_key_{};
  PublicKey public_key_{};
  std::string manifest_;
  std::optional<KeyPair> signer_;  // present iff writable
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<File> head_file_, tree_file_, data_file_, bitfield_file_;
  // Reads of `data` and `tree`: mapped in a writable log (CoreOptions::
  // map_files), else File::Read (see log/internal/mapped_file.h for why
  // only the writer maps). Extended while mu_ is held exclusively (or
  // before the log is shared), read with mu_ held shared.
  bool map_files_ = true;
  // A read-only follower's verified runs' bytes (log/core_runs.cc): null
  // otherwise, or with CoreOptions::run_bytes_cache_bytes 0.
  size_t run_bytes_cache_bytes_ = 0;
  std::unique_ptr<RunBytesCache> run_bytes_;
  std::unique_ptr<MappedFile> data_map_, tree_map_;
  // The runs of blocks verified in bulk (log/core_runs.cc): only when the
  // files are mapped (null otherwise). Sized to the complete runs of the
  // published length with the mappings; marked by readers.
  std::unique_ptr<VerifiedRuns> runs_;
  bool closed_ = false;
  // The first failed write, fsync or head write of Append, Truncate or
  // Sync; once set, every further write is refused (see Sticky).
  // REQUIRES: writer_mu_ held.
  Status write_error_;

  // Serializes writers (Append, Truncate, proofs, Close).
  std::mutex writer_mu_;
  // Writer-owned scratch buffers, reused so large appends do not fault in
  // fresh pages every time. REQUIRES: writer_mu_ held.
  std::string tree_scratch_;
  std::vector<TreeNode> created_scratch_;
  std::vector<TreeNode> hashed_scratch_;  // see HashNewNodes
  std::vector<uint8_t> computed_scratch_;
  // Nodes of the signed tree already verified (readers add to it); every
  // other node is read from `tree` and verified when used. Internally
  // locked; a truncation drops its nodes while holding mu_ exclusively.
  // At most CoreOptions::node_cache_bytes, whatever the log length.
  std::unique_ptr<NodeCache> node_cache_;
  // Guards the fields below: shared for readers, unique for the brief
  // moment a writer publishes a new state.
  mutable std::shared_mutex mu_;
  SignedHead head_;
  uint64_t generation_ = 0;
  std::optional<HeadDamage> head_damage_;  // set by LoadHead only
  std::vector<TreeNode> roots_;            // verified against head_'s signature
  std::vector<uint8_t> bitfield_;          // replicas only
  // Replicas only, kept with bitfield_ (CountHeld, StoreBlock): the held
  // blocks below head_.length, and the first block not held (which may
  // pass head_.length while a proof's block is stored before its head is
  // published; ContiguousLength caps it).
  uint64_t held_ = 0;
  uint64_t contiguous_ = 0;

  // Core::Subscribe's callbacks; shared with the Subscriptions.
  const std::shared_ptr<internal::SubscriberList> subscribers_ =
      std::make_shared<internal::SubscriberList>();

  mutable std::mutex wait_mu_;
  mutable std::condition_variable wait_cv_;

  std::string Path(const char* name) const { return dir_ + "/" + name; }

  // Availability and notifications (log/subscribers.cc).
  //
  // Tells the subscribers about a change just published, with the state
  // now. REQUIRES: writer_mu_ held (events keep the order of the changes),
  // mu_ not held.
  void Publish(CoreEvent::Type type, uint64_t unchanged_length = 0,
               uint64_t block = 0);
  // Core::contiguous_length(). REQUIRES: mu_ held (shared is enough).
  uint64_t ContiguousLength() const;
  // Recomputes held_ and contiguous_ from bitfield_ and head_ (after open,
  // Refresh or an import). REQUIRES: mu_ held exclusively, or the log not
  // shared yet.
  void CountHeld();
  // Moves contiguous_ past the held blocks that follow it. REQUIRES: as
  // CountHeld.
  void AdvanceContiguous();
  // Wakes WaitForAppend and WaitForBlock to re-check. REQUIRES: the change
  // is published (mu_ released).
  void WakeWaiters();

  // Storage.
  // Writes `meta` atomically (meta.tmp, renamed); with a seed (nullptr for
  // a replica) the log is writable. Wipes its copies of the seed.
  Status WriteMeta(const Seed* seed);
  Status WriteMetaFile(std::string_view meta, bool secret);
  // Reads `meta`; the signer is loaded unless read_only. Wipes the buffer
  // that held the seed.
  Status ReadMeta(bool read_only);
  Status OpenFiles(OpenMode mode);
  Status LoadBitfield();
  Result<std::vector<uint8_t>> ReadBitfield() const;
  // Opens at the newest head slot that verifies and sets head_damage_ for
  // the other slot when it is damaged (docs/FORMAT.md §2).
  Status LoadHead();
  // The slots of the head file's `bytes` that pass their checksum, newest
  // generation first (for Refresh).
  static std::vector<HeadSlot> ParseHeadSlots(std::string_view bytes);
  // The roots of `head` read from `tree`, when they sum to its byte length
  // and its signature verifies over them; else what is wrong.
  Result<std::vector<TreeNode>> VerifyHead(const SignedHead& head) const;
  // Whether a checksummed slot is a head from before the truncation that
  // made the current fork: an append since may have overwritten the tree
  // records past the truncation that it signed, so failing to verify is not
  // damage (nothing signed at the current fork is lost).
  bool Superseded(const HeadSlot& slot) const;
  // The HeadDamage of slot `s`, which is damaged for `problem`, against
  // the head open chose (head_, generation_).
  Result<HeadDamage> DescribeDamage(uint64_t s,
                                    const std::optional<HeadSlot>& slot,
                                    std::optional<uint64_t> field,
                                    const std::string& problem) const;
  // Whether `tree` or `data` hold bytes an append past `head` wrote (or a
  // truncation left): tree longer than its 2L-1 records, data longer than
  // its byte length. *past_blocks: the blocks those tree records end at.
  Result<bool> HoldsDataPast(const SignedHead& head,
                             uint64_t* past_blocks) const;
  Status WriteHead(const SignedHead& head, uint64_t generation);
  // Reads the record of node `index` from `tree`, unverified: MissingNode
  // when it is all zero or past the end of the file. `scratch` is any buffer.
  Result<TreeNode> ReadNode(uint64_t index, std::string* scratch) const;
  // Reads the records of the sorted nodes `indexes`, unverified:
  // present[i] says whether node indexes[i] is stored, with it in out[i].
  // Nearby records share one read. REQUIRES: the spans have one size.
  Status ReadRecords(std::span<const uint64_t> indexes, std::span<TreeNode> out,
                     std::span<uint8_t> present, std::string* scratch) const;
  // Writes the records of `nodes` (any order), one write per run of
  // consecutive indexes. REQUIRES: writer_mu_ held.
  Status WriteNodes(std::span<const TreeNode> nodes);
  // Writes the nodes an append from old_length to new_length created: one
  // write for the records from leaf 2*old_length on (zero where a node is
  // not complete yet) and one for each older index. REQUIRES: writer_mu_.
  Status WriteAppendedNodes(std::span<const TreeNode> created,
                            uint64_t old_length, uint64_t new_length);

  // Tree state. REQUIRES: mu_ held (shared is enough), or writer_mu_ held
  // by the writer, which alone changes it.
  //
  // The roots of `length` as stored, unverified (for open).
  Result<std::vector<TreeNode>> ReadRoots(uint64_t length) const;
  // Node `index` of the signed tree, verified: read from `tree` with the
  // siblings of its path, and hashed up to the first ancestor that is a
  // signed root or already cached. Caches what it verified. Corruption if
  // the path does not hash up, MissingNode if absent, InvalidArgument if
  // the node is not below a signed root. `scratch` is any buffer.
  Result<PlacedNode> Verified(uint64_t index, std::string* scratch) const;
  Status MissingNode(uint64_t index) const;
  // Reads node `index` (*start) and the siblings of it and of its next
  // levels-1 ancestors (siblings[0..levels-1]), unverified.
  Status ReadPath(uint64_t index, size_t levels, std::string* scratch,
                  TreeNode* start, TreeNode* siblings) const;
  // The Corruption for a path from `start` that does not hash up to its
  // verified ancestor `anchor`: names the lowest stored parent that does
  // not match its children.
  Status PathMismatch(const TreeNode& start, std::span<const TreeNode> siblings,
                      const TreeNode& anchor, std::string* scratch) const;
  // Writes a verified block of a replica at `offset` and marks it stored;
  // *added says whether it was not stored before. REQUIRES: writer_mu_ held.
  Status StoreBlock(uint64_t block, std::string_view value, uint64_t offset,
                    bool* added);
  bool HasBlock(uint64_t block) const;
  // Reads block `block`, verified; *out is also the scratch buffer.
  Status ReadBlock(uint64_t block, std::string* out) const;
  // A replica with a BlockSource: asks it, in one call, for the blocks of
  // `indexes` below the length that the replica lacks. OK when none is
  // missing (or there is no source). REQUIRES: mu_ not held.
  Status FetchMissing(std::span<const uint64_t> indexes) const;
  // OK when `bytes` are those of block `block` below verified `leaf`: its
  // size, and its leaf hash (`hash` when already computed); else the
  // Corruption naming the block.
  static Status CheckBlockBytes(uint64_t block, const PlacedNode& leaf,
                                std::string_view bytes,
                                const Hash32* hash = nullptr);
  // Makes the mappings cover what the files are known to hold: their sizes
  // at open, the signed tree and data after an append. REQUIRES: mu_ held
  // exclusively, or the log not shared yet.
  // Also sizes runs_ to the complete runs of head_.length.
  void ExtendMappings(uint64_t tree_end, uint64_t data_end);

  // Bulk verification of aligned runs (log/core_runs.cc). REQUIRES: mu_
  // held (shared is enough).
  //
  // Verifies run `run` (< runs_->size()) in bulk and marks it: every tree
  // record of the run and every byte of its blocks, against its root
  // verified up to a signed root. False when something does not verify or
  // lies outside the mappings (its blocks are then read the usual way, which
  // names what is wrong).
  bool VerifyRun(uint64_t run) const;
  // Block `block`'s leaf record (placed) and bytes (a view into the
  // mapping) when it lies in a complete run that is verified (verifying the
  // run first if needed); the caller must still check the bytes against
  // the leaf hash. False when the block must be read the usual way.
  bool LocateInRun(uint64_t block, PlacedNode* leaf,
                   std::string_view* bytes) const;
  // Starts loading the records LocateInRun will read for `block` into the
  // CPU cache, when its run is verified already.
  void PrefetchInRun(uint64_t block) const;
  // Get's bytes of `block` through LocateInRun, hashed against its leaf;
  // false when the block must be read the usual way (ReadBlock).
  bool ReadBlockInRun(uint64_t block, std::string* out) const;

  // Read-only followers (files read with pread, never mapped: see
  // log/internal/mapped_file.h) verify runs too, but cannot keep views of
  // them: WarmRun reads run `run`'s records and bytes with one read each,
  // proves them as VerifyRun does, and puts the run's 64 leaves (placed)
  // in the node cache, so within its budget a later read of one of its
  // blocks is one read of the block's bytes hashed against its verified
  // leaf (VerifyLeaves takes cached leaves; ReadBlock too). Evicted leaves
  // are verified again when needed; Refresh and Truncate drop the leaves
  // they invalidate with the rest of the cache (NodeCache::DropFrom).
  // False when the run is not complete below head_.length or does not
  // verify (its blocks are then read the usual way, which names the error).
  struct RunBuffers {
    std::string records, data, scratch;
    std::vector<uint64_t> indexes, runs;
    std::vector<PlacedNode> placed;
    std::vector<uint8_t> found;
  };
  bool WarmsLeaves() const;
  bool WarmRun(uint64_t run, RunBuffers* buffers) const;
  // A follower's block `index` from a kept run (run_bytes_), if kept.
  bool ReadBlockFromRunBytes(uint64_t index, std::string* out) const;
  // Warms the runs of those `blocks` (< head_.length) whose leaves are not
  // cached, each run once.
  void WarmLeaves(std::span<const uint64_t> blocks, RunBuffers* buffers) const;

  // Batched verified reads (log/core_read.cc). Reads `chunk` (any order,
  // duplicates allowed) as Core::GetMany does, calling fn in order; stops
  // at the first failing block or fn error. REQUIRES: mu_ held shared.
  struct ReadBatch;
  Status ReadChunk(std::span<const uint64_t> chunk,
                   const std::function<Status(uint64_t, std::string_view)>& fn,
                   ReadBatch* batch) const;
  // Reads the blocks of `chunk` that LocateInRun places and whose bytes
  // hash to their leaf: sets batch->in_run and batch->run_bytes per index
  // of the chunk; returns how many it read.
  size_t ReadFromRuns(std::span<const uint64_t> chunk, ReadBatch* batch) const;
  // The same for a read-only follower, from its kept runs (run_bytes_).
  size_t ReadFromRunBytes(std::span<const uint64_t> chunk,
                          ReadBatch* batch) const;
  // The leaves of the sorted unique `blocks` of the batch, verified with
  // each merkle node read and hashed once (the multi-buffer hashes), level
  // by level up to a cached node or a signed root; caches what it verified.
  void VerifyLeaves(ReadBatch* batch) const;
  // Steps of VerifyLeaves (see log/core_read.cc): anchors the pending
  // nodes of level d and reads the siblings they lack; pairs them into the
  // pending parents of level d + 1; places and caches what was verified.
  Status VerifyLevel(size_t d, ReadBatch* batch) const;
  void PairLevel(size_t d, ReadBatch* batch) const;
  void PlaceVerified(ReadBatch* batch) const;
  // Reads the bytes of the batch's verified leaves and checks their hashes.
  void ReadLeafData(ReadBatch* batch) const;

  // Following another process's writes (log/refresh.cc). REQUIRES:
  // writer_mu_ held.
  //
  // The newest head slot newer than generation_ that verifies (nullopt when
  // nothing newer is signed); Corruption when it does not verify in two
  // reads of the same head bytes (a racing writer changes them).
  Result<std::optional<VerifiedHead>> FindNewerHead() const;
  // The same for one read of the head file.
  Result<std::optional<VerifiedHead>> NewerHeadIn(std::string_view bytes) const;
  // How many blocks the published tree (roots_) and the signed tree of
  // `new_roots` share, at least: blocks below it are the same in both.
  uint64_t UnchangedLength(std::span<const TreeNode> new_roots) const;
  // Child `index` of `parent`, a node of the published tree: verified from
  // the node cache, else its record as stored (unverified).
  Result<TreeNode> OldChild(uint64_t index, const TreeNode& parent,
                            std::string* scratch) const;
  // Node `index` of the tree of `roots`, read from `tree` and verified by
  // hashing its path up to its root, without the node cache (which holds
  // the published tree's nodes).
  Result<TreeNode> VerifiedIn(uint64_t index, std::span<const TreeNode> roots,
                              std::string* scratch) const;

  SignedHead SignHead(std::span<const TreeNode> roots, uint64_t length,
                      uint64_t fork) const;
  bool HeadSignatureValid(const SignedHead& head,
                          std::span<const TreeNode> roots) const;
  std::string Signable(const Hash32& tree_hash, uint64_t length,
                       uint64_t fork) const;
  // OK when Append and Truncate may write: a signer, not closed, and no
  // earlier write failed.
  Status CheckWritable() const;
  // Records a failed write in write_error_ and returns it. After a failure
  // the files may hold any prefix of the writes, and the next head would go
  // to the slot the failed one may have reached: retrying could sign a
  // second tree for one (length, fork), and a failed fsync may have dropped
  // pages that a later fsync reports clean. Only a reopen, which reads back
  // what landed, is safe. REQUIRES: writer_mu_ held.
  Status Sticky(Status s);
  // The writes of an append: blocks, nodes, fsyncs and the signed head
  // (returned in *head; *roots grows to the new roots). REQUIRES: writer_mu_.
  Status WriteAppend(std::span<const std::string_view> blocks,
                     const std::function<void()>& meanwhile,
                     std::vector<TreeNode>* roots, SignedHead* head);
  // Fsyncs every file. REQUIRES: writer_mu_ held.
  Status SyncFiles();

  // Verification and repair (log/core_verify.cc).
  //
  // Called for what a Scan finds wrong: a record that is missing or not
  // the hash of its stored children (a leaf: of its block's bytes, at
  // `data_offset` in data), a block cut short by the end of `data`.
  struct ScanSink {
    std::function<void(uint64_t index, const std::optional<TreeNode>& stored,
                       uint64_t data_offset)>
        record;
    std::function<void(uint64_t block, uint64_t offset, uint64_t have,
                       uint64_t size)>
        short_data;
    // With a value: every node whose stored record is not the value
    // recomputed from the data alone (for Repair, over proven blocks only).
    std::function<Status(const TreeNode& computed)> rebuild;
  };
  // One chunk of a Scan: blocks [first, first + sizes.size()), their
  // stored leaf records and sizes (where known), their bytes, and the
  // leaves of those that lie whole in `data` (hashed[2i] for block
  // first + i, i < hashed.size() / 2).
  struct ScanChunk {
    uint64_t first = 0;
    std::string records, data;
    std::vector<std::optional<TreeNode>> leaves;
    std::vector<std::optional<uint64_t>> sizes;
    std::vector<TreeNode> hashed;
    std::vector<uint8_t> flags;
  };
  // Reads the records and bytes of the chunk from block `first` (at byte
  // `offset`) and hashes its whole blocks.
  Status ReadScanChunk(uint64_t first, uint64_t end, uint64_t offset,
                       ScanChunk* chunk) const;
  // The stored record of `index`: from the chunk's read, else read alone.
  std::optional<TreeNode> Stored(const ScanChunk& chunk, uint64_t index) const;
  // Hashes blocks [0, end) from `data` and every node of the tree at `end`,
  // streaming, and checks each stored record; returns the roots of `end`
  // recomputed from the data alone. REQUIRES: end <= head_.length.
  Result<std::vector<TreeNode>> Scan(uint64_t end, const ScanSink& sink) const;
  // Verification, plus what Repair needs: which head slots failed, and
  // whether the roots recomputed from the data equal the signed ones.
  struct VerifyDetail {
    VerifyReport report;
    bool slot_failed[2] = {false, false};
    bool records_damaged = false;
  };
  Result<VerifyDetail> VerifyDetailed() const;
  Status CheckMeta(VerifyReport* report) const;
  void CheckHeadSlots(VerifyDetail* detail) const;
  Status CheckTree(VerifyDetail* detail) const;
  Status CheckLeftovers(VerifyReport* report) const;
  // The first block whose leaf cannot be verified from the signed roots or
  // whose data does not match it, from block `from` on; head_.length if none.
  uint64_t FirstUnprovenBlock(uint64_t from) const;
  // Repair's writes, REQUIRES: writer_mu_ held and the log writable.
  Status RepairLocked(const VerifyDetail& detail, RepairReport* out);
  // Rewrites the damaged records of blocks [0, keep) (when `damaged`) from
  // their data; returns the roots of `keep`.
  Result<std::vector<TreeNode>> RebuildRecords(uint64_t keep, bool damaged,
                                               RepairReport* out);
  // Signs `keep` with `roots` at the next fork, as head `generation`.
  Status SignRepairedHead(std::span<const TreeNode> roots, uint64_t keep,
                          uint64_t generation, RepairReport* out);
};

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_CORE_IMPL_H_
