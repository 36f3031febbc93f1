// The hypercore/alpha message codecs (net/wire.h): the examples of
// PROTOCOL.md §6, optional and trailing fields, and hostile input.
#include "net/wire.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "encoding/bytes.h"

namespace bee::net {
namespace {

std::string Unhex(std::string_view hex) {
  auto raw = HexDecode(hex);
  REQUIRE(raw.ok());
  return *raw;
}

// The payload of `message` (its bytes after the type).
std::string Payload(const Message& message) {
  std::string out;
  EncodeMessage(message, &out);
  REQUIRE(!out.empty());
  REQUIRE(static_cast<uint8_t>(out[0]) ==
          static_cast<uint8_t>(TypeOf(message)));
  return out.substr(1);
}

Message Decode(MessageType type, std::string_view hex) {
  auto m = DecodeMessage(static_cast<uint64_t>(type), Unhex(hex));
  REQUIRE(m.ok());
  REQUIRE(TypeOf(*m) == type);
  return *m;
}

// One of each type, with every optional part set somewhere.
std::vector<Message> Samples() {
  log::ProofRequest request;
  request.id = 7;
  request.fork = 1;
  request.block = log::ProofRequestRange{17, 5};
  request.upgrade = log::ProofRequestUpgrade{0, 50};
  request.manifest = true;
  request.priority = 1;
  log::Proof proof;
  proof.request = 7;
  proof.block = log::ProofBlock{17, "block-17", {log::TreeNode{32, 8, {}}}};
  log::ProofUpgrade upgrade;
  upgrade.start = 0;
  upgrade.length = 50;
  upgrade.nodes = {log::TreeNode{31, 256, {}}};
  upgrade.signature = std::string(68, 's');
  proof.upgrade = upgrade;
  return {
      Sync{0, 50, 3, true, true, false, true, false},
      request,
      Cancel{7},
      proof,
      NoData{5, NoDataReason::kNotAvailable},
      Want{0, 1u << 21, false},
      Unwant{32, 64, true},
      Bitfield{0, {0x00020000u, 0x00000100u}},
      Range{true, 17, 1},
      Extension{"hyperbee", std::string("\x03\x08\x01\x10", 4)},
  };
}

TEST_CASE("wire: the examples of PROTOCOL.md §6.4") {
  auto sync = std::get<Sync>(Decode(MessageType::kSync, "0f003200"));
  CHECK((sync.can_upgrade && sync.uploading && sync.downloading &&
         sync.has_manifest && !sync.allow_push));
  CHECK((sync.fork == 0 && sync.length == 50 && sync.remote_length == 0));
  CHECK(HexEncode(Payload(sync)) == "0f003200");

  auto r = std::get<log::ProofRequest>(
      Decode(MessageType::kRequest, "210100110501"));
  CHECK((r.id == 1 && r.fork == 0 && r.block && r.block->index == 17 &&
         r.block->nodes == 5 && r.priority == 1u && !r.upgrade));
  r = std::get<log::ProofRequest>(Decode(MessageType::kRequest, "1801000032"));
  CHECK((r.manifest && r.upgrade && r.upgrade->start == 0 &&
         r.upgrade->length == 50 && !r.block));
  CHECK(HexEncode(Payload(r)) == "1801000032");

  auto no = std::get<NoData>(Decode(MessageType::kNoData, "050101"));
  CHECK((no.request == 5 && no.reason == NoDataReason::kNotAvailable));
  CHECK(HexEncode(Payload(no)) == "050101");
  // reason 0: JS writes flags 0 and no reason.
  CHECK(HexEncode(Payload(NoData{5, NoDataReason::kNone})) == "0500");

  auto want = std::get<Want>(Decode(MessageType::kWant, "00fe00002000"));
  CHECK((want.start == 0 && want.length == 2097152 && !want.any));
  CHECK(HexEncode(Payload(want)) == "00fe00002000");

  auto bits = std::get<Bitfield>(
      Decode(MessageType::kBitfield, "00020000020000010000"));
  CHECK(bits.start == 0);
  CHECK(bits.words == std::vector<uint32_t>{0x00020000u, 0x00000100u});
  CHECK(HexEncode(Payload(bits)) == "00020000020000010000");

  auto range = std::get<Range>(Decode(MessageType::kRange, "000032"));
  CHECK((!range.drop && range.start == 0 && range.length == 50));
  range = std::get<Range>(Decode(MessageType::kRange, "0211"));
  CHECK((range.start == 17 && range.length == 1));
  CHECK(HexEncode(Payload(range)) == "0211");
  CHECK(HexEncode(Payload(Range{true, 3, 9})) == "010309");

  // §15.1: `08 "hyperbee"` then the message to the end.
  auto ext = std::get<Extension>(
      Decode(MessageType::kExtension, "08687970657262656517aabb"));
  CHECK(ext.name == "hyperbee");
  CHECK(ext.message == Unhex("17aabb"));
}

TEST_CASE("wire: the hypercore/alpha handshake (§6.1)") {
  ChannelHandshake h;
  h.seeks = true;
  for (size_t i = 0; i < h.capability.size(); i++) {
    h.capability[i] = static_cast<uint8_t>(i);
  }
  const std::string bytes = EncodeChannelHandshake(h);
  REQUIRE(bytes.size() == 33);
  CHECK(bytes[0] == '\x01');
  auto back = DecodeChannelHandshake(bytes + "trailing");
  REQUIRE(back.ok());
  CHECK(back->seeks);
  CHECK(back->capability == h.capability);
  CHECK(EncodeChannelHandshake(ChannelHandshake{false, {}})[0] == '\0');

  auto short_cap = DecodeChannelHandshake(bytes.substr(0, 32));
  REQUIRE_FALSE(short_cap.ok());
  CHECK(short_cap.status().IsCorruption());
  CHECK(short_cap.status().message().find("capability") != std::string::npos);
  auto empty = DecodeChannelHandshake("");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().message().find("flags") != std::string::npos);
}

TEST_CASE("wire: every sample encodes and decodes back") {
  for (const Message& m : Samples()) {
    const auto type = static_cast<uint64_t>(TypeOf(m));
    CAPTURE(MessageName(type));
    const std::string payload = Payload(m);
    auto back = DecodeMessage(type, payload);
    REQUIRE(back.ok());
    CHECK(Payload(*back) == payload);
  }
}

TEST_CASE("wire: optional trailing fields are read only when bytes remain") {
  auto no = std::get<NoData>(Decode(MessageType::kNoData, "05"));
  CHECK((no.request == 5 && no.reason == NoDataReason::kNone));
  auto want = std::get<Want>(Decode(MessageType::kWant, "0040"));
  CHECK((want.length == 64 && !want.any));
  auto unwant = std::get<Unwant>(Decode(MessageType::kUnwant, "004001"));
  CHECK(unwant.any);
  // A flag announcing a field makes it required.
  auto cut =
      DecodeMessage(static_cast<uint64_t>(MessageType::kNoData), Unhex("0501"));
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.status().ToString().find("noData: reason") != std::string::npos);
}

