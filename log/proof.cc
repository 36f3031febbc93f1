// Proof wire grammar (compact-encoding, FORMAT.md §16.1):
//   request := uint flags ‖ uint id ‖ uint fork
//              [flags&1  block:   uint index ‖ uint nodes]
//              [flags&2  hash:    uint index ‖ uint nodes]
//              [flags&4  seek:    uint bytes ‖ uint padding]
//              [flags&8  upgrade: uint start ‖ uint length]
//              [flags&32 priority: uint]          (flags&16: manifest wanted)
//   data    := uint flags ‖ uint request ‖ uint fork
//              [flags&1  uint index ‖ buffer value ‖ nodes]
//              [flags&2  uint index ‖ nodes]
//              [flags&4  uint bytes ‖ nodes]
//              [flags&8  uint start ‖ uint length ‖ nodes ‖ nodes ‖ buffer sig]
//              [flags&16 manifest]
//   nodes   := uint count ‖ (uint index ‖ uint size ‖ fixed32 hash)*
#include "log/proof.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "encoding/varint.h"
#include "log/flat_tree.h"
#include "log/internal/core_impl.h"

namespace bee::log {

class ProofAccess {
 public:
  static Core::Impl& Of(const Core& core) { return *core.impl_; }
};

namespace {

constexpr uint64_t kFlagBlock = 1, kFlagHash = 2, kFlagSeek = 4,
                   kFlagUpgrade = 8, kFlagManifest = 16, kFlagPriority = 32;
// A proof never needs more nodes than a 64-level tree has per path, times
// the two paths (upgrade and additional) and the roots.
constexpr uint64_t kMaxProofNodes = 256;
// Peer-supplied lengths and block indexes are refused above this, so the
// flat-tree indexes derived from them (2 * length, spans, parents) stay
// below 2^63 and never wrap. JS lengths are exact only to 2^53 (FORMAT.md
// §21.3): no honest log comes near it.
constexpr uint64_t kMaxLength = uint64_t{1} << 61;
// A leaf's path to the root of a tree of kMaxLength leaves.
constexpr size_t kMaxPathNodes = 61;

std::string Num(uint64_t v) { return std::to_string(v); }

// The parent of two proof nodes. Sizes are signed but peer-chosen: a sum
// that wraps would place blocks at byte offsets aliasing other blocks.
Result<TreeNode> CheckedParent(const TreeNode& a, const TreeNode& b) {
  if (a.size > UINT64_MAX - b.size) {
    return Status::VerificationFailed("the sizes of nodes " + Num(a.index) +
                                      " and " + Num(b.index) + " overflow");
  }
  return a.index < b.index ? ParentNode(a, b) : ParentNode(b, a);
}

void PutNodes(std::string* out, const std::vector<TreeNode>& nodes) {
  PutCompactUint(out, nodes.size());
  for (const TreeNode& n : nodes) {
    PutCompactUint(out, n.index);
    PutCompactUint(out, n.size);
    out->append(AsChars(n.hash));
  }
}

void PutBuffer(std::string* out, std::string_view b) {
  PutCompactUint(out, b.size());
  out->append(b);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Uint(uint64_t* v) { return ok_ = ok_ && GetCompactUint(&in_, v); }
  bool Buffer(std::string* out) {
    uint64_t n;
    if (!Uint(&n) || n > in_.size()) return ok_ = false;
    out->assign(in_.substr(0, static_cast<size_t>(n)));
    in_.remove_prefix(static_cast<size_t>(n));
    return true;
  }
  bool Nodes(std::vector<TreeNode>* out) {
    uint64_t n;
    if (!Uint(&n) || n > kMaxProofNodes) return ok_ = false;
    out->resize(static_cast<size_t>(n));
    for (TreeNode& node : *out) {
      if (!Uint(&node.index) || !Uint(&node.size) || in_.size() < 32) {
        return ok_ = false;
      }
      std::memcpy(node.hash.data(), in_.data(), 32);
      in_.remove_prefix(32);
    }
    return true;
  }
  // The default v1 manifest is self-delimiting: 6 varint-ish fields + 64.
  bool Manifest(std::string* out) {
    std::string_view start = in_;
    uint64_t version, flags, hash, quorum, signers, type;
    if (!Uint(&version) || !Uint(&flags) || !Uint(&hash) || !Uint(&quorum) ||
        !Uint(&signers) || signers != 1 || flags != 0 || !Uint(&type) ||
        in_.size() < 64) {
      return ok_ = false;
    }
    in_.remove_prefix(64);
    out->assign(start.substr(0, start.size() - in_.size()));
    return true;
  }
  bool done(bool allow_trailing) const {
    return ok_ && (allow_trailing || in_.empty());
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string EncodeRequest(const ProofRequest& r) {
  uint64_t flags = (r.block ? kFlagBlock : 0) | (r.hash ? kFlagHash : 0) |
                   (r.seek ? kFlagSeek : 0) | (r.upgrade ? kFlagUpgrade : 0) |
                   (r.manifest ? kFlagManifest : 0) |
                   (r.priority ? kFlagPriority : 0);
  std::string out;
  PutCompactUint(&out, flags);
  PutCompactUint(&out, r.id);
  PutCompactUint(&out, r.fork);
  for (const auto* range : {&r.block, &r.hash}) {
    if (*range) {
      PutCompactUint(&out, (*range)->index);
      PutCompactUint(&out, (*range)->nodes);
    }
  }
  if (r.seek) {
    PutCompactUint(&out, r.seek->bytes);
    PutCompactUint(&out, r.seek->padding);
  }
  if (r.upgrade) {
    PutCompactUint(&out, r.upgrade->start);
    PutCompactUint(&out, r.upgrade->length);
  }
  if (r.priority) PutCompactUint(&out, *r.priority);
  return out;
}

Result<ProofRequest> DecodeRequest(std::string_view bytes,
                                   bool allow_trailing) {
  Reader in(bytes);
  ProofRequest r;
  uint64_t flags = 0;
  in.Uint(&flags);
  in.Uint(&r.id);
  in.Uint(&r.fork);
  if (flags & kFlagBlock) {
    r.block.emplace();
    in.Uint(&r.block->index);
    in.Uint(&r.block->nodes);
  }
  if (flags & kFlagHash) {
    r.hash.emplace();
    in.Uint(&r.hash->index);
    in.Uint(&r.hash->nodes);
  }
  if (flags & kFlagSeek) {
    r.seek.emplace();
    in.Uint(&r.seek->bytes);
    in.Uint(&r.seek->padding);
  }
  if (flags & kFlagUpgrade) {
    r.upgrade.emplace();
    in.Uint(&r.upgrade->start);
    in.Uint(&r.upgrade->length);
  }
  r.manifest = flags & kFlagManifest;
  if (flags & kFlagPriority) in.Uint(&r.priority.emplace());
  if (!in.done(allow_trailing) || flags >= 64) {
    return Status::Corruption("malformed proof request message");
  }
  return r;
}

std::string EncodeProof(const Proof& p) {
  uint64_t flags = (p.block ? kFlagBlock : 0) | (p.hash ? kFlagHash : 0) |
                   (p.seek ? kFlagSeek : 0) | (p.upgrade ? kFlagUpgrade : 0) |
                   (p.manifest ? kFlagManifest : 0);
  std::string out;
  PutCompactUint(&out, flags);
  PutCompactUint(&out, p.request);
  PutCompactUint(&out, p.fork);
  if (p.block) {
    PutCompactUint(&out, p.block->index);
    PutBuffer(&out, p.block->value);
    PutNodes(&out, p.block->nodes);
  }
  if (p.hash) {
    PutCompactUint(&out, p.hash->index);
    PutNodes(&out, p.hash->nodes);
  }
  if (p.seek) {
    PutCompactUint(&out, p.seek->bytes);
    PutNodes(&out, p.seek->nodes);
  }
  if (p.upgrade) {
    PutCompactUint(&out, p.upgrade->start);
    PutCompactUint(&out, p.upgrade->length);
    PutNodes(&out, p.upgrade->nodes);
    PutNodes(&out, p.upgrade->additional_nodes);
    PutBuffer(&out, p.upgrade->signature);
  }
  if (p.manifest) out.append(*p.manifest);
  return out;
}

Result<Proof> DecodeProof(std::string_view bytes, bool allow_trailing) {
  Reader in(bytes);
  Proof p;
  uint64_t flags = 0;
  in.Uint(&flags);
  in.Uint(&p.request);
  in.Uint(&p.fork);
  if (flags & kFlagBlock) {
    p.block.emplace();
    in.Uint(&p.block->index);
    in.Buffer(&p.block->value);
    in.Nodes(&p.block->nodes);
  }
  if (flags & kFlagHash) {
    p.hash.emplace();
    in.Uint(&p.hash->index);
    in.Nodes(&p.hash->nodes);
  }
  if (flags & kFlagSeek) {
    p.seek.emplace();
    in.Uint(&p.seek->bytes);
    in.Nodes(&p.seek->nodes);
  }
  if (flags & kFlagUpgrade) {
    p.upgrade.emplace();
    in.Uint(&p.upgrade->start);
    in.Uint(&p.upgrade->length);
    in.Nodes(&p.upgrade->nodes);
    in.Nodes(&p.upgrade->additional_nodes);
    in.Buffer(&p.upgrade->signature);
  }
  if (flags & kFlagManifest) in.Manifest(&p.manifest.emplace());
  if (!in.done(allow_trailing) || flags >= 32) {
    return Status::Corruption("malformed proof data message");
  }
  return p;
}

// ---------------------------------------------------------------------------
// Creating proofs

namespace {

class ProofBuilder {
 public:
  // REQUIRES: m.mu_ held (shared), so the proof comes from one state.
  ProofBuilder(const Core::Impl& m, const ProofRequest& request, Proof* proof)
      : m_(m), request_(request), proof_(proof) {}

  // The order of the checks is hypercore's (PROTOCOL.md §7.4): what this
  // log cannot serve (Unavailable) before what is wrong with the request
  // (InvalidArgument).
  Status Build() {
    BEE_RETURN_IF_ERROR(CheckAvailable());
    proof_->request = request_.id;
    proof_->fork = m_.head_.fork;
    if (request_.manifest && !m_.compat_) proof_->manifest = m_.manifest_;
    // An empty log has nothing to prove: the answer carries no part.
    if (m_.head_.length == 0) return Status::OK();
    BEE_RETURN_IF_ERROR(CheckRequest());
    if (request_.block) {
      proof_->block.emplace();
      proof_->block->index = request_.block->index;
      BEE_RETURN_IF_ERROR(
          m_.ReadBlock(request_.block->index, &proof_->block->value));
      subject_nodes_ = &proof_->block->nodes;
    } else if (request_.hash) {
      proof_->hash.emplace();
      proof_->hash->index = request_.hash->index;
      subject_nodes_ = &proof_->hash->nodes;
    }
    if (subject_ && !InUpgrade()) {
      BEE_ASSIGN_OR_RETURN(uint64_t top, ClimbNodes());
      BEE_RETURN_IF_ERROR(SubjectPathTo(top));
    }
    if (request_.upgrade) BEE_RETURN_IF_ERROR(Upgrade());
    if (subject_ && !placed_) {
      return Status::InvalidArgument(
          std::string(request_.block ? "block " : "hash node ") +
          Num(request_.block ? request_.block->index : *subject_) +
          " is past the end of the requested upgrade");
    }
    return Status::OK();
  }

 private:
  // Unavailable for what this log cannot answer whatever the request's
  // shape: another fork, a block it does not hold, a seek.
  Status CheckAvailable() {
    if (request_.seek) {
      return Status::NotSupported("seek proofs are not supported");
    }
    if (request_.fork != m_.head_.fork) {
      return Status::Unavailable("request is for fork " + Num(request_.fork) +
                                 ", the log is at fork " + Num(m_.head_.fork));
    }
    if (request_.block && !m_.HasBlock(request_.block->index)) {
      return Status::Unavailable(
          "block " + Num(request_.block->index) +
          (request_.block->index >= m_.head_.length
               ? " is beyond the log length " + Num(m_.head_.length)
               : " is not stored"));
    }
    return Status::OK();
  }

  // InvalidArgument for a request no log of this length could answer.
  Status CheckRequest() {
    const uint64_t length = m_.head_.length;
    to_ = 2 * length;
    if (request_.upgrade) {
      const auto& up = *request_.upgrade;
      if (up.length == 0 || up.start > length ||
          up.length > length - up.start) {
        return Status::InvalidArgument("upgrade " + Num(up.start) + "+" +
                                       Num(up.length) + " is beyond length " +
                                       Num(length));
      }
      to_ = 2 * (up.start + up.length);
    }
    if (request_.block) {
      subject_ = 2 * request_.block->index;
    } else if (request_.hash) {
      const uint64_t index = request_.hash->index;
      if (index >= 2 * length || flat::RightSpan(index) >= 2 * length) {
        return Status::InvalidArgument("hash node " + Num(index) +
                                       " is not in the tree of length " +
                                       Num(length));
      }
      subject_ = index;
    }
    return Status::OK();
  }

  // Whether the subject (block or hash node) reaches the upgrade's new
  // blocks: its proof then joins the upgrade's nodes.
  bool InUpgrade() const {
    if (!request_.upgrade || !subject_) return false;
    return flat::RightSpan(*subject_) / 2 >= request_.upgrade->start;
  }

  Status Push(std::vector<TreeNode>* out, uint64_t index) {
    BEE_ASSIGN_OR_RETURN(PlacedNode node, m_.Verified(index, &scratch_));
    out->push_back(node.node);
    return Status::OK();
  }

  // The node `nodes` levels above the subject; InvalidArgument when the
  // climb leaves the requester's tree [0, to).
  Result<uint64_t> ClimbNodes() const {
    const uint64_t nodes =
        request_.block ? request_.block->nodes : request_.hash->nodes;
    uint64_t node = *subject_;
    for (uint64_t i = 0; i < nodes; i++) {
      node = flat::Parent(node);
      if (flat::RightSpan(node) >= to_) {
        return Status::InvalidArgument(
            "nodes " + Num(nodes) + " climbs out of the tree of length " +
            Num(to_ / 2) + " (node " + Num(node) + ")");
      }
    }
    return node;
  }

  // The subject's proof up to `top`: for a hash request the node itself
  // first, then the siblings of the path, bottom-up.
  Status SubjectPathTo(uint64_t top) {
    placed_ = true;
    if (request_.hash && !request_.block) {
      BEE_RETURN_IF_ERROR(Push(subject_nodes_, *subject_));
    }
    for (uint64_t node = *subject_; node != top; node = flat::Parent(node)) {
      BEE_RETURN_IF_ERROR(Push(subject_nodes_, flat::Sibling(node)));
    }
    return Status::OK();
  }

  Status Upgrade() {
    const uint64_t head = 2 * m_.head_.length;
    proof_->upgrade.emplace();
    proof_->upgrade->start = request_.upgrade->start;
    proof_->upgrade->length = request_.upgrade->length;
    BEE_RETURN_IF_ERROR(
        RangeNodes(2 * request_.upgrade->start, to_, &proof_->upgrade->nodes));
    if (head > to_) {
      BEE_RETURN_IF_ERROR(
          RangeNodes(to_, head, &proof_->upgrade->additional_nodes));
    }
    proof_->upgrade->signature = m_.head_.signature;
    return Status::OK();
  }

  // A node of the upgrade; one that holds the subject is replaced by the
  // subject's path up to it.
  Status Emit(std::vector<TreeNode>* out, uint64_t index) {
    if (!placed_ && InUpgrade() && out == &proof_->upgrade->nodes &&
        flat::Contains(index, *subject_)) {
      return SubjectPathTo(index);
    }
    return Push(out, index);
  }

  // The nodes that extend a tree of leaves [0, from) to [0, to).
  Status RangeNodes(uint64_t from, uint64_t to, std::vector<TreeNode>* out) {
    for (uint64_t root : flat::FullRoots(to)) {
      if (from > 0 && flat::RightSpan(root) <= from - 2) continue;
      if (from > 0 && flat::Contains(root, from - 2)) {
        uint64_t node = from - 2;
        while (node != root) {
          uint64_t sibling = flat::Sibling(node);
          if (sibling > from - 2) BEE_RETURN_IF_ERROR(Emit(out, sibling));
          node = flat::Parent(node);
        }
        continue;
      }
      BEE_RETURN_IF_ERROR(Emit(out, root));
    }
    return Status::OK();
  }

  const Core::Impl& m_;
  const ProofRequest& request_;
  Proof* proof_;
  // The requester's tree: 2 * (upgrade end), else the head.
  uint64_t to_ = 0;
  // The node the block or hash request is about (a block's leaf), where
  // its path goes, and whether the path was emitted.
  std::optional<uint64_t> subject_;
  std::vector<TreeNode>* subject_nodes_ = nullptr;
  bool placed_ = false;
  std::string scratch_;
};

}  // namespace

Result<Proof> CreateProof(const Core& core, const ProofRequest& request) {
  const Core::Impl& m = ProofAccess::Of(core);
  Proof proof;
  std::shared_lock<std::shared_mutex> l(m.mu_);
  BEE_RETURN_IF_ERROR(ProofBuilder(m, request, &proof).Build());
  return proof;
}

std::optional<Proof> ManifestOnlyProof(const Core& core,
                                       const ProofRequest& request) {
  if (!request.manifest || core.manifest().empty()) return std::nullopt;
  Proof proof;
  proof.request = request.id;
  proof.fork = core.fork();
  proof.manifest = core.manifest();
  return proof;
}

ProofRequest MakeRequest(const Core& replica, std::optional<uint64_t> block,
                         uint64_t remote_length) {
  ProofRequest r;
  r.fork = replica.fork();
  uint64_t length = replica.length();
  if (block) {
    ProofRequest::Range range{*block, 0};
    if (*block < length) {
      uint64_t node = 2 * *block;
      while (flat::RightSpan(node) < 2 * length &&
             !replica.GetNode(node).ok()) {
        range.nodes++;
        node = flat::Parent(node);
      }
    }
    r.block = range;
  }
  if (remote_length > length) {
    r.upgrade = ProofRequest::Upgrade{length, remote_length - length};
  }
  return r;
}

// ---------------------------------------------------------------------------
// Verifying proofs

namespace {

class ProofVerifier {
 public:
  ProofVerifier(const Core::Impl& m, const Proof& proof)
      : m_(m), proof_(proof) {}

  Status Verify() {
    if (proof_.fork != m_.head_.fork && m_.head_.length > 0) {
      return Status::VerificationFailed(
          "proof is for fork " + Num(proof_.fork) +
          ", the replica is at fork " + Num(m_.head_.fork) +
          " (reorganising forks is not supported)");
    }
    if (proof_.hash || proof_.seek) {
      return Status::NotSupported("hash and seek proofs are not supported yet");
    }
    std::optional<TreeNode> top;
    if (proof_.block) {
      BEE_ASSIGN_OR_RETURN(top, FoldBlock());
    }
    if (!proof_.upgrade) {
      if (!top)
        return Status::InvalidArgument("proof carries no block and no upgrade");
      return CheckAgainstStored(*top);
    }
    if (top) Learn(*top);
    BEE_RETURN_IF_ERROR(VerifyUpgrade());
    if (top && !used_[top->index]) {
      // The upgrade did not need the block's path: it must chain to a node
      // the replica already verified.
      return CheckAgainstStored(*top);
    }
    return Status::OK();
  }

  // Everything verified, to store: nodes, the block, the new head.
  std::map<uint64_t, TreeNode> verified_;
  std::vector<TreeNode> new_roots_;
  std::optional<SignedHead> new_head_;
  // The block's path: chain_[i] is its leaf's ancestor i levels up (as
  // computed), chain_siblings_[i] that node's sibling from the proof.
  std::vector<TreeNode> chain_;
  std::vector<TreeNode> chain_siblings_;
  // Where the top of the block's path starts in the data, when it chained
  // to a stored node.
  std::optional<uint64_t> top_offset_;

 private:
  void Learn(const TreeNode& n) { known_[n.index] = n; }

  Result<TreeNode> FoldBlock() {
    const auto& b = *proof_.block;
    if (b.index >= kMaxLength || b.nodes.size() > kMaxPathNodes) {
      return Status::VerificationFailed(
          "proof block index " + Num(b.index) + " with a path of " +
          Num(b.nodes.size()) + " nodes is out of range");
    }
    TreeNode cur = LeafNode(b.index, b.value);
    verified_[cur.index] = cur;
    chain_.push_back(cur);
    for (const TreeNode& n : b.nodes) {
      if (n.index != flat::Sibling(cur.index)) {
        return Status::VerificationFailed("proof node " + Num(n.index) +
                                          " is not the sibling of node " +
                                          Num(cur.index));
      }
      verified_[n.index] = n;
      chain_siblings_.push_back(n);
      BEE_ASSIGN_OR_RETURN(cur, CheckedParent(cur, n));
      verified_[cur.index] = cur;
      chain_.push_back(cur);
    }
    return cur;
  }

  Status CheckAgainstStored(const TreeNode& top) {
    auto stored = m_.Verified(top.index, &scratch_);
    if (!stored.ok() || stored->node != top) {
      return Status::VerificationFailed(
          "block proof does not chain to a verified node (node " +
          Num(top.index) + ")");
    }
    top_offset_ = stored->offset;
    if (proof_.block->index >= m_.head_.length) {
      return Status::VerificationFailed("block is beyond the replica length");
    }
    return Status::OK();
  }

  // Computes node `index` from known nodes, stored nodes or its children.
  Result<TreeNode> Compute(uint64_t index, int depth_left) {
    if (auto it = known_.find(index); it != known_.end()) {
      used_[index] = true;
      verified_[index] = it->second;
      return it->second;
    }
    if (flat::RightSpan(index) < 2 * m_.head_.length) {
      if (auto stored = m_.Verified(index, &scratch_); stored.ok()) {
        return stored->node;
      }
    }
    if ((index & 1) == 0 || depth_left == 0) {
      return Status::VerificationFailed("proof is missing merkle node " +
                                        Num(index));
    }
    BEE_ASSIGN_OR_RETURN(TreeNode l,
                         Compute(flat::LeftChild(index), depth_left - 1));
    BEE_ASSIGN_OR_RETURN(TreeNode r,
                         Compute(flat::RightChild(index), depth_left - 1));
    BEE_ASSIGN_OR_RETURN(TreeNode p, CheckedParent(l, r));
    verified_[index] = p;
    return p;
  }

  Status VerifyUpgrade() {
    const auto& up = *proof_.upgrade;
    if (up.start != m_.head_.length) {
      return Status::VerificationFailed("upgrade starts at " + Num(up.start) +
                                        " but the replica has length " +
                                        Num(m_.head_.length));
    }
    for (const TreeNode& n : up.nodes) {
      if (auto it = known_.find(n.index);
          it != known_.end() && it->second != n) {
        return Status::VerificationFailed("proof node " + Num(n.index) +
                                          " contradicts the block's path");
      }
      Learn(n);
      used_[n.index] = false;
    }
    // up.start is the replica's length, below kMaxLength.
    if (up.length == 0 || up.length > kMaxLength - up.start) {
      return Status::VerificationFailed("upgrade length " + Num(up.length) +
                                        " is invalid");
    }
    const uint64_t to = 2 * (up.start + up.length);
    std::vector<TreeNode> roots;
    for (uint64_t root : flat::FullRoots(to)) {
      BEE_ASSIGN_OR_RETURN(TreeNode r, Compute(root, 64));
      roots.push_back(r);
    }
    for (const auto& [index, used] : used_) {
      if (!used) {
        return Status::VerificationFailed("proof node " + Num(index) +
                                          " is not part of the upgrade");
      }
    }
    for (const TreeNode& n : up.additional_nodes) {
      TreeNode cur = n;
      if (cur.index >= 2 * kMaxLength) {
        return Status::VerificationFailed("additional node " + Num(n.index) +
                                          " is out of range");
      }
      if (!roots.empty() && cur.index <= roots.back().index) {
        return Status::VerificationFailed("additional node " + Num(n.index) +
                                          " is out of order");
      }
      verified_[cur.index] = cur;
      while (!roots.empty() && flat::Sibling(roots.back().index) == cur.index) {
        BEE_ASSIGN_OR_RETURN(cur, CheckedParent(roots.back(), cur));
        roots.pop_back();
        verified_[cur.index] = cur;
      }
      roots.push_back(cur);
    }
    uint64_t length = flat::RightSpan(roots.back().index) / 2 + 1;
    if (flat::FullRoots(2 * length).size() != roots.size()) {
      return Status::VerificationFailed("additional nodes do not form a tree");
    }
    SignedHead head;
    head.length = length;
    head.fork = proof_.fork;
    head.tree_hash = TreeHash(roots);
    for (const TreeNode& r : roots) {
      if (r.size > UINT64_MAX - head.byte_length) {
        return Status::VerificationFailed("the sizes of the roots overflow");
      }
      head.byte_length += r.size;
    }
    head.signature = up.signature;
    if (!m_.HeadSignatureValid(head, roots)) {
      return Status::VerificationFailed(
          "upgrade signature does not verify for length " + Num(length) +
          " fork " + Num(proof_.fork));
    }
    if (proof_.block && proof_.block->index >= length) {
      return Status::VerificationFailed("block is beyond the upgraded length");
    }
    new_roots_ = std::move(roots);
    new_head_ = std::move(head);
    return Status::OK();
  }

  const Core::Impl& m_;
  const Proof& proof_;
  std::map<uint64_t, TreeNode> known_;
  std::map<uint64_t, bool> used_;
  std::string scratch_;
};

// Where block `leaf / 2` starts under `roots`: the sizes of the subtrees
// left of its path, from the proof's nodes or the replica's verified ones.
Result<uint64_t> LeafOffset(const Core::Impl& m, uint64_t leaf,
                            std::span<const TreeNode> roots,
                            const std::map<uint64_t, TreeNode>& proven) {
  std::string scratch;
  uint64_t offset = 0;
  for (const TreeNode& root : roots) {
    if (!flat::Contains(root.index, leaf)) {
      offset += root.size;
      continue;
    }
    for (uint64_t node = root.index; node != leaf;) {
      uint64_t left = flat::LeftChild(node);
      if (flat::Contains(left, leaf)) {
        node = left;
        continue;
      }
      if (auto it = proven.find(left); it != proven.end()) {
        offset += it->second.size;
      } else {
        BEE_ASSIGN_OR_RETURN(PlacedNode stored, m.Verified(left, &scratch));
        offset += stored.node.size;
      }
      node = flat::RightChild(node);
    }
    return offset;
  }
  return Status::InvalidArgument("block " + Num(leaf / 2) +
                                 " is not in the proven tree");
}

// The block's verified path, placed in the data from the leaf's offset.
std::vector<PlacedNode> PlaceChain(const ProofVerifier& v,
                                   uint64_t leaf_offset) {
  std::vector<PlacedNode> placed;
  uint64_t offset = leaf_offset;
  for (size_t i = 0; i < v.chain_siblings_.size(); i++) {
    const TreeNode& node = v.chain_[i];
    const TreeNode& sibling = v.chain_siblings_[i];
    placed.push_back(PlacedNode{node, offset});
    if (sibling.index < node.index) {
      offset -= sibling.size;
      placed.push_back(PlacedNode{sibling, offset});
    } else {
      placed.push_back(PlacedNode{sibling, offset + node.size});
    }
  }
  if (v.chain_siblings_.empty()) placed.push_back({v.chain_[0], offset});
  return placed;
}

}  // namespace

Status ApplyProof(Core* replica, const Proof& proof) {
  Core::Impl& m = ProofAccess::Of(*replica);
  std::lock_guard<std::mutex> w(m.writer_mu_);
  if (!m.replica_) {
    return Status::InvalidArgument(
        "proofs apply to replicas, not to a writer's log");
  }
  if (m.closed_) return Status::InvalidArgument("the log is closed");
  ProofVerifier verifier(m, proof);
  {
    std::shared_lock<std::shared_mutex> l(m.mu_);
    BEE_RETURN_IF_ERROR(verifier.Verify());
  }
  std::vector<TreeNode> nodes;
  for (const auto& [index, node] : verifier.verified_) nodes.push_back(node);
  BEE_RETURN_IF_ERROR(m.WriteNodes(nodes));
  const std::vector<TreeNode>& roots =
      verifier.new_head_ ? verifier.new_roots_ : m.roots_;
  std::vector<PlacedNode> chain;
  bool block_added = false;
  if (proof.block) {
    uint64_t offset = 0;
    if (verifier.top_offset_) {
      offset = *verifier.top_offset_;
      for (size_t i = verifier.chain_siblings_.size(); i-- > 0;) {
        const TreeNode& sibling = verifier.chain_siblings_[i];
        if (sibling.index < verifier.chain_[i].index) offset += sibling.size;
      }
    } else {
      BEE_ASSIGN_OR_RETURN(offset, LeafOffset(m, 2 * proof.block->index, roots,
                                              verifier.verified_));
    }
    chain = PlaceChain(verifier, offset);
    BEE_RETURN_IF_ERROR(m.StoreBlock(proof.block->index, proof.block->value,
                                     offset, &block_added));
  }
  if (m.durability_ == Durability::kSync) {
    BEE_RETURN_IF_ERROR(m.data_file_->Sync());
    BEE_RETURN_IF_ERROR(m.tree_file_->Sync());
    BEE_RETURN_IF_ERROR(m.bitfield_file_->Sync());
  }
  const bool upgraded = verifier.new_head_.has_value();
  if (upgraded) {
    BEE_RETURN_IF_ERROR(m.WriteHead(*verifier.new_head_, m.generation_ + 1));
    std::unique_lock<std::shared_mutex> l(m.mu_);
    m.roots_ = std::move(verifier.new_roots_);
    m.head_ = std::move(*verifier.new_head_);
    m.generation_++;
  }
  // Verified against the head now published.
  m.node_cache_->Insert(chain);
  m.WakeWaiters();
  if (upgraded) m.Publish(CoreEvent::Type::kUpgrade);
  if (block_added) {
    m.Publish(CoreEvent::Type::kBlock, 0, proof.block->index);
  }
  return Status::OK();
}

Status ImportLog(Core* replica, std::span<const std::string> blocks,
                 uint64_t fork, std::string_view signature) {
  Core::Impl& m = ProofAccess::Of(*replica);
  std::lock_guard<std::mutex> w(m.writer_mu_);
  if (!m.replica_ || m.head_.length != 0) {
    return Status::InvalidArgument("import needs an empty replica");
  }
  std::vector<TreeNode> roots, nodes;
  std::vector<std::string_view> views(blocks.begin(), blocks.end());
  uint64_t index = 0;
  for (std::string_view block : views) {
    TreeNode node = LeafNode(index++, block);
    nodes.push_back(node);
    while (!roots.empty() && flat::Sibling(roots.back().index) == node.index) {
      node = ParentNode(roots.back(), node);
      roots.pop_back();
      nodes.push_back(node);
    }
    roots.push_back(node);
  }
  SignedHead head;
  head.length = blocks.size();
  head.fork = fork;
  head.tree_hash = TreeHash(roots);
  for (const TreeNode& r : roots) head.byte_length += r.size;
  head.signature = std::string(signature);
  if (!m.HeadSignatureValid(head, roots)) {
    return Status::VerificationFailed(
        "signature does not verify for the imported blocks (length " +
        Num(head.length) + ", fork " + Num(fork) + ")");
  }
  BEE_RETURN_IF_ERROR(m.WriteNodes(nodes));
  BEE_RETURN_IF_ERROR(m.data_file_->WriteV(0, views));
  std::string bits((blocks.size() + 7) / 8, '\xff');
  if (blocks.size() % 8) {
    bits.back() = static_cast<char>((1u << (blocks.size() % 8)) - 1);
  }
  BEE_RETURN_IF_ERROR(m.bitfield_file_->Write(0, bits));
  BEE_RETURN_IF_ERROR(m.data_file_->Sync());
  BEE_RETURN_IF_ERROR(m.tree_file_->Sync());
  BEE_RETURN_IF_ERROR(m.bitfield_file_->Sync());
  BEE_RETURN_IF_ERROR(m.WriteHead(head, m.generation_ + 1));
  BEE_RETURN_IF_ERROR(m.head_file_->Sync());
  {
    std::unique_lock<std::shared_mutex> l(m.mu_);
    m.bitfield_.assign(bits.begin(), bits.end());
    m.roots_ = std::move(roots);
    m.head_ = std::move(head);
    m.generation_++;
    m.CountHeld();
  }
  m.WakeWaiters();
  m.Publish(CoreEvent::Type::kUpgrade);
  return Status::OK();
}

}  // namespace bee::log
