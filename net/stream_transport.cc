#include "net/internal/stream_transport.h"

#include <utility>

namespace bee::net::internal {

StreamTransport::StreamTransport(EventLoop* loop,
                                 const TransportOptions& options,
                                 std::string name, bool io_ready)
    : loop_(loop),
      options_(options),
      name_(std::move(name)),
      io_ready_(io_ready) {}

StreamTransport::~StreamTransport() {
  loop_->CancelTimer(report_timer_);
  loop_->CancelTimer(idle_timer_);
}

void StreamTransport::Start(TransportHandlers handlers) {
  handlers_ = std::move(handlers);
  started_ = true;
  if (closed_) {
    if (pending_error_.ok()) return;  // the owner closed it: nothing to say
    // Failed before Start: report from the loop, never inside Start.
    report_timer_ = loop_->AddTimer(EventLoop::Duration::zero(), [this] {
      report_timer_ = 0;
      auto on_close = std::move(handlers_.on_close);
      handlers_ = {};
      on_close(pending_error_);
    });
    return;
  }
  last_rx_ = loop_->Now();
  ArmIdle();
  OnInterestChanged();
}

Status StreamTransport::Write(std::string_view bytes) {
  if (closed_) return Status::Unavailable(name_ + ": closed");
  if (ending_) return Status::InvalidArgument(name_ + ": write after End");
  const size_t queued = queued_bytes();
  if (bytes.size() > options_.max_queued_bytes - queued) {
    drain_wanted_ = true;
    return Status::Busy(name_ + ": send queue full: " + std::to_string(queued) +
                        " bytes queued, " + std::to_string(bytes.size()) +
                        " more would pass " +
                        std::to_string(options_.max_queued_bytes));
  }
  if (bytes.empty()) return Status::OK();
  // Drop sent bytes before growing, so the buffer stays within about
  // twice the queue bound.
  if (queue_start_ > 0 && queue_start_ >= queue_.size() / 2) {
    queue_.erase(0, queue_start_);
    queue_start_ = 0;
  }
  queue_.append(bytes);
  OnInterestChanged();  // TCP may send some or all of it right here
  if (queued_bytes() > 0) drain_wanted_ = true;
  return Status::OK();
}

void StreamTransport::Consume(size_t n) {
  queue_start_ += n;
  if (queue_start_ == queue_.size()) {
    queue_.clear();
    queue_start_ = 0;
    drain_due_ = drain_wanted_;
    drain_wanted_ = false;
  }
}

void StreamTransport::End() {
  if (closed_ || ending_) return;
  ending_ = true;
  OnInterestChanged();
}

void StreamTransport::Close() {
  if (closed_) return;
  closed_ = true;
  loop_->CancelTimer(idle_timer_);
  idle_timer_ = 0;
  queue_.clear();
  queue_start_ = 0;
  ReleaseIo();
}

void StreamTransport::PauseReading() {
  if (paused_) return;
  paused_ = true;
  loop_->CancelTimer(idle_timer_);
  idle_timer_ = 0;
  OnInterestChanged();
}

void StreamTransport::ResumeReading() {
  if (!paused_) return;
  paused_ = false;
  last_rx_ = loop_->Now();
  ArmIdle();
  OnInterestChanged();
}

bool StreamTransport::Deliver(std::string_view bytes) {
  last_rx_ = loop_->Now();
  std::weak_ptr<char> alive = life_;
  handlers_.on_data(bytes);
  return !alive.expired();
}

bool StreamTransport::MaybeDrain() {
  if (!drain_due_ || !started_ || closed_) return true;
  drain_due_ = false;
  if (!handlers_.on_drain) return true;
  std::weak_ptr<char> alive = life_;
  handlers_.on_drain();
  return !alive.expired();
}

bool StreamTransport::Fail(Status why) {
  if (closed_) return false;
  Close();
  if (!started_) {
    pending_error_ = std::move(why);
    return false;
  }
  // The owner may destroy this inside on_close: nothing is touched after.
  auto on_close = std::move(handlers_.on_close);
  handlers_ = {};
  on_close(why);
  return false;
}

void StreamTransport::SetIoReady() {
  io_ready_ = true;
  last_rx_ = loop_->Now();
  ArmIdle();
}

void StreamTransport::ArmIdle() {
  if (options_.idle_timeout.count() == 0 || !io_ready_ || !reading() ||
      idle_timer_ != 0)
    return;
  const EventLoop::Duration left =
      last_rx_ + options_.idle_timeout - loop_->Now();
  idle_timer_ = loop_->AddTimer(left, [this] { OnIdleTimer(); });
}

void StreamTransport::OnIdleTimer() {
  idle_timer_ = 0;
  if (!reading()) return;
  if (loop_->Now() - last_rx_ >= options_.idle_timeout) {
    Fail(Status::Unavailable(name_ + ": idle for " +
                             std::to_string(options_.idle_timeout.count()) +
                             " ms"));
    return;
  }
  ArmIdle();  // bytes came since it was armed: wait for the rest
}

}  // namespace bee::net::internal
