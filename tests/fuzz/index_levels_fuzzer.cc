// Fuzzes the index (levels) reader of the block cache
// (btree/internal/block_cache.h): a fuzzed block is appended after
// kKeyBlocks valid key blocks, then every level is read through the decoded
// block, the flat copy (PeekLevel) and the packed node (Packed), which must
// agree with each other or fail with an error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "btree/internal/block_cache.h"
#include "encoding/block_codec.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using bee::btree::internal::BlockCache;
using bee::btree::internal::NodeRef;
using bee::fuzz::Check;

void CheckPacked(const BlockCache& cache, NodeRef ref,
                 const bee::IndexLevel& level) {
  auto packed = cache.Packed(ref);
  if (!packed.ok()) return;
  Check(packed->size() == level.keys.size(), "packed key count");
  Check(packed->children() * 2 == level.children.size(), "packed children");
  for (size_t i = 0; i < packed->size(); i++) {
    Check(packed->seq(i) == level.keys[i], "packed key seq");
    auto key = cache.KeyOf(level.keys[i]);
    Check(key.ok() && *key == packed->key(i), "packed key bytes");
  }
  for (size_t i = 0; i < packed->children(); i++) {
    NodeRef child = packed->child(i);
    Check(child.seq == level.children[2 * i] &&
              child.offset == level.children[2 * i + 1],
          "packed child");
  }
}

void CheckLevels(const BlockCache& cache, uint64_t seq) {
  bee::btree::internal::EpochGuard guard;  // the cache's views
  auto block = cache.Get(seq);
  if (!block.ok()) return;
  const auto& levels = (*block)->levels;
  for (uint64_t offset = 0; offset <= levels.size(); offset++) {
    NodeRef ref{seq, offset};
    auto flat = cache.PeekLevel(ref);
    Check(flat.ok() == (offset < levels.size()), "a level exists iff decoded");
    if (!flat.ok()) continue;
    const bee::IndexLevel& level = levels[offset];
    Check(std::equal(flat->keys.begin(), flat->keys.end(), level.keys.begin(),
                     level.keys.end()),
          "flat keys");
    Check(std::equal(flat->children.begin(), flat->children.end(),
                     level.children.begin(), level.children.end()),
          "flat children");
    CheckPacked(cache, ref, level);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto core = bee::log::Core::CreateInMemory(bee::fuzz::FuzzKeyPair());
  Check(core.ok(), "an in-memory log is created");
  std::vector<std::string> blocks = bee::fuzz::KeyBlocks();
  blocks.insert(blocks.begin(), bee::EncodeHeaderBlock({}));
  blocks.emplace_back(reinterpret_cast<const char*>(data), size);
  Check((*core)->Append(blocks).ok(), "the blocks are appended");
  BlockCache cache(core->get());
  CheckLevels(cache, bee::fuzz::kKeyBlocks + 1);
  return 0;
}
