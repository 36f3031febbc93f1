#include "tests/util/protocol_vectors.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/util/vectors.h"

namespace bee::test {
namespace {

std::string ProtocolDir() {
  return std::string(BEE_TEST_DATA_DIR) + "/protocol";
}

std::ifstream Open(const std::string& file_name) {
  std::ifstream in(ProtocolDir() + "/" + file_name);
  if (!in) {
    std::fprintf(stderr, "cannot open %s/%s\n", ProtocolDir().c_str(),
                 file_name.c_str());
    std::abort();
  }
  return in;
}

}  // namespace

const std::string& FlatVectors::at(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end()) {
    std::fprintf(stderr, "%s: no %s\n", file.c_str(), name.c_str());
    std::abort();
  }
  return it->second;
}

std::vector<std::string> FlatVectors::Payloads(std::string_view prefix) const {
  std::vector<std::string> out;
  for (size_t i = 0;; i++) {
    std::string name = std::string(prefix) + "_payload_" + std::to_string(i);
    if (!has(name)) return out;
    out.push_back(at(name));
  }
}

std::vector<std::string> ProtocolSessionFiles() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(ProtocolDir())) {
    std::string name = entry.path().filename().string();
    const bool flat = name.starts_with("session-") && name.ends_with(".flat");
    const bool noise =
        name.starts_with("noise-session") && name.ends_with(".txt");
    if (flat || noise) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  if (names.size() < 2) {
    std::fprintf(stderr, "no protocol sessions in %s\n", ProtocolDir().c_str());
    std::abort();
  }
  return names;
}

FlatVectors LoadFlat(const std::string& file_name) {
  std::ifstream in = Open(file_name);
  FlatVectors v;
  v.file = file_name;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name, hex;
    if (!(fields >> name >> hex)) continue;
    v.values[name] = hex == "-" ? std::string() : Unhex(hex);
  }
  return v;
}

nlohmann::json LoadProtocolJson(const std::string& file_name) {
  std::ifstream in = Open(file_name);
  return nlohmann::json::parse(in);
}

std::vector<std::string> SplitFrames(std::string_view wire) {
  std::vector<std::string> frames;
  while (wire.size() >= 3) {
    const auto* p = reinterpret_cast<const unsigned char*>(wire.data());
    const size_t n = size_t{p[0]} | (size_t{p[1]} << 8) | (size_t{p[2]} << 16);
    if (wire.size() - 3 < n) break;
    frames.emplace_back(wire.substr(3, n));
    wire.remove_prefix(3 + n);
  }
  if (!wire.empty()) {
    std::fprintf(stderr, "recorded bytes end inside a frame\n");
    std::abort();
  }
  return frames;
}

}  // namespace bee::test
