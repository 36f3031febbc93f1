#include "tests/util/recorded_bee.h"

#include <sodium.h>

#include <catch2/catch.hpp>

#include "encoding/bytes.h"
#include "encoding/varint.h"

namespace bee::test {
namespace {

std::string Blake2b(size_t out_len, std::string_view prefix, uint32_t i) {
  std::string in(prefix);
  PutFixed32(&in, i);
  std::string out(out_len, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out_len,
                     reinterpret_cast<const unsigned char*>(in.data()),
                     in.size(), nullptr, 0);
  return out;
}

}  // namespace

std::string RecKey(uint32_t i) { return Blake2b(16, "bee-key/rec/", i); }

std::string RecValue(uint32_t i) {
  return Blake2b(64, "bee-val-a/rec/", i) + Blake2b(36, "bee-val-b/rec/", i);
}

std::unique_ptr<btree::Bee> RecordedStore(uint32_t n, const std::string& dir) {
  log::Seed seed;
  seed.fill(0x02);
  const log::KeyPair key_pair = log::KeyPair::FromSeed(seed);
  auto bee = dir.empty() ? btree::Bee::CreateInMemory(key_pair)
                         : btree::Bee::Create(dir, key_pair);
  REQUIRE(bee.ok());
  for (uint32_t first = 0; first < n; first += 1000) {
    auto batch = (*bee)->MakeBatch();
    REQUIRE(batch.ok());
    for (uint32_t i = first; i < first + 1000 && i < n; i++) {
      REQUIRE((*batch)->Put(RecKey(i), RecValue(i)).ok());
    }
    REQUIRE((*batch)->Flush().ok());
  }
  REQUIRE(HexEncode((*bee)->core().key()) == kRecordedCoreKey);
  return std::move(bee).value();
}

nlohmann::json RecordedOps(uint32_t n) {
  nlohmann::json ops = nlohmann::json::array();
  for (uint32_t first = 0; first < n; first += 1000) {
    nlohmann::json batch = nlohmann::json::array();
    for (uint32_t i = first; i < first + 1000 && i < n; i++) {
      batch.push_back({{"put",
                        {{"key", HexEncode(RecKey(i))},
                         {"value", HexEncode(RecValue(i))}}}});
    }
    ops.push_back({{"batch", batch}});
  }
  return ops;
}

}  // namespace bee::test
