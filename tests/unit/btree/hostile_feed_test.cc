// Validly signed feeds whose node blocks are hostile: a writer can sign
// anything. Every read (get, range both ways, diff, history) and every
// write ends with a clear error or a right answer, never a crash, an
// out-of-bounds read or a hang: each walk here is bounded by a step count
// and fails the test instead of hanging.
#include <catch2/catch.hpp>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "btree/diff.h"
#include "btree/history.h"
#include "btree/iterator.h"
#include "encoding/block_codec.h"
#include "tests/util/hostile_blocks.h"

namespace bee::btree {
namespace {

using test::Chain;
using test::NodeBytes;
using test::ThreeKeys;

// A bee over exactly these node blocks after a header, signed by a fresh
// key pair, so that only the tree's structure is hostile.
std::unique_ptr<Bee> SignedFeed(const std::vector<std::string>& nodes) {
  auto core = log::Core::CreateInMemory(log::KeyPair::Random()).value();
  std::vector<std::string> blocks{EncodeHeaderBlock(HeaderBlock{})};
  blocks.insert(blocks.end(), nodes.begin(), nodes.end());
  REQUIRE(core->Append(blocks).ok());
  return Bee::FromCore(std::move(core)).value();
}

// What the reads and writes of a tree returned: the keys a forward range
// listed, and each operation's error by the operation's name.
struct Outcomes {
  std::vector<std::string> keys;
  std::map<std::string, std::string> errors;
  bool Mentions(const std::string& text) const {
    for (const auto& [op, e] : errors) {
      if (e.find(text) != std::string::npos) return true;
    }
    return false;
  }
  // Whether each of `ops` failed with `text` in its error.
  bool EachMentions(std::initializer_list<const char*> ops,
                    const std::string& text) const {
    for (const char* op : ops) {
      auto it = errors.find(op);
      if (it == errors.end() || it->second.find(text) == std::string::npos) {
        return false;
      }
    }
    return true;
  }
};

// The walks over every node of the tree, and the writes descending to "c".
constexpr std::initializer_list<const char*> kWalks = {"range", "range reverse",
                                                       "diff", "diff reversed"};
constexpr std::initializer_list<const char*> kWrites = {"put", "del"};

// Drains a walk of at most `max_steps` items; more means it does not end.
template <typename Next>
void Drain(const std::string& op, Next next, size_t max_steps, Outcomes* out) {
  for (size_t step = 0;; step++) {
    INFO(op);
    REQUIRE(step <= max_steps);  // a walk that would not end fails here
    auto item = next();
    if (!item.ok()) {
      out->errors[op] = item.status().ToString();
      return;
    }
    if (!item.value()) return;
  }
}

void ReadRanges(const Snapshot& snap, size_t max_steps, Outcomes* out) {
  for (bool reverse : {false, true}) {
    RangeOptions options;
    options.reverse = reverse;
    RangeIterator it(snap, options);
    std::vector<std::string> keys;
    auto next = [&] {
      auto item = it.Next();
      if (item.ok() && item.value()) keys.push_back(item.value()->key);
      return item;
    };
    Drain(reverse ? "range reverse" : "range", next, max_steps, out);
    if (!reverse) out->keys = keys;
  }
}

void ReadDiffsAndHistory(const Bee& bee, const Snapshot& snap, size_t max_steps,
                         Outcomes* out) {
  Snapshot empty = bee.Checkout(1).value();
  for (bool reversed : {false, true}) {
    DiffIterator it(reversed ? empty : snap, reversed ? snap : empty, {});
    Drain(
        reversed ? "diff reversed" : "diff", [&] { return it.Next(); },
        max_steps, out);
  }
  for (bool reverse : {false, true}) {
    HistoryOptions options;
    options.reverse = reverse;
    HistoryIterator it(snap, options);
    Drain(
        reverse ? "history reverse" : "history", [&] { return it.Next(); },
        max_steps, out);
  }
}

Outcomes ReadAll(const Bee& bee, uint64_t version) {
  Outcomes out;
  auto snap = bee.Checkout(version);
  if (!snap.ok()) {
    out.errors["checkout"] = snap.status().ToString();
    return out;
  }
  for (const char* key : {"", "a", "b", "c", "d", "zz"}) {
    auto got = snap->Get(key);
    if (!got.ok())
      out.errors["get " + std::string(key)] = got.status().ToString();
  }
  const size_t max_steps = 2 * static_cast<size_t>(version) + 4;
  ReadRanges(*snap, max_steps, &out);
  ReadDiffsAndHistory(bee, *snap, max_steps, &out);
  return out;
}

// A put and a delete on the hostile tree: either refused with an error,
// appending nothing, or written.
void WriteAll(Bee* bee, Outcomes* out) {
  for (const char* op : kWrites) {
    const uint64_t before = bee->version();
    auto wrote = op == std::string("put") ? bee->Put("c0", "x") : bee->Del("c");
    if (!wrote.ok()) {
      out->errors[op] = wrote.status().ToString();
      CHECK(bee->version() == before);
    }
  }
}

Outcomes ReadAndWrite(const std::vector<std::string>& nodes) {
  auto bee = SignedFeed(nodes);
  Outcomes out = ReadAll(*bee, bee->version());
  WriteAll(bee.get(), &out);
  for (const auto& [op, e] : out.errors) UNSCOPED_INFO(op << ": " << e);
  return out;
}

TEST_CASE("an honest three-key feed reads and writes without error",
          "[btree][hostile]") {
  Outcomes reads = ReadAndWrite(ThreeKeys(3, 1));
  CHECK(reads.errors.empty());
  CHECK(reads.keys == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("a child reference that is not an earlier node is Corruption",
          "[btree][hostile]") {
  struct Case {
    uint64_t seq, offset;
    std::string message;
  } cases[] = {
      {9, 0, "block 3 level 0 child 1 points to block 9 level 0 (a later"},
      {4, 0, "block 3 level 0 child 1 points to block 4 level 0 (a later"},
      {3, 0, "block 3 level 0 child 1 points to block 3 level 0 (itself)"},
      {0, 0, "block 3 level 0 child 1 points to block 0 level 0 (the header"},
      {3, 7, "block 3 has no index level 7"},
      {1, 5, "block 1 has no index level 5"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.seq, c.offset);
    Outcomes reads = ReadAndWrite(ThreeKeys(c.seq, c.offset));
    CHECK(reads.EachMentions(kWalks, c.message));
    CHECK(reads.EachMentions(kWrites, c.message));
    CHECK(reads.keys.size() <= 2);
  }
}

TEST_CASE("a cached block's missing level is Corruption, not a stray read",
          "[btree][hostile]") {
  auto bee = SignedFeed(ThreeKeys(1, 5));
  // Version 2 packs block 1's only level into the cache first.
  REQUIRE(bee->Checkout(2).value().Get("a").value());
  auto got = bee->Checkout(4).value().Get("c");
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().IsCorruption());
  CHECK(got.status().ToString().find("block 1 has no index level 5") !=
        std::string::npos);
}

TEST_CASE("a reference cycle inside one block ends at the depth bound",
          "[btree][hostile]") {
  // Levels 1 and 2 of block 3 name each other as children.
  std::vector<std::string> nodes = ThreeKeys(3, 1);
  nodes[2] = NodeBytes(
      {{{2}, {1, 0, 3, 1}}, {{3}, {3, 2, 3, 2}}, {{3}, {3, 1, 3, 1}}}, "c");
  Outcomes reads = ReadAndWrite(nodes);
  CHECK(reads.EachMentions(kWalks, "deeper than 64 levels"));
  CHECK(reads.EachMentions(kWrites, "deeper than 64 levels"));
}

TEST_CASE("keys naming the header or a block past the log are errors",
          "[btree][hostile]") {
  std::vector<std::string> nodes = ThreeKeys(3, 1);
  nodes[2] = NodeBytes({{{1, 0}, {}}}, "c");
  CHECK(ReadAndWrite(nodes).EachMentions(kWalks, "block 0 is the header"));
  nodes[2] = NodeBytes({{{1, 77}, {}}}, "c");
  CHECK(ReadAndWrite(nodes).EachMentions(kWalks, "77"));
}

TEST_CASE("malformed node blocks are Corruption naming the block",
          "[btree][hostile]") {
  struct Case {
    std::string name, block, message;
  } cases[] = {
      {"not protobuf", "\x0a\x05\x01", "block 3"},
      // keys = [one varint of 11 bytes]: past 64 bits.
      {"long varint",
       std::string("\x0a\x0f\x0a\x0d\x0a\x0b", 6) + std::string(10, '\xff') +
           "\x01\x12\x01\x63",
       "block 3"},
      {"odd children",
       std::string("\x0a\x0a\x0a\x08\x0a\x01\x02\x12\x03\x01\x00\x03", 12) +
           "\x12\x01\x63",
       "odd number of child entries"},
      {"empty index", std::string("\x0a\x00\x12\x01\x63", 5), "holds no root"},
      {"too few children", NodeBytes({{{2}, {1, 0}}}, "c"),
       "has a wrong number of children"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    std::vector<std::string> nodes = ThreeKeys(3, 1);
    nodes[2] = c.block;
    Outcomes reads = ReadAndWrite(nodes);
    CHECK(reads.Mentions(c.message));
  }
}

TEST_CASE("a chain deeper than the bound is Corruption, a shallower one reads",
          "[btree][hostile]") {
  auto bee = SignedFeed(Chain(100, false));
  Outcomes deep = ReadAll(*bee, bee->version());
  CHECK(deep.EachMentions(kWalks, "deeper than 64 levels"));
  CHECK(deep.EachMentions({"get a"}, "is deeper than 64 levels"));
  Outcomes shallow = ReadAll(*bee, 41);  // blocks 1..40: 40 levels
  CHECK(shallow.errors.empty());
  CHECK(shallow.keys.size() == 40);
  Outcomes writes;
  WriteAll(bee.get(), &writes);
  CHECK(writes.EachMentions(kWrites, "deeper than 64 levels"));
}

TEST_CASE("a subtree shared under many parents is Corruption, not 2^n keys",
          "[btree][hostile]") {
  Outcomes reads = ReadAndWrite(Chain(60, true));
  CHECK(reads.EachMentions(kWalks, "holds a key out of order"));
}

}  // namespace
}  // namespace bee::btree
