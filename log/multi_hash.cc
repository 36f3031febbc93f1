// Multi-buffer BLAKE2b-256, written from RFC 7693, for the hash domains of
// log/crypto.cc:
//   leaf   = H(00 ‖ u64le(len) ‖ data)                    9 + len bytes
//   parent = H(01 ‖ u64le(size_a + size_b) ‖ hash_a ‖ hash_b)   73 bytes
//
// The state of L messages is kept word-major, h[word][lane], so one SIMD
// vector holds the same word of every lane and the compression function is
// the scalar one with each uint64_t replaced by a vector of L of them. The
// scheduler (HashInLanes) is plain C++; only the compression function is
// compiled for AVX2 or AVX-512, so the binary runs on any x86-64 CPU.
#include "log/internal/multi_hash.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BEE_MULTI_HASH_X86 1
#else
#define BEE_MULTI_HASH_X86 0
#endif

namespace bee::log {
namespace {

constexpr size_t kBlockBytes = 128;
constexpr size_t kLeafPrefixBytes = 9;  // 00 ‖ u64le(len)
constexpr size_t kParentBytes = 73;

// RFC 7693 §2.6.
constexpr uint64_t kIv[8] = {
    0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
};

// h[0] of an unkeyed hash with a 32-byte digest: the IV xor the parameter
// block's first word (digest length 32, key length 0, fanout 1, depth 1;
// RFC 7693 §2.5). The other words are the IV's.
constexpr uint64_t kH0 = kIv[0] ^ 0x01010020;

// The message schedule (RFC 7693 §2.7). BLAKE2b has 12 rounds; rounds 10
// and 11 use rows 0 and 1 again, written out so no round computes r % 10.
constexpr uint8_t kSigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

// A single message would leave every lane but one idle: libsodium hashes
// it at least as fast.
constexpr size_t kMinLaneMessages = 2;

inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof(v));
  } else {
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  }
  return v;
}

inline void StoreLe64(uint8_t* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof(v));
  } else {
    for (int i = 0; i < 8; i++) p[i] = static_cast<uint8_t>(v >> (8 * i));
  }
}

// The 8 bytes of `data` from `pos` as a little-endian word, zero past the
// end: the last word of a message never reads beyond it.
inline uint64_t LoadWord(std::string_view data, size_t pos) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  if (pos + 8 <= data.size()) return LoadLe64(bytes + pos);
  if (pos >= data.size()) return 0;
  const size_t n = data.size() - pos;  // 1 to 7 bytes
  if (data.size() >= 8) {
    // The word that ends with the data, shifted down to its last n bytes.
    return LoadLe64(bytes + data.size() - 8) >> (8 * (8 - n));
  }
  uint64_t v = 0;
  for (size_t k = n; k > 0; k--) v = (v << 8) | bytes[pos + k - 1];
  return v;
}

// Writes the N words of `data` from `pos` to m[0], m[stride], ... (zero past
// the data's end).
template <size_t N>
inline void LoadWords(std::string_view data, size_t pos, uint64_t* m,
                      size_t stride) {
  const size_t left = data.size() > pos ? data.size() - pos : 0;
  const size_t whole = std::min(N, left / 8);
  size_t w = 0;
  for (; w < whole; w++) {
    m[w * stride] =
        LoadLe64(reinterpret_cast<const uint8_t*>(data.data()) + pos + 8 * w);
  }
  if (w < N) {  // the word the data ends in, if any
    m[w * stride] = LoadWord(data, pos + 8 * w);
    w++;
  }
  for (; w < N; w++) m[w * stride] = 0;
}

// The number of compression blocks of a message: at least one, since the
// empty message is one block of zeros.
inline uint64_t BlockCount(uint64_t bytes) {
  return bytes == 0 ? 1 : (bytes + kBlockBytes - 1) / kBlockBytes;
}

// The leaf messages 00 ‖ u64le(len) ‖ data. A Messages type (this and
// ParentMessages) tells HashInLanes how many messages there are, their
// lengths, the words of their compression blocks and where each hash goes.
//
// The words are built in registers from loads of the data, not by copying
// bytes into a zero-padded buffer: word loads that straddle the copies'
// stores stall on store forwarding, which made parents 30% slower.
class LeafMessages {
 public:
  LeafMessages(std::span<const std::string_view> blocks, Hash32* out)
      : blocks_(blocks), out_(out) {}

