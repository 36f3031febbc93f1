// What verification may find in a log right after a simulated crash.
#ifndef BEE_TESTS_UTIL_CRASH_VERIFY_H_
#define BEE_TESTS_UTIL_CRASH_VERIFY_H_

#include "log/core.h"

namespace bee::test {

// Catch2 checks that `core` verifies, except for a head slot the crash tore
// while nothing past the verifiable head was written (open goes on, and
// verification reports the slot until the next write rewrites it).
void CheckVerifiesAfterCrash(const log::Core& core);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_CRASH_VERIFY_H_
