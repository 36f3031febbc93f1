#include "net/replicator.h"

#include <algorithm>
#include <utility>

#include "log/crypto.h"

namespace bee::net {
namespace {

constexpr uint64_t kPageBits = 32768;  // blocks a page of remote bits covers
constexpr uint64_t kPageWords = kPageBits / 32;
// JS asks for availability in segments of 2^21 blocks (§7.6).
constexpr uint64_t kWantSegment = uint64_t{1} << 21;
// Blocks Pump looks at past the first missing one, per call, so a peer
// that lacks a long run cannot make each call walk all of it.
constexpr uint64_t kScanLimit = 4096;

std::string Num(uint64_t v) { return std::to_string(v); }

Status PeerFault(const std::string& what) {
  return Status::Corruption("peer: " + what);
}

}  // namespace

ChannelReplicator::ChannelReplicator(log::Core* core, MessageSink* sink,
                                     Options options)
    : core_(core), sink_(sink), options_(options) {
  if (core_ != nullptr) key_ = core_->key();
}

ChannelReplicator::ChannelReplicator(const Hash32& key, CoreFactory factory,
                                     MessageSink* sink, Options options)
    : core_(nullptr),
      key_(key),
      factory_(std::move(factory)),
      sink_(sink),
      options_(options) {}

// ---------------------------------------------------------------------------
// Announcing

uint64_t ChannelReplicator::LocalContiguous() {
  return core_ == nullptr ? 0 : core_->contiguous_length();
}

void ChannelReplicator::SendSync() {
  Sync sync;
  if (core_ != nullptr) {
    sync.fork = core_->fork();
    sync.length = core_->length();
    sync.has_manifest = !core_->manifest().empty();
  }
  const bool same_fork = remote_.fork == sync.fork;
  sync.remote_length = same_fork ? remote_.length : 0;
  // "My tree extends what you have": only claimed when it is ours that
  // the peer would upgrade to, on the same fork.
  sync.can_upgrade =
      sync.length > 0 &&
      (remote_.length == 0 || (same_fork && sync.length > remote_.length));
  sync.uploading = true;
  // Set always: a JS peer closes a channel as idle when neither side says
  // it is downloading, and a server wants its readers to stay.
  sync.downloading = true;
  if (last_sync_ && last_sync_->fork == sync.fork &&
      last_sync_->length == sync.length &&
      last_sync_->remote_length == sync.remote_length &&
      last_sync_->can_upgrade == sync.can_upgrade &&
      last_sync_->has_manifest == sync.has_manifest) {
    return;
  }
  last_sync_ = sync;
  sink_->Send(sync);
}

void ChannelReplicator::OnOpen() {
  opened_ = true;
  sink_->Cork();
  SendSync();
  const uint64_t contiguous = LocalContiguous();
  if (contiguous > 0) {
    sink_->Send(Range{false, 0, contiguous});
    announced_contiguous_ = contiguous;
  }
  sink_->Uncork();
  Pump();
}

void ChannelReplicator::OnLocalChange() {
  if (!opened_ || core_ == nullptr) return;
  sink_->Cork();
  const uint64_t length = core_->length();
  if (announced_contiguous_ > length) {
    // Truncated: the blocks past the new length are gone.
    sink_->Send(Range{true, length, announced_contiguous_ - length});
    announced_contiguous_ = length;
  }
  const uint64_t contiguous = LocalContiguous();
  if (contiguous > announced_contiguous_) {
    sink_->Send(Range{false, 0, contiguous});
    announced_contiguous_ = contiguous;
  }
  SendSync();
  sink_->Uncork();
  Pump();
}

void ChannelReplicator::Ping() {
  if (!opened_) return;
  stats_.pings_sent++;
  sink_->Send(Want{0, kWantSegment, false});
}

void ChannelReplicator::SendExtension(std::string name, std::string message,
                                      bool awaits_answer) {
  // A hint's wave is counted only through the requests its answer causes:
  // a reader that never waits for the answer (everything was held) has
  // made no round trip for it.
  if (awaits_answer && core_ != nullptr && core_->length() > 0) {
    hint_wave_ = std::max(hint_wave_, answered_wave_ + 1);
  }
  sink_->Send(Extension{std::move(name), std::move(message)});
}

// ---------------------------------------------------------------------------
// Receiving

Status ChannelReplicator::OnMessage(const Message& message) {
  return std::visit(
      [this](const auto& m) -> Status {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Sync>) {
          return OnSync(m);
        } else if constexpr (std::is_same_v<T, log::ProofRequest>) {
          return OnRequest(m);
        } else if constexpr (std::is_same_v<T, Cancel>) {
          return Status::OK();  // answers are sent at once; nothing queued
        } else if constexpr (std::is_same_v<T, log::Proof>) {
          return OnData(m);
        } else if constexpr (std::is_same_v<T, NoData>) {
          return OnNoData(m);
        } else if constexpr (std::is_same_v<T, Want>) {
          OnWant(m);
          return Status::OK();
        } else if constexpr (std::is_same_v<T, Unwant>) {
          return Status::OK();
        } else if constexpr (std::is_same_v<T, Bitfield>) {
          return OnBitfield(m);
        } else if constexpr (std::is_same_v<T, Range>) {
          return OnRange(m);
        } else {
          static_assert(std::is_same_v<T, Extension>);
          // An answer to what was sent so far (a hint's `cache`).
          answered_wave_ = std::max(answered_wave_, hint_wave_);
          if (extension_handler_) extension_handler_(m);
          return Status::OK();
        }
      },
      message);
}

