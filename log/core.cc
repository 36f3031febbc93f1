// The signed log: hypercore 11 merkle tree semantics (FORMAT.md §12-15) over
// the directory layout of log/internal/storage_format.h (docs/FORMAT.md).
//
// Crash safety: an append writes block bytes and tree nodes only past the
// signed length, syncs them (kSync), then writes the new signed head to the
// head slot the previous head does not occupy. Open picks the newest head
// slot whose checksum and signature verify against the stored tree, so a
// crash at any instant reopens at a length that was once signed; bytes past
// it are ignored and overwritten by the next append.
#include "log/core.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "encoding/limits.h"
#include "encoding/varint.h"
#include "log/flat_tree.h"
#include "log/internal/core_impl.h"
#include "log/internal/leaf_hasher.h"
#include "log/internal/storage_format.h"
#include "log/internal/storage_records.h"

namespace bee::log {

using internal::kTreeRecordSize;

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

// Appends the leaves of blocks first_block, first_block + 1, ... to `roots`,
// merging siblings, and collects every new node in `created`. `hashed`
// holds the leaves and some parents already (see HashNewNodes).
void GrowTree(std::vector<TreeNode>* roots, uint64_t first_block, size_t count,
              std::span<const TreeNode> hashed,
              std::span<const uint8_t> computed,
              std::vector<TreeNode>* created) {
  const uint64_t base = 2 * first_block;
  for (size_t i = 0; i < count; i++) {
    TreeNode node = hashed[2 * i];
    created->push_back(node);
    while (!roots->empty() &&
           flat::Sibling(roots->back().index) == node.index) {
      const uint64_t parent = (roots->back().index + node.index) / 2;
      if (parent >= base && parent - base < computed.size() &&
          computed[parent - base]) {
        node = hashed[parent - base];
      } else {
        node = ParentNode(roots->back(), node);
      }
      roots->pop_back();
      created->push_back(node);
    }
    roots->push_back(node);
  }
}

uint64_t SumSizes(std::span<const TreeNode> roots) {
  uint64_t total = 0;
  for (const TreeNode& r : roots) total += r.size;
  return total;
}

}  // namespace

// ---------------------------------------------------------------------------
// Impl: tree state

Core::Impl::~Impl() = default;

namespace {

// A tree record (docs/FORMAT.md §1.3): u64le size, then the 32-byte hash.
void EncodeRecord(char* p, const TreeNode& node) {
  EncodeFixed64(p, node.size);
  std::memcpy(p + 8, node.hash.data(), 32);
}

// False for an all-zero record: a node that is not stored.
bool DecodeRecord(const char* p, uint64_t index, TreeNode* out) {
  static const char kZero[kTreeRecordSize] = {};
  if (std::memcmp(p, kZero, kTreeRecordSize) == 0) return false;
  out->index = index;
  out->size = DecodeFixed64(p);
  std::memcpy(out->hash.data(), p + 8, 32);
  return true;
}

// Reads stay within this many records, so one read covers the lower levels
// of a path.
constexpr uint64_t kMaxPathRead = 64;

TreeNode Parent(const TreeNode& a, const TreeNode& b) {
  return a.index < b.index ? ParentNode(a, b) : ParentNode(b, a);
}

}  // namespace

// A replica may simply not have a node yet; a full log must have them all.
Status Core::Impl::MissingNode(uint64_t index) const {
  if (replica_) {
    return Status::Unavailable("tree: merkle node " + Num(index) +
                               " is not stored");
  }
  return Status::Corruption("tree: merkle node " + Num(index) + " at offset " +
                            Num(index * kTreeRecordSize) + " is missing");
}

Result<TreeNode> Core::Impl::ReadNode(uint64_t index,
                                      std::string* scratch) const {
  std::string_view record;
  BEE_RETURN_IF_ERROR(tree_map_->Read(index * kTreeRecordSize, kTreeRecordSize,
                                      scratch, &record));
  TreeNode node;
  if (record.size() < kTreeRecordSize ||
      !DecodeRecord(record.data(), index, &node)) {
    return MissingNode(index);
  }
  return node;
}

Status Core::Impl::ReadRecords(std::span<const uint64_t> indexes,
                               std::span<TreeNode> out,
                               std::span<uint8_t> present,
                               std::string* scratch) const {
  for (size_t i = 0; i < indexes.size();) {
    // One read for the records within kMaxPathRead of the first.
    const uint64_t lo = indexes[i];
    size_t end = i + 1;
    while (end < indexes.size() && indexes[end] - lo < kMaxPathRead) end++;
    std::string_view records;
    BEE_RETURN_IF_ERROR(tree_map_->Read(
        lo * kTreeRecordSize,
        static_cast<size_t>((indexes[end - 1] - lo + 1) * kTreeRecordSize),
        scratch, &records));
    for (; i < end; i++) {
      const size_t at =
          static_cast<size_t>((indexes[i] - lo) * kTreeRecordSize);
      present[i] = at + kTreeRecordSize <= records.size() &&
                   DecodeRecord(records.data() + at, indexes[i], &out[i]);
    }
  }
  return Status::OK();
}

Result<std::vector<TreeNode>> Core::Impl::ReadRoots(uint64_t length) const {
  std::vector<TreeNode> roots;
  std::string scratch;
  for (uint64_t index : flat::FullRoots(2 * length)) {
    BEE_ASSIGN_OR_RETURN(TreeNode root, ReadNode(index, &scratch));
    roots.push_back(root);
  }
  return roots;
}

