// Noise XX (net/noise.h) against the recorded JS handshakes
// (PROTOCOL.md §3.5, noise-session.json and noise-session-alt.json), and
// against handshake messages a hostile peer may send.
#include "net/noise.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "encoding/bytes.h"
#include "tests/util/protocol_vectors.h"
#include "tests/util/vectors.h"

namespace bee::net {
namespace {

using bee::test::LoadProtocolJson;
using bee::test::Unhex;
using nlohmann::json;

log::Seed SeedOf(const std::string& hex) {
  return *HexDecodeFixed<32>(hex, "seed");
}

std::string Hex(std::span<const uint8_t> b) { return HexEncode(b); }

// One traced step, as the JSON trace spells it (hex, "" for absent).
struct Step {
  std::string what, h, ck, k, dh, tx, rx;
  uint64_t n = 0;
};

std::function<void(const NoiseTraceStep&)> Recorder(std::vector<Step>* out) {
  return [out](const NoiseTraceStep& t) {
    out->push_back(Step{std::string(t.what), Hex(t.h), Hex(t.ck), Hex(t.k),
                        Hex(t.dh), Hex(t.tx), Hex(t.rx), t.n});
  };
}

struct Pair {
  std::unique_ptr<NoiseHandshake> initiator;
  std::unique_ptr<NoiseHandshake> responder;
};

// The two sides of a recorded session, with its pinned seeds.
Pair MakePair(const json& seeds, std::vector<Step>* i_trace = nullptr,
              std::vector<Step>* r_trace = nullptr) {
  NoiseOptions io, ro;
  io.ephemeral_seed = SeedOf(seeds["initiatorEphemeral"]);
  ro.ephemeral_seed = SeedOf(seeds["responderEphemeral"]);
  if (i_trace) io.trace = Recorder(i_trace);
  if (r_trace) ro.trace = Recorder(r_trace);
  auto i = NoiseHandshake::Create(
      true, log::KeyPair::FromSeed(SeedOf(seeds["initiatorStatic"])), io);
  auto r = NoiseHandshake::Create(
      false, log::KeyPair::FromSeed(SeedOf(seeds["responderStatic"])), ro);
  REQUIRE(i.ok());
  REQUIRE(r.ok());
  return Pair{std::move(i).value(), std::move(r).value()};
}

// Runs the three messages; returns them.
std::vector<std::string> RunHandshake(Pair& p) {
  std::vector<std::string> m(3);
  REQUIRE(p.initiator->WriteMessage(&m[0]).ok());
  REQUIRE(p.responder->ReadMessage(m[0]).ok());
  REQUIRE(p.responder->WriteMessage(&m[1]).ok());
  REQUIRE(p.initiator->ReadMessage(m[1]).ok());
  REQUIRE(p.initiator->WriteMessage(&m[2]).ok());
  REQUIRE(p.responder->ReadMessage(m[2]).ok());
  return m;
}

void CheckTrace(const json& trace, const std::string& side,
                const std::vector<Step>& got) {
  std::vector<json> want;
  for (const json& t : trace) {
    if (t["side"] == side) want.push_back(t);
  }
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); i++) {
    CAPTURE(side, i, want[i].dump());
    const json& w = want[i];
    CHECK(got[i].what == w["what"].get<std::string>());
    CHECK(got[i].ck == w["ck"].get<std::string>());
    if (w["what"] == "split") {
      CHECK(got[i].tx == w["tx"].get<std::string>());
      CHECK(got[i].rx == w["rx"].get<std::string>());
      CHECK(got[i].h == w["hash"].get<std::string>());
      continue;
    }
    CHECK(got[i].h == w["h"].get<std::string>());
    CHECK(got[i].k == (w["k"].is_null() ? "" : w["k"].get<std::string>()));
    CHECK(got[i].n == w["n"].get<uint64_t>());
    if (w["what"] == "mixKey") CHECK(got[i].dh == w["dh"].get<std::string>());
  }
}

