// The `bee/read/1` extension (docs/PROTOCOL.md "The bee/read extension").
// Compact-encoding uints (PROTOCOL.md §6), not protobuf:
//
//   payload := uint type ‖ body
//   hello   := 00 ‖ uint version                              (server)
//   request := 01 ‖ uint id ‖ uint version ‖ uint kind ‖ kbody
//              ‖ uint n ‖ uint have (n times)                  (reader)
//     kind 0 (get):   kbody := buffer key
//     kind 1 (range): kbody := uint flags ‖ [buffer gte] [buffer gt]
//                              [buffer lte] [buffer lt] ‖ uint limit
//                     flags: 1 gte, 2 gt, 4 lte, 8 lt, 16 reverse
//   answer  := 02 ‖ uint id ‖ uint result ‖ uint n
//              ‖ buffer proof (n times)                       (server)
//   buffer  := uint len ‖ len bytes
//   proof   := a `data` message body (log::EncodeProof): a block part only
#include "remote/bee_extension.h"

#include <algorithm>
#include <utility>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "encoding/block_codec.h"
#include "encoding/limits.h"
#include "encoding/varint.h"
#include "log/env.h"
#include "log/flat_tree.h"
#include "log/proof.h"
#include "remote/hyperbee_extension.h"

namespace bee::remote {
namespace {

constexpr uint64_t kHello = 0, kRequest = 1, kAnswer = 2;
constexpr uint64_t kGte = 1, kGt = 2, kLte = 4, kLt = 8, kReverse = 16;

void PutBuffer(std::string* out, std::string_view bytes) {
  PutCompactUint(out, bytes.size());
  out->append(bytes);
}

void EncodeRequest(const BeeReadRequest& r, std::string* out) {
  PutCompactUint(out, r.id);
  PutCompactUint(out, r.version);
  PutCompactUint(out, static_cast<uint64_t>(r.kind));
  if (r.kind == BeeReadKind::kGet) {
    PutBuffer(out, r.key);
  } else {
    const uint64_t flags = (r.gte ? kGte : 0) | (r.gt ? kGt : 0) |
                           (r.lte ? kLte : 0) | (r.lt ? kLt : 0) |
                           (r.reverse ? kReverse : 0);
    PutCompactUint(out, flags);
    for (const auto* bound : {&r.gte, &r.gt, &r.lte, &r.lt}) {
      if (*bound) PutBuffer(out, **bound);
    }
    PutCompactUint(out, r.limit);
  }
  PutCompactUint(out, r.have.size());
  for (uint64_t seq : r.have) PutCompactUint(out, seq);
}

Status Malformed(std::string_view what) {
  return Status::Corruption("bee/read extension: " + std::string(what));
}

// Reads fields off the payload, naming the first that is short.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  Status Uint(const char* name, uint64_t* v) {
    if (!GetCompactUint(&in_, v))
      return Malformed(std::string(name) + ": truncated");
    return Status::OK();
  }
  Status Buffer(const char* name, std::string* out) {
    uint64_t len = 0;
    BEE_RETURN_IF_ERROR(Uint(name, &len));
    if (len > in_.size()) {
      return Malformed(std::string(name) + " runs past the message");
    }
    out->assign(in_.substr(0, len));
    in_.remove_prefix(len);
    return Status::OK();
  }
  Status Count(const char* name, size_t max, uint64_t* n) {
    BEE_RETURN_IF_ERROR(Uint(name, n));
    if (*n > max) {
      return Malformed(std::to_string(*n) + " " + name + " (at most " +
                       std::to_string(max) + ")");
    }
    return Status::OK();
  }
  Status End() const {
    if (in_.empty()) return Status::OK();
    return Malformed(std::to_string(in_.size()) + " bytes after the message");
  }

 private:
  std::string_view in_;
};

