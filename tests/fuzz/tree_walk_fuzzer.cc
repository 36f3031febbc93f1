// Fuzzes every reader of the tree, and the writer, over hostile blocks: the
// input is cut into blocks (fuzz_util.h) appended after a header to a signed
// in-memory log; then gets, ranges both ways, history both ways and diffs
// run on a few versions, with limits that bound the work, and one put and
// one delete go through the writer. Errors are expected; crashes, hangs and
// unbounded memory are the bugs.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "btree/diff.h"
#include "btree/history.h"
#include "btree/iterator.h"
#include "encoding/block_codec.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using namespace bee::btree;  // NOLINT: a test of this namespace
using bee::fuzz::Check;

constexpr size_t kMaxBlocks = 48;
constexpr int64_t kLimit = 64;

// The keys to look up: those of the blocks that decode, and two more.
std::vector<std::string> KeysOf(const std::vector<std::string>& blocks) {
  std::vector<std::string> keys = {"", "\xff"};
  for (const std::string& b : blocks) {
    auto node = bee::DecodeNodeBlock(b);
    if (node.ok()) keys.push_back(node->key);
  }
  return keys;
}

template <typename It>
void Drain(It* it) {
  for (int64_t i = 0; i <= kLimit; i++) {
    auto e = it->Next();
    if (!e.ok() || !e->has_value()) return;
  }
}

void Walk(const Snapshot& snap, const Snapshot& latest,
          const std::vector<std::string>& keys) {
  for (const std::string& key : keys) (void)snap.Get(key);
  for (bool reverse : {false, true}) {
    RangeIterator all(snap, {.reverse = reverse, .limit = kLimit});
    Drain(&all);
    RangeIterator from(snap,
                       {.gte = keys.back(), .reverse = reverse, .limit = 8});
    Drain(&from);
    HistoryIterator history(snap, {.reverse = reverse, .limit = kLimit});
    Drain(&history);
  }
  DiffIterator diff(snap, latest, {.limit = kLimit});
  Drain(&diff);
}

// A put of a new key, an update and a delete of keys the blocks hold.
void Write(Bee* bee, const std::vector<std::string>& keys) {
  auto put = bee->Put("fuzz", "value");
  if (put.ok()) (void)bee->Get("fuzz");
  if (keys.size() < 3) return;
  (void)bee->Put(keys[2], "new");
  (void)bee->Del(keys.back());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> blocks = bee::fuzz::SplitBlocks(
      std::string_view(reinterpret_cast<const char*>(data), size), kMaxBlocks);
  std::vector<std::string> keys = KeysOf(blocks);
  blocks.insert(blocks.begin(), bee::EncodeHeaderBlock({}));
  auto core = bee::log::Core::CreateInMemory(bee::fuzz::FuzzKeyPair());
  Check(core.ok(), "an in-memory log is created");
  Check((*core)->Append(blocks).ok(), "the blocks are appended");
  auto bee = Bee::FromCore(std::move(core).value());
  Check(bee.ok(), "a log with a header is a store");
  // The latest version and up to three before it, as far as they check out
  // (hostile blocks may leave no readable latest version at all).
  if (auto latest = (*bee)->GetSnapshot(); latest.ok()) {
    const uint64_t version = latest->version();
    for (uint64_t v = version; v >= 2 && v + 4 > version; v--) {
      auto snap = (*bee)->Checkout(v);
      if (snap.ok()) Walk(*snap, *latest, keys);
    }
  }
  Write(bee->get(), keys);
  return 0;
}
