// Core::Subscribe and what it hands out (log/internal/subscribers.h), and
// the availability queries a replicator announces (Core::HeldBitfield...).
#include "log/internal/subscribers.h"

#include <algorithm>
#include <bit>

#include "log/core.h"
#include "log/internal/core_impl.h"

namespace bee::log {
namespace internal {

uint64_t SubscriberList::Add(Callback callback) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  const uint64_t id = next_id_++;
  callbacks_.emplace(id, std::make_shared<const Callback>(std::move(callback)));
  return id;
}

void SubscriberList::Remove(uint64_t id) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  callbacks_.erase(id);
}

bool SubscriberList::empty() const {
  std::lock_guard<std::recursive_mutex> l(mu_);
  return callbacks_.empty();
}

void SubscriberList::Notify(const CoreEvent& event) {
  std::lock_guard<std::recursive_mutex> l(mu_);
  // By id, not by iterator: a callback may add or remove entries.
  for (auto it = callbacks_.begin(); it != callbacks_.end();) {
    const uint64_t id = it->first;
    std::shared_ptr<const Callback> callback = it->second;
    (*callback)(event);
    it = callbacks_.upper_bound(id);
  }
}

}  // namespace internal

Subscription::Subscription(Subscription&& other) noexcept
    : list_(std::move(other.list_)), id_(other.id_) {
  other.list_ = nullptr;
}

Subscription& Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    Reset();
    list_ = std::move(other.list_);
    id_ = other.id_;
    other.list_ = nullptr;
  }
  return *this;
}

void Subscription::Reset() {
  if (list_ == nullptr) return;
  // Moved out first: the callback may drop this Subscription again.
  std::shared_ptr<internal::SubscriberList> list = std::move(list_);
  list_ = nullptr;
  list->Remove(id_);
}

Subscription Core::Subscribe(
    std::function<void(const CoreEvent&)> callback) const {
  const uint64_t id = impl_->subscribers_->Add(std::move(callback));
  return Subscription(impl_->subscribers_, id);
}

void Core::Impl::Publish(CoreEvent::Type type, uint64_t unchanged_length,
                         uint64_t block) {
  if (subscribers_->empty()) return;
  CoreEvent event;
  event.type = type;
  event.unchanged_length = unchanged_length;
  event.block = block;
  {
    std::shared_lock<std::shared_mutex> l(mu_);
    event.length = head_.length;
    event.fork = head_.fork;
    event.contiguous_length = ContiguousLength();
  }
  subscribers_->Notify(event);
}

// ---------------------------------------------------------------------------
// Availability

uint64_t Core::Impl::ContiguousLength() const {
  return replica_ ? std::min(contiguous_, head_.length) : head_.length;
}

void Core::Impl::CountHeld() {
  held_ = 0;
  contiguous_ = 0;
  const uint64_t length = head_.length;
  const uint64_t bytes = std::min<uint64_t>(bitfield_.size(), (length + 7) / 8);
  for (uint64_t i = 0; i < bytes; i++) {
    uint8_t b = bitfield_[static_cast<size_t>(i)];
    if (i == length / 8) b &= static_cast<uint8_t>((1u << (length % 8)) - 1);
    held_ += static_cast<uint64_t>(std::popcount(b));
  }
  AdvanceContiguous();
}

void Core::Impl::AdvanceContiguous() {
  size_t byte = static_cast<size_t>(contiguous_ / 8);
  // Whole bytes first, then the bits of the first byte not full.
  if (contiguous_ % 8 == 0) {
    while (byte < bitfield_.size() && bitfield_[byte] == 0xff) byte++;
    contiguous_ = uint64_t{byte} * 8;
  }
  while (byte < bitfield_.size() &&
         ((bitfield_[byte] >> (contiguous_ % 8)) & 1)) {
    contiguous_++;
    byte = static_cast<size_t>(contiguous_ / 8);
  }
}

uint64_t Core::contiguous_length() const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  return impl_->ContiguousLength();
}

uint64_t Core::held_blocks() const {
  std::shared_lock<std::shared_mutex> l(impl_->mu_);
  return impl_->replica_ ? impl_->held_ : impl_->head_.length;
}

namespace {

// The bits of `word` for blocks [first, first + 32) below `length`.
uint32_t MaskBelow(uint32_t word, uint64_t first, uint64_t length) {
  if (first >= length) return 0;
  if (length - first >= 32) return word;
  return word & ((uint32_t{1} << (length - first)) - 1);
}

}  // namespace

Status Core::HeldBitfield(uint64_t start, std::span<uint32_t> words) const {
  if (start % 32 != 0) {
    return Status::InvalidArgument("bitfield start " + std::to_string(start) +
                                   " is not a multiple of 32");
  }
  const Impl& m = *impl_;
  std::shared_lock<std::shared_mutex> l(m.mu_);
  const uint64_t length = m.head_.length;
  // Words past the length are empty (and `first` below never wraps).
  const uint64_t live = start >= length ? 0 : (length - start + 31) / 32;
  for (size_t j = 0; j < words.size(); j++) {
    if (j >= live) {
      words[j] = 0;
      continue;
    }
    const uint64_t first = start + 32 * uint64_t{j};
    uint32_t word = 0xffffffffu;
    if (m.replica_) {
      word = 0;
      const uint64_t at = first / 8;
      for (uint64_t k = 0; k < 4 && at + k < m.bitfield_.size(); k++) {
        word |= uint32_t{m.bitfield_[static_cast<size_t>(at + k)]} << (8 * k);
      }
    }
    words[j] = MaskBelow(word, first, length);
  }
  return Status::OK();
}

}  // namespace bee::log
