// Protomux (net/protomux.h): the control codecs, two Muxes talking in
// memory, a Mux fed a recorded JS session, and hostile frames.
#include "net/protomux.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "encoding/bytes.h"
#include "encoding/varint.h"
#include "net/wire.h"
#include "tests/util/mux_recorder.h"

namespace bee::net {
namespace {

constexpr const char* kProtocol = "hypercore/alpha";

std::string Unhex(std::string_view hex) {
  auto raw = HexDecode(hex);
  REQUIRE(raw.ok());
  return *raw;
}

std::string Frame(uint64_t channel, uint64_t type, std::string_view payload) {
  std::string out;
  AppendChannelFrame(channel, type, payload, &out);
  return out;
}

std::string OpenFrame(uint64_t id, std::string_view protocol,
                      std::string_view key = "k") {
  return Frame(0, 1,
               EncodeOpen(OpenMessage{id, std::string(protocol),
                                      std::string(key), "hs"}));
}

using Recorder = test::MuxRecorder;

// Accepts the peer's opens: at once (Open in the call), later (defer), or
// not at all.
struct Acceptor : OpenListener {
  enum class Mode { kNow, kDefer, kRefuse } mode = Mode::kNow;
  Mux* mux = nullptr;
  ChannelHandler* handler = nullptr;
  std::vector<std::string> asked;

  bool OnRemoteOpen(std::string_view protocol, std::string_view id) override {
    asked.push_back(std::string(protocol) + "/" + std::string(id));
    if (mode == Mode::kNow) {
      REQUIRE(mux->Open(protocol, id, "accepted", handler).ok());
    }
    return mode != Mode::kRefuse;
  }
};

// Two Muxes wired to each other in memory.
struct Pair {
  Mux a, b;
  Recorder ha, hb;
  size_t frames = 0;

