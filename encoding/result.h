/// @file
/// Result<T>: a value or a non-OK Status; must be checked before use.
///
/// Modelled on absl::StatusOr. Accessing value() of an error Result is a
/// programmer error, never a way to report bad input: in every build type it
/// prints the status to stderr and aborts, so a Release build cannot run on
/// into undefined behaviour with a value that was never set.
#ifndef BEE_ENCODING_RESULT_H_
#define BEE_ENCODING_RESULT_H_

#include <optional>
#include <utility>

#include "encoding/status.h"

namespace bee {
namespace result_internal {

// Prints `what` and the status to stderr, then aborts.
[[noreturn]] void Die(const char* what, const Status& status);

}  // namespace result_internal

/// A T, or the Status saying why there is none. Check ok() before value().
template <typename T>
class [[nodiscard]] Result {
 public:
  /// An error. REQUIRES: !status.ok() (an OK status aborts).
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit
    if (status_.ok())
      result_internal::Die("Result built from an OK status", status_);
  }
  /// A value.
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit

  /// Whether this holds a value.
  bool ok() const { return status_.ok(); }
  /// OK with a value, else the error.
  const Status& status() const& { return status_; }
  /// As above, moving the error out.
  Status status() && { return std::move(status_); }

  /// The value. REQUIRES: ok() (else prints the status and aborts).
  T& value() & {
    CheckOk();
    return *value_;
  }
  const T& value() const& {
    CheckOk();
    return *value_;
  }
  T&& value() && {
    CheckOk();
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void CheckOk() const {
    if (!ok()) [[unlikely]]
      result_internal::Die("Result::value() of an error", status_);
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace bee

#define BEE_CONCAT_INNER_(a, b) a##b
#define BEE_CONCAT_(a, b) BEE_CONCAT_INNER_(a, b)

/// BEE_ASSIGN_OR_RETURN(auto x, Foo()): returns Foo()'s Status on error,
/// otherwise moves its value into x.
#define BEE_ASSIGN_OR_RETURN(lhs, expr) \
  BEE_ASSIGN_OR_RETURN_IMPL_(BEE_CONCAT_(bee_result_, __LINE__), lhs, expr)
#define BEE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()

#endif  // BEE_ENCODING_RESULT_H_
