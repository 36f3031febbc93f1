#include "btree/internal/epoch.h"

#include <limits>

namespace bee::btree::internal {

namespace {

// Starts at 1 so that 0 can mean "not reading".
std::atomic<uint64_t> global_epoch{1};
// Records are never freed: a list that only grows to the largest number of
// readers that ever ran at once.
std::atomic<EpochRecord*> records{nullptr};

struct ThreadState {
  EpochRecord* record = nullptr;
  int depth = 0;
  ~ThreadState() {
    if (record != nullptr) {
      record->epoch.store(0, std::memory_order_release);
      record->claimed.store(false, std::memory_order_release);
    }
  }
};

ThreadState& Thread() {
  thread_local ThreadState state;
  return state;
}

}  // namespace

EpochRecord* Epochs::Claim() {
  for (EpochRecord* r = records.load(std::memory_order_acquire); r != nullptr;
       r = r->next) {
    bool expected = false;
    if (!r->claimed.load(std::memory_order_relaxed) &&
        r->claimed.compare_exchange_strong(expected, true,
                                           std::memory_order_acq_rel)) {
      return r;
    }
  }
  auto* r = new EpochRecord();
  r->claimed.store(true, std::memory_order_relaxed);
  EpochRecord* head = records.load(std::memory_order_relaxed);
  do {
    r->next = head;
  } while (!records.compare_exchange_weak(head, r, std::memory_order_release,
                                          std::memory_order_relaxed));
  return r;
}

void Epochs::Unclaim(EpochRecord* record) {
  record->epoch.store(0, std::memory_order_release);
  record->claimed.store(false, std::memory_order_release);
}

void Epochs::Announce(EpochRecord* record) {
  // An exchange, not a store: the reclaimer reads each record with a
  // read-modify-write too (OldestActive), and two read-modify-writes of one
  // atomic are ordered. Either the reclaimer reads this announcement, or it
  // came first and this exchange acquires what it released: the slots it
  // unpublished before, which this reader's later loads then see.
  record->epoch.exchange(global_epoch.load(std::memory_order_acquire),
                         std::memory_order_acq_rel);
}

uint64_t Epochs::AdvanceForRetire() {
  return global_epoch.fetch_add(1, std::memory_order_acq_rel);
}

uint64_t Epochs::OldestActive() {
  uint64_t oldest = std::numeric_limits<uint64_t>::max();
  for (EpochRecord* r = records.load(std::memory_order_acquire); r != nullptr;
       r = r->next) {
    // A read-modify-write reads the latest announcement (see Announce).
    const uint64_t e = r->epoch.fetch_add(0, std::memory_order_acq_rel);
    if (e != 0 && e < oldest) oldest = e;
  }
  return oldest;
}

int Epochs::ThreadDepth() { return Thread().depth; }

EpochGuard::EpochGuard() {
  ThreadState& t = Thread();
  if (t.depth++ == 0) {
    if (t.record == nullptr) t.record = Epochs::Claim();
    Epochs::Announce(t.record);
  }
}

EpochGuard::~EpochGuard() {
  ThreadState& t = Thread();
  if (--t.depth == 0) t.record->epoch.store(0, std::memory_order_release);
}

EpochPin::EpochPin() : record_(Epochs::Claim()) { Epochs::Announce(record_); }

void EpochPin::Release() {
  if (record_ != nullptr) {
    Epochs::Unclaim(record_);
    record_ = nullptr;
  }
}

}  // namespace bee::btree::internal
