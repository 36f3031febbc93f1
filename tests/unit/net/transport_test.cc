#include "net/transport.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "net/event_loop.h"
#include "tests/util/fault_transport.h"

namespace bee::net {
namespace {

using std::chrono::milliseconds;
using test::FaultPlan;
using test::FaultTransport;
using Dir = FaultTransport::Direction;

// Timeouts only bound a hang; no test depends on how long anything takes.
constexpr auto kHang = std::chrono::seconds(60);

std::unique_ptr<EventLoop> NewLoop() {
  auto loop = EventLoop::Create();
  REQUIRE(loop.ok());
  return std::move(loop).value();
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

bool Contains(const Status& s, std::string_view part) {
  return s.ToString().find(part) != std::string::npos;
}

// One end of a connection in a test: what it received, how it closed.
struct End {
  explicit End(std::unique_ptr<Transport> transport)
      : t(std::move(transport)) {}
  std::unique_ptr<Transport> t;
  std::string received;
  std::optional<Status> closed;
  int drains = 0;
  std::function<void()> on_drain;  // extra work on drain

  void Start() {
    TransportHandlers h;
    h.on_data = [this](std::string_view b) { received.append(b); };
    h.on_close = [this](const Status& why) { closed = why; };
    h.on_drain = [this] {
      ++drains;
      if (on_drain) on_drain();
    };
    t->Start(std::move(h));
  }
};

// Writes as much of data[*sent..] as the queue bound allows. A write can
// leave at once (TCP), making room again, so it goes on until the queue
// holds bytes: then on_drain will follow.
void WriteSome(Transport* t, std::string_view data, size_t* sent) {
  for (;;) {
    const size_t room = t->queue_limit() - t->queued_bytes();
    const size_t n = std::min(room, data.size() - *sent);
    if (n == 0) return;
    REQUIRE(t->Write(data.substr(*sent, n)).ok());
    *sent += n;
  }
}

// An echo server end: writes back what it reads, pausing its reading while
// its send queue is full, so its memory stays bounded.
struct Echo {
  explicit Echo(std::unique_ptr<Transport> transport)
      : t(std::move(transport)) {}
  std::unique_ptr<Transport> t;
  std::string backlog;
  size_t echoed = 0;
  std::optional<Status> closed;

  void Flush() {
    size_t sent = 0;
    WriteSome(t.get(), backlog, &sent);
    echoed += sent;
    backlog.erase(0, sent);
    if (backlog.empty()) {
      t->ResumeReading();
    } else {
      t->PauseReading();
    }
  }
  void Start() {
    TransportHandlers h;
    h.on_data = [this](std::string_view b) {
      backlog.append(b);
      Flush();
    };
    h.on_close = [this](const Status& why) { closed = why; };
    h.on_drain = [this] { Flush(); };
    t->Start(std::move(h));
  }
};

// Sends `data` from `client` to an echo at `server` and checks that the
// same bytes come back, with both sides honouring back-pressure.
void EchoRoundTrip(EventLoop* loop, std::unique_ptr<Transport> client,
                   std::unique_ptr<Transport> server, const std::string& data) {
  End c{std::move(client)};
  Echo s{std::move(server)};
  size_t sent = 0;
  c.on_drain = [&] { WriteSome(c.t.get(), data, &sent); };
  c.Start();
  s.Start();
  WriteSome(c.t.get(), data, &sent);
  Status run = loop->RunUntil(
      [&] { return c.received.size() >= data.size() || c.closed; }, kHang);
  REQUIRE(run.ok());
  REQUIRE_FALSE(c.closed.has_value());
  CHECK(sent == data.size());
  CHECK(s.echoed == data.size());
  REQUIRE(c.received.size() == data.size());
  CHECK(c.received == data);
}

struct TcpPair {
  std::unique_ptr<Transport> client;
  std::unique_ptr<Transport> server;
  std::string address;
};

TcpPair ConnectLoopback(EventLoop* loop, const TransportOptions& options,
                        const std::string& host = "127.0.0.1:0") {
  TcpPair pair;
  auto listener = Listener::Listen(
      loop, host, options,
      [&](std::unique_ptr<Transport> t) { pair.server = std::move(t); });
  REQUIRE(listener.ok());
  pair.address = (*listener)->address();
  auto client = Connect(loop, pair.address, options);
  REQUIRE(client.ok());
  pair.client = std::move(client).value();
  REQUIRE(loop->RunUntil([&] { return pair.server != nullptr; }, kHang).ok());
  return pair;
}

TEST_CASE("HOST:PORT: literals and names parse") {
  auto v4 = ParseHostPort("127.0.0.1:4000");
  REQUIRE(v4.ok());
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 4000);
  auto v6 = ParseHostPort("[::1]:65535");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 65535);
  auto name = ParseHostPort("example.org:0");
  REQUIRE(name.ok());
  CHECK(name->host == "example.org");
  CHECK(name->port == 0);
}

TEST_CASE("HOST:PORT: bad strings give errors that say what is wrong") {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty"},
      {"localhost", "missing port"},
      {"localhost:", "missing port"},
      {"[::1]", "missing port"},
      {"[::1]x80", "missing port"},
      {":80", "missing host"},
      {"host:http", "port \"http\" is not a number"},
      {"host:-1", "is not a number"},
      {"host:65536", "port 65536 out of range (0-65535)"},
      {"host:99999999999", "out of range"},
      {"::1:80", "IPv6 address goes in brackets"},
      {"[::1:80", "no ']'"},
      {"[fe80::zz]:80", "bad IPv6 address \"fe80::zz\""},
      {"bad host:80", "bad host \"bad host\""},
      {"a/b:80", "bad host"},
  };
  for (const auto& [text, expected] : cases) {
    CAPTURE(text);
    auto hp = ParseHostPort(text);
    REQUIRE_FALSE(hp.ok());
    CHECK(hp.status().IsInvalidArgument());
    CHECK(Contains(hp.status(), expected));
    CHECK(Contains(hp.status(), std::string("\"") + text + "\""));
  }
}