Status ChannelReplicator::OnSync(const Sync& sync) {
  const bool changed = !remote_.synced || remote_.fork != sync.fork ||
                       remote_.length != sync.length;
  remote_.synced = true;
  if (remote_.fork != sync.fork) {
    // A new fork: what the peer announced before may be gone.
    remote_.contiguous = 0;
    remote_pages_.clear();
  }
  remote_.fork = sync.fork;
  remote_.length = sync.length;
  remote_.remote_length = sync.remote_length;
  remote_.can_upgrade = sync.can_upgrade;
  remote_.uploading = sync.uploading;
  remote_.downloading = sync.downloading;
  remote_.has_manifest = sync.has_manifest;
  if (want_end_ == kPeerLength) want_end_ = sync.length;
  // The peer moved to another fork (its writer truncated) after we verified
  // a length of the old one: ApplyProof does not reorganise forks, so the
  // download cannot go on; say so rather than wait.
  if (downloading_ && download_status_.ok() && core_ != nullptr &&
      core_->length() > 0 && sync.fork != core_->fork()) {
    download_status_ = Status::Unavailable(
        "peer moved to fork " + Num(sync.fork) +
        " (its log was truncated); "
        "this replica holds fork " +
        Num(core_->fork()) + " and cannot follow a new fork");
  }
  // Echo the peer's length: a JS reader upgrades only from a peer whose
  // sync shows the reader's current length (§7.2).
  if (changed && opened_) SendSync();
  Pump();
  return Status::OK();
}

Status ChannelReplicator::OnRequest(const log::ProofRequest& request) {
  auto no_data = [&](NoDataReason reason) {
    stats_.no_data_sent++;
    sink_->Send(NoData{request.id, reason});
    return Status::OK();
  };
  if (core_ == nullptr) return no_data(NoDataReason::kNotAvailable);
  auto proof = log::CreateProof(*core_, request);
  if (proof.ok()) {
    stats_.requests_answered++;
    sink_->Send(std::move(proof).value());
    return Status::OK();
  }
  // log/proof.h maps each refusal to its noData reason.
  if (proof.status().IsInvalidArgument()) {
    stats_.invalid_requests++;
    if (stats_.invalid_requests >= options_.max_invalid_requests) {
      return PeerFault(
          "sent " + Num(stats_.invalid_requests) +
          " invalid requests; the last: " + proof.status().ToString());
    }
    return no_data(NoDataReason::kInvalidRequest);
  }
  // Another fork, a block not held, seek, or local damage: none of it is
  // the peer's fault. The manifest is still sent when asked for (§7.4.1).
  if (auto manifest_only = log::ManifestOnlyProof(*core_, request)) {
    stats_.requests_answered++;
    sink_->Send(std::move(*manifest_only));
    return Status::OK();
  }
  return no_data(NoDataReason::kNotAvailable);
}

