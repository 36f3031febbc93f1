/// @file
/// Status: the outcome of an operation that returns no value.
///
/// Library code never throws: every failure is returned as a Status (or as a
/// Result<T>, see result.h). Corrupt blocks, bad signatures and short reads are
/// normal when replaying a log from disk or from a peer, so each failure path
/// stays explicit. The code set is small and frozen; the message says what is
/// wrong and where (file, offset, block).
///
/// Thread safety: a Status is a value; distinct objects may be used from
/// different threads without synchronization.
#ifndef BEE_ENCODING_STATUS_H_
#define BEE_ENCODING_STATUS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace bee {

/// The outcome of an operation: OK, or a code and a message. Cheap to copy
/// when OK; must be checked ([[nodiscard]]).
class [[nodiscard]] Status {
 public:
  /// What kind of failure; persisted nowhere, but frozen (the C API's
  /// BEE_* codes are these values).
  enum class Code : uint8_t {
    kOk = 0,                  ///< success
    kInvalidArgument = 1,     ///< the caller asked for something malformed
    kIOError = 2,             ///< the operating system refused a file operation
    kCorruption = 3,          ///< stored or received bytes are damaged
    kVerificationFailed = 4,  ///< a hash or signature does not match
    kNotSupported = 5,        ///< a valid request this build cannot serve
    kUnavailable = 6,         ///< e.g. a block a sparse replica does not hold
    kNotFound = 7,            ///< e.g. no store in that directory
    kBusy = 8,                ///< e.g. another writer holds the lock
  };

  /// OK.
  Status() noexcept = default;

  /// @name Factories, one per code
  /// `msg` says what is wrong and where.
  /// @{
  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status IOError(std::string_view msg) {
    return Status(Code::kIOError, msg);
  }
  static Status Corruption(std::string_view msg) {
    return Status(Code::kCorruption, msg);
  }
  static Status VerificationFailed(std::string_view msg) {
    return Status(Code::kVerificationFailed, msg);
  }
  static Status NotSupported(std::string_view msg) {
    return Status(Code::kNotSupported, msg);
  }
  static Status Unavailable(std::string_view msg) {
    return Status(Code::kUnavailable, msg);
  }
  static Status NotFound(std::string_view msg) {
    return Status(Code::kNotFound, msg);
  }
  static Status Busy(std::string_view msg) { return Status(Code::kBusy, msg); }
  /// @}

  /// Whether this is success.
  bool ok() const { return code_ == Code::kOk; }
  /// The code (kOk for success).
  Code code() const { return code_; }
  /// What is wrong and where; empty for success.
  const std::string& message() const { return message_; }

  /// @name Code tests
  /// @{
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsVerificationFailed() const {
    return code_ == Code::kVerificationFailed;
  }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  /// @}

  /// "Corruption: block 7: bad varint" style text for humans.
  std::string ToString() const;

  /// Returns a copy whose message is the context, ": ", then the message
  /// (an OK status stays OK).
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  std::string message_;
};

/// The name of a code ("InvalidArgument"); static storage.
const char* CodeName(Status::Code code);

}  // namespace bee

/// Returns early from the enclosing function when `expr` yields a non-OK
/// Status.
#define BEE_RETURN_IF_ERROR(expr)                      \
  do {                                                 \
    ::bee::Status bee_status_tmp_ = (expr);            \
    if (!bee_status_tmp_.ok()) return bee_status_tmp_; \
  } while (0)

#endif  // BEE_ENCODING_STATUS_H_
