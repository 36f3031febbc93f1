// The stores of the recorded hyperbee-extension sessions
// (../shared/spec/PROTOCOL.md §15): key i = BLAKE2b-128("bee-key/rec/" ‖
// u32le(i)), value i = BLAKE2b-512("bee-val-a/rec/" ‖ u32le(i)) ‖
// BLAKE2b-288("bee-val-b/rec/" ‖ u32le(i)) (100 bytes), put in order in
// batches of 1000 by the key pair of seed 32 x 02, so a JS writer given the
// same batches (RecordedOps) holds the same log.
#ifndef BEE_TESTS_UTIL_RECORDED_BEE_H_
#define BEE_TESTS_UTIL_RECORDED_BEE_H_

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "btree/bee.h"

namespace bee::test {

// The core key of every recorded store.
inline constexpr const char* kRecordedCoreKey =
    "252d486f8c7d58b88b96fb4523f25fe295b9d7812a3b17f6ee5dff78ea78cb01";
// The writer seed (hex of 32 bytes 02) for peer.js's `writer`.
inline constexpr const char* kRecordedSeed =
    "0202020202020202020202020202020202020202020202020202020202020202";

std::string RecKey(uint32_t i);
std::string RecValue(uint32_t i);
// `n` keys, in memory (dir empty) or in `dir` (REQUIREs success).
std::unique_ptr<btree::Bee> RecordedStore(uint32_t n,
                                          const std::string& dir = "");
// The same writes as peer.js `append` ops (one batch per 1000 keys).
nlohmann::json RecordedOps(uint32_t n);

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_RECORDED_BEE_H_
