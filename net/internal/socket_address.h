// Socket addresses for the TCP transport: resolving a parsed HOST:PORT and
// printing an address back as HOST:PORT. Private to net/.
#ifndef BEE_NET_INTERNAL_SOCKET_ADDRESS_H_
#define BEE_NET_INTERNAL_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <string>
#include <string_view>
#include <vector>

#include "encoding/result.h"
#include "net/transport.h"

namespace bee::net::internal {

struct SocketAddress {
  sockaddr_storage storage;
  socklen_t length = 0;
};

// Every address `hp` resolves to (getaddrinfo; blocks for a host name,
// never for a literal). Unavailable naming `text` and the resolver's
// reason when there is none. passive: for bind (Listen).
Result<std::vector<SocketAddress>> Resolve(const HostPort& hp,
                                           std::string_view text, bool passive);

// "1.2.3.4:80" or "[::1]:80".
std::string FormatAddress(const SocketAddress& a);

}  // namespace bee::net::internal

#endif  // BEE_NET_INTERNAL_SOCKET_ADDRESS_H_