TEST_CASE("noise: the recorded handshakes, every traced step") {
  for (const char* file : {"noise-session.json", "noise-session-alt.json"}) {
    CAPTURE(file);
    const json v = LoadProtocolJson(file);
    std::vector<Step> i_trace, r_trace;
    Pair p = MakePair(v["seeds"], &i_trace, &r_trace);
    CHECK(p.initiator->next_is_write());
    CHECK_FALSE(p.responder->next_is_write());
    std::vector<std::string> m = RunHandshake(p);

    // m1 / m2 / m3 are the recorded frame bodies.
    const json& i_frames = v["wire"]["framesInitiatorToResponder"];
    const json& r_frames = v["wire"]["framesResponderToInitiator"];
    CHECK(HexEncode(m[0]) == i_frames[0]["body"].get<std::string>());
    CHECK(HexEncode(m[1]) == r_frames[0]["body"].get<std::string>());
    CHECK(HexEncode(m[2]) == i_frames[1]["body"].get<std::string>());
    CHECK(m[0].size() == kNoiseMessage1Size);
    CHECK(m[1].size() == kNoiseMessage2Size);
    CHECK(m[2].size() == kNoiseMessage3Size);

    CheckTrace(v["trace"], "initiator", i_trace);
    CheckTrace(v["trace"], "responder", r_trace);

    REQUIRE(p.initiator->done());
    REQUIRE(p.responder->done());
    for (auto* side : {p.initiator.get(), p.responder.get()}) {
      const json& js = v[side->is_initiator() ? "initiator" : "responder"];
      CHECK(HexEncode(side->handshake_hash()) ==
            js["handshakeHash"].get<std::string>());
      CHECK(HexEncode(side->remote_public_key()) ==
            js["remotePublicKey"].get<std::string>());
      CHECK(HexEncode(side->local_public_key()) ==
            js["publicKey"].get<std::string>());
    }
    // Split: the initiator's tx is the responder's rx (§3.3), and the keys
    // are those the recorded secretstream headers were made with.
    const json& keys = v["secretstreamHeaders"];
    CHECK(Hex(p.initiator->tx_key()) == keys[0]["key"].get<std::string>());
    CHECK(Hex(p.initiator->rx_key()) == keys[1]["key"].get<std::string>());
    CHECK(Hex(p.responder->tx_key()) == keys[1]["key"].get<std::string>());
    CHECK(Hex(p.responder->rx_key()) == keys[0]["key"].get<std::string>());
  }
}

TEST_CASE("noise: §3.5's worked example") {
  const json v = LoadProtocolJson("noise-session.json");
  Pair p = MakePair(v["seeds"]);
  std::vector<std::string> m = RunHandshake(p);
  CHECK(HexEncode(m[0]) ==
        "1ba4075b77c9e3fb3ecde15cdaf5221f3c10373e623f7b0e1ef76366b0af7137");
  CHECK(HexEncode(p.initiator->handshake_hash()) ==
        "b44f4e3196eb2a9a8ed6beb9d81974b119e977e85c306d9455ad334731810746"
        "f1de5141102e6f59afe8bda3c31aab017d0fd6f4e0ac1556d04679e4543ec8e1");
  CHECK(Hex(p.initiator->tx_key()) ==
        "b0c6f0f463c503cb113ec005efe723cd7e9c60a5375f14e5cc7f481b45055c25");
  CHECK(Hex(p.initiator->rx_key()) ==
        "6a53066d1a3a81d65c0177c7a02ea3c70aca61000fe4c34fcb25736eac101f86");
}

TEST_CASE("noise: random ephemeral keys agree with each other, never twice") {
  HandshakeHash first{};
  for (int run = 0; run < 2; run++) {
    auto i = NoiseHandshake::Create(true, log::KeyPair::Random());
    auto r = NoiseHandshake::Create(false, log::KeyPair::Random());
    REQUIRE(i.ok());
    REQUIRE(r.ok());
    Pair p{std::move(i).value(), std::move(r).value()};
    RunHandshake(p);
    CHECK(p.initiator->handshake_hash() == p.responder->handshake_hash());
    CHECK(Hex(p.initiator->tx_key()) == Hex(p.responder->rx_key()));
    CHECK(Hex(p.initiator->rx_key()) == Hex(p.responder->tx_key()));
    CHECK(Hex(p.initiator->tx_key()) != Hex(p.initiator->rx_key()));
    CHECK(p.initiator->remote_public_key() == p.responder->local_public_key());
    CHECK(p.responder->remote_public_key() == p.initiator->local_public_key());
    if (run == 1) CHECK(p.initiator->handshake_hash() != first);
    first = p.initiator->handshake_hash();
  }
}

bool Mentions(const Status& s, const std::string& text) {
  return s.ToString().find(text) != std::string::npos;
}

// A handshake with one byte of message `which` (0..2) flipped on the way.
// Returns the first error, from whichever side detects it.
Status FlipAndRun(const json& seeds, int which, size_t pos) {
  Pair p = MakePair(seeds);
  NoiseHandshake* writer[] = {p.initiator.get(), p.responder.get(),
                              p.initiator.get()};
  NoiseHandshake* reader[] = {p.responder.get(), p.initiator.get(),
                              p.responder.get()};
  for (int k = 0; k < 3; k++) {
    std::string m;
    Status s = writer[k]->WriteMessage(&m);
    if (!s.ok()) return s;
    if (k == which) m[pos] = static_cast<char>(m[pos] ^ 0x01);
    s = reader[k]->ReadMessage(m);
    if (!s.ok()) {
      CHECK(reader[k]->failed());
      CHECK_FALSE(reader[k]->done());
      return s;
    }
  }
  return Status::OK();
}

