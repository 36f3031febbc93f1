// SecureSession (net/secure_session.h) replaying every recorded connection
// (PROTOCOL.md §14: noise-session*.txt and session-*.flat) byte for byte,
// from either side, with the peer's bytes split at random points; then
// hostile input, each failing the session with a clear error.
#include "net/secure_session.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "encoding/bytes.h"
#include "tests/util/protocol_vectors.h"
#include "tests/util/vectors.h"

namespace bee::net {
namespace {

using bee::test::FlatVectors;
using bee::test::LoadFlat;
using bee::test::SplitFrames;
using bee::test::Unhex;

log::Seed SeedOf(std::string_view bytes) {
  log::Seed s{};
  REQUIRE(bytes.size() == s.size());
  std::copy(bytes.begin(), bytes.end(), s.begin());
  return s;
}

bool Mentions(const Status& s, const std::string& text) {
  return s.ToString().find(text) != std::string::npos;
}

// One side of a recorded connection.
struct Side {
  bool initiator;
  std::string wire;                   // every byte it wrote
  std::vector<std::string> frames;    // the frame bodies of `wire`
  std::vector<std::string> payloads;  // the plaintexts it sent
  size_t handshake_bytes = 0;         // wire bytes up to its id/header frame
  SecretStreamHeader header{};
};

Side LoadSide(const FlatVectors& v, bool initiator) {
  Side s;
  s.initiator = initiator;
  s.wire = v.at(initiator ? "i_to_r" : "r_to_i");
  s.frames = SplitFrames(s.wire);
  s.payloads = v.Payloads(initiator ? "i" : "r");
  // The initiator wrote m1, m3, then its header; the responder m2, then its
  // header (§1).
  const size_t header_frame = initiator ? 2 : 1;
  REQUIRE(s.frames.size() == header_frame + 1 + s.payloads.size());
  for (size_t i = 0; i <= header_frame; i++) {
    s.handshake_bytes += 3 + s.frames[i].size();
  }
  REQUIRE(s.frames[header_frame].size() == kHeaderFrameSize);
  std::copy_n(s.frames[header_frame].begin() + kStreamIdSize,
              kSecretStreamHeaderSize, s.header.begin());
  return s;
}

std::unique_ptr<SecureSession> Pinned(const FlatVectors& v, const Side& side,
                                      SecureSessionOptions options = {}) {
  const char* eph = side.initiator ? "i_eph_seed" : "r_eph_seed";
  const char* st = side.initiator ? "i_static_seed" : "r_static_seed";
  options.noise.ephemeral_seed = SeedOf(v.at(eph));
  options.push_header_for_testing = side.header;
  auto s = SecureSession::Create(
      side.initiator, log::KeyPair::FromSeed(SeedOf(v.at(st))), options);
  REQUIRE(s.ok());
  return std::move(s).value();
}

// Feeds `wire` in pieces: whole when rng is null, else cut at random
// points (mostly small pieces, sometimes large ones).
Status Feed(SecureSession* s, std::string_view wire, std::mt19937_64* rng,
            std::string* out, std::vector<std::string>* messages) {
  while (!wire.empty()) {
    size_t n = wire.size();
    if (rng != nullptr) {
      n = (*rng)() % 4 == 0 ? 1 + (*rng)() % 4096 : 1 + (*rng)() % 40;
      n = std::min(n, wire.size());
    }
    BEE_RETURN_IF_ERROR(s->Receive(wire.substr(0, n), out, messages));
    wire.remove_prefix(n);
  }
  return Status::OK();
}

std::vector<std::string> NonEmpty(const std::vector<std::string>& all) {
  std::vector<std::string> out;
  for (const auto& p : all) {
    if (!p.empty()) out.push_back(p);
  }
  return out;
}

// Replays `me` against the recorded bytes of `peer`. With `queue_first`,
// every message is sent before Start() (queued, then flushed when the
// handshake completes); otherwise after the peer's bytes were fed.
void Replay(const FlatVectors& v, const Side& me, const Side& peer,
            bool queue_first, std::mt19937_64* rng) {
  CAPTURE(me.initiator, queue_first, rng != nullptr);
  auto s = Pinned(v, me);
  CHECK(s->is_initiator() == me.initiator);
  std::string out;
  std::vector<std::string> received;
  if (queue_first) {
    for (const auto& p : me.payloads) REQUIRE(s->Send(p, &out).ok());
    CHECK(out.empty());
    CHECK(s->queued_messages() == me.payloads.size());
  }
  REQUIRE(s->state() == SecureSession::State::kNew);
  REQUIRE(s->Start(&out).ok());
  CHECK(out.size() == (me.initiator ? 35u : 0u));
  Status st = Feed(s.get(), peer.wire, rng, &out, &received);
  REQUIRE(st.ok());
  CHECK(s->state() == SecureSession::State::kOpen);
  CHECK(s->queued_messages() == 0);
  CHECK(s->buffered_bytes() == 0);
  if (!queue_first) {
    // Our handshake messages and id/header frame, exactly.
    REQUIRE(HexEncode(out) == HexEncode(me.wire.substr(0, me.handshake_bytes)));
    for (const auto& p : me.payloads) REQUIRE(s->Send(p, &out).ok());
  }
  CHECK(out.size() == me.wire.size());
  CHECK(out == me.wire);
  CHECK(received == NonEmpty(peer.payloads));
  CHECK(s->messages_received() == received.size());
  CHECK(s->keep_alives_received() == peer.payloads.size() - received.size());
  CHECK(s->handshake_hash() ==
        *HexDecodeFixed<64>(HexEncode(v.at("handshake_hash")), "hash"));
  const char* peer_static = me.initiator ? "r_static_seed" : "i_static_seed";
  CHECK(s->remote_public_key() ==
        log::KeyPair::FromSeed(SeedOf(v.at(peer_static))).public_key());
}

TEST_CASE("secure session: every recorded connection, from both sides") {
  const auto files = bee::test::ProtocolSessionFiles();
  CHECK(files.size() >= 12);  // 2 Noise sessions and 10 hypercore sessions
  for (size_t f = 0; f < files.size(); f++) {
    CAPTURE(files[f]);
    const FlatVectors v = LoadFlat(files[f]);
    const Side i = LoadSide(v, true);
    const Side r = LoadSide(v, false);
    const uint64_t seed = Catch::rngSeed() + f;
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    for (bool queue_first : {false, true}) {
      Replay(v, i, r, queue_first, nullptr);
      Replay(v, r, i, queue_first, nullptr);
      Replay(v, i, r, queue_first, &rng);
      Replay(v, r, i, queue_first, &rng);
    }
  }
}

TEST_CASE("secure session: the 70 000-byte message of noise-session-alt") {
  const FlatVectors v = LoadFlat("noise-session-alt.txt");
  const Side i = LoadSide(v, true);
  const Side r = LoadSide(v, false);
  REQUIRE(i.payloads.size() == 3);
  CHECK(i.payloads[2] == std::string(70000, '\xab'));
  // Its frame: u24le(70017) = 81 11 01.
  CHECK(i.frames.back().size() == 70017);
  auto s = Pinned(v, r);
  std::string out;
  std::vector<std::string> received;
  REQUIRE(s->Start(&out).ok());
  REQUIRE(s->Receive(i.wire, &out, &received).ok());
  REQUIRE(received.size() == 2);  // hello, (keep-alive dropped), 70 000
  CHECK(received[1] == i.payloads[2]);
  CHECK(s->keep_alives_received() == 1);
}

// Two pinned sessions of noise-session.txt and the recorded bytes.
struct Fixture {
  FlatVectors v = LoadFlat("noise-session.txt");
  Side i = LoadSide(v, true);
  Side r = LoadSide(v, false);
};

// Feeds `wire` to a fresh pinned responder; returns its session.
std::unique_ptr<SecureSession> ResponderFed(const Fixture& fx,
                                            std::string_view wire,
                                            Status* status,
                                            SecureSessionOptions options = {}) {
  auto s = Pinned(fx.v, fx.r, options);
  std::string out;
  std::vector<std::string> received;
  REQUIRE(s->Start(&out).ok());
  *status = s->Receive(wire, &out, &received);
  return s;
}

std::string Framed(std::string_view body) {
  std::string out;
  AppendFrame(&out, body);
  return out;
}

// The session failed with `s`, for good.
void CheckFailed(SecureSession* session, const Status& s) {
  CHECK_FALSE(s.ok());
  CHECK(session->state() == SecureSession::State::kFailed);
  CHECK(session->error().ToString() == s.ToString());
  std::string out;
  std::vector<std::string> received;
  CHECK(session->Receive("more", &out, &received).ToString() == s.ToString());
  CHECK(session->Send("more", &out).ToString() == s.ToString());
  CHECK(out.empty());
  CHECK(received.empty());
}

TEST_CASE("secure session: a flipped byte in a handshake message fails it") {
  Fixture fx;
  for (size_t frame : {size_t{0}, size_t{1}}) {  // m1, m3 to the responder
    for (size_t pos = 0; pos < fx.i.frames[frame].size(); pos++) {
      CAPTURE(frame, pos);
      std::string wire = Framed(fx.i.frames[0]) + Framed(fx.i.frames[1]);
      const size_t at = (frame == 0 ? 3 : 3 + 32 + 3) + pos;
      wire[at] = static_cast<char>(wire[at] ^ 0x04);
      Status s;
      auto session = ResponderFed(fx, wire, &s);
      REQUIRE_FALSE(s.ok());
      CHECK((s.IsCorruption() || s.IsVerificationFailed()));
      CHECK(Mentions(s, "handshake message"));
      CheckFailed(session.get(), s);
    }
  }
  for (size_t pos = 0; pos < fx.r.frames[0].size(); pos++) {  // m2
    CAPTURE(pos);
    std::string wire = Framed(fx.r.frames[0]);
    wire[3 + pos] = static_cast<char>(wire[3 + pos] ^ 0x04);
    auto session = Pinned(fx.v, fx.i);
    std::string out;
    std::vector<std::string> received;
    REQUIRE(session->Start(&out).ok());
    Status s = session->Receive(wire, &out, &received);
    CHECK((s.IsCorruption() || s.IsVerificationFailed()));
    CHECK(Mentions(s, "handshake message 2"));
    CHECK(out.size() == 35);  // m1 only: no m3, no header
    CheckFailed(session.get(), s);
  }
}

TEST_CASE("secure session: hostile handshakes") {
  Fixture fx;
  SECTION("a wrong static key") {
    SecureSessionOptions o;
    o.noise.expected_remote_key = log::PublicKey{1, 2, 3};
    Status s;
    auto session = ResponderFed(fx, fx.i.wire, &s, o);
    CHECK(s.IsVerificationFailed());
    CHECK(Mentions(s, "the peer's static key is 5c9c6df2"));
    CheckFailed(session.get(), s);
  }
  SECTION("a small-order ephemeral key") {
    std::string m1(32, '\0');
    m1[0] = 1;  // the identity point
    Status s;
    auto session = ResponderFed(fx, Framed(m1), &s);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s, "refuses the remote ephemeral key"));
    CheckFailed(session.get(), s);
  }
  SECTION("a handshake message of the wrong size") {
    Status s;
    auto session = ResponderFed(fx, Framed(std::string(33, 'x')), &s);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s, "handshake message 1 has 33 bytes, expected 32"));
    CheckFailed(session.get(), s);
  }
  SECTION("a frame larger than any handshake message, before it arrives") {
    Status s;
    // Only the length prefix: refused before anything is buffered.
    auto session = ResponderFed(fx, std::string("\x61\x00\x00", 3), &s);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s, "frame declares 97 bytes, more than the limit of 96"));
    CHECK(Mentions(s, "before the peer's header"));
    CheckFailed(session.get(), s);
  }
}

