// The hyperbee 2 write algorithms: put (FORMAT.md §5), write_block (§6),
// del with borrow/merge/collapse (§7) and batch compaction (§8).
#include "btree/internal/writer.h"

#include <algorithm>
#include <cstring>

#include "btree/internal/key_compare.h"
#include "btree/internal/version_root.h"
#include "log/parallel.h"

namespace bee::btree::internal {
namespace {

constexpr size_t kMinKeys = 4;    // T - 1: non-root underflow threshold
constexpr size_t kSplitKeys = 9;  // a node splits when it reaches 9 keys

}  // namespace

Writer::Writer(const BlockCache* cache, uint64_t length, bool separate)
    : arena_(size_t{64} << 10),
      cache_(cache),
      length_(length),
      separate_(separate) {}

WNode* Writer::NewNode() {
  void* p = arena_.allocate(sizeof(WNode), alignof(WNode));
  return new (p) WNode(&arena_);
}

ChildRef* Writer::NewRef(uint64_t seq, uint64_t offset, WNode* node) {
  void* p = arena_.allocate(sizeof(ChildRef), alignof(ChildRef));
  return new (p) ChildRef{seq, offset, node};
}

std::string_view Writer::Keep(std::string_view bytes) {
  if (bytes.empty()) return std::string_view();
  char* p = static_cast<char*>(arena_.allocate(bytes.size(), 1));
  std::memcpy(p, bytes.data(), bytes.size());
  return std::string_view(p, bytes.size());
}

Result<WNode*> Writer::Load(uint64_t seq, uint64_t offset) {
  if (seq >= length_) {
    return Status::Corruption("tree references block " + std::to_string(seq) +
                              " beyond the version " + std::to_string(length_));
  }
  BEE_ASSIGN_OR_RETURN(LevelView level,
                       cache_->PeekLevel(NodeRef{seq, offset}));
  if (!level.children.empty() &&
      level.children.size() != 2 * level.keys.size() + 2) {
    return Status::Corruption("block " + std::to_string(seq) + " level " +
                              std::to_string(offset) +
                              " has a wrong number of children");
  }
  // Keys are resolved on first comparison: a batch's writes rarely compare
  // more than a few keys of each node they load.
  WNode* node = NewNode();
  node->keys.reserve(level.keys.size() + 1);
  for (uint64_t k : level.keys) {
    cache_->PrefetchKey(k);
    node->keys.push_back(KeyRef{k, {}, false});
  }
  node->children.reserve(level.children.size() / 2 + 1);
  for (size_t i = 0; i + 1 < level.children.size(); i += 2) {
    BEE_RETURN_IF_ERROR(
        CheckChildRef(NodeRef{seq, offset}, i / 2,
                      NodeRef{level.children[i], level.children[i + 1]}));
    cache_->PrefetchBlock(level.children[i]);  // one of them is next
    node->children.push_back(
        NewRef(level.children[i], level.children[i + 1], nullptr));
  }
  return node;
}

Result<WNode*> Writer::Root() {
  if (root_loaded_) return root_;
  root_loaded_ = true;
  if (length_ < 2) return root_ = nullptr;
  BEE_ASSIGN_OR_RETURN(BlockPtr block, cache_->Get(length_ - 1));
  if (block->levels.empty()) {
    return Status::Corruption("block " + std::to_string(length_ - 1) +
                              " ends a version but holds no tree root");
  }
  BEE_ASSIGN_OR_RETURN(root_, Load(length_ - 1, 0));
  return root_;
}

Result<WNode*> Writer::ChildAt(WNode* node, size_t i) {
  ChildRef* ref = node->children[i];
  if (ref->node == nullptr) {
    BEE_ASSIGN_OR_RETURN(ref->node, Load(ref->seq, ref->offset));
  }
  return ref->node;
}

Result<WNode*> Writer::Descend(WNode* node, size_t i, size_t depth) {
  if (depth >= kMaxTreeDepth) {
    const ChildRef* ref = node->children[i];
    return TooDeep(NodeRef{ref->seq, ref->offset});
  }
  return ChildAt(node, i);
}

Result<std::string_view> Writer::KeyOf(KeyRef* k) {
  if (k->resolved) return k->key;
  if (k->seq >= length_) {
    uint64_t i = k->seq - length_;
    if (i >= pending_.size()) {
      return Status::Corruption("key seq " + std::to_string(k->seq) +
                                " is not written");
    }
    k->key = pending_[i].key;
  } else {
    // The cache keeps the key alive for the batch: only a truncation,
    // which needs the write lock this batch holds, drops blocks.
    BEE_ASSIGN_OR_RETURN(k->key, cache_->KeyOf(k->seq));
  }
  k->resolved = true;
  return k->key;
}

Result<Entry> Writer::EntryOf(uint64_t seq) {
  if (seq >= length_) {
    const Pending& p = pending_[seq - length_];
    Entry e{seq, std::string(p.key), std::nullopt};
    if (p.value) e.value = std::string(*p.value);
    return e;
  }
  BEE_ASSIGN_OR_RETURN(BlockCache::EntryBytes found, cache_->PeekEntry(seq));
  Entry e{seq, std::string(found.key), std::nullopt};
  if (found.value) e.value.emplace(*found.value);
  return e;
}

Result<Writer::Found> Writer::Search(WNode* node, std::string_view key) {
  size_t lo = 0, hi = node->keys.size();
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    KeyRef& ref = node->keys[mid];
    if (!ref.resolved) BEE_RETURN_IF_ERROR(KeyOf(&ref).status());
    int c = CompareKeys(ref.key, key);
    if (c == 0) return Found{mid, true};
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return Found{lo, false};
}

Result<bool> Writer::Allowed(const KeyRef& existing, uint64_t seq,
                             std::string_view key,
                             std::optional<std::string_view> value,
                             const CasFn& cas, bool always_duplicate) {
  if (!cas && always_duplicate) return true;
  BEE_ASSIGN_OR_RETURN(Entry prev, EntryOf(existing.seq));
  if (cas) {
    Entry next{seq, std::string(key), std::nullopt};
    if (value) next.value = std::string(*value);
    if (!cas(prev, next)) return false;
  }
  if (!always_duplicate && prev.value.has_value() == value.has_value() &&
      (!value || *prev.value == *value)) {
    return false;
  }
  return true;
}

Result<bool> Writer::Put(std::string_view key,
                         std::optional<std::string_view> value,
                         const CasFn& cas, bool always_duplicate) {
  Result<bool> r = PutOnce(key, value, cas, always_duplicate);
  if (!r.ok()) stale_changes_ = true;  // it may have flagged its descent
  return r;
}

Result<bool> Writer::PutOnce(std::string_view key,
                             std::optional<std::string_view> value,
                             const CasFn& cas, bool always_duplicate) {
  BEE_ASSIGN_OR_RETURN(WNode * root, Root());
  if (root == nullptr) {
    root = NewNode();
    root->changed = true;
  }
  const uint64_t seq = NextSeq();
  std::string_view owned = Keep(key);
  std::vector<WNode*>& path = path_;  // the internal nodes above `node`
  path.clear();
  path_refs_.clear();
  bool split = false;
  WNode* node = root;
  while (true) {
    const bool leaf = node->leaf();
    if (!leaf) {
      path.push_back(node);
      node->changed = true;  // eagerly, before knowing the outcome (§8.4)
    }
    BEE_ASSIGN_OR_RETURN(Found f, Search(node, key));
    if (f.found) {  // replace in place, wherever the key lives
      BEE_ASSIGN_OR_RETURN(bool ok, Allowed(node->keys[f.pos], seq, key, value,
                                            cas, always_duplicate));
      if (!ok) return Refused(path);
      node->keys[f.pos] = KeyRef{seq, owned, true};
      node->changed = true;
      break;
    }
    if (leaf) {
      node->keys.insert(node->keys.begin() + static_cast<ptrdiff_t>(f.pos),
                        KeyRef{seq, owned, true});
      node->changed = true;
      split = node->keys.size() >= kSplitKeys;
      BEE_RETURN_IF_ERROR(Split(node, &path, &root));
      break;
    }
    ChildRef* ref = node->children[f.pos];
    BEE_ASSIGN_OR_RETURN(node, Descend(node, f.pos, path.size()));
    path_refs_.push_back(ref);
  }
  // Without a split or flags left by a refused operation, the nodes to
  // rewrite are exactly the root and the descent.
  const bool only_descent = !split && !stale_changes_;
  WriteBlock(root, seq, owned, value, only_descent ? &path_refs_ : nullptr);
  return true;
}

// A refused put leaves its path flagged (§8.4), which a later block of the
// same batch rewrites; an operation appended on its own leaves nothing.
bool Writer::Refused(const std::vector<WNode*>& path) {
  if (separate_) {
    for (WNode* n : path) n->changed = false;
  } else {
    stale_changes_ = true;
  }
  return false;
}

// Splits `node` and its ancestors while they hold 9 keys (§5.2).
Status Writer::Split(WNode* node, std::vector<WNode*>* path, WNode** root) {
  while (node->keys.size() >= kSplitKeys) {
    WNode* right = NewNode();
    right->changed = true;
    right->keys.assign(node->keys.begin() + kMinKeys + 1, node->keys.end());
    KeyRef median = node->keys[kMinKeys];
    node->keys.resize(kMinKeys);
    if (!node->leaf()) {
      right->children.assign(node->children.begin() + kMinKeys + 1,
                             node->children.end());
      node->children.resize(kMinKeys + 1);
    }
    node->changed = true;
    if (path->empty()) {
      WNode* top = NewNode();
      top->changed = true;
      top->keys.push_back(median);
      top->children = {NewRef(0, 0, node), NewRef(0, 0, right)};
      *root = top;
      return Status::OK();
    }
    WNode* parent = path->back();
    path->pop_back();
    BEE_ASSIGN_OR_RETURN(std::string_view median_key, KeyOf(&median));
    BEE_ASSIGN_OR_RETURN(Found f, Search(parent, median_key));
    parent->keys.insert(parent->keys.begin() + static_cast<ptrdiff_t>(f.pos),
                        median);
    parent->children.insert(
        parent->children.begin() + static_cast<ptrdiff_t>(f.pos) + 1,
        NewRef(0, 0, right));
    node = parent;
  }
  return Status::OK();
}

Result<bool> Writer::Del(std::string_view key, const CasFn& cas) {
  BEE_ASSIGN_OR_RETURN(WNode * root, Root());
  if (root == nullptr) return false;
  const uint64_t seq = NextSeq();
  std::vector<std::pair<WNode*, size_t>> path;  // node, index in parent
  WNode* node = root;
  size_t index = 0;
  while (true) {
    path.emplace_back(node, index);
    BEE_ASSIGN_OR_RETURN(Found f, Search(node, key));
    if (f.found) {
      BEE_ASSIGN_OR_RETURN(bool ok, Allowed(node->keys[f.pos], seq, key,
                                            std::nullopt, cas, true));
      if (!ok) return false;
      if (node->leaf()) {
        node->keys.erase(node->keys.begin() + static_cast<ptrdiff_t>(f.pos));
      } else {
        BEE_RETURN_IF_ERROR(ReplaceWithNearestLeafKey(node, f.pos, &path));
      }
      for (auto& [n, i] : path) n->changed = true;  // only now (§7.1)
      BEE_ASSIGN_OR_RETURN(WNode * new_root, Rebalance(&path));
      root_ = new_root;
      WriteBlock(new_root, seq, Keep(key), std::nullopt);
      return true;
    }
    if (node->leaf()) return false;
    index = f.pos;
    BEE_ASSIGN_OR_RETURN(node, Descend(node, f.pos, path.size()));
  }
}

// Key count of the rightmost (or leftmost) leaf under `node`.
Result<size_t> Writer::EdgeLeafKeys(WNode* node, bool rightmost) {
  for (size_t depth = 0; !node->leaf(); depth++) {
    BEE_ASSIGN_OR_RETURN(
        node, Descend(node, rightmost ? node->children.size() - 1 : 0, depth));
  }
  return node->keys.size();
}

Status Writer::ReplaceWithNearestLeafKey(
    WNode* node, size_t j, std::vector<std::pair<WNode*, size_t>>* path) {
  BEE_ASSIGN_OR_RETURN(WNode * left, ChildAt(node, j));
  BEE_ASSIGN_OR_RETURN(WNode * right, ChildAt(node, j + 1));
  BEE_ASSIGN_OR_RETURN(size_t ls, EdgeLeafKeys(left, true));
  BEE_ASSIGN_OR_RETURN(size_t rs, EdgeLeafKeys(right, false));
  if (ls < rs) {  // take the successor
    path->emplace_back(right, j + 1);
    WNode* n = right;
    while (!n->leaf()) {
      BEE_ASSIGN_OR_RETURN(n, Descend(n, 0, path->size()));
      path->emplace_back(n, 0);
    }
    node->keys[j] = n->keys.front();
    n->keys.erase(n->keys.begin());
  } else {  // ties take the predecessor
    path->emplace_back(left, j);
    WNode* n = left;
    while (!n->leaf()) {
      size_t last = n->children.size() - 1;
      BEE_ASSIGN_OR_RETURN(n, Descend(n, last, path->size()));
      path->emplace_back(n, last);
    }
    node->keys[j] = n->keys.back();
    n->keys.pop_back();
  }
  return Status::OK();
}

Result<WNode*> Writer::Rebalance(std::vector<std::pair<WNode*, size_t>>* path) {
  WNode* root = path->front().first;
  while (path->size() > 1) {
    auto [n, i] = path->back();
    path->pop_back();
    WNode* p = path->back().first;
    if (n->keys.size() >= kMinKeys) return root;
    WNode* left = nullptr;
    WNode* right = nullptr;
    if (i > 0) {
      BEE_ASSIGN_OR_RETURN(left, ChildAt(p, i - 1));
    }
    if (i + 1 < p->children.size()) {
      BEE_ASSIGN_OR_RETURN(right, ChildAt(p, i + 1));
    }
    if (left != nullptr && left->keys.size() > kMinKeys) {  // borrow left
      left->changed = true;
      n->keys.insert(n->keys.begin(), p->keys[i - 1]);
      if (!left->leaf()) {
        n->children.insert(n->children.begin(), left->children.back());
        left->children.pop_back();
      }
      p->keys[i - 1] = left->keys.back();
      left->keys.pop_back();
      return root;
    }
    if (right != nullptr && right->keys.size() > kMinKeys) {  // borrow right
      right->changed = true;
      n->keys.push_back(p->keys[i]);
      if (!right->leaf()) {
        n->children.push_back(right->children.front());
        right->children.erase(right->children.begin());
      }
      p->keys[i] = right->keys.front();
      right->keys.erase(right->keys.begin());
      return root;
    }
    if (left == nullptr && right == nullptr) return root;
    WNode* a = left != nullptr ? left : n;
    WNode* b = left != nullptr ? n : right;
    size_t k = left != nullptr ? i - 1 : i;
    a->keys.push_back(p->keys[k]);
    a->keys.insert(a->keys.end(), b->keys.begin(), b->keys.end());
    a->children.insert(a->children.end(), b->children.begin(),
                       b->children.end());
    a->changed = true;
    p->keys.erase(p->keys.begin() + static_cast<ptrdiff_t>(k));
    p->children[k + 1]->seq = 0;  // FREED: drops it from pending blocks
    p->children.erase(p->children.begin() + static_cast<ptrdiff_t>(k) + 1);
  }
  if (root->keys.empty() && !root->leaf()) return ChildAt(root, 0);
  return root;
}

size_t Writer::Visit(WNode* node, ChildRef* ref, uint64_t seq, Pending* p) {
  size_t offset = p->levels.size();
  p->levels.push_back(ref);
  node->changed = false;
  for (ChildRef* child : node->children) {
    if (child->node != nullptr && child->node->changed) {
      child->seq = seq;
      child->offset = Visit(child->node, child, seq, p);
    }
  }
  return offset;
}

void Writer::WriteBlock(WNode* root, uint64_t seq, std::string_view key,
                        std::optional<std::string_view> value,
                        const std::vector<ChildRef*>* descent) {
  Pending& p = pending_.emplace_back(
      Pending{seq, key, std::nullopt, std::pmr::vector<ChildRef*>(&arena_)});
  if (value) p.value = Keep(*value);
  p.levels.reserve(root_levels_hint_);  // about the tree's height
  ChildRef* root_ref = NewRef(seq, 0, root);
  if (descent != nullptr) {
    // What Visit would find, in its order, without scanning the siblings:
    // each changed node's only changed child is the next one down.
    p.levels.push_back(root_ref);
    root->changed = false;
    for (ChildRef* ref : *descent) {
      ref->seq = seq;
      ref->offset = p.levels.size();
      p.levels.push_back(ref);
      ref->node->changed = false;
    }
  } else {
    Visit(root, root_ref, seq, &p);
    stale_changes_ = false;
  }
  root_levels_hint_ = std::max<size_t>(8, p.levels.size());
  root_ = root;
  if (separate_) {
    // Built now, as its own append would be; later operations may change
    // the shared references it was built from.
    sealed_.push_back(BuildBlock(p.levels, p));
  }
}

NodeBlock Writer::BuildBlock(const std::pmr::vector<ChildRef*>& levels,
                             const Pending& p) const {
  NodeBlock block;
  block.key = std::string(p.key);
  if (p.value) block.value = std::string(*p.value);
  block.levels.resize(levels.size());
  for (size_t j = 0; j < levels.size(); j++) {
    const WNode* node = levels[j]->node;
    IndexLevel& level = block.levels[j];
    level.keys.reserve(node->keys.size());
    for (const KeyRef& k : node->keys) level.keys.push_back(k.seq);
    level.children.reserve(2 * node->children.size());
    for (const ChildRef* c : node->children) {
      level.children.push_back(c->seq);
      level.children.push_back(c->offset);
    }
  }
  return block;
}

void Writer::Compact(size_t b) {
  // Keep only levels no later op rewrote, by swap-removal, and write the
  // surviving offsets back into the shared references.
  Pending& p = pending_[b];
  std::pmr::vector<ChildRef*>& levels = p.levels;
  levels[0] = nullptr;
  size_t j = 0;
  while (j < levels.size()) {
    ChildRef* e = levels[j];
    if (e != nullptr && e->seq == p.seq) {
      e->visit_offset = e->offset;
      e->compacted = true;
      e->offset = j++;
    } else if (j == levels.size() - 1) {
      levels.pop_back();
    } else {
      levels[j] = levels.back();
      levels.pop_back();
    }
  }
}

FlatBlock Writer::EncodeBlock(size_t b, std::vector<uint64_t>* words,
                              std::vector<IndexLevelView>* views,
                              std::string* out) const {
  std::string_view key;
  std::optional<std::string_view> value;
  if (separate_) {
    const NodeBlock& block = sealed_[b];
    *views = LevelViews(block);
    key = block.key;
    if (block.value) value = *block.value;
  } else {
    // The levels' numbers side by side, then views over them.
    // hyperbee compacts and encodes one block after the other, so a
    // reference to a later block of the batch carries that block's offset
    // from before its compaction (the level may since have moved or gone;
    // such a reference is never reached from the final root).
    const Pending& p = pending_[b];
    words->clear();
    for (const ChildRef* ref : p.levels) {
      for (const KeyRef& k : ref->node->keys) words->push_back(k.seq);
      for (const ChildRef* c : ref->node->children) {
        words->push_back(c->seq);
        words->push_back(c->compacted && c->seq > p.seq ? c->visit_offset
                                                        : c->offset);
      }
    }
    views->clear();
    const uint64_t* at = words->data();
    for (const ChildRef* ref : p.levels) {
      const size_t k = ref->node->keys.size();
      const size_t c = 2 * ref->node->children.size();
      views->push_back(IndexLevelView{std::span<const uint64_t>(at, k),
                                      std::span<const uint64_t>(at + k, c)});
      at += k + c;
    }
    key = p.key;
    value = p.value;
  }
  AppendNodeBlock(*views, key, value, out);
  return MakeFlatBlock(*views, key, value);
}

void Writer::EncodeBlocks(EncodedBatch* out, bool parallel) {
  const size_t n = pending_.size();
  // Compaction first: it sets the offsets that later blocks' references
  // carry, so every block must be compacted before any is encoded (each
  // reference keeps its offset from before compaction for the earlier
  // blocks that name it, see EncodeBlock).
  if (!separate_) {
    for (size_t b = 0; b + 1 < n; b++) Compact(b);
  }
  // Then runs of blocks, each into its own buffer, on two threads when the
  // batch is large enough to pay for waking the helper.
  constexpr size_t kRun = 64;
  const size_t runs = (n + kRun - 1) / kRun;
  if (out->chunks.size() < runs) out->chunks.resize(runs);
  out->blocks.assign(n, std::string_view());
  out->flats.clear();
  out->flats.resize(n);
  const Status s =
      log::ParallelFor(runs, parallel && n >= 2 * kRun, [&](size_t r) {
        std::vector<uint64_t> words;
        std::vector<IndexLevelView> views;
        std::string& chunk = out->chunks[r];
        chunk.clear();
        const size_t begin = r * kRun, end = std::min(n, begin + kRun);
        size_t ends[kRun];
        for (size_t b = begin; b < end; b++) {
          out->flats[b] = EncodeBlock(b, &words, &views, &chunk);
          ends[b - begin] = chunk.size();
        }
        for (size_t b = begin, from = 0; b < end; from = ends[b - begin], b++) {
          out->blocks[b] =
              std::string_view(chunk).substr(from, ends[b - begin] - from);
        }
      });
  (void)s;  // no `meanwhile`: always OK
}

Result<std::optional<Entry>> Writer::Get(std::string_view key) {
  BEE_ASSIGN_OR_RETURN(WNode * node, Root());
  for (size_t depth = 0; node != nullptr; depth++) {
    BEE_ASSIGN_OR_RETURN(Found f, Search(node, key));
    if (f.found) {
      BEE_ASSIGN_OR_RETURN(Entry e, EntryOf(node->keys[f.pos].seq));
      return std::optional<Entry>(std::move(e));
    }
    if (node->leaf()) break;
    BEE_ASSIGN_OR_RETURN(node, Descend(node, f.pos, depth));
  }
  return std::optional<Entry>();
}

}  // namespace bee::btree::internal
