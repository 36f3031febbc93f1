// Transport framing (../shared/spec/PROTOCOL.md §2): every unit on a
// hypercore connection, handshake or encrypted, is `u24le(len) ‖ body`. No
// magic, no version; TCP may split or coalesce frames arbitrarily.
//
// FrameDecoder accumulates bytes and hands out whole bodies. It holds at
// most one partial frame plus what the caller fed beyond it, and refuses a
// declared length above its limit before buffering it, so a hostile peer
// cannot make it allocate more than `max_body` bytes per frame.
// Not thread-safe (one per connection, driven by its event loop).
#ifndef BEE_NET_FRAME_H_
#define BEE_NET_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "encoding/result.h"
#include "encoding/status.h"

namespace bee::net {

// The largest body a u24le length can describe.
inline constexpr size_t kMaxFrameBody = (size_t{1} << 24) - 1;

// Appends `u24le(body.size()) ‖ body` to `out`.
// REQUIRES: body.size() <= kMaxFrameBody.
void AppendFrame(std::string* out, std::string_view body);

class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_body = kMaxFrameBody);

  // Appends received bytes. Never fails; errors surface in Next().
  void Feed(std::string_view bytes);

  // Moves the next whole body into *body and returns true; false when no
  // whole frame is buffered yet. Corruption (naming the declared length
  // and the limit) once a frame declares more than max_body; the decoder
  // then stays failed, as the connection must be dropped.
  Result<bool> Next(std::string* body);

  // Changes the limit for the frames not handed out yet (e.g. a small one
  // until a peer has authenticated, then the full one).
  void set_max_body(size_t max_body) { max_body_ = max_body; }

  // Bytes received but not yet handed out (for memory accounting).
  size_t buffered() const { return buffer_.size() - start_; }

 private:
  size_t max_body_;
  std::string buffer_;
  size_t start_ = 0;
  Status error_;
};

}  // namespace bee::net

#endif  // BEE_NET_FRAME_H_
