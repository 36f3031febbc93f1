// Replicate: downloads a whole log from a peer into a local replica
// (`bee replicate bee://HOST:PORT/KEYHEX DIR`), verifying every block and
// every signed length before it is stored. The replica is a read-only
// store that every local command reads; run again, it resumes.
//
// Errors name the reason: the peer does not have the log (it rejected the
// channel), the peer lied (a proof that does not verify, a manifest that
// does not hash to the key, a wrong capability), the connection failed or
// ended, or no progress was made for `stall_timeout` (naming the block or
// length waited for). What was verified before the error stays stored.
#ifndef BEE_REMOTE_REPLICATE_H_
#define BEE_REMOTE_REPLICATE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "encoding/bytes.h"
#include "encoding/result.h"
#include "net/connection.h"
#include "net/transport.h"

namespace bee::remote {

// bee://HOST:PORT/KEYHEX (the key as 64 hex digits).
struct BeeUrl {
  std::string host_port;
  Hash32 key{};
};
// InvalidArgument naming what is wrong (scheme, address, key).
Result<BeeUrl> ParseBeeUrl(std::string_view url);

struct ReplicateOptions {
  // Keep following the peer's new signed lengths until `stop` is set.
  bool live = false;
  // Fail when no block or length arrives for this long while some are
  // missing (also bounds connecting and the handshake).
  std::chrono::milliseconds stall_timeout{30000};
  net::ConnectionOptions connection;
  net::TransportOptions transport = net::IdleAfter(std::chrono::seconds(30));
  // Polled a few times a second (e.g. set by a SIGINT handler): the
  // replication stops cleanly, keeping what it verified.
  const std::atomic<bool>* stop = nullptr;
  // Called after each batch of input: blocks held so far of the peer's
  // length.
  std::function<void(uint64_t held, uint64_t length)> progress;
};

struct ReplicateResult {
  uint64_t length = 0;  // the replica's signed length at the end
  uint64_t fork = 0;
  uint64_t blocks_received = 0;
  uint64_t bytes_received = 0;  // block bytes
  uint64_t wire_bytes_received = 0;
  bool resumed = false;  // the directory held a replica already
};

Result<ReplicateResult> Replicate(const BeeUrl& url, const std::string& dir,
                                  const ReplicateOptions& options);

}  // namespace bee::remote

#endif  // BEE_REMOTE_REPLICATE_H_
