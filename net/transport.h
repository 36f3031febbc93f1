// Transport: one byte-stream connection driven by an EventLoop. It carries
// bytes and nothing else: the handshake, the secret stream and the
// multiplexer above it are sans-I/O layers that consume and produce bytes.
//
// Implementations: TCP (Connect, Listener), an in-memory pair on one loop
// (NewMemoryPair) and, for tests, a fault-injecting wrapper around any
// transport (tests/util/fault_transport.h), as the storage Env has MemEnv
// and FaultEnv.
//
// Memory per connection is bounded: the send queue by
// TransportOptions::max_queued_bytes (Write refuses beyond it, and the owner
// watches queued_bytes()/on_drain for back-pressure), and what is received
// by read_chunk (each on_data hands over at most that much, straight from
// one read; the kernel holds the rest, and PauseReading makes TCP push back
// on the peer).
//
// Thread safety: a transport belongs to its loop's thread. Its callbacks
// run there, never inside a call the owner makes (Write, End, Close,
// PauseReading, ResumeReading never call back). The owner may destroy the
// transport inside any of its callbacks; destruction closes it silently.
#ifndef BEE_NET_TRANSPORT_H_
#define BEE_NET_TRANSPORT_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "encoding/result.h"
#include "encoding/status.h"
#include "net/event_loop.h"

namespace bee::net {

struct TransportOptions {
  // Write refuses bytes that would make the send queue exceed this.
  size_t max_queued_bytes = size_t{4} << 20;
  // The most bytes one on_data call hands over (one read(2) for TCP).
  size_t read_chunk = size_t{64} << 10;
  // With no byte received for this long (while reading is not paused),
  // the connection fails with Unavailable "idle for N ms". Zero: never.
  std::chrono::milliseconds idle_timeout{0};
  // TCP Connect fails with Unavailable "timed out" after this long.
  std::chrono::milliseconds connect_timeout{10000};
};

// Default options but for the idle timeout.
inline TransportOptions IdleAfter(std::chrono::milliseconds idle) {
  TransportOptions options;
  options.idle_timeout = idle;
  return options;
}

struct TransportHandlers {
  // Received bytes; the view lives until the callback returns.
  std::function<void(std::string_view bytes)> on_data;
  // The connection ended other than by the owner's Close(), once, as the
  // last callback. `why` is never OK and starts with the transport's name:
  //   Unavailable "...: closed by peer"      the peer closed (EOF)
  //   IOError     "...: connection reset by peer"
  //   Unavailable "...: idle for N ms"       TransportOptions::idle_timeout
  //   Unavailable "connect to ...: ..."      refused, unreachable, timed out
  //   IOError     "...: read|write: <errno text>"  other failures
  std::function<void(const Status& why)> on_close;
  // Optional: the send queue became empty (the peer took every byte
  // written so far) after a Write left bytes in it or was refused with
  // Busy; a writer held back by the queue bound resumes here. A Write
  // whose bytes all leave at once (TCP) has no drain to wait for.
  std::function<void()> on_drain;
};

class Transport {
 public:
  Transport() = default;
  // Closes as Close() does, without callbacks.
  virtual ~Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Begins delivering: nothing is received (and no callback made) before.
  // An error found before Start (e.g. a failed connect) is reported to
  // on_close after it, from the loop. REQUIRES: called once; on_data and
  // on_close set.
  virtual void Start(TransportHandlers handlers) = 0;

  // Queues bytes for sending, in order. Never blocks and never calls back.
  // Busy (nothing queued) when queued_bytes() + bytes.size() would exceed
  // queue_limit(); Unavailable once the connection is closed (the reason
  // is, or was, given to on_close); InvalidArgument after End().
  virtual Status Write(std::string_view bytes) = 0;
  // Bytes written but not yet taken by the peer (TCP: by the kernel).
  virtual size_t queued_bytes() const = 0;
  virtual size_t queue_limit() const = 0;

  // Graceful end of the sending side: no more writes; once the queue is
  // sent, the peer sees the stream end (TCP: FIN). Receiving goes on until
  // the peer closes too, reported to on_close as "closed by peer".
  virtual void End() = 0;
  // Closes now: unsent bytes are dropped and no callback follows. The peer
  // sees the stream end. Idempotent.
  virtual void Close() = 0;
  // While paused nothing is read, on_data is not called, and the idle
  // timeout is suspended (it restarts from zero on resume).
  virtual void PauseReading() = 0;
  virtual void ResumeReading() = 0;

  // True once closed by Close(), End() plus the peer's close, or an error.
  virtual bool closed() const = 0;
  // Names the connection in messages: the peer's address for TCP
  // ("127.0.0.1:4000", "[::1]:4000", or the HOST:PORT given to Connect).
  virtual const std::string& name() const = 0;
};

// A HOST:PORT string split and checked. `host` is a name or an IPv4
// literal as given, or an IPv6 literal without its brackets.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// Parses "host:port", "1.2.3.4:port" or "[v6]:port" (an IPv6 literal must
// be in brackets). InvalidArgument naming the input and what is wrong:
// missing port, port not a number or out of range (0-65535), missing or
// malformed host.
Result<HostPort> ParseHostPort(std::string_view text);

// Starts a non-blocking TCP connection (TCP_NODELAY, no SIGPIPE) to
// HOST:PORT. A bad string, port 0 or a host that does not resolve fail
// here (InvalidArgument, Unavailable); getaddrinfo blocks the caller for a
// host name, never for a literal. Refused, unreachable or timed-out
// connects are reported to on_close, naming the address tried; every
// address the name resolves to is tried in turn. Bytes written before the
// connection is up are sent once it is.
Result<std::unique_ptr<Transport>> Connect(EventLoop* loop,
                                           std::string_view host_port,
                                           const TransportOptions& options);

// A listening TCP socket on the loop. Each accepted connection is handed to
// on_accept as a Transport (not yet started; options as given). When
// accept(2) runs out of descriptors or memory, the listener pauses for
// 100 ms rather than spin. Destroying the Listener stops listening; the
// connections it handed out live on. Loop thread only.
class Listener {
 public:
  using AcceptCallback = std::function<void(std::unique_ptr<Transport>)>;

  // Listens on HOST:PORT (port 0: the kernel picks; "0.0.0.0:0" or
  // "[::]:0" for every interface). A name that resolves to several
  // addresses binds the first. InvalidArgument for a bad string,
  // Unavailable for a host that does not resolve, IOError naming the
  // address when bind or listen fails (e.g. address in use).
  static Result<std::unique_ptr<Listener>> Listen(
      EventLoop* loop, std::string_view host_port,
      const TransportOptions& options, AcceptCallback on_accept);

  virtual ~Listener() = default;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // The bound address as HOST:PORT with the port the kernel chose, e.g.
  // "127.0.0.1:41234" or "[::1]:41234": what to give Connect.
  virtual const std::string& address() const = 0;

 protected:
  Listener() = default;
};

// Two connected transports on one loop: bytes written to one are delivered
// to the other from a later loop round, at most read_chunk per round, and
// count in the writer's queued_bytes() until delivered (so a reader that
// pauses makes the writer's queue grow to its bound, as over TCP). Closing
// or destroying one side makes the other see "closed by peer". Named
// "<name>/a" and "<name>/b".
std::pair<std::unique_ptr<Transport>, std::unique_ptr<Transport>> NewMemoryPair(
    EventLoop* loop, const TransportOptions& options,
    std::string_view name = "memory");

}  // namespace bee::net

#endif  // BEE_NET_TRANSPORT_H_
