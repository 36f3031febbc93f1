// The messages of a `hypercore/alpha` channel (../shared/spec/PROTOCOL.md
// §6): their types and their compact-encoding codecs. `request` and `data`
// are log::ProofRequest and log::Proof, whose codecs live with the proofs
// (log/proof.h, FORMAT.md §16.1); the rest are defined here.
//
// Every decoder treats its input as hostile: truncated or malformed bytes
// give Corruption naming the message and the field; optional trailing
// fields are read only when bytes remain, and unread trailing bytes are
// skipped (§6.4), as JS does. Unknown flag bits are ignored, except in
// request and data, whose decoders (log/proof.h) refuse them. Decoded
// messages own their bytes. The functions are thread-safe; an
// ExtensionNames belongs to one channel. docs/PROTOCOL.md, "Channel
// messages", has the grammar and what the tests prove.
#ifndef BEE_NET_WIRE_H_
#define BEE_NET_WIRE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "encoding/result.h"
#include "log/crypto.h"
#include "log/proof.h"

namespace bee::net {

// The channel's message types, in registration order (§6.3).
enum class MessageType : uint8_t {
  kSync = 0,
  kRequest = 1,
  kCancel = 2,
  kData = 3,
  kNoData = 4,
  kWant = 5,
  kUnwant = 6,
  kBitfield = 7,
  kRange = 8,
  kExtension = 9,
};
inline constexpr uint64_t kMessageTypes = 10;  // types >= this are ignored

// sync (0): the sender's fork and signed length, and the receiver's length
// as the sender last saw it (§7.2).
struct Sync {
  uint64_t fork = 0;
  uint64_t length = 0;
  uint64_t remote_length = 0;
  bool can_upgrade = false;   // flag 1
  bool uploading = false;     // flag 2
  bool downloading = false;   // flag 4
  bool has_manifest = false;  // flag 8
  bool allow_push = false;    // flag 16
};

// cancel (2): withdraws request `request` (best effort, §7.4.5).
struct Cancel {
  uint64_t request = 0;
};

// noData (4): the responder cannot answer request `request`.
enum class NoDataReason : uint64_t {
  kNone = 0,
  kNotAvailable = 1,
  kInvalidRequest = 2,
};
struct NoData {
  uint64_t request = 0;
  NoDataReason reason = NoDataReason::kNone;
};

// want (5) / unwant (6): "tell me what you have in [start, start+length)".
struct Want {
  uint64_t start = 0;
  uint64_t length = 0;
  bool any = false;  // flag 1 (JS 11 never sends it)
};
struct Unwant {
  uint64_t start = 0;
  uint64_t length = 0;
  bool any = false;
};

// bitfield (7): bit i of [start, start + 32 * words.size()) is bit i % 32
// (LSB first) of words[i / 32]. start is a multiple of 32 when valid.
struct Bitfield {
  uint64_t start = 0;
  std::vector<uint32_t> words;
};

// range (8): the sender has (or, with drop, has cleared) blocks
// [start, start + length). Encoded with flag 2 when length == 1.
struct Range {
  bool drop = false;
  uint64_t start = 0;
  uint64_t length = 0;
};

// extension (9): an application message for extension `name`. On the wire
// an empty name means "the name of the previous extension message on this
// channel" (§6.4); the decoder returns the name as sent and the channel
// resolves it.
struct Extension {
  std::string name;
  std::string message;
};

using Message = std::variant<Sync, log::ProofRequest, Cancel, log::Proof,
                             NoData, Want, Unwant, Bitfield, Range, Extension>;

// The variant's alternatives are in type order.
static_assert(std::variant_size_v<Message> == kMessageTypes);
static_assert(
    std::is_same_v<std::variant_alternative_t<
                       static_cast<size_t>(MessageType::kExtension), Message>,
                   Extension>);

MessageType TypeOf(const Message& message);

// "sync", "request", ... for logs and errors; "unknown" for other types.
const char* MessageName(uint64_t type);

// Appends `uint type ‖ payload` (the part of a Protomux channel message
// after the channel id) to *out.
void EncodeMessage(const Message& message, std::string* out);

// Decodes the payload of a message of type `type` (the bytes after the
// type). NotSupported for a type >= kMessageTypes (the caller ignores it,
// as JS does); Corruption for malformed bytes.
Result<Message> DecodeMessage(uint64_t type, std::string_view payload);

// The extension name rule of one channel (§6.4, §15.1): a sender writes ""
// when the name equals the last one it sent on the channel, and a receiver
// reads "" as the last name it received there. Both directions start empty,
// so an empty first name stays empty (JS then finds no handler and drops
// the message). One per channel; not thread-safe.
class ExtensionNames {
 public:
  // Replaces an empty received name with the last received one, else
  // remembers the name.
  void Received(Extension* extension);
  // Replaces the name with "" when it equals the last one sent, else
  // remembers it. Call on every extension message sent on the channel.
  void Sending(Extension* extension);

 private:
  std::string last_received_;
  std::string last_sent_;
};

// The handshake of a hypercore/alpha `open` (§6.1): `uint flags ‖
// fixed32 capability`, flags bit 0 = seeks.
struct ChannelHandshake {
  bool seeks = true;
  Hash32 capability{};
};
std::string EncodeChannelHandshake(const ChannelHandshake& handshake);
Result<ChannelHandshake> DecodeChannelHandshake(std::string_view bytes);

}  // namespace bee::net

#endif  // BEE_NET_WIRE_H_
