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

#include <algorithm>
#include <atomic>
#include <cstring>

#include "encoding/varint.h"
#include "log/flat_tree.h"
#include "log/internal/core_impl.h"
#include "log/internal/storage_format.h"

namespace bee::log {

using internal::kTreeRecordSize;

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

// Appends leaves for `blocks` to `roots` (merging siblings) and collects every
// new node in `created`.
void GrowTree(std::vector<TreeNode>* roots, uint64_t first_block,
              std::span<const std::string_view> blocks,
              std::vector<TreeNode>* created) {
  uint64_t index = first_block;
  for (std::string_view block : blocks) {
    TreeNode node = LeafNode(index++, block);
    created->push_back(node);
    while (!roots->empty() &&
           flat::Sibling(roots->back().index) == node.index) {
      node = ParentNode(roots->back(), node);
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

NodeState NodeStore::State(uint64_t index) const {
  uint64_t chunk = index >> kChunkBits;
  if (chunk >= chunks_.size() || chunks_[chunk] == nullptr) {
    return NodeState::kAbsent;
  }
  auto& cell = chunks_[chunk]->states[index & (kChunkSize - 1)];
  return static_cast<NodeState>(
      std::atomic_ref<uint8_t>(cell).load(std::memory_order_acquire));
}

void NodeStore::SetState(uint64_t index, NodeState state) const {
  auto& cell = chunks_[index >> kChunkBits]->states[index & (kChunkSize - 1)];
  std::atomic_ref<uint8_t>(cell).store(static_cast<uint8_t>(state),
                                       std::memory_order_release);
}

void NodeStore::Reserve(uint64_t index) {
  uint64_t chunk = index >> kChunkBits;
  if (chunks_.size() <= chunk) chunks_.resize(static_cast<size_t>(chunk) + 1);
  if (chunks_[chunk] == nullptr) chunks_[chunk] = std::make_unique<Chunk>();
}

void NodeStore::Put(const TreeNode& node, NodeState state) {
  Chunk& c = *chunks_[node.index >> kChunkBits];
  c.records[node.index & (kChunkSize - 1)] = NodeRecord{node.size, node.hash};
  SetState(node.index, state);
}

bool Core::Impl::HasNode(uint64_t index) const { return nodes_.Has(index); }

TreeNode Core::Impl::NodeAt(uint64_t index) const { return nodes_.Node(index); }

void Core::Impl::PutNodes(std::span<const TreeNode> nodes) {
  {
    std::unique_lock<std::shared_mutex> l(mu_);
    for (const TreeNode& n : nodes) nodes_.Reserve(n.index);
  }
  for (const TreeNode& n : nodes) nodes_.Put(n, NodeState::kVerified);
}

// A replica may simply not have a node yet; a full log must have them all.
Status Core::Impl::MissingNode(uint64_t index) const {
  if (replica_) {
    return Status::Unavailable("tree: merkle node " + Num(index) +
                               " is not stored");
  }
  return Status::Corruption("tree: merkle node " + Num(index) + " at offset " +
                            Num(index * kTreeRecordSize) + " is missing");
}

Result<std::vector<TreeNode>> Core::Impl::RootsFor(uint64_t length) const {
  std::vector<TreeNode> roots;
  for (uint64_t index : flat::FullRoots(2 * length)) {
    if (!HasNode(index)) return MissingNode(index);
    roots.push_back(NodeAt(index));
  }
  return roots;
}

// Checks that node `index` chains up to a signed root, marking what it
// checked as verified so later checks stop early.
Status Core::Impl::VerifyNode(uint64_t index) const {
  if (!HasNode(index)) return MissingNode(index);
  if (nodes_.State(index) == NodeState::kVerified) {
    return Status::OK();
  }
  for (const TreeNode& root : roots_) {
    if (root.index == index) {
      if (root.hash != nodes_.Get(index).hash ||
          root.size != nodes_.Get(index).size) {
        return Status::Corruption("tree: root node " + Num(index) +
                                  " at offset " + Num(index * kTreeRecordSize) +
                                  " does not match the signed head");
      }
      nodes_.SetState(index, NodeState::kVerified);
      return Status::OK();
    }
  }
  uint64_t parent = flat::Parent(index);
  uint64_t sibling = flat::Sibling(index);
  if (!HasNode(sibling)) {
    return Status::Corruption("tree: merkle node " + Num(index) +
                              " has no stored sibling " + Num(sibling));
  }
  BEE_RETURN_IF_ERROR(VerifyNode(parent));
  TreeNode a = NodeAt(std::min(index, sibling));
  TreeNode b = NodeAt(std::max(index, sibling));
  if (ParentHash(a, b) != nodes_.Get(parent).hash ||
      a.size + b.size != nodes_.Get(parent).size) {
    return Status::Corruption("tree: merkle nodes " + Num(a.index) + " and " +
                              Num(b.index) + " (offsets " +
                              Num(a.index * kTreeRecordSize) + ", " +
                              Num(b.index * kTreeRecordSize) +
                              ") do not hash to their parent " + Num(parent));
  }
  nodes_.SetState(a.index, NodeState::kVerified);
  nodes_.SetState(b.index, NodeState::kVerified);
  return Status::OK();
}

// Byte offset of a block: sizes of every subtree left of its path.
Result<uint64_t> Core::Impl::ByteOffset(uint64_t block,
                                        std::span<const TreeNode> roots) const {
  uint64_t leaf = 2 * block;
  uint64_t offset = 0;
  for (const TreeNode& root : roots) {
    if (flat::RightSpan(root.index) < leaf) {
      offset += root.size;
      continue;
    }
    uint64_t node = root.index;
    while (node != leaf) {
      uint64_t left = flat::LeftChild(node);
      if (flat::Contains(left, leaf)) {
        node = left;
      } else {
        if (!HasNode(left)) return MissingNode(left);
        offset += nodes_.Get(left).size;
        node = flat::RightChild(node);
      }
    }
    return offset;
  }
  return Status::InvalidArgument("block " + Num(block) + " is out of range");
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
  uint64_t leaf = 2 * block;
  BEE_RETURN_IF_ERROR(VerifyNode(leaf));
  BEE_ASSIGN_OR_RETURN(uint64_t offset, ByteOffset(block, roots_));
  uint64_t size = nodes_.Get(leaf).size;
  BEE_RETURN_IF_ERROR(data_file_->Read(offset, static_cast<size_t>(size), out));
  if (out->size() != size) {
    return Status::Corruption(
        "data: block " + Num(block) + " at offset " + Num(offset) +
        " is truncated (" + Num(out->size()) + " of " + Num(size) + " bytes)");
  }
  if (LeafHash(*out) != nodes_.Get(leaf).hash) {
    return Status::Corruption("data: block " + Num(block) + " at offset " +
                              Num(offset) + " (" + Num(size) +
                              " bytes) does not match its merkle hash");
  }
  return Status::OK();
}

Status Core::Impl::StoreBlock(uint64_t block, std::string_view value,
                              std::span<const TreeNode> roots) {
  BEE_ASSIGN_OR_RETURN(uint64_t offset, ByteOffset(block, roots));
  BEE_RETURN_IF_ERROR(data_file_->Write(offset, value));
  size_t byte = static_cast<size_t>(block / 8);
  std::unique_lock<std::shared_mutex> l(mu_);
  if (bitfield_.size() <= byte) bitfield_.resize(byte + 1, 0);
  bitfield_[byte] = static_cast<uint8_t>(bitfield_[byte] | (1u << (block % 8)));
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
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Impl: storage

Status Core::Impl::OpenFiles(bool create) {
  BEE_ASSIGN_OR_RETURN(head_file_,
                       env_->OpenFile(Path(internal::kHeadFile), create));
  BEE_ASSIGN_OR_RETURN(tree_file_,
                       env_->OpenFile(Path(internal::kTreeFile), create));
  BEE_ASSIGN_OR_RETURN(data_file_,
                       env_->OpenFile(Path(internal::kDataFile), create));
  if (replica_) {
    BEE_ASSIGN_OR_RETURN(bitfield_file_,
                         env_->OpenFile(Path(internal::kBitfieldFile), create));
  }
  return Status::OK();
}

Status Core::Impl::WriteMeta(const std::optional<Seed>& seed) {
  std::string meta(internal::kMetaMagic, 8);
  PutFixed32(&meta, internal::kFormatVersion);
  uint32_t flags = (compat_ ? internal::kMetaFlagCompat : 0) |
                   (seed ? internal::kMetaFlagHasSeed : 0);
  PutFixed32(&meta, flags);
  meta.append(AsChars(key_));
  meta.append(AsChars(public_key_));
  PutFixed32(&meta, static_cast<uint32_t>(manifest_.size()));
  meta.append(manifest_);
  if (seed) meta.append(AsChars(*seed));
  meta.append(AsChars(Blake2b256(meta)));

  std::string tmp = Path(internal::kMetaFile) + ".tmp";
  BEE_ASSIGN_OR_RETURN(auto file, env_->OpenFile(tmp, true));
  BEE_RETURN_IF_ERROR(file->Truncate(0));
  BEE_RETURN_IF_ERROR(file->Write(0, meta));
  BEE_RETURN_IF_ERROR(file->Sync());
  file.reset();
  BEE_RETURN_IF_ERROR(env_->RenameFile(tmp, Path(internal::kMetaFile)));
  return env_->SyncDir(dir_);
}

Status Core::Impl::ReadMeta(bool read_only) {
  std::string path = Path(internal::kMetaFile);
  auto file = env_->OpenFile(path, false);
  if (!file.ok()) {
    if (file.status().IsNotFound()) {
      return Status::NotFound(dir_ + ": not a bee log (no meta file)");
    }
    return file.status();
  }
  BEE_ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
  if (size > (1u << 20)) return Status::Corruption(path + ": too large");
  std::string meta;
  BEE_RETURN_IF_ERROR((*file)->Read(0, static_cast<size_t>(size), &meta));
  if (meta.size() < internal::kMetaFixedSize + 32 ||
      meta.compare(0, 8, internal::kMetaMagic) != 0) {
    return Status::Corruption(path + ": not a bee meta file (bad magic)");
  }
  std::string_view body(meta.data(), meta.size() - 32);
  if (AsChars(Blake2b256(body)) != std::string_view(meta).substr(body.size())) {
    return Status::Corruption(path + ": checksum mismatch at offset " +
                              Num(body.size()));
  }
  uint32_t version = DecodeFixed32(meta.data() + 8);
  if (version != internal::kFormatVersion) {
    return Status::NotSupported(path + ": format version " + Num(version));
  }
  uint32_t flags = DecodeFixed32(meta.data() + 12);
  compat_ = flags & internal::kMetaFlagCompat;
  std::memcpy(key_.data(), meta.data() + 16, 32);
  std::memcpy(public_key_.data(), meta.data() + 48, 32);
  uint32_t manifest_len = DecodeFixed32(meta.data() + 80);
  bool has_seed = flags & internal::kMetaFlagHasSeed;
  if (internal::kMetaFixedSize + manifest_len + (has_seed ? 32u : 0u) !=
      body.size()) {
    return Status::Corruption(path + ": inconsistent lengths");
  }
  manifest_ = meta.substr(internal::kMetaFixedSize, manifest_len);
  discovery_key_ = DiscoveryKey(key_);
  if (has_seed && !read_only) {
    Seed seed;
    std::memcpy(seed.data(),
                meta.data() + internal::kMetaFixedSize + manifest_len, 32);
    signer_.emplace(KeyPair::FromSeed(seed));
    std::fill(seed.begin(), seed.end(), 0);
    if (signer_->public_key() != public_key_) {
      return Status::Corruption(path +
                                ": secret key does not match public key");
    }
  }
  replica_ = !has_seed;
  return Status::OK();
}

Status Core::Impl::LoadTree() {
  BEE_ASSIGN_OR_RETURN(uint64_t size, tree_file_->Size());
  std::string bytes;
  BEE_RETURN_IF_ERROR(tree_file_->Read(0, static_cast<size_t>(size), &bytes));
  uint64_t count = bytes.size() / kTreeRecordSize;
  static const char kZero[kTreeRecordSize] = {};
  for (uint64_t i = 0; i < count; i++) {
    const char* rec = bytes.data() + i * kTreeRecordSize;
    if (std::memcmp(rec, kZero, kTreeRecordSize) == 0) continue;
    TreeNode node{i, DecodeFixed64(rec), {}};
    std::memcpy(node.hash.data(), rec + 8, 32);
    nodes_.Reserve(i);
    nodes_.Put(node, NodeState::kStored);
  }
  return Status::OK();
}

Status Core::Impl::LoadBitfield() {
  if (!replica_) return Status::OK();
  BEE_ASSIGN_OR_RETURN(uint64_t size, bitfield_file_->Size());
  std::string bytes;
  BEE_RETURN_IF_ERROR(
      bitfield_file_->Read(0, static_cast<size_t>(size), &bytes));
  bitfield_.assign(bytes.begin(), bytes.end());
  return Status::OK();
}

namespace {

struct HeadSlot {
  uint64_t generation = 0;
  SignedHead head;
};

// Parses one head slot; nullopt when it is empty or fails its checksum.
std::optional<HeadSlot> ParseHeadSlot(std::string_view slot) {
  if (slot.size() < internal::kHeadSlotSize ||
      slot.compare(0, 8, internal::kHeadMagic) != 0) {
    return std::nullopt;
  }
  std::string_view body = slot.substr(0, internal::kHeadChecksumOffset);
  if (AsChars(Blake2b256(body)) !=
      slot.substr(internal::kHeadChecksumOffset, 32)) {
    return std::nullopt;
  }
  HeadSlot out;
  out.generation = DecodeFixed64(slot.data() + 8);
  out.head.length = DecodeFixed64(slot.data() + 16);
  out.head.fork = DecodeFixed64(slot.data() + 24);
  out.head.byte_length = DecodeFixed64(slot.data() + 32);
  uint32_t sig_len = DecodeFixed32(slot.data() + 40);
  if (sig_len > internal::kHeadSignatureCapacity) return std::nullopt;
  out.head.signature = std::string(slot.substr(44, sig_len));
  return out;
}

}  // namespace

Status Core::Impl::LoadHead() {
  std::string bytes;
  BEE_RETURN_IF_ERROR(head_file_->Read(0, 2 * internal::kHeadSlotSize, &bytes));
  std::vector<HeadSlot> slots;
  bool any_written = false;
  for (uint64_t s = 0; s < 2; s++) {
    uint64_t at = s * internal::kHeadSlotSize;
    if (bytes.size() < at + internal::kHeadSlotSize) continue;
    std::string_view raw(bytes.data() + at, internal::kHeadSlotSize);
    if (raw.find_first_not_of('\0') != std::string_view::npos)
      any_written = true;
    if (auto slot = ParseHeadSlot(raw)) slots.push_back(std::move(*slot));
  }
  std::sort(slots.begin(), slots.end(),
            [](const HeadSlot& a, const HeadSlot& b) {
              return a.generation > b.generation;
            });
  for (const HeadSlot& slot : slots) {
    auto roots = RootsFor(slot.head.length);
    if (!roots.ok() || SumSizes(*roots) != slot.head.byte_length ||
        !HeadSignatureValid(slot.head, *roots)) {
      // A torn slot fails its checksum and is never here: a checksummed head
      // that does not verify means the tree or data is not what was signed.
      if (fall_back_) continue;
      return Status::Corruption(
          Path(internal::kHeadFile) + ": the newest signed head (length " +
          Num(slot.head.length) + ", generation " + Num(slot.generation) +
          ") does not verify against " + Path(internal::kTreeFile) +
          " (damaged, or lost to power loss without fsync)");
    }
    head_ = slot.head;
    head_.tree_hash = TreeHash(*roots);
    generation_ = slot.generation;
    roots_ = std::move(roots).value();
    for (const TreeNode& r : roots_) {
      nodes_.SetState(r.index, NodeState::kVerified);
    }
    return Status::OK();
  }
  if (!any_written) return Status::OK();  // never signed: the empty log
  // A head slot exists but none verifies. If a never-completed first append
  // left only a torn slot, the log was empty; otherwise the data is damaged.
  if (slots.empty() &&
      (bytes.size() < 2 * internal::kHeadSlotSize ||
       std::string_view(bytes)
               .substr(internal::kHeadSlotSize)
               .find_first_not_of('\0') == std::string_view::npos)) {
    return Status::OK();
  }
  return Status::Corruption(Path(internal::kHeadFile) +
                            ": no signed head verifies against the stored "
                            "tree (tree or head file damaged)");
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

Status Core::Impl::WriteNodeRange(uint64_t lo, uint64_t hi) {
  std::string& run = tree_scratch_;
  run.resize(static_cast<size_t>((hi - lo + 1) * kTreeRecordSize));
  char* p = run.data();
  for (uint64_t i = lo; i <= hi; i++, p += kTreeRecordSize) {
    if (!nodes_.Has(i)) {
      std::memset(p, 0, kTreeRecordSize);
      continue;
    }
    const NodeRecord& r = nodes_.Get(i);
    EncodeFixed64(p, r.size);
    std::memcpy(p + 8, r.hash.data(), 32);
  }
  return tree_file_->Write(lo * kTreeRecordSize, run);
}

// One write per contiguous run of indexes.
Status Core::Impl::WriteNodes(std::span<const TreeNode> nodes) {
  std::vector<uint64_t> indexes;
  indexes.reserve(nodes.size());
  for (const TreeNode& n : nodes) indexes.push_back(n.index);
  std::sort(indexes.begin(), indexes.end());
  size_t start = 0;
  for (size_t i = 1; i <= indexes.size(); i++) {
    if (i == indexes.size() || indexes[i] != indexes[i - 1] + 1) {
      BEE_RETURN_IF_ERROR(WriteNodeRange(indexes[start], indexes[i - 1]));
      start = i;
    }
  }
  return Status::OK();
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
  impl->fall_back_ = options.fall_back_to_previous_head;
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
  Seed seed;
  std::memcpy(seed.data(), key_pair.secret_key().data(), 32);
  // Data files first: a crash before meta lands leaves no log at all.
  BEE_RETURN_IF_ERROR(impl->OpenFiles(true));
  Status s = impl->WriteMeta(seed);
  std::fill(seed.begin(), seed.end(), 0);
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
  BEE_RETURN_IF_ERROR(impl->OpenFiles(true));
  BEE_RETURN_IF_ERROR(impl->WriteMeta(std::nullopt));
  return std::unique_ptr<Core>(new Core(std::move(impl)));
}

Result<std::unique_ptr<Core>> Core::Open(const std::string& dir,
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
  BEE_RETURN_IF_ERROR(impl->OpenFiles(false));
  BEE_RETURN_IF_ERROR(impl->LoadTree());
  BEE_RETURN_IF_ERROR(impl->LoadBitfield());
  BEE_RETURN_IF_ERROR(impl->LoadHead());
  return std::unique_ptr<Core>(new Core(std::move(impl)));
}

Status Core::Append(std::span<const std::string> blocks) {
  std::vector<std::string_view> views(blocks.begin(), blocks.end());
  return Append(std::span<const std::string_view>(views));
}

Status Core::Append(std::span<const std::string_view> blocks) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> w(m.writer_mu_);
  BEE_RETURN_IF_ERROR(m.CheckWritable());
  if (blocks.empty()) return Status::OK();
  // Only this writer changes the state, so it may read it without mu_.
  const uint64_t old_length = m.head_.length;
  const uint64_t new_length = old_length + blocks.size();
  std::vector<TreeNode> roots = m.roots_;
  std::vector<TreeNode> created;
  created.reserve(2 * blocks.size() + 64);
  GrowTree(&roots, old_length, blocks, &created);

  std::string& data = m.data_scratch_;
  data.clear();
  for (std::string_view b : blocks) data.append(b);
  BEE_RETURN_IF_ERROR(m.data_file_->Write(m.head_.byte_length, data));
  // The new nodes lie past the signed tree, so readers never look at them
  // until the new head is published; the run [lo, hi] may also cover older
  // nodes, rewritten with identical bytes.
  m.PutNodes(created);
  uint64_t lo = created[0].index, hi = created[0].index;
  for (const TreeNode& n : created) {
    lo = std::min(lo, n.index);
    hi = std::max(hi, n.index);
  }
  BEE_RETURN_IF_ERROR(m.WriteNodeRange(lo, hi));
  if (m.durability_ == Durability::kSync) {
    BEE_RETURN_IF_ERROR(m.data_file_->Sync());
    BEE_RETURN_IF_ERROR(m.tree_file_->Sync());
  }
  SignedHead head = m.SignHead(roots, new_length, m.head_.fork);
  BEE_RETURN_IF_ERROR(m.WriteHead(head, m.generation_ + 1));
  {
    std::unique_lock<std::shared_mutex> l(m.mu_);
    m.roots_ = std::move(roots);
    m.head_ = std::move(head);
    m.generation_++;
  }
  std::lock_guard<std::mutex> l(m.wait_mu_);
  m.wait_cv_.notify_all();
  return Status::OK();
}

Status Core::Get(uint64_t index, std::string* out) const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  return impl_->ReadBlock(index, out);
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
  BEE_ASSIGN_OR_RETURN(std::vector<TreeNode> roots, m.RootsFor(new_length));
  SignedHead head = m.SignHead(roots, new_length, m.head_.fork + 1);
  BEE_RETURN_IF_ERROR(m.WriteHead(head, m.generation_ + 1));
  {
    std::unique_lock<std::shared_mutex> l(m.mu_);
    // Forget every node that covers a block past the new length.
    for (uint64_t i = 0; i < m.nodes_.limit(); i++) {
      if (flat::RightSpan(i) >= 2 * new_length && m.nodes_.Has(i)) {
        m.nodes_.SetState(i, NodeState::kAbsent);
      }
    }
    m.roots_ = std::move(roots);
    m.head_ = std::move(head);
    m.generation_++;
  }
  return Status::OK();
}

uint64_t Core::WaitForAppend(uint64_t known_length,
                             std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> l(impl_->wait_mu_);
  impl_->wait_cv_.wait_for(l, timeout, [&] { return length() > known_length; });
  return length();
}

Status Core::Sync() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> w(m.writer_mu_);
  if (m.closed_ || m.durability_ == Durability::kSync) return Status::OK();
  BEE_RETURN_IF_ERROR(m.data_file_->Sync());
  BEE_RETURN_IF_ERROR(m.tree_file_->Sync());
  if (m.bitfield_file_) BEE_RETURN_IF_ERROR(m.bitfield_file_->Sync());
  return m.head_file_->Sync();
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

Result<std::vector<TreeNode>> Core::RootsAt(uint64_t length) const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  if (length > impl_->head_.length) {
    return Status::InvalidArgument("length " + Num(length) +
                                   " is beyond the log length " +
                                   Num(impl_->head_.length));
  }
  BEE_ASSIGN_OR_RETURN(auto roots, impl_->RootsFor(length));
  for (const TreeNode& r : roots)
    BEE_RETURN_IF_ERROR(impl_->VerifyNode(r.index));
  return roots;
}

Result<TreeNode> Core::GetNode(uint64_t index) const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  if (index >= 2 * impl_->head_.length ||
      flat::RightSpan(index) >= 2 * impl_->head_.length) {
    return Status::InvalidArgument("merkle node " + Num(index) +
                                   " is beyond the log length");
  }
  BEE_RETURN_IF_ERROR(impl_->VerifyNode(index));
  return impl_->NodeAt(index);
}

Status Core::VerifyAll() const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  std::string block;
  for (uint64_t i = 0; i < impl_->head_.length; i++) {
    if (!impl_->HasBlock(i)) continue;
    BEE_RETURN_IF_ERROR(impl_->ReadBlock(i, &block));
  }
  return Status::OK();
}

std::string Core::SignableFor(const Hash32& tree_hash, uint64_t length,
                              uint64_t fork) const {
  return impl_->Signable(tree_hash, length, fork);
}

}  // namespace bee::log