// The initiator's bytes up to (not including) its id/header frame.
std::string InitiatorHandshake(const Fixture& fx) {
  return Framed(fx.i.frames[0]) + Framed(fx.i.frames[1]);
}

TEST_CASE("secure session: a wrong id/header frame fails the session") {
  Fixture fx;
  SECTION("the responder's own id reflected back") {
    std::string header = fx.i.frames[2];
    header.replace(0, 32, fx.r.frames[1].substr(0, 32));
    Status s;
    auto session =
        ResponderFed(fx, InitiatorHandshake(fx) + Framed(header), &s);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s, "stream id is 33bc3cb2"));
    CHECK(Mentions(s, "expected dd79d1f5"));
    CheckFailed(session.get(), s);
  }
  SECTION("57 bytes") {
    Status s;
    auto session = ResponderFed(
        fx, InitiatorHandshake(fx) + Framed(fx.i.frames[2] + "x"), &s);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s, "has 57 bytes, expected 56"));
    CheckFailed(session.get(), s);
  }
  SECTION("a message instead of the header") {
    Status s;
    auto session =
        ResponderFed(fx, InitiatorHandshake(fx) + Framed(fx.i.frames[3]), &s);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s, "has 22 bytes, expected 56"));
    CheckFailed(session.get(), s);
  }
}

