// The secretstream layer (net/secret_stream.h) against PROTOCOL.md §4's
// examples and the recorded Noise sessions, and against damaged input.
#include "net/secret_stream.h"

#include <catch2/catch.hpp>
#include <string>

#include "encoding/bytes.h"
#include "tests/util/protocol_vectors.h"
#include "tests/util/vectors.h"

namespace bee::net {
namespace {

using bee::test::LoadProtocolJson;
using bee::test::Unhex;
using nlohmann::json;

template <size_t N>
std::array<uint8_t, N> Fixed(const std::string& hex) {
  return *HexDecodeFixed<N>(hex, "test vector");
}

bool Mentions(const Status& s, const std::string& text) {
  return s.ToString().find(text) != std::string::npos;
}

TEST_CASE("secret stream: namespaces (§4.1)") {
  CHECK(HexEncode(SecretStreamNamespace(0)) ==
        "a931a0155b5c09e6d28628236af83c4b8a6af9af60986edeede9dc5d63192bf7");
  CHECK(HexEncode(SecretStreamNamespace(1)) ==
        "742c9d833d430af4c48a8705e91631eecf295442bbca18996e597097723b1061");
  CHECK(HexEncode(SecretStreamNamespace(2)) ==
        "aab97d097471f56651b0460ffc8aaa7d3342f7377597d60b925a1dac689adcbf");
  const json v = LoadProtocolJson("noise-session.json");
  const json& ns = v["namespaces"]["hyperswarm/secret-stream"];
  for (uint8_t i = 0; i < 3; i++) {
    CHECK(HexEncode(SecretStreamNamespace(i)) == ns[i].get<std::string>());
  }
}

TEST_CASE("secret stream: stream ids of the recorded sessions") {
  CHECK(HexEncode(ComputeStreamId(
            Fixed<64>("b44f4e3196eb2a9a8ed6beb9d81974b119e977e85c306d9455ad33"
                      "4731810746f1de5141102e6f59afe8bda3c31aab017d0fd6f4e0ac"
                      "1556d04679e4543ec8e1"),
            true)) ==
        "dd79d1f5580eb74500b11eb58c53af2b08e2377ea0a98d7e670858f867c02897");
  for (const char* file : {"noise-session.json", "noise-session-alt.json"}) {
    CAPTURE(file);
    const json v = LoadProtocolJson(file);
    for (bool initiator : {true, false}) {
      const json& side = v[initiator ? "initiator" : "responder"];
      auto hash = Fixed<64>(side["handshakeHash"]);
      CHECK(HexEncode(ComputeStreamId(hash, initiator)) ==
            side["streamIdOwn"].get<std::string>());
      // The id/header frame each side sent (§4.1).
      const json& frames = v["wire"][initiator ? "framesInitiatorToResponder"
                                               : "framesResponderToInitiator"];
      const json& header = v["secretstreamHeaders"][initiator ? 0 : 1];
      std::string body;
      AppendHeaderFrame(ComputeStreamId(hash, initiator),
                        Fixed<24>(header["header"]), &body);
      CHECK(HexEncode(body) ==
            frames[initiator ? 2 : 1]["body"].get<std::string>());
      auto parsed = ParseHeaderFrame(body, ComputeStreamId(hash, initiator));
      REQUIRE(parsed.ok());
      CHECK(HexEncode(*parsed) == header["header"].get<std::string>());
    }
  }
}

TEST_CASE("secret stream: §4.2's hello and empty messages") {
  const auto key = Fixed<32>(
      "b0c6f0f463c503cb113ec005efe723cd7e9c60a5375f14e5cc7f481b45055c25");
  const SecretStreamHeader header =
      Fixed<24>("505050505050505050505050505050505050505050505050");
  auto push = SecretStreamPush::WithHeaderForTesting(key, header);
  CHECK(push.header() == header);
  std::string hello, empty;
  push.Encrypt("hello", &hello);
  push.Encrypt("", &empty);
  CHECK(HexEncode(hello) == "343c73493e8d80ad2092ce2da298165566c7765e4c66");
  CHECK(HexEncode(empty) == "1a7f5ee3bbb82ec42b8b7868865f22e725");

  SecretStreamPull pull(key, header);
  std::string plain = "stale";
  REQUIRE(pull.Decrypt(hello, &plain).ok());
  CHECK(plain == "hello");
  REQUIRE(pull.Decrypt(empty, &plain).ok());
  CHECK(plain.empty());
  CHECK(pull.messages() == 2);
}

TEST_CASE("secret stream: a pinned header replays a real init_push exactly") {
  std::array<uint8_t, 32> key{};
  key[0] = 9;
  SecretStreamPush real(key);
  auto pinned = SecretStreamPush::WithHeaderForTesting(key, real.header());
  for (const char* m : {"a", "", "hello world"}) {
    std::string a, b;
    real.Encrypt(m, &a);
    pinned.Encrypt(m, &b);
    CHECK(a == b);
  }
  // Random headers differ.
  SecretStreamPush other(key);
  CHECK(other.header() != real.header());
}

TEST_CASE("secret stream: a wrong header frame is Corruption naming it") {
  const StreamId id = SecretStreamNamespace(0);
  std::string body;
  AppendHeaderFrame(id, SecretStreamHeader{}, &body);
  REQUIRE(body.size() == kHeaderFrameSize);
  for (size_t size : {size_t{0}, size_t{55}, size_t{57}, size_t{96}}) {
    CAPTURE(size);
    std::string b = body;
    b.resize(size);
    auto parsed = ParseHeaderFrame(b, id);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().IsCorruption());
    CHECK(Mentions(parsed.status(),
                   "has " + std::to_string(size) + " bytes, expected 56"));
  }
  const StreamId other = SecretStreamNamespace(1);
  auto parsed = ParseHeaderFrame(body, other);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().IsCorruption());
  CHECK(Mentions(parsed.status(), "stream id is " + HexEncode(id) +
                                      ", expected " + HexEncode(other)));
}