TEST_CASE("TCP: Connect and Listen refuse bad addresses before any I/O") {
  auto loop = NewLoop();
  auto bad = Connect(loop.get(), "127.0.0.1", {});
  REQUIRE_FALSE(bad.ok());
  CHECK(Contains(bad.status(), "missing port"));
  auto zero = Connect(loop.get(), "127.0.0.1:0", {});
  REQUIRE_FALSE(zero.ok());
  CHECK(Contains(zero.status(), "cannot connect to port 0"));
  auto listen = Listener::Listen(loop.get(), "127.0.0.1:x", {},
                                 [](std::unique_ptr<Transport>) {});
  REQUIRE_FALSE(listen.ok());
  CHECK(Contains(listen.status(), "not a number"));
  // RFC 2606 reserves .invalid: it never resolves.
  auto unknown = Connect(loop.get(), "no-such-host.invalid:80", {});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().IsUnavailable());
  CHECK(Contains(unknown.status(), "cannot resolve host"));
  CHECK(Contains(unknown.status(), "no-such-host.invalid"));
}

TEST_CASE("TCP: Listen on port 0 reports the port it bound") {
  auto loop = NewLoop();
  auto l = Listener::Listen(loop.get(), "127.0.0.1:0", {},
                            [](std::unique_ptr<Transport>) {});
  REQUIRE(l.ok());
  const std::string& a = (*l)->address();
  CHECK(a.rfind("127.0.0.1:", 0) == 0);
  auto hp = ParseHostPort(a);
  REQUIRE(hp.ok());
  CHECK(hp->port != 0);
  // The same port again is in use: the error names the address.
  auto again =
      Listener::Listen(loop.get(), a, {}, [](std::unique_ptr<Transport>) {});
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().IsIOError());
  CHECK(Contains(again.status(), "listen on " + a));
}