Status Core::Impl::ReadPath(uint64_t index, size_t levels, std::string* scratch,
                            TreeNode* start, TreeNode* siblings) const {
  // The lowest levels of the path lie close together: one read covers
  // them while the span stays small; higher siblings are read one by one.
  uint64_t lo = index, hi = index, node = index;
  size_t in_span = 0;
  while (in_span < levels) {
    uint64_t sibling = flat::Sibling(node);
    uint64_t new_lo = std::min(lo, sibling), new_hi = std::max(hi, sibling);
    if (new_hi - new_lo + 1 > kMaxPathRead) break;
    lo = new_lo;
    hi = new_hi;
    node = flat::Parent(node);
    in_span++;
  }
  std::string_view records;
  BEE_RETURN_IF_ERROR(tree_map_->Read(
      lo * kTreeRecordSize,
      static_cast<size_t>((hi - lo + 1) * kTreeRecordSize), scratch, &records));
  auto decode = [&](uint64_t i, TreeNode* out) {
    size_t at = static_cast<size_t>((i - lo) * kTreeRecordSize);
    return at + kTreeRecordSize <= records.size() &&
           DecodeRecord(records.data() + at, i, out);
  };
  if (!decode(index, start)) return MissingNode(index);
  node = index;
  for (size_t level = 0; level < levels; level++) {
    uint64_t sibling = flat::Sibling(node);
    bool found = false;
    if (level < in_span) {
      found = decode(sibling, &siblings[level]);
    } else if (auto n = ReadNode(sibling, scratch); n.ok()) {
      siblings[level] = *n;
      found = true;
    }
    if (!found) {
      return Status::Corruption(
          "tree: merkle node " + Num(node) + " has no stored sibling " +
          Num(sibling) + " (offset " + Num(sibling * kTreeRecordSize) + ")");
    }
    node = flat::Parent(node);
  }
  return Status::OK();
}

Status Core::Impl::PathMismatch(const TreeNode& start,
                                std::span<const TreeNode> siblings,
                                const TreeNode& anchor,
                                std::string* scratch) const {
  TreeNode child = start;
  for (size_t level = 0; level < siblings.size(); level++) {
    TreeNode computed = Parent(child, siblings[level]);
    TreeNode stored = anchor;
    if (level + 1 < siblings.size()) {
      auto read = ReadNode(computed.index, scratch);
      stored = read.ok() ? *read : TreeNode{computed.index, 0, {}};
    }
    if (computed != stored) {
      uint64_t a = std::min(child.index, siblings[level].index);
      uint64_t b = std::max(child.index, siblings[level].index);
      return Status::Corruption(
          "tree: merkle nodes " + Num(a) + " and " + Num(b) + " (offsets " +
          Num(a * kTreeRecordSize) + ", " + Num(b * kTreeRecordSize) +
          ") do not hash to their parent " + Num(computed.index) +
          (stored.index == anchor.index
               ? " (verified)"
               : " (offset " + Num(computed.index * kTreeRecordSize) + ")"));
    }
    child = stored;
  }
  return Status::Corruption("tree: merkle node " + Num(start.index) +
                            " does not hash up to verified node " +
                            Num(anchor.index));
}

namespace {

// Hashes `start` up with its path's siblings and, when the result equals
// `anchor`, places every node hashed (placed[2i]: the ancestor i levels up,
// placed[2i+1]: its sibling) from the anchor's offset down.
// REQUIRES: placed.size() == 2 * siblings.size().
bool HashUp(const TreeNode& start, std::span<const TreeNode> siblings,
            const PlacedNode& anchor, std::span<PlacedNode> placed) {
  TreeNode cur = start;
  for (size_t i = 0; i < siblings.size(); i++) {
    placed[2 * i].node = cur;
    placed[2 * i + 1].node = siblings[i];
    cur = Parent(cur, siblings[i]);
  }
  if (cur.hash != anchor.node.hash || cur.size != anchor.node.size) {
    return false;
  }
  uint64_t offset = anchor.offset;  // of the parent of level i
  for (size_t i = siblings.size(); i-- > 0;) {
    PlacedNode& own = placed[2 * i];
    PlacedNode& sibling = placed[2 * i + 1];
    bool left = own.node.index < sibling.node.index;
    own.offset = left ? offset : offset + sibling.node.size;
    sibling.offset = left ? offset + own.node.size : offset;
    offset = own.offset;
  }
  return true;
}

}  // namespace

Result<PlacedNode> Core::Impl::Verified(uint64_t index,
                                        std::string* scratch) const {
  PlacedNode anchor;
  bool below_root = false;
  for (const TreeNode& root : roots_) {
    if (flat::Contains(root.index, index)) {
      anchor.node = root;
      below_root = true;
      break;
    }
    anchor.offset += root.size;
  }
  if (!below_root) {
    return Status::InvalidArgument("merkle node " + Num(index) +
                                   " is not in the signed tree");
  }
  if (anchor.node.index == index) return anchor;
  const size_t hit =
      node_cache_->FindAncestor(index, anchor.node.index, &anchor);
  if (hit == 0) return anchor;
  // Paths to a cached node are short: stack buffers, else the heap.
  constexpr size_t kInline = 8;
  std::array<TreeNode, kInline> sib_inline;
  std::array<PlacedNode, 2 * kInline> placed_inline;
  std::vector<TreeNode> sib_heap(hit > kInline ? hit : 0);
  std::vector<PlacedNode> placed_heap(hit > kInline ? 2 * hit : 0);
  std::span<TreeNode> sib(hit > kInline ? sib_heap.data() : sib_inline.data(),
                          hit);
  std::span<PlacedNode> placed(
      hit > kInline ? placed_heap.data() : placed_inline.data(), 2 * hit);
  TreeNode start;
  BEE_RETURN_IF_ERROR(ReadPath(index, hit, scratch, &start, sib.data()));
  if (!HashUp(start, sib, anchor, placed)) {
    return PathMismatch(start, sib, anchor.node, scratch);
  }
  node_cache_->Insert(placed);
  return placed[0];
}

bool Core::Impl::HasBlock(uint64_t block) const {
  if (block >= head_.length) return false;
  if (!replica_) return true;
  size_t byte = static_cast<size_t>(block / 8);
  return byte < bitfield_.size() && ((bitfield_[byte] >> (block % 8)) & 1);
}

Status Core::Impl::ReadBlock(uint64_t block, std::string* out) const {
  if (block >= head_.length) {
    return Status::InvalidArgument("block " + Num(block) +
                                   " is beyond the log length " +
                                   Num(head_.length));
  }
  if (!HasBlock(block)) {
    return Status::Unavailable("block " + Num(block) + " is not stored");
  }
  BEE_ASSIGN_OR_RETURN(PlacedNode leaf, Verified(2 * block, out));
  const uint64_t offset = leaf.offset, size = leaf.node.size;
  std::string_view bytes;
  BEE_RETURN_IF_ERROR(
      data_map_->Read(offset, static_cast<size_t>(size), out, &bytes));
  BEE_RETURN_IF_ERROR(CheckBlockBytes(block, leaf, bytes));
  if (bytes.data() != out->data()) out->assign(bytes);
  return Status::OK();
}

