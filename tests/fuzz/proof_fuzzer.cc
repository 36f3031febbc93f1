// Fuzzes proof and upgrade verification (log/proof.h) against a small real
// log (fuzz_util.h SourceLog). The first input byte picks the case:
//   0: a proof for an empty replica      (DecodeProof + ApplyProof)
//   1: a request the source answers      (DecodeRequest + CreateProof, whose
//                                         proof an empty replica then applies)
//   2: a proof for a replica that already verified kUpgradedLength blocks
// Whatever a replica accepts must be the source's own blocks: a proof that
// is not honest is never stored.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "log/env.h"
#include "log/proof.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using bee::fuzz::Check;
using bee::log::Core;

constexpr uint64_t kUpgradedLength = 11;

const Core& Source() {
  static const std::unique_ptr<Core> source = bee::fuzz::SourceLog();
  return *source;
}

struct Replica {
  std::unique_ptr<bee::log::Env> env = bee::log::NewMemEnv();
  std::unique_ptr<Core> core;
};

Replica NewReplica(bool upgraded) {
  Replica r;
  bee::log::CoreOptions options;
  options.env = r.env.get();
  auto core =
      Core::CreateReplica("/r", Source().key(), Source().manifest(), options);
  Check(core.ok(), "a replica is created");
  r.core = std::move(core).value();
  if (upgraded) {
    auto request =
        bee::log::MakeRequest(*r.core, std::nullopt, kUpgradedLength);
    auto proof = bee::log::CreateProof(Source(), request);
    Check(proof.ok() && bee::log::ApplyProof(r.core.get(), *proof).ok(),
          "an honest upgrade applies");
  }
  return r;
}

// What a replica holds after any proof must be the source's.
void CheckHonest(const Core& replica) {
  Check(replica.length() <= Source().length(), "no length past the source");
  if (replica.length() > 0) {
    auto roots = Source().RootsAt(replica.length());
    Check(roots.ok() && bee::log::TreeHash(*roots) == replica.tree_hash(),
          "the replica's tree is the source's");
  }
  for (uint64_t i = 0; i < replica.length(); i++) {
    if (!replica.Has(i)) continue;
    auto mine = replica.Get(i);
    Check(mine.ok() && *mine == *Source().Get(i), "a stored block is honest");
  }
}

void Apply(const bee::log::Proof& proof, bool upgraded) {
  Replica r = NewReplica(upgraded);
  (void)bee::log::ApplyProof(r.core.get(), proof);
  CheckHonest(*r.core);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 3 == 1) {
    auto request = bee::log::DecodeRequest(bytes);
    if (!request.ok()) return 0;
    auto proof = bee::log::CreateProof(Source(), *request);
    if (proof.ok()) Apply(*proof, false);
    return 0;
  }
  auto proof = bee::log::DecodeProof(bytes);
  if (proof.ok()) Apply(*proof, data[0] % 3 == 2);
  return 0;
}
