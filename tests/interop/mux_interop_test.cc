// bee's Mux against the real Protomux (tests/interop/js/mux.js): JS reads
// what our Mux writes, and our Mux reads what JS answers.
#include <catch2/catch.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "encoding/bytes.h"
#include "net/protomux.h"
#include "tests/util/mux_recorder.h"
#include "tests/util/node_runner.h"

namespace bee::net {
namespace {

using nlohmann::json;

constexpr const char* kProtocol = "hypercore/alpha";

std::string Hex(std::string_view s) { return HexEncode(s); }

using Recorder = test::MuxRecorder;

TEST_CASE("mux interop: the real Protomux and our Mux talk", "[interop]") {
  if (!test::NodeAvailable()) {
    std::cout << "BEE-SKIPPED: " << test::NodeStatus().ToString() << "\n";
    return;
  }
  const std::string dk1(32, '\x01'), dk2(32, '\x02');
  Mux mux;
  Recorder h1, h2, h3;
  // Channel 1 pairs with JS's and stays open; nobody serves channel 2;
  // channel 3 pairs and we close it.
  REQUIRE(*mux.Open(kProtocol, dk1, "bee-hs-1", &h1) == 1);
  REQUIRE(mux.Send(1, 0, "early").ok());  // before JS's open arrives
  REQUIRE(*mux.Open("nobody/serves", "x", "", &h2) == 2);
  REQUIRE(*mux.Open(kProtocol, dk2, "bee-hs-3", &h3) == 3);
  mux.Cork();
  REQUIRE(mux.Send(1, 0, "ping").ok());
  REQUIRE(mux.Send(1, 1, "a").ok());
  REQUIRE(mux.Send(3, 1, "b").ok());
  REQUIRE(mux.Close(3).ok());
  mux.Uncork();
  json frames = json::array();
  for (const std::string& f : mux.TakeOutput()) frames.push_back(Hex(f));
  REQUIRE(frames.size() == 5);  // 3 opens, early, then one batch

  json program = {
      {"channels",
       {{{"protocol", kProtocol}, {"id", Hex(dk1)}, {"handshake", "6a73"}},
        {{"protocol", kProtocol}, {"id", Hex(dk2)}, {"handshake", "6a73"}}}},
      {"frames", frames}};
  auto js = test::RunNodeScript("mux.js", program);
  REQUIRE(js.ok());
  INFO(js->dump());
  CHECK((*js)["destroyed"].is_null());
  const json want_events = json::parse(R"([
    ["open", "hypercore/alpha", "6265652d68732d31"],
    ["message", "hypercore/alpha", 0, "6561726c79"],
    ["open", "hypercore/alpha", "6265652d68732d33"],
    ["message", "hypercore/alpha", 0, "70696e67"],
    ["message", "hypercore/alpha", 1, "61"],
    ["message", "hypercore/alpha", 1, "62"],
    ["close", "hypercore/alpha", true]
  ])");
  CHECK((*js)["events"] == want_events);

  // JS's opens are what our encoder writes for the same channel.
  const json& written = (*js)["written"];
  REQUIRE(written.size() >= 2);
  std::string open_frame;
  AppendChannelFrame(0, 1, EncodeOpen(OpenMessage{1, kProtocol, dk1, "js"}),
                     &open_frame);
  CHECK(written[0] == Hex(open_frame));

  for (const json& f : written) {
    auto raw = HexDecode(f.get<std::string>());
    REQUIRE(raw.ok());
    REQUIRE(mux.OnFrame(*raw).ok());
  }
  CHECK(h1.events == std::vector<std::string>{"open 1 js", "msg 1 0 hello",
                                              "msg 1 1 world", "msg 1 0 pong"});
  CHECK(h2.events == std::vector<std::string>{"rejected 2"});
  CHECK(h3.events.empty());  // closed by us before JS's open came
  CHECK(mux.status().ok());
  // Ids 2 and 3 are free again, 1 is still paired.
  CHECK(mux.paired(1));
  CHECK(*mux.Open(kProtocol, "again", "", &h2) == 2);
}

}  // namespace
}  // namespace bee::net