TEST_CASE("secret stream: damaged messages are Corruption, for good") {
  std::array<uint8_t, 32> key{};
  key[5] = 1;
  SecretStreamPush push(key);
  std::string first, second;
  push.Encrypt("first message", &first);
  push.Encrypt("second", &second);
  for (size_t pos = 0; pos < first.size(); pos++) {
    CAPTURE(pos);
    std::string bad = first;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x80);
    SecretStreamPull pull(key, push.header());
    std::string plain;
    Status s = pull.Decrypt(bad, &plain);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s, "message 0 (30 bytes) does not decrypt"));
    CHECK(plain.empty());
    // The pull stays failed: even the genuine message is refused now.
    CHECK(pull.Decrypt(first, &plain).ToString() == s.ToString());
  }
  SECTION("too short to be a message") {
    SecretStreamPull pull(key, push.header());
    std::string plain;
    Status s = pull.Decrypt(first.substr(0, 16), &plain);
    CHECK(s.IsCorruption());
    CHECK(Mentions(s, "has 16 bytes, fewer than the 17"));
  }
  SECTION("out of order") {
    SecretStreamPull pull(key, push.header());
    std::string plain;
    CHECK(pull.Decrypt(second, &plain).IsCorruption());
  }
  SECTION("the wrong header") {
    SecretStreamPull pull(key, SecretStreamHeader{});
    std::string plain;
    CHECK(pull.Decrypt(first, &plain).IsCorruption());
  }
  SECTION("the genuine sequence") {
    SecretStreamPull pull(key, push.header());
    std::string plain;
    REQUIRE(pull.Decrypt(first, &plain).ok());
    CHECK(plain == "first message");
    REQUIRE(pull.Decrypt(second, &plain).ok());
    CHECK(plain == "second");
  }
}

}  // namespace
}  // namespace bee::net
