// bee against the real JS hypercore 11.39.5 + hyperbee 2.27.3 over TCP on
// loopback, both ways (issue 11's acceptance): bee replicates a JS writer's
// hyperbee (whole and sparse), verifying every block; a JS reader reads a
// store that bee serves and gets exactly the answers of the store; live
// appends propagate both ways; a JS reader and a bee reader share one bee
// server; a peer without the log is refused clearly.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "btree/bee.h"
#include "encoding/bytes.h"
#include "log/core.h"
#include "net/connection.h"
#include "net/event_loop.h"
#include "remote/replicate.h"
#include "remote/server.h"
#include "tests/util/js_peer_ops.h"
#include "tests/util/node_process.h"
#include "tests/util/temp_dir.h"

namespace bee::test {
namespace {

using nlohmann::json;

Hash32 KeyOf(const json& created) {
  return HexDecodeFixed<32>(created["key"].get<std::string>(), "key").value();
}

remote::BeeUrl Url(int port, const json& created) {
  return remote::BeeUrl{"127.0.0.1:" + std::to_string(port), KeyOf(created)};
}

// Every block of the replica in `dir` equals the JS peer's.
void CheckSameBlocks(NodeProcess& js, const std::string& dir) {
  auto core = log::Core::Open(dir);
  REQUIRE(core.ok());
  const json blocks = Ok(js, {{"cmd", "blocks"}})["blocks"];
  REQUIRE((*core)->length() == blocks.size());
  for (uint64_t i = 0; i < blocks.size(); i++) {
    CAPTURE(i);
    CHECK(HexEncode((*core)->Get(i).value()) == blocks[i]);
  }
}

// A JS writer holding WriterOps, listening.
struct JsWriter {
  std::unique_ptr<NodeProcess> js = StartPeer();
  json created, versions;
  int port = 0;
  JsWriter() {
    created =
        Ok(*js, {{"cmd", "writer"}, {"name", "w"}, {"seed", kWriterSeed}});
    versions = Ok(*js, {{"cmd", "append"}, {"ops", WriterOps()}})["versions"];
    port = Ok(*js, {{"cmd", "listen"}})["port"];
  }
};

// A bee server on its own loop thread.
struct BeeServer {
  std::unique_ptr<net::EventLoop> loop = net::EventLoop::Create().value();
  std::unique_ptr<remote::Server> server;
  std::thread thread;
  int port = 0;
  explicit BeeServer(const std::vector<log::Core*>& cores) {
    server = remote::Server::Create(loop.get(), remote::ServeOptions{}).value();
    for (log::Core* core : cores) REQUIRE(server->AddCore(core).ok());
    REQUIRE(server->Listen().ok());
    const std::string& address = server->address();
    port = std::stoi(address.substr(address.rfind(':') + 1));
    thread = std::thread([this] { (void)loop->Run(); });
  }
  ~BeeServer() {
    loop->Stop();
    thread.join();
    // The server's connections are destroyed on this thread, the loop idle.
    server.reset();
  }
};

// A bee writer store with WriterOps, byte-identical to the JS writer's.
std::unique_ptr<btree::Bee> BeeWriter(const std::string& dir) {
  auto seed = HexDecodeFixed<32>(kWriterSeed, "seed").value();
  auto bee = btree::Bee::Create(dir, log::KeyPair::FromSeed(seed));
  REQUIRE(bee.ok());
  REQUIRE(ApplyOps(bee->get(), WriterOps()).ok());
  return std::move(bee).value();
}

TEST_CASE("replication interop: bee replicates a JS writer's hyperbee whole",
          "[interop][replication]") {
  if (SkipWithoutNode()) return;
  JsWriter writer;
  TempDir tmp;
  const std::string dir = tmp.Sub("replica");
  remote::ReplicateOptions options;
  options.stall_timeout = std::chrono::seconds(20);
  auto result =
      remote::Replicate(Url(writer.port, writer.created), dir, options);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result->length == writer.versions.back().get<uint64_t>());
  CHECK(result->blocks_received == result->length);
  CHECK_FALSE(result->resumed);
  CheckSameBlocks(*writer.js, dir);

