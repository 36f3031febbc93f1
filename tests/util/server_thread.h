// A bee server (remote::Server, as `bee serve` runs it) in the test
// process, on a loop thread of its own, listening on 127.0.0.1 (any free
// port): for tests of remote readers, which connect over TCP loopback.
#ifndef BEE_TESTS_UTIL_SERVER_THREAD_H_
#define BEE_TESTS_UTIL_SERVER_THREAD_H_

#include <memory>
#include <string>
#include <thread>

#include "encoding/bytes.h"
#include "net/event_loop.h"
#include "remote/server.h"

namespace bee::test {

class ServerThread {
 public:
  // Serves the store in `dir` (opened read-only). REQUIREs success.
  explicit ServerThread(const std::string& dir);
  ~ServerThread();
  ServerThread(const ServerThread&) = delete;
  ServerThread& operator=(const ServerThread&) = delete;

  const std::string& address() const { return server_->address(); }
  // bee://ADDRESS/KEYHEX
  std::string Url(const Hash32& key) const {
    return "bee://" + address() + "/" + HexEncode(key);
  }

 private:
  std::unique_ptr<net::EventLoop> loop_;
  std::unique_ptr<remote::Server> server_;
  std::thread thread_;
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_SERVER_THREAD_H_
