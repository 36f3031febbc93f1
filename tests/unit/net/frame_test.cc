#include "net/frame.h"

#include <catch2/catch.hpp>
#include <string>

namespace bee::net {
namespace {

TEST_CASE("frames: u24le length prefix, split and coalesced arbitrarily") {
  std::string wire;
  AppendFrame(&wire, std::string(32, 'a'));
  AppendFrame(&wire, "");
  AppendFrame(&wire, std::string(70000, 'b'));
  // PROTOCOL.md §3.4: a 32-byte handshake body is `20 00 00 ‖ m1`.
  REQUIRE(wire.substr(0, 3) == std::string("\x20\x00\x00", 3));
  REQUIRE(wire.substr(35, 3) == std::string("\x00\x00\x00", 3));
  REQUIRE(wire.substr(38, 3) == std::string("\x70\x11\x01", 3));  // 70000

  for (size_t step : {size_t{1}, size_t{2}, size_t{7}, wire.size()}) {
    FrameDecoder decoder;
    std::vector<std::string> bodies;
    for (size_t i = 0; i < wire.size(); i += step) {
      decoder.Feed(std::string_view(wire).substr(i, step));
      std::string body;
      for (;;) {
        auto next = decoder.Next(&body);
        REQUIRE(next.ok());
        if (!*next) break;
        bodies.push_back(body);
      }
    }
    REQUIRE(bodies.size() == 3);
    CHECK(bodies[0] == std::string(32, 'a'));
    CHECK(bodies[1].empty());
    CHECK(bodies[2] == std::string(70000, 'b'));
    CHECK(decoder.buffered() == 0);
  }
}

TEST_CASE("frames: a declared length over the limit fails before buffering") {
  FrameDecoder decoder(1024);
  std::string wire;
  AppendFrame(&wire, std::string(1025, 'x'));
  decoder.Feed(wire.substr(0, 3));  // only the header: refused already
  std::string body;
  auto next = decoder.Next(&body);
  REQUIRE_FALSE(next.ok());
  CHECK(next.status().IsCorruption());
  CHECK(next.status().ToString().find("1025") != std::string::npos);
  CHECK(next.status().ToString().find("1024") != std::string::npos);
  // The decoder stays failed: the connection must be dropped.
  decoder.Feed(wire.substr(3));
  CHECK_FALSE(decoder.Next(&body).ok());
}

TEST_CASE("frames: a frame at exactly the limit is accepted") {
  FrameDecoder decoder(1024);
  std::string wire;
  AppendFrame(&wire, std::string(1024, 'x'));
  decoder.Feed(wire);
  std::string body;
  auto next = decoder.Next(&body);
  REQUIRE(next.ok());
  REQUIRE(*next);
  CHECK(body.size() == 1024);
}

}  // namespace
}  // namespace bee::net