TEST_CASE("secure session: a tampered message fails the session") {
  Fixture fx;
  for (size_t pos = 0; pos < fx.i.frames[3].size(); pos++) {
    CAPTURE(pos);
    std::string body = fx.i.frames[3];
    body[pos] = static_cast<char>(body[pos] ^ 0x10);
    std::string wire =
        InitiatorHandshake(fx) + Framed(fx.i.frames[2]) + Framed(body);
    Status s;
    auto session = ResponderFed(fx, wire, &s);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s, "message 0 (22 bytes) does not decrypt"));
    CheckFailed(session.get(), s);
  }
  SECTION("messages in the wrong order") {
    std::string wire = InitiatorHandshake(fx) + Framed(fx.i.frames[2]) +
                       Framed(fx.i.frames[4]) + Framed(fx.i.frames[3]);
    Status s;
    auto session = ResponderFed(fx, wire, &s);
    CHECK(s.IsCorruption());
    CheckFailed(session.get(), s);
  }
}

TEST_CASE("secure session: frame limits") {
  Fixture fx;
  SecureSessionOptions o;
  o.max_frame_body = 1024;
  const std::string open = InitiatorHandshake(fx) + Framed(fx.i.frames[2]);
  SECTION("a received frame over the limit") {
    Status s;
    auto session =
        ResponderFed(fx, open + std::string("\x01\x04\x00", 3), &s, o);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s,
                   "frame declares 1025 bytes, more than the limit of "
                   "1024"));
    CheckFailed(session.get(), s);
  }
  SECTION("a sent message over the limit is refused, the session lives") {
    Status s;
    auto session = ResponderFed(fx, open, &s, o);
    REQUIRE(s.ok());
    std::string out;
    Status big = session->Send(std::string(1008, 'x'), &out);
    CHECK(big.IsInvalidArgument());
    CHECK(Mentions(big, "at most 1007 bytes"));
    CHECK(out.empty());
    CHECK(session->state() == SecureSession::State::kOpen);
    REQUIRE(session->Send(std::string(1007, 'x'), &out).ok());
    CHECK(out.size() == 3 + 1024);
  }
  SECTION("the limit must leave room for the handshake") {
    SecureSessionOptions tiny;
    tiny.max_frame_body = 95;
    auto s = SecureSession::Create(false, log::KeyPair::Random(), tiny);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().IsInvalidArgument());
    CHECK(Mentions(s.status(), "max_frame_body 95 is outside [96, 16777215]"));
  }
}

