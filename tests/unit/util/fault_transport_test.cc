// The faults FaultTransport injects, each as the other end sees it.
#include "tests/util/fault_transport.h"

#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <string>

namespace bee::test {
namespace {

using std::chrono::milliseconds;
using Dir = FaultTransport::Direction;

constexpr auto kHang = std::chrono::seconds(60);  // only bounds a hang

struct Side {
  explicit Side(std::unique_ptr<net::Transport> transport)
      : t(std::move(transport)) {}
  std::unique_ptr<net::Transport> t;
  std::string received;
  size_t deliveries = 0;
  std::optional<Status> closed;

  void Start() {
    net::TransportHandlers h;
    h.on_data = [this](std::string_view b) {
      received.append(b);
      ++deliveries;
    };
    h.on_close = [this](const Status& why) { closed = why; };
    t->Start(std::move(h));
  }
};

// A memory pair whose side "a" is wrapped: a.t is the FaultTransport.
struct Rig {
  explicit Rig(const net::TransportOptions& options = {}) {
    auto made = net::EventLoop::Create();
    REQUIRE(made.ok());
    loop = std::move(made).value();
    auto [x, y] = net::NewMemoryPair(loop.get(), options);
    auto f = std::make_unique<FaultTransport>(loop.get(), std::move(x),
                                              Catch::rngSeed());
    fault = f.get();
    a.emplace(std::move(f));
    b.emplace(std::move(y));
    a->Start();
    b->Start();
  }
  bool RunUntil(const std::function<bool()>& pred) {
    Status s = loop->RunUntil(pred, kHang);
    if (!s.ok()) WARN(s.ToString());
    return s.ok();
  }
  std::unique_ptr<net::EventLoop> loop;
  FaultTransport* fault = nullptr;
  std::optional<Side> a;
  std::optional<Side> b;
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7 + 1);
  return s;
}

TEST_CASE("fault transport: no fault passes bytes through unchanged",
          "[fault_transport]") {
  Rig rig;
  const std::string data = Pattern(100000);
  REQUIRE(rig.a->t->Write(data).ok());
  REQUIRE(rig.b->t->Write(data).ok());
  REQUIRE(rig.RunUntil([&] {
    return rig.b->received.size() == data.size() &&
           rig.a->received.size() == data.size();
  }));
  CHECK(rig.b->received == data);
  CHECK(rig.a->received == data);
}

TEST_CASE("fault transport: chunking splits writes into small deliveries",
          "[fault_transport]") {
  Rig rig;
  FaultPlan plan;
  plan.max_chunk = 7;
  rig.fault->SetPlan(Dir::kOutgoing, plan);
  rig.fault->SetPlan(Dir::kIncoming, plan);
  const std::string data = Pattern(700);
  REQUIRE(rig.a->t->Write(data).ok());
  REQUIRE(rig.b->t->Write(data).ok());
  REQUIRE(rig.RunUntil([&] {
    return rig.b->received.size() == data.size() &&
           rig.a->received.size() == data.size();
  }));
  CHECK(rig.b->received == data);
  CHECK(rig.a->received == data);
  // Pieces of at most 7 bytes, each in its own delivery.
  CHECK(rig.b->deliveries >= data.size() / 7);
  CHECK(rig.a->deliveries >= data.size() / 7);
}

TEST_CASE("fault transport: a flipped byte at offset N, in either direction",
          "[fault_transport]") {
  Rig rig;
  FaultPlan out;
  out.flip_at = 1234;
  out.max_chunk = 100;  // the offset counts across pieces
  rig.fault->SetPlan(Dir::kOutgoing, out);
  FaultPlan in;
  in.flip_at = 5;
  in.flip_mask = 0xff;
  rig.fault->SetPlan(Dir::kIncoming, in);
  const std::string data = Pattern(3000);
  REQUIRE(rig.a->t->Write(data.substr(0, 1000)).ok());
  REQUIRE(rig.a->t->Write(data.substr(1000)).ok());
  REQUIRE(rig.b->t->Write(data).ok());
  REQUIRE(rig.RunUntil([&] {
    return rig.b->received.size() == data.size() &&
           rig.a->received.size() == data.size();
  }));
  std::string expect_b = data;
  expect_b[1234] = static_cast<char>(expect_b[1234] ^ 0x01);
  CHECK(rig.b->received == expect_b);
  std::string expect_a = data;
  expect_a[5] = static_cast<char>(expect_a[5] ^ 0xff);
  CHECK(rig.a->received == expect_a);
}

TEST_CASE("fault transport: cut after N bytes sent", "[fault_transport]") {
  Rig rig;
  FaultPlan plan;
  plan.cut_after = 1500;
  plan.max_chunk = 64;
  rig.fault->SetPlan(Dir::kOutgoing, plan);
  const std::string data = Pattern(4000);
  REQUIRE(rig.a->t->Write(data).ok());
  REQUIRE(rig.RunUntil([&] { return rig.a->closed && rig.b->closed; }));
  // The peer reads exactly the bytes before the cut, then the end.
  CHECK(rig.b->received == data.substr(0, 1500));
  CHECK(rig.b->closed->ToString().find("closed by peer") != std::string::npos);
  CHECK(rig.a->closed->IsIOError());
  CHECK(rig.a->closed->ToString().find("memory/a: fault: cut after 1500 "
                                       "bytes sent") != std::string::npos);
  CHECK(rig.fault->passed(Dir::kOutgoing) == 1500);
}

TEST_CASE("fault transport: cut after N bytes received", "[fault_transport]") {
  Rig rig;
  FaultPlan plan;
  plan.cut_after = 10;
  rig.fault->SetPlan(Dir::kIncoming, plan);
  REQUIRE(rig.b->t->Write(Pattern(100)).ok());
  REQUIRE(rig.RunUntil([&] { return rig.a->closed && rig.b->closed; }));
  CHECK(rig.a->received == Pattern(100).substr(0, 10));
  CHECK(rig.a->closed->ToString().find("fault: cut after 10 bytes received") !=
        std::string::npos);
  CHECK(rig.b->closed->ToString().find("closed by peer") != std::string::npos);
}

TEST_CASE(
    "fault transport: a stalled peer trips the other side's idle "
    "timeout",
    "[fault_transport]") {
  net::TransportOptions options;
  options.idle_timeout = milliseconds(50);
  Rig rig(options);
  rig.fault->Stall(Dir::kOutgoing);
  // Both keep writing (keep-alives, say): b's reach a, so only b, which
  // gets nothing through the stall, may time out.
  auto beat = rig.loop->AddRepeatingTimer(milliseconds(5), [&] {
    if (!rig.a->closed) (void)rig.a->t->Write("k");
    if (!rig.b->closed) (void)rig.b->t->Write("k");
  });
  REQUIRE(rig.RunUntil([&] { return rig.b->closed.has_value(); }));
  rig.loop->CancelTimer(beat);
  CHECK(rig.b->received.empty());
  CHECK(rig.b->closed->ToString().find("memory/b: idle for 50 ms") !=
        std::string::npos);
  CHECK(rig.fault->passed(Dir::kOutgoing) == 0);
}

TEST_CASE("fault transport: stalled bytes count as queued, and resume",
          "[fault_transport]") {
  Rig rig;
  rig.fault->Stall(Dir::kOutgoing);
  REQUIRE(rig.a->t->Write(Pattern(500)).ok());
  REQUIRE(rig.loop->RunFor(milliseconds(5)).ok());
  CHECK(rig.b->received.empty());
  CHECK(rig.a->t->queued_bytes() == 500);
  rig.fault->Resume(Dir::kOutgoing);
  REQUIRE(rig.RunUntil([&] { return rig.b->received.size() == 500; }));
  CHECK(rig.b->received == Pattern(500));
}

TEST_CASE("fault transport: delayed bytes keep their order",
          "[fault_transport]") {
  Rig rig;
  FaultPlan plan;
  plan.delay = milliseconds(20);
  plan.max_chunk = 50;
  rig.fault->SetPlan(Dir::kIncoming, plan);
  const std::string data = Pattern(1000);
  REQUIRE(rig.b->t->Write(data).ok());
  REQUIRE(rig.RunUntil([&] { return rig.a->received.size() == 1000; }));
  CHECK(rig.a->received == data);
}

TEST_CASE("fault transport: a drop closes both ends", "[fault_transport]") {
  Rig rig;
  rig.fault->Drop();
  CHECK_FALSE(rig.a->closed.has_value());  // reported from the loop
  REQUIRE(rig.RunUntil([&] { return rig.a->closed && rig.b->closed; }));
  CHECK(rig.a->closed->ToString().find("memory/a: fault: dropped") !=
        std::string::npos);
  CHECK(rig.b->closed->ToString().find("closed by peer") != std::string::npos);
}

TEST_CASE("fault transport: the inner close waits for held bytes",
          "[fault_transport]") {
  Rig rig;
  FaultPlan plan;
  plan.max_chunk = 3;
  rig.fault->SetPlan(Dir::kIncoming, plan);
  REQUIRE(rig.b->t->Write(Pattern(300)).ok());
  rig.b->t->End();
  REQUIRE(rig.RunUntil([&] { return rig.a->closed.has_value(); }));
  CHECK(rig.a->received == Pattern(300));
  CHECK(rig.a->closed->ToString().find("closed by peer") != std::string::npos);
}

}  // namespace
}  // namespace bee::test
