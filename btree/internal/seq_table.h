// SeqTable: a table indexed by seq whose entries never move, so readers can
// look entries up without a lock while a writer adds more.
//
// Entries live in chunks of 2^kChunkBits, allocated (zeroed) on first use;
// the chunk pointers live in a directory of segments that double in size,
// so the table grows without bound, never copies, and a sparse reader pays
// only for the regions it touches. The owner may detach a chunk it no
// longer needs (Detach) and free it once no reader can hold it: memory
// then follows what the owner keeps, plus 8 bytes of directory per chunk
// of the highest seq ever used.
//
// Thread safety: Find may run concurrently with anything; Slot, Live and
// Detach must be serialized by the owner. Entries themselves must be safe
// to share (atomics, or fields published through one).
#ifndef BEE_BTREE_INTERNAL_SEQ_TABLE_H_
#define BEE_BTREE_INTERNAL_SEQ_TABLE_H_

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>

namespace bee::btree::internal {

template <typename T, size_t kChunkBits = 12>
class SeqTable {
 public:
  SeqTable() = default;
  SeqTable(const SeqTable&) = delete;
  SeqTable& operator=(const SeqTable&) = delete;
  ~SeqTable() {
    for (size_t k = 0; k < kSegments; k++) {
      std::atomic<Chunk*>* segment = segments_[k].load();
      if (segment == nullptr) continue;
      for (uint64_t i = 0; i < (uint64_t{1} << k); i++)
        delete segment[i].load();
      delete[] segment;
    }
  }

  // The entry at seq, or nullptr if its chunk was never allocated.
  T* Find(uint64_t seq) const {
    auto [k, i] = Position(seq);
    std::atomic<Chunk*>* segment = segments_[k].load(std::memory_order_acquire);
    if (segment == nullptr) return nullptr;
    Chunk* chunk = segment[i].load(std::memory_order_acquire);
    if (chunk == nullptr) return nullptr;
    return &chunk->entries[seq & (kChunkSize - 1)];
  }

  static constexpr uint64_t kChunkSize = uint64_t{1} << kChunkBits;
  struct Chunk {
    T entries[kChunkSize]{};
    uint32_t live = 0;  // maintained by the owner (Live)
  };

  // The entry at seq, allocating its chunk (*allocated says whether it
  // did). REQUIRES: callers serialized.
  T& Slot(uint64_t seq, bool* allocated = nullptr) {
    if (allocated != nullptr) *allocated = false;
    auto [k, i] = Position(seq);
    std::atomic<Chunk*>* segment = segments_[k].load(std::memory_order_relaxed);
    if (segment == nullptr) {
      segment = new std::atomic<Chunk*>[uint64_t{1} << k]();
      directory_bytes_ += sizeof(std::atomic<Chunk*>) << k;
      segments_[k].store(segment, std::memory_order_release);
    }
    Chunk* chunk = segment[i].load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      chunk = new Chunk();
      segment[i].store(chunk, std::memory_order_release);
      if (allocated != nullptr) *allocated = true;
    }
    return chunk->entries[seq & (kChunkSize - 1)];
  }

  // The owner's count of live entries in the chunk of seq.
  // REQUIRES: callers serialized; the chunk exists (Slot(seq) was called).
  uint32_t& Live(uint64_t seq) {
    auto [k, i] = Position(seq);
    return segments_[k]
        .load(std::memory_order_relaxed)[i]
        .load(std::memory_order_relaxed)
        ->live;
  }

  // Removes the chunk holding seq from the table and returns it (nullptr if
  // there is none): Find no longer reaches it, but readers that found an
  // entry before may still use it, so the caller deletes it once none can.
  // REQUIRES: callers serialized.
  Chunk* Detach(uint64_t seq) {
    auto [k, i] = Position(seq);
    std::atomic<Chunk*>* segment = segments_[k].load(std::memory_order_relaxed);
    if (segment == nullptr) return nullptr;
    return segment[i].exchange(nullptr, std::memory_order_acq_rel);
  }

  // Bytes of the directory (the chunks are the owner's to count).
  // REQUIRES: callers serialized.
  size_t directory_bytes() const { return directory_bytes_; }

 private:
  static constexpr size_t kSegments = 65 - kChunkBits;  // every seq

  // Chunk c sits in segment k = floor(log2(c + 1)), at c + 1 - 2^k.
  static std::pair<size_t, uint64_t> Position(uint64_t seq) {
    uint64_t c = (seq / kChunkSize) + 1;
    size_t k = static_cast<size_t>(std::bit_width(c)) - 1;
    return {k, c - (uint64_t{1} << k)};
  }

  std::array<std::atomic<std::atomic<Chunk*>*>, kSegments> segments_{};
  size_t directory_bytes_ = 0;
};

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_SEQ_TABLE_H_