void ChannelReplicator::OnWant(const Want& want) {
  if (core_ == nullptr) return;
  const uint64_t length = core_->length();
  const uint64_t contiguous = LocalContiguous();
  // A log held whole answers every want with its range, even an empty one
  // or a want past its length (as JS does): a peer's Ping always has an
  // answer.
  if (contiguous == length) {
    sink_->Send(Range{false, 0, contiguous});
    return;
  }
  if (want.start >= length) return;
  const uint64_t end =
      want.length > length - want.start ? length : want.start + want.length;
  if (end <= contiguous) {
    if (contiguous > 0) sink_->Send(Range{false, 0, contiguous});
    return;
  }
  // A bitfield per segment, word-aligned, clipped to our length.
  uint64_t start = want.start & ~uint64_t{31};
  while (start < end) {
    const uint64_t seg_end =
        std::min(end, (start / kWantSegment + 1) * kWantSegment);
    Bitfield bitfield;
    bitfield.start = start;
    bitfield.words.resize((seg_end - start + 31) / 32);
    if (!core_->HeldBitfield(start, bitfield.words).ok()) return;
    // Bits past seg_end (the last word's tail) are not part of the answer.
    if ((seg_end - start) % 32 != 0) {
      bitfield.words.back() &= (uint32_t{1} << ((seg_end - start) % 32)) - 1;
    }
    bool any = false;
    for (uint32_t w : bitfield.words) any |= w != 0;
    if (any) sink_->Send(std::move(bitfield));
    start = seg_end;
  }
}

void ChannelReplicator::MarkRemote(uint64_t start, uint64_t length, bool has) {
  const uint64_t end = start + length;  // REQUIRES: no overflow
  if (!has) {
    if (start < remote_.contiguous) {
      // Blocks past start are no longer known; keep the prefix.
      const uint64_t old = remote_.contiguous;
      remote_.contiguous = start;
      MarkRemote(std::min(end, old), old - std::min(end, old), true);
    }
  }
  for (uint64_t i = std::max(start, has ? remote_.contiguous : start);
       i < end;) {
    const uint64_t page = i / kPageBits;
    auto it = remote_pages_.find(page);
    if (it == remote_pages_.end()) {
      if (!has) {
        i = (page + 1) * kPageBits;
        continue;
      }
      if ((remote_pages_.size() + 1) * kPageWords * 4 >
          options_.max_bitfield_bytes) {
        return;  // over budget: the rest stays unknown (we ask again)
      }
      it = remote_pages_.emplace(page, std::vector<uint32_t>(kPageWords)).first;
    }
    const uint64_t page_end = std::min(end, (page + 1) * kPageBits);
    for (; i < page_end; i++) {
      const uint64_t bit = i % kPageBits;
      const uint32_t mask = uint32_t{1} << (bit % 32);
      if (has) {
        it->second[bit / 32] |= mask;
      } else {
        it->second[bit / 32] &= ~mask;
      }
    }
  }
  // Fold pages into the contiguous prefix where they now continue it.
  while (true) {
    const uint64_t page = remote_.contiguous / kPageBits;
    auto it = remote_pages_.find(page);
    if (it == remote_pages_.end()) break;
    uint64_t i = remote_.contiguous;
    const uint64_t page_end = (page + 1) * kPageBits;
    while (i < page_end) {
      const uint64_t bit = i % kPageBits;
      if (!(it->second[bit / 32] & (uint32_t{1} << (bit % 32)))) break;
      i++;
    }
    remote_.contiguous = i;
    if (i < page_end) break;
    remote_pages_.erase(it);
  }
}