Status Core::Impl::CheckBlockBytes(uint64_t block, const PlacedNode& leaf,
                                   std::string_view bytes, const Hash32* hash) {
  const uint64_t offset = leaf.offset, size = leaf.node.size;
  if (bytes.size() != size) {
    return Status::Corruption(
        "data: block " + Num(block) + " at offset " + Num(offset) +
        " is truncated (" + Num(bytes.size()) + " of " + Num(size) + " bytes)");
  }
  if ((hash != nullptr ? *hash : LeafHash(bytes)) != leaf.node.hash) {
    return Status::Corruption("data: block " + Num(block) + " at offset " +
                              Num(offset) + " (" + Num(size) +
                              " bytes) does not match its merkle hash");
  }
  return Status::OK();
}

void Core::Impl::ExtendMappings(uint64_t tree_end, uint64_t data_end) {
  tree_map_->Extend(tree_end);
  data_map_->Extend(data_end);
  if (runs_ != nullptr) runs_->Resize(head_.length / VerifiedRuns::kRunBlocks);
}

Status Core::Impl::StoreBlock(uint64_t block, std::string_view value,
                              uint64_t offset, bool* added) {
  BEE_RETURN_IF_ERROR(data_file_->Write(offset, value));
  size_t byte = static_cast<size_t>(block / 8);
  std::unique_lock<std::shared_mutex> l(mu_);
  if (bitfield_.size() <= byte) bitfield_.resize(byte + 1, 0);
  const uint8_t bit = static_cast<uint8_t>(1u << (block % 8));
  *added = (bitfield_[byte] & bit) == 0;
  bitfield_[byte] = static_cast<uint8_t>(bitfield_[byte] | bit);
  if (*added) {
    held_++;
    AdvanceContiguous();
  }
  char b = static_cast<char>(bitfield_[byte]);
  return bitfield_file_->Write(byte, std::string_view(&b, 1));
}

std::string Core::Impl::Signable(const Hash32& tree_hash, uint64_t length,
                                 uint64_t fork) const {
  return compat_ ? CompatSignable(tree_hash, length, fork)
                 : log::Signable(key_, tree_hash, length, fork);
}

SignedHead Core::Impl::SignHead(std::span<const TreeNode> roots,
                                uint64_t length, uint64_t fork) const {
  SignedHead head;
  head.length = length;
  head.fork = fork;
  head.byte_length = SumSizes(roots);
  head.tree_hash = TreeHash(roots);
  Signature64 sig = signer_->Sign(Signable(head.tree_hash, length, fork));
  head.signature =
      compat_ ? std::string(AsChars(sig)) : EncodeSignatureContainer(sig);
  return head;
}

bool Core::Impl::HeadSignatureValid(const SignedHead& head,
                                    std::span<const TreeNode> roots) const {
  Hash32 tree_hash = TreeHash(roots);
  std::string signable = Signable(tree_hash, head.length, head.fork);
  if (compat_) {
    return VerifySignature(public_key_, signable, AsBytes(head.signature));
  }
  auto sig = DecodeSignatureContainer(head.signature);
  return sig.ok() && VerifySignature(public_key_, signable,
                                     std::span<const uint8_t>(sig->data(), 64));
}

Status Core::Impl::CheckWritable() const {
  if (closed_) return Status::InvalidArgument("the log is closed");
  if (!signer_) {
    return Status::InvalidArgument(
        "the log is read-only (no secret key, or opened read-only)");
  }
  if (!write_error_.ok()) {
    return write_error_.WithContext(
        "the log refuses writes since an earlier write failed (reopen it to "
        "recover)");
  }
  return Status::OK();
}

Status Core::Impl::Sticky(Status s) {
  if (!s.ok() && write_error_.ok()) write_error_ = s;
  return s;
}

// ---------------------------------------------------------------------------
// Impl: storage

Status Core::Impl::OpenFiles(OpenMode mode) {
  BEE_ASSIGN_OR_RETURN(head_file_,
                       env_->OpenFile(Path(internal::kHeadFile), mode));
  BEE_ASSIGN_OR_RETURN(tree_file_,
                       env_->OpenFile(Path(internal::kTreeFile), mode));
  BEE_ASSIGN_OR_RETURN(data_file_,
                       env_->OpenFile(Path(internal::kDataFile), mode));
  if (replica_) {
    BEE_ASSIGN_OR_RETURN(bitfield_file_,
                         env_->OpenFile(Path(internal::kBitfieldFile), mode));
  }
  // Only the writer maps (log/internal/mapped_file.h): it alone knows that
  // nothing it reads changes under it.
  const bool map = map_files_ && signer_.has_value() && !read_only_;
  tree_map_ = std::make_unique<MappedFile>(tree_file_.get(), map);
  data_map_ = std::make_unique<MappedFile>(data_file_.get(), map);
  if (map) runs_ = std::make_unique<VerifiedRuns>();
  if (WarmsLeaves() && run_bytes_cache_bytes_ > 0) {
    run_bytes_ = std::make_unique<RunBytesCache>(run_bytes_cache_bytes_);
  }
  return Status::OK();
}

Status Core::Impl::WriteMeta(const Seed* seed) {
  const size_t body_size = internal::kMetaFixedSize + manifest_.size() +
                           (seed != nullptr ? seed->size() : 0);
  std::string meta;
  // Sized once: a reallocation would free a copy of the seed unwiped.
  meta.reserve(body_size + 32);
  meta.append(internal::kMetaMagic, 8);
  PutFixed32(&meta, internal::kFormatVersion);
  uint32_t flags = (compat_ ? internal::kMetaFlagCompat : 0) |
                   (seed != nullptr ? internal::kMetaFlagHasSeed : 0);
  PutFixed32(&meta, flags);
  meta.append(AsChars(key_));
  meta.append(AsChars(public_key_));
  PutFixed32(&meta, static_cast<uint32_t>(manifest_.size()));
  meta.append(manifest_);
  if (seed != nullptr) meta.append(AsChars(*seed));
  meta.append(AsChars(Blake2b256(meta)));
  Status s = WriteMetaFile(meta, seed != nullptr);
  sodium_memzero(meta.data(), meta.size());
  return s;
}

