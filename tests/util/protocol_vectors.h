// The recorded hypercore protocol vectors (tests/data/protocol/, copies of
// ../shared/spec/protocol/, PROTOCOL.md §14): the Noise sessions as JSON and
// every session as flat `name hex` lines. Trusted test data: a missing file
// or bad hex aborts the run.
#ifndef BEE_TESTS_UTIL_PROTOCOL_VECTORS_H_
#define BEE_TESTS_UTIL_PROTOCOL_VECTORS_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace bee::test {

// A flat vector file: each name with its decoded bytes ("-" is empty).
struct FlatVectors {
  std::string file;
  std::map<std::string, std::string> values;

  bool has(const std::string& name) const { return values.count(name) > 0; }
  // Aborts when `name` is missing.
  const std::string& at(const std::string& name) const;
  // The plaintexts side `prefix` ("i" or "r") sent: <prefix>_payload_0...
  std::vector<std::string> Payloads(std::string_view prefix) const;
};

// The flat files with a whole recorded connection: noise-session*.txt and
// every session-*.flat, by file name.
std::vector<std::string> ProtocolSessionFiles();
FlatVectors LoadFlat(const std::string& file_name);
nlohmann::json LoadProtocolJson(const std::string& file_name);

// Cuts recorded bytes into u24le frame bodies (REQUIRES: whole frames).
std::vector<std::string> SplitFrames(std::string_view wire);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_PROTOCOL_VECTORS_H_
