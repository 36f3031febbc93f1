// A cursor over a hostile message for the compact-encoding decoders of
// net/ (PROTOCOL.md §5-6). Fields are read in order; the first one that
// does not fit is remembered, so a decoder reads straight through and
// reports once, naming the message and the field. Private to net/.
#ifndef BEE_NET_INTERNAL_READER_H_
#define BEE_NET_INTERNAL_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "encoding/status.h"
#include "encoding/varint.h"

namespace bee::net::internal {

class Reader {
 public:
  // `message` names the message in errors. REQUIRES: it outlives the
  // Reader (a string literal).
  Reader(std::string_view in, const char* message)
      : in_(in), message_(message) {}

  // A compact-encoding uint.
  bool Uint(const char* field, uint64_t* v) {
    if (failed_ == nullptr && !GetCompactUint(&in_, v)) failed_ = field;
    return failed_ == nullptr;
  }
  // n raw bytes; *out points into the input.
  bool Bytes(const char* field, size_t n, std::string_view* out) {
    if (failed_ == nullptr && in_.size() < n) failed_ = field;
    if (failed_ != nullptr) return false;
    *out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  // `uint length ‖ bytes` (buffer, string, optionalBuffer); the length is
  // checked against the bytes present.
  bool Buffer(const char* field, std::string_view* out) {
    uint64_t n = 0;
    if (!Uint(field, &n)) return false;
    if (n > in_.size()) {
      failed_ = field;
      return false;
    }
    return Bytes(field, static_cast<size_t>(n), out);
  }
  // Everything left; the reader is then empty.
  std::string_view Rest() {
    std::string_view rest = in_;
    in_ = {};
    return rest;
  }
  // Whether bytes remain (optional trailing fields are read only then).
  bool more() const { return failed_ == nullptr && !in_.empty(); }
  size_t remaining() const { return in_.size(); }
  void Fail(const char* field) {
    if (failed_ == nullptr) failed_ = field;
  }

  Status status() const {
    if (failed_ == nullptr) return Status::OK();
    return Status::Corruption(std::string(message_) + ": " + failed_ +
                              " is truncated or runs past the message");
  }

 private:
  std::string_view in_;
  const char* message_;
  const char* failed_ = nullptr;
};

}  // namespace bee::net::internal

#endif  // BEE_NET_INTERNAL_READER_H_
