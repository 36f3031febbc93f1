#include "tests/util/js_peer_ops.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <iostream>

#include "encoding/bytes.h"
#include "tests/util/node_runner.h"

namespace bee::test {

using nlohmann::json;

std::unique_ptr<NodeProcess> StartPeer() {
  auto peer = NodeProcess::Start();
  INFO(peer.status().ToString());
  REQUIRE(peer.ok());
  return std::move(*peer);
}

json Ok(NodeProcess& peer, const json& command) {
  auto reply = peer.CallOk(command);
  INFO(command.dump());
  INFO(reply.status().ToString());
  REQUIRE(reply.ok());
  return *reply;
}

std::string Hex(const std::string& s) { return HexEncode(s); }

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key-%04d", i);
  return Hex(buf);
}

json Put(int key, const std::string& value) {
  return {{"put", {{"key", Key(key)}, {"value", Hex(value)}}}};
}

json Del(int key) { return {{"del", {{"key", Key(key)}}}}; }

json WriterOps() {
  json ops = json::array();
  for (int b = 0; b < 3; b++) {
    json batch = json::array();
    for (int i = b; i < 300; i += 3) batch.push_back(Put(i, "v" + Key(i)));
    ops.push_back({{"batch", batch}});
  }
  for (int i = 0; i < 300; i += 17) ops.push_back(Put(i, "second"));
  for (int i = 5; i < 300; i += 23) ops.push_back(Del(i));
  return ops;
}

std::vector<json> Reads(const json& versions) {
  const int first = versions[0].get<int>();
  const int middle = versions[versions.size() / 2].get<int>();
  std::vector<json> reads = {
      {{"cmd", "get"}, {"key", Key(0)}},  // overwritten
      {{"cmd", "get"}, {"key", Key(1)}},
      {{"cmd", "get"}, {"key", Key(5)}},  // deleted
      {{"cmd", "get"}, {"key", Key(299)}},
      {{"cmd", "get"}, {"key", Hex("absent")}},
      {{"cmd", "get"}, {"key", Key(5)}, {"checkout", first}},
      {{"cmd", "get"}, {"key", Key(17)}, {"checkout", middle}},
      {{"cmd", "range"}},
      {{"cmd", "range"}, {"gte", Key(40)}, {"lt", Key(90)}},
      {{"cmd", "range"}, {"gt", Key(40)}, {"lte", Key(90)}, {"reverse", true}},
      {{"cmd", "range"}, {"limit", 7}},
      {{"cmd", "range"}, {"reverse", true}, {"limit", 5}},
      {{"cmd", "range"}, {"checkout", first}, {"gte", Key(100)}},
      {{"cmd", "diff"}, {"from", first}},
      {{"cmd", "diff"}, {"from", middle}, {"gte", Key(20)}, {"lt", Key(200)}},
      {{"cmd", "diff"}, {"checkout", middle}, {"from", first}, {"limit", 9}},
      {{"cmd", "history"}},
      {{"cmd", "history"}, {"gte", 10}, {"lt", 50}},
      {{"cmd", "history"}, {"reverse", true}, {"limit", 20}},
  };
  return reads;
}

void CheckSameAnswers(NodeProcess& writer, NodeProcess& reader,
                      const json& versions) {
  for (json read : Reads(versions)) {
    CAPTURE(read.dump());
    const json want = Ok(writer, read)["result"];
    const json got = Ok(reader, read)["result"];
    CHECK(got == want);
    if (read["cmd"] != "get") CHECK(!want.empty());
  }
}

Status ApplyOps(btree::Bee* bee, const json& ops) {
  auto bytes = [](const json& hex) {
    return HexDecode(hex.get<std::string>()).value();
  };
  for (const json& op : ops) {
    if (op.contains("put")) {
      BEE_RETURN_IF_ERROR(
          bee->Put(bytes(op["put"]["key"]), bytes(op["put"]["value"]))
              .status());
    } else if (op.contains("del")) {
      BEE_RETURN_IF_ERROR(bee->Del(bytes(op["del"]["key"])).status());
    } else if (op.contains("batch")) {
      BEE_ASSIGN_OR_RETURN(auto batch, bee->MakeBatch());
      for (const json& item : op["batch"]) {
        if (item.contains("put")) {
          BEE_RETURN_IF_ERROR(
              batch->Put(bytes(item["put"]["key"]), bytes(item["put"]["value"]))
                  .status());
        } else {
          BEE_RETURN_IF_ERROR(batch->Del(bytes(item["del"]["key"])).status());
        }
      }
      BEE_RETURN_IF_ERROR(batch->Flush());
    } else {
      return Status::InvalidArgument("unknown op " + op.dump());
    }
  }
  return Status::OK();
}

}  // namespace bee::test