  Pair() {
    ha.mux = &a;
    hb.mux = &b;
  }
  // Moves output both ways until nothing is left; every frame must be
  // accepted.
  void Pump() {
    for (bool moved = true; moved;) {
      moved = false;
      for (auto [from, to] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
        for (const std::string& f : from->TakeOutput()) {
          REQUIRE(to->OnFrame(f).ok());
          frames++;
          moved = true;
        }
      }
    }
  }
};

TEST_CASE("protomux: control codecs, with the examples of PROTOCOL.md §5") {
  OpenMessage open{1, kProtocol, std::string(32, '\xfb'), "handshake"};
  const std::string bytes = EncodeOpen(open);
  CHECK(HexEncode(bytes).starts_with("010f6879706572636f72652f616c70686120"));
  auto back = DecodeOpen(bytes);
  REQUIRE(back.ok());
  CHECK(*back == open);
  // No id: optionalBuffer 00.
  CHECK(HexEncode(EncodeOpen(OpenMessage{2, "p", "", ""})) == "02017000");

  CHECK(EncodeReject(RejectMessage{300}) == Unhex("fd2c01"));
  CHECK(DecodeReject(Unhex("fd2c01"))->remote_id == 300);
  CHECK(EncodeClose(CloseMessage{1}) == Unhex("01"));
  CHECK(DecodeClose(Unhex("01ff"))->local_id == 1);  // trailing skipped

  // §5.2: reader batch of sparse-get (sync then want on channel 1).
  const std::string batch = Unhex("000001050007000000070500fe00002000");
  auto header = ParseFrameHeader(batch);
  REQUIRE(header.ok());
  CHECK((header->channel == 0 && header->type == 0));
  auto items = DecodeBatch(header->payload);
  REQUIRE(items.ok());
  REQUIRE(items->size() == 2);
  CHECK((*items)[0].channel == 1);
  CHECK((*items)[0].body == Unhex("0007000000"));
  CHECK((*items)[1].body == Unhex("0500fe00002000"));
  CHECK(EncodeBatch(*items) == header->payload);

  // Channel switches, a control item, and switching back.
  const std::string bodies[] = {Unhex("0001"), Unhex("0302"), Unhex("0800"),
                                Unhex("0500")};
  std::vector<BatchItem> mixed = {
      {1, bodies[0]}, {0, bodies[1]}, {2, bodies[2]}, {1, bodies[3]}};
  const std::string encoded = EncodeBatch(mixed);
  CHECK(HexEncode(encoded) ==
        "01020001"
        "0000020302"
        "0002020800"
        "0001020500");
  auto decoded = DecodeBatch(encoded);
  REQUIRE(decoded.ok());
  REQUIRE(decoded->size() == 4);
  for (size_t i = 0; i < 4; i++) {
    CHECK((*decoded)[i].channel == mixed[i].channel);
    CHECK((*decoded)[i].body == mixed[i].body);
  }
}

TEST_CASE("protomux: malformed control messages are clear errors") {
  // Every truncation of an open, a batch and a frame header.
  const std::string open =
      EncodeOpen(OpenMessage{1, kProtocol, std::string(32, 'k'), ""});
  for (size_t n = 0; n < open.size(); n++) {
    auto cut = DecodeOpen(std::string_view(open).substr(0, n));
    REQUIRE_FALSE(cut.ok());
    CHECK(cut.status().IsCorruption());
    CHECK(cut.status().message().starts_with("open: "));
  }
  const std::string batch = Unhex("01050007000000fd0200050000");
  size_t batch_errors = 0;
  for (size_t n = 0; n < batch.size(); n++) {
    auto cut = DecodeBatch(std::string_view(batch).substr(0, n));
    if (cut.ok()) continue;  // ends between items
    batch_errors++;
    CHECK(cut.status().message().starts_with("batch: "));
  }
  CHECK(batch_errors > 0);
  auto past = DecodeBatch(Unhex("0106000700"));  // len 6, 3 bytes left
  REQUIRE_FALSE(past.ok());
  CHECK(past.status().ToString() ==
        "Corruption: batch: item is truncated or runs past the message");
  auto huge = DecodeBatch(Unhex("01ffffffffffffffffff00"));
  REQUIRE_FALSE(huge.ok());
  auto dangling = DecodeBatch(Unhex("0102000000"));  // switch, no channel
  REQUIRE_FALSE(dangling.ok());
  CHECK(dangling.status().message().find("switched channel") !=
        std::string::npos);
  CHECK_FALSE(ParseFrameHeader(Unhex("fd01")).ok());
  CHECK_FALSE(ParseFrameHeader(Unhex("01")).ok());
  CHECK_FALSE(DecodeReject("").ok());
  CHECK(DecodeClose("").status().message() ==
        "close: localId is truncated or runs past the message");
}

TEST_CASE("protomux: crossing opens pair, messages flow both ways, close") {
  Pair p;
  auto ca = p.a.Open(kProtocol, "dk", "ha", &p.ha);
  auto cb = p.b.Open(kProtocol, "dk", "hb", &p.hb);
  REQUIRE((ca.ok() && cb.ok()));
  CHECK((*ca == 1 && *cb == 1));
  CHECK_FALSE(p.a.paired(*ca));
  p.Pump();
  CHECK(p.a.paired(*ca));
  CHECK(p.b.paired(*cb));
  CHECK(p.ha.events == std::vector<std::string>{"open 1 hb"});
  CHECK(p.hb.events == std::vector<std::string>{"open 1 ha"});

  REQUIRE(p.a.Send(*ca, 0, "ping").ok());
  REQUIRE(p.b.Send(*cb, 8, "range").ok());
  p.Pump();
  CHECK(p.hb.events.back() == "msg 1 0 ping");
  CHECK(p.ha.events.at(1) == "msg 1 8 range");
  CHECK(p.ha.events.at(2) == "msg 1 0 pong");

  // A second channel for another id gets id 2 on a; b opens it later.
  auto ca2 = p.a.Open(kProtocol, "dk2", "x", &p.ha);
  REQUIRE(ca2.ok());
  CHECK(*ca2 == 2);
  CHECK_FALSE(p.a.Open(kProtocol, "dk2", "x", &p.ha).ok());  // unique

  REQUIRE(p.a.Close(*ca).ok());
  p.Pump();
  CHECK(p.hb.events.back() == "closed 1");
  CHECK_FALSE(p.b.Send(*cb, 0, "late").ok());
  CHECK(p.b.Send(*cb, 0, "late").IsInvalidArgument());
  CHECK_FALSE(p.a.Close(*ca).ok());
  // The freed id 1 is reused, and the channel pairs again.
  auto again = p.a.Open(kProtocol, "dk", "ha2", &p.ha);
  REQUIRE(again.ok());
  CHECK(*again == 1);
  REQUIRE(p.b.Open(kProtocol, "dk", "hb2", &p.hb).ok());
  p.Pump();
  CHECK(p.ha.events.back() == "open 1 hb2");
}

TEST_CASE("protomux: an open nobody handles is rejected") {
  Pair p;
  auto ca = p.a.Open("unknown/proto", "id", "", &p.ha);
  REQUIRE(ca.ok());
  p.Pump();
  CHECK(p.ha.events == std::vector<std::string>{"rejected 1"});
  CHECK_FALSE(p.a.Send(*ca, 0, "x").ok());
  // The id is free again.
  CHECK(*p.a.Open(kProtocol, "id", "", &p.ha) == 1);

  // A listener that refuses; one that accepts at once.
  Acceptor refuse;
  refuse.mode = Acceptor::Mode::kRefuse;
  p.b.Listen("refused", &refuse);
  REQUIRE(p.a.Open("refused", "r", "", &p.ha).ok());
  p.Pump();
  CHECK(refuse.asked == std::vector<std::string>{"refused/r"});
  CHECK(p.ha.events.back() == "rejected 2");

  Acceptor accept;
  accept.mux = &p.b;
  accept.handler = &p.hb;
  p.b.Listen("served", &accept);
  auto served = p.a.Open("served", "s", "hello", &p.ha);
  REQUIRE(served.ok());
  REQUIRE(p.a.Send(*served, 3, "ping").ok());
  p.Pump();
  CHECK(p.hb.events.at(0) == "open 1 hello");
  CHECK(p.hb.events.at(1) == "msg 1 3 ping");
  CHECK(*served == 1);  // ids 1 and 2 were freed by the rejects
  CHECK(p.ha.events.at(p.ha.events.size() - 2) == "open 1 accepted");
  CHECK(p.ha.events.back() == "msg 1 3 pong");
}

TEST_CASE("protomux: messages before pairing are buffered, then replayed") {
  Pair p;
  Acceptor later;
  later.mode = Acceptor::Mode::kDefer;
  p.b.Listen(kProtocol, &later);
  auto ca = p.a.Open(kProtocol, "dk", "ha", &p.ha);
  REQUIRE(ca.ok());
  for (const char* m : {"one", "two", "ping"}) {
    REQUIRE(p.a.Send(*ca, 1, m).ok());
  }
  p.Pump();
  CHECK(later.asked.size() == 1);
  CHECK(p.hb.events.empty());
  CHECK(p.b.buffered() == 4 + 3 * 512 + 3 + 3 + 4);  // open: "dk" "ha"
  CHECK_FALSE(p.a.paired(*ca));

  auto cb = p.b.Open(kProtocol, "dk", "hb", &p.hb);
  REQUIRE(cb.ok());
  CHECK(p.hb.events == std::vector<std::string>{"open 1 ha", "msg 1 1 one",
                                                "msg 1 1 two", "msg 1 1 ping"});
  CHECK(p.b.buffered() == 0);
  p.Pump();
  CHECK(p.a.paired(*ca));
  CHECK(p.ha.events == std::vector<std::string>{"open 1 hb", "msg 1 1 pong"});

  SECTION("Reject drops what was buffered") {
    REQUIRE(p.a.Open(kProtocol, "other", "", &p.ha).ok());
    REQUIRE(p.a.Send(2, 0, "zzz").ok());
    p.Pump();
    CHECK(p.b.buffered() == 5 + 512 + 3);  // open: "other" ""
    REQUIRE(p.b.Reject(kProtocol, "other").ok());
    CHECK(p.b.buffered() == 0);
    p.Pump();
    CHECK(p.ha.events.back() == "rejected 2");
  }
}

TEST_CASE("protomux: buffering past the limit fails the Mux") {
  Mux::Options options;
  options.max_buffered = 4096;
  Mux b(options);
  Acceptor later;
  later.mode = Acceptor::Mode::kDefer;
  b.Listen(kProtocol, &later);
  REQUIRE(b.OnFrame(OpenFrame(1, kProtocol)).ok());
  const std::string big(1000, 'x');
  Status s;
  int sent = 0;
  while (s.ok() && sent < 10) {
    s = b.OnFrame(Frame(1, 0, big));
    sent++;
  }
  CHECK(sent == 3);  // 2 × 1512 fit in 4096, a third does not
  REQUIRE(s.IsCorruption());
  CHECK(s.message().find("4096") != std::string::npos);
  // The failure sticks.
  CHECK(b.OnFrame("").IsCorruption());
  Recorder h;
  CHECK_FALSE(b.Open(kProtocol, "k", "", &h).ok());

  // An open accepted for later holds its id and handshake: they count.
  Mux c(options);
  c.Listen(kProtocol, &later);
  const std::string handshake(4000, 'h');
  REQUIRE(
      c.OnFrame(Frame(0, 1, EncodeOpen({1, kProtocol, "id", handshake}))).ok());
  CHECK(c.buffered() == 4002);
  Status over = c.OnFrame(
      Frame(0, 1, EncodeOpen({2, kProtocol, "id2", std::string(100, 'x')})));
  CHECK(over.IsCorruption());
  CHECK(over.message().find("opens and messages waiting") != std::string::npos);
}

TEST_CASE("protomux: an accepted open's bytes are released when it opens") {
  Mux b;
  Acceptor later;
  later.mode = Acceptor::Mode::kDefer;
  b.Listen(kProtocol, &later);
  REQUIRE(b.OnFrame(OpenFrame(1, kProtocol, "k")).ok());  // handshake "hs"
  CHECK(b.buffered() == 3);
  Recorder h;
  h.mux = &b;
  REQUIRE(b.Open(kProtocol, "k", "", &h).ok());
  CHECK(b.buffered() == 0);
  CHECK(h.events == std::vector<std::string>{"open 1 hs"});
}

TEST_CASE("protomux: cork batches what is sent; a batch is answered as one") {
  Pair p;
  REQUIRE(p.a.Open(kProtocol, "dk", "ha", &p.ha).ok());
  REQUIRE(p.b.Open(kProtocol, "dk", "hb", &p.hb).ok());
  p.Pump();

  // PROTOCOL.md §9 frame 9: the writer's sync + range, corked.
  p.a.Cork();
  std::string sync, range;
  EncodeMessage(Sync{0, 50, 0, true, true, true, true, false}, &sync);
  EncodeMessage(Range{false, 0, 50}, &range);
  REQUIRE(p.a.Send(1, 0, sync.substr(1)).ok());
  p.a.Cork();  // nested
  REQUIRE(p.a.Send(1, 8, range.substr(1)).ok());
  p.a.Uncork();
  CHECK(p.a.TakeOutput().empty());
  p.a.Uncork();
  auto out = p.a.TakeOutput();
  REQUIRE(out.size() == 1);
  CHECK(HexEncode(out[0]) == "00000105000f0032000408000032");

  // Two pings in one batch: the two pongs come back as one batch.
  p.a.Cork();
  REQUIRE(p.a.Send(1, 0, "ping").ok());
  REQUIRE(p.a.Send(1, 0, "ping").ok());
  p.a.Uncork();
  for (const std::string& f : p.a.TakeOutput()) REQUIRE(p.b.OnFrame(f).ok());
  auto replies = p.b.TakeOutput();
  REQUIRE(replies.size() == 1);
  CHECK(HexEncode(replies[0]) ==
        "000001"
        "05"
        "00706f6e67"
        "05"
        "00706f6e67");
  // A control message sent while corked joins the batch on channel 0.
  p.b.Cork();
  REQUIRE(p.b.Send(1, 2, "x").ok());
  REQUIRE(p.b.Close(1).ok());
  p.b.Uncork();
  replies = p.b.TakeOutput();
  REQUIRE(replies.size() == 1);
  CHECK(HexEncode(replies[0]) ==
        "000001"
        "020278"
        "00"
        "00"
        "020301");
}

TEST_CASE("protomux: closing before the peer answers keeps the id reserved") {
  Pair p;
  auto ca = p.a.Open(kProtocol, "dk", "ha", &p.ha);
  REQUIRE(ca.ok());
  REQUIRE(p.a.Close(*ca).ok());
  // Not reused yet: the peer's answer still names id 1.
  auto other = p.a.Open(kProtocol, "dk3", "", &p.ha);
  REQUIRE(other.ok());
  CHECK(*other == 2);
  REQUIRE(p.b.Open(kProtocol, "dk", "hb", &p.hb).ok());
  p.Pump();
  // The closed channel hears nothing; dk3 (nobody serves it) is rejected.
  CHECK(p.ha.events == std::vector<std::string>{"rejected 2"});
  CHECK(p.hb.events == std::vector<std::string>{"open 1 ha", "closed 1"});
  CHECK(*p.a.Open(kProtocol, "dk4", "", &p.ha) == 1);
}

TEST_CASE("protomux: messages in flight to a closed channel are ignored") {
  Pair p;
  REQUIRE(p.a.Open(kProtocol, "dk", "ha", &p.ha).ok());
  REQUIRE(p.b.Open(kProtocol, "dk", "hb", &p.hb).ok());
  p.Pump();
  REQUIRE(p.b.Send(1, 0, "late").ok());
  REQUIRE(p.a.Close(1).ok());
  p.Pump();  // b's message reaches a after its close: ignored
  CHECK(p.ha.events == std::vector<std::string>{"open 1 hb"});
  CHECK(p.hb.events.back() == "closed 1");
}

TEST_CASE("protomux: hostile frames are clear errors, never a crash") {
  Recorder h;
  auto failed = [&](std::vector<std::string> frames, std::string_view what) {
    Mux m;
    h.mux = &m;
    REQUIRE(m.Open(kProtocol, "k", "", &h).ok());
    Status s;
    for (const std::string& f : frames) {
      s = m.OnFrame(f);
      if (!s.ok()) break;
    }
    CAPTURE(what);
    REQUIRE_FALSE(s.ok());
    CHECK(s.IsCorruption());
    CHECK(s.ToString().find(what) != std::string::npos);
    CHECK(m.status().ToString() == s.ToString());
  };
  failed({OpenFrame(0, kProtocol)}, "channel id 0");
  failed({OpenFrame(1, kProtocol), OpenFrame(1, kProtocol)},
         "channel id 1 is still open");
  failed({OpenFrame(2, kProtocol)}, "channel id 2 skips ids");
  failed({Frame(3, 0, "x")}, "on channel 3, which the peer never opened");
  failed({Frame(0, 2, "\x05")}, "reject: channel 5 of ours awaits no answer");
  failed({OpenFrame(1, kProtocol, "k"), Frame(0, 2, "\x01")},
         "reject: channel 1");  // paired already
  failed({Frame(0, 0, Unhex("00020001"))}, "a batch inside a batch");
  failed({Unhex("00fd")}, "protomux frame: type");
  failed({Frame(0, 1, "\x01\x05hyp")}, "open: protocol");
  failed({Frame(0, 0, Unhex("0006010000"))}, "batch: item");
  failed({Frame(0, 0, Unhex("0101fd"))}, "the type of an item");

  // Ignored, as JS ignores them: unknown control types, closes of unknown
  // channels, keep-alives, unknown message types (the handler's call).
  Mux m;
  h.mux = &m;
  h.events.clear();
  REQUIRE(m.Open(kProtocol, "k", "", &h).ok());
  for (const std::string& f :
       {Frame(0, 9, "anything"), Frame(0, 3, "\x07"), std::string(),
        OpenFrame(1, kProtocol), Frame(1, 12, "future")}) {
    CAPTURE(HexEncode(f));
    REQUIRE(m.OnFrame(f).ok());
  }
  CHECK(h.events == std::vector<std::string>{"open 1 hs", "msg 1 12 future"});
  // close: localId is required.
  CHECK(m.OnFrame(Frame(0, 3, "")).ok() == false);
}

TEST_CASE("protomux: a handler's error fails the Mux") {
  Mux m;
  Recorder h;
  h.mux = &m;
  h.fail_with = Status::VerificationFailed("capability mismatch");
  REQUIRE(m.Open(kProtocol, "k", "", &h).ok());
  REQUIRE(m.OnFrame(OpenFrame(1, kProtocol)).ok());
  Status s = m.OnFrame(Frame(1, 0, "sync"));
  CHECK(s.IsVerificationFailed());
  CHECK(m.OnFrame(Frame(1, 0, "again")).IsVerificationFailed());
  CHECK(h.events.size() == 2);
}

TEST_CASE("protomux: the id table of the peer is bounded") {
  Mux::Options options;
  options.max_remote_channels = 3;
  Mux m(options);
  for (uint64_t id = 1; id <= 3; id++) {
    REQUIRE(m.OnFrame(OpenFrame(id, "nobody")).ok());  // rejected: slot free
  }
  CHECK(m.TakeOutput().size() == 3);
  REQUIRE(m.OnFrame(OpenFrame(2, "nobody")).ok());  // reuse of a freed id
  Status s = m.OnFrame(OpenFrame(4, "nobody"));
  CHECK(s.IsCorruption());
  CHECK(s.message().find("channel id 4 is above 3") != std::string::npos);
}

std::map<std::string, std::string> LoadFlat(const std::string& session) {
  std::ifstream in(std::string(BEE_TEST_DATA_DIR) + "/protocol/session-" +
                   session + ".flat");
  REQUIRE(in.good());
  std::map<std::string, std::string> flat;
  std::string key, value;
  while (in >> key >> value) flat[key] = value;
  return flat;
}

// Every recorded frame cut at every byte, after a paired open: the Mux
// takes it or fails with Corruption, and never crashes.
TEST_CASE("protomux: recorded frames truncated at every byte") {
  for (const char* session : {"sparse-get", "sparse-relay", "live-append"}) {
    auto flat = LoadFlat(session);
    for (const auto& [key, hex] : flat) {
      if (key.find("_payload_") == std::string::npos || hex == "-") continue;
      const std::string frame = Unhex(hex);
      CAPTURE(session, key);
      if (key.ends_with("_payload_0")) {
        CHECK(frame.size() == 85);  // §6.1: the open of local id 1
      }
      size_t failures = 0;
      for (size_t n = 1; n < frame.size(); n++) {
        Mux m;
        Recorder h;
        h.mux = &m;
        h.decode = true;
        REQUIRE(m.Open(kProtocol, "k", "", &h).ok());
        REQUIRE(m.OnFrame(OpenFrame(1, kProtocol)).ok());
        Status s = m.OnFrame(std::string_view(frame).substr(0, n));
        if (s.ok()) continue;
        failures++;
        CHECK(s.IsCorruption());
      }
      // Only cuts that end a message where an optional field may start
      // pass (noData, want and the batch's item boundaries).
      CHECK(failures + 3 >= frame.size() - 1);
    }
  }
}

// A Mux in the writer's place of session-sparse-get (PROTOCOL.md §9): its
// open is the writer's byte for byte, and it hears every reader message.
TEST_CASE("protomux: a Mux replays the reader side of a recorded session") {
  const auto flat = LoadFlat("sparse-get");
  auto payload = [&](char side, int i) {
    const std::string v =
        flat.at(std::string(1, side) + "_payload_" + std::to_string(i));
    return v == "-" ? std::string() : Unhex(v);
  };
  const std::string writer_open = payload('r', 0);
  auto header = ParseFrameHeader(writer_open);
  REQUIRE(header.ok());
  auto open = DecodeOpen(header->payload);
  REQUIRE(open.ok());

  Mux m;
  Recorder h;
  h.mux = &m;
  auto channel = m.Open(open->protocol, open->id, open->handshake, &h);
  REQUIRE(channel.ok());
  auto out = m.TakeOutput();
  REQUIRE(out.size() == 1);
  CHECK(out[0] == writer_open);

  const int n = std::stoi(flat.at("i_payloads"), nullptr, 16);
  for (int i = 0; i < n; i++) REQUIRE(m.OnFrame(payload('i', i)).ok());
  auto reader_open = DecodeOpen(ParseFrameHeader(payload('i', 0))->payload);
  REQUIRE(h.events.size() == 7);
  CHECK(h.events[0] == "open 1 " + reader_open->handshake);
  // batch: sync + want; batch: request; then sync, sync, request.
  for (auto [i, type] :
       {std::pair{1, 0}, {2, 5}, {3, 1}, {4, 0}, {5, 0}, {6, 1}}) {
    CHECK(h.events[static_cast<size_t>(i)].starts_with(
        "msg 1 " + std::to_string(type) + " "));
  }
}

}  // namespace
}  // namespace bee::net
