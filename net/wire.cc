// hypercore/alpha channel messages (../shared/spec/PROTOCOL.md §6.4; uint
// is compact-encoding, FORMAT.md §14.3). A message on the wire is
// `uint type ‖ payload`; the payloads:
//
//   sync      (0) := uint flags ‖ uint fork ‖ uint length ‖ uint remoteLength
//                    flags: 1 canUpgrade 2 uploading 4 downloading
//                           8 hasManifest 16 allowPush
//   request   (1) := log/proof.h EncodeRequest (FORMAT.md §16.1)
//   cancel    (2) := uint request
//   data      (3) := log/proof.h EncodeProof (FORMAT.md §16.1)
//   noData    (4) := uint request ‖ (opt) uint flags ‖ (flags&1) uint reason
//   want      (5) := uint start ‖ uint length ‖ (opt) uint flags   (1 any)
//   unwant    (6) := same as want
//   bitfield  (7) := uint start ‖ uint count ‖ count × u32le word
//   range     (8) := uint flags (1 drop, 2 length is 1) ‖ uint start
//                    ‖ (unless flags&2) uint length
//   extension (9) := uint n ‖ n bytes name ‖ message (to the end)
//   handshake     := uint flags (1 seeks) ‖ fixed32 capability   (§6.1)
//
// "(opt)": read only when bytes remain. Bytes after the last field read are
// skipped, as JS does; unknown flag bits are ignored.
#include "net/wire.h"

#include <cstring>

#include "encoding/bytes.h"
#include "encoding/varint.h"
#include "net/internal/reader.h"

