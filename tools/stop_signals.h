// SIGINT and SIGTERM as a request to stop a command that runs until then
// (`bee watch`, `bee history --live`, `bee serve`, `bee replicate --live`):
// the handler only sets a flag the command polls between its waits (and
// stops an event loop, whose Stop is async-signal-safe), so the command
// ends cleanly and exits 0.
//
// Thread safety: one StopSignals at a time per process (it replaces the
// handlers and restores them on destruction); Requested() from any thread.
#ifndef BEE_TOOLS_STOP_SIGNALS_H_
#define BEE_TOOLS_STOP_SIGNALS_H_

#include <atomic>
#include <csignal>

#include "net/event_loop.h"

namespace bee::tools {

class StopSignals {
 public:
  // `loop` (if any) is stopped by a signal too, until destruction.
  explicit StopSignals(net::EventLoop* loop = nullptr);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Whether SIGINT or SIGTERM arrived since construction.
  static bool Requested();
  // The flag itself, for APIs that poll one (remote::ReplicateOptions).
  static const std::atomic<bool>* Flag();

 private:
  struct sigaction old_int_ = {}, old_term_ = {};
};

}  // namespace bee::tools

#endif  // BEE_TOOLS_STOP_SIGNALS_H_