Status Core::Impl::WriteMetaFile(std::string_view meta, bool secret) {
  // A file holding the seed is created owner-only, so there is no moment
  // when the secret is readable by others.
  return ReplaceFile(env_, dir_, internal::kMetaFile, meta,
                     secret ? OpenMode::kCreatePrivate : OpenMode::kCreate);
}

Status Core::Impl::ReadMeta(bool read_only) {
  std::string path = Path(internal::kMetaFile);
  auto file = env_->OpenFile(path, OpenMode::kRead);
  if (!file.ok()) {
    if (file.status().IsNotFound()) {
      return Status::NotFound(dir_ + ": not a bee log (no meta file)");
    }
    return file.status();
  }
  BEE_ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
  if (size > (1u << 20)) return Status::Corruption(path + ": too large");
  std::string meta;
  Status s = (*file)->Read(0, static_cast<size_t>(size), &meta);
  Result<MetaFields> parsed = s.ok() ? ParseMeta(meta, path) : s;
  // The buffer held the secret seed.
  sodium_memzero(meta.data(), meta.size());
  BEE_RETURN_IF_ERROR(parsed.status());
  MetaFields& fields = *parsed;
  compat_ = fields.compat;
  key_ = fields.key;
  public_key_ = fields.public_key;
  manifest_ = std::move(fields.manifest);
  discovery_key_ = DiscoveryKey(key_);
  replica_ = !fields.seed.has_value();
  if (!fields.seed) return Status::OK();
  if (!read_only) signer_.emplace(KeyPair::FromSeed(*fields.seed));
  sodium_memzero(fields.seed->data(), fields.seed->size());
  if (signer_ && signer_->public_key() != public_key_) {
    return Status::Corruption(path + ": secret key does not match public key");
  }
  return Status::OK();
}

Status Core::Impl::LoadBitfield() {
  if (!replica_) return Status::OK();
  BEE_ASSIGN_OR_RETURN(bitfield_, ReadBitfield());
  return Status::OK();
}

