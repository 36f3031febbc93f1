#include "log/internal/mapped_file.h"

#include <algorithm>
#include <bit>

namespace bee::log {
namespace {

// The smallest mapping; larger ones are the next power of two at least
// twice what is needed, so a growing log remaps O(log size) times.
constexpr uint64_t kMinMapping = uint64_t{1} << 20;

}  // namespace

void MappedFile::Extend(uint64_t end) {
  if (!map_enabled_ || end <= known_end_) return;
  if (mapping_ == nullptr || end > mapping_->size()) {
    const uint64_t want = std::max(kMinMapping, std::bit_ceil(2 * end));
    auto mapped = file_->Map(want);
    if (!mapped.ok()) {
      // Reads past known_end_ use File::Read; an Env that cannot map is
      // not asked again.
      if (mapped.status().IsNotSupported()) map_enabled_ = false;
      return;
    }
    mapping_ = std::move(mapped).value();
  }
  known_end_ = end;
}

}  // namespace bee::log