namespace bee::net {

namespace {

constexpr uint64_t kSyncCanUpgrade = 1, kSyncUploading = 2,
                   kSyncDownloading = 4, kSyncHasManifest = 8,
                   kSyncAllowPush = 16;
constexpr uint64_t kWantAny = 1;
constexpr uint64_t kNoDataHasReason = 1;
constexpr uint64_t kRangeDrop = 1, kRangeOne = 2;
constexpr uint64_t kHandshakeSeeks = 1;

const char* const kMessageNames[kMessageTypes] = {
    "sync", "request", "cancel",   "data",  "noData",
    "want", "unwant",  "bitfield", "range", "extension"};

using internal::Reader;

// Per type: the encoder and the decoder of its payload.
void Put(const Sync& m, std::string* out) {
  PutCompactUint(out, (m.can_upgrade ? kSyncCanUpgrade : 0) |
                          (m.uploading ? kSyncUploading : 0) |
                          (m.downloading ? kSyncDownloading : 0) |
                          (m.has_manifest ? kSyncHasManifest : 0) |
                          (m.allow_push ? kSyncAllowPush : 0));
  PutCompactUint(out, m.fork);
  PutCompactUint(out, m.length);
  PutCompactUint(out, m.remote_length);
}
Result<Message> GetSync(std::string_view payload) {
  Reader in(payload, "sync");
  Sync m;
  uint64_t flags = 0;
  in.Uint("flags", &flags);
  in.Uint("fork", &m.fork);
  in.Uint("length", &m.length);
  in.Uint("remoteLength", &m.remote_length);
  BEE_RETURN_IF_ERROR(in.status());
  m.can_upgrade = flags & kSyncCanUpgrade;
  m.uploading = flags & kSyncUploading;
  m.downloading = flags & kSyncDownloading;
  m.has_manifest = flags & kSyncHasManifest;
  m.allow_push = flags & kSyncAllowPush;
  return Message(m);
}

void Put(const log::ProofRequest& m, std::string* out) {
  out->append(log::EncodeRequest(m));
}
void Put(const log::Proof& m, std::string* out) {
  out->append(log::EncodeProof(m));
}

void Put(const Cancel& m, std::string* out) { PutCompactUint(out, m.request); }
Result<Message> GetCancel(std::string_view payload) {
  Reader in(payload, "cancel");
  Cancel m;
  in.Uint("request", &m.request);
  BEE_RETURN_IF_ERROR(in.status());
  return Message(m);
}

void Put(const NoData& m, std::string* out) {
  const auto reason = static_cast<uint64_t>(m.reason);
  PutCompactUint(out, m.request);
  PutCompactUint(out, reason != 0 ? kNoDataHasReason : 0);
  if (reason != 0) PutCompactUint(out, reason);
}
Result<Message> GetNoData(std::string_view payload) {
  Reader in(payload, "noData");
  NoData m;
  uint64_t flags = 0, reason = 0;
  in.Uint("request", &m.request);
  if (in.more()) in.Uint("flags", &flags);
  if (flags & kNoDataHasReason) in.Uint("reason", &reason);
  BEE_RETURN_IF_ERROR(in.status());
  m.reason = static_cast<NoDataReason>(reason);
  return Message(m);
}

template <typename W>
void PutWant(const W& m, std::string* out) {
  PutCompactUint(out, m.start);
  PutCompactUint(out, m.length);
  if (m.any) PutCompactUint(out, kWantAny);
}
void Put(const Want& m, std::string* out) { PutWant(m, out); }
void Put(const Unwant& m, std::string* out) { PutWant(m, out); }
template <typename W>
Result<Message> GetWant(std::string_view payload, const char* name) {
  Reader in(payload, name);
  W m;
  uint64_t flags = 0;
  in.Uint("start", &m.start);
  in.Uint("length", &m.length);
  if (in.more()) in.Uint("flags", &flags);
  BEE_RETURN_IF_ERROR(in.status());
  m.any = flags & kWantAny;
  return Message(m);
}

void Put(const Bitfield& m, std::string* out) {
  PutCompactUint(out, m.start);
  PutCompactUint(out, m.words.size());
  for (uint32_t w : m.words) PutFixed32(out, w);
}
Result<Message> GetBitfield(std::string_view payload) {
  Reader in(payload, "bitfield");
  Bitfield m;
  uint64_t count = 0;
  in.Uint("start", &m.start);
  in.Uint("count", &count);
  // The count is checked against the bytes present before anything is
  // allocated for it.
  if (count > in.remaining() / 4) in.Fail("words");
  BEE_RETURN_IF_ERROR(in.status());
  std::string_view words;
  (void)in.Bytes("words", static_cast<size_t>(count) * 4, &words);
  m.words.resize(static_cast<size_t>(count));
  for (size_t i = 0; i < m.words.size(); i++) {
    m.words[i] = DecodeFixed32(words.data() + 4 * i);
  }
  return Message(std::move(m));
}

void Put(const Range& m, std::string* out) {
  PutCompactUint(out,
                 (m.drop ? kRangeDrop : 0) | (m.length == 1 ? kRangeOne : 0));
  PutCompactUint(out, m.start);
  if (m.length != 1) PutCompactUint(out, m.length);
}
Result<Message> GetRange(std::string_view payload) {
  Reader in(payload, "range");
  Range m;
  uint64_t flags = 0;
  in.Uint("flags", &flags);
  in.Uint("start", &m.start);
  if (flags & kRangeOne) {
    m.length = 1;
  } else {
    in.Uint("length", &m.length);
  }
  BEE_RETURN_IF_ERROR(in.status());
  m.drop = flags & kRangeDrop;
  return Message(m);
}

void Put(const Extension& m, std::string* out) {
  PutCompactUint(out, m.name.size());
  out->append(m.name);
  out->append(m.message);
}
Result<Message> GetExtension(std::string_view payload) {
  Reader in(payload, "extension");
  std::string_view name;
  in.Buffer("name", &name);
  BEE_RETURN_IF_ERROR(in.status());
  return Message(Extension{std::string(name), std::string(in.Rest())});
}

// Adds the message name to a codec error from log/proof.
Status InMessage(const char* name, const Status& status) {
  return Status::Corruption(std::string(name) + ": " + status.message());
}

}  // namespace

const char* MessageName(uint64_t type) {
  return type < kMessageTypes ? kMessageNames[type] : "unknown";
}

MessageType TypeOf(const Message& message) {
  return static_cast<MessageType>(message.index());
}

void EncodeMessage(const Message& message, std::string* out) {
  PutCompactUint(out, message.index());
  std::visit([out](const auto& m) { Put(m, out); }, message);
}

Result<Message> DecodeMessage(uint64_t type, std::string_view payload) {
  switch (type) {
    case static_cast<uint64_t>(MessageType::kSync):
      return GetSync(payload);
    case static_cast<uint64_t>(MessageType::kRequest): {
      auto r = log::DecodeRequest(payload, /*allow_trailing=*/true);
      if (!r.ok()) return InMessage("request", r.status());
      return Message(std::move(r).value());
    }
    case static_cast<uint64_t>(MessageType::kCancel):
      return GetCancel(payload);
    case static_cast<uint64_t>(MessageType::kData): {
      auto p = log::DecodeProof(payload, /*allow_trailing=*/true);
      if (!p.ok()) return InMessage("data", p.status());
      return Message(std::move(p).value());
    }
    case static_cast<uint64_t>(MessageType::kNoData):
      return GetNoData(payload);
    case static_cast<uint64_t>(MessageType::kWant):
      return GetWant<Want>(payload, "want");
    case static_cast<uint64_t>(MessageType::kUnwant):
      return GetWant<Unwant>(payload, "unwant");
    case static_cast<uint64_t>(MessageType::kBitfield):
      return GetBitfield(payload);
    case static_cast<uint64_t>(MessageType::kRange):
      return GetRange(payload);
    case static_cast<uint64_t>(MessageType::kExtension):
      return GetExtension(payload);
  }
  return Status::NotSupported("hypercore message type " + std::to_string(type) +
                              " is unknown");
}

std::string EncodeChannelHandshake(const ChannelHandshake& handshake) {
  std::string out;
  PutCompactUint(&out, handshake.seeks ? kHandshakeSeeks : 0);
  out.append(AsChars(handshake.capability));
  return out;
}

Result<ChannelHandshake> DecodeChannelHandshake(std::string_view bytes) {
  Reader in(bytes, "hypercore/alpha handshake");
  ChannelHandshake h;
  uint64_t flags = 0;
  std::string_view capability;
  in.Uint("flags", &flags);
  in.Bytes("capability", h.capability.size(), &capability);
  BEE_RETURN_IF_ERROR(in.status());
  h.seeks = flags & kHandshakeSeeks;
  std::memcpy(h.capability.data(), capability.data(), capability.size());
  return h;
}

void ExtensionNames::Received(Extension* extension) {
  if (extension->name.empty()) {
    extension->name = last_received_;
  } else {
    last_received_ = extension->name;
  }
}

void ExtensionNames::Sending(Extension* extension) {
  if (extension->name == last_sent_) {
    extension->name.clear();
  } else {
    last_sent_ = extension->name;
  }
}

}  // namespace bee::net
