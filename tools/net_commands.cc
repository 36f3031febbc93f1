#include "tools/net_commands.h"

#include <memory>
#include <nlohmann/json.hpp>

#include "encoding/bytes.h"
#include "net/event_loop.h"
#include "remote/replicate.h"
#include "remote/server.h"
#include "tools/progress.h"
#include "tools/stop_signals.h"

namespace bee::tools {

using nlohmann::json;

Status Serve(const ServeArgs& args, std::ostream& out, std::ostream& err) {
  BEE_ASSIGN_OR_RETURN(auto loop, net::EventLoop::Create());
  remote::ServeOptions options;
  options.listen = args.listen;
  options.refresh_interval = std::chrono::milliseconds(args.refresh_ms);
  options.log = [&err](const std::string& line) {
    err << "bee serve: " << line << "\n" << std::flush;
  };
  BEE_ASSIGN_OR_RETURN(auto server,
                       remote::Server::Create(loop.get(), options));
  for (const std::string& dir : args.dirs) {
    BEE_RETURN_IF_ERROR(server->AddDirectory(dir));
  }
  BEE_RETURN_IF_ERROR(server->Listen());
  StopSignals signals(loop.get());
  const auto cores = server->cores();
  if (args.json) {
    json stores = json::array();
    for (size_t i = 0; i < cores.size(); i++) {
      stores.push_back({{"dir", args.dirs[i]},
                        {"key", HexEncode(cores[i]->key())},
                        {"discoveryKey", HexEncode(cores[i]->discovery_key())},
                        {"length", cores[i]->length()}});
    }
    out << json{{"listening", server->address()}, {"stores", stores}}.dump()
        << "\n";
  } else {
    out << "listening on " << server->address() << "\n";
    for (size_t i = 0; i < cores.size(); i++) {
      out << "serving bee://" << server->address() << "/"
          << HexEncode(cores[i]->key()) << " (" << args.dirs[i] << ", length "
          << cores[i]->length() << ")\n";
    }
  }
  out << std::flush;
  if (!StopSignals::Requested()) BEE_RETURN_IF_ERROR(loop->Run());
  return Status::OK();
}

Status Replicate(const ReplicateArgs& args, std::ostream& out,
                 std::ostream& err, const Terminal& terminal) {
  BEE_ASSIGN_OR_RETURN(remote::BeeUrl url, remote::ParseBeeUrl(args.url));
  StopSignals signals;
  Progress progress(&err, !args.quiet, terminal, "blocks");
  uint64_t shown = 0;
  remote::ReplicateOptions options;
  options.live = args.live;
  options.stall_timeout = std::chrono::milliseconds(args.timeout_ms);
  options.stop = StopSignals::Flag();
  options.progress = [&](uint64_t held, uint64_t) {
    if (held > shown) {
      progress.Add(held - shown);
      shown = held;
    }
  };
  BEE_ASSIGN_OR_RETURN(remote::ReplicateResult r,
                       remote::Replicate(url, args.dir, options));
  progress.Finish();
  if (args.json) {
    out << json{{"key", HexEncode(url.key)},
                {"dir", args.dir},
                {"length", r.length},
                {"fork", r.fork},
                {"blocksReceived", r.blocks_received},
                {"bytesReceived", r.bytes_received},
                {"resumed", r.resumed}}
               .dump()
        << "\n";
  } else {
    out << "replicated " << HexEncode(url.key) << " into " << args.dir
        << ": length " << r.length << ", fork " << r.fork << " ("
        << r.blocks_received << " blocks received, " << r.bytes_received
        << " bytes, every one verified)\n";
  }
  return Status::OK();
}

}  // namespace bee::tools