Status DecodeRange(Reader* in, BeeReadRequest* r) {
  uint64_t flags = 0;
  BEE_RETURN_IF_ERROR(in->Uint("range flags", &flags));
  if (flags >= 2 * kReverse) return Malformed("unknown range flags");
  const uint64_t bits[] = {kGte, kGt, kLte, kLt};
  std::optional<std::string>* bounds[] = {&r->gte, &r->gt, &r->lte, &r->lt};
  for (size_t i = 0; i < 4; i++) {
    if ((flags & bits[i]) == 0) continue;
    bounds[i]->emplace();
    BEE_RETURN_IF_ERROR(in->Buffer("range bound", &**bounds[i]));
  }
  r->reverse = (flags & kReverse) != 0;
  return in->Uint("range limit", &r->limit);
}

Result<BeeReadRequest> DecodeRequest(Reader* in) {
  BeeReadRequest r;
  uint64_t kind = 0, n = 0;
  BEE_RETURN_IF_ERROR(in->Uint("request id", &r.id));
  BEE_RETURN_IF_ERROR(in->Uint("request version", &r.version));
  BEE_RETURN_IF_ERROR(in->Uint("request kind", &kind));
  if (kind == static_cast<uint64_t>(BeeReadKind::kGet)) {
    BEE_RETURN_IF_ERROR(in->Buffer("get key", &r.key));
  } else if (kind == static_cast<uint64_t>(BeeReadKind::kRange)) {
    r.kind = BeeReadKind::kRange;
    BEE_RETURN_IF_ERROR(DecodeRange(in, &r));
  } else {
    return Malformed("unknown request kind " + std::to_string(kind));
  }
  BEE_RETURN_IF_ERROR(in->Count("held seqs", kMaxReadHave, &n));
  r.have.resize(n);
  for (uint64_t& seq : r.have) BEE_RETURN_IF_ERROR(in->Uint("held seq", &seq));
  return r;
}

Result<BeeReadAnswer> DecodeAnswer(Reader* in) {
  BeeReadAnswer a;
  uint64_t result = 0, n = 0;
  BEE_RETURN_IF_ERROR(in->Uint("answer id", &a.id));
  BEE_RETURN_IF_ERROR(in->Uint("answer result", &result));
  if (result > static_cast<uint64_t>(BeeReadResult::kRefused)) {
    return Malformed("unknown answer result " + std::to_string(result));
  }
  a.result = static_cast<BeeReadResult>(result);
  BEE_RETURN_IF_ERROR(in->Count("proofs", kMaxReadBlocks, &n));
  a.proofs.resize(n);
  for (std::string& p : a.proofs) BEE_RETURN_IF_ERROR(in->Buffer("proof", &p));
  return a;
}

// The merkle nodes above leaf `seq` up to the root of a tree of `version`
// blocks holding it: what a reader holding only that tree's roots lacks.
uint64_t NodesToRoot(uint64_t seq, uint64_t version) {
  uint64_t node = 2 * seq, nodes = 0;
  while (flat::RightSpan(flat::Parent(node)) < 2 * version) {
    node = flat::Parent(node);
    nodes++;
  }
  return nodes;
}

// hyperbee's walk of a range over the blocks `core` holds (never
// fetching): on a reader's replica, the path's blocks it has cached.
std::vector<uint64_t> RangeHintSeqs(const log::Core& core,
                                    const BeeReadRequest& r) {
  HyperbeeIterator it;
  it.version = r.version;
  it.gte = r.gte;
  it.gt = r.gt;
  it.lte = r.lte;
  it.lt = r.lt;
  it.limit = r.limit;
  it.reverse = r.reverse;
  return IteratorHintSeqs(core, it);
}

// Block `seq` of `core` decoded, if `core` holds it (never fetching) and it
// is a node block.
std::optional<NodeBlock> HeldBlock(const log::Core& core, uint64_t seq) {
  if (seq == 0 || !core.Has(seq)) return std::nullopt;
  auto raw = core.Get(seq);
  if (!raw.ok()) return std::nullopt;
  auto block = DecodeNodeBlock(*raw);
  if (!block.ok()) return std::nullopt;
  return std::move(block).value();
}

// Our get's path (btree Lookup: from the root of `version` down, in each
// node the key equal to the target or the child between the two keys that
// bracket it) over the blocks `core` holds, never fetching.
struct GetWalk {
  std::vector<uint64_t> seqs;  // in reading order, each once
  bool complete = false;       // reached the answer: the key, or a leaf
};
enum class WalkMode {
  // A server: per node, its block and the keys bracketing the target (the
  // equal key alone when it is there), found by binary search.
  kBrackets,
  // A reader: per node, its block and every key of it the reader holds;
  // the held keys must decide the node (as btree's sparse search, which
  // fetches nothing then), or the walk stops there.
  kHeld,
};

