// Known answers from recorded replication sessions between real JS
// hypercore 11 peers (tests/data/protocol/, copies of
// ../shared/spec/protocol/session-*.json; PROTOCOL.md §9-10): every request
// a JS reader sent, answered by CreateProof from a log holding the same
// blocks, encodes to the bytes of the `data` the JS server answered with;
// our replica accepts every recorded `data`; the capabilities and the
// sparse server's bitfield words are the recorded ones.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "encoding/varint.h"
#include "log/proof.h"
#include "tests/util/fault_env.h"
#include "tests/util/vectors.h"

namespace bee::log {
namespace {

using nlohmann::json;
using test::Unhex;

// The sessions whose server is the 50-block core of seed 01…01.
const char* const kSessions[] = {
    "full-download", "keepalive",    "live-append",     "second-get",
    "sparse-get",    "sparse-relay", "writer-initiator"};

json LoadSession(const std::string& name) {
  const std::string path =
      std::string(BEE_TEST_DATA_DIR) + "/protocol/session-" + name + ".json";
  std::ifstream in(path);
  REQUIRE(in.good());
  return json::parse(in);
}

// One hypercore channel message of a session, as sent.
struct Message {
  std::string dir;  // "I>R" or "R>I"
  uint64_t type = 0;
  std::string payload;  // the message after its type
};

uint64_t TakeUint(std::string_view* in) {
  uint64_t v = 0;
  REQUIRE(GetCompactUint(in, &v));
  return v;
}

// Every channel message, in the order sent: plain ones are `channel ‖ type
// ‖ payload`, batch items `type ‖ payload` (PROTOCOL.md §5).
std::vector<Message> Messages(const json& session) {
  std::vector<Message> out;
  for (const json& e : session["timeline"]) {
    if (e["kind"] != "message") continue;
    for (const json& m : e["mux"]) {
      if (m["mux"] == "message") {
        std::string plain = Unhex(e["plain"]);
        std::string_view in = plain;
        (void)TakeUint(&in);  // channel
        const uint64_t type = TakeUint(&in);
        out.push_back({e["dir"], type, std::string(in)});
      } else if (m["mux"] == "batch") {
        for (const json& item : m["items"]) {
          if (item["mux"] != "message") continue;
          std::string raw = Unhex(item["batchItemRaw"]);
          std::string_view in = raw;
          const uint64_t type = TakeUint(&in);
          out.push_back({e["dir"], type, std::string(in)});
        }
      }
    }
  }
  return out;
}

constexpr uint64_t kRequest = 1, kData = 3, kNoData = 4, kBitfield = 7;

// A request and the data that answered it (the first later data, from the
// other side, for its id: ids are reused once answered).
struct Exchange {
  std::string request, data;
};

std::vector<Exchange> Exchanges(const std::vector<Message>& messages) {
  std::vector<Exchange> out;
  std::vector<bool> used(messages.size(), false);
  for (size_t i = 0; i < messages.size(); i++) {
    if (messages[i].type != kRequest) continue;
    const ProofRequest request = DecodeRequest(messages[i].payload).value();
    bool answered = false;
    for (size_t j = i + 1; j < messages.size() && !answered; j++) {
      const Message& m = messages[j];
      if (used[j] || m.dir == messages[i].dir) continue;
      if (m.type == kNoData) FAIL("a recorded noData: not expected here");
      if (m.type != kData) continue;
      if (DecodeProof(m.payload).value().request != request.id) continue;
      used[j] = true;
      answered = true;
      out.push_back({messages[i].payload, m.payload});
    }
    REQUIRE(answered);
  }
  return out;
}

std::string BlockName(uint64_t i) {
  return (i < 10 ? "block-0" : "block-") + std::to_string(i);
}

std::unique_ptr<Core> SessionCore(const json& setup) {
  Seed seed =
      HexDecodeFixed<32>(setup["coreKeySeed"].get<std::string>(), "seed")
          .value();
  auto core = Core::CreateInMemory(KeyPair::FromSeed(seed)).value();
  std::vector<std::string> blocks;
  for (uint64_t i = 0; i < 50; i++) blocks.push_back(BlockName(i));
  REQUIRE(core->Append(blocks).ok());
  REQUIRE(HexEncode(core->key()) == setup["coreKey"]);
  REQUIRE(HexEncode(core->manifest()) == setup["manifest"]);
  return core;
}

// Fetches `block` (or only the upgrade) from `source` into `replica`.
void Fetch(const Core& source, Core* replica, std::optional<uint64_t> block) {
  auto proof =
      CreateProof(source, MakeRequest(*replica, block, source.length()));
  REQUIRE(proof.ok());
  REQUIRE(ApplyProof(replica, *proof).ok());
}

TEST_CASE("capabilities equal the recorded ones", "[log][sessions]") {
  // PROTOCOL.md §6.2's example.
  const HandshakeHash hash =
      HexDecodeFixed<64>(
          "b44f4e3196eb2a9a8ed6beb9d81974b119e977e85c306d9455ad334731810746"
          "f1de5141102e6f59afe8bda3c31aab017d0fd6f4e0ac1556d04679e4543ec8e1",
          "hash")
          .value();
  const Hash32 key = HexDecodeFixed<32>(
                         "d8c3a0597903b28d751c6e0b7107775e388ec5a3cf669bdd1e7ec"
                         "41b8b8f6e72",
                         "key")
                         .value();
  CHECK(HexEncode(Capability(ReplicationRole::kInitiator, hash, key)) ==
        "3282d5e6b1e7edb0ab32d16d519bf065b3135aa63f5c4a57f17f6fffa440bb1c");
  CHECK(HexEncode(Capability(ReplicationRole::kResponder, hash, key)) ==
        "0f5b1ecdbc5cf72eff898e4f11edd83d36dd2eee82606d867089f7925cf553da");
  // The hyperbee sessions' core (PROTOCOL.md §15), same handshake.
  const Hash32 bee_key = HexDecodeFixed<32>(
                             "252d486f8c7d58b88b96fb4523f25fe295b9d7812a3b17f6e"
                             "e5dff78ea78cb01",
                             "key")
                             .value();
  CHECK(HexEncode(Capability(ReplicationRole::kInitiator, hash, bee_key)) ==
        "8ef8c6f083f3e19befe4af0410797e41469d0e409562ba921f51ef43d19c0ff6");
  CHECK(HexEncode(Capability(ReplicationRole::kResponder, hash, bee_key)) ==
        "dca963521cf7add94e249434462d20808ca668ec3910d06f17e27cc5d55237b0");
  // Every session's, and the channel opens carry them.
  for (const char* name : kSessions) {
    CAPTURE(name);
    const json session = LoadSession(name);
    const json& setup = session["setup"];
    const HandshakeHash h =
        HexDecodeFixed<64>(setup["handshakeHash"].get<std::string>(), "hash")
            .value();
    const Hash32 k =
        HexDecodeFixed<32>(setup["coreKey"].get<std::string>(), "key").value();
    CHECK(HexEncode(Capability(ReplicationRole::kInitiator, h, k)) ==
          setup["capabilityInitiator"]);
    CHECK(HexEncode(Capability(ReplicationRole::kResponder, h, k)) ==
          setup["capabilityResponder"]);
    // A one-bit change of either input changes the capability.
    HandshakeHash h2 = h;
    h2[63] ^= 1;
    Hash32 k2 = k;
    k2[0] ^= 1;
    CHECK(HexEncode(Capability(ReplicationRole::kInitiator, h2, k)) !=
          setup["capabilityInitiator"]);
    CHECK(HexEncode(Capability(ReplicationRole::kInitiator, h, k2)) !=
          setup["capabilityInitiator"]);
  }
}

// The server of a session: the writer's log, or (sparse-relay) a replica
// holding blocks 17 and 40 only, fetched from it as a JS reader does.
struct Server {
  test::FaultEnv env;
  std::unique_ptr<Core> writer, relay;
  Core& core() { return relay ? *relay : *writer; }
};

void BuildServer(const std::string& name, const json& setup, Server* s) {
  s->writer = SessionCore(setup);
  if (name != "sparse-relay") return;
  CoreOptions options;
  options.env = &s->env;
  s->relay = Core::CreateReplica("/relay", s->writer->key(),
                                 s->writer->manifest(), options)
                 .value();
  Fetch(*s->writer, s->relay.get(), std::nullopt);
  Fetch(*s->writer, s->relay.get(), 17);
  Fetch(*s->writer, s->relay.get(), 40);
}

TEST_CASE("our proofs equal the recorded JS server's data byte for byte",
          "[log][sessions]") {
  size_t total = 0;
  for (const char* name : kSessions) {
    CAPTURE(name);
    const json session = LoadSession(name);
    Server server;
    BuildServer(name, session["setup"], &server);
    for (const Exchange& x : Exchanges(Messages(session))) {
      const ProofRequest request = DecodeRequest(x.request).value();
      CAPTURE(HexEncode(x.request));
      CHECK(EncodeRequest(request) == x.request);
      // live-append: the writer appended blocks 50 and 51 in one call.
      if (request.upgrade) {
        const uint64_t end = request.upgrade->start + request.upgrade->length;
        std::vector<std::string> more;
        for (uint64_t i = server.writer->length(); i < end; i++) {
          more.push_back(BlockName(i));
        }
        if (!more.empty()) REQUIRE(server.writer->Append(more).ok());
      }
      auto proof = CreateProof(server.core(), request);
      REQUIRE(proof.ok());
      CHECK(HexEncode(EncodeProof(*proof)) == HexEncode(x.data));
      total++;
    }
  }
  // Every request of the seven sessions (PROTOCOL.md §10).
  CHECK(total == 51 + 2 + 3 + 4 + 2 + 2 + 2);
}

TEST_CASE("our replica accepts every recorded JS data", "[log][sessions]") {
  for (const char* name : kSessions) {
    CAPTURE(name);
    const json session = LoadSession(name);
    const json& setup = session["setup"];
    const Hash32 key =
        HexDecodeFixed<32>(setup["coreKey"].get<std::string>(), "key").value();
    test::FaultEnv env;
    CoreOptions options;
    options.env = &env;
    auto reader =
        Core::CreateReplica("/reader", key, Unhex(setup["manifest"]), options)
            .value();
    for (const Exchange& x : Exchanges(Messages(session))) {
      CAPTURE(HexEncode(x.data));
      const Proof proof = DecodeProof(x.data).value();
      REQUIRE(ApplyProof(reader.get(), proof).ok());
      if (proof.block) {
        CHECK(reader->Get(proof.block->index).value() ==
              BlockName(proof.block->index));
      }
    }
    CHECK(reader->length() == session["results"]["readerLength"]);
    CHECK(reader->contiguous_length() ==
          session["results"]["readerContiguousLength"]);
  }
}

TEST_CASE("the sparse server announces the recorded bitfield",
          "[log][sessions]") {
  const json session = LoadSession("sparse-relay");
  Server server;
  BuildServer("sparse-relay", session["setup"], &server);
  size_t seen = 0;
  for (const Message& m : Messages(session)) {
    if (m.type != kBitfield) continue;
    // bitfield := uint start ‖ uint count ‖ count × u32le (PROTOCOL.md §6.4)
    std::string_view in = m.payload;
    const uint64_t start = TakeUint(&in);
    const uint64_t count = TakeUint(&in);
    REQUIRE(in.size() == 4 * count);
    std::vector<uint32_t> words(static_cast<size_t>(count));
    REQUIRE(server.core().HeldBitfield(start, words).ok());
    std::string ours;
    for (uint32_t w : words) PutFixed32(&ours, w);
    CHECK(HexEncode(ours) == HexEncode(in));
    seen++;
  }
  CHECK(seen == 1);
}

}  // namespace
}  // namespace bee::log
