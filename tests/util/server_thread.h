// A bee server (remote::Server, as `bee serve` runs it) in the test
// process, on a loop thread of its own, listening on 127.0.0.1 (any free
// port): for tests of remote readers, which connect over TCP loopback.
// It serves a store directory (refreshed as `bee serve` does) or a log the
// test owns (whose changes, e.g. a Refresh the test calls, reach every
// connected reader at once).
#ifndef BEE_TESTS_UTIL_SERVER_THREAD_H_
#define BEE_TESTS_UTIL_SERVER_THREAD_H_

#include <memory>
#include <string>
#include <thread>

#include "encoding/bytes.h"
#include "log/core.h"
#include "net/event_loop.h"
#include "remote/server.h"

namespace bee::test {

class ServerThread {
 public:
  // Serves the store in `dir` (opened read-only). REQUIREs success.
  explicit ServerThread(const std::string& dir);
  // Serves `core`, which outlives the server. REQUIREs success.
  explicit ServerThread(log::Core* core);
  ~ServerThread();
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  const std::string& address() const { return server_->address(); }
  // bee://ADDRESS/KEYHEX
  std::string Url(const Hash32& key) const {
    return "bee://" + address() + "/" + HexEncode(key);
  }

 private:
  void Start();

  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<remote::Server> server_;
  std::thread thread_;
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_SERVER_THREAD_H_