bool ChannelReplicator::RemoteHas(uint64_t index) const {
  if (index < remote_.contiguous) return true;
  auto it = remote_pages_.find(index / kPageBits);
  if (it == remote_pages_.end()) return false;
  const uint64_t bit = index % kPageBits;
  return it->second[bit / 32] & (uint32_t{1} << (bit % 32));
}

Status ChannelReplicator::OnRange(const Range& range) {
  if (range.length > ~uint64_t{0} - range.start) {
    return PeerFault("range " + Num(range.start) + "+" + Num(range.length) +
                     " overflows");
  }
  if (!range.drop && range.start <= remote_.contiguous) {
    remote_.contiguous =
        std::max(remote_.contiguous, range.start + range.length);
    MarkRemote(remote_.contiguous, 0, true);  // fold pages it now reaches
  } else {
    MarkRemote(range.start, range.length, !range.drop);
  }
  Pump();
  return Status::OK();
}

Status ChannelReplicator::OnBitfield(const Bitfield& bitfield) {
  if (bitfield.start % 32 != 0) return Status::OK();  // JS ignores these
  for (size_t w = 0; w < bitfield.words.size(); w++) {
    uint32_t word = bitfield.words[w];
    if (bitfield.start > ~uint64_t{0} - 32 * (w + 1)) break;  // hostile
    const uint64_t base = bitfield.start + 32 * w;
    while (word != 0) {
      const uint32_t b = static_cast<uint32_t>(__builtin_ctz(word));
      // Runs of set bits become one MarkRemote each.
      uint32_t e = b;
      while (e < 32 && (word & (uint32_t{1} << e))) e++;
      MarkRemote(base + b, e - b, true);
      word &= e == 32 ? 0 : ~((uint32_t{1} << e) - 1);
    }
  }
  Pump();
  return Status::OK();
}

// ---------------------------------------------------------------------------
// Downloading

void ChannelReplicator::Download(uint64_t start, uint64_t end) {
  downloading_ = true;
  want_start_ = start;
  want_end_ = end == kPeerLength && remote_.synced ? remote_.length : end;
  cursor_ = start;
  download_status_ = Status::OK();
  if (opened_) Pump();
}

void ChannelReplicator::DownloadBlocks(std::span<const uint64_t> blocks) {
  for (uint64_t b : blocks) {
    if (core_ == nullptr || !core_->Has(b)) wanted_blocks_.insert(b);
  }
  if (opened_) Pump();
}

bool ChannelReplicator::done() const {
  if (!downloading_ || want_end_ == kLive || want_end_ == kPeerLength ||
      core_ == nullptr) {
    return false;
  }
  return core_->length() >= want_end_ && cursor_ >= want_end_;
}

uint64_t ChannelReplicator::NextId() {
  if (!free_ids_.empty()) {
    uint64_t id = free_ids_.back();
    free_ids_.pop_back();
    return id;
  }
  return next_id_++;
}

void ChannelReplicator::Request(log::ProofRequest request, Pending pending) {
  request.id = NextId();
  pending.fork = request.fork;
  if (core_ != nullptr && core_->length() > 0) {
    pending.wave = answered_wave_ + 1;
    stats_.round_trips = std::max(stats_.round_trips, pending.wave);
  }
  if (pending.block) block_inflight_[*pending.block] = request.id;
  if (pending.upgrade) upgrade_inflight_ = true;
  inflight_[request.id] = pending;
  stats_.requests_sent++;
  sink_->Send(request);
}

bool ChannelReplicator::Requestable(uint64_t index) const {
  return index < core_->length() && !core_->Has(index) &&
         !block_inflight_.count(index) && RemoteHas(index);
}

size_t ChannelReplicator::RequestBlocks(std::span<const uint64_t> blocks) {
  if (core_ == nullptr) return 0;
  size_t taken = 0;
  for (uint64_t index : blocks) {
    if (!Requestable(index) || listed_queued_.count(index) ||
        listed_.size() >= kMaxListedQueue) {
      stats_.listed_skipped++;
      continue;
    }
    listed_.push_back(index);
    listed_queued_.insert(index);
    taken++;
  }
  PumpListed();
  return taken;
}

