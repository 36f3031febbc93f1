#include "tests/fuzz/fuzz_util.h"

#include <cstdio>
#include <cstdlib>

#include "encoding/block_codec.h"

namespace bee::fuzz {

void Check(bool property, const char* what) {
  if (property) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

log::KeyPair FuzzKeyPair() {
  log::Seed seed{};
  seed.fill(0x42);
  return log::KeyPair::FromSeed(seed);
}

std::vector<std::string> SplitBlocks(std::string_view input,
                                     size_t max_blocks) {
  std::vector<std::string> blocks;
  while (!input.empty() && blocks.size() < max_blocks) {
    size_t n = static_cast<uint8_t>(input[0]);
    if (input.size() >= 2) n |= size_t{static_cast<uint8_t>(input[1])} << 8;
    input.remove_prefix(std::min<size_t>(2, input.size()));
    n = std::min(n, input.size());
    blocks.emplace_back(input.substr(0, n));
    input.remove_prefix(n);
  }
  return blocks;
}

std::string JoinBlocks(std::span<const std::string> blocks) {
  std::string out;
  for (const std::string& b : blocks) {
    out.push_back(static_cast<char>(b.size() & 0xff));
    out.push_back(static_cast<char>(b.size() >> 8));
    out += b;
  }
  return out;
}

std::unique_ptr<log::Core> SourceLog() {
  auto core = log::Core::CreateInMemory(FuzzKeyPair());
  Check(core.ok(), "the source log is created");
  std::vector<std::string> blocks;
  for (uint64_t i = 0; i < kSourceLength; i++) {
    blocks.push_back("block-" + std::to_string(i));
  }
  Check((*core)->Append(blocks).ok(), "the source log is written");
  return std::move(core).value();
}

std::vector<std::string> KeyBlocks() {
  std::vector<std::string> blocks;
  for (uint64_t i = 1; i <= kKeyBlocks; i++) {
    NodeBlock node;
    node.key = "key-" + std::to_string(i);
    node.value = "value";
    blocks.push_back(EncodeNodeBlock(node));
  }
  return blocks;
}

}  // namespace bee::fuzz
