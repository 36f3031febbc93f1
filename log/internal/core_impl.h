// Core::Impl: the state and storage of one log. Private to log/.
#ifndef BEE_LOG_INTERNAL_CORE_IMPL_H_
#define BEE_LOG_INTERNAL_CORE_IMPL_H_

#include <condition_variable>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "log/core.h"

namespace bee::log {

// A stored merkle node; its index is its position in the NodeStore.
struct NodeRecord {
  uint64_t size = 0;
  Hash32 hash{};
};

enum class NodeState : uint8_t {
  kAbsent = 0,
  kStored = 1,    // read from disk, not yet checked against the signed roots
  kVerified = 2,  // its hash chains up to a signed root
};

// Merkle nodes by flat-tree index, in fixed-size chunks allocated on first
// use: growing never copies, and a sparse replica pays only for the regions
// it holds.
//
// Thread safety: Reserve() changes the chunk table and needs the owner's
// exclusive lock; records and states of existing chunks may be read under a
// shared lock while the single writer fills indexes no reader looks at
// (past the signed length). States are atomic so readers can mark nodes
// verified.
class NodeStore {
 public:
  static constexpr uint64_t kChunkBits = 12;
  static constexpr uint64_t kChunkSize = uint64_t{1} << kChunkBits;

  bool Has(uint64_t index) const { return State(index) != NodeState::kAbsent; }
  NodeState State(uint64_t index) const;
  // REQUIRES: a chunk holds index (Has(index) or after Reserve(index)).
  void SetState(uint64_t index, NodeState state) const;
  const NodeRecord& Get(uint64_t index) const {
    return chunks_[index >> kChunkBits]->records[index & (kChunkSize - 1)];
  }
  TreeNode Node(uint64_t index) const {
    const NodeRecord& r = Get(index);
    return TreeNode{index, r.size, r.hash};
  }
  // Allocates the chunks covering [0, index].
  void Reserve(uint64_t index);
  // REQUIRES: Reserve(node.index) happened.
  void Put(const TreeNode& node, NodeState state);
  // One past the highest index a chunk covers.
  uint64_t limit() const { return chunks_.size() << kChunkBits; }

 private:
  struct Chunk {
    NodeRecord records[kChunkSize];
    uint8_t states[kChunkSize];
  };
  std::vector<std::unique_ptr<Chunk>> chunks_;
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
  bool fall_back_ = false;  // CoreOptions::fall_back_to_previous_head
  bool compat_ = false;
  bool replica_ = false;  // sparse: blocks may be missing (bitfield)
  Hash32 key_{};
  Hash32 discovery_key_{};
  PublicKey public_key_{};
  std::string manifest_;
  std::optional<KeyPair> signer_;  // present iff writable
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<File> head_file_, tree_file_, data_file_, bitfield_file_;
  bool closed_ = false;

  // Serializes writers (Append, Truncate, proofs, Close).
  std::mutex writer_mu_;
  // Writer-owned scratch buffers, reused so large appends do not fault in
  // fresh pages every time. REQUIRES: writer_mu_ held.
  std::string data_scratch_;
  std::string tree_scratch_;
  // Guards the fields below: shared for readers, unique for the brief
  // moment a writer publishes a new state.
  mutable std::shared_mutex mu_;
  SignedHead head_;
  uint64_t generation_ = 0;
  std::vector<TreeNode> roots_;
  NodeStore nodes_;
  std::vector<uint8_t> bitfield_;  // replicas only

  mutable std::mutex wait_mu_;
  mutable std::condition_variable wait_cv_;

  std::string Path(const char* name) const { return dir_ + "/" + name; }

  // Storage.
  Status WriteMeta(const std::optional<Seed>& seed);
  Status ReadMeta(bool read_only);
  Status OpenFiles(bool create);
  Status LoadTree();
  Status LoadBitfield();
  Status LoadHead();
  Status WriteHead(const SignedHead& head, uint64_t generation);
  // Writes the records of nodes [lo, hi] from nodes_ in one write.
  Status WriteNodeRange(uint64_t lo, uint64_t hi);
  // Writes the records of an unordered set of stored nodes.
  Status WriteNodes(std::span<const TreeNode> nodes);

  // Tree state. REQUIRES: mu_ held (shared is enough) unless noted.
  bool HasNode(uint64_t index) const;
  TreeNode NodeAt(uint64_t index) const;
  // Stores verified nodes: the chunk table changes under the exclusive lock,
  // the records are filled without it. REQUIRES: writer_mu_ held, and no
  // reader can reach these nodes yet (or they are identical).
  void PutNodes(std::span<const TreeNode> nodes);
  Result<std::vector<TreeNode>> RootsFor(uint64_t length) const;
  Status VerifyNode(uint64_t index) const;
  Status MissingNode(uint64_t index) const;
  Result<uint64_t> ByteOffset(uint64_t block,
                              std::span<const TreeNode> roots) const;
  // Writes a verified block of a replica and marks it stored.
  // REQUIRES: writer_mu_ held; its leaf and uncles are stored nodes.
  Status StoreBlock(uint64_t block, std::string_view value,
                    std::span<const TreeNode> roots);
  bool HasBlock(uint64_t block) const;
  Status ReadBlock(uint64_t block, std::string* out) const;

  SignedHead SignHead(std::span<const TreeNode> roots, uint64_t length,
                      uint64_t fork) const;
  bool HeadSignatureValid(const SignedHead& head,
                          std::span<const TreeNode> roots) const;
  std::string Signable(const Hash32& tree_hash, uint64_t length,
                       uint64_t fork) const;
  Status CheckWritable() const;
};

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_CORE_IMPL_H_
