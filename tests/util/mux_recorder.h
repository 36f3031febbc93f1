// A Protomux channel owner for tests (net/protomux.h): records what it
// hears as lines ("open 1 <handshake>", "msg 1 0 <payload>", "closed 1",
// "rejected 2"); with a Mux, it answers "ping" with "pong"; it can fail
// each message with a set Status, or on hypercore messages that do not
// decode.
#ifndef BEE_TESTS_UTIL_MUX_RECORDER_H_
#define BEE_TESTS_UTIL_MUX_RECORDER_H_

#include <string>
#include <string_view>
#include <vector>

#include "net/protomux.h"
#include "net/wire.h"

namespace bee::test {

struct MuxRecorder : net::ChannelHandler {
  net::Mux* mux = nullptr;  // set to answer "ping"
  std::vector<std::string> events;
  Status fail_with;
  bool decode = false;  // hypercore messages: fail on the ones that do not

  Status OnOpen(uint32_t channel, std::string_view handshake) override {
    events.push_back("open " + std::to_string(channel) + " " +
                     std::string(handshake));
    return Status::OK();
  }
  Status OnMessage(uint32_t channel, uint64_t type,
                   std::string_view payload) override {
    events.push_back("msg " + std::to_string(channel) + " " +
                     std::to_string(type) + " " + std::string(payload));
    if (decode) {
      auto m = net::DecodeMessage(type, payload);
      if (!m.ok() && !m.status().IsNotSupported()) return m.status();
    }
    if (payload == "ping" && mux != nullptr) {
      return mux->Send(channel, type, "pong");
    }
    return fail_with;
  }
  void OnClose(uint32_t channel, bool rejected) override {
    events.push_back((rejected ? "rejected " : "closed ") +
                     std::to_string(channel));
  }
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_MUX_RECORDER_H_