TEST_CASE("TCP: echo of 1 MiB each way over loopback") {
  auto loop = NewLoop();
  TransportOptions options;
  options.max_queued_bytes = 64 << 10;  // many rounds of back-pressure
  TcpPair pair = ConnectLoopback(loop.get(), options);
  EchoRoundTrip(loop.get(), std::move(pair.client), std::move(pair.server),
                RandomBytes(1 << 20, 1));
}

TEST_CASE("TCP: echo of 1 MiB through the chunking fault wrapper") {
  auto loop = NewLoop();
  TransportOptions options;
  options.max_queued_bytes = 64 << 10;
  TcpPair pair = ConnectLoopback(loop.get(), options);
  const uint64_t seed = Catch::rngSeed();
  CAPTURE(seed);
  // The client's writes leave in pieces of 1..4096 bytes and what it
  // receives reaches it in such pieces; the server's side likewise.
  FaultPlan chunks;
  chunks.max_chunk = 4096;
  auto client = std::make_unique<FaultTransport>(loop.get(),
                                                 std::move(pair.client), seed);
  client->SetPlan(Dir::kOutgoing, chunks);
  client->SetPlan(Dir::kIncoming, chunks);
  auto server = std::make_unique<FaultTransport>(
      loop.get(), std::move(pair.server), seed + 1);
  server->SetPlan(Dir::kIncoming, chunks);
  EchoRoundTrip(loop.get(), std::move(client), std::move(server),
                RandomBytes(1 << 20, 2));
}

TEST_CASE("memory pair: echo of 1 MiB, plain and chunked") {
  auto loop = NewLoop();
  TransportOptions options;
  options.max_queued_bytes = 64 << 10;
  options.read_chunk = 16 << 10;
  auto [a, b] = NewMemoryPair(loop.get(), options);
  EchoRoundTrip(loop.get(), std::move(a), std::move(b),
                RandomBytes(1 << 20, 3));

  auto [c, d] = NewMemoryPair(loop.get(), options);
  FaultPlan chunks;
  chunks.max_chunk = 4096;
  auto fc = std::make_unique<FaultTransport>(loop.get(), std::move(c),
                                             Catch::rngSeed());
  fc->SetPlan(Dir::kOutgoing, chunks);
  EchoRoundTrip(loop.get(), std::move(fc), std::move(d),
                RandomBytes(1 << 20, 4));
}

TEST_CASE("TCP: a connect to a closed port names the address") {
  auto loop = NewLoop();
  std::string address;
  {
    auto l = Listener::Listen(loop.get(), "127.0.0.1:0", {},
                              [](std::unique_ptr<Transport>) {});
    REQUIRE(l.ok());
    address = (*l)->address();
  }  // closed: nothing listens there now
  auto t = Connect(loop.get(), address, {});
  REQUIRE(t.ok());
  End c{std::move(t).value()};
  c.Start();
  REQUIRE(loop->RunUntil([&] { return c.closed.has_value(); }, kHang).ok());
  CHECK(c.closed->IsUnavailable());
  CHECK(Contains(*c.closed, "connect to " + address));
  CHECK(Contains(*c.closed, "refused"));
  CHECK(c.t->closed());
  CHECK(c.t->Write("x").IsUnavailable());
}

TEST_CASE("TCP: a host name is tried at each address it resolves to") {
  auto loop = NewLoop();
  TcpPair pair;
  auto l = Listener::Listen(
      loop.get(), "127.0.0.1:0", {},
      [&](std::unique_ptr<Transport> t) { pair.server = std::move(t); });
  REQUIRE(l.ok());
  auto hp = ParseHostPort((*l)->address());
  REQUIRE(hp.ok());
  // "localhost" may resolve to ::1 first, where nothing listens.
  auto t = Connect(loop.get(), "localhost:" + std::to_string(hp->port), {});
  REQUIRE(t.ok());
  End c{std::move(t).value()};
  c.Start();
  REQUIRE(c.t->Write("hello").ok());
  REQUIRE(loop->RunUntil([&] { return pair.server != nullptr; }, kHang).ok());
  End s{std::move(pair.server)};
  s.Start();
  REQUIRE(
      loop->RunUntil([&] { return s.received == "hello" || c.closed; }, kHang)
          .ok());
  CHECK(s.received == "hello");
  CHECK(c.t->name() == "localhost:" + std::to_string(hp->port));
}

