#include "encoding/status.h"

#include <cstdio>
#include <cstdlib>

#include "encoding/result.h"

namespace bee {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "OK";
    case Status::Code::kInvalidArgument:
      return "Invalid argument";
    case Status::Code::kIOError:
      return "IO error";
    case Status::Code::kCorruption:
      return "Corruption";
    case Status::Code::kVerificationFailed:
      return "Verification failed";
    case Status::Code::kNotSupported:
      return "Not supported";
    case Status::Code::kUnavailable:
      return "Unavailable";
    case Status::Code::kNotFound:
      return "Not found";
    case Status::Code::kBusy:
      return "Busy";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out = CodeName(code_);
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, msg);
}

namespace result_internal {

void Die(const char* what, const Status& status) {
  std::fprintf(stderr, "bee: %s: %s\n", what, status.ToString().c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace result_internal

}  // namespace bee