Result<std::vector<uint8_t>> Core::Impl::ReadBitfield() const {
  BEE_ASSIGN_OR_RETURN(uint64_t size, bitfield_file_->Size());
  std::string bytes;
  BEE_RETURN_IF_ERROR(
      bitfield_file_->Read(0, static_cast<size_t>(size), &bytes));
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

std::vector<HeadSlot> Core::Impl::ParseHeadSlots(std::string_view bytes) {
  std::vector<HeadSlot> slots;
  for (uint64_t s = 0; s < 2; s++) {
    uint64_t at = s * internal::kHeadSlotSize;
    if (bytes.size() < at + internal::kHeadSlotSize) continue;
    if (auto slot = ParseHeadSlot(bytes.substr(at, internal::kHeadSlotSize))) {
      slots.push_back(std::move(*slot));
    }
  }
  std::sort(slots.begin(), slots.end(),
            [](const HeadSlot& a, const HeadSlot& b) {
              return a.generation > b.generation;
            });
  return slots;
}

Result<std::vector<TreeNode>> Core::Impl::VerifyHead(
    const SignedHead& head) const {
  BEE_ASSIGN_OR_RETURN(std::vector<TreeNode> roots, ReadRoots(head.length));
  if (SumSizes(roots) != head.byte_length) {
    return Status::Corruption("its byte length " + Num(head.byte_length) +
                              " is not the size of its roots in tree (" +
                              Num(SumSizes(roots)) + ")");
  }
  if (!HeadSignatureValid(head, roots)) {
    return Status::Corruption(
        "its signature does not verify over its roots in tree");
  }
  return roots;
}

Result<bool> Core::Impl::HoldsDataPast(const SignedHead& head,
                                       uint64_t* past_blocks) const {
  BEE_ASSIGN_OR_RETURN(uint64_t tree_size, tree_file_->Size());
  BEE_ASSIGN_OR_RETURN(uint64_t data_size, data_file_->Size());
  // An append from length L writes records from leaf 2L on: the tree at L
  // itself has records 0 .. 2L-2 only.
  const uint64_t own = head.length == 0 ? 0 : 2 * head.length - 1;
  const uint64_t records = (tree_size + kTreeRecordSize - 1) / kTreeRecordSize;
  *past_blocks = records > own ? (records + 1) / 2 : head.length;
  return records > own || data_size > head.byte_length;
}

namespace {

// One slot of the head file as open found it.
struct SlotRead {
  bool zero = true;               // all zero (or absent): never written
  std::optional<HeadSlot> slot;   // checksummed
  std::optional<uint64_t> field;  // the generation field, magic intact
  std::string problem;            // why it is damaged; empty if it verifies
};

SlotRead ReadSlot(std::string_view bytes, uint64_t s) {
  SlotRead r;
  const uint64_t at = s * internal::kHeadSlotSize;
  if (bytes.size() <= at) return r;
  std::string_view raw = bytes.substr(at, internal::kHeadSlotSize);
  r.zero = raw.find_first_not_of('\0') == std::string_view::npos;
  r.slot = ParseHeadSlot(raw);
  if (raw.size() >= 16 && raw.compare(0, 8, internal::kHeadMagic) == 0) {
    r.field = DecodeFixed64(raw.data() + 8);
  }
  if (!r.zero && !r.slot) r.problem = "fails its checksum";
  return r;
}

}  // namespace

Status Core::Impl::LoadHead() {
  std::string bytes;
  BEE_RETURN_IF_ERROR(head_file_->Read(0, 2 * internal::kHeadSlotSize, &bytes));
  SlotRead reads[2] = {ReadSlot(bytes, 0), ReadSlot(bytes, 1)};
  int chosen = -1;
  std::vector<TreeNode> chosen_roots;
  for (int s = 0; s < 2; s++) {
    if (!reads[s].slot) continue;
    auto roots = VerifyHead(reads[s].slot->head);
    if (!roots.ok()) {
      reads[s].problem = "does not verify against " +
                         Path(internal::kTreeFile) + ": " +
                         roots.status().message();
    } else if (chosen < 0 ||
               reads[s].slot->generation > reads[chosen].slot->generation) {
      chosen = s;
      chosen_roots = std::move(roots).value();
    }
  }
  if (chosen >= 0) {
    head_ = reads[chosen].slot->head;
    head_.tree_hash = TreeHash(chosen_roots);
    generation_ = reads[chosen].slot->generation;
    roots_ = std::move(chosen_roots);
  } else if (!reads[0].zero && !reads[1].zero) {
    return Status::Corruption(
        Path(internal::kHeadFile) +
        ": no signed head verifies against the stored tree (slot 0 " +
        reads[0].problem + "; slot 1 " + reads[1].problem + ")");
  }
  // Else the verifiable head is the empty log: never signed, or only a
  // first head that is damaged.
  for (uint64_t s = 0; s < 2; s++) {
    if (static_cast<int>(s) == chosen || reads[s].problem.empty()) continue;
    if (reads[s].slot && Superseded(*reads[s].slot)) continue;
    BEE_ASSIGN_OR_RETURN(
        HeadDamage damage,
        DescribeDamage(s, reads[s].slot, reads[s].field, reads[s].problem));
    head_damage_ = std::move(damage);
  }
  return Status::OK();
}

bool Core::Impl::Superseded(const HeadSlot& slot) const {
  return slot.generation < generation_ && slot.head.fork < head_.fork;
}

Result<HeadDamage> Core::Impl::DescribeDamage(
    uint64_t s, const std::optional<HeadSlot>& slot,
    std::optional<uint64_t> field, const std::string& problem) const {
  HeadDamage d;
  d.slot = s;
  d.generation = slot ? std::optional<uint64_t>(slot->generation) : field;
  std::string what = Path(internal::kHeadFile) + ": slot " + Num(s);
  if (d.generation) {
    what += " (generation " + Num(*d.generation) + (slot ? "" : ", unverified");
    what += slot ? ", length " + Num(slot->head.length) + ")" : ")";
  }
  what += " " + problem;
  const std::string base =
      "the last verifiable head (length " + Num(head_.length) +
      (generation_ ? ", generation " + Num(generation_) : ", the empty log") +
      ")";
  const std::string repair = "run `bee repair " + dir_ + "`";
  if (slot && slot->generation != generation_) {
    // Checksummed: its fields are what was written.
    const bool newer = slot->generation > generation_;
    d.writes_may_be_lost = newer && slot->head.length > head_.length;
    d.lost_end = d.writes_may_be_lost ? slot->head.length : 0;
    if (d.writes_may_be_lost) {
      d.description = what + "; blocks " + Num(head_.length) + ".." +
                      Num(slot->head.length - 1) + " past " + base +
                      " may be lost: " + repair;
    } else {
      d.description =
          what + "; it is " +
          (newer ? "a truncation that is undone" : "older than " + base) +
          ": nothing written is lost (" + repair + " to rewrite it)";
    }
    return d;
  }
  uint64_t past_blocks = 0;
  BEE_ASSIGN_OR_RETURN(d.writes_may_be_lost,
                       HoldsDataPast(head_, &past_blocks));
  d.lost_end = d.writes_may_be_lost ? past_blocks : 0;
  if (!d.writes_may_be_lost) {
    d.description = what + "; nothing past " + base +
                    " was written: a torn head write, nothing is lost (" +
                    repair + " to rewrite it)";
  } else if (past_blocks > head_.length) {
    d.description = what + "; blocks " + Num(head_.length) + ".." +
                    Num(past_blocks - 1) + " past " + base +
                    " may be lost: " + repair;
  } else {
    d.description = what + "; data past " + base + " (byte length " +
                    Num(head_.byte_length) + ") may be lost: " + repair;
  }
  return d;
}

Status Core::Impl::WriteHead(const SignedHead& head, uint64_t generation) {
  std::string slot(internal::kHeadMagic, 8);
  PutFixed64(&slot, generation);
  PutFixed64(&slot, head.length);
  PutFixed64(&slot, head.fork);
  PutFixed64(&slot, head.byte_length);
  PutFixed32(&slot, static_cast<uint32_t>(head.signature.size()));
  slot.append(head.signature);
  slot.resize(internal::kHeadChecksumOffset, '\0');
  slot.append(AsChars(Blake2b256(slot)));
  BEE_RETURN_IF_ERROR(
      head_file_->Write((generation % 2) * internal::kHeadSlotSize, slot));
  if (durability_ == Durability::kSync) return head_file_->Sync();
  return Status::OK();
}

Status Core::Impl::WriteNodes(std::span<const TreeNode> nodes) {
  std::vector<TreeNode> sorted(nodes.begin(), nodes.end());
  std::sort(
      sorted.begin(), sorted.end(),
      [](const TreeNode& a, const TreeNode& b) { return a.index < b.index; });
  std::string& run = tree_scratch_;
  for (size_t i = 0; i < sorted.size();) {
    size_t end = i + 1;
    while (end < sorted.size() &&
           sorted[end].index <= sorted[end - 1].index + 1) {
      end++;
    }
    run.resize(
        static_cast<size_t>(sorted[end - 1].index - sorted[i].index + 1) *
        kTreeRecordSize);
    for (size_t k = i; k < end; k++) {
      EncodeRecord(
          run.data() + (sorted[k].index - sorted[i].index) * kTreeRecordSize,
          sorted[k]);
    }
    BEE_RETURN_IF_ERROR(
        tree_file_->Write(sorted[i].index * kTreeRecordSize, run));
    i = end;
  }
  return Status::OK();
}

Status Core::Impl::WriteAppendedNodes(std::span<const TreeNode> created,
                                      uint64_t old_length,
                                      uint64_t new_length) {
  // Every node complete at new_length with an index >= 2 * old_length was
  // created now; the slots between them belong to nodes not complete yet,
  // ignored until a later append writes them, and are written as zeros.
  const uint64_t base = 2 * old_length;
  std::string& run = tree_scratch_;
  run.assign(static_cast<size_t>((2 * new_length - 1 - base) * kTreeRecordSize),
             '\0');
  std::vector<TreeNode> older;
  for (const TreeNode& n : created) {
    if (n.index >= base) {
      EncodeRecord(run.data() + (n.index - base) * kTreeRecordSize, n);
    } else {
      older.push_back(n);  // a parent joining old roots: a few per append
    }
  }
  BEE_RETURN_IF_ERROR(tree_file_->Write(base * kTreeRecordSize, run));
  return WriteNodes(older);
}

// ---------------------------------------------------------------------------
// Core

Core::Core(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Core::~Core() {
  if (!impl_->closed_) (void)Close();
}

namespace {

Result<std::unique_ptr<Core::Impl>> NewImpl(const std::string& dir,
                                            const CoreOptions& options) {
  InitCrypto();
  auto impl = std::make_unique<Core::Impl>();
  impl->env_ = options.env ? options.env : Env::Default();
  impl->dir_ = dir;
  impl->durability_ = options.durability;
  impl->parallel_hashing_ = options.parallel_hashing;
  impl->read_only_ = options.read_only;
  impl->map_files_ = options.map_files;
  impl->run_bytes_cache_bytes_ = options.run_bytes_cache_bytes;
  impl->block_source_ = options.block_source;
  impl->node_cache_ = std::make_unique<NodeCache>(options.node_cache_bytes);
  if (dir.empty()) return Status::InvalidArgument("empty directory name");
  return impl;
}

}  // namespace

Result<std::unique_ptr<Core>> Core::Create(const std::string& dir,
                                           const KeyPair& key_pair,
                                           const CoreOptions& options) {
  if (!key_pair.has_secret_key()) {
    return Status::InvalidArgument(
        "creating a writable log needs a secret key");
  }
  BEE_ASSIGN_OR_RETURN(auto impl, NewImpl(dir, options));
  BEE_RETURN_IF_ERROR(impl->env_->CreateDir(dir));
  BEE_ASSIGN_OR_RETURN(impl->lock_,
                       impl->env_->LockFile(impl->Path(internal::kLockFile)));
  if (impl->env_->FileExists(impl->Path(internal::kMetaFile))) {
    return Status::InvalidArgument(dir + ": already holds a log");
  }
  impl->compat_ = options.compat;
  impl->public_key_ = key_pair.public_key();
  if (options.compat) {
    impl->key_ = key_pair.public_key();
  } else {
    impl->manifest_ = DefaultManifest(key_pair.public_key());
    impl->key_ = ManifestHash(impl->manifest_);
  }
  impl->discovery_key_ = DiscoveryKey(impl->key_);
  impl->signer_.emplace(key_pair.Clone());
  // Data files first: a crash before meta lands leaves no log at all.
  BEE_RETURN_IF_ERROR(impl->OpenFiles(OpenMode::kCreate));
  Seed seed;
  std::memcpy(seed.data(), key_pair.secret_key().data(), seed.size());
  Status s = impl->WriteMeta(&seed);
  sodium_memzero(seed.data(), seed.size());
  BEE_RETURN_IF_ERROR(s);
  return std::unique_ptr<Core>(new Core(std::move(impl)));
}

Result<std::unique_ptr<Core>> Core::CreateInMemory(const KeyPair& key_pair,
                                                   bool compat) {
  std::unique_ptr<Env> env = NewMemEnv();
  CoreOptions options;
  options.env = env.get();
  options.durability = Durability::kNoSync;
  options.compat = compat;
  BEE_ASSIGN_OR_RETURN(auto core, Create("/memory", key_pair, options));
  core->impl_->owned_env_ = std::move(env);
  return core;
}

Result<std::unique_ptr<Core>> Core::CreateReplica(const std::string& dir,
                                                  const Hash32& key,
                                                  std::string_view manifest,
                                                  const CoreOptions& options) {
  BEE_ASSIGN_OR_RETURN(auto impl, NewImpl(dir, options));
  if (manifest.empty()) {
    impl->compat_ = true;  // hypercore 10 rule: the key is the public key
    impl->public_key_ = key;
  } else {
    if (ManifestHash(manifest) != key) {
      return Status::VerificationFailed(
          "manifest does not hash to the core key");
    }
    BEE_ASSIGN_OR_RETURN(impl->public_key_, ManifestSigner(manifest));
    impl->manifest_ = std::string(manifest);
  }
  impl->key_ = key;
  impl->discovery_key_ = DiscoveryKey(key);
  impl->replica_ = true;
  BEE_RETURN_IF_ERROR(impl->env_->CreateDir(dir));
  BEE_ASSIGN_OR_RETURN(impl->lock_,
                       impl->env_->LockFile(impl->Path(internal::kLockFile)));
  if (impl->env_->FileExists(impl->Path(internal::kMetaFile))) {
    return Status::InvalidArgument(dir + ": already holds a log");
  }
  BEE_RETURN_IF_ERROR(impl->OpenFiles(OpenMode::kCreate));
  BEE_RETURN_IF_ERROR(impl->WriteMeta(nullptr));
  return std::unique_ptr<Core>(new Core(std::move(impl)));
}

namespace {

// Opens an existing log at its newest verifiable head, whatever damage
// open found (for Open, which then refuses a risky writable open, and for
// Repair).
Result<std::unique_ptr<Core::Impl>> OpenImpl(const std::string& dir,
                                             const CoreOptions& options) {
  BEE_ASSIGN_OR_RETURN(auto impl, NewImpl(dir, options));
  if (!impl->env_->FileExists(impl->Path(internal::kMetaFile))) {
    if (!impl->env_->FileExists(dir)) {
      return Status::NotFound(dir + ": no such directory");
    }
    return Status::NotFound(dir + ": not a bee log (no meta file)");
  }
  BEE_RETURN_IF_ERROR(impl->ReadMeta(options.read_only));
  if (impl->signer_) {
    BEE_ASSIGN_OR_RETURN(impl->lock_,
                         impl->env_->LockFile(impl->Path(internal::kLockFile)));
  }
  // A read-only open needs no write access and leaves every byte, mode and
  // time of the directory as it was.
  BEE_RETURN_IF_ERROR(impl->OpenFiles(
      options.read_only ? OpenMode::kRead : OpenMode::kReadWrite));
  BEE_RETURN_IF_ERROR(impl->LoadBitfield());
  BEE_RETURN_IF_ERROR(impl->LoadHead());
  impl->CountHeld();
  BEE_ASSIGN_OR_RETURN(uint64_t tree_size, impl->tree_file_->Size());
  BEE_ASSIGN_OR_RETURN(uint64_t data_size, impl->data_file_->Size());
  impl->ExtendMappings(tree_size, data_size);
  return impl;
}

}  // namespace

Result<std::unique_ptr<Core>> Core::Open(const std::string& dir,
                                         const CoreOptions& options) {
  BEE_ASSIGN_OR_RETURN(auto impl, OpenImpl(dir, options));
  // Appending over blocks a lost head may have signed would sign a second,
  // different history at the same fork: only Repair may go on from here.
  if (impl->signer_ && impl->head_damage_ &&
      impl->head_damage_->writes_may_be_lost) {
    return Status::Corruption(impl->head_damage_->description);
  }
  return std::unique_ptr<Core>(new Core(std::move(impl)));
}

Result<RepairReport> Core::Repair(const std::string& dir,
                                  const CoreOptions& options) {
  if (options.read_only) {
    return Status::InvalidArgument("repair needs a writable open");
  }
  auto opened = OpenImpl(dir, options);
  if (!opened.ok()) return opened.status().WithContext("cannot repair");
  std::unique_ptr<Impl> impl = std::move(opened).value();
  if (!impl->signer_) {
    return Status::NotSupported(
        dir +
        ": a log without its secret key (a replica or an import) "
        "cannot sign a repaired head; import it again");
  }
  std::lock_guard<std::mutex> w(impl->writer_mu_);
  BEE_ASSIGN_OR_RETURN(Impl::VerifyDetail detail, impl->VerifyDetailed());
  RepairReport report;
  BEE_RETURN_IF_ERROR(impl->RepairLocked(detail, &report));
  return report;
}

Status Core::Append(std::span<const std::string> blocks) {
  std::vector<std::string_view> views(blocks.begin(), blocks.end());
  return Append(std::span<const std::string_view>(views));
}

namespace {

// Hypercore refuses to append a block past kMaxBlockSize; so do we, before
// anything is written.
Status CheckBlockSizes(std::span<const std::string_view> blocks) {
  for (size_t i = 0; i < blocks.size(); i++) {
    if (blocks[i].size() > kMaxBlockSize) {
      return Status::InvalidArgument("block " + Num(i) + " of the append is " +
                                     Num(blocks[i].size()) +
                                     " bytes, over the limit of " +
                                     Num(kMaxBlockSize) + " (kMaxBlockSize)");
    }
  }
  return Status::OK();
}

}  // namespace

Status Core::Append(std::span<const std::string_view> blocks,
                    const std::function<void()>& meanwhile) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> w(m.writer_mu_);
  BEE_RETURN_IF_ERROR(m.CheckWritable());
  if (blocks.empty()) return Status::OK();
  BEE_RETURN_IF_ERROR(CheckBlockSizes(blocks));
  // Only this writer changes the state, so it may read it without mu_.
  std::vector<TreeNode> roots = m.roots_;
  SignedHead head;
  BEE_RETURN_IF_ERROR(
      m.Sticky(m.WriteAppend(blocks, meanwhile, &roots, &head)));
  {
    std::unique_lock<std::shared_mutex> l(m.mu_);
    m.roots_ = std::move(roots);
    m.head_ = std::move(head);
    m.generation_++;
    // The append wrote these bytes: the files hold them.
    m.ExtendMappings((2 * m.head_.length - 1) * kTreeRecordSize,
                     m.head_.byte_length);
  }
  m.WakeWaiters();
  m.Publish(CoreEvent::Type::kAppend);
  return Status::OK();
}

Status Core::Impl::WriteAppend(std::span<const std::string_view> blocks,
                               const std::function<void()>& meanwhile,
                               std::vector<TreeNode>* roots, SignedHead* head) {
  const uint64_t old_length = head_.length;
  const uint64_t new_length = old_length + blocks.size();
  std::vector<TreeNode>& created = created_scratch_;
  created.clear();
  std::vector<TreeNode>& hashed = hashed_scratch_;
  std::vector<uint8_t>& computed = computed_scratch_;
  hashed.resize(2 * blocks.size());
  computed.assign(2 * blocks.size(), 0);
  // Blocks and nodes go past the signed length: readers never look there
  // until the new head is published. The blocks are written while the
  // helper thread hashes.
  BEE_RETURN_IF_ERROR(HashNewNodes(
      old_length, blocks, hashed, computed, parallel_hashing_, [&] {
        Status s = data_file_->WriteV(head_.byte_length, blocks);
        if (meanwhile) meanwhile();
        return s;
      }));
  GrowTree(roots, old_length, blocks.size(), hashed, computed, &created);
  BEE_RETURN_IF_ERROR(WriteAppendedNodes(created, old_length, new_length));
  if (durability_ == Durability::kSync) {
    BEE_RETURN_IF_ERROR(data_file_->Sync());
    BEE_RETURN_IF_ERROR(tree_file_->Sync());
  }
  *head = SignHead(*roots, new_length, head_.fork);
  return WriteHead(*head, generation_ + 1);
}

Status Core::Impl::FetchMissing(std::span<const uint64_t> indexes) const {
  if (block_source_ == nullptr || !replica_) return Status::OK();
  std::vector<uint64_t> missing;
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    for (uint64_t index : indexes) {
      if (index < head_.length && !HasBlock(index)) missing.push_back(index);
    }
  }
  if (missing.empty()) return Status::OK();
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  return block_source_->Fetch(missing);
}

