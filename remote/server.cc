#include "remote/server.h"

#include <utility>

#include "encoding/bytes.h"

namespace bee::remote {

struct Server::Served {
  std::unique_ptr<log::Core> owned;  // null for AddCore
  log::Core* core = nullptr;
  bool refresh = false;  // opened read-only from a directory
  std::string name;
  log::Subscription subscription;
};

Result<std::unique_ptr<Server>> Server::Create(net::EventLoop* loop,
                                               ServeOptions options) {
  return std::unique_ptr<Server>(new Server(loop, std::move(options)));
}

Server::Server(net::EventLoop* loop, ServeOptions options)
    : loop_(loop), options_(std::move(options)) {}

Server::~Server() {
  if (refresh_timer_ != 0) loop_->CancelTimer(refresh_timer_);
  connections_.clear();
  for (auto& s : served_) s->subscription.Reset();
}

void Server::Log(const std::string& line) const {
  if (options_.log) options_.log(line);
}

Status Server::AddDirectory(const std::string& dir) {
  log::CoreOptions options;
  options.read_only = true;
  auto core = log::Core::Open(dir, options);
  if (!core.ok()) return core.status().WithContext(dir);
  log::Core* raw = core->get();
  return Add(raw, std::move(core).value(), true, dir);
}

Status Server::AddCore(log::Core* core) {
  return Add(core, nullptr, false, HexEncode(core->key()));
}

Status Server::Add(log::Core* core, std::unique_ptr<log::Core> owned,
                   bool refresh, const std::string& name) {
  for (const auto& s : served_) {
    if (s->core->key() == core->key()) {
      return Status::InvalidArgument(name + ": the log with key " +
                                     HexEncode(core->key()) +
                                     " is served already (" + s->name + ")");
    }
  }
  auto served = std::make_unique<Served>();
  served->owned = std::move(owned);
  served->core = core;
  served->refresh = refresh;
  served->name = name;
  // Appends by other threads arrive on theirs: hop to the loop.
  std::weak_ptr<bool> alive = alive_;
  served->subscription =
      core->Subscribe([this, alive, core](const log::CoreEvent&) {
        loop_->Post([this, alive, core]() {
          if (!alive.expired()) Announce(core);
        });
      });
  served_.push_back(std::move(served));
  return Status::OK();
}

std::vector<const log::Core*> Server::cores() const {
  std::vector<const log::Core*> out;
  for (const auto& s : served_) out.push_back(s->core);
  return out;
}

Status Server::Listen() {
  BEE_ASSIGN_OR_RETURN(
      listener_,
      net::Listener::Listen(
          loop_, options_.listen, options_.transport,
          [this](std::unique_ptr<net::Transport> t) { Accept(std::move(t)); }));
  bool any_refresh = false;
  for (const auto& s : served_) any_refresh |= s->refresh;
  if (any_refresh && options_.refresh_interval.count() > 0) {
    refresh_timer_ = loop_->AddRepeatingTimer(options_.refresh_interval,
                                              [this]() { Refresh(); });
  }
  return Status::OK();
}

const std::string& Server::address() const { return listener_->address(); }

void Server::Refresh() {
  for (const auto& s : served_) {
    if (!s->refresh) continue;
    // A new head is announced through the subscription; a damaged one is
    // reported and the log keeps serving what it had verified.
    auto r = s->core->Refresh();
    if (!r.ok()) Log(s->name + ": " + r.status().ToString());
  }
}

void Server::Announce(log::Core* core) {
  for (auto& [id, conn] : connections_) conn->OnLocalChange(core);
}

void Server::Accept(std::unique_ptr<net::Transport> transport) {
  const uint64_t id = next_connection_++;
  const std::string name = transport->name();
  net::ConnectionHandlers handlers;
  handlers.on_close = [this, id, name](const Status& why) {
    Log("peer " + name + " left: " + why.ToString());
    connections_.erase(id);  // destroys the connection (allowed here)
  };
  auto conn = net::Connection::Create(loop_, std::move(transport), false,
                                      options_.connection, std::move(handlers));
  if (!conn.ok()) {
    Log("peer " + name + " refused: " + conn.status().ToString());
    return;
  }
  net::Connection* c = conn->get();
  net::Connection::ChannelHook on_channel =
      [hyperbee = options_.hyperbee_extension ? hyperbee_counters_ : nullptr,
       bee_read = options_.bee_read ? bee_read_counters_
                                    : nullptr](net::ChannelReplicator* ch) {
        if (hyperbee) {
          HyperbeeExtension::Options options;
          options.counters = hyperbee;
          (void)HyperbeeExtension::Attach(ch, std::move(options));
        }
        if (bee_read) {
          BeeReadExtension::Options options;
          options.counters = bee_read;
          // After our open, before the peer's first request is answered.
          BeeReadExtension::Attach(ch, std::move(options))->SendHello();
        }
      };
  c->ServeWith(
      [this](const Hash32& discovery_key) -> log::Core* {
        for (const auto& s : served_) {
          if (s->core->discovery_key() == discovery_key) return s->core;
        }
        return nullptr;
      },
      std::move(on_channel));
  connections_[id] = std::move(conn).value();
  Log("peer " + name + " connected");
  c->Start();
}

}  // namespace bee::remote
