#include "tests/util/crash_verify.h"

#include <catch2/catch.hpp>
#include <string>

namespace bee::test {

void CheckVerifiesAfterCrash(const log::Core& core) {
  auto report = core.Verify();
  REQUIRE(report.ok());
  for (const std::string& failure : report->failures) {
    CAPTURE(failure);
    CHECK(failure.find("a torn head write, nothing is lost") !=
          std::string::npos);
  }
}

}  // namespace bee::test
