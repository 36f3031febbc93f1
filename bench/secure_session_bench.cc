// Benchmarks of the secure channel (net/secure_session.h), in memory: no
// sockets, no fsync. "Handshake" is one whole connection setup, both sides
// (three Noise messages, two id/header frames); "Transfer" is one message
// sent by one session and received by the other, so bytes/s is the
// encrypt+frame+decrypt rate of one core doing both ends.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "log/crypto.h"
#include "net/secure_session.h"

namespace bee::bench {
namespace {

using net::SecureSession;

log::KeyPair Key(uint8_t fill) {
  log::Seed seed{};
  seed.fill(fill);
  return log::KeyPair::FromSeed(seed);
}

struct Connection {
  std::unique_ptr<SecureSession> initiator;
  std::unique_ptr<SecureSession> responder;
};

// Runs a handshake to completion; false on any error.
bool Connect(Connection* c) {
  c->initiator = SecureSession::Create(true, Key(1)).value();
  c->responder = SecureSession::Create(false, Key(2)).value();
  std::string to_r, to_i;
  std::vector<std::string> got;
  if (!c->initiator->Start(&to_r).ok() || !c->responder->Start(&to_i).ok()) {
    return false;
  }
  while (!to_r.empty() || !to_i.empty()) {
    std::string a = std::move(to_r), b = std::move(to_i);
    to_r.clear();
    to_i.clear();
    if (!c->responder->Receive(a, &to_i, &got).ok()) return false;
    if (!c->initiator->Receive(b, &to_r, &got).ok()) return false;
  }
  return c->initiator->state() == SecureSession::State::kOpen &&
         c->responder->state() == SecureSession::State::kOpen;
}

void BM_Handshake(benchmark::State& state) {
  for (auto _ : state) {
    Connection c;
    if (!Connect(&c)) {
      state.SkipWithError("handshake failed");
      break;
    }
    benchmark::DoNotOptimize(c.initiator->handshake_hash());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Handshake);

void BM_Transfer(benchmark::State& state) {
  const std::string message(static_cast<size_t>(state.range(0)), 'm');
  Connection c;
  if (!Connect(&c)) {
    state.SkipWithError("handshake failed");
    return;
  }
  std::string wire, reply;
  std::vector<std::string> got;
  for (auto _ : state) {
    wire.clear();
    got.clear();
    if (!c.initiator->Send(message, &wire).ok() ||
        !c.responder->Receive(wire, &reply, &got).ok() || got.size() != 1) {
      state.SkipWithError("transfer failed");
      break;
    }
    benchmark::DoNotOptimize(got.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Transfer)->ArgName("bytes")->Arg(64)->Arg(1024)->Arg(65536);

}  // namespace
}  // namespace bee::bench

BENCHMARK_MAIN();