TEST_CASE("secure session: calls out of order") {
  auto s = SecureSession::Create(true, log::KeyPair::Random());
  REQUIRE(s.ok());
  std::string out;
  std::vector<std::string> received;
  SECTION("Receive before Start") {
    Status st = (*s)->Receive("x", &out, &received);
    CHECK(st.IsInvalidArgument());
    CHECK(Mentions(st, "Receive() before Start()"));
    CheckFailed(s->get(), st);
  }
  SECTION("Start twice") {
    REQUIRE((*s)->Start(&out).ok());
    Status st = (*s)->Start(&out);
    CHECK(st.IsInvalidArgument());
    CHECK(Mentions(st, "Start() twice"));
  }
  SECTION("no secret key") {
    auto pub =
        SecureSession::Create(true, log::KeyPair::PublicOnly(log::PublicKey{}));
    CHECK(pub.status().IsInvalidArgument());
  }
}

// Moves bytes between two live sessions until neither has output.
void Pump(SecureSession* a, SecureSession* b, std::string* a_out,
          std::string* b_out, std::vector<std::string>* a_got,
          std::vector<std::string>* b_got) {
  while (!a_out->empty() || !b_out->empty()) {
    std::string to_b = std::move(*a_out), to_a = std::move(*b_out);
    a_out->clear();
    b_out->clear();
    REQUIRE(b->Receive(to_b, b_out, b_got).ok());
    REQUIRE(a->Receive(to_a, a_out, a_got).ok());
  }
}

TEST_CASE("secure session: two live sessions with random keys") {
  auto i = SecureSession::Create(true, log::KeyPair::Random());
  auto r = SecureSession::Create(false, log::KeyPair::Random());
  REQUIRE(i.ok());
  REQUIRE(r.ok());
  std::string i_out, r_out;
  std::vector<std::string> i_got, r_got;
  REQUIRE((*i)->Send("early", &i_out).ok());  // queued
  REQUIRE((*i)->Start(&i_out).ok());
  REQUIRE((*r)->Start(&r_out).ok());
  Pump(i->get(), r->get(), &i_out, &r_out, &i_got, &r_got);
  REQUIRE((*i)->state() == SecureSession::State::kOpen);
  REQUIRE((*r)->state() == SecureSession::State::kOpen);
  CHECK((*i)->handshake_hash() == (*r)->handshake_hash());
  CHECK(r_got == std::vector<std::string>{"early"});

  const std::vector<std::string> msgs = {"a", std::string(70000, 'z'),
                                         std::string(1, '\0')};
  for (const auto& m : msgs) REQUIRE((*r)->Send(m, &r_out).ok());
  REQUIRE((*r)->SendKeepAlive(&r_out).ok());
  REQUIRE((*i)->SendKeepAlive(&i_out).ok());
  Pump(i->get(), r->get(), &i_out, &r_out, &i_got, &r_got);
  CHECK(i_got == msgs);
  CHECK((*i)->keep_alives_received() == 1);
  CHECK((*r)->keep_alives_received() == 1);
  CHECK((*r)->messages_received() == 1);
}

}  // namespace
}  // namespace bee::net
