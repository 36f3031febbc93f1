// Shared benchmark data. The generator must match the JS peer's
// (bench/js/) so both sides measure the same work: keys and values are
// produced by a xorshift64* stream seeded with a fixed constant.
#ifndef BEE_BENCH_BENCH_COMMON_H_
#define BEE_BENCH_BENCH_COMMON_H_

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace bee::bench {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed ? seed : 1) {}
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  std::string Bytes(size_t n) {
    std::string out(n, '\0');
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = Next();
      for (size_t j = 0; j < 8 && i + j < n; j++) {
        out[i + j] = static_cast<char>(v >> (8 * j));
      }
    }
    return out;
  }

 private:
  uint64_t state_;
};

inline std::vector<std::string> RandomBlocks(size_t count, size_t size,
                                             uint64_t seed = 42) {
  Rng rng(seed);
  std::vector<std::string> out;
  out.reserve(count);
  for (size_t i = 0; i < count; i++) out.push_back(rng.Bytes(size));
  return out;
}

// A fresh directory under /tmp, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = "/tmp/bee-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace bee::bench

#endif  // BEE_BENCH_BENCH_COMMON_H_
