// Two real JS peers (tests/interop/js/peer.js through
// tests/util/node_process.h) replicating a hyperbee over TCP on loopback,
// the stack of ../shared/spec/PROTOCOL.md. No bee code runs here: these
// prove the JS side of the replication interop tests, so that bee's peer can
// later replace either side and be held to the same answers.
#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tests/util/js_peer_ops.h"
#include "tests/util/node_process.h"
#include "tests/util/node_runner.h"
#include "tests/util/temp_dir.h"

namespace bee::test {
namespace {

using nlohmann::json;

struct Served {
  std::unique_ptr<NodeProcess> writer;
  json created;   // the writer command's reply: key, discoveryKey...
  json versions;  // the writer's version after each op
  int port = 0;
};

Served ServeWriter(const json& listen = {{"cmd", "listen"}}) {
  Served s;
  s.writer = StartPeer();
  s.created =
      Ok(*s.writer, {{"cmd", "writer"}, {"name", "w"}, {"seed", kWriterSeed}});
  s.versions =
      Ok(*s.writer, {{"cmd", "append"}, {"ops", WriterOps()}})["versions"];
  s.port = Ok(*s.writer, listen)["port"];
  return s;
}

TEST_CASE("js peers: a JS reader connected to a JS writer answers like it",
          "[interop][replication]") {
  if (SkipWithoutNode()) return;
  Served served = ServeWriter();
  auto reader = StartPeer();
  const json created =
      Ok(*reader,
         {{"cmd", "reader"}, {"name", "r"}, {"key", served.created["key"]}});
  CHECK(created["discoveryKey"] == served.created["discoveryKey"]);
  Ok(*reader, {{"cmd", "connect"}, {"port", served.port}});
  CheckSameAnswers(*served.writer, *reader, served.versions);

  // The reads fetched only some blocks: the reader is sparse.
  json info = Ok(*reader, {{"cmd", "info"}});
  const json length = served.versions.back();
  CHECK(info["length"] == length);
  CHECK(info["contiguousLength"] < length);
  // A core-level download then fetches the rest, block for block.
  CHECK(Ok(*reader, {{"cmd", "download"}})["contiguousLength"] == length);
  const json all = {{"cmd", "blocks"}};
  CHECK(Ok(*reader, all)["blocks"] == Ok(*served.writer, all)["blocks"]);
  CHECK(reader->Close().ok());
  CHECK(served.writer->Close().ok());
}

TEST_CASE(
    "js peers: roles swap: the writer dials a listening reader as Noise "
    "responder, with pinned Noise keys and no hyperbee extension",
    "[interop][replication]") {
  if (SkipWithoutNode()) return;
  TempDir tmp;
  auto writer = StartPeer();
  const json created = Ok(*writer, {{"cmd", "writer"},
                                    {"name", "w"},
                                    {"seed", kWriterSeed},
                                    {"extension", false}});
  const json versions =
      Ok(*writer, {{"cmd", "append"}, {"ops", WriterOps()}})["versions"];
  auto reader = StartPeer();
  Ok(*reader, {{"cmd", "reader"},
               {"name", "r"},
               {"key", created["key"]},
               {"extension", false},
               {"dir", tmp.Sub("reader")}});
  const json listening = Ok(*reader, {{"cmd", "listen"},
                                      {"initiator", true},
                                      {"noiseSeed", std::string(64, '2')}});
  const json connected = Ok(*writer, {{"cmd", "connect"},
                                      {"port", listening["port"]},
                                      {"initiator", false},
                                      {"noiseSeed", std::string(64, '3')}});
  CHECK(connected["remotePublicKey"] == listening["publicKey"]);
  CheckSameAnswers(*writer, *reader, versions);
  CHECK(reader->Close().ok());
  CHECK(writer->Close().ok());

  // The same seeds give the same Noise keys in a new process.
  auto again = StartPeer();
  CHECK(Ok(*again, {{"cmd", "listen"},
                    {"noiseSeed", std::string(64, '2')}})["publicKey"] ==
        listening["publicKey"]);
  const std::string key3 = connected["publicKey"];
  CHECK(key3.size() == 64);
}

TEST_CASE("js peers: a live append on the writer reaches connected readers",
          "[interop][replication]") {
  if (SkipWithoutNode()) return;
  Served served = ServeWriter();
  std::vector<std::unique_ptr<NodeProcess>> readers;
  for (int i = 0; i < 2; i++) {  // one server, two readers at once
    readers.push_back(StartPeer());
    Ok(*readers.back(),
       {{"cmd", "reader"}, {"name", "r"}, {"key", served.created["key"]}});
    Ok(*readers.back(), {{"cmd", "connect"}, {"port", served.port}});
    CHECK(Ok(*readers.back(), {{"cmd", "get"}, {"key", Key(1)}})["result"] ==
          Ok(*served.writer, {{"cmd", "get"}, {"key", Key(1)}})["result"]);
  }
  const json appended =
      Ok(*served.writer,
         {{"cmd", "append"},
          {"ops", {Put(1000, "live"), Del(1), {{"batch", {Put(1001, "b")}}}}}});
  json versions = served.versions;
  for (const json& v : appended["versions"]) versions.push_back(v);
  for (auto& reader : readers) {
    CHECK(Ok(*reader, {{"cmd", "waitLength"},
                       {"length", appended["length"]}})["length"] ==
          appended["length"]);
    CHECK(Ok(*reader, {{"cmd", "get"},
                       {"key", Key(1000)}})["result"]["value"] == Hex("live"));
    CHECK(Ok(*reader, {{"cmd", "get"}, {"key", Key(1)}})["result"].is_null());
    CheckSameAnswers(*served.writer, *reader, versions);
  }
}

TEST_CASE("js peers: a reader serves what it downloaded to another reader",
          "[interop][replication]") {
  if (SkipWithoutNode()) return;
  Served served = ServeWriter();
  auto relay = StartPeer();
  Ok(*relay,
     {{"cmd", "reader"}, {"name", "r"}, {"key", served.created["key"]}});
  Ok(*relay, {{"cmd", "connect"}, {"port", served.port}});
  Ok(*relay, {{"cmd", "download"}});
  const int relay_port = Ok(*relay, {{"cmd", "listen"}})["port"];
  CHECK(served.writer->Close().ok());  // from now on only the relay has it

  auto reader = StartPeer();
  Ok(*reader,
     {{"cmd", "reader"}, {"name", "r"}, {"key", served.created["key"]}});
  Ok(*reader, {{"cmd", "connect"}, {"port", relay_port}});
  CheckSameAnswers(*relay, *reader, served.versions);
  CHECK(Ok(*reader, {{"cmd", "info"}})["length"] == served.versions.back());
}

TEST_CASE(
    "js peers: a reader with a wrong key fails clearly within its timeout, "
    "and the writer still serves others",
    "[interop][replication]") {
  if (SkipWithoutNode()) return;
  Served served = ServeWriter();
  auto wrong = StartPeer();
  const json created =
      Ok(*wrong, {{"cmd", "reader"}, {"name", "x"}, {"key", kWrongKey}});
  Ok(*wrong, {{"cmd", "connect"}, {"port", served.port}});
  for (const char* cmd : {"get", "download", "waitPeer"}) {
    CAPTURE(cmd);
    auto failed =
        wrong->CallOk({{"cmd", cmd}, {"key", Key(1)}, {"timeout", 1500}});
    REQUIRE(!failed.ok());
    CHECK(failed.status().IsUnavailable());
    const std::string message = failed.status().message();
    CHECK_THAT(message, Catch::Contains("timed out after 1500 ms"));
    CHECK_THAT(message,
               Catch::Contains("no connection serves core " +
                               created["discoveryKey"].get<std::string>()));
  }
  CHECK(Ok(*wrong, {{"cmd", "info"}})["peers"] == 0);

  auto right = StartPeer();
  Ok(*right,
     {{"cmd", "reader"}, {"name", "r"}, {"key", served.created["key"]}});
  Ok(*right, {{"cmd", "connect"}, {"port", served.port}});
  CHECK(Ok(*right, {{"cmd", "get"}, {"key", Key(2)}})["result"] ==
        Ok(*served.writer, {{"cmd", "get"}, {"key", Key(2)}})["result"]);
}

// A command peer.js must refuse, and words its error must contain.
struct Bad {
  json command;
  const char* error;
};

void CheckRefused(NodeProcess& peer, const std::vector<Bad>& bad) {
  for (const Bad& b : bad) {
    CAPTURE(b.command.dump());
    auto reply = peer.CallOk(b.command);
    REQUIRE(!reply.ok());
    CHECK(reply.status().IsUnavailable());
    CHECK_THAT(reply.status().message(), Catch::Contains(b.error));
  }
}

TEST_CASE("js peers: peer.js rejects bad commands with a clear error",
          "[interop][replication]") {
  if (SkipWithoutNode()) return;
  auto peer = StartPeer();
  CheckRefused(
      *peer,
      {
          {{{"cmd", "fly"}}, "unknown command \"fly\""},
          {{{"cmd", "get"}, {"key", "00"}}, "get: missing \"bee\""},
          {{{"cmd", "writer"}, {"name", "w"}, {"seed", "00"}},
           "\"seed\" must be 32 bytes"},
          {{{"cmd", "reader"}, {"name", "r"}}, "reader: missing \"key\""},
          {{{"cmd", "reader"}, {"name", "r"}, {"key", std::string(64, 'z')}},
           "reader: \"key\" is not hex"},
          {{{"cmd", "connect"}}, "connect: missing \"port\""},
          {{{"cmd", "disconnect"}, {"conn", 9}}, "no open connection 9"},
          // Port 1 on loopback: nothing listens there.
          {{{"cmd", "connect"}, {"port", 1}}, "connect to 127.0.0.1:1 failed"},
      });
  Ok(*peer, {{"cmd", "writer"}, {"name", "w"}, {"seed", kWriterSeed}});
  CheckRefused(
      *peer,
      {
          {{{"cmd", "writer"}, {"name", "w"}, {"seed", kWriterSeed}},
           "bee w exists"},
          {{{"cmd", "put"}, {"key", "abc"}, {"value", "00"}},
           "\"key\" is not hex: \"abc\""},
          {{{"cmd", "append"}, {"ops", {{{"fly", 1}}}}},
           "is not put, del, batch or truncate"},
          {{{"cmd", "batch"}, {"ops", {{{"del", {{"key", "0g"}}}}}}},
           "\"key\" is not hex: \"0g\""},
          {{{"cmd", "range"}, {"gte", "xyz"}}, "range: \"gte\" is not hex"},
      });
  Ok(*peer, {{"cmd", "reader"}, {"name", "r"}, {"key", kWrongKey}});
  CheckRefused(
      *peer,
      {
          {{{"cmd", "info"}}, "missing \"bee\""},  // two bees: name one
          {{{"cmd", "put"}, {"bee", "r"}, {"key", "00"}, {"value", "00"}},
           "bee r is a reader"},
          {{{"cmd", "get"}, {"bee", "nope"}, {"key", "00"}},
           "no bee named \"nope\""},
      });
  CHECK(peer->Close().ok());
}

}  // namespace
}  // namespace bee::test
