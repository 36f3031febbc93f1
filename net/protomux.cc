// Protomux frames (../shared/spec/PROTOCOL.md §5; uint is compact-encoding,
// FORMAT.md §14.3):
//
//   frame   := uint channel ‖ uint type ‖ payload       (empty: keep-alive)
//   channel 0 (control):
//     batch  (0) := uint channel ‖ item*
//                   item := uint len ‖ (len bytes: uint type ‖ payload)
//                         | 00 ‖ uint channel           (switch channel)
//     open   (1) := uint localId ‖ uint n ‖ n bytes protocol
//                   ‖ uint m ‖ m bytes id (m = 0: none) ‖ handshake (rest)
//     reject (2) := uint remoteId
//     close  (3) := uint localId
//   channel c > 0: a message of the sender's channel c.
//
// Pairing (§5.3): each side opens its channel with its own id; the pair is
// made by (protocol, id). Our table of the peer's ids grows by one at a
// time, as JS's does, so no claimed id makes it allocate.
#include "net/protomux.h"

#include <algorithm>
#include <cassert>

#include "encoding/varint.h"
#include "net/internal/reader.h"

namespace bee::net {

using internal::Reader;

namespace {

// JS counts each buffered message as 512 bytes plus its payload.
constexpr size_t kBufferedOverhead = 512;

std::string Num(uint64_t v) { return std::to_string(v); }

void PutBuffer(std::string* out, std::string_view bytes) {
  PutCompactUint(out, bytes.size());
  out->append(bytes);
}

Result<uint64_t> DecodeOneId(std::string_view payload, const char* message,
                             const char* field) {
  Reader in(payload, message);
  uint64_t id = 0;
  in.Uint(field, &id);
  BEE_RETURN_IF_ERROR(in.status());
  return id;
}

template <typename T>
void Erase(std::deque<T>* list, T value) {
  list->erase(std::remove(list->begin(), list->end(), value), list->end());
}

}  // namespace

void AppendChannelFrame(uint64_t channel, uint64_t type,
                        std::string_view payload, std::string* out) {
  PutCompactUint(out, channel);
  PutCompactUint(out, type);
  out->append(payload);
}

Result<FrameHeader> ParseFrameHeader(std::string_view frame) {
  Reader in(frame, "protomux frame");
  FrameHeader h;
  in.Uint("channel", &h.channel);
  in.Uint("type", &h.type);
  BEE_RETURN_IF_ERROR(in.status());
  h.payload = in.Rest();
  return h;
}

std::string EncodeOpen(const OpenMessage& open) {
  std::string out;
  PutCompactUint(&out, open.local_id);
  PutBuffer(&out, open.protocol);
  PutBuffer(&out, open.id);
  out.append(open.handshake);
  return out;
}

Result<OpenMessage> DecodeOpen(std::string_view payload) {
  Reader in(payload, "open");
  OpenMessage m;
  std::string_view protocol, id;
  in.Uint("localId", &m.local_id);
  in.Buffer("protocol", &protocol);
  in.Buffer("id", &id);
  BEE_RETURN_IF_ERROR(in.status());
  m.protocol.assign(protocol);
  m.id.assign(id);
  m.handshake.assign(in.Rest());
  return m;
}

std::string EncodeReject(const RejectMessage& reject) {
  std::string out;
  PutCompactUint(&out, reject.remote_id);
  return out;
}

Result<RejectMessage> DecodeReject(std::string_view payload) {
  BEE_ASSIGN_OR_RETURN(uint64_t id, DecodeOneId(payload, "reject", "remoteId"));
  return RejectMessage{id};
}

std::string EncodeClose(const CloseMessage& close) {
  std::string out;
  PutCompactUint(&out, close.local_id);
  return out;
}

Result<CloseMessage> DecodeClose(std::string_view payload) {
  BEE_ASSIGN_OR_RETURN(uint64_t id, DecodeOneId(payload, "close", "localId"));
  return CloseMessage{id};
}

std::string EncodeBatch(std::span<const BatchItem> items) {
  std::string out;
  if (items.empty()) return out;
  uint64_t channel = items[0].channel;
  PutCompactUint(&out, channel);
  for (const BatchItem& item : items) {
    assert(!item.body.empty());
    if (item.channel != channel) {
      channel = item.channel;
      out.push_back('\0');
      PutCompactUint(&out, channel);
    }
    PutBuffer(&out, item.body);
  }
  return out;
}

Result<std::vector<BatchItem>> DecodeBatch(std::string_view payload) {
  Reader in(payload, "batch");
  std::vector<BatchItem> items;
  uint64_t channel = 0;
  in.Uint("channel", &channel);
  while (in.more()) {
    uint64_t len = 0;
    in.Uint("item length", &len);
    if (len == 0) {
      in.Uint("switched channel", &channel);
      continue;
    }
    std::string_view body;
    if (len > in.remaining()) in.Fail("item");
    if (!in.Bytes("item", static_cast<size_t>(len), &body)) break;
    items.push_back(BatchItem{channel, body});
  }
  BEE_RETURN_IF_ERROR(in.status());
  return items;
}

// ---------------------------------------------------------------------------
// Mux

// One channel of ours.
struct Mux::Local {
  enum class State {
    kAwaiting,  // our open is sent; the peer's has not arrived
    kPaired,    // both opens seen
    kClosing,   // closed before pairing: the id waits for the peer's answer
  };
  Key key;
  State state = State::kAwaiting;
  ChannelHandler* handler = nullptr;  // null once kClosing
  uint64_t remote_id = 0;             // when kPaired
};

// One channel the peer opened.
struct Mux::Remote {
  Key key;
  uint32_t local = 0;     // our channel it is paired with; 0 = none yet
  bool open = false;      // its handler has had OnOpen: deliver, do not buffer
  std::string handshake;  // until OnOpen
  std::vector<std::pair<uint64_t, std::string>> pending;  // (type, payload)
  size_t pending_bytes = 0;
};

// The opens of one (protocol, id) still waiting for their other half.
struct Mux::Pairing {
  std::deque<uint32_t> outgoing;  // our ids, in the order sent
  std::deque<uint64_t> incoming;  // the peer's accepted ids, not yet opened
};

Mux::Mux() : Mux(Options()) {}
Mux::Mux(Options options) : options_(options) {}
Mux::~Mux() = default;

void Mux::Listen(std::string_view protocol, OpenListener* listener) {
  if (listener == nullptr) {
    if (auto it = listeners_.find(protocol); it != listeners_.end()) {
      listeners_.erase(it);
    }
    return;
  }
  listeners_[std::string(protocol)] = listener;
}

Result<uint32_t> Mux::Open(std::string_view protocol, std::string_view id,
                           std::string_view handshake,
                           ChannelHandler* handler) {
  if (!error_.ok()) return error_;
  Key key{std::string(protocol), std::string(id)};
  size_t slot = local_.size();
  for (size_t i = 0; i < local_.size(); i++) {
    const Local* l = local_[i].get();
    if (l == nullptr) {
      slot = std::min(slot, i);
    } else if (l->key == key && l->state != Local::State::kClosing) {
      return Status::InvalidArgument(
          "a channel for protocol " + std::string(protocol) +
          " and this id is already open (channel " + Num(i + 1) + ")");
    }
  }
  if (slot == local_.size()) local_.emplace_back();
  const auto channel = static_cast<uint32_t>(slot + 1);
  auto local = std::make_unique<Local>();
  local->key = key;
  local->handler = handler;
  Write(0, static_cast<uint64_t>(ControlType::kOpen),
        EncodeOpen(OpenMessage{channel, key.first, key.second,
                               std::string(handshake)}));
  Pairing& pairing = pairing_[key];
  if (pairing.incoming.empty()) {
    pairing.outgoing.push_back(channel);
  } else {
    local->remote_id = pairing.incoming.front();
    local->state = Local::State::kPaired;
    pairing.incoming.pop_front();
    remote_[local->remote_id - 1]->local = channel;
    ready_.push_back(local->remote_id);
    Forget(key);
  }
  local_[slot] = std::move(local);
  if (depth_ == 0) BEE_RETURN_IF_ERROR(RunReady());
  return channel;
}

Status Mux::Reject(std::string_view protocol, std::string_view id) {
  if (!error_.ok()) return error_;
  Key key{std::string(protocol), std::string(id)};
  auto it = pairing_.find(key);
  if (it == pairing_.end()) return Status::OK();
  for (uint64_t remote_id : it->second.incoming) {
    SendReject(remote_id);
    DropRemote(remote_id);
  }
  it->second.incoming.clear();
  Forget(key);
  return Status::OK();
}

Status Mux::Send(uint32_t channel, uint64_t type, std::string_view payload) {
  if (!error_.ok()) return error_;
  if (channel == 0 || channel > local_.size() ||
      local_[channel - 1] == nullptr ||
      local_[channel - 1]->state == Local::State::kClosing) {
    return Status::InvalidArgument("send on channel " + Num(channel) +
                                   ", which is not open");
  }
  Write(channel, type, payload);
  return Status::OK();
}

Status Mux::Close(uint32_t channel) {
  if (!error_.ok()) return error_;
  if (channel == 0 || channel > local_.size() ||
      local_[channel - 1] == nullptr ||
      local_[channel - 1]->state == Local::State::kClosing) {
    return Status::InvalidArgument("close of channel " + Num(channel) +
                                   ", which is not open");
  }
  Local* l = local_[channel - 1].get();
  Write(0, static_cast<uint64_t>(ControlType::kClose),
        EncodeClose(CloseMessage{channel}));
  if (l->state == Local::State::kPaired) {
    DropRemote(l->remote_id);
    FreeLocal(channel);
  } else {
    l->state = Local::State::kClosing;
    l->handler = nullptr;
  }
  return Status::OK();
}

void Mux::Cork() { corked_++; }

void Mux::Uncork() {
  assert(corked_ > 0);
  if (corked_ > 0 && --corked_ == 0) FlushBatch();
}

Status Mux::OnFrame(std::string_view frame) {
  if (!error_.ok()) return error_;
  if (frame.empty()) return Status::OK();
  auto header = ParseFrameHeader(frame);
  if (!header.ok()) return Fail(header.status());
  Status s = Dispatch(header->channel, header->type, header->payload, false);
  if (s.ok()) s = RunReady();
  return s.ok() ? s : Fail(std::move(s));
}

std::vector<std::string> Mux::TakeOutput() {
  std::vector<std::string> out;
  out.swap(output_);
  return out;
}

bool Mux::paired(uint32_t channel) const {
  return channel > 0 && channel <= local_.size() &&
         local_[channel - 1] != nullptr &&
         local_[channel - 1]->state == Local::State::kPaired;
}

Status Mux::Dispatch(uint64_t channel, uint64_t type, std::string_view payload,
                     bool in_batch) {
  if (channel != 0) return OnChannelMessage(channel, type, payload);
  switch (type) {
    case static_cast<uint64_t>(ControlType::kBatch):
      if (in_batch) return Status::Corruption("batch: a batch inside a batch");
      return OnBatch(payload);
    case static_cast<uint64_t>(ControlType::kOpen):
      return OnOpenMessage(payload);
    case static_cast<uint64_t>(ControlType::kReject):
      return OnRejectMessage(payload);
    case static_cast<uint64_t>(ControlType::kClose):
      return OnCloseMessage(payload);
  }
  return Status::OK();  // an unknown control type: ignored, as JS does
}

Status Mux::OnBatch(std::string_view payload) {
  BEE_ASSIGN_OR_RETURN(std::vector<BatchItem> items, DecodeBatch(payload));
  // As JS: the replies to a batch of several messages go out as one batch.
  const bool cork = items.size() > 1;
  if (cork) Cork();
  for (const BatchItem& item : items) {
    std::string_view body = item.body;
    uint64_t type = 0;
    if (!GetCompactUint(&body, &type)) {
      return Status::Corruption("batch: the type of an item on channel " +
                                Num(item.channel) + " is truncated");
    }
    BEE_RETURN_IF_ERROR(Dispatch(item.channel, type, body, true));
    BEE_RETURN_IF_ERROR(RunReady());
  }
  if (cork) Uncork();
  return Status::OK();
}

Status Mux::CheckRemoteId(uint64_t rid) const {
  if (rid == 0) {
    return Status::Corruption("open: channel id 0 is the control channel");
  }
  if (rid > options_.max_remote_channels) {
    return Status::Corruption("open: channel id " + Num(rid) + " is above " +
                              Num(options_.max_remote_channels) +
                              ", the most channels a peer may open");
  }
  if (rid > remote_.size() + 1) {
    return Status::Corruption("open: channel id " + Num(rid) +
                              " skips ids (the peer has used " +
                              Num(remote_.size()) + ")");
  }
  if (rid <= remote_.size() && remote_[rid - 1] != nullptr) {
    return Status::Corruption("open: channel id " + Num(rid) +
                              " is still open");
  }
  return Status::OK();
}

Status Mux::OnOpenMessage(std::string_view payload) {
  BEE_ASSIGN_OR_RETURN(OpenMessage m, DecodeOpen(payload));
  const uint64_t rid = m.local_id;
  BEE_RETURN_IF_ERROR(CheckRemoteId(rid));
  if (rid == remote_.size() + 1) remote_.emplace_back();
  Key key{m.protocol, m.id};
  auto remote = std::make_unique<Remote>();
  remote->key = key;
  remote->handshake = std::move(m.handshake);
  Pairing& pairing = pairing_[key];
  if (pairing.outgoing.empty()) {
    remote_[rid - 1] = std::move(remote);
    pairing.incoming.push_back(rid);
    return AskListener(rid, key);
  }
  const uint32_t channel = pairing.outgoing.front();
  pairing.outgoing.pop_front();
  Forget(key);
  Local* l = local_[channel - 1].get();
  if (l->state == Local::State::kClosing) {
    // We closed it before the peer answered: the id is free now, and what
    // the peer sends on its channel is ignored.
    FreeLocal(channel);
    return Status::OK();
  }
  remote->local = channel;
  l->state = Local::State::kPaired;
  l->remote_id = rid;
  remote_[rid - 1] = std::move(remote);
  return FullyOpen(rid);
}

Status Mux::AskListener(uint64_t rid, const Key& key) {
  bool accepted = false;
  if (auto it = listeners_.find(key.first); it != listeners_.end()) {
    depth_++;
    accepted = it->second->OnRemoteOpen(key.first, key.second);
    depth_--;
  }
  auto it = pairing_.find(key);
  const bool waiting =
      it != pairing_.end() &&
      std::find(it->second.incoming.begin(), it->second.incoming.end(), rid) !=
          it->second.incoming.end();
  if (waiting && !accepted) {
    Erase(&it->second.incoming, rid);
    Forget(key);
    SendReject(rid);
    DropRemote(rid);
  } else if (waiting) {
    // Accepted for later: what the open holds counts as buffered.
    Remote* r = remote_[rid - 1].get();
    const size_t size = key.second.size() + r->handshake.size();
    if (size >
        options_.max_buffered - std::min(buffered_, options_.max_buffered)) {
      return Status::Corruption(
          "open: the peer's opens and messages waiting for us hold more "
          "than " +
          Num(options_.max_buffered) + " bytes (channel " + Num(rid) + ")");
    }
    r->pending_bytes += size;
    buffered_ += size;
  }
  return RunReady();
}

Status Mux::OnRejectMessage(std::string_view payload) {
  BEE_ASSIGN_OR_RETURN(RejectMessage m, DecodeReject(payload));
  Local* l = m.remote_id > 0 && m.remote_id <= local_.size()
                 ? local_[m.remote_id - 1].get()
                 : nullptr;
  if (l == nullptr || l->state == Local::State::kPaired) {
    return Status::Corruption("reject: channel " + Num(m.remote_id) +
                              " of ours awaits no answer");
  }
  const auto channel = static_cast<uint32_t>(m.remote_id);
  const Key key = l->key;
  ChannelHandler* handler = l->handler;
  Erase(&pairing_[key].outgoing, channel);
  Forget(key);
  FreeLocal(channel);
  if (handler != nullptr) {
    depth_++;
    handler->OnClose(channel, /*rejected=*/true);
    depth_--;
  }
  return Status::OK();
}

Status Mux::OnCloseMessage(std::string_view payload) {
  BEE_ASSIGN_OR_RETURN(CloseMessage m, DecodeClose(payload));
  const uint64_t rid = m.local_id;
  // Closes of channels we never saw or closed already are ignored (JS).
  if (rid == 0 || rid > remote_.size() || remote_[rid - 1] == nullptr) {
    return Status::OK();
  }
  Remote* r = remote_[rid - 1].get();
  const uint32_t channel = r->local;
  if (channel == 0) {  // accepted, never opened by us
    Key key = r->key;
    Erase(&pairing_[key].incoming, rid);
    Forget(key);
    DropRemote(rid);
    return Status::OK();
  }
  ChannelHandler* handler = local_[channel - 1]->handler;
  DropRemote(rid);
  FreeLocal(channel);
  depth_++;
  handler->OnClose(channel, /*rejected=*/false);
  depth_--;
  return Status::OK();
}

Status Mux::OnChannelMessage(uint64_t remote_id, uint64_t type,
                             std::string_view payload) {
  if (remote_id > remote_.size()) {
    return Status::Corruption("a message (type " + Num(type) + ") on channel " +
                              Num(remote_id) + ", which the peer never opened");
  }
  Remote* r = remote_[remote_id - 1].get();
  if (r == nullptr) return Status::OK();  // closed since: in flight
  if (!r->open) {
    const size_t size = kBufferedOverhead + payload.size();
    if (size >
        options_.max_buffered - std::min(buffered_, options_.max_buffered)) {
      return Status::Corruption(
          "the peer sent more than " + Num(options_.max_buffered) +
          " bytes on channels not yet paired (channel " + Num(remote_id) + ")");
    }
    r->pending.emplace_back(type, std::string(payload));
    r->pending_bytes += size;
    buffered_ += size;
    return Status::OK();
  }
  const uint32_t channel = r->local;
  depth_++;
  Status s = local_[channel - 1]->handler->OnMessage(channel, type, payload);
  depth_--;
  return s;
}

Status Mux::FullyOpen(uint64_t remote_id) {
  Remote* r = remote_[remote_id - 1].get();
  if (r == nullptr || r->local == 0 || r->open) return Status::OK();
  const uint32_t channel = r->local;
  std::string handshake = std::move(r->handshake);
  auto pending = std::move(r->pending);
  buffered_ -= r->pending_bytes;
  r->pending_bytes = 0;
  r->pending.clear();
  r->open = true;
  depth_++;
  Status s = local_[channel - 1]->handler->OnOpen(channel, handshake);
  depth_--;
  BEE_RETURN_IF_ERROR(s);
  for (const auto& [type, payload] : pending) {
    // The handler may have closed the channel meanwhile.
    r = remote_[remote_id - 1].get();
    if (r == nullptr || r->local != channel) break;
    depth_++;
    s = local_[channel - 1]->handler->OnMessage(channel, type, payload);
    depth_--;
    BEE_RETURN_IF_ERROR(s);
  }
  return Status::OK();
}

Status Mux::RunReady() {
  while (!ready_.empty() && depth_ == 0) {
    const uint64_t remote_id = ready_.front();
    ready_.pop_front();
    Status s = FullyOpen(remote_id);
    if (!s.ok()) return Fail(std::move(s));
  }
  return Status::OK();
}

Status Mux::Fail(Status status) {
  if (error_.ok()) error_ = status;
  return status;
}

void Mux::Write(uint64_t channel, uint64_t type, std::string_view payload) {
  if (corked_ == 0) {
    std::string frame;
    AppendChannelFrame(channel, type, payload, &frame);
    output_.push_back(std::move(frame));
    return;
  }
  if (batch_bytes_ >= options_.max_batch) FlushBatch();
  std::string body;
  PutCompactUint(&body, type);
  body.append(payload);
  batch_bytes_ += body.size();
  batch_.emplace_back(channel, std::move(body));
}

void Mux::FlushBatch() {
  if (batch_.empty()) return;
  std::vector<BatchItem> items;
  items.reserve(batch_.size());
  for (const auto& [channel, body] : batch_) items.push_back({channel, body});
  std::string frame;
  AppendChannelFrame(0, static_cast<uint64_t>(ControlType::kBatch),
                     EncodeBatch(items), &frame);
  output_.push_back(std::move(frame));
  batch_.clear();
  batch_bytes_ = 0;
}

void Mux::FreeLocal(uint32_t channel) { local_[channel - 1].reset(); }

void Mux::DropRemote(uint64_t remote_id) {
  std::unique_ptr<Remote>& r = remote_[remote_id - 1];
  if (r == nullptr) return;
  buffered_ -= r->pending_bytes;
  r.reset();
}

void Mux::SendReject(uint64_t remote_id) {
  Write(0, static_cast<uint64_t>(ControlType::kReject),
        EncodeReject(RejectMessage{remote_id}));
}

void Mux::Forget(const Key& key) {
  auto it = pairing_.find(key);
  if (it != pairing_.end() && it->second.outgoing.empty() &&
      it->second.incoming.empty()) {
    pairing_.erase(it);
  }
}

}  // namespace bee::net
