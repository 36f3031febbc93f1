// The in-memory pair: each side's send queue is what the other side reads.
// A side's "pump" (a zero-delay timer on the loop) moves at most one
// read_chunk from the peer's queue to its owner per round, reports its own
// drain, and notices the peer's end or close.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "net/internal/stream_transport.h"
#include "net/transport.h"

namespace bee::net {
namespace {

class MemoryTransport final : public internal::StreamTransport {
 public:
  MemoryTransport(EventLoop* loop, const TransportOptions& options,
                  std::string name)
      : StreamTransport(loop, options, std::move(name)) {}
  ~MemoryTransport() override {
    Close();
    loop_->CancelTimer(pump_);
  }

  static void Join(MemoryTransport* a, MemoryTransport* b) {
    a->peer_ = b;
    b->peer_ = a;
  }

 private:
  void OnInterestChanged() override;
  void ReleaseIo() override;
  void SchedulePump();
  void Pump();
  // True once the peer is gone or ended with nothing left to read.
  bool PeerFinished() const {
    return peer_ == nullptr || (peer_->ending() && peer_->queued_bytes() == 0);
  }

  MemoryTransport* peer_ = nullptr;
  EventLoop::TimerId pump_ = 0;
};

void MemoryTransport::SchedulePump() {
  if (pump_ != 0 || closed()) return;
  pump_ = loop_->AddTimer(EventLoop::Duration::zero(), [this] { Pump(); });
}

void MemoryTransport::OnInterestChanged() {
  SchedulePump();                               // own drain, pause and resume
  if (peer_ != nullptr) peer_->SchedulePump();  // new bytes, or our end
}

void MemoryTransport::ReleaseIo() {
  if (peer_ != nullptr) {
    peer_->peer_ = nullptr;
    peer_->SchedulePump();  // it sees "closed by peer"
    peer_ = nullptr;
  }
}

void MemoryTransport::Pump() {
  pump_ = 0;
  if (closed() || !MaybeDrain() || closed()) return;
  if (!reading()) return;
  if (PeerFinished()) {
    Fail(Status::Unavailable(name() + ": closed by peer"));
    return;
  }
  const size_t n = std::min(peer_->queued_bytes(), options_.read_chunk);
  if (n == 0) return;
  // A copy, so the view stays valid even if the owner destroys either side.
  const std::string chunk(peer_->pending().substr(0, n));
  peer_->Consume(n);
  peer_->SchedulePump();  // its drain, and its end once it is flushed
  if (!Deliver(chunk) || closed()) return;
  if (peer_ == nullptr || peer_->queued_bytes() > 0 || PeerFinished())
    SchedulePump();
}

}  // namespace

std::pair<std::unique_ptr<Transport>, std::unique_ptr<Transport>> NewMemoryPair(
    EventLoop* loop, const TransportOptions& options, std::string_view name) {
  auto a = std::make_unique<MemoryTransport>(loop, options,
                                             std::string(name) + "/a");
  auto b = std::make_unique<MemoryTransport>(loop, options,
                                             std::string(name) + "/b");
  MemoryTransport::Join(a.get(), b.get());
  return {std::move(a), std::move(b)};
}

}  // namespace bee::net
