#include "tests/util/hostile_blocks.h"

#include <cstdio>

namespace bee::test {

std::string NodeBytes(std::vector<IndexLevel> levels, std::string key) {
  return EncodeNodeBlock(NodeBlock{std::move(levels), std::move(key), "v"});
}

std::vector<std::string> ThreeKeys(uint64_t right_seq, uint64_t right_offset) {
  return {NodeBytes({{{1}, {}}}, "a"), NodeBytes({{{1, 2}, {}}}, "b"),
          NodeBytes({{{2}, {1, 0, right_seq, right_offset}}, {{3}, {}}}, "c")};
}

std::vector<std::string> Chain(uint64_t n, bool shared) {
  auto key = [](uint64_t k) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "k%04llu",
                  static_cast<unsigned long long>(k));
    return std::string(buf);
  };
  std::vector<std::string> nodes{NodeBytes({{{1}, {}}}, key(1))};
  for (uint64_t k = 2; k <= n; k++) {
    if (shared) {
      nodes.push_back(NodeBytes({{{k}, {k - 1, 0, k - 1, 0}}}, key(k)));
    } else {
      nodes.push_back(NodeBytes({{{k}, {k - 1, 0, k, 1}}, {{}, {}}}, key(k)));
    }
  }
  return nodes;
}

}  // namespace bee::test
