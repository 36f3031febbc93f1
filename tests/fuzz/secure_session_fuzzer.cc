// Fuzzes net::SecureSession (net/secure_session.h) with bytes from a peer.
// Input: byte 0 picks the case, byte 1 how the rest is cut into Receive()
// calls (0: whole, else pieces of 1..64 bytes); the rest is the stream.
//   0: a responder with its own keys: the stream starts at message 1
//   1: noise-session's pinned responder, after the recorded m1 and m3:
//      the stream starts at the initiator's id/header frame
//   2: noise-session's pinned initiator, after the recorded m2: the stream
//      starts at the responder's id/header frame
// Cases 1 and 2 reach the header check and decryption (the seeds, written
// by bee_fuzz_seeds from noise-session.txt, decrypt in full). Properties:
// no crash or leak; an error, and only an error, fails the session; memory
// stays bounded (one partial frame, at most 98 bytes before the peer's
// header frame); a message is never produced from fewer than 20 bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "encoding/bytes.h"
#include "net/secure_session.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using bee::fuzz::Check;
using bee::net::SecureSession;

// noise-session (PROTOCOL.md §3.5): seeds and the handshake frames.
constexpr const char* kInitiatorStatic =
    "1010101010101010101010101010101010101010101010101010101010101010";
constexpr const char* kResponderStatic =
    "2020202020202020202020202020202020202020202020202020202020202020";
constexpr const char* kInitiatorEphemeral =
    "3030303030303030303030303030303030303030303030303030303030303030";
constexpr const char* kResponderEphemeral =
    "4040404040404040404040404040404040404040404040404040404040404040";
constexpr const char* kM1M3 =
    "2000001ba4075b77c9e3fb3ecde15cdaf5221f3c10373e623f7b0e1ef76366b0af7137"
    "400000b1abe10e937d7b8f8851c9b5f9ae69fade463fca8fc5f52283c764deede37e70"
    "b325a9d6dc2b0ddbb752593e357aeff04c75dd2d67d2c4d9cc0e5f3ab0c1a9c0";
constexpr const char* kM2 =
    "600000677a74d964e4a84ffa5025a8b5537b5c4a37ad6d146e854783ac734684a207c4"
    "6a1bc17771b9ed726ca99ecb6512b7236143df255c6ed1af2c4a4f2e2f35b3bc97699e"
    "56ddf99ce4130394ad74be051926404bccf05a44c238a22bbae0bdf917";

bee::log::Seed SeedOf(const char* hex) {
  return *bee::HexDecodeFixed<32>(hex, "seed");
}

std::unique_ptr<SecureSession> NewSession(int mode) {
  bee::net::SecureSessionOptions options;
  const bool initiator = mode == 2;
  bee::log::Seed seed{};
  seed[0] = 0x5a;  // case 0: other keys, pinned so that runs replay
  options.noise.ephemeral_seed = seed;
  if (mode != 0) {
    options.noise.ephemeral_seed =
        SeedOf(initiator ? kInitiatorEphemeral : kResponderEphemeral);
    seed = SeedOf(initiator ? kInitiatorStatic : kResponderStatic);
  }
  auto session = SecureSession::Create(
      initiator, bee::log::KeyPair::FromSeed(seed), std::move(options));
  Check(session.ok(), "a session is created");
  return std::move(session).value();
}

void CheckAfter(const SecureSession& s, const bee::Status& status) {
  Check(status.ok() == (s.state() != SecureSession::State::kFailed),
        "an error, and only an error, fails the session");
  if (!status.ok()) return;
  // Every whole frame was handled: what stays is one partial frame, of at
  // most a handshake message's size until the peer's header is in.
  const size_t limit = s.state() == SecureSession::State::kOpen
                           ? bee::net::kMaxFrameBody
                           : bee::net::kNoiseMessage2Size;
  Check(s.buffered_bytes() < 3 + limit, "at most one partial frame");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int mode = data[0] % 3;
  const size_t piece = data[1] == 0 ? size : 1 + data[1] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  auto session = NewSession(mode);
  std::string out;
  std::vector<std::string> messages;
  Check(session->Start(&out).ok(), "Start");
  if (mode != 0) {
    const std::string handshake = *bee::HexDecode(mode == 1 ? kM1M3 : kM2);
    Check(session->Receive(handshake, &out, &messages).ok() &&
              session->handshake_done(),
          "the recorded handshake completes");
  }
  while (!stream.empty()) {
    const size_t n = std::min(piece, stream.size());
    const size_t before = messages.size();
    bee::Status s = session->Receive(stream.substr(0, n), &out, &messages);
    CheckAfter(*session, s);
    Check(messages.size() - before <= n / 20 + 1,
          "each message costs at least 20 bytes on the wire");
    if (!s.ok()) break;
    stream.remove_prefix(n);
  }
  return 0;
}