  // The replica is a store every local command reads: the same entries.
  {
    auto bee = btree::Bee::Open(dir);
    REQUIRE(bee.ok());
    const json js_range = Ok(*writer.js, {{"cmd", "range"}})["result"];
    size_t i = 0;
    for (const json& entry : js_range) {
      auto got =
          (*bee)->Get(HexDecode(entry["key"].get<std::string>()).value());
      REQUIRE(got.ok());
      REQUIRE(got->has_value());
      CHECK(HexEncode((*got)->value.value_or("")) == entry["value"]);
      CHECK((*got)->seq == entry["seq"].get<uint64_t>());
      i++;
    }
    CHECK(i > 100);
  }

  // Run again: it resumes, with nothing left to fetch.
  auto again =
      remote::Replicate(Url(writer.port, writer.created), dir, options);
  REQUIRE(again.ok());
  CHECK(again->resumed);
  CHECK(again->blocks_received == 0);
  CHECK(again->length == result->length);
}

TEST_CASE("replication interop: bee fetches a sparse range from a JS writer",
          "[interop][replication]") {
  if (SkipWithoutNode()) return;
  JsWriter writer;
  TempDir tmp;
  auto loop = net::EventLoop::Create().value();
  auto transport =
      net::Connect(loop.get(), "127.0.0.1:" + std::to_string(writer.port), {});
  REQUIRE(transport.ok());
  Status closed;
  net::ConnectionHandlers handlers;
  handlers.on_close = [&](const Status& why) { closed = why; };
  auto conn = net::Connection::Create(loop.get(), std::move(transport).value(),
                                      true, {}, std::move(handlers));
  REQUIRE(conn.ok());
  std::unique_ptr<log::Core> replica;
  const Hash32 key = KeyOf(writer.created);
  net::ChannelReplicator* channel = (*conn)->ReplicateKey(
      key, [&](std::string_view manifest) -> Result<log::Core*> {
        BEE_ASSIGN_OR_RETURN(replica, log::Core::CreateReplica(
                                          tmp.Sub("sparse"), key, manifest));
        return replica.get();
      });
  channel->Download(100, 120);
  (*conn)->Start();
  Status ran = loop->RunUntil([&] { return channel->done() || !closed.ok(); },
                              std::chrono::seconds(20));
  INFO(closed.ToString());
  REQUIRE(ran.ok());
  REQUIRE(replica);
  const uint64_t length = writer.versions.back().get<uint64_t>();
  CHECK(replica->length() == length);  // the signed length, verified
  const json blocks = Ok(
      *writer.js, {{"cmd", "blocks"}, {"start", 100}, {"end", 120}})["blocks"];
  for (uint64_t i = 0; i < length; i++) {
    CAPTURE(i);
    if (i >= 100 && i < 120) {
      REQUIRE(replica->Has(i));
      CHECK(HexEncode(replica->Get(i).value()) == blocks[i - 100]);
    } else {
      CHECK_FALSE(replica->Has(i));
    }
  }
  CHECK(channel->stats().blocks_received == 20);
  (*conn)->Close();
}

TEST_CASE(
    "replication interop: a JS reader reads a store bee serves, with "
    "the answers of the store",
    "[interop][replication]") {
  if (SkipWithoutNode()) return;
  TempDir tmp;
  auto bee = BeeWriter(tmp.Sub("store"));
  // The JS writer of the same ops: same key, same blocks, so its answers
  // are the store's.
  JsWriter reference;
  CHECK(HexEncode(bee->core().key()) == reference.created["key"]);
  BeeServer server({&bee->core()});

  auto reader = StartPeer();
  Ok(*reader,
     {{"cmd", "reader"}, {"name", "r"}, {"key", reference.created["key"]}});
  Ok(*reader, {{"cmd", "connect"}, {"port", server.port}});
  CheckSameAnswers(*reference.js, *reader, reference.versions);
  // And block for block, when it downloads everything.
  CHECK(Ok(*reader, {{"cmd", "download"}})["contiguousLength"] ==
        reference.versions.back());
  CHECK(Ok(*reader, {{"cmd", "blocks"}})["blocks"] ==
        Ok(*reference.js, {{"cmd", "blocks"}})["blocks"]);

  // Live: a write to the served store reaches the JS reader.
  REQUIRE(bee->Put("live-key", "live-value").ok());
  const uint64_t length = bee->core().length();
  CHECK(Ok(*reader, {{"cmd", "waitLength"}, {"length", length}})["length"] ==
        length);
  CHECK(Ok(*reader,
           {{"cmd", "get"}, {"key", Hex("live-key")}})["result"]["value"] ==
        Hex("live-value"));
  CHECK(reader->Close().ok());
}

TEST_CASE(
    "replication interop: a JS reader and a bee reader share one bee "
    "server",
    "[interop][replication]") {
  if (SkipWithoutNode()) return;
  TempDir tmp;
  auto bee = BeeWriter(tmp.Sub("store"));
  BeeServer server({&bee->core()});
  const json created = {{"key", HexEncode(bee->core().key())}};

  auto reader = StartPeer();
  Ok(*reader, {{"cmd", "reader"}, {"name", "r"}, {"key", created["key"]}});
  Ok(*reader, {{"cmd", "connect"}, {"port", server.port}});
  CHECK(Ok(*reader, {{"cmd", "get"}, {"key", Key(2)}})["result"]["value"] ==
        Hex("v" + Key(2)));

  // While the JS reader stays connected, bee replicates the whole store.
  remote::ReplicateOptions options;
  options.stall_timeout = std::chrono::seconds(20);
  auto result =
      remote::Replicate(Url(server.port, created), tmp.Sub("copy"), options);
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  CHECK(result->length == bee->core().length());
  auto copy = log::Core::Open(tmp.Sub("copy")).value();
  for (uint64_t i = 0; i < copy->length(); i++) {
    CHECK(copy->Get(i).value() == bee->core().Get(i).value());
  }
  CHECK(Ok(*reader, {{"cmd", "info"}})["peers"] == 1);
  CHECK(Ok(*reader, {{"cmd", "get"}, {"key", Key(3)}})["result"]["value"] ==
        Hex("v" + Key(3)));
  CHECK(reader->Close().ok());
}

TEST_CASE("replication interop: a live bee replica follows a JS writer",
          "[interop][replication]") {
  if (SkipWithoutNode()) return;
  JsWriter writer;
  TempDir tmp;
  const std::string dir = tmp.Sub("live");
  std::atomic<bool> stop{false};
  Status status;
  remote::ReplicateResult result;
  std::thread follower([&] {
    remote::ReplicateOptions options;
    options.live = true;
    options.stop = &stop;
    options.stall_timeout = std::chrono::seconds(20);
    auto r = remote::Replicate(Url(writer.port, writer.created), dir, options);
    if (r.ok()) {
      result = *r;
    } else {
      status = r.status();
    }
  });
  const json appended =
      Ok(*writer.js, {{"cmd", "append"}, {"ops", {Put(1000, "live"), Del(1)}}});
  const uint64_t length = appended["length"];
  // The replica is written by the follower's thread; poll it read-only.
  bool reached = false;
  for (int i = 0; i < 400 && !reached && status.ok(); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log::CoreOptions ro;
    ro.read_only = true;
    auto core = log::Core::Open(dir, ro);
    reached = core.ok() && (*core)->length() >= length &&
              (*core)->contiguous_length() >= length;
  }
  stop = true;
  follower.join();
  INFO(status.ToString());
  REQUIRE(status.ok());
  CHECK(reached);
  CHECK(result.length == length);
  CheckSameBlocks(*writer.js, dir);
}

TEST_CASE(
    "replication interop: replicating a log the peer does not have "
    "fails naming it",
    "[interop][replication]") {
  if (SkipWithoutNode()) return;
  JsWriter writer;
  TempDir tmp;
  remote::ReplicateOptions options;
  options.stall_timeout = std::chrono::seconds(5);
  remote::BeeUrl url{"127.0.0.1:" + std::to_string(writer.port),
                     HexDecodeFixed<32>(kWrongKey, "key").value()};
  auto result = remote::Replicate(url, tmp.Sub("none"), options);
  REQUIRE_FALSE(result.ok());
  INFO(result.status().ToString());
  // JS rejects the channel of a core it does not replicate (PROTOCOL.md
  // §5.3), or never opens it: either way the error names the log.
  const std::string message = result.status().message();
  CHECK((message.find("does not have") != std::string::npos ||
         message.find("never opened") != std::string::npos));
  // Nothing was created for a log that never arrived.
  CHECK_FALSE(std::filesystem::exists(tmp.Sub("none")));
}

}  // namespace
}  // namespace bee::test
