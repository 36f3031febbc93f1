#include "net/frame.h"

#include <cassert>

namespace bee::net {

void AppendFrame(std::string* out, std::string_view body) {
  assert(body.size() <= kMaxFrameBody);
  const size_t n = body.size();
  out->push_back(static_cast<char>(n & 0xff));
  out->push_back(static_cast<char>((n >> 8) & 0xff));
  out->push_back(static_cast<char>((n >> 16) & 0xff));
  out->append(body);
}

FrameDecoder::FrameDecoder(size_t max_body) : max_body_(max_body) {}

void FrameDecoder::Feed(std::string_view bytes) {
  // Drop consumed bytes before growing, so the buffer holds at most one
  // partial frame plus this feed.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

Result<bool> FrameDecoder::Next(std::string* body) {
  if (!error_.ok()) return error_;
  const size_t avail = buffer_.size() - start_;
  if (avail < 3) return false;
  const auto* p =
      reinterpret_cast<const unsigned char*>(buffer_.data()) + start_;
  const size_t len = size_t{p[0]} | (size_t{p[1]} << 8) | (size_t{p[2]} << 16);
  if (len > max_body_) {
    error_ = Status::Corruption("frame declares " + std::to_string(len) +
                                " bytes, more than the limit of " +
                                std::to_string(max_body_));
    return error_;
  }
  if (avail - 3 < len) return false;
  body->assign(buffer_, start_ + 3, len);
  start_ += 3 + len;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  return true;
}

}  // namespace bee::net
