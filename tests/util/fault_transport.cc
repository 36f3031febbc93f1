#include "tests/util/fault_transport.h"

#include <algorithm>
#include <utility>

namespace bee::test {

using Direction = FaultTransport::Direction;

FaultTransport::FaultTransport(net::EventLoop* loop,
                               std::unique_ptr<net::Transport> inner,
                               uint64_t seed)
    : loop_(loop), inner_(std::move(inner)), rng_(seed) {}

FaultTransport::~FaultTransport() {
  loop_->CancelTimer(out_.timer);
  loop_->CancelTimer(in_.timer);
  loop_->CancelTimer(report_timer_);
}

void FaultTransport::SetPlan(Direction dir, const FaultPlan& plan) {
  lane(dir).plan = plan;
}

void FaultTransport::Stall(Direction dir) {
  Lane& l = lane(dir);
  l.stalled = true;
  loop_->CancelTimer(l.timer);
  l.timer = 0;
}

void FaultTransport::Resume(Direction dir) {
  lane(dir).stalled = false;
  Schedule(dir);
}

void FaultTransport::Drop() {
  if (closed_) return;
  ReportLater(Status::IOError(name() + ": fault: dropped"), true);
}

uint64_t FaultTransport::passed(Direction dir) const {
  return dir == Direction::kOutgoing ? out_.passed : in_.passed;
}

void FaultTransport::Start(net::TransportHandlers handlers) {
  handlers_ = std::move(handlers);
  started_ = true;
  net::TransportHandlers inner;
  inner.on_data = [this](std::string_view bytes) {
    if (!closed_) Accept(Direction::kIncoming, bytes);
  };
  inner.on_close = [this](const Status& why) { OnInnerClose(why); };
  inner.on_drain = [this] { OnInnerDrain(); };
  inner_->Start(std::move(inner));
  if (!pending_report_.ok()) ArmReport();
}

Status FaultTransport::Write(std::string_view bytes) {
  if (closed_) return Status::Unavailable(name() + ": closed");
  if (ending_) return Status::InvalidArgument(name() + ": write after End");
  if (bytes.size() > queue_limit() - std::min(queue_limit(), queued_bytes()))
    return Status::Busy(name() + ": send queue full");
  Accept(Direction::kOutgoing, bytes);
  return Status::OK();
}

size_t FaultTransport::queued_bytes() const {
  return inner_->queued_bytes() + out_.held;
}

void FaultTransport::End() {
  if (closed_ || ending_) return;
  ending_ = true;
  if (out_.pieces.empty() && !out_.cut) inner_->End();
}

void FaultTransport::Close() {
  closed_ = true;
  for (Lane* l : {&out_, &in_}) {
    loop_->CancelTimer(l->timer);
    l->timer = 0;
    l->pieces.clear();
    l->held = 0;
  }
  loop_->CancelTimer(report_timer_);
  report_timer_ = 0;
  inner_->Close();
}

void FaultTransport::PauseReading() {
  paused_ = true;
  loop_->CancelTimer(in_.timer);
  in_.timer = 0;
  inner_->PauseReading();
}

void FaultTransport::ResumeReading() {
  paused_ = false;
  inner_->ResumeReading();
  Schedule(Direction::kIncoming);
}

bool FaultTransport::Held(Direction dir) const {
  const Lane& l = dir == Direction::kOutgoing ? out_ : in_;
  return !l.pieces.empty() || l.stalled || l.plan.max_chunk > 0 ||
         l.plan.delay.count() > 0 || (dir == Direction::kIncoming && paused_);
}

void FaultTransport::Accept(Direction dir, std::string_view bytes) {
  Lane& l = lane(dir);
  if (l.cut) return;
  std::string data(bytes);
  if (l.plan.cut_after != FaultPlan::kNever) {
    const uint64_t room =
        l.plan.cut_after > l.accepted ? l.plan.cut_after - l.accepted : 0;
    if (data.size() >= room) {
      data.resize(static_cast<size_t>(room));
      l.cut = true;
    }
  }
  if (l.plan.flip_at >= l.accepted && l.plan.flip_at - l.accepted < data.size())
    data[static_cast<size_t>(l.plan.flip_at - l.accepted)] ^=
        static_cast<char>(l.plan.flip_mask);
  l.accepted += data.size();
  if (!Held(dir)) {
    const bool alive = dir == Direction::kOutgoing ? PassOut(std::move(data))
                                                   : PassIn(std::move(data));
    if (alive) AfterEmptied(dir);
    return;
  }
  Split(dir, std::move(data));
  Schedule(dir);
}

void FaultTransport::Split(Direction dir, std::string data) {
  Lane& l = lane(dir);
  auto release = loop_->Now() + l.plan.delay;
  if (!l.pieces.empty()) release = std::max(release, l.pieces.back().release);
  size_t at = 0;
  while (at < data.size()) {
    size_t n = data.size() - at;
    if (l.plan.max_chunk > 0) {
      std::uniform_int_distribution<size_t> pick(1, l.plan.max_chunk);
      n = std::min(n, pick(rng_));
    }
    l.pieces.push_back(Piece{release, data.substr(at, n)});
    l.held += n;
    at += n;
  }
  // An empty tail (a cut at this point) still needs its turn to act.
  if (data.empty()) l.pieces.push_back(Piece{release, std::string()});
}

void FaultTransport::Schedule(Direction dir) {
  Lane& l = lane(dir);
  if (closed_ || l.timer != 0 || l.pieces.empty() || l.stalled ||
      (dir == Direction::kIncoming && paused_))
    return;
  const auto wait = std::max(net::EventLoop::Duration::zero(),
                             l.pieces.front().release - loop_->Now());
  l.timer = loop_->AddTimer(wait, [this, dir] { Release(dir); });
}

void FaultTransport::Release(Direction dir) {
  Lane& l = lane(dir);
  l.timer = 0;
  if (l.pieces.empty()) return;
  std::string piece = std::move(l.pieces.front().bytes);
  l.pieces.pop_front();
  l.held -= piece.size();
  const bool alive = dir == Direction::kOutgoing ? PassOut(std::move(piece))
                                                 : PassIn(std::move(piece));
  if (!alive) return;
  if (!l.pieces.empty()) {
    Schedule(dir);
    return;
  }
  AfterEmptied(dir);
  // The last held piece left and the inner transport took it at once: the
  // inner one owes no drain (its queue never held it), so this one pays.
  if (dir == Direction::kOutgoing && !closed_ && !ending_ &&
      inner_->queued_bytes() == 0 && handlers_.on_drain)
    handlers_.on_drain();
}

bool FaultTransport::PassOut(std::string piece) {
  out_.passed += piece.size();
  // Cannot pass the bound: held bytes were counted in queued_bytes() when
  // the owner wrote them. A closed inner transport reports to OnInnerClose.
  (void)inner_->Write(piece);
  return !closed_;
}

bool FaultTransport::PassIn(std::string piece) {
  if (piece.empty()) return true;
  in_.passed += piece.size();
  std::weak_ptr<char> alive = life_;
  handlers_.on_data(piece);
  return !alive.expired() && !closed_;
}

void FaultTransport::AfterEmptied(Direction dir) {
  if (dir == Direction::kOutgoing) {
    if (out_.cut) {
      inner_->End();  // the peer reads the bytes before the cut, then EOF
      if (inner_->queued_bytes() == 0) ReportCut();
    } else if (ending_) {
      inner_->End();
    }
    return;
  }
  if (in_.cut) {
    inner_->Close();
    Report(Status::IOError(name() + ": fault: cut after " +
                           std::to_string(in_.passed) + " bytes received"));
  } else if (!inner_closed_.ok()) {
    Report(inner_closed_);
  }
}

void FaultTransport::ReportCut() {
  ReportLater(Status::IOError(name() + ": fault: cut after " +
                              std::to_string(out_.passed) + " bytes sent"),
              /*close_inner=*/false);
}

void FaultTransport::OnInnerDrain() {
  if (closed_) return;
  if (out_.cut) {
    if (out_.pieces.empty()) ReportCut();  // the last piece has left
    return;
  }
  if (out_.pieces.empty() && handlers_.on_drain) handlers_.on_drain();
}

void FaultTransport::OnInnerClose(const Status& why) {
  if (closed_) return;
  if (!in_.pieces.empty()) {
    inner_closed_ = why;  // after the bytes received before it
    return;
  }
  Report(why);
}

void FaultTransport::ReportLater(Status why, bool close_inner) {
  if (close_inner) {
    Close();
  } else {
    closed_ = true;
    for (Lane* l : {&out_, &in_}) {
      loop_->CancelTimer(l->timer);
      l->timer = 0;
    }
  }
  pending_report_ = std::move(why);
  if (started_) ArmReport();
}

void FaultTransport::ArmReport() {
  report_timer_ = loop_->AddTimer(net::EventLoop::Duration::zero(), [this] {
    report_timer_ = 0;
    auto on_close = std::move(handlers_.on_close);
    handlers_ = {};
    on_close(pending_report_);
  });
}

void FaultTransport::Report(Status why) {
  if (closed_) return;
  closed_ = true;
  for (Lane* l : {&out_, &in_}) {
    loop_->CancelTimer(l->timer);
    l->timer = 0;
  }
  auto on_close = std::move(handlers_.on_close);
  handlers_ = {};
  on_close(why);
}

}  // namespace bee::test