void Core::AwaitPending() const {
  if (impl_->block_source_ != nullptr && impl_->replica_) {
    impl_->block_source_->AwaitPending();
  }
}

Status Core::Get(uint64_t index, std::string* out) const {
  // The source must run without the lock: storing what it fetches takes it.
  Status fetched = impl_->FetchMissing(std::span<const uint64_t>(&index, 1));
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  if (index < impl_->head_.length && impl_->ReadBlockInRun(index, out)) {
    return Status::OK();
  }
  if (impl_->WarmsLeaves()) {
    Impl::RunBuffers buffers;
    impl_->WarmLeaves(std::span<const uint64_t>(&index, 1), &buffers);
    if (impl_->ReadBlockFromRunBytes(index, out)) return Status::OK();
  }
  Status s = impl_->ReadBlock(index, out);
  if (!s.ok() && s.IsUnavailable() && !fetched.ok()) return fetched;
  return s;
}

Result<std::string> Core::Get(uint64_t index) const {
  std::string out;
  BEE_RETURN_IF_ERROR(Get(index, &out));
  return out;
}

bool Core::Has(uint64_t index) const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  return impl_->HasBlock(index);
}

Status Core::Truncate(uint64_t new_length) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> w(m.writer_mu_);
  BEE_RETURN_IF_ERROR(m.CheckWritable());
  if (new_length > m.head_.length) {
    return Status::InvalidArgument("cannot truncate to " + Num(new_length) +
                                   ": the log has length " +
                                   Num(m.head_.length));
  }
  std::vector<TreeNode> roots;
  std::string scratch;
  for (uint64_t index : flat::FullRoots(2 * new_length)) {
    BEE_ASSIGN_OR_RETURN(PlacedNode root, m.Verified(index, &scratch));
    roots.push_back(root.node);
  }
  SignedHead head = m.SignHead(roots, new_length, m.head_.fork + 1);
  BEE_RETURN_IF_ERROR(m.Sticky(m.WriteHead(head, m.generation_ + 1)));
  {
    std::unique_lock<std::shared_mutex> l(m.mu_);
    m.node_cache_->DropFrom(new_length);
    if (m.runs_ != nullptr) m.runs_->DropFrom(new_length);
    if (m.run_bytes_ != nullptr) m.run_bytes_->DropFrom(new_length);
    m.roots_ = std::move(roots);
    m.head_ = std::move(head);
    m.generation_++;
  }
  m.WakeWaiters();
  m.Publish(CoreEvent::Type::kTruncate, new_length);
  return Status::OK();
}

