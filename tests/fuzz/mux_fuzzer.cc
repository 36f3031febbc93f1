// Fuzzes the hypercore/alpha message codecs (net/wire.h) and the Protomux
// codecs and Mux (net/protomux.h): bytes a peer sends after decryption.
// The first input byte picks the case:
//   0: DecodeMessage(type = the second byte, the rest)
//   1: the control codecs (open, reject, close, batch) over the rest
//   2: the rest as frames (fuzz_util.h SplitBlocks) fed to a Mux that has
//      opened a hypercore/alpha channel and listens for more; the second
//      byte says whether the listener accepts at once, later or never.
// Properties: whatever decodes re-encodes to bytes that decode to the same
// encoding; the Mux never buffers past its limit, and once failed it stays
// failed with the same error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "net/protomux.h"
#include "net/wire.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using bee::Status;
using bee::fuzz::Check;
using namespace bee::net;

constexpr const char* kProtocol = "hypercore/alpha";

void FuzzMessage(uint64_t type, std::string_view payload) {
  auto m = DecodeMessage(type, payload);
  if (!m.ok()) {
    Check(m.status().IsCorruption() || m.status().IsNotSupported(),
          "a bad message is Corruption (or NotSupported for its type)");
    return;
  }
  std::string once;
  EncodeMessage(*m, &once);
  Check(!once.empty() && static_cast<uint8_t>(once[0]) == type,
        "the type is written first");
  auto again = DecodeMessage(type, std::string_view(once).substr(1));
  Check(again.ok(), "an encoded message decodes");
  std::string twice;
  EncodeMessage(*again, &twice);
  Check(once == twice, "encoding is a fixed point");
}

void FuzzControl(std::string_view bytes) {
  if (auto open = DecodeOpen(bytes); open.ok()) {
    auto back = DecodeOpen(EncodeOpen(*open));
    Check(back.ok() && *back == *open, "an open round-trips");
    (void)DecodeChannelHandshake(open->handshake);
  }
  if (auto reject = DecodeReject(bytes); reject.ok()) {
    Check(DecodeReject(EncodeReject(*reject))->remote_id == reject->remote_id,
          "a reject round-trips");
  }
  if (auto close = DecodeClose(bytes); close.ok()) {
    Check(DecodeClose(EncodeClose(*close))->local_id == close->local_id,
          "a close round-trips");
  }
  if (auto items = DecodeBatch(bytes); items.ok() && !items->empty()) {
    const std::string encoded = EncodeBatch(*items);  // back points into it
    auto back = DecodeBatch(encoded);
    Check(back.ok() && back->size() == items->size(), "a batch round-trips");
    for (size_t i = 0; i < items->size(); i++) {
      Check((*back)[i].channel == (*items)[i].channel &&
                (*back)[i].body == (*items)[i].body,
            "batch items round-trip");
    }
  }
}

// Decodes what arrives; answers a sync with a range and closes on cancel,
// so callbacks also send and close.
struct Handler : ChannelHandler {
  Mux* mux = nullptr;
  ExtensionNames names;

  Status OnOpen(uint32_t, std::string_view handshake) override {
    (void)DecodeChannelHandshake(handshake);
    return Status::OK();
  }
  Status OnMessage(uint32_t channel, uint64_t type,
                   std::string_view payload) override {
    auto m = DecodeMessage(type, payload);
    if (!m.ok()) return Status::OK();
    if (auto* ext = std::get_if<Extension>(&*m)) names.Received(ext);
    if (type == 0) return mux->Send(channel, 8, std::string("\x00\x00\x01", 3));
    if (type == 2) return mux->Close(channel);
    return Status::OK();
  }
  void OnClose(uint32_t, bool) override {}
};

struct Listener : OpenListener {
  Mux* mux = nullptr;
  Handler* handler = nullptr;
  uint8_t mode = 0;
  std::vector<std::pair<std::string, std::string>> deferred;

  bool OnRemoteOpen(std::string_view protocol, std::string_view id) override {
    switch (mode % 3) {
      case 0:
        (void)mux->Open(protocol, id, "", handler);
        return true;
      case 1:
        deferred.emplace_back(protocol, id);
        return true;
    }
    return false;
  }
};

void FuzzMux(uint8_t mode, std::string_view input) {
  Mux::Options options;
  options.max_buffered = 4096;
  options.max_remote_channels = 64;
  Mux mux(options);
  Handler handler;
  handler.mux = &mux;
  Listener listener;
  listener.mux = &mux;
  listener.handler = &handler;
  listener.mode = mode;
  mux.Listen(kProtocol, &listener);
  mux.Listen("hypercore", &listener);
  Check(mux.Open(kProtocol, std::string(32, 'k'), "", &handler).ok(),
        "a fresh Mux opens");
  if (mode & 4) mux.Cork();
  for (const std::string& frame : bee::fuzz::SplitBlocks(input, 256)) {
    Status s = mux.OnFrame(frame);
    Check(mux.buffered() <= options.max_buffered, "buffering is bounded");
    if (!s.ok()) {
      Check(mux.OnFrame("").ToString() == s.ToString(), "failure sticks");
      return;
    }
  }
  for (const auto& [protocol, id] : listener.deferred) {
    (void)mux.Open(protocol, id, "", &handler);
  }
  if (mode & 4) mux.Uncork();
  for (const std::string& frame : mux.TakeOutput()) {
    auto header = ParseFrameHeader(frame);
    Check(header.ok(), "what the Mux sends parses");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  switch (data[0] % 3) {
    case 0:
      FuzzMessage(data[1] % 12, rest);
      break;
    case 1:
      FuzzControl(
          std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
      break;
    case 2:
      FuzzMux(data[1], rest);
      break;
  }
  return 0;
}
