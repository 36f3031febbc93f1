// Known answers from the recorded JS sessions (../shared/spec/PROTOCOL.md
// §9-10, §14-15; copies in tests/data/protocol/): every plaintext message
// each side sent decodes into Protomux control messages, batch items and
// hypercore messages equal to the session's decoded timeline, and encodes
// back to the same bytes.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "encoding/bytes.h"
#include "encoding/varint.h"
#include "net/protomux.h"
#include "net/wire.h"

namespace bee::net {
namespace {

using nlohmann::json;

const char* const kSessions[] = {
    "sparse-get",    "writer-initiator", "second-get", "live-append",
    "sparse-relay",  "full-download",    "keepalive",  "bee-get",
    "bee-get-noext", "bee-range"};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string DataPath(const std::string& name) {
  return std::string(BEE_TEST_DATA_DIR) + "/protocol/" + name;
}

std::string Unhex(std::string_view hex) {
  auto raw = HexDecode(hex);
  REQUIRE(raw.ok());
  return *raw;
}

// A recorded session: the plaintexts each side sent (from the .flat file)
// and the decoded timeline (from the .json file).
struct Session {
  std::map<std::string, std::string> flat;
  json doc;

  std::vector<std::string> Payloads(char side) const {
    std::vector<std::string> out;
    const std::string prefix(1, side);
    const std::string count = flat.at(prefix + "_payloads");
    const unsigned long n = std::stoul(count, nullptr, 16);
    for (unsigned long i = 0; i < n; i++) {
      const std::string& v = flat.at(prefix + "_payload_" + std::to_string(i));
      out.push_back(v == "-" ? std::string() : Unhex(v));
    }
    return out;
  }
  // The decoded timeline entries of the messages `side` sent, in order.
  std::vector<json> Timeline(char side) const {
    const std::string dir = side == 'i' ? "I>R" : "R>I";
    std::vector<json> out;
    for (const json& e : doc["timeline"]) {
      if (e["kind"] == "message" && e["dir"] == dir) out.push_back(e);
    }
    return out;
  }
};

Session LoadSession(const std::string& name) {
  Session s;
  std::istringstream lines(ReadFile(DataPath("session-" + name + ".flat")));
  std::string key, value;
  while (lines >> key >> value) s.flat[key] = value;
  s.doc = json::parse(ReadFile(DataPath("session-" + name + ".json")));
  return s;
}

std::string Hex(std::string_view bytes) { return HexEncode(bytes); }

void CheckNodes(const std::vector<log::TreeNode>& nodes, const json& j) {
  REQUIRE(nodes.size() == j.size());
  for (size_t i = 0; i < nodes.size(); i++) {
    CHECK(nodes[i].index == j[i]["index"].get<uint64_t>());
    CHECK(nodes[i].size == j[i]["size"].get<uint64_t>());
    CHECK(HexEncode(nodes[i].hash) == j[i]["hash"].get<std::string>());
  }
}

template <typename R>
void CheckRange(const std::optional<R>& r, const json& j, const char* a,
                const char* b, uint64_t R::*fa, uint64_t R::*fb) {
  REQUIRE(r.has_value() == !j.is_null());
  if (!r) return;
  CHECK((*r).*fa == j[a].get<uint64_t>());
  CHECK((*r).*fb == j[b].get<uint64_t>());
}

void CheckRequest(const log::ProofRequest& r, const json& j) {
  using log::ProofRequestRange;
  CHECK(r.id == j["id"].get<uint64_t>());
  CHECK(r.fork == j["fork"].get<uint64_t>());
  CheckRange(r.block, j["block"], "index", "nodes", &ProofRequestRange::index,
             &ProofRequestRange::nodes);
  CheckRange(r.hash, j["hash"], "index", "nodes", &ProofRequestRange::index,
             &ProofRequestRange::nodes);
  CheckRange(r.seek, j["seek"], "bytes", "padding",
             &log::ProofRequestSeek::bytes, &log::ProofRequestSeek::padding);
  CheckRange(r.upgrade, j["upgrade"], "start", "length",
             &log::ProofRequestUpgrade::start,
             &log::ProofRequestUpgrade::length);
  CHECK(r.manifest == j["manifest"].get<bool>());
  CHECK(r.priority.value_or(0) == j["priority"].get<uint64_t>());
}

void CheckProof(const log::Proof& p, const json& j) {
  CHECK(p.request == j["request"].get<uint64_t>());
  CHECK(p.fork == j["fork"].get<uint64_t>());
  REQUIRE(p.block.has_value() == !j["block"].is_null());
  if (p.block) {
    CHECK(p.block->index == j["block"]["index"].get<uint64_t>());
    CHECK(Hex(p.block->value) == j["block"]["value"].get<std::string>());
    CheckNodes(p.block->nodes, j["block"]["nodes"]);
  }
  REQUIRE(p.hash.has_value() == !j["hash"].is_null());
  if (p.hash) {
    CHECK(p.hash->index == j["hash"]["index"].get<uint64_t>());
    CheckNodes(p.hash->nodes, j["hash"]["nodes"]);
  }
  REQUIRE(p.seek.has_value() == !j["seek"].is_null());
  if (p.seek) {
    CHECK(p.seek->bytes == j["seek"]["bytes"].get<uint64_t>());
    CheckNodes(p.seek->nodes, j["seek"]["nodes"]);
  }
  REQUIRE(p.upgrade.has_value() == !j["upgrade"].is_null());
  if (p.upgrade) {
    const json& u = j["upgrade"];
    CHECK(p.upgrade->start == u["start"].get<uint64_t>());
    CHECK(p.upgrade->length == u["length"].get<uint64_t>());
    CheckNodes(p.upgrade->nodes, u["nodes"]);
    CheckNodes(p.upgrade->additional_nodes, u["additionalNodes"]);
    CHECK(Hex(p.upgrade->signature) == u["signature"].get<std::string>());
  }
  // The manifest's fields are FORMAT.md's business; here: present or not,
  // and its signer's key where the timeline has it.
  REQUIRE(p.manifest.has_value() == !j["manifest"].is_null());
  if (p.manifest) {
    const std::string key = j["manifest"]["signers"][0]["publicKey"];
    CHECK(Hex(*p.manifest).find(key) != std::string::npos);
  }
}

// Compares a decoded hypercore message with the timeline's `msg`.
void CheckMessage(const Message& m, const std::string& name, const json& j) {
  CAPTURE(name, j.dump().substr(0, 300));
  REQUIRE(MessageName(static_cast<uint64_t>(TypeOf(m))) == name);
  if (const auto* s = std::get_if<Sync>(&m)) {
    CHECK(s->fork == j["fork"].get<uint64_t>());
    CHECK(s->length == j["length"].get<uint64_t>());
    CHECK(s->remote_length == j["remoteLength"].get<uint64_t>());
    CHECK(s->can_upgrade == j["canUpgrade"].get<bool>());
    CHECK(s->uploading == j["uploading"].get<bool>());
    CHECK(s->downloading == j["downloading"].get<bool>());
    CHECK(s->has_manifest == j["hasManifest"].get<bool>());
    CHECK(s->allow_push == j["allowPush"].get<bool>());
  } else if (const auto* r = std::get_if<log::ProofRequest>(&m)) {
    CheckRequest(*r, j);
  } else if (const auto* p = std::get_if<log::Proof>(&m)) {
    CheckProof(*p, j);
  } else if (const auto* w = std::get_if<Want>(&m)) {
    CHECK(w->start == j["start"].get<uint64_t>());
    CHECK(w->length == j["length"].get<uint64_t>());
    CHECK(w->any == j["any"].get<bool>());
  } else if (const auto* b = std::get_if<Bitfield>(&m)) {
    CHECK(b->start == j["start"].get<uint64_t>());
    REQUIRE(b->words.size() == j["bitfield"].size());
    for (size_t i = 0; i < b->words.size(); i++) {
      CHECK(b->words[i] ==
            std::stoul(j["bitfield"][i].get<std::string>(), nullptr, 16));
    }
  } else if (const auto* g = std::get_if<Range>(&m)) {
    CHECK(g->drop == j["drop"].get<bool>());
    CHECK(g->start == j["start"].get<uint64_t>());
    CHECK(g->length == j["length"].get<uint64_t>());
  } else if (const auto* e = std::get_if<Extension>(&m)) {
    CHECK(e->name == j["name"].get<std::string>());
    CHECK(Hex(e->message) == j["message"].get<std::string>());
  } else {
    FAIL("the sessions hold no " << name << " message");
  }
}

// Decodes `type ‖ payload` of a channel message, checks it against the
// timeline entry and returns the re-encoded bytes.
std::string CheckChannelMessage(uint64_t type, std::string_view payload,
                                const json& entry,
                                std::map<std::string, int>* seen) {
  CHECK(entry["type"].get<uint64_t>() == type);
  auto m = DecodeMessage(type, payload);
  REQUIRE(m.ok());
  CheckMessage(*m, entry["name"], entry["msg"]);
  (*seen)[entry["name"]]++;
  std::string out;
  EncodeMessage(*m, &out);
  return out;
}

void CheckOpen(std::string_view payload, const json& j,
               std::map<std::string, int>* seen) {
  auto open = DecodeOpen(payload);
  REQUIRE(open.ok());
  CHECK(open->local_id == j["localId"].get<uint64_t>());
  CHECK(open->protocol == j["protocol"].get<std::string>());
  CHECK(Hex(open->id) == j["id"].get<std::string>());
  auto handshake = DecodeChannelHandshake(open->handshake);
  REQUIRE(handshake.ok());
  CHECK(handshake->seeks == j["handshake"]["seeks"].get<bool>());
  CHECK(HexEncode(handshake->capability) ==
        j["handshake"]["capability"].get<std::string>());
  CHECK(EncodeChannelHandshake(*handshake) == open->handshake);
  CHECK(EncodeOpen(*open) == payload);
  (*seen)["open"]++;
}

void CheckBatch(std::string_view payload, const json& j,
                std::map<std::string, int>* seen) {
  auto items = DecodeBatch(payload);
  REQUIRE(items.ok());
  REQUIRE(items->size() == j["items"].size());
  for (size_t i = 0; i < items->size(); i++) {
    const BatchItem& item = (*items)[i];
    const json& entry = j["items"][i];
    REQUIRE(entry["mux"] == "message");
    CHECK(item.channel == entry["channel"].get<uint64_t>());
    CHECK(Hex(item.body) == entry["batchItemRaw"].get<std::string>());
    std::string_view body = item.body;
    uint64_t type = 0;
    REQUIRE(GetCompactUint(&body, &type));
    CHECK(CheckChannelMessage(type, body, entry, seen) == item.body);
  }
  CHECK(EncodeBatch(*items) == payload);
  (*seen)["batch"]++;
}

void CheckFrame(const std::string& frame, const json& entry,
                std::map<std::string, int>* seen) {
  CHECK(Hex(frame) == entry["plain"].get<std::string>());
  REQUIRE(entry["mux"].size() == 1);
  const json& j = entry["mux"][0];
  if (frame.empty()) {
    CHECK(j["mux"].get<std::string>().starts_with("keepalive"));
    (*seen)["keepalive"]++;
    return;
  }
  auto header = ParseFrameHeader(frame);
  REQUIRE(header.ok());
  std::string again;
  if (header->channel != 0) {
    REQUIRE(j["mux"] == "message");
    CHECK(header->channel == j["channel"].get<uint64_t>());
    PutCompactUint(&again, header->channel);
    again += CheckChannelMessage(header->type, header->payload, j, seen);
    CHECK(again == frame);
  } else if (header->type == static_cast<uint64_t>(ControlType::kOpen)) {
    REQUIRE(j["mux"] == "open");
    CheckOpen(header->payload, j, seen);
  } else {
    REQUIRE(header->type == static_cast<uint64_t>(ControlType::kBatch));
    REQUIRE(j["mux"] == "batch");
    CheckBatch(header->payload, j, seen);
  }
}

TEST_CASE(
    "session vectors: every plaintext decodes as the timeline says and "
    "encodes back byte for byte") {
  std::map<std::string, int> seen;
  size_t frames = 0;
  for (const char* name : kSessions) {
    Session s = LoadSession(name);
    for (char side : {'i', 'r'}) {
      CAPTURE(name, side);
      auto payloads = s.Payloads(side);
      auto timeline = s.Timeline(side);
      REQUIRE(payloads.size() == timeline.size());
      for (size_t i = 0; i < payloads.size(); i++) {
        CAPTURE(i);
        CheckFrame(payloads[i], timeline[i], &seen);
        frames++;
      }
    }
  }
  // Every kind the sessions hold was met (nothing skipped silently).
  CHECK(frames == 564);
  for (const char* kind : {"open", "batch", "keepalive", "sync", "request",
                           "data", "want", "bitfield", "range", "extension"}) {
    CAPTURE(kind);
    CHECK(seen[kind] > 0);
  }
  CHECK(seen["open"] == 20);
  CHECK(seen["data"] == 237);
  CHECK(seen["request"] == 237);
}

// PROTOCOL.md §15.1: on the writer side of session-bee-scan, the first
// extension message names "hyperbee" and the next 16 send "". Only the
// compact transcript has them (its JSON lines carry the name as sent).
TEST_CASE("session vectors: the extension's empty name means the last one") {
  std::istringstream lines(ReadFile(DataPath("session-bee-scan.txt")));
  std::string line, dir;
  ExtensionNames received, sent;
  std::vector<std::string> wire_names;
  for (std::string prev; std::getline(lines, line); prev = line) {
    const std::string marker = "type 9 extension ";
    const size_t at = line.find(marker);
    if (at == std::string::npos || prev.find(" R>I ") == std::string::npos) {
      continue;
    }
    json j = json::parse(line.substr(at + marker.size()));
    const std::string message = Unhex(j["message"].get<std::string>());
    // The message as the writer sent it: its name as on the wire.
    std::string frame = "\x01";  // channel 1
    EncodeMessage(Extension{j["name"], message}, &frame);
    const std::string wire_hex = prev.substr(prev.find("wire: ") + 6);
    CHECK(Hex(frame).starts_with(wire_hex.substr(0, wire_hex.find("..."))));

    auto m = DecodeMessage(9, std::string_view(frame).substr(2));
    REQUIRE(m.ok());
    Extension ext = std::get<Extension>(*m);
    received.Received(&ext);
    CHECK(ext.name == "hyperbee");
    Extension again{"hyperbee", message};
    sent.Sending(&again);
    CHECK(again.name == j["name"].get<std::string>());
    wire_names.push_back(j["name"]);
  }
  REQUIRE(wire_names.size() == 17);
  CHECK(wire_names[0] == "hyperbee");
  CHECK(std::set<std::string>(wire_names.begin() + 1, wire_names.end()) ==
        std::set<std::string>{""});
}

}  // namespace
}  // namespace bee::net