uint64_t Core::WaitForAppend(uint64_t known_length,
                             std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> l(impl_->wait_mu_);
  impl_->wait_cv_.wait_for(l, timeout, [&] { return length() > known_length; });
  return length();
}

bool Core::WaitForBlock(uint64_t index,
                        std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> l(impl_->wait_mu_);
  return impl_->wait_cv_.wait_for(l, timeout, [&] { return Has(index); });
}

void Core::Impl::WakeWaiters() {
  std::lock_guard<std::mutex> l(wait_mu_);
  wait_cv_.notify_all();
}

Status Core::Sync() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> w(m.writer_mu_);
  if (m.closed_ || m.read_only_ || m.durability_ == Durability::kSync) {
    return Status::OK();
  }
  return m.Sticky(m.SyncFiles());
}

Status Core::Impl::SyncFiles() {
  BEE_RETURN_IF_ERROR(data_file_->Sync());
  BEE_RETURN_IF_ERROR(tree_file_->Sync());
  if (bitfield_file_) BEE_RETURN_IF_ERROR(bitfield_file_->Sync());
  return head_file_->Sync();
}

Status Core::Close() {
  Status s = Sync();
  std::lock_guard<std::mutex> w(impl_->writer_mu_);
  impl_->closed_ = true;
  impl_->lock_.reset();
  return s;
}

