// A bee remote reader (remote::RemoteBee) of a JS hyperbee 2.27.3 writer
// served by hypercore 11.39.5 over TCP loopback: gets and ranges through
// the sparse replica give exactly the JS writer's answers, fetching only
// some of its blocks, each verified.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "btree/iterator.h"
#include "encoding/bytes.h"
#include "remote/remote_store.h"
#include "tests/util/js_peer_ops.h"
#include "tests/util/node_process.h"

namespace bee::test {
namespace {

using nlohmann::json;

json EntryJson(const btree::Entry& e) {
  return {{"seq", e.seq},
          {"key", HexEncode(e.key)},
          {"value", e.value ? json(HexEncode(*e.value)) : json(nullptr)}};
}

TEST_CASE(
    "remote read interop: a bee reader of a JS writer answers as it "
    "does",
    "[interop][remote]") {
  if (SkipWithoutNode()) return;
  std::unique_ptr<NodeProcess> js = StartPeer();
  const json created =
      Ok(*js, {{"cmd", "writer"}, {"name", "w"}, {"seed", kWriterSeed}});
  const json versions =
      Ok(*js, {{"cmd", "append"}, {"ops", WriterOps()}})["versions"];
  const int port = Ok(*js, {{"cmd", "listen"}})["port"];
  const std::string url = "bee://127.0.0.1:" + std::to_string(port) + "/" +
                          created["key"].get<std::string>();

  remote::RemoteOptions options;
  options.timeout = std::chrono::seconds(20);
  auto remote = remote::RemoteBee::Open(url, options);
  INFO(remote.status().ToString());
  REQUIRE(remote.ok());
  btree::Bee& bee = (*remote)->bee();
  const uint64_t length = versions.back().get<uint64_t>();
  CHECK(bee.core().length() == length);

  for (int k : {0, 17, 150, 299, 5000}) {
    const json want = Ok(*js, {{"cmd", "get"}, {"key", Key(k)}})["result"];
    auto got = bee.Get(HexDecode(Key(k)).value());
    REQUIRE(got.ok());
    CAPTURE(k);
    CHECK((got->has_value() ? EntryJson(**got) : json(nullptr)) == want);
  }
  const remote::RemoteStats after_gets = (*remote)->stats();
  CHECK(after_gets.blocks > 0);
  CHECK(after_gets.blocks < length / 2);

  btree::RangeOptions o;
  o.gte = HexDecode(Key(100)).value();
  o.lt = HexDecode(Key(160)).value();
  const json want = Ok(
      *js, {{"cmd", "range"}, {"gte", Key(100)}, {"lt", Key(160)}})["result"];
  json got = json::array();
  btree::RangeIterator it(bee.GetSnapshot().value(), o);
  while (true) {
    auto e = it.Next();
    REQUIRE(e.ok());
    if (!e->has_value()) break;
    got.push_back(EntryJson(**e));
  }
  CHECK(got.size() > 10);
  CHECK(got == want);
  CHECK((*remote)->stats().round_trips > after_gets.round_trips);
  REQUIRE((*remote)->Close().ok());
}

}  // namespace
}  // namespace bee::test
