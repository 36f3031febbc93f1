// Epochs: safe memory reclamation for the block cache's lock-free readers.
//
// The cache hands out views (keys, levels, packed nodes) that readers use
// without taking a lock, and it evicts blocks to stay within its byte
// budget. An evicted block is first unpublished (no new reader can find it),
// then retired with the current epoch, and freed only once every reader
// that could have found it has left: a reader announces the epoch it began
// in, and a retired object is freed when its epoch is older than every
// announced one (epoch-based reclamation).
//
// Two kinds of readers:
//  - EpochGuard (RAII, per thread, nestable): for a view used within one
//    call (a lookup, one step of an iterator). Cheap: one atomic exchange on
//    entry and one store on exit, for the outermost guard of a thread.
//  - EpochPin: for views kept across calls by an object that may move
//    between threads (a batch's writer keeps the keys it compared until
//    its flush). It announces its epoch until Release or destruction, so
//    whatever is retired meanwhile waits: keep it short-lived.
//
// Thread safety: all functions are safe to call concurrently.
#ifndef BEE_BTREE_INTERNAL_EPOCH_H_
#define BEE_BTREE_INTERNAL_EPOCH_H_

#include <atomic>
#include <cstdint>

namespace bee::btree::internal {

// One announcement slot; a thread or an EpochPin owns one at a time.
struct alignas(64) EpochRecord {
  std::atomic<uint64_t> epoch{0};  // 0: not reading
  std::atomic<bool> claimed{false};
  EpochRecord* next = nullptr;  // set once, before the record is listed
};

class Epochs {
 public:
  // The epoch a retirement is tagged with; advances the global epoch so
  // readers starting later announce a newer one.
  static uint64_t AdvanceForRetire();
  // The oldest epoch any reader announces, or UINT64_MAX when none reads:
  // objects retired with an epoch older than this may be freed.
  // REQUIRES: the objects were unpublished before the call.
  static uint64_t OldestActive();

  // The calling thread's nesting depth of EpochGuard (for checks).
  static int ThreadDepth();

 private:
  friend class EpochGuard;
  friend class EpochPin;
  static EpochRecord* Claim();
  static void Unclaim(EpochRecord* record);
  static void Announce(EpochRecord* record);
};

class EpochGuard {
 public:
  EpochGuard();
  ~EpochGuard();
  EpochGuard(const EpochGuard&) = delete;
  EpochGuard& operator=(const EpochGuard&) = delete;
};

class EpochPin {
 public:
  EpochPin();
  ~EpochPin() { Release(); }
  EpochPin(const EpochPin&) = delete;
  EpochPin& operator=(const EpochPin&) = delete;
  // Stops announcing: views taken under the pin may be freed after this.
  void Release();

 private:
  EpochRecord* record_;
};

// Marks code whose views an EpochPin protects (a batch's writer) as
// reading, in debug builds only, so the cache's checks that a reader is
// protected pass there; release builds rely on the pin alone.
#ifdef NDEBUG
struct PinnedByWriter {};
#else
using PinnedByWriter = EpochGuard;
#endif

}  // namespace bee::btree::internal

#endif  // BEE_BTREE_INTERNAL_EPOCH_H_
