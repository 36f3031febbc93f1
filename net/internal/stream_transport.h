// StreamTransport: what the TCP and in-memory transports share — the
// handlers, the bounded send queue, the idle timer and the close
// bookkeeping — so each of them only moves bytes. Private to net/.
//
// A subclass moves bytes from pending() to its peer (calling Consume), and
// received bytes to Deliver(); it reacts to OnInterestChanged() (reading(),
// the queue or ending() changed) and releases its descriptor or peer in
// ReleaseIo(). Its destructor must call Close() (ReleaseIo is virtual).
#ifndef BEE_NET_INTERNAL_STREAM_TRANSPORT_H_
#define BEE_NET_INTERNAL_STREAM_TRANSPORT_H_

#include <memory>
#include <string>
#include <string_view>

#include "net/event_loop.h"
#include "net/transport.h"

namespace bee::net::internal {

class StreamTransport : public Transport {
 public:
  void Start(TransportHandlers handlers) final;
  Status Write(std::string_view bytes) final;
  size_t queued_bytes() const final { return queue_.size() - queue_start_; }
  size_t queue_limit() const final { return options_.max_queued_bytes; }
  void End() final;
  void Close() final;
  void PauseReading() final;
  void ResumeReading() final;
  bool closed() const final { return closed_; }
  const std::string& name() const final { return name_; }

 protected:
  // io_ready false: the connection cannot carry bytes yet (a connecting
  // socket); see SetIoReady.
  StreamTransport(EventLoop* loop, const TransportOptions& options,
                  std::string name, bool io_ready = true);
  ~StreamTransport() override;

  // Called after Write, End, Pause, Resume and Start (also inside the
  // owner's calls: it must not call back); the subclass updates what it
  // waits for, and may move bytes at once (TCP sends what the kernel
  // takes).
  virtual void OnInterestChanged() = 0;
  // Releases the descriptor or detaches the peer. Makes no callback.
  virtual void ReleaseIo() = 0;

  // Started, not paused, not closed: bytes may be delivered.
  bool reading() const { return started_ && !paused_ && !closed_; }
  bool ending() const { return ending_; }
  // The queue emptied and on_drain is owed (see MaybeDrain).
  bool drain_pending() const { return drain_due_; }
  std::string_view pending() const {
    return std::string_view(queue_).substr(queue_start_);
  }
  // The peer took the first n bytes of pending().
  void Consume(size_t n);

  // The three calls that reach the owner. Each returns false when the
  // owner destroyed this transport inside the callback: the caller must
  // then return at once without touching a member.
  //
  // Hands bytes to on_data and restarts the idle clock.
  bool Deliver(std::string_view bytes);
  // Calls on_drain if the queue emptied since the last call, after a Write
  // left bytes in it or was refused.
  bool MaybeDrain();
  // Closes and reports `why` to on_close (from the loop after Start when
  // not started yet). A no-op once closed. Returns false as above; also
  // after a report, as the transport is then closed.
  bool Fail(Status why);

  // The connection can carry bytes (TCP: the connect finished). Before,
  // the idle clock does not run; SetIoReady starts it.
  void SetIoReady();

  EventLoop* const loop_;
  const TransportOptions options_;

 private:
  void ArmIdle();
  void OnIdleTimer();

  const std::string name_;
  std::shared_ptr<char> life_ = std::make_shared<char>();
  TransportHandlers handlers_;
  bool started_ = false;
  bool paused_ = false;
  bool ending_ = false;
  bool closed_ = false;
  bool io_ready_;
  bool drain_wanted_ = false;  // a Write left bytes queued, or was refused
  bool drain_due_ = false;     // ...and the queue has emptied since
  Status pending_error_;       // a failure before Start, reported after it
  EventLoop::TimerId report_timer_ = 0;
  std::string queue_;
  size_t queue_start_ = 0;
  EventLoop::Clock::time_point last_rx_;
  EventLoop::TimerId idle_timer_ = 0;
};

}  // namespace bee::net::internal

#endif  // BEE_NET_INTERNAL_STREAM_TRANSPORT_H_