  size_t size() const { return blocks_.size(); }
  uint64_t Bytes(size_t i) const {
    return kLeafPrefixBytes + uint64_t{blocks_[i].size()};
  }

  // Writes the 16 words of compression block `b` of message i to m[0],
  // m[stride], ..., zero padded. REQUIRES: b < BlockCount(Bytes(i)).
  void Words(size_t i, uint64_t b, uint64_t* m, size_t stride) const {
    const std::string_view data = blocks_[i];
    if (b > 0) {
      const size_t pos = static_cast<size_t>(b) * kBlockBytes;
      LoadWords<16>(data, pos - kLeafPrefixBytes, m, stride);
      return;
    }
    // Message bytes 0-7 are 00 and len's first 7 bytes; 8-15 are len's
    // last and data[0..6]; word w > 1 starts at data[8 * w - 9].
    const uint64_t len = data.size();
    m[0] = len << 8;
    m[stride] = (len >> 56) | (LoadWord(data, 0) << 8);
    LoadWords<14>(data, 2 * 8 - kLeafPrefixBytes, m + 2 * stride, stride);
  }

  uint8_t* Out(size_t i) const { return out_[i].data(); }
  void HashOne(size_t i) const { out_[i] = LeafHash(blocks_[i]); }

 private:
  std::span<const std::string_view> blocks_;
  Hash32* out_;
};

// The parent messages 01 ‖ u64le(size_a + size_b) ‖ hash_a ‖ hash_b: one
// compression block each.
class ParentMessages {
 public:
  ParentMessages(std::span<const TreeNode* const> left,
                 std::span<const TreeNode* const> right,
                 std::span<Hash32* const> out)
      : left_(left), right_(right), out_(out) {}

  size_t size() const { return out_.size(); }
  uint64_t Bytes(size_t) const { return kParentBytes; }

  void Words(size_t i, uint64_t, uint64_t* m, size_t stride) const {
    const TreeNode& a = *left_[i];
    const TreeNode& b = *right_[i];
    assert(a.index < b.index);
    // 9 header bytes then the hashes: word w holds the last byte of the
    // word before it (shifted in from bit 56) and 7 bytes of its own.
    const uint64_t total = a.size + b.size;
    m[0] = 1 | (total << 8);
    uint64_t carry = total >> 56;
    for (size_t k = 0; k < 8; k++) {
      const uint8_t* hash = k < 4 ? a.hash.data() : b.hash.data();
      const uint64_t word = LoadLe64(hash + 8 * (k % 4));
      m[(k + 1) * stride] = carry | (word << 8);
      carry = word >> 56;
    }
    m[9 * stride] = carry;
    for (size_t w = 10; w < 16; w++) m[w * stride] = 0;
  }

  uint8_t* Out(size_t i) const { return out_[i]->data(); }
  void HashOne(size_t i) const { *out_[i] = ParentHash(*left_[i], *right_[i]); }

 private:
  std::span<const TreeNode* const> left_;
  std::span<const TreeNode* const> right_;
  std::span<Hash32* const> out_;
};

// The state of L messages being hashed side by side, word-major: h[w][j] is
// word w of lane j, so row w is one SIMD vector.
template <size_t L>
struct alignas(64) Lanes {
  uint64_t h[8][L];   // chaining values
  uint64_t m[16][L];  // the message block to compress
  // Bytes hashed once this block is in (RFC 7693's t). Its high word is
  // always 0: no message in memory has 2^64 bytes.
  uint64_t t[L];
  uint64_t f[L];  // all ones on a message's last block (RFC 7693's f0)
};

template <size_t L>
using CompressFn = void (*)(Lanes<L>* lanes);