TEST_CASE("TCP: IPv6 loopback") {
  auto loop = NewLoop();
  auto probe = Listener::Listen(loop.get(), "[::1]:0", {},
                                [](std::unique_ptr<Transport>) {});
  if (!probe.ok()) {
    std::cout << "BEE-SKIPPED: no IPv6 loopback here: "
              << probe.status().ToString() << "\n";
    return;
  }
  probe->reset();
  TcpPair pair = ConnectLoopback(loop.get(), {}, "[::1]:0");
  CHECK(pair.address.rfind("[::1]:", 0) == 0);
  EchoRoundTrip(loop.get(), std::move(pair.client), std::move(pair.server),
                RandomBytes(4096, 5));
}

TEST_CASE("idle timeout: no bytes for N ms fails with \"idle for N ms\"") {
  auto loop = NewLoop();
  TransportOptions idle;
  idle.idle_timeout = milliseconds(30);
  SECTION("memory pair") {
    auto [a, b] = NewMemoryPair(loop.get(), idle);
    End ea{std::move(a)};
    End eb{std::move(b)};
    ea.Start();
    eb.Start();
    REQUIRE(loop->RunUntil([&] { return ea.closed && eb.closed; }, kHang).ok());
    CHECK(ea.closed->IsUnavailable());
    CHECK(Contains(*ea.closed, "memory/a: idle for 30 ms"));
  }
  SECTION("TCP") {
    TcpPair pair = ConnectLoopback(loop.get(), idle);
    End c{std::move(pair.client)};
    c.Start();
    End s{std::move(pair.server)};
    s.Start();
    REQUIRE(loop->RunUntil([&] { return c.closed && s.closed; }, kHang).ok());
    // Whichever times out first, the other may see its close instead.
    const bool c_idle = Contains(*c.closed, "idle for 30 ms");
    const bool s_idle = Contains(*s.closed, "idle for 30 ms");
    CHECK((c_idle || s_idle));
    if (c_idle) CHECK(Contains(*c.closed, pair.address));
  }
}

TEST_CASE("idle timeout: bytes arriving in time keep the connection") {
  auto loop = NewLoop();
  TransportOptions options;
  options.idle_timeout = milliseconds(2000);
  auto [a, b] = NewMemoryPair(loop.get(), options);
  End ea{std::move(a)};
  End eb{std::move(b)};
  ea.Start();
  eb.Start();
  // A keep-alive byte each way every 5 ms, far within the timeout, for
  // longer than the timeout in total... the loop's own clock decides.
  int sent = 0;
  const auto start = loop->Now();
  auto beat = loop->AddRepeatingTimer(milliseconds(5), [&] {
    REQUIRE(ea.t->Write("k").ok());
    REQUIRE(eb.t->Write("k").ok());
    ++sent;
  });
  REQUIRE(loop->RunUntil(
                  [&] {
                    return loop->Now() - start > milliseconds(2500) ||
                           ea.closed || eb.closed;
                  },
                  kHang)
              .ok());
  loop->CancelTimer(beat);
  CHECK_FALSE(ea.closed.has_value());
  CHECK_FALSE(eb.closed.has_value());
  CHECK(sent > 0);
}

TEST_CASE("idle timeout: suspended while reading is paused") {
  auto loop = NewLoop();
  TransportOptions options;
  options.idle_timeout = milliseconds(10);
  auto [a, b] = NewMemoryPair(loop.get(), options);
  End ea{std::move(a)};
  ea.Start();
  ea.t->PauseReading();
  REQUIRE(loop->RunFor(milliseconds(50)).ok());
  CHECK_FALSE(ea.closed.has_value());
  ea.t->ResumeReading();  // the clock starts again from zero
  REQUIRE(loop->RunUntil([&] { return ea.closed.has_value(); }, kHang).ok());
  CHECK(Contains(*ea.closed, "idle for 10 ms"));
}

