// Server: serves logs (bee stores, writable or replicas) to any number of
// hypercore peers over TCP, JS or bee (`bee serve`, PROTOCOL.md §8.2).
//
// Each store directory is opened read-only (no writer lock), so the
// process that writes it keeps writing; the server follows it by
// refreshing every ServeOptions::refresh_interval, and a log added with
// AddCore (e.g. a store this process writes) reports its appends itself.
// Either way, every connected peer hears each new signed length at once
// (range + sync, §7.7).
//
// Each channel also answers hyperbee's extension hints (§15) from the
// blocks the log holds, unless ServeOptions::hyperbee_extension is off, and
// our own `bee/read/1` requests (remote/bee_extension.h: one round trip per
// cold read), unless ServeOptions::bee_read is off.
//
// Thread safety: everything runs on the loop's thread; the logs may be
// appended by other threads or processes. hyperbee_counters() and
// bee_read_counters() may be read from any thread.
#ifndef BEE_REMOTE_SERVER_H_
#define BEE_REMOTE_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "log/core.h"
#include "net/connection.h"
#include "net/event_loop.h"
#include "net/transport.h"
#include "remote/bee_extension.h"
#include "remote/hyperbee_extension.h"

namespace bee::remote {

struct ServeOptions {
  // HOST:PORT to listen on (port 0: any free port; see Server::address).
  std::string listen = "127.0.0.1:0";
  // How often logs opened from a directory look for a newer signed head
  // written by another process.
  std::chrono::milliseconds refresh_interval{200};
  net::ConnectionOptions connection;
  // Peers send keep-alives every 5 s when idle (JS and bee alike), so a
  // connection silent for 30 s is dead and dropped.
  net::TransportOptions transport = net::IdleAfter(std::chrono::seconds(30));
  // Answer JS readers' `hyperbee` extension hints (get / iterator) with
  // the seqs their lookup will read (remote/hyperbee_extension.h), so they
  // fetch them in one wave. Off: hints are ignored, as a JS peer without
  // a Hyperbee on the core ignores them.
  bool hyperbee_extension = true;
  // Say `bee/read/1` hello on each channel and answer bee readers' requests
  // with the proofs of every block their lookup needs (one round trip).
  bool bee_read = true;
  // One line per event (a peer connected, left, failed; a log's new
  // length). Null: quiet.
  std::function<void(const std::string& line)> log;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Create(net::EventLoop* loop,
                                                ServeOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Opens the log in `dir` read-only and serves it. NotFound, Corruption
  // as log::Core::Open; InvalidArgument if a log with the same key is
  // served already.
  Status AddDirectory(const std::string& dir);
  // Serves a log owned by the caller, which outlives the server.
  Status AddCore(log::Core* core);

  // Starts listening. REQUIRES: called once.
  Status Listen();
  // The address bound, as HOST:PORT with the real port.
  const std::string& address() const;

  size_t connections() const { return connections_.size(); }
  // The hyperbee extension's work on every connection so far.
  const HyperbeeExtensionCounters& hyperbee_counters() const {
    return *hyperbee_counters_;
  }
  // The bee/read extension's work on every connection so far.
  const BeeReadCounters& bee_read_counters() const {
    return *bee_read_counters_;
  }
  // Logs served, in the order added.
  std::vector<const log::Core*> cores() const;

 private:
  struct Served;
  explicit Server(net::EventLoop* loop, ServeOptions options);
  Status Add(log::Core* core, std::unique_ptr<log::Core> owned, bool refresh,
             const std::string& name);
  void Accept(std::unique_ptr<net::Transport> transport);
  void Refresh();
  void Announce(log::Core* core);
  void Log(const std::string& line) const;

  net::EventLoop* loop_;
  ServeOptions options_;
  std::vector<std::unique_ptr<Served>> served_;
  std::unique_ptr<net::Listener> listener_;
  std::map<uint64_t, std::unique_ptr<net::Connection>> connections_;
  uint64_t next_connection_ = 1;
  net::EventLoop::TimerId refresh_timer_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::shared_ptr<HyperbeeExtensionCounters> hyperbee_counters_ =
      std::make_shared<HyperbeeExtensionCounters>();
  std::shared_ptr<BeeReadCounters> bee_read_counters_ =
      std::make_shared<BeeReadCounters>();
};

}  // namespace bee::remote

#endif  // BEE_REMOTE_SERVER_H_
