#include <catch2/catch.hpp>
#include <thread>

#include "btree/sub.h"
#include "btree/watch.h"
#include "tests/util/bee_replay.h"

namespace bee::btree {
namespace {

TEST_CASE("sub-databases use hyperbee's key layout", "[btree]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  SubDb s = SubDb::Of(bee.get(), "s");
  REQUIRE(s.Put("x", "1").ok());
  SubDb t = SubDb::Of(bee.get(), "s", "/").Sub("t");
  REQUIRE(t.Put("y", "2").ok());
  REQUIRE(s.Put("", "empty").ok());
  // Stored keys, as in scenario A: 73 00 78 and 73 2f 74 00 79.
  CHECK(bee->Get(std::string("s\0x", 3))->value().value == "1");
  CHECK(bee->Get(std::string("s/t\0y", 5))->value().value == "2");
  CHECK(s.Get("x")->value().key == "x");
  CHECK(s.Get("")->value().value == "empty");
  // The empty sub-key is invisible to ranges, as in hyperbee.
  SubRangeIterator it(s, bee->GetSnapshot().value(), {});
  auto first = it.Next();
  REQUIRE(first->has_value());
  CHECK((*first)->key == "x");
  CHECK_FALSE(it.Next()->has_value());
  // Bounds are user-level keys.
  REQUIRE(s.Put("y", "3").ok());
  RangeOptions o;
  o.gt = "x";
  SubRangeIterator bounded(s, bee->GetSnapshot().value(), o);
  CHECK(bounded.Next()->value().key == "y");
  CHECK_FALSE(bounded.Next()->has_value());
}

TEST_CASE("scenario A's sub puts are byte-identical through SubDb", "[btree]") {
  const nlohmann::json& a = test::Scenario("A");
  auto bee = test::NewScenarioBee(a);
  for (const nlohmann::json& step : a["steps"]) {
    std::string op = step["op"];
    if (op.find("sub") != std::string::npos && step["spec"][0] == "put") {
      // Replay the sub puts through the API instead of raw keys.
      std::string key = HexDecode(step["spec"][1].get<std::string>()).value();
      std::string value = HexDecode(step["spec"][2].get<std::string>()).value();
      if (key[1] == '/') {
        REQUIRE(SubDb::Of(bee.get(), "s", "/")
                    .Sub("t")
                    .Put(key.substr(4), value)
                    .ok());
      } else {
        REQUIRE(SubDb::Of(bee.get(), "s").Put(key.substr(2), value).ok());
      }
    } else {
      REQUIRE(test::ApplyRecordedOp(bee.get(), step["spec"], true));
    }
    for (const nlohmann::json& b : step["blocks"]) {
      uint64_t seq = b["seq"];
      if (seq > 0) CHECK(HexEncode(bee->core().Get(seq).value()) == b["hex"]);
    }
  }
}

TEST_CASE("a watcher yields the versions that change its range", "[btree]") {
  auto bee = Bee::CreateInMemory(log::KeyPair::FromSeed(log::Seed{})).value();
  DiffOptions range;
  range.gte = "b";
  range.lt = "c";
  Watcher w(bee.get(), range);
  CHECK_FALSE(w.Next(std::chrono::milliseconds(5))->has_value());
  REQUIRE(bee->Put("a", "outside").ok());
  REQUIRE(bee->Put("b1", "inside").ok());
  auto e = w.Next(std::chrono::seconds(5));
  REQUIRE(e.ok());
  REQUIRE(e->has_value());
  CHECK((*e)->current.version() == 3);
  CHECK((*e)->previous.version() == 1);
  REQUIRE((*e)->changes.size() == 1);
  CHECK((*e)->changes[0].left->key == "b1");
  // Catch2's assertions are not thread-safe: the writer records its status
  // and this thread checks it after the join.
  Status del_status;
  std::thread writer([&] { del_status = bee->Del("b1").status(); });
  auto del = w.Next(std::chrono::seconds(10));
  writer.join();
  REQUIRE(del_status.ok());
  REQUIRE(del.ok());
  REQUIRE(del->has_value());
  CHECK_FALSE((*del)->changes[0].left.has_value());
  CHECK((*del)->changes[0].right->key == "b1");
  w.Cancel();
  CHECK_FALSE(w.Next(std::chrono::seconds(10))->has_value());
}

}  // namespace
}  // namespace bee::btree