TEST_CASE("a peer that closes mid-stream gives \"closed by peer\"") {
  auto loop = NewLoop();
  const std::string part = RandomBytes(1000, 6);
  auto check = [&](std::unique_ptr<Transport> closer,
                   std::unique_ptr<Transport> reader) {
    End r{std::move(reader)};
    r.Start();
    REQUIRE(closer->Write(part).ok());
    closer->End();  // the bytes go out, then the stream ends
    REQUIRE(loop->RunUntil([&] { return r.closed.has_value(); }, kHang).ok());
    CHECK(r.received == part);
    CHECK(r.closed->IsUnavailable());
    CHECK(Contains(*r.closed, r.t->name() + ": closed by peer"));
  };
  SECTION("memory pair") {
    auto [a, b] = NewMemoryPair(loop.get(), {});
    check(std::move(a), std::move(b));
  }
  SECTION("TCP") {
    TcpPair pair = ConnectLoopback(loop.get(), {});
    check(std::move(pair.server), std::move(pair.client));
  }
  SECTION("memory pair, the peer destroyed") {
    auto [a, b] = NewMemoryPair(loop.get(), {});
    End r{std::move(b)};
    r.Start();
    a.reset();
    REQUIRE(loop->RunUntil([&] { return r.closed.has_value(); }, kHang).ok());
    CHECK(Contains(*r.closed, "memory/b: closed by peer"));
  }
}

TEST_CASE("TCP: End flushes every queued byte before the FIN") {
  auto loop = NewLoop();
  TransportOptions options;
  options.max_queued_bytes = 8 << 20;
  TcpPair pair = ConnectLoopback(loop.get(), options);
  const std::string data = RandomBytes(4 << 20, 7);
  End w{std::move(pair.client)};
  w.Start();
  REQUIRE(w.t->Write(data).ok());
  w.t->End();
  CHECK(w.t->Write("late").IsInvalidArgument());
  End r{std::move(pair.server)};
  r.Start();
  REQUIRE(loop->RunUntil([&] { return r.closed.has_value(); }, kHang).ok());
  CHECK(r.received.size() == data.size());
  CHECK(r.received == data);
  CHECK(Contains(*r.closed, "closed by peer"));
  r.t->Close();
  // The writer, still reading after End, now sees the peer's close.
  REQUIRE(loop->RunUntil([&] { return w.closed.has_value(); }, kHang).ok());
  CHECK(Contains(*w.closed, "closed by peer"));
}

TEST_CASE("TCP: a connection reset by the peer is named") {
  auto loop = NewLoop();
  std::unique_ptr<Transport> server;
  auto l = Listener::Listen(
      loop.get(), "127.0.0.1:0", {},
      [&](std::unique_ptr<Transport> t) { server = std::move(t); });
  REQUIRE(l.ok());
  auto hp = ParseHostPort((*l)->address());
  REQUIRE(hp.ok());
  // A raw client that resets (SO_LINGER 0) instead of closing.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa = {};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(hp->port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  REQUIRE(loop->RunUntil([&] { return server != nullptr; }, kHang).ok());
  End s{std::move(server)};
  s.Start();
  linger lg = {1, 0};
  REQUIRE(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) == 0);
  close(fd);
  REQUIRE(loop->RunUntil([&] { return s.closed.has_value(); }, kHang).ok());
  CHECK(s.closed->IsIOError());
  CHECK(Contains(*s.closed, s.t->name() + ": connection reset by peer"));
}

TEST_CASE("TCP: writing to a peer that is gone fails, never SIGPIPE") {
  auto loop = NewLoop();
  TcpPair pair = ConnectLoopback(loop.get(), {});
  End w{std::move(pair.client)};
  w.Start();
  w.t->PauseReading();  // so only the write can find out
  pair.server->Close();
  pair.server.reset();
  const std::string block(64 << 10, 'x');
  auto beat = loop->AddRepeatingTimer(milliseconds(1), [&] {
    if (!w.closed && w.t->queued_bytes() == 0) (void)w.t->Write(block);
  });
  REQUIRE(loop->RunUntil([&] { return w.closed.has_value(); }, kHang).ok());
  loop->CancelTimer(beat);
  // EPIPE or ECONNRESET, depending on what the peer's kernel answered.
  CHECK((Contains(*w.closed, "closed by peer (write: broken pipe)") ||
         Contains(*w.closed, "connection reset by peer")));
}

