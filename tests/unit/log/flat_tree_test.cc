#include "log/flat_tree.h"

#include <catch2/catch.hpp>

namespace bee::flat {
namespace {

TEST_CASE("flat-tree basics match FORMAT.md section 12", "[log]") {
  CHECK(Depth(0) == 0);
  CHECK(Depth(1) == 1);
  CHECK(Depth(3) == 2);
  CHECK(Depth(7) == 3);
  CHECK(Offset(0) == 0);
  CHECK(Offset(4) == 2);
  CHECK(Offset(5) == 1);
  CHECK(Offset(11) == 1);
  CHECK(Index(0, 3) == 6);
  CHECK(Index(2, 1) == 11);
  CHECK(Parent(0) == 1);
  CHECK(Parent(2) == 1);
  CHECK(Parent(1) == 3);
  CHECK(Parent(5) == 3);
  CHECK(Sibling(0) == 2);
  CHECK(Sibling(1) == 5);
  CHECK(Sibling(11) == 3);
  CHECK(LeftChild(3) == 1);
  CHECK(RightChild(3) == 5);
  CHECK(LeftChild(1) == 0);
  CHECK(RightChild(1) == 2);
  CHECK(LeftSpan(7) == 0);
  CHECK(RightSpan(7) == 14);
  CHECK(LeftSpan(23) == 16);
  CHECK(RightSpan(23) == 30);
  CHECK(CountLeaves(7) == 8);
  CHECK(Contains(7, 0));
  CHECK(Contains(7, 14));
  CHECK_FALSE(Contains(7, 15));
  CHECK(Contains(23, 16));
  CHECK_FALSE(Contains(23, 14));
}

TEST_CASE("full roots examples", "[log]") {
  CHECK(FullRoots(0).empty());
  CHECK(FullRoots(2) == std::vector<uint64_t>{0});
  CHECK(FullRoots(88) == std::vector<uint64_t>{31, 71, 83});
  CHECK(FullRoots(40) == std::vector<uint64_t>{15, 35});
  CHECK(FullRoots(42) == std::vector<uint64_t>{15, 35, 40});
  CHECK(FullRoots(92) == std::vector<uint64_t>{31, 71, 83, 89});
}

}  // namespace
}  // namespace bee::flat
