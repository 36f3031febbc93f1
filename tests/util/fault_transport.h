// FaultTransport: wraps any net::Transport and damages the byte stream in
// either direction, as scripted by a test — the network counterpart of
// FaultEnv. Outgoing faults act on what the owner writes before the inner
// transport sends it; incoming faults on what the inner transport receives
// before the owner sees it. Wrap a peer's side to make that peer misbehave.
//
// Per direction (a FaultPlan, changeable at any time; it applies to bytes
// that arrive after the change):
//   max_chunk  pass bytes on in random pieces of 1..max_chunk bytes (seeded),
//              one piece per loop round, so the other end sees small reads
//   delay      hold each piece this long (order is kept)
//   cut_after  pass on exactly this many bytes, then cut the connection:
//              outgoing, the inner transport ends (the peer reads those
//              bytes, then EOF) and the owner gets IOError "<name>: fault:
//              cut after N bytes sent" once they left; incoming, the inner
//              transport closes after N bytes reached the owner, who gets
//              "... fault: cut after N bytes received"
//   flip_at    XOR the byte at this offset of the direction's stream with
//              flip_mask
// Stall(dir) stops passing bytes on in that direction (they are held, and
// count in queued_bytes() when outgoing) until Resume(dir). Drop() closes
// the inner transport now; the owner gets IOError "<name>: fault: dropped"
// from the loop. A close of the inner transport reaches the owner after
// the incoming bytes held before it, as on a real stream.
//
// on_drain is forwarded from the inner transport, and also fires when the
// last held outgoing piece left and the inner transport took it at once.
// With no fault set, bytes pass straight through. The idle timeout and the
// queue bound are the inner transport's. Loop thread only, like the
// transports; the owner may destroy it inside any callback.
#ifndef BEE_TESTS_UTIL_FAULT_TRANSPORT_H_
#define BEE_TESTS_UTIL_FAULT_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "net/event_loop.h"
#include "net/transport.h"

namespace bee::test {

struct FaultPlan {
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();
  size_t max_chunk = 0;  // 0: no splitting
  std::chrono::milliseconds delay{0};
  uint64_t cut_after = kNever;
  uint64_t flip_at = kNever;
  uint8_t flip_mask = 0x01;
};

class FaultTransport final : public net::Transport {
 public:
  enum class Direction { kOutgoing, kIncoming };

  FaultTransport(net::EventLoop* loop, std::unique_ptr<net::Transport> inner,
                 uint64_t seed);
  ~FaultTransport() override;

  void SetPlan(Direction dir, const FaultPlan& plan);
  void Stall(Direction dir);
  void Resume(Direction dir);
  void Drop();
  // Bytes passed on so far in a direction (to the inner transport, or to
  // the owner).
  uint64_t passed(Direction dir) const;

  void Start(net::TransportHandlers handlers) override;
  Status Write(std::string_view bytes) override;
  size_t queued_bytes() const override;
  size_t queue_limit() const override { return inner_->queue_limit(); }
  void End() override;
  void Close() override;
  void PauseReading() override;
  void ResumeReading() override;
  bool closed() const override { return closed_; }
  const std::string& name() const override { return inner_->name(); }

 private:
  struct Piece {
    net::EventLoop::Clock::time_point release;
    std::string bytes;
  };
  struct Lane {
    FaultPlan plan;
    std::deque<Piece> pieces;
    size_t held = 0;        // bytes in pieces
    uint64_t accepted = 0;  // stream offset of the next byte to accept
    uint64_t passed = 0;    // bytes passed on
    bool stalled = false;
    bool cut = false;  // cut_after reached: accept nothing more
    net::EventLoop::TimerId timer = 0;
  };

  Lane& lane(Direction dir) { return dir == Direction::kOutgoing ? out_ : in_; }
  // Whether bytes must wait in the lane rather than pass straight on.
  bool Held(Direction dir) const;
  // Flips, truncates at cut_after, then passes bytes on or queues them.
  void Accept(Direction dir, std::string_view bytes);
  // Queues bytes as pieces (random sizes when max_chunk is set).
  void Split(Direction dir, std::string data);
  void Schedule(Direction dir);
  // Passes the lane's first piece on (a timer).
  void Release(Direction dir);
  // Pass one piece on; false when `this` was destroyed or closed.
  bool PassOut(std::string piece);
  bool PassIn(std::string piece);
  // A lane ran empty: carry out a cut, an End, or a held inner close.
  void AfterEmptied(Direction dir);
  void ReportCut();
  void OnInnerDrain();
  void OnInnerClose(const Status& why);
  // Stops passing bytes and reports `why` from the loop (after Start). The
  // inner transport is closed when close_inner, else left to finish an End.
  void ReportLater(Status why, bool close_inner);
  void ArmReport();
  // Reports `why` to the owner now (a callback context only).
  void Report(Status why);

  net::EventLoop* const loop_;
  std::unique_ptr<net::Transport> inner_;
  std::mt19937_64 rng_;
  net::TransportHandlers handlers_;
  Lane out_;
  Lane in_;
  bool started_ = false;
  bool paused_ = false;
  bool ending_ = false;  // End() called by the owner
  bool closed_ = false;
  Status inner_closed_;    // the inner close, held behind incoming bytes
  Status pending_report_;  // for ArmReport
  net::EventLoop::TimerId report_timer_ = 0;
  std::shared_ptr<char> life_ = std::make_shared<char>();
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_FAULT_TRANSPORT_H_
