// log::BlockSource: a sparse replica with an on-demand source fetches the
// blocks a read lacks (Get: the one; GetMany: all of the call's, in one
// call of the source), then reads them verified; a failing source's error
// names the block and the read fails with it, never with unverified bytes.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "log/core.h"
#include "log/env.h"
#include "log/proof.h"

namespace bee::log {
namespace {

std::unique_ptr<Core> Writer(int blocks) {
  Hash32 seed;
  seed.fill(7);
  auto core = Core::CreateInMemory(KeyPair::FromSeed(seed)).value();
  std::vector<std::string> data;
  for (int i = 0; i < blocks; i++) data.push_back("b" + std::to_string(i));
  REQUIRE(core->Append(data).ok());
  return core;
}

// Fetches from `writer` by proofs (or fails with `failure` when set),
// recording each call's indexes; `tamper` damages the block bytes.
class ProofSource : public BlockSource {
 public:
  explicit ProofSource(const Core* writer) : writer_(writer) {}
  Status Fetch(std::span<const uint64_t> indexes) override {
    calls.emplace_back(indexes.begin(), indexes.end());
    if (!failure.ok()) return failure;
    for (uint64_t i : indexes) {
      auto proof = CreateProof(*writer_, MakeRequest(*replica, i, 0));
      if (!proof.ok()) return proof.status();
      if (tamper) proof->block->value[0] ^= 1;
      BEE_RETURN_IF_ERROR(ApplyProof(replica, *proof));
    }
    return Status::OK();
  }
  Core* replica = nullptr;
  std::vector<std::vector<uint64_t>> calls;
  Status failure;
  bool tamper = false;

 private:
  const Core* writer_;
};

struct Sparse {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<Core> writer = Writer(40);
  ProofSource source{writer.get()};
  std::unique_ptr<Core> replica;
  Sparse() {
    CoreOptions options;
    options.env = env.get();
    options.block_source = &source;
    replica =
        Core::CreateReplica("/r", writer->key(), writer->manifest(), options)
            .value();
    source.replica = replica.get();
    // The signed length alone (no block), as a reader's first upgrade.
    auto proof = CreateProof(*writer, MakeRequest(*replica, std::nullopt, 40));
    REQUIRE(ApplyProof(replica.get(), proof.value()).ok());
    REQUIRE(replica->length() == 40);
  }
};

TEST_CASE("block source: Get fetches a missing block, then reads it stored") {
  Sparse s;
  CHECK_FALSE(s.replica->Has(5));
  CHECK(s.replica->Get(5).value() == "b5");
  REQUIRE(s.source.calls.size() == 1);
  CHECK(s.source.calls[0] == std::vector<uint64_t>{5});
  CHECK(s.replica->Has(5));
  CHECK(s.replica->Get(5).value() == "b5");  // held: no second fetch
  CHECK(s.source.calls.size() == 1);
  // Past the length: InvalidArgument, the source is not asked.
  CHECK(s.replica->Get(40).status().IsInvalidArgument());
  CHECK(s.source.calls.size() == 1);
}

TEST_CASE("block source: GetMany asks for all missing blocks in one call") {
  Sparse s;
  REQUIRE(s.replica->Get(3).ok());
  s.source.calls.clear();
  std::vector<uint64_t> want = {9, 3, 30, 9, 12};
  std::vector<std::string> got;
  REQUIRE(s.replica
              ->GetMany(want,
                        [&](uint64_t, std::string_view bytes) {
                          got.emplace_back(bytes);
                          return Status::OK();
                        })
              .ok());
  CHECK(got == std::vector<std::string>{"b9", "b3", "b30", "b9", "b12"});
  REQUIRE(s.source.calls.size() == 1);
  CHECK(s.source.calls[0] == std::vector<uint64_t>{9, 12, 30});
}

TEST_CASE("block source: a failing source's error is the read's error") {
  Sparse s;
  s.source.failure = Status::Unavailable("peer stalled: block 8 not received");
  auto r = s.replica->Get(8);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().ToString().find("block 8 not received") !=
        std::string::npos);
  std::vector<uint64_t> want = {8};
  Status many = s.replica->GetMany(
      want, [](uint64_t, std::string_view) { return Status::OK(); });
  CHECK(many.ToString().find("block 8 not received") != std::string::npos);
  CHECK_FALSE(s.replica->Has(8));
}

TEST_CASE("block source: tampered bytes are refused and nothing is stored") {
  Sparse s;
  s.source.tamper = true;
  auto r = s.replica->Get(6);
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(r.status().IsUnavailable());  // the verification's own error
  CHECK_FALSE(s.replica->Has(6));
  s.source.tamper = false;
  CHECK(s.replica->Get(6).value() == "b6");
  CHECK(s.replica->Verify().value().ok());
}

TEST_CASE(
    "block source: a replica without a source says the block is "
    "missing") {
  Sparse s;
  std::unique_ptr<Env> env = NewMemEnv();
  auto plain = Core::CreateReplica("/p", s.writer->key(), s.writer->manifest(),
                                   CoreOptions{env.get()})
                   .value();
  auto proof = CreateProof(*s.writer, MakeRequest(*plain, std::nullopt, 40));
  REQUIRE(ApplyProof(plain.get(), proof.value()).ok());
  auto r = plain->Get(2);
  CHECK(r.status().IsUnavailable());
  CHECK(r.status().ToString().find("block 2 is not stored") !=
        std::string::npos);
}

}  // namespace
}  // namespace bee::log