void ChannelReplicator::PumpListed() {
  if (!opened_ || core_ == nullptr || !remote_.synced ||
      remote_.fork != core_->fork()) {
    return;
  }
  while (!listed_.empty() && inflight_.size() < options_.max_inflight) {
    const uint64_t index = listed_.front();
    listed_.pop_front();
    listed_queued_.erase(index);
    if (!Requestable(index)) continue;  // arrived or requested meanwhile
    stats_.listed_requested++;
    Pending pending{index, false, false, 0};
    pending.listed = true;
    Request(log::MakeRequest(*core_, index, 0), pending);
  }
}

void ChannelReplicator::Pump() {
  PumpDownload();
  // Listed blocks (a hint's, best effort) take only the slots the download
  // and the blocks reads wait for leave: a long list, or a lying server's
  // thousands, never delays a read's own requests.
  PumpListed();
}

void ChannelReplicator::PumpDownload() {
  if (!opened_ || !downloading_ || !remote_.synced || !download_status_.ok() ||
      !remote_.uploading) {
    return;
  }
  if (core_ == nullptr) {
    // Nothing yet but the key: ask for the manifest (and the signed
    // length with it) first.
    if (inflight_.empty()) {
      log::ProofRequest request;
      request.fork = remote_.fork;
      request.manifest = remote_.has_manifest;
      if (remote_.length > 0) {
        request.upgrade = log::ProofRequest::Upgrade{0, remote_.length};
      }
      if (!request.manifest && !request.upgrade) return;  // nothing to get
      Request(std::move(request),
              Pending{std::nullopt, request.upgrade.has_value(), true, 0});
    }
    return;
  }
  const uint64_t length = core_->length();
  // Upgrade first: blocks are requested against a signed length.
  if (!upgrade_inflight_ && remote_.length > length && remote_.can_upgrade &&
      (length == 0 ||
       (remote_.fork == core_->fork() && remote_.remote_length == length)) &&
      inflight_.size() < options_.max_inflight) {
    log::ProofRequest request =
        log::MakeRequest(*core_, std::nullopt, remote_.length);
    request.fork = remote_.fork;
    Request(std::move(request), Pending{std::nullopt, true, false, 0});
  }
  if (remote_.fork != core_->fork()) return;
  const uint64_t end = std::min(want_end_, length);
  while (cursor_ < end && core_->Has(cursor_)) cursor_++;
  uint64_t scanned = 0;
  for (uint64_t i = cursor_;
       i < end && inflight_.size() < options_.max_inflight &&
       scanned < kScanLimit;
       i++, scanned++) {
    if (block_inflight_.count(i) || core_->Has(i)) continue;
    RequestBlock(i);
  }
  PumpBlocks(length);
}

void ChannelReplicator::PumpBlocks(uint64_t length) {
  for (auto it = wanted_blocks_.begin();
       it != wanted_blocks_.end() &&
       inflight_.size() < options_.max_inflight;) {
    const uint64_t i = *it;
    if (core_->Has(i)) {
      it = wanted_blocks_.erase(it);
      continue;
    }
    if (i >= length) break;  // sorted: the rest wait for an upgrade too
    if (!block_inflight_.count(i)) RequestBlock(i);
    ++it;
  }
}

void ChannelReplicator::RequestBlock(uint64_t i) {
  if (!RemoteHas(i)) {
    const uint64_t segment = i / kWantSegment;
    if (!wanted_segments_.count(segment)) {
      wanted_segments_[segment] = true;
      sink_->Send(Want{segment * kWantSegment, kWantSegment, false});
    }
    return;
  }
  log::ProofRequest request = log::MakeRequest(*core_, i, 0);
  Request(std::move(request), Pending{i, false, false, 0});
}

