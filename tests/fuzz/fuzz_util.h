// Shared by the libFuzzer targets in tests/fuzz/ and their seed generator:
// how a fuzz input is cut into blocks, and the logs the targets read from.
// Every log is built from a fixed key pair, so each input replays exactly.
#ifndef BEE_TESTS_FUZZ_FUZZ_UTIL_H_
#define BEE_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "log/core.h"
#include "log/crypto.h"

namespace bee::fuzz {

// Fails the run (a crash libFuzzer reports with its input) when a property
// every input must keep does not hold.
void Check(bool property, const char* what);

// The key pair every fuzzed log is signed with (a fixed seed).
log::KeyPair FuzzKeyPair();

// An input as blocks: each is a u16le length then that many bytes (a short
// tail is the last block). At most max_blocks are taken.
std::vector<std::string> SplitBlocks(std::string_view input, size_t max_blocks);
// The inverse of SplitBlocks, for seeds. REQUIRES: each block < 64 KiB.
std::string JoinBlocks(std::span<const std::string> blocks);

// The log the proof target answers from: kSourceLength blocks "block-<i>".
inline constexpr uint64_t kSourceLength = 24;
std::unique_ptr<log::Core> SourceLog();

// The leaf blocks before the fuzzed block in the index-levels target: block
// i (1..kKeyBlocks) holds key "key-<i>" and no index, so any key seq the
// fuzzed block names up to kKeyBlocks resolves.
inline constexpr uint64_t kKeyBlocks = 8;
std::vector<std::string> KeyBlocks();

}  // namespace bee::fuzz

#endif  // BEE_TESTS_FUZZ_FUZZ_UTIL_H_
