// NewSparseMemEnv (log/env.h): files kept in pages read, write, grow and
// truncate exactly as NewMemEnv's single-buffer files, for random
// operations far apart and across page boundaries; a page never written
// reads as zeros.
#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <string>

#include "log/env.h"

namespace bee::log {
namespace {

TEST_CASE(
    "sparse MemEnv: files read as the plain MemEnv's after the same "
    "writes and truncations",
    "[log][env]") {
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u, 4u));
  auto plain_env = NewMemEnv();
  auto sparse_env = NewSparseMemEnv();
  REQUIRE(plain_env->CreateDir("/d").ok());
  REQUIRE(sparse_env->CreateDir("/d").ok());
  auto plain = plain_env->OpenFile("/d/f", OpenMode::kCreate).value();
  auto sparse = sparse_env->OpenFile("/d/f", OpenMode::kCreate).value();
  auto offset = [&] {
    // Near the start, around page boundaries, or far out.
    switch (rng() % 3) {
      case 0:
        return rng() % 100;
      case 1:
        return 4096 * (1 + rng() % 4) - 50 + rng() % 100;
      default:
        return rng() % (1 << 22);
    }
  };
  for (int op = 0; op < 300; op++) {
    const uint64_t at = offset();
    switch (rng() % 5) {
      case 0:
      case 1: {
        std::string bytes(rng() % 9000, '\0');
        for (char& c : bytes) c = static_cast<char>(1 + rng() % 255);
        REQUIRE(plain->Write(at, bytes).ok());
        REQUIRE(sparse->Write(at, bytes).ok());
        break;
      }
      case 2: {
        const std::string a(rng() % 5000, 'a'), b(rng() % 5000, 'b');
        const std::string_view pieces[] = {a, b};
        REQUIRE(plain->WriteV(at, pieces).ok());
        REQUIRE(sparse->WriteV(at, pieces).ok());
        break;
      }
      case 3:
        if (rng() % 4 == 0) {
          REQUIRE(plain->Truncate(at).ok());
          REQUIRE(sparse->Truncate(at).ok());
        }
        break;
      default:
        break;
    }
    REQUIRE(plain->Size().value() == sparse->Size().value());
    const uint64_t from = offset();
    const size_t n = rng() % 10000;
    std::string want, got;
    REQUIRE(plain->Read(from, n, &want).ok());
    REQUIRE(sparse->Read(from, n, &got).ok());
    REQUIRE(got == want);
  }
  // Holes read as zeros.
  auto hole = sparse_env->OpenFile("/d/hole", OpenMode::kCreate).value();
  REQUIRE(hole->Write(100000, "x").ok());
  std::string out;
  REQUIRE(hole->Read(0, 100001, &out).ok());
  CHECK(out == std::string(100000, '\0') + "x");
  CHECK(hole->Size().value() == 100001);
}

}  // namespace
}  // namespace bee::log