Status ChannelReplicator::OnData(const log::Proof& proof) {
  auto it = inflight_.find(proof.request);
  if (proof.request == 0 || it == inflight_.end()) {
    return Status::OK();  // unsolicited or cancelled: ignored, as JS does
  }
  const Pending pending = it->second;
  inflight_.erase(it);
  free_ids_.push_back(proof.request);
  answered_wave_ = std::max(answered_wave_, pending.wave);
  if (pending.block) block_inflight_.erase(*pending.block);
  if (pending.upgrade) upgrade_inflight_ = false;

  const std::string what = "data for request " + Num(proof.request);
  if (proof.fork != pending.fork) {
    return PeerFault(what + " is for fork " + Num(proof.fork) +
                     ", the request was for fork " + Num(pending.fork));
  }
  if (pending.block.has_value() != proof.block.has_value() ||
      (pending.block && proof.block->index != *pending.block)) {
    return PeerFault(what +
                     (pending.block ? " (block " + Num(*pending.block) + ")"
                                    : std::string(" (no block)")) +
                     (proof.block ? " carries block " + Num(proof.block->index)
                                  : std::string(" carries no block")));
  }
  if (proof.hash || proof.seek) {
    return PeerFault(what + " carries a hash or seek proof nobody asked for");
  }
  if (proof.upgrade && !pending.upgrade) {
    return PeerFault(what + " carries an upgrade nobody asked for");
  }
  if (pending.upgrade && !proof.upgrade) {
    return PeerFault(what + " lacks the upgrade it was asked for");
  }
  if (core_ == nullptr) {
    std::string manifest;
    if (proof.manifest) {
      manifest = *proof.manifest;
      if (log::ManifestHash(manifest) != key_) {
        return PeerFault(what +
                         " carries a manifest that does not hash to "
                         "the core key");
      }
    } else if (remote_.has_manifest) {
      return PeerFault(what + " lacks the manifest it was asked for");
    }
    // Without a manifest the key is the signer's (a compat core).
    auto core = factory_(manifest);
    if (!core.ok()) return core.status();
    core_ = *core;
  }
  const uint64_t old_length = core_->length();
  Status s = log::ApplyProof(core_, proof);
  if (!s.ok()) {
    if (s.IsVerificationFailed() || s.IsCorruption() || s.IsInvalidArgument()) {
      return PeerFault(what + " does not verify: " + s.ToString());
    }
    return s;  // ours (e.g. the disk): the caller reports it as such
  }
  if (proof.block) {
    stats_.blocks_received++;
    stats_.bytes_received += proof.block->value.size();
  }
  if (proof.upgrade) stats_.upgrades_received++;
  if (core_->length() != old_length || proof.block) OnLocalChange();
  Pump();
  return Status::OK();
}

Status ChannelReplicator::OnNoData(const NoData& no_data) {
  auto it = inflight_.find(no_data.request);
  if (it == inflight_.end()) return Status::OK();
  const Pending pending = it->second;
  inflight_.erase(it);
  free_ids_.push_back(no_data.request);
  answered_wave_ = std::max(answered_wave_, pending.wave);
  if (pending.block) block_inflight_.erase(*pending.block);
  if (pending.upgrade) upgrade_inflight_ = false;
  const std::string reason = no_data.reason == NoDataReason::kInvalidRequest
                                 ? "invalid request"
                                 : "not available";
  // The first reason the download stopped is the one reported.
  if (pending.listed) {
    // A hinted block: best effort, the download does not depend on it.
    MarkRemote(*pending.block, 1, false);
  } else if (pending.block) {
    // The peer announced the block, then had none: forget the claim.
    MarkRemote(*pending.block, 1, false);
    if (download_status_.ok()) {
      download_status_ = Status::Unavailable(
          "peer has no block " + Num(*pending.block) + " (" + reason + ")");
    }
  } else if (download_status_.ok()) {
    download_status_ =
        Status::Unavailable("peer refused to prove its length " +
                            Num(remote_.length) + " (" + reason + ")");
  }
  PumpListed();
  return Status::OK();
}

}  // namespace bee::net