// Hashes every message of `messages`: each lane takes the next message as
// soon as it has compressed the last block of its own, so short and long
// messages share the lanes and none waits for the longest. Lanes with no
// message left compress stale words; their results are never read.
template <size_t L, class Messages>
void HashInLanes(const Messages& messages, CompressFn<L> compress) {
  Lanes<L> lanes{};
  size_t message[L] = {};
  uint64_t block[L] = {};  // the block of message[j] being compressed
  uint64_t last[L] = {};   // the last block of message[j]
  bool busy[L] = {};
  size_t busy_lanes = 0;
  size_t next = 0;
  auto start = [&](size_t j) {
    busy[j] = next < messages.size();
    if (!busy[j]) return;
    busy_lanes++;
    message[j] = next++;
    block[j] = 0;
    last[j] = BlockCount(messages.Bytes(message[j])) - 1;
    lanes.h[0][j] = kH0;
    for (size_t w = 1; w < 8; w++) lanes.h[w][j] = kIv[w];
  };
  for (size_t j = 0; j < L; j++) start(j);
  while (busy_lanes > 0) {
    for (size_t j = 0; j < L; j++) {
      if (!busy[j]) continue;
      messages.Words(message[j], block[j], &lanes.m[0][j], L);
      const bool final = block[j] == last[j];
      lanes.t[j] =
          final ? messages.Bytes(message[j]) : (block[j] + 1) * kBlockBytes;
      lanes.f[j] = final ? ~uint64_t{0} : 0;
    }
    compress(&lanes);
    for (size_t j = 0; j < L; j++) {
      if (!busy[j]) continue;
      if (block[j] < last[j]) {
        block[j]++;
        continue;
      }
      uint8_t* out = messages.Out(message[j]);
      for (size_t w = 0; w < 4; w++) StoreLe64(out + 8 * w, lanes.h[w][j]);
      busy_lanes--;
      start(j);
    }
  }
}

#if BEE_MULTI_HASH_X86
// GCC and Clang vector types: arithmetic on them is lane-wise, and inlined
// into a function compiled for AVX2 or AVX-512 each operation is one
// instruction.
typedef uint64_t U64x4 __attribute__((vector_size(32)));
typedef uint64_t U64x8 __attribute__((vector_size(64)));
typedef uint32_t U32x8 __attribute__((vector_size(32)));
typedef uint8_t U8x32 __attribute__((vector_size(32)));

// Everything below takes vectors by reference and is always inlined into the
// target-specific functions: passing them by value through a function
// compiled without AVX would change the calling convention.

// AVX-512F rotates 64-bit lanes in one instruction (vprorq), which the
// compiler finds in the shift-or idiom.
struct ShiftRotate {
  template <int N, class V>
  [[gnu::always_inline]] static inline void Ror(V& x) {
    x = (x >> N) | (x << (64 - N));
  }
};

// AVX2 has no rotate: by 32 swap the halves (vpshufd), by 24 and 16 move
// bytes (vpshufb), by 63 shift and add x to itself.
struct ShuffleRotate {
  template <int N>
  [[gnu::always_inline]] static inline void Ror(U64x4& x) {
    if constexpr (N == 32) {
      const auto d = reinterpret_cast<U32x8>(x);
      x = reinterpret_cast<U64x4>(
          __builtin_shufflevector(d, d, 1, 0, 3, 2, 5, 4, 7, 6));
    } else if constexpr (N == 24) {
      const auto b = reinterpret_cast<U8x32>(x);
      x = reinterpret_cast<U64x4>(__builtin_shufflevector(
          b, b, 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, 19, 20,
          21, 22, 23, 16, 17, 18, 27, 28, 29, 30, 31, 24, 25, 26));
    } else if constexpr (N == 16) {
      const auto b = reinterpret_cast<U8x32>(x);
      x = reinterpret_cast<U64x4>(__builtin_shufflevector(
          b, b, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, 18, 19,
          20, 21, 22, 23, 16, 17, 26, 27, 28, 29, 30, 31, 24, 25));
    } else {
      static_assert(N == 63);
      x = (x >> 63) | (x + x);
    }
  }
};

// The mixing function G (RFC 7693 §3.1).
template <class Rotate, class V>
[[gnu::always_inline]] inline void Mix(V& a, V& b, V& c, V& d, const V& x,
                                       const V& y) {
  a = a + b + x;
  d ^= a;
  Rotate::template Ror<32>(d);
  c = c + d;
  b ^= c;
  Rotate::template Ror<24>(b);
  a = a + b + y;
  d ^= a;
  Rotate::template Ror<16>(d);
  c = c + d;
  b ^= c;
  Rotate::template Ror<63>(b);
}