TEST_CASE(
    "back-pressure: a reader that stops reading fills the writer's "
    "queue to its bound") {
  auto loop = NewLoop();
  TransportOptions options;
  options.max_queued_bytes = 256 << 10;
  auto check = [&](std::unique_ptr<Transport> writer,
                   std::unique_ptr<Transport> reader) {
    End w{std::move(writer)};
    End r{std::move(reader)};
    w.Start();
    r.Start();
    r.t->PauseReading();
    const std::string chunk = RandomBytes(16 << 10, 8);
    std::string written;
    Status refused;
    // Write whenever the queue drains, until a write is refused: over TCP
    // the kernel's buffers fill first, then the queue.
    auto write_more = [&] {
      while (refused.ok()) {
        Status s = w.t->Write(chunk);
        if (!s.ok()) {
          refused = s;
          break;
        }
        written += chunk;
      }
    };
    w.on_drain = write_more;
    write_more();
    auto keep = loop->AddRepeatingTimer(milliseconds(1), write_more);
    REQUIRE(loop->RunUntil([&] { return !refused.ok(); }, kHang).ok());
    loop->CancelTimer(keep);
    CHECK(refused.IsBusy());
    CHECK(Contains(refused, "send queue full"));
    CHECK(w.t->queued_bytes() <= w.t->queue_limit());
    CHECK(w.t->queued_bytes() + chunk.size() > w.t->queue_limit());
    CHECK(r.received.empty());
    // The reader resumes: everything arrives, and the writer hears drain.
    const int drains = w.drains;
    w.on_drain = nullptr;
    r.t->ResumeReading();
    REQUIRE(
        loop->RunUntil(
                [&] { return r.received.size() == written.size() || r.closed; },
                kHang)
            .ok());
    CHECK(r.received == written);
    REQUIRE(loop->RunUntil([&] { return w.drains > drains; }, kHang).ok());
    CHECK(w.t->queued_bytes() == 0);
  };
  SECTION("memory pair") {
    auto [a, b] = NewMemoryPair(loop.get(), options);
    check(std::move(a), std::move(b));
  }
  SECTION("TCP") {
    TcpPair pair = ConnectLoopback(loop.get(), options);
    check(std::move(pair.client), std::move(pair.server));
  }
}

TEST_CASE("an owner may destroy its transport inside its callbacks") {
  auto loop = NewLoop();
  auto check = [&](std::unique_ptr<Transport> a, std::unique_ptr<Transport> b) {
    bool got_data = false;
    TransportHandlers h;
    h.on_data = [&](std::string_view bytes) {
      CHECK(bytes.size() > 0);
      got_data = true;
      b.reset();  // inside on_data
    };
    h.on_close = [](const Status&) { FAIL("no close after destruction"); };
    b->Start(std::move(h));
    std::unique_ptr<Transport> a_owned = std::move(a);
    bool a_closed = false;
    TransportHandlers ha;
    ha.on_data = [](std::string_view) {};
    ha.on_close = [&](const Status&) {
      a_closed = true;
      a_owned.reset();  // inside on_close
    };
    a_owned->Start(std::move(ha));
    REQUIRE(a_owned->Write(std::string(100000, 'z')).ok());
    REQUIRE(loop->RunUntil([&] { return got_data && a_closed; }, kHang).ok());
    REQUIRE(loop->RunFor(milliseconds(5)).ok());
  };
  SECTION("memory pair") {
    auto [a, b] = NewMemoryPair(loop.get(), {});
    check(std::move(a), std::move(b));
  }
  SECTION("TCP") {
    TcpPair pair = ConnectLoopback(loop.get(), {});
    check(std::move(pair.client), std::move(pair.server));
  }
}

}  // namespace
}  // namespace bee::net
