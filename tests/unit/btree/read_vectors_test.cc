// Reads of scenario A as recorded from hyperbee 2.27.3 (at length 46, before
// the truncation): get, range, peek, sub ranges, history, diff, checkout.
#include <catch2/catch.hpp>

#include "btree/diff.h"
#include "btree/history.h"
#include "btree/iterator.h"
#include "tests/util/bee_replay.h"
#include "tests/util/drain.h"
#include "tests/util/vectors.h"

namespace bee::btree {
namespace {

using nlohmann::json;

std::unique_ptr<Bee> ScenarioAAt46() {
  const json& a = test::Scenario("A");
  auto bee = test::NewScenarioBee(a);
  for (const json& step : a["steps"]) {
    if (step["spec"][0] == "truncate") break;
    REQUIRE(test::ApplyRecordedOp(bee.get(), step["spec"], true));
  }
  REQUIRE(bee->version() == 46);
  return bee;
}

const json& Reads() { return test::Scenario("A")["reads"]; }

std::vector<std::string> Keys(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) out.push_back(e.key);
  return out;
}

void CheckEntry(const std::optional<Entry>& got, const json& want) {
  if (want.is_null()) {
    CHECK_FALSE(got.has_value());
    return;
  }
  REQUIRE(got.has_value());
  if (want.contains("seq")) CHECK(got->seq == want["seq"].get<uint64_t>());
  CHECK(got->key == want["key"].get<std::string>());
  if (want["value"].is_null()) {
    CHECK_FALSE(got->value.has_value());
  } else {
    CHECK(got->value == want["value"].get<std::string>());
  }
}

TEST_CASE("get and get_by_seq as hyperbee", "[btree]") {
  auto bee = ScenarioAAt46();
  CheckEntry(*bee->Get("k"), Reads()["get_k"]);
  CheckEntry(*bee->Get("b"), Reads()["get_b"]);
  CheckEntry(*bee->Get("c"), Reads()["get_c"]);
  CheckEntry(*bee->Get("nv"), Reads()["get_nv"]);
  auto by_seq = bee->GetBySeq(5);
  REQUIRE(by_seq.ok());
  CheckEntry(*by_seq, Reads()["getBySeq_5"]);
  auto header = bee->GetHeader();
  REQUIRE(header.ok());
  CHECK(header->protocol == "hyperbee");
  CHECK_FALSE(header->metadata.has_value());
}

TEST_CASE("range iteration as hyperbee", "[btree]") {
  auto bee = ScenarioAAt46();
  auto all = test::Drain(RangeIterator(bee->GetSnapshot().value(), {}));
  const json& want = Reads()["range_all_keys"];
  REQUIRE(all.size() == want.size());
  for (size_t i = 0; i < all.size(); i++) {
    CHECK(all[i].seq == want[i][0].get<uint64_t>());
    CHECK(all[i].key == want[i][1].get<std::string>());
  }
  RangeOptions o;
  o.gt = "f";
  o.lte = "m";
  CHECK(Keys(test::Drain(RangeIterator(bee->GetSnapshot().value(), o))) ==
        Reads()["range_gt_f_lte_m"].get<std::vector<std::string>>());
  RangeOptions r;
  r.reverse = true;
  r.limit = 3;
  CHECK(Keys(test::Drain(RangeIterator(bee->GetSnapshot().value(), r))) ==
        Reads()["range_reverse_limit3"].get<std::vector<std::string>>());
  RangeOptions p;
  p.gte = "n";
  CheckEntry(*Peek(bee->GetSnapshot().value(), p), Reads()["peek_gte_n"]);
  // A sub-database's default range: gt prefix‖00, lt prefix+1 (§9).
  RangeOptions sub;
  sub.gt = std::string("s\0\0", 3);
  sub.lt = std::string("s\x01", 2);
  auto in_sub = test::Drain(RangeIterator(bee->GetSnapshot().value(), sub));
  REQUIRE(in_sub.size() == 1);
  CHECK(in_sub[0].key.substr(2) == Reads()["sub_s"][0][0].get<std::string>());
  CHECK(in_sub[0].value == Reads()["sub_s"][0][1].get<std::string>());
  // gt wins over gte, lt over lte.
  RangeOptions both;
  both.gt = "b";
  both.gte = "b";
  both.lt = "d";
  both.lte = "d";
  CHECK(Keys(test::Drain(RangeIterator(bee->GetSnapshot().value(), both))) ==
        std::vector<std::string>{"ba"});
  RangeOptions none;
  none.limit = 0;
  CHECK(test::Drain(RangeIterator(bee->GetSnapshot().value(), none)).empty());
}

TEST_CASE("checkouts as hyperbee", "[btree]") {
  auto bee = ScenarioAAt46();
  auto v10 = bee->Checkout(Reads()["checkout10_version"].get<uint64_t>());
  REQUIRE(v10.ok());
  CHECK(Keys(test::Drain(RangeIterator(*v10, {}))) ==
        Reads()["checkout10_keys"].get<std::vector<std::string>>());
  // Blocks 37..41 are one batch: versions 38..41 end inside it.
  for (uint64_t v = 38; v <= 41; v++) {
    auto mid = bee->Checkout(v);
    REQUIRE_FALSE(mid.ok());
    CHECK(mid.status().message().find("inside a batch") != std::string::npos);
  }
  CHECK(bee->Checkout(37).ok());
  CHECK(bee->Checkout(42).ok());
  CHECK(bee->Checkout(47).status().IsInvalidArgument());
  CHECK(bee->Checkout(0).ok());
}

TEST_CASE("history as hyperbee", "[btree]") {
  auto bee = ScenarioAAt46();
  HistoryOptions last5;
  last5.gte = -5;
  HistoryIterator it(bee->GetSnapshot().value(), last5);
  for (const json& want : Reads()["history_last5"]) {
    auto e = it.Next();
    REQUIRE(e.ok());
    REQUIRE(e->has_value());
    CHECK(((*e)->type == HistoryEntry::Type::kDel ? "del" : "put") == want[0]);
    CHECK((*e)->seq == want[1].get<uint64_t>());
    CHECK((*e)->key == want[2].get<std::string>());
  }
  CHECK_FALSE(it.Next()->has_value());
  HistoryOptions rev;
  rev.reverse = true;
  rev.limit = 4;
  HistoryIterator r(bee->GetSnapshot().value(), rev);
  for (const json& want : Reads()["history_reverse_limit4"]) {
    auto e = r.Next();
    REQUIRE(e.ok());
    REQUIRE(e->has_value());
    CHECK((*e)->seq == want[1].get<uint64_t>());
  }
  CHECK_FALSE(r.Next()->has_value());
  HistoryOptions zero;
  zero.lt = 0;
  CHECK_FALSE(
      HistoryIterator(bee->GetSnapshot().value(), zero).Next()->has_value());
  HistoryOptions bad;
  bad.live = true;
  bad.reverse = true;
  CHECK(HistoryIterator(bee->GetSnapshot().value(), bad)
            .Next()
            .status()
            .IsInvalidArgument());
}

TEST_CASE("diff as hyperbee", "[btree]") {
  auto bee = ScenarioAAt46();
  DiffIterator it(bee->GetSnapshot().value(), *bee->Checkout(27), {});
  auto side = [](const std::optional<Entry>& e, const json& want) {
    if (want.is_null()) {
      CHECK_FALSE(e.has_value());
      return;
    }
    REQUIRE(e.has_value());
    CHECK(e->seq == want[0].get<uint64_t>());
    CHECK(e->key == want[1].get<std::string>());
  };
  for (const json& want : Reads()["diff_from_v27"]) {
    auto d = it.Next();
    REQUIRE(d.ok());
    REQUIRE(d->has_value());
    side((*d)->left, want[0]);
    side((*d)->right, want[1]);
  }
  CHECK_FALSE(it.Next()->has_value());
}

}  // namespace
}  // namespace bee::btree
