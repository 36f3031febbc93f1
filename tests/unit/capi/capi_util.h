// Helpers for the C API's tests (tests/unit/capi/): owners of what the API
// hands out, so that ASan's leak check sees every message and handle freed.
#ifndef BEE_TESTS_UNIT_CAPI_CAPI_UTIL_H_
#define BEE_TESTS_UNIT_CAPI_CAPI_UTIL_H_

#include <string>

#include "btree/bee_c.h"

namespace bee::test {

// Owns the messages the C API hands out.
struct CErr {
  char* message = nullptr;
  CErr() = default;
  CErr(const CErr&) = delete;
  CErr& operator=(const CErr&) = delete;
  ~CErr() { bee_free(message); }
  char** operator&() { return &message; }
  std::string str() const { return message == nullptr ? "" : message; }
};

// Owns a store handle.
struct CDb {
  bee_t* db = nullptr;
  CDb() = default;
  CDb(const CDb&) = delete;
  CDb& operator=(const CDb&) = delete;
  ~CDb() { bee_destroy(db); }
};

// "key=value" of an entry, "<none>" for an absent value.
inline std::string EntryText(const bee_entry_t& e) {
  std::string out(e.key, e.key_len);
  out += "=";
  out += e.value == nullptr ? "<none>" : std::string(e.value, e.value_len);
  return out;
}

}  // namespace bee::test

#endif  // BEE_TESTS_UNIT_CAPI_CAPI_UTIL_H_
