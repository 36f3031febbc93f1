// The Engine of bee: a store on disk with Durability::kNoSync (no fsync;
// survives a process crash, not power loss), a fixed key pair, every read
// through the public API (Bee::Get, RangeIterator::NextView, Checkout,
// DiffIterator).
#include <memory>

#include "bench/compare/workload.h"
#include "btree/bee.h"
#include "btree/diff.h"
#include "btree/iterator.h"

namespace bee::compare {
namespace {

btree::BeeOptions NoSync() {
  btree::BeeOptions o;
  o.core.durability = log::Durability::kNoSync;
  return o;
}

class BeeEngine final : public Engine {
 public:
  Status Create(const std::string& dir) override {
    log::Seed seed{};
    seed.fill(9);
    BEE_ASSIGN_OR_RETURN(bee_,
                         btree::Bee::Create(dir, log::KeyPair::FromSeed(seed),
                                            std::nullopt, NoSync()));
    return Status::OK();
  }
  Status Open(const std::string& dir) override {
    BEE_ASSIGN_OR_RETURN(bee_, btree::Bee::Open(dir, NoSync()));
    return Status::OK();
  }
  Status Close() override {
    mark_.reset();
    if (!bee_) return Status::OK();
    Status s = bee_->Close();
    bee_.reset();
    return s;
  }
  Status PutBatch(std::span<const std::string_view> keys,
                  std::span<const std::string_view> values) override {
    BEE_ASSIGN_OR_RETURN(auto batch, bee_->MakeBatch());
    for (size_t i = 0; i < keys.size(); i++) {
      BEE_RETURN_IF_ERROR(batch->Put(keys[i], values[i]).status());
    }
    return batch->Flush();
  }
  Status PutSingle(std::string_view key, std::string_view value) override {
    return bee_->Put(key, value).status();
  }
  Result<bool> Get(std::string_view key) override {
    BEE_ASSIGN_OR_RETURN(std::optional<btree::Entry> e, bee_->Get(key));
    return e.has_value() && e->value && e->value->size() == kValueSize;
  }
  Result<size_t> Scan(std::optional<std::string_view> start,
                      int64_t limit) override {
    btree::RangeOptions o;
    if (start) o.gte = std::string(*start);
    o.limit = limit;
    BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, bee_->GetSnapshot());
    btree::RangeIterator it(std::move(snap), std::move(o));
    size_t n = 0;
    while (true) {
      BEE_ASSIGN_OR_RETURN(std::optional<btree::EntryView> e, it.NextView());
      if (!e) return n;
      if (!e->value || e->value->size() != kValueSize) {
        return Status::Corruption("a scanned value has the wrong size");
      }
      n++;
    }
  }
  Status Mark() override {
    mark_version_ = bee_->version();
    mark_.reset();
    return Status::OK();
  }
  Result<bool> GetAtMark(std::string_view key) override {
    BEE_RETURN_IF_ERROR(CheckoutMark());
    BEE_ASSIGN_OR_RETURN(std::optional<btree::Entry> e, mark_->Get(key));
    return e.has_value() && e->value && e->value->size() == kValueSize;
  }
  Result<size_t> DiffSinceMark() override {
    BEE_RETURN_IF_ERROR(CheckoutMark());
    BEE_ASSIGN_OR_RETURN(btree::Snapshot now, bee_->GetSnapshot());
    btree::DiffIterator it(std::move(now), *mark_, {});
    size_t n = 0;
    while (true) {
      BEE_ASSIGN_OR_RETURN(std::optional<btree::DiffEntry> d, it.Next());
      if (!d) return n;
      n++;
    }
  }

 private:
  Status CheckoutMark() {
    if (mark_) return Status::OK();
    BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, bee_->Checkout(mark_version_));
    mark_ = std::move(snap);
    return Status::OK();
  }

  std::unique_ptr<btree::Bee> bee_;
  uint64_t mark_version_ = 0;
  std::optional<btree::Snapshot> mark_;
};

}  // namespace

std::unique_ptr<Engine> MakeBeeEngine() {
  return std::make_unique<BeeEngine>();
}

}  // namespace bee::compare
