#include "btree/sub.h"

namespace bee::btree {
namespace {

const std::string kRootSep(1, '\0');

// The smallest key after every key that starts with `prefix`: the prefix
// with its last byte incremented (wrapping at 0xff, as hyperbee does).
std::string PrefixEnd(std::string prefix) {
  if (prefix.empty()) return prefix;
  prefix.back() =
      static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

}  // namespace

SubDb SubDb::Of(Bee* bee, std::string_view name,
                std::optional<std::string> sep) {
  return SubDb(bee, std::string(name) + sep.value_or(kRootSep));
}

SubDb SubDb::Sub(std::string_view name, std::optional<std::string> sep) const {
  return SubDb(bee_, prefix_ + std::string(name) + sep.value_or(kRootSep));
}

Result<std::optional<Entry>> SubDb::Get(std::string_view key) const {
  BEE_ASSIGN_OR_RETURN(Snapshot snap, bee_->GetSnapshot());
  return Get(snap, key);
}

Result<std::optional<Entry>> SubDb::Get(const Snapshot& snap,
                                        std::string_view key) const {
  BEE_ASSIGN_OR_RETURN(std::optional<Entry> e, snap.Get(Key(key)));
  if (!e) return e;
  return std::optional<Entry>(Strip(std::move(*e)));
}

Result<bool> SubDb::Put(std::string_view key,
                        std::optional<std::string_view> value,
                        const PutOptions& options) {
  return bee_->Put(Key(key), value, options);
}

Result<bool> SubDb::Del(std::string_view key, const DelOptions& options) {
  return bee_->Del(Key(key), options);
}

Result<bool> SubDb::Put(Batch* batch, std::string_view key,
                        std::optional<std::string_view> value,
                        const PutOptions& options) {
  return batch->Put(Key(key), value, options);
}

Result<bool> SubDb::Del(Batch* batch, std::string_view key,
                        const DelOptions& options) {
  return batch->Del(Key(key), options);
}

RangeOptions SubDb::Translate(const RangeOptions& options) const {
  RangeOptions out;
  out.reverse = options.reverse;
  out.limit = options.limit;
  if (options.gt) {
    out.gt = Key(*options.gt);
  } else if (options.gte) {
    out.gte = Key(*options.gte);
  } else {
    out.gt = prefix_ + std::string(1, '\0');
  }
  if (options.lt) {
    out.lt = Key(*options.lt);
  } else if (options.lte) {
    out.lte = Key(*options.lte);
  } else {
    out.lt = PrefixEnd(prefix_);
  }
  return out;
}

Entry SubDb::Strip(Entry e) const {
  if (e.key.compare(0, prefix_.size(), prefix_) == 0)
    e.key.erase(0, prefix_.size());
  return e;
}

Result<std::optional<Entry>> SubRangeIterator::Next() {
  BEE_ASSIGN_OR_RETURN(std::optional<Entry> e, it_.Next());
  if (!e) return e;
  return std::optional<Entry>(sub_.Strip(std::move(*e)));
}

}  // namespace bee::btree
