// TCP transports (Connect, Listener): non-blocking sockets on the loop.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net/internal/socket_address.h"
#include "net/internal/stream_transport.h"
#include "net/transport.h"

namespace bee::net {
namespace {

using internal::FormatAddress;
using internal::SocketAddress;

#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL;
#else
constexpr int kSendFlags = 0;  // SO_NOSIGPIPE is set on the socket instead
#endif

std::string ErrnoText(int err) { return std::strerror(err); }

// Non-blocking, close-on-exec, TCP_NODELAY, and no SIGPIPE where the
// platform needs a socket option for that. Best effort: a failure here
// leaves a slower or blocking-prone socket, so it is reported.
Status PrepareSocket(int fd, bool tcp) {
  const int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
      fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
    return Status::IOError("socket: fcntl: " + ErrnoText(errno));
  const int one = 1;
#ifdef SO_NOSIGPIPE
  setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  if (tcp && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
    return Status::IOError("socket: TCP_NODELAY: " + ErrnoText(errno));
  return Status::OK();
}

std::string Millis(std::chrono::milliseconds ms) {
  return std::to_string(ms.count()) + " ms";
}

class TcpTransport final : public internal::StreamTransport {
 public:
  // An accepted socket, connected and prepared.
  TcpTransport(EventLoop* loop, const TransportOptions& options,
               std::string name, int fd)
      : StreamTransport(loop, options, std::move(name)), fd_(fd) {
    loop_->Watch(fd_, 0, [this](uint32_t ready) { OnReady(ready); });
  }
  // A socket still to connect to one of `addresses`, in turn.
  TcpTransport(EventLoop* loop, const TransportOptions& options,
               std::string name, std::vector<SocketAddress> addresses)
      : StreamTransport(loop, options, std::move(name), /*io_ready=*/false),
        addresses_(std::move(addresses)) {}
  ~TcpTransport() override { Close(); }

  void BeginConnect();

 private:
  void OnInterestChanged() override;
  void ReleaseIo() override;

  void OnReady(uint32_t ready);
  // Each returns false when `this` was destroyed or closed.
  bool HandleRead();
  bool HandleWrite();
  // Sends what the kernel takes now; the error (named) if sending failed.
  Status SendSome();
  void TryNextAddress();
  void FinishConnect();
  void Connected();
  Status ConnectError(int err) const;

  int fd_ = -1;
  bool connecting_ = false;
  bool shut_down_ = false;  // SHUT_WR sent after End
  std::vector<SocketAddress> addresses_;
  size_t next_address_ = 0;
  Status connect_error_;
  EventLoop::TimerId connect_timer_ = 0;
  Status send_error_;  // a send that failed inside OnInterestChanged
  EventLoop::TimerId error_timer_ = 0;
  // Shared with a running on_data, so its view outlives a destroying owner.
  std::shared_ptr<std::string> rx_;
};

void TcpTransport::BeginConnect() {
  connecting_ = true;
  connect_timer_ = loop_->AddTimer(options_.connect_timeout, [this] {
    connect_timer_ = 0;
    Fail(Status::Unavailable("connect to " + name() + ": timed out after " +
                             Millis(options_.connect_timeout)));
  });
  TryNextAddress();
}

Status TcpTransport::ConnectError(int err) const {
  const SocketAddress& a = addresses_[next_address_ - 1];
  return Status::Unavailable("connect to " + name() + " (" + FormatAddress(a) +
                             "): " + ErrnoText(err));
}

void TcpTransport::TryNextAddress() {
  while (next_address_ < addresses_.size()) {
    const SocketAddress& a = addresses_[next_address_++];
    const auto* sa = reinterpret_cast<const sockaddr*>(&a.storage);
    fd_ = socket(sa->sa_family, SOCK_STREAM, 0);
    if (fd_ < 0) {
      connect_error_ = ConnectError(errno);
      continue;
    }
    Status prepared = PrepareSocket(fd_, /*tcp=*/true);
    if (!prepared.ok()) {
      connect_error_ = prepared;
    } else if (connect(fd_, sa, a.length) == 0) {
      loop_->Watch(fd_, 0, [this](uint32_t ready) { OnReady(ready); });
      Connected();
      return;
    } else if (errno == EINPROGRESS) {
      loop_->Watch(fd_, EventLoop::kWritable,
                   [this](uint32_t ready) { OnReady(ready); });
      return;
    } else {
      connect_error_ = ConnectError(errno);
    }
    close(fd_);
    fd_ = -1;
  }
  Fail(connect_error_);
}

void TcpTransport::FinishConnect() {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == 0) {
    Connected();
    return;
  }
  connect_error_ = ConnectError(err);
  loop_->Unwatch(fd_);
  close(fd_);
  fd_ = -1;
  TryNextAddress();
}

void TcpTransport::Connected() {
  connecting_ = false;
  loop_->CancelTimer(connect_timer_);
  connect_timer_ = 0;
  SetIoReady();
  OnInterestChanged();
}

void TcpTransport::OnInterestChanged() {
  if (fd_ < 0 || connecting_) return;
  // Sending at once saves a poll round per message; an error is reported
  // from the loop, as this may run inside the owner's Write.
  if (queued_bytes() > 0 && send_error_.ok()) {
    send_error_ = SendSome();
    if (!send_error_.ok()) {
      error_timer_ = loop_->AddTimer(EventLoop::Duration::zero(), [this] {
        error_timer_ = 0;
        Fail(send_error_);
      });
      return;
    }
  }
  if (ending() && queued_bytes() == 0 && !shut_down_) {
    shutdown(fd_, SHUT_WR);  // the peer sees EOF after every queued byte
    shut_down_ = true;
  }
  uint32_t events = 0;
  if (reading()) events |= EventLoop::kReadable;
  if (queued_bytes() > 0 || drain_pending()) events |= EventLoop::kWritable;
  loop_->SetEvents(fd_, events);
}

void TcpTransport::ReleaseIo() {
  loop_->CancelTimer(connect_timer_);
  connect_timer_ = 0;
  loop_->CancelTimer(error_timer_);
  error_timer_ = 0;
  if (fd_ >= 0) {
    loop_->Unwatch(fd_);
    close(fd_);
    fd_ = -1;
  }
}

void TcpTransport::OnReady(uint32_t ready) {
  if (connecting_) {
    FinishConnect();
    return;
  }
  if ((ready & EventLoop::kReadable) && !HandleRead()) return;
  if ((ready & EventLoop::kWritable) && !HandleWrite()) return;
}

bool TcpTransport::HandleRead() {
  if (!rx_) rx_ = std::make_shared<std::string>(options_.read_chunk, '\0');
  std::shared_ptr<std::string> buf = rx_;
  const ssize_t n = recv(fd_, buf->data(), buf->size(), 0);
  if (n > 0) {
    return Deliver(std::string_view(buf->data(), static_cast<size_t>(n))) &&
           !closed();
  }
  if (n == 0) return Fail(Status::Unavailable(name() + ": closed by peer"));
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return true;
  if (errno == ECONNRESET)
    return Fail(Status::IOError(name() + ": connection reset by peer"));
  return Fail(Status::IOError(name() + ": read: " + ErrnoText(errno)));
}

Status TcpTransport::SendSome() {
  while (queued_bytes() > 0) {
    const std::string_view out = pending();
    const ssize_t n = send(fd_, out.data(), out.size(), kSendFlags);
    if (n >= 0) {
      Consume(static_cast<size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    if (errno == EPIPE)
      return Status::Unavailable(name() +
                                 ": closed by peer (write: broken pipe)");
    if (errno == ECONNRESET)
      return Status::IOError(name() + ": connection reset by peer");
    return Status::IOError(name() + ": write: " + ErrnoText(errno));
  }
  return Status::OK();
}

bool TcpTransport::HandleWrite() {
  if (!send_error_.ok()) return true;  // reported by error_timer_
  Status sent = SendSome();
  if (!sent.ok()) return Fail(sent);
  if (!MaybeDrain() || closed()) return false;
  OnInterestChanged();
  return true;
}

class TcpListener final : public Listener {
 public:
  TcpListener(EventLoop* loop, const TransportOptions& options, int fd,
              std::string address, AcceptCallback on_accept)
      : loop_(loop),
        options_(options),
        fd_(fd),
        address_(std::move(address)),
        on_accept_(std::move(on_accept)) {
    loop_->Watch(fd_, EventLoop::kReadable, [this](uint32_t) { OnReady(); });
  }
  ~TcpListener() override {
    loop_->CancelTimer(resume_timer_);
    loop_->Unwatch(fd_);
    close(fd_);
  }

  const std::string& address() const override { return address_; }

 private:
  void OnReady();
  void PauseAccepting();

  EventLoop* const loop_;
  const TransportOptions options_;
  const int fd_;
  const std::string address_;
  AcceptCallback on_accept_;
  EventLoop::TimerId resume_timer_ = 0;
  std::shared_ptr<char> life_ = std::make_shared<char>();
};

void TcpListener::OnReady() {
  // A bounded batch per round keeps other connections served under a
  // flood of new ones.
  for (int i = 0; i < 64; ++i) {
    SocketAddress peer;
    peer.length = sizeof peer.storage;
    const int fd =
        accept(fd_, reinterpret_cast<sockaddr*>(&peer.storage), &peer.length);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      PauseAccepting();  // EMFILE, ENFILE, ENOBUFS, ENOMEM: do not spin
      return;
    }
    if (!PrepareSocket(fd, /*tcp=*/true).ok()) {
      close(fd);
      continue;
    }
    auto t = std::make_unique<TcpTransport>(loop_, options_,
                                            FormatAddress(peer), fd);
    std::weak_ptr<char> alive = life_;
    on_accept_(std::move(t));
    if (alive.expired()) return;
  }
}

void TcpListener::PauseAccepting() {
  loop_->SetEvents(fd_, 0);
  resume_timer_ = loop_->AddTimer(std::chrono::milliseconds(100), [this] {
    resume_timer_ = 0;
    loop_->SetEvents(fd_, EventLoop::kReadable);
  });
}

Result<std::string> BoundAddress(int fd) {
  SocketAddress bound;
  bound.length = sizeof bound.storage;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound.storage),
                  &bound.length) != 0)
    return Status::IOError("getsockname: " + ErrnoText(errno));
  return FormatAddress(bound);
}

