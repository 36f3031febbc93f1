#include "tools/stop_signals.h"

#include <atomic>

namespace bee::tools {
namespace {

std::atomic<bool> g_requested{false};
std::atomic<net::EventLoop*> g_loop{nullptr};

extern "C" void OnStop(int) {
  g_requested.store(true);
  if (net::EventLoop* loop = g_loop.load()) loop->Stop();
}

}  // namespace

StopSignals::StopSignals(net::EventLoop* loop) {
  g_requested.store(false);
  g_loop.store(loop);
  struct sigaction sa = {};
  sa.sa_handler = OnStop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

StopSignals::~StopSignals() {
  g_loop.store(nullptr);
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool StopSignals::Requested() { return g_requested.load(); }

const std::atomic<bool>* StopSignals::Flag() { return &g_requested; }

}  // namespace bee::tools