GetWalk WalkGet(const log::Core& core, uint64_t version, std::string_view key,
                WalkMode mode) {
  GetWalk walk;
  std::set<uint64_t> seen;
  auto add = [&](uint64_t seq) {
    if (seen.insert(seq).second) walk.seqs.push_back(seq);
  };
  if (version < 2 || version > core.length()) return walk;
  uint64_t seq = version - 1, offset = 0;
  for (size_t depth = 0; depth < kMaxTreeDepth; depth++) {
    std::optional<NodeBlock> node = HeldBlock(core, seq);
    if (!node || offset >= node->levels.size()) return walk;
    add(seq);
    const IndexLevel& level = node->levels[offset];
    if (depth == 0 && level.keys.empty() && level.children.empty()) {
      walk.complete = true;  // an empty tree
      return walk;
    }
    // -1, 0, 1: the key at i is below, equal to, above the target;
    // nullopt: not held.
    auto compare = [&](size_t i) -> std::optional<int> {
      std::optional<NodeBlock> at = HeldBlock(core, level.keys[i]);
      if (!at) return std::nullopt;
      const int c = std::string_view(at->key).compare(key);
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    };
    size_t lo = 0, hi = level.keys.size();
    if (mode == WalkMode::kBrackets) {
      while (lo < hi) {
        const size_t mid = (lo + hi) / 2;
        const std::optional<int> c = compare(mid);
        if (!c) return walk;  // a server lacking it: the reader fetches
        if (*c == 0) {
          add(level.keys[mid]);
          walk.complete = true;
          return walk;
        }
        if (*c < 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      if (lo > 0) add(level.keys[lo - 1]);
      if (lo < level.keys.size()) add(level.keys[lo]);
    } else {
      for (size_t i = 0; i < level.keys.size(); i++) {
        if (core.Has(level.keys[i])) add(level.keys[i]);
      }
      for (size_t i = lo; i < hi; i++) {
        if (!core.Has(level.keys[i])) continue;
        const std::optional<int> c = compare(i);
        if (!c) return walk;
        if (*c == 0) {
          walk.complete = true;
          return walk;
        }
        if (*c < 0) {
          lo = i + 1;
        } else {
          hi = i;
        }
      }
      if (lo < hi) return walk;  // undecided: keys to fetch
    }
    if (level.children.empty()) {
      walk.complete = true;
      return walk;
    }
    if (2 * lo + 1 >= level.children.size()) return walk;  // malformed
    const uint64_t child = level.children[2 * lo];
    const uint64_t child_offset = level.children[2 * lo + 1];
    // As btree's CheckChildRef: an earlier block, or another level of this.
    if (!(child >= 1 && child < seq) &&
        !(child == seq && child_offset != offset)) {
      return walk;
    }
    seq = child;
    offset = child_offset;
  }
  return walk;
}

// Feeds a shadow replica from the served log, recording each block the
// shadow's reads ask for, in order.
class RecordingSource : public log::BlockSource {
 public:
  explicit RecordingSource(const log::Core& served) : served_(served) {}
  void set_shadow(log::Core* shadow) { shadow_ = shadow; }
  const std::vector<uint64_t>& seqs() const { return seqs_; }

  Status Fetch(std::span<const uint64_t> indexes) override {
    for (uint64_t i : indexes) {
      if (seqs_.size() == kMaxReadBlocks) {
        return Status::Unavailable("bee/read: the lookup reads more than " +
                                   std::to_string(kMaxReadBlocks) + " blocks");
      }
      seqs_.push_back(i);
      auto proof = log::CreateProof(served_, log::MakeRequest(*shadow_, i, 0));
      if (!proof.ok()) return proof.status();
      BEE_RETURN_IF_ERROR(log::ApplyProof(shadow_, *proof));
    }
    return Status::OK();
  }

 private:
  const log::Core& served_;
  log::Core* shadow_ = nullptr;
  std::vector<uint64_t> seqs_;
};

// Runs the request's range with our own B-tree (what a bee reader's range
// asks for: the node blocks of the seek's path, all key blocks of each of
// its nodes, then the blocks of the scan) on an in-memory sparse replica of
// `served` at its length, checked out at request.version, whose blocks
// come from `served`: the blocks it fetched are those the reader's read
// will. Its errors (a bound, a block `served` lacks) end the read; what was
// recorded till then is returned.
std::vector<uint64_t> RangeSeqs(const log::Core& served,
                                const BeeReadRequest& r) {
  // Sparse: the shadow writes a few blocks and nodes far into its files.
  std::unique_ptr<log::Env> env = log::NewSparseMemEnv();
  RecordingSource source(served);
  log::CoreOptions options;
  options.env = env.get();
  options.durability = log::Durability::kNoSync;
  options.block_source = &source;
  auto shadow = log::Core::CreateReplica("/shadow", served.key(),
                                         served.manifest(), options);
  if (!shadow.ok()) return {};
  source.set_shadow(shadow->get());
  auto up = log::CreateProof(
      served, log::MakeRequest(**shadow, std::nullopt, served.length()));
  if (!up.ok() || !log::ApplyProof(shadow->get(), *up).ok()) return {};
  auto bee = btree::Bee::FromCore(std::move(shadow).value());
  if (!bee.ok()) return {};
  if (auto snapshot = (*bee)->Checkout(r.version); snapshot.ok()) {
    btree::RangeOptions o;
    o.gte = r.gte;
    o.gt = r.gt;
    o.lte = r.lte;
    o.lt = r.lt;
    o.reverse = r.reverse;
    o.limit = r.limit == 0 ? -1
                           : static_cast<int64_t>(std::min<uint64_t>(
                                 r.limit, uint64_t{1} << 62));
    btree::RangeIterator it(*snapshot, o);
    while (true) {
      auto e = it.Next();
      if (!e.ok() || !e->has_value()) break;
    }
  }
  (void)(*bee)->Close();
  return source.seqs();
}

}  // namespace

std::string EncodeBeeRead(const BeeReadMessage& message) {
  std::string out;
  if (const auto* hello = std::get_if<BeeReadHello>(&message)) {
    PutCompactUint(&out, kHello);
    PutCompactUint(&out, hello->version);
  } else if (const auto* r = std::get_if<BeeReadRequest>(&message)) {
    PutCompactUint(&out, kRequest);
    EncodeRequest(*r, &out);
  } else {
    const auto& a = std::get<BeeReadAnswer>(message);
    PutCompactUint(&out, kAnswer);
    PutCompactUint(&out, a.id);
    PutCompactUint(&out, static_cast<uint64_t>(a.result));
    PutCompactUint(&out, a.proofs.size());
    for (const std::string& p : a.proofs) PutBuffer(&out, p);
  }
  return out;
}

Result<BeeReadMessage> DecodeBeeRead(std::string_view payload) {
  Reader in(payload);
  uint64_t type = 0;
  BEE_RETURN_IF_ERROR(in.Uint("type", &type));
  BeeReadMessage m;
  if (type == kHello) {
    BeeReadHello hello;
    BEE_RETURN_IF_ERROR(in.Uint("hello version", &hello.version));
    m = hello;
  } else if (type == kRequest) {
    BEE_ASSIGN_OR_RETURN(m, DecodeRequest(&in));
  } else if (type == kAnswer) {
    BEE_ASSIGN_OR_RETURN(m, DecodeAnswer(&in));
  } else {
    return Malformed("unknown message type " + std::to_string(type));
  }
  BEE_RETURN_IF_ERROR(in.End());
  return m;
}

BeeReadAnswer AnswerRead(const log::Core& core, const BeeReadRequest& request) {
  BeeReadAnswer answer;
  answer.id = request.id;
  if (request.version == 0 || request.version > core.length()) {
    answer.result = BeeReadResult::kRefused;
    return answer;
  }
  const std::set<uint64_t> have(request.have.begin(), request.have.end());
  size_t bytes = 0;
  std::vector<uint64_t> seqs;
  bool complete = true;
  if (request.kind == BeeReadKind::kGet) {
    GetWalk walk =
        WalkGet(core, request.version, request.key, WalkMode::kBrackets);
    seqs = std::move(walk.seqs);
    complete = walk.complete;
  } else {
    seqs = RangeSeqs(core, request);
  }
  for (uint64_t seq : seqs) {
    // Every reader holds the header (its Bee opened on it).
    if (seq == 0 || have.count(seq) > 0) continue;
    log::ProofRequest pr;
    pr.fork = core.fork();
    pr.block = log::ProofRequest::Range{seq, NodesToRoot(seq, request.version)};
    auto proof = log::CreateProof(core, pr);
    if (!proof.ok()) {  // a sparse server lacks it: the reader fetches it
      answer.result = BeeReadResult::kTruncated;
      break;
    }
    std::string encoded = log::EncodeProof(*proof);
    if (answer.proofs.size() == kMaxReadBlocks ||
        bytes + encoded.size() > kMaxReadBytes) {
      answer.result = BeeReadResult::kTruncated;
      break;
    }
    bytes += encoded.size();
    answer.proofs.push_back(std::move(encoded));
  }
  if (!complete) answer.result = BeeReadResult::kTruncated;
  return answer;
}

std::vector<uint64_t> HeldSeqs(const log::Core& replica,
                               const BeeReadRequest& request) {
  if (request.kind == BeeReadKind::kGet) {
    std::vector<uint64_t> held =
        WalkGet(replica, request.version, request.key, WalkMode::kHeld).seqs;
    if (held.size() > kMaxReadHave) held.resize(kMaxReadHave);
    return held;
  }
  // A range: the held blocks of hyperbee's walk, and the held keys of their
  // index levels (our B-tree's seek reads every key of a node it visits).
  std::vector<uint64_t> held;
  std::set<uint64_t> seen;
  auto add = [&](uint64_t seq) {
    if (held.size() < kMaxReadHave && replica.Has(seq) &&
        seen.insert(seq).second) {
      held.push_back(seq);
    }
  };
  for (uint64_t seq : RangeHintSeqs(replica, request)) {
    add(seq);
    if (!replica.Has(seq)) continue;
    auto raw = replica.Get(seq);
    if (!raw.ok()) continue;
    auto block = DecodeNodeBlock(*raw);
    if (!block.ok()) continue;
    for (const IndexLevel& level : block->levels) {
      for (uint64_t key : level.keys) add(key);
    }
  }
  return held;
}

bool LookupHeld(const log::Core& replica, const BeeReadRequest& request) {
  if (request.kind == BeeReadKind::kGet) {
    return WalkGet(replica, request.version, request.key, WalkMode::kHeld)
        .complete;
  }
  const std::vector<uint64_t> seqs = RangeHintSeqs(replica, request);
  if (seqs.empty()) return false;
  for (uint64_t seq : seqs) {
    if (!replica.Has(seq)) return false;
    // Our B-tree's seek reads every key of a node it visits.
    auto raw = replica.Get(seq);
    if (!raw.ok()) return false;
    auto block = DecodeNodeBlock(*raw);
    if (!block.ok()) return false;
    for (const IndexLevel& level : block->levels) {
      for (uint64_t key : level.keys) {
        if (!replica.Has(key)) return false;
      }
    }
  }
  return true;
}

ApplyReadResult ApplyReadAnswer(log::Core* replica,
                                const BeeReadAnswer& answer) {
  ApplyReadResult r;
  auto reject = [&](size_t i, const Status& why) {
    r.rejected++;
    if (r.first_error.ok()) {
      r.first_error =
          why.WithContext("bee/read answer " + std::to_string(answer.id) +
                          ", proof " + std::to_string(i));
    }
  };
  for (size_t i = 0; i < answer.proofs.size(); i++) {
    auto proof = log::DecodeProof(answer.proofs[i]);
    if (!proof.ok()) {
      reject(i, proof.status());
      continue;
    }
    if (!proof->block || proof->upgrade || proof->hash || proof->seek ||
        proof->manifest) {
      reject(i, Status::VerificationFailed("not a lone block proof"));
      continue;
    }
    const uint64_t index = proof->block->index;
    if (index >= replica->length()) {
      reject(i, Status::VerificationFailed("block " + std::to_string(index) +
                                           " is past the signed length " +
                                           std::to_string(replica->length())));
      continue;
    }
    if (replica->Has(index)) {
      r.skipped++;
      continue;
    }
    Status s = log::ApplyProof(replica, *proof);
    if (!s.ok()) {
      reject(i, s.WithContext("block " + std::to_string(index)));
      continue;
    }
    r.applied++;
    r.bytes += proof->block->value.size();
  }
  return r;
}

// ---------------------------------------------------------------------------
// The channel's side

BeeReadExtension::BeeReadExtension(net::ChannelReplicator* channel,
                                   Options options)
    : channel_(channel),
      options_(std::move(options)),
      counters_(options_.counters ? options_.counters
                                  : std::make_shared<BeeReadCounters>()),
      next_(channel->extension_handler()) {}

std::shared_ptr<BeeReadExtension> BeeReadExtension::Attach(
    net::ChannelReplicator* channel, Options options) {
  auto ext = std::make_shared<BeeReadExtension>(channel, std::move(options));
  channel->set_extension_handler(
      [ext](const net::Extension& m) { ext->OnExtension(m); });
  return ext;
}

void BeeReadExtension::Send(const BeeReadMessage& message) {
  channel_->SendExtension(std::string(kBeeReadExtensionName),
                          EncodeBeeRead(message));
}

void BeeReadExtension::SendHello() { Send(BeeReadHello{}); }

uint64_t BeeReadExtension::SendRequest(BeeReadRequest request) {
  request.id = next_id_++;
  outstanding_.insert(request.id);
  counters_->requests_sent++;
  Send(request);
  return request.id;
}

Status BeeReadExtension::last_error() const {
  std::lock_guard<std::mutex> l(error_mu_);
  return last_error_;
}

void BeeReadExtension::OnExtension(const net::Extension& extension) {
  if (extension.name != kBeeReadExtensionName) {
    if (next_) next_(extension);
    return;
  }
  if (extension.message.size() > kMaxReadPayload) {
    Dropped(
        Malformed("a message of " + std::to_string(extension.message.size()) +
                  " bytes (at most " + std::to_string(kMaxReadPayload) + ")"));
    return;
  }
  auto m = DecodeBeeRead(extension.message);
  if (!m.ok()) {
    Dropped(m.status());
    return;
  }
  if (const auto* hello = std::get_if<BeeReadHello>(&*m)) {
    if (hello->version == kBeeReadVersion) peer_speaks_ = true;
  } else if (const auto* r = std::get_if<BeeReadRequest>(&*m)) {
    OnRequest(*r);
  } else {
    OnAnswer(std::get<BeeReadAnswer>(*m));
  }
}

void BeeReadExtension::Dropped(const Status& why) {
  counters_->malformed++;
  if (options_.on_malformed) options_.on_malformed(why);
}

void BeeReadExtension::OnRequest(const BeeReadRequest& request) {
  counters_->requests_received++;
  const log::Core* core = channel_->core();
  if (!options_.answer || core == nullptr) return;
  BeeReadAnswer answer = AnswerRead(*core, request);
  counters_->answers_sent++;
  counters_->proofs_sent += answer.proofs.size();
  Send(answer);
}

void BeeReadExtension::OnAnswer(const BeeReadAnswer& answer) {
  log::Core* core = channel_->core();
  if (outstanding_.erase(answer.id) == 0 || core == nullptr) {
    counters_->answers_ignored++;
    return;
  }
  counters_->answers_received++;
  ApplyReadResult r = ApplyReadAnswer(core, answer);
  counters_->blocks_applied += r.applied;
  counters_->bytes_applied += r.bytes;
  counters_->proofs_rejected += r.rejected;
  if (!r.first_error.ok()) {
    std::lock_guard<std::mutex> l(error_mu_);
    if (last_error_.ok()) last_error_ = r.first_error;
  }
  if (options_.on_answer) options_.on_answer(answer.id, r);
}

}  // namespace bee::remote
