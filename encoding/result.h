// Result<T>: a value or a non-OK Status; must be checked before use.
//
// Modelled on absl::StatusOr. Accessing value() of an error Result is a
// programmer error (asserted), never a way to report bad input.
#ifndef BEE_ENCODING_RESULT_H_
#define BEE_ENCODING_RESULT_H_

#include <cassert>
#include <optional>
#include <utility>

#include "encoding/status.h"

namespace bee {

template <typename T>
class [[nodiscard]] Result {
 public:
  // REQUIRES: !status.ok()
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit
    assert(!status_.ok());
  }
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace bee

#define BEE_CONCAT_INNER_(a, b) a##b
#define BEE_CONCAT_(a, b) BEE_CONCAT_INNER_(a, b)

// BEE_ASSIGN_OR_RETURN(auto x, Foo()): returns Foo()'s Status on error,
// otherwise moves its value into x.
#define BEE_ASSIGN_OR_RETURN(lhs, expr) \
  BEE_ASSIGN_OR_RETURN_IMPL_(BEE_CONCAT_(bee_result_, __LINE__), lhs, expr)
#define BEE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()

#endif  // BEE_ENCODING_RESULT_H_