// The compression function F (RFC 7693 §3.2) on every lane at once.
template <class V, class Rotate, size_t L>
[[gnu::always_inline]] inline void CompressVectors(Lanes<L>* lanes) {
  static_assert(sizeof(V) == sizeof(lanes->t));
  V m[16], v[16];
  for (size_t i = 0; i < 16; i++) std::memcpy(&m[i], lanes->m[i], sizeof(V));
  for (size_t i = 0; i < 8; i++) {
    std::memcpy(&v[i], lanes->h[i], sizeof(V));
    v[i + 8] = V{} + kIv[i];
  }
  V t, f;
  std::memcpy(&t, lanes->t, sizeof(V));
  std::memcpy(&f, lanes->f, sizeof(V));
  v[12] ^= t;
  v[14] ^= f;
  // Unrolled, the schedule's indices are constants and the message words
  // become memory operands: about 10% faster.
#pragma GCC unroll 12
  for (const auto& s : kSigma) {
    Mix<Rotate>(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
    Mix<Rotate>(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
    Mix<Rotate>(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
    Mix<Rotate>(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
    Mix<Rotate>(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
    Mix<Rotate>(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
    Mix<Rotate>(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
    Mix<Rotate>(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
  }
  for (size_t i = 0; i < 8; i++) {
    V h;
    std::memcpy(&h, lanes->h[i], sizeof(V));
    h ^= v[i] ^ v[i + 8];
    std::memcpy(lanes->h[i], &h, sizeof(V));
  }
}

__attribute__((target("avx2"))) void CompressAvx2(Lanes<4>* lanes) {
  CompressVectors<U64x4, ShuffleRotate>(lanes);
}

__attribute__((target("avx512f"))) void CompressAvx512(Lanes<8>* lanes) {
  CompressVectors<U64x8, ShiftRotate>(lanes);
}
#endif  // BEE_MULTI_HASH_X86

HashPath BestHashPath() {
  static const HashPath best =
      HashPathSupported(HashPath::kAvx512) ? HashPath::kAvx512
      : HashPathSupported(HashPath::kAvx2) ? HashPath::kAvx2
                                           : HashPath::kScalar;
  return best;
}

// -1, or the HashPath a test forced.
std::atomic<int> forced_path{-1};

template <class Messages>
void HashAll(const Messages& messages) {
  const HashPath path =
      messages.size() < kMinLaneMessages ? HashPath::kScalar : ActiveHashPath();
  switch (path) {
#if BEE_MULTI_HASH_X86
    case HashPath::kAvx512:
      HashInLanes<8>(messages, CompressAvx512);
      return;
    case HashPath::kAvx2:
      HashInLanes<4>(messages, CompressAvx2);
      return;
#endif
    default:  // kScalar; without x86 the only path that can be chosen
      for (size_t i = 0; i < messages.size(); i++) messages.HashOne(i);
      return;
  }
}

}  // namespace

bool HashPathSupported(HashPath path) {
  switch (path) {
    case HashPath::kScalar:
      return true;
#if BEE_MULTI_HASH_X86
    case HashPath::kAvx2:
      __builtin_cpu_init();  // in case this runs before libgcc's constructor
      return __builtin_cpu_supports("avx2");
    case HashPath::kAvx512:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512f");
#endif
    default:
      return false;
  }
}

HashPath ActiveHashPath() {
  const int forced = forced_path.load(std::memory_order_relaxed);
  return forced < 0 ? BestHashPath() : static_cast<HashPath>(forced);
}

bool ForceHashPathForTesting(std::optional<HashPath> path) {
  if (path.has_value() && !HashPathSupported(*path)) return false;
  forced_path.store(path.has_value() ? static_cast<int>(*path) : -1,
                    std::memory_order_relaxed);
  return true;
}

void LeafHashes(std::span<const std::string_view> blocks, Hash32* out) {
  HashAll(LeafMessages(blocks, out));
}

void ParentHashes(std::span<const TreeNode* const> left,
                  std::span<const TreeNode* const> right,
                  std::span<Hash32* const> out) {
  assert(left.size() == out.size() && right.size() == out.size());
  HashAll(ParentMessages(left, right, out));
}

}  // namespace bee::log
