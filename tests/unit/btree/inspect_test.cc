// The library's inspection and tree check (btree/inspect.h, CheckTree in
// btree/verify.h), which `bee-dump --tree/--stats/--verify` print; the
// tools' own tests (tests/unit/tools/) check the printing.
#include "btree/inspect.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "btree/verify.h"
#include "tests/util/hostile_blocks.h"

namespace bee::btree {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%04d", i);
  return buf;
}

std::unique_ptr<Bee> Filled(int n) {
  auto bee = Bee::CreateInMemory(log::KeyPair::Random()).value();
  for (int i = 0; i < n; i++) REQUIRE(bee->Put(Key(i), "v").ok());
  return bee;
}

bool Mentions(const std::vector<std::string>& problems, const std::string& s) {
  for (const std::string& p : problems) {
    if (p.find(s) != std::string::npos) return true;
  }
  return false;
}

// A store whose log holds a header and then exactly `nodes`.
std::unique_ptr<Bee> Hostile(const std::vector<std::string>& nodes) {
  auto bee = Bee::CreateInMemory(log::KeyPair::Random()).value();
  std::vector<std::string> blocks{EncodeHeaderBlock(HeaderBlock{})};
  blocks.insert(blocks.end(), nodes.begin(), nodes.end());
  REQUIRE(bee->core().Append(blocks).ok());
  return bee;
}

TEST_CASE("WalkTree and ComputeTreeStats describe the tree",
          "[btree][inspect]") {
  auto bee = Filled(200);
  Snapshot snap = bee->GetSnapshot().value();
  size_t nodes = 0, keys = 0, max_depth = 0;
  REQUIRE(WalkTree(snap, [&](const TreeNode& n) {
            nodes++;
            keys += n.index->keys.size();
            max_depth = std::max(max_depth, n.depth);
            CHECK(n.seq < snap.version());
            return Status::OK();
          }).ok());
  CHECK(keys == 200);
  TreeStats s = ComputeTreeStats(*bee, snap).value();
  CHECK(s.version == 201);  // the header, then one block per put
  CHECK(s.entries == 200);
  CHECK(s.nodes == nodes);
  CHECK(s.depth == max_depth + 1);
  CHECK(s.depth >= 3);
  CHECK(s.leaves < s.nodes);
  REQUIRE(s.fill_min.has_value());
  CHECK(*s.fill_min >= 4);
  CHECK(*s.fill_max <= 8);
  CHECK(s.blocks == 201);
  CHECK(s.key_bytes == 200 * 5);
  CHECK(s.value_bytes == 200);
  CHECK(s.index_bytes == s.bytes - s.key_bytes - s.value_bytes);
  // Every put rewrote its path: most stored nodes are garbage now.
  CHECK(s.garbage_nodes == s.stored_nodes - s.nodes);
  CHECK(s.garbage_nodes > s.nodes);
  CHECK(s.per_version.size() ==
        200);  // one per put (the first with the header)
  CHECK(s.per_version.back().blocks == 1);

  // A checkout: the tree as it was.
  TreeStats old = ComputeTreeStats(*bee, bee->Checkout(12).value()).value();
  CHECK(old.entries == 11);
  CHECK(old.per_version.size() == 11);

  // The walk stops at the callback's error.
  size_t calls = 0;
  Status stop = WalkTree(snap, [&](const TreeNode&) {
    calls++;
    return Status::InvalidArgument("stop");
  });
  CHECK(stop.ToString().find("stop") != std::string::npos);
  CHECK(calls == 1);
  CHECK(ReadNodeBlock(snap, 7).value()->key == Key(6));
  CHECK(!ReadNodeBlock(snap, 0).ok());  // the header is no node block
}

TEST_CASE("an empty store has empty statistics", "[btree][inspect]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::Random()).value();
  Snapshot snap = bee->GetSnapshot().value();
  TreeStats s = ComputeTreeStats(*bee, snap).value();
  CHECK(s.nodes == 0);
  CHECK(s.blocks == 0);
  CHECK(!s.fill_min.has_value());
  CHECK(CheckTree(snap).empty());
}

TEST_CASE("CheckTree accepts hyperbee trees and names what is wrong",
          "[btree][inspect][hostile]") {
  auto good = Filled(100);
  size_t read = 0;
  TreeCheckOptions counting;
  counting.on_node = [&] { read++; };
  CHECK(CheckTree(good->GetSnapshot().value(), counting).empty());
  CHECK(read ==
        ComputeTreeStats(*good, good->GetSnapshot().value()).value().nodes);

  // A DAG: both children of each node are the same subtree, so keys repeat
  // out of order; the walk stops adding problems past max_problems.
  auto shared = Hostile(test::Chain(12, true));
  TreeCheckOptions quoted;
  quoted.quote_key = [](std::string_view k) {
    return "<" + std::string(k) + ">";
  };
  std::vector<std::string> problems =
      CheckTree(shared->GetSnapshot().value(), quoted);
  REQUIRE(!problems.empty());
  quoted.max_problems = 5;
  CHECK(CheckTree(shared->GetSnapshot().value(), quoted).size() <= 5 + 3);
  bool order = false;
  for (const std::string& p : problems) {
    order |= p.find("is not after <k") != std::string::npos;
  }
  CHECK(order);
  // The walk refuses the shared subtree.
  Status walk = WalkTree(shared->GetSnapshot().value(),
                         [](const TreeNode&) { return Status::OK(); });
  CHECK(walk.ToString().find("is the child of two nodes") != std::string::npos);

  // A child in a later block, and a level that does not exist.
  auto forward = Hostile(test::ThreeKeys(9, 0));
  problems = CheckTree(forward->GetSnapshot().value());
  CHECK(Mentions(problems, "points to block 9 level 0 (a later block)"));
  auto level = Hostile(test::ThreeKeys(3, 7));
  problems = CheckTree(level->GetSnapshot().value());
  CHECK(Mentions(problems, "has no index level 7"));
  // Keys are quoted as hex by default.
  auto chain = Hostile(test::Chain(12, true));
  bool hex = false;
  for (const std::string& p : CheckTree(chain->GetSnapshot().value())) {
    hex |= p.find("is not after 6b30") != std::string::npos;
  }
  CHECK(hex);
}

}  // namespace
}  // namespace bee::btree
