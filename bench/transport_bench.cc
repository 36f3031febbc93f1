// Transports on one event loop: bulk throughput and small-message round
// trips, over TCP loopback and the in-memory pair. No crypto, no framing:
// the ceiling the replication protocol runs under.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <utility>

#include "net/event_loop.h"
#include "net/transport.h"

namespace bee::net {
namespace {

constexpr auto kHang = std::chrono::seconds(120);

struct Connected {
  std::unique_ptr<EventLoop> loop;
  std::unique_ptr<Transport> a;
  std::unique_ptr<Transport> b;
};

// state.range(0): 0 = memory pair, 1 = TCP loopback.
Connected MakeConnected(int kind, const TransportOptions& options) {
  Connected c;
  c.loop = std::move(EventLoop::Create()).value();
  if (kind == 0) {
    auto [a, b] = NewMemoryPair(c.loop.get(), options);
    c.a = std::move(a);
    c.b = std::move(b);
    return c;
  }
  auto listener =
      std::move(Listener::Listen(
                    c.loop.get(), "127.0.0.1:0", options,
                    [&](std::unique_ptr<Transport> t) { c.b = std::move(t); }))
          .value();
  c.a = std::move(Connect(c.loop.get(), listener->address(), options)).value();
  if (!c.loop->RunUntil([&] { return c.b != nullptr; }, kHang).ok())
    std::abort();
  return c;
}

// One way, 64 KiB writes whenever the 1 MiB queue has room.
void BM_Bulk(benchmark::State& state) {
  TransportOptions options;
  options.max_queued_bytes = 1 << 20;
  Connected c = MakeConnected(static_cast<int>(state.range(0)), options);
  const std::string chunk(64 << 10, 'x');
  size_t received = 0;
  TransportHandlers ha;
  ha.on_data = [](std::string_view) {};
  ha.on_close = [](const Status&) { std::abort(); };
  ha.on_drain = [&] {
    while (c.a->Write(chunk).ok()) {
    }
  };
  TransportHandlers hb;
  hb.on_data = [&](std::string_view bytes) { received += bytes.size(); };
  hb.on_close = [](const Status&) { std::abort(); };
  c.a->Start(std::move(ha));
  c.b->Start(std::move(hb));
  const size_t per_iteration = size_t{64} << 20;
  for (auto _ : state) {
    const size_t target = received + per_iteration;
    while (c.a->Write(chunk).ok()) {
    }
    if (!c.loop->RunUntil([&] { return received >= target; }, kHang).ok())
      std::abort();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(per_iteration));
}
BENCHMARK(BM_Bulk)->Arg(0)->Arg(1)->ArgNames({"tcp"})->UseRealTime();

// 100-byte ping, 100-byte pong, one at a time.
void BM_PingPong(benchmark::State& state) {
  Connected c = MakeConnected(static_cast<int>(state.range(0)), {});
  const std::string msg(100, 'p');
  size_t got = 0;
  TransportHandlers ha;
  ha.on_data = [&](std::string_view bytes) { got += bytes.size(); };
  ha.on_close = [](const Status&) { std::abort(); };
  TransportHandlers hb;
  hb.on_data = [&](std::string_view bytes) {
    if (!c.b->Write(bytes).ok()) std::abort();
  };
  hb.on_close = [](const Status&) { std::abort(); };
  c.a->Start(std::move(ha));
  c.b->Start(std::move(hb));
  for (auto _ : state) {
    const size_t target = got + msg.size();
    if (!c.a->Write(msg).ok()) std::abort();
    if (!c.loop->RunUntil([&] { return got >= target; }, kHang).ok())
      std::abort();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PingPong)->Arg(0)->Arg(1)->ArgNames({"tcp"})->UseRealTime();

}  // namespace
}  // namespace bee::net

BENCHMARK_MAIN();
