// SecureSession (net/secure_session.h) against the real
// @hyperswarm/secret-stream 6.9.2 over TCP on loopback, in both roles.
// Static keys are fixed; ephemeral keys and secretstream headers are
// random on both sides, so this checks what the replays of recorded
// sessions cannot: a live JS peer reading our random headers, JS's
// keep-alives arriving while idle, our keep-alive dropped by JS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <future>
#include <string>
#include <vector>

#include "encoding/bytes.h"
#include "net/secure_session.h"
#include "tests/util/node_runner.h"

namespace bee::net {
namespace {

using nlohmann::json;

// Closes a descriptor when the test leaves, before the node process is
// waited for (so a failed test never leaves node blocked on us).
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// A listening socket on 127.0.0.1 and an ephemeral port.
uint16_t Listen(Fd* listener) {
  listener->fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener->fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener->fd, reinterpret_cast<sockaddr*>(&addr),
               sizeof(addr)) == 0);
  REQUIRE(listen(listener->fd, 1) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(listener->fd, reinterpret_cast<sockaddr*>(&addr), &len) ==
          0);
  return ntohs(addr.sin_port);
}

// Waits for `fd` to be readable. The generous bound only turns a hang into
// a failure; no assertion depends on timing.
void WaitReadable(int fd) {
  pollfd p{fd, POLLIN, 0};
  REQUIRE(poll(&p, 1, 60000) == 1);
}

void WriteAll(int fd, std::string* out) {
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n = send(fd, out->data() + done, out->size() - done, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    done += static_cast<size_t>(n);
  }
  out->clear();
}

void RunWithJs(bool bee_initiator) {
  CAPTURE(bee_initiator);
  REQUIRE(test::NodeAvailable());
  // Destroyed last: the sockets close first, so node exits even when the
  // test fails half-way.
  std::future<Result<json>> js;
  Fd listener;
  const uint16_t port = Listen(&listener);
  const std::string js_seed(64, 'c');
  const std::vector<std::string> js_sends = {"from js",
                                             std::string(70000, 'j')};
  const std::string first = "from bee", last(70000, 'b');
  const json program = {
      {"port", port},
      {"initiator", !bee_initiator},
      {"seed", js_seed},
      {"send", {HexEncode(js_sends[0]), HexEncode(js_sends[1])}},
      {"expect", 2},
      {"keepAlive", 50}};
  js = std::async(std::launch::async, [&program] {
    return test::RunNodeScript("secret_stream.js", program);
  });
  Fd conn;
  {
    WaitReadable(listener.fd);
    conn.fd = accept(listener.fd, nullptr, nullptr);
    REQUIRE(conn.fd >= 0);
  }
  log::Seed seed{};
  seed.fill(0x42);
  auto session =
      SecureSession::Create(bee_initiator, log::KeyPair::FromSeed(seed));
  REQUIRE(session.ok());
  SecureSession& s = **session;
  std::string out;
  std::vector<std::string> received;
  // Queued until the handshake is done; JS drops the keep-alive.
  REQUIRE(s.Send(first, &out).ok());
  REQUIRE(s.SendKeepAlive(&out).ok());
  REQUIRE(s.Start(&out).ok());
  WriteAll(conn.fd, &out);
  bool sent_last = false;
  std::string buf(65536, '\0');
  // JS's bytes take a few dozen reads; far more means no progress (e.g.
  // its keep-alives are not recognised and it waits for our last message).
  for (int reads = 0;; reads++) {
    REQUIRE(reads < 500);
    WaitReadable(conn.fd);
    ssize_t n = read(conn.fd, buf.data(), buf.size());
    REQUIRE(n >= 0);
    if (n == 0) break;  // JS ended after our two messages
    Status st = s.Receive(std::string_view(buf.data(), static_cast<size_t>(n)),
                          &out, &received);
    REQUIRE(st.ok());
    // JS sends a keep-alive once idle; only then do we send the last
    // message, so its arrival proves keep-alives are received and dropped.
    if (!sent_last && s.keep_alives_received() > 0) {
      REQUIRE(s.Send(last, &out).ok());
      sent_last = true;
    }
    WriteAll(conn.fd, &out);
  }
  close(conn.fd);
  conn.fd = -1;
  auto result = js.get();
  REQUIRE(result.ok());
  const json& r = *result;
  CHECK(r["handshakeHash"] == HexEncode(s.handshake_hash()));
  CHECK(r["publicKey"] == HexEncode(s.remote_public_key()));
  CHECK(r["remotePublicKey"] ==
        HexEncode(log::KeyPair::FromSeed(seed).public_key()));
  CHECK(r["received"] == json({HexEncode(first), HexEncode(last)}));
  CHECK(received == js_sends);
  CHECK(s.keep_alives_received() >= 1);
  CHECK(s.state() == SecureSession::State::kOpen);
}

TEST_CASE("secure session interop: bee dials JS secret-stream", "[interop]") {
  RunWithJs(true);
}

TEST_CASE("secure session interop: JS secret-stream dials bee", "[interop]") {
  RunWithJs(false);
}

}  // namespace
}  // namespace bee::net
