// The recorded hyperbee/hypercore test vectors (tests/data/vectors.json, a
// copy of ../shared/spec/vectors/vectors.json), parsed once.
#ifndef BEE_TESTS_UTIL_VECTORS_H_
#define BEE_TESTS_UTIL_VECTORS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bee::test {

// The parsed vectors; aborts the test run if the file is missing.
const nlohmann::json& Vectors();

// Decodes hex from the vectors (trusted test data: aborts on bad hex).
std::string Unhex(std::string_view hex);
inline std::string Unhex(const char* hex) {
  return Unhex(std::string_view(hex));
}
inline std::string Unhex(const std::string& hex) {
  return Unhex(std::string_view(hex));
}
inline std::string Unhex(const nlohmann::json& hex) {
  return Unhex(std::string_view(hex.get_ref<const std::string&>()));
}

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_VECTORS_H_