TEST_CASE("wire: bytes after the last field are skipped") {
  for (const Message& m : Samples()) {
    const auto type = static_cast<uint64_t>(TypeOf(m));
    if (TypeOf(m) == MessageType::kExtension) continue;  // its rest is data
    // noData/want/unwant would read an optional field from the extra bytes
    // when they end before it; end them with their flags so they do not.
    CAPTURE(MessageName(type));
    std::string payload = Payload(m);
    if (TypeOf(m) == MessageType::kWant) payload += '\0';
    auto back = DecodeMessage(type, payload + "\x05\xfd");
    REQUIRE(back.ok());
    CHECK(Payload(*back) == Payload(m));
  }
}

TEST_CASE("wire: every truncation is a clear error or a shorter message") {
  for (const Message& m : Samples()) {
    const auto type = static_cast<uint64_t>(TypeOf(m));
    const std::string name = MessageName(type);
    CAPTURE(name);
    const std::string payload = Payload(m);
    size_t errors = 0;
    for (size_t n = 0; n < payload.size(); n++) {
      CAPTURE(n);
      auto cut = DecodeMessage(type, std::string_view(payload).substr(0, n));
      if (cut.ok()) continue;  // ended before an optional field
      errors++;
      CHECK(cut.status().IsCorruption());
      CHECK(cut.status().message().starts_with(name + ": "));
    }
    CHECK(errors > 0);
  }
}

TEST_CASE("wire: counts larger than the input allocate nothing") {
  // bitfield: 2^32 - 1 words claimed, 4 bytes present.
  auto bits = DecodeMessage(static_cast<uint64_t>(MessageType::kBitfield),
                            Unhex("00feffffffff00000000"));
  REQUIRE_FALSE(bits.ok());
  CHECK(bits.status().ToString() ==
        "Corruption: bitfield: words is truncated or runs past the message");
  // A count of words that fits exactly is fine; one more is not.
  CHECK(DecodeMessage(7, Unhex("000100000000")).ok());
  CHECK_FALSE(DecodeMessage(7, Unhex("0002000000000000ff")).ok());
  // extension: a name longer than the message.
  auto ext = DecodeMessage(static_cast<uint64_t>(MessageType::kExtension),
                           Unhex("ff00000000000000806869"));
  REQUIRE_FALSE(ext.ok());
  CHECK(ext.status().message() ==
        "extension: name is truncated or runs past the message");
  // data: a block value longer than the message (log/proof.h's decoder).
  auto data = DecodeMessage(static_cast<uint64_t>(MessageType::kData),
                            Unhex("01010000fe00000001ab"));
  REQUIRE_FALSE(data.ok());
  CHECK(data.status().message().starts_with("data: "));
}

TEST_CASE("wire: an unknown type is NotSupported, for the caller to ignore") {
  auto m = DecodeMessage(kMessageTypes, "");
  REQUIRE_FALSE(m.ok());
  CHECK(m.status().IsNotSupported());
  CHECK(m.status().message().find("10") != std::string::npos);
  CHECK(std::string(MessageName(12)) == "unknown");
  CHECK(std::string(MessageName(9)) == "extension");
}

TEST_CASE("wire: the extension name rule, per direction") {
  ExtensionNames names;
  Extension first{"", "x"};
  names.Received(&first);  // nothing before: stays empty (JS drops it)
  CHECK(first.name.empty());
  Extension a{"hyperbee", "1"}, b{"", "2"}, c{"other", "3"}, d{"", "4"};
  for (Extension* e : {&a, &b, &c, &d}) names.Received(e);
  CHECK(a.name == "hyperbee");
  CHECK(b.name == "hyperbee");
  CHECK(c.name == "other");
  CHECK(d.name == "other");

  ExtensionNames out;
  std::vector<std::string> sent;
  for (const char* name : {"hyperbee", "hyperbee", "other", "hyperbee"}) {
    Extension e{name, "m"};
    out.Sending(&e);
    sent.push_back(e.name);
  }
  CHECK(sent == std::vector<std::string>{"hyperbee", "", "other", "hyperbee"});
}

}  // namespace
}  // namespace bee::net
