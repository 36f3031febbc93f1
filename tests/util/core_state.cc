#include "tests/util/core_state.h"

#include <catch2/catch.hpp>

namespace bee::test {

void CheckCoreState(const log::Core& core, const nlohmann::json& want) {
  CHECK(core.length() == want["length"].get<uint64_t>());
  CHECK(core.byte_length() == want["byteLength"].get<uint64_t>());
  CHECK(core.fork() == want["fork"].get<uint64_t>());
  CHECK(HexEncode(core.tree_hash()) == want["treeHash"]);
  CHECK(HexEncode(core.signature()) == want["signature"]);
  auto roots = core.RootsAt(core.length());
  REQUIRE(roots.ok());
  REQUIRE(roots->size() == want["roots"].size());
  for (size_t i = 0; i < roots->size(); i++) {
    CHECK((*roots)[i].index == want["roots"][i]["index"].get<uint64_t>());
    CHECK((*roots)[i].size == want["roots"][i]["size"].get<uint64_t>());
    CHECK(HexEncode((*roots)[i].hash) == want["roots"][i]["hash"]);
  }
}

}  // namespace bee::test
