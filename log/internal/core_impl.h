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

// A stored merkle node; its index is its position in Impl::nodes_.
struct NodeRecord {
  uint64_t size = 0;
  Hash32 hash{};
};

enum class NodeState : uint8_t {
  kAbsent = 0,
  kStored = 1,    // read from disk, not yet checked against the signed roots
  kVerified = 2,  // its hash chains up to a signed root
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
  // Guards the fields below: shared for readers, unique for the brief
  // moment a writer publishes a new state.
  mutable std::shared_mutex mu_;
  SignedHead head_;
  uint64_t generation_ = 0;
  std::vector<TreeNode> roots_;
  std::vector<NodeRecord> nodes_;
  // NodeState per node; readers upgrade kStored to kVerified through
  // std::atomic_ref under the shared lock.
  mutable std::vector<uint8_t> node_state_;
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
  Status WriteNodes(const std::vector<TreeNode>& nodes);

  // Tree state. REQUIRES: mu_ held (shared is enough) unless noted.
  bool HasNode(uint64_t index) const;
  TreeNode NodeAt(uint64_t index) const;
  void PutNode(const TreeNode& node);  // REQUIRES: unique mu_ or writer only
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
