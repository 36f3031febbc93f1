#include "remote/replicate.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "log/core.h"
#include "log/crypto.h"
#include "net/event_loop.h"
#include "net/replicator.h"

namespace bee::remote {

Result<BeeUrl> ParseBeeUrl(std::string_view url) {
  constexpr std::string_view kScheme = "bee://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Status::InvalidArgument("'" + std::string(url) +
                                   "' is not a bee:// address "
                                   "(bee://HOST:PORT/KEYHEX)");
  }
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos) {
    return Status::InvalidArgument("'" + std::string(url) +
                                   "' has no key (bee://HOST:PORT/KEYHEX)");
  }
  BeeUrl out;
  auto hp = net::ParseHostPort(rest.substr(0, slash));
  if (!hp.ok()) return hp.status().WithContext(std::string(url));
  out.host_port = std::string(rest.substr(0, slash));
  auto key = HexDecodeFixed<32>(rest.substr(slash + 1),
                                "the key of " + std::string(url));
  if (!key.ok()) return key.status();
  out.key = *key;
  return out;
}

namespace {

std::string Num(uint64_t v) { return std::to_string(v); }

}  // namespace

Result<ReplicateResult> Replicate(const BeeUrl& url, const std::string& dir,
                                  const ReplicateOptions& options) {
  log::InitCrypto();
  ReplicateResult result;
  std::unique_ptr<log::Core> core;
  // Proofs arrive many at a time: the replica syncs once per batch of
  // input (below), not once per block, and at the end.
  log::CoreOptions core_options;
  core_options.durability = log::Durability::kNoSync;
  uint64_t synced_blocks = 0, synced_length = 0;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir) && !fs::is_empty(dir, ec)) {
    // Resume: it must be a replica of this very log.
    BEE_ASSIGN_OR_RETURN(core, log::Core::Open(dir, core_options));
    if (core->key() != url.key) {
      return Status::InvalidArgument(dir + " holds the log with key " +
                                     HexEncode(core->key()) + ", not " +
                                     HexEncode(url.key));
    }
    if (core->writable()) {
      return Status::InvalidArgument(
          dir + " is a writable store, not a replica: nothing to download");
    }
    result.resumed = true;
  }

  BEE_ASSIGN_OR_RETURN(auto loop, net::EventLoop::Create());
  BEE_ASSIGN_OR_RETURN(auto transport, net::Connect(loop.get(), url.host_port,
                                                    options.transport));
  Status failure;
  bool finished = false;
  net::ChannelReplicator* channel = nullptr;
  uint64_t last_progress_blocks = ~uint64_t{0};
  uint64_t last_progress_length = ~uint64_t{0};
  auto last_progress = loop->Now();

  net::ConnectionHandlers handlers;
  handlers.on_close = [&](const Status& why) {
    if (failure.ok())
      failure = why.WithContext("connection to " + url.host_port);
    loop->Stop();
  };
  handlers.on_channel_close = [&](net::ChannelReplicator*, const Status& why) {
    if (failure.ok()) failure = why;
    loop->Stop();
  };
  handlers.on_update = [&]() {
    if (channel == nullptr || channel->core() == nullptr) return;
    log::Core* c = channel->core();
    if (channel->stats().blocks_received != synced_blocks ||
        c->length() != synced_length) {
      synced_blocks = channel->stats().blocks_received;
      synced_length = c->length();
      Status s = c->Sync();
      if (!s.ok()) {
        if (failure.ok()) failure = s.WithContext(dir);
        loop->Stop();
        return;
      }
    }
    if (options.progress) {
      options.progress(c->contiguous_length(), channel->remote().length);
    }
    if (!channel->download_status().ok()) {
      if (failure.ok()) failure = channel->download_status();
      loop->Stop();
      return;
    }
    if (!options.live && channel->done()) {
      finished = true;
      loop->Stop();
    }
  };
  BEE_ASSIGN_OR_RETURN(auto conn, net::Connection::Create(
                                      loop.get(), std::move(transport), true,
                                      options.connection, std::move(handlers)));
  if (core) {
    channel = conn->Replicate(core.get());
  } else {
    channel = conn->ReplicateKey(
        url.key, [&](std::string_view manifest) -> Result<log::Core*> {
          BEE_ASSIGN_OR_RETURN(core, log::Core::CreateReplica(
                                         dir, url.key, manifest, core_options));
          return core.get();
        });
  }
  channel->Download(0, options.live ? net::ChannelReplicator::kLive
                                    : net::ChannelReplicator::kPeerLength);
  conn->Start();

  // Watch for a stall, and for the stop flag, a few times a second.
  auto watchdog =
      loop->AddRepeatingTimer(std::chrono::milliseconds(100), [&]() {
        if (options.stop != nullptr && options.stop->load()) {
          finished = true;
          loop->Stop();
          return;
        }
        const uint64_t blocks = channel->stats().blocks_received;
        const uint64_t length = channel->core() ? channel->core()->length() : 0;
        if (blocks != last_progress_blocks || length != last_progress_length) {
          last_progress_blocks = blocks;
          last_progress_length = length;
          last_progress = loop->Now();
          return;
        }
        // A live replica that holds all the peer announced is waiting, not
        // stalled.
        if (options.live && channel->core() != nullptr &&
            channel->remote().synced &&
            channel->core()->length() >= channel->remote().length &&
            channel->core()->contiguous_length() == channel->core()->length()) {
          last_progress = loop->Now();
          return;
        }
        if (loop->Now() - last_progress < options.stall_timeout) return;
        std::string what;
        if (!conn->handshake_done()) {
          what = "the handshake did not complete";
        } else if (!channel->remote().synced) {
          what = "the peer never opened the log's channel";
        } else if (channel->core() == nullptr) {
          what = "the peer did not send the manifest and signed length";
        } else if (channel->core()->length() < channel->remote().length) {
          what = "the peer did not prove its length " +
                 Num(channel->remote().length);
        } else {
          what = "the peer did not send block " +
                 Num(channel->core()->contiguous_length());
        }
        if (failure.ok()) {
          failure = Status::Unavailable(
              "no progress from " + url.host_port + " for " +
              Num(static_cast<uint64_t>(options.stall_timeout.count())) +
              " ms: " + what);
        }
        loop->Stop();
      });
  Status run = loop->Run();
  loop->CancelTimer(watchdog);
  conn->Close();
  if (!run.ok()) return run;
  if (!failure.ok() && !finished) {
    if (core) {
      Status closed = core->Close();
      (void)closed;
    }
    return failure;
  }
  if (core == nullptr) {
    return Status::Unavailable("connection to " + url.host_port +
                               " ended before the log was received");
  }
  result.length = core->length();
  result.fork = core->fork();
  result.blocks_received = channel->stats().blocks_received;
  result.bytes_received = channel->stats().bytes_received;
  result.wire_bytes_received = conn->bytes_received();
  BEE_RETURN_IF_ERROR(core->Close());
  return result;
}

}  // namespace bee::remote