TEST_CASE("noise: a flipped byte anywhere in any message fails the handshake") {
  const json v = LoadProtocolJson("noise-session.json");
  const size_t sizes[] = {kNoiseMessage1Size, kNoiseMessage2Size,
                          kNoiseMessage3Size};
  for (int which = 0; which < 3; which++) {
    for (size_t pos = 0; pos < sizes[which]; pos++) {
      CAPTURE(which, pos);
      Status s = FlipAndRun(v["seeds"], which, pos);
      REQUIRE_FALSE(s.ok());
      // A flipped ephemeral key may be refused by libsodium (Corruption);
      // anything else fails authentication.
      CHECK((s.IsVerificationFailed() || s.IsCorruption()));
      if (which > 0 || s.IsVerificationFailed()) {
        CHECK((Mentions(s, "does not authenticate") || Mentions(s, "refuses")));
      }
    }
  }
}

TEST_CASE("noise: a message of the wrong size is Corruption naming the size") {
  const json v = LoadProtocolJson("noise-session.json");
  for (int which = 0; which < 3; which++) {
    for (int delta : {-1, +1}) {
      CAPTURE(which, delta);
      Pair p = MakePair(v["seeds"]);
      NoiseHandshake* writer[] = {p.initiator.get(), p.responder.get(),
                                  p.initiator.get()};
      NoiseHandshake* reader[] = {p.responder.get(), p.initiator.get(),
                                  p.responder.get()};
      for (int k = 0; k <= which; k++) {
        std::string m;
        REQUIRE(writer[k]->WriteMessage(&m).ok());
        if (k < which) {
          REQUIRE(reader[k]->ReadMessage(m).ok());
          continue;
        }
        const size_t want = m.size();
        m.resize(static_cast<size_t>(static_cast<int>(want) + delta), 'x');
        Status s = reader[k]->ReadMessage(m);
        CHECK(s.IsCorruption());
        CHECK(Mentions(s, "handshake message " + std::to_string(k + 1) +
                              " has " + std::to_string(m.size()) +
                              " bytes, expected " + std::to_string(want)));
        CHECK(reader[k]->failed());
        // Failed for good: the next call returns the same error.
        CHECK(reader[k]->ReadMessage(m).ToString() == s.ToString());
      }
    }
  }
}

