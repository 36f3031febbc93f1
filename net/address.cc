// HOST:PORT strings, name resolution and printing socket addresses.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "net/internal/socket_address.h"
#include "net/transport.h"

namespace bee::net {
namespace {

std::string Quote(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

Status Bad(std::string_view text, const std::string& what) {
  return Status::InvalidArgument("address " + Quote(text) + ": " + what +
                                 " (expected HOST:PORT, e.g. "
                                 "127.0.0.1:4000 or [::1]:4000)");
}

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

Result<uint16_t> ParsePort(std::string_view text, std::string_view port) {
  if (port.empty()) return Bad(text, "missing port");
  for (char c : port) {
    if (c < '0' || c > '9')
      return Bad(text, "port " + Quote(port) + " is not a number");
  }
  if (port.size() > 5)
    return Bad(text, "port " + std::string(port) + " out of range (0-65535)");
  uint32_t value = 0;
  for (char c : port) value = value * 10 + static_cast<uint32_t>(c - '0');
  if (value > 65535)
    return Bad(text, "port " + std::string(port) + " out of range (0-65535)");
  return static_cast<uint16_t>(value);
}

}  // namespace

Result<HostPort> ParseHostPort(std::string_view text) {
  if (text.empty()) return Bad(text, "empty");
  HostPort out;
  std::string_view rest;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return Bad(text, "no ']' after '['");
    out.host = std::string(text.substr(1, close - 1));
    in6_addr v6;
    if (inet_pton(AF_INET6, out.host.c_str(), &v6) != 1)
      return Bad(text, "bad IPv6 address " + Quote(out.host));
    rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return Bad(text, "missing port");
    rest.remove_prefix(1);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Bad(text, "missing port");
    const std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos)
      return Bad(text, "an IPv6 address goes in brackets, as in [::1]:4000");
    if (host.empty())
      return Bad(text, "missing host (0.0.0.0 or [::] for every interface)");
    if (host.size() > 253) return Bad(text, "host name longer than 253");
    for (char c : host) {
      if (!IsHostNameChar(c))
        return Bad(text, "bad host " + Quote(host) +
                             " (a name, an IPv4 address or [IPv6])");
    }
    out.host = std::string(host);
    rest = text.substr(colon + 1);
  }
  BEE_ASSIGN_OR_RETURN(out.port, ParsePort(text, rest));
  return out;
}

namespace internal {

Result<std::vector<SocketAddress>> Resolve(const HostPort& hp,
                                           std::string_view text,
                                           bool passive) {
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  in6_addr probe;
  if (inet_pton(AF_INET, hp.host.c_str(), &probe) == 1 ||
      inet_pton(AF_INET6, hp.host.c_str(), &probe) == 1)
    hints.ai_flags |= AI_NUMERICHOST;  // a literal never blocks on DNS
  addrinfo* list = nullptr;
  const std::string port = std::to_string(hp.port);
  const int rc = getaddrinfo(hp.host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    return Status::Unavailable("address \"" + std::string(text) +
                               "\": cannot resolve host \"" + hp.host +
                               "\": " + gai_strerror(rc));
  }
  std::vector<SocketAddress> out;
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    SocketAddress a;
    if (ai->ai_addrlen > sizeof a.storage) continue;
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.length = ai->ai_addrlen;
    out.push_back(a);
  }
  freeaddrinfo(list);
  if (out.empty()) {
    return Status::Unavailable("address \"" + std::string(text) +
                               "\": host has no usable address");
  }
  return out;
}

std::string FormatAddress(const SocketAddress& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  const auto* sa = reinterpret_cast<const sockaddr*>(&a.storage);
  if (sa->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a.storage);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (sa->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return "(address family " + std::to_string(sa->sa_family) + ")";
}

}  // namespace internal
}  // namespace bee::net