// A listening socket on `a`, or IOError naming it.
Result<int> OpenListeningSocket(const SocketAddress& a) {
  const auto* sa = reinterpret_cast<const sockaddr*>(&a.storage);
  const int fd = socket(sa->sa_family, SOCK_STREAM, 0);
  if (fd < 0)
    return Status::IOError("listen on " + FormatAddress(a) +
                           ": socket: " + ErrnoText(errno));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const char* step = nullptr;
  if (bind(fd, sa, a.length) != 0) {
    step = "bind";
  } else if (listen(fd, 128) != 0) {
    step = "listen";
  }
  Status s = step != nullptr
                 ? Status::IOError(std::string(step) + ": " + ErrnoText(errno))
                 : PrepareSocket(fd, /*tcp=*/false);
  if (!s.ok()) {
    close(fd);
    return s.WithContext("listen on " + FormatAddress(a));
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<Transport>> Connect(EventLoop* loop,
                                           std::string_view host_port,
                                           const TransportOptions& options) {
  BEE_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(host_port));
  if (hp.port == 0) {
    return Status::InvalidArgument("address \"" + std::string(host_port) +
                                   "\": cannot connect to port 0");
  }
  BEE_ASSIGN_OR_RETURN(auto addresses,
                       internal::Resolve(hp, host_port, /*passive=*/false));
  auto t = std::make_unique<TcpTransport>(loop, options, std::string(host_port),
                                          std::move(addresses));
  t->BeginConnect();
  return std::unique_ptr<Transport>(std::move(t));
}

Result<std::unique_ptr<Listener>> Listener::Listen(
    EventLoop* loop, std::string_view host_port,
    const TransportOptions& options, AcceptCallback on_accept) {
  BEE_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(host_port));
  BEE_ASSIGN_OR_RETURN(auto addresses,
                       internal::Resolve(hp, host_port, /*passive=*/true));
  BEE_ASSIGN_OR_RETURN(int fd, OpenListeningSocket(addresses.front()));
  auto bound = BoundAddress(fd);
  if (!bound.ok()) {
    close(fd);
    return bound.status();
  }
  return std::unique_ptr<Listener>(new TcpListener(
      loop, options, fd, std::move(*bound), std::move(on_accept)));
}

}  // namespace bee::net