// Points libsodium refuses as a DH input: the identity, points of small
// order, and a non-canonical encoding (y = p).
const char* const kBadPoints[] = {
    "0100000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

TEST_CASE("noise: a small-order or non-canonical ephemeral key is refused") {
  const json v = LoadProtocolJson("noise-session.json");
  for (const char* point : kBadPoints) {
    CAPTURE(point);
    {  // as the initiator's ephemeral key (m1): the responder's ee fails
      Pair p = MakePair(v["seeds"]);
      REQUIRE(p.responder->ReadMessage(Unhex(point)).ok());
      std::string m2;
      Status s = p.responder->WriteMessage(&m2);
      CHECK(s.IsCorruption());
      CHECK(Mentions(s,
                     "refuses the remote ephemeral key " + std::string(point)));
      CHECK(m2.empty());
      CHECK(p.responder->failed());
    }
    {  // as the responder's ephemeral key (m2): the initiator's ee fails
      Pair p = MakePair(v["seeds"]);
      std::string m1, m2;
      REQUIRE(p.initiator->WriteMessage(&m1).ok());
      REQUIRE(p.responder->ReadMessage(m1).ok());
      REQUIRE(p.responder->WriteMessage(&m2).ok());
      m2.replace(0, 32, Unhex(point));
      Status s = p.initiator->ReadMessage(m2);
      CHECK(s.IsCorruption());
      CHECK(Mentions(s, "handshake message 2"));
      CHECK(Mentions(s, "refuses"));
      CHECK(p.initiator->failed());
    }
  }
}

TEST_CASE("noise: a wrong static key fails the handshake") {
  const json v = LoadProtocolJson("noise-session.json");
  const json& seeds = v["seeds"];
  SECTION("a responder other than the recorded one cannot read m3") {
    // The recorded m1 and m3, fed to a responder with another static key:
    // the transcript differs from the recorded one from m2 on.
    NoiseOptions ro;
    ro.ephemeral_seed = SeedOf(seeds["responderEphemeral"]);
    auto r = NoiseHandshake::Create(
        false, log::KeyPair::FromSeed(SeedOf(std::string(64, '7'))), ro);
    REQUIRE(r.ok());
    const json& frames = v["wire"]["framesInitiatorToResponder"];
    REQUIRE((*r)->ReadMessage(Unhex(frames[0]["body"])).ok());
    std::string m2;
    REQUIRE((*r)->WriteMessage(&m2).ok());
    Status s = (*r)->ReadMessage(Unhex(frames[1]["body"]));
    CHECK(s.IsVerificationFailed());
    CHECK(Mentions(s,
                   "handshake message 3: the initiator's static key does "
                   "not authenticate"));
  }
  SECTION("a peer whose key is not the expected one") {
    const log::PublicKey other =
        log::KeyPair::FromSeed(SeedOf(std::string(64, '7'))).public_key();
    for (bool check_initiator : {true, false}) {
      CAPTURE(check_initiator);
      NoiseOptions io, ro;
      io.ephemeral_seed = SeedOf(seeds["initiatorEphemeral"]);
      ro.ephemeral_seed = SeedOf(seeds["responderEphemeral"]);
      (check_initiator ? io : ro).expected_remote_key = other;
      auto i = NoiseHandshake::Create(
          true, log::KeyPair::FromSeed(SeedOf(seeds["initiatorStatic"])), io);
      auto r = NoiseHandshake::Create(
          false, log::KeyPair::FromSeed(SeedOf(seeds["responderStatic"])), ro);
      REQUIRE(i.ok());
      REQUIRE(r.ok());
      std::string m1, m2, m3;
      REQUIRE((*i)->WriteMessage(&m1).ok());
      REQUIRE((*r)->ReadMessage(m1).ok());
      REQUIRE((*r)->WriteMessage(&m2).ok());
      Status s = (*i)->ReadMessage(m2);
      if (!check_initiator) {
        REQUIRE(s.ok());
        REQUIRE((*i)->WriteMessage(&m3).ok());
        s = (*r)->ReadMessage(m3);
      }
      CHECK(s.IsVerificationFailed());
      const auto& js = v[check_initiator ? "responder" : "initiator"];
      CHECK(Mentions(s, "static key is " + js["publicKey"].get<std::string>() +
                            ", expected " + HexEncode(other)));
      CHECK((check_initiator ? *i : *r)->failed());
    }
  }
  SECTION("the expected key is accepted") {
    NoiseOptions io;
    io.expected_remote_key =
        log::KeyPair::FromSeed(SeedOf(seeds["responderStatic"])).public_key();
    auto i = NoiseHandshake::Create(
        true, log::KeyPair::FromSeed(SeedOf(seeds["initiatorStatic"])), io);
    auto r = NoiseHandshake::Create(
        false, log::KeyPair::FromSeed(SeedOf(seeds["responderStatic"])));
    REQUIRE(i.ok());
    REQUIRE(r.ok());
    Pair p{std::move(i).value(), std::move(r).value()};
    RunHandshake(p);
    CHECK(p.initiator->done());
  }
}

TEST_CASE("noise: calls out of the XX order are InvalidArgument") {
  const json v = LoadProtocolJson("noise-session.json");
  SECTION("the initiator reads first") {
    Pair p = MakePair(v["seeds"]);
    Status s = p.initiator->ReadMessage(std::string(32, 'x'));
    CHECK(s.IsInvalidArgument());
    CHECK(Mentions(s, "our turn to write handshake message 1"));
    CHECK(p.initiator->failed());
  }
  SECTION("the responder writes first") {
    Pair p = MakePair(v["seeds"]);
    std::string m;
    Status s = p.responder->WriteMessage(&m);
    CHECK(s.IsInvalidArgument());
    CHECK(Mentions(s, "handshake message 1 is expected from the peer"));
    CHECK(m.empty());
  }
  SECTION("after the handshake") {
    Pair p = MakePair(v["seeds"]);
    RunHandshake(p);
    std::string m;
    CHECK(p.initiator->ReadMessage(std::string(32, 'x')).IsInvalidArgument());
    CHECK(p.responder->WriteMessage(&m).IsInvalidArgument());
    CHECK(Mentions(p.responder->error(), "after the handshake is done"));
  }
  SECTION("a key pair without its secret key") {
    auto h = NoiseHandshake::Create(true,
                                    log::KeyPair::PublicOnly(log::PublicKey{}));
    REQUIRE_FALSE(h.ok());
    CHECK(h.status().IsInvalidArgument());
    CHECK(Mentions(h.status(), "no secret key"));
  }
}

}  // namespace
}  // namespace bee::net
