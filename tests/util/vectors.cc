#include "tests/util/vectors.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "encoding/bytes.h"

namespace bee::test {

const nlohmann::json& Vectors() {
  static const nlohmann::json vectors = [] {
    std::ifstream in(std::string(BEE_TEST_DATA_DIR) + "/vectors.json");
    if (!in) {
      std::fprintf(stderr, "cannot open %s/vectors.json\n", BEE_TEST_DATA_DIR);
      std::abort();
    }
    return nlohmann::json::parse(in);
  }();
  return vectors;
}

std::string Unhex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  if (!bytes.ok()) {
    std::fprintf(stderr, "bad hex in test data: %s\n",
                 bytes.status().ToString().c_str());
    std::abort();
  }
  return std::move(bytes).value();
}

}  // namespace bee::test