bool Core::writable() const {
  return impl_->signer_.has_value() && !impl_->closed_;
}
bool Core::compat() const { return impl_->compat_; }
bool Core::parallel_hashing() const { return impl_->parallel_hashing_; }

uint64_t Core::length() const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  return impl_->head_.length;
}
uint64_t Core::byte_length() const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  return impl_->head_.byte_length;
}
uint64_t Core::fork() const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  return impl_->head_.fork;
}
SignedHead Core::head() const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  SignedHead h = impl_->head_;
  if (h.signature.empty()) h.tree_hash = TreeHash({});
  return h;
}
Hash32 Core::tree_hash() const { return head().tree_hash; }
std::string Core::signature() const { return head().signature; }
const Hash32& Core::key() const { return impl_->key_; }
const Hash32& Core::discovery_key() const { return impl_->discovery_key_; }
const PublicKey& Core::public_key() const { return impl_->public_key_; }
const std::string& Core::manifest() const { return impl_->manifest_; }
CoreMemoryUsage Core::memory_usage() const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  CoreMemoryUsage usage;
  usage.node_cache_bytes = impl_->node_cache_->memory_usage();
  usage.mapped_data_bytes = impl_->data_map_->mapped_bytes();
  usage.mapped_tree_bytes = impl_->tree_map_->mapped_bytes();
  if (impl_->runs_ != nullptr) {
    usage.verified_runs_bytes = impl_->runs_->memory_usage();
  }
  if (impl_->run_bytes_ != nullptr) {
    usage.run_bytes_cache_bytes = impl_->run_bytes_->memory_usage();
  }
  return usage;
}
const std::optional<HeadDamage>& Core::head_damage() const {
  return impl_->head_damage_;
}

Result<std::vector<TreeNode>> Core::RootsAt(uint64_t length) const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  if (length > impl_->head_.length) {
    return Status::InvalidArgument("length " + Num(length) +
                                   " is beyond the log length " +
                                   Num(impl_->head_.length));
  }
  std::vector<TreeNode> roots;
  std::string scratch;
  for (uint64_t index : flat::FullRoots(2 * length)) {
    BEE_ASSIGN_OR_RETURN(PlacedNode root, impl_->Verified(index, &scratch));
    roots.push_back(root.node);
  }
  return roots;
}

Result<TreeNode> Core::GetNode(uint64_t index) const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  if (index >= 2 * impl_->head_.length ||
      flat::RightSpan(index) >= 2 * impl_->head_.length) {
    return Status::InvalidArgument("merkle node " + Num(index) +
                                   " is beyond the log length");
  }
  std::string scratch;
  BEE_ASSIGN_OR_RETURN(PlacedNode node, impl_->Verified(index, &scratch));
  return node.node;
}

std::string Core::SignableFor(const Hash32& tree_hash, uint64_t length,
                              uint64_t fork) const {
  return impl_->Signable(tree_hash, length, fork);
}

}  // namespace bee::log
