// History and diff reads against the real hyperbee 2.27.3 with every
// combination of bound kinds (none, gt, gte, both; none, lt, lte, both),
// bound values (negative, zero, inside, at the end), reverse and
// limit, on a seeded random workload with deletes and batches.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "btree/diff.h"
#include "btree/history.h"
#include "tests/util/node_runner.h"

namespace bee::btree {
namespace {

using nlohmann::json;

// Puts, deletes and batches over 10 keys; returns the JSON program and
// applies it to `bee`, recording the version after each op in `versions`.
json Workload(std::mt19937_64& rng, Bee* bee, std::vector<uint64_t>* versions) {
  auto key = [&] { return "k" + std::to_string(rng() % 10); };
  auto op = [&](auto* target) {
    const std::string k = key();
    if (rng() % 4 == 0) {
      REQUIRE(target->Del(k).ok());
      return json{{"del", {{"key", HexEncode(k)}, {"cas", nullptr}}}};
    }
    const std::string v = "v" + std::to_string(rng() % 100);
    REQUIRE(target->Put(k, v).ok());
    return json{
        {"put",
         {{"key", HexEncode(k)}, {"value", HexEncode(v)}, {"cas", nullptr}}}};
  };
  json ops = json::array();
  for (int i = 0; i < 30; i++) {
    if (i % 7 == 3) {
      auto batch = bee->MakeBatch().value();
      json list = json::array();
      for (uint64_t j = 0, n = 2 + rng() % 4; j < n; j++) {
        list.push_back(op(batch.get()));
      }
      REQUIRE(batch->Flush().ok());
      ops.push_back({{"batch", list}});
    } else {
      ops.push_back(op(bee));
    }
    versions->push_back(bee->version());
  }
  return {{"seed", std::string(64, '5')}, {"metadata", nullptr}, {"ops", ops}};
}

// Every history read: lower bound none / gt / gte / gt and gte, upper none /
// lt / lte / lt and lte, over values from counted-back ones to the end,
// each forward and reverse, with no limit, 0 and 2.
json HistoryReads(int64_t version) {
  const std::vector<int64_t> values = {-3, 0, 1, 7, version - 1, version};
  std::vector<json> lowers = {json::object()}, uppers = {json::object()};
  for (int64_t v : values) {
    lowers.push_back({{"gt", v}});
    lowers.push_back({{"gte", v}});
    lowers.push_back({{"gt", v}, {"gte", 5}});
    uppers.push_back({{"lt", v}});
    uppers.push_back({{"lt", v}, {"lte", version - 5}});
    // Not lte the version: hyperbee then reads past its end and fails the
    // whole read (SNAPSHOT_NOT_AVAILABLE), where HistoryIterator stops.
    if (v < version) uppers.push_back({{"lte", v}});
  }
  json reads = json::array();
  for (const json& lower : lowers) {
    for (const json& upper : uppers) {
      for (bool reverse : {false, true}) {
        for (int limit : {-1, 0, 2}) {
          json h = lower;
          h.update(upper);
          if (reverse) h["reverse"] = true;
          if (limit >= 0) h["limit"] = limit;
          reads.push_back({{"history", h}});
        }
      }
    }
  }
  return reads;
}

// Diffs between pairs of versions with every key bound combination and
// limit (none, 0, 1, 3).
json DiffReads(const std::vector<uint64_t>& versions) {
  const std::vector<std::string> keys = {"k3", "k6", std::string("k6\0", 3)};
  std::vector<json> lowers = {json::object()}, uppers = {json::object()};
  for (const std::string& k : keys) {
    lowers.push_back({{"gt", HexEncode(k)}});
    lowers.push_back({{"gte", HexEncode(k)}});
    uppers.push_back({{"lt", HexEncode(k)}});
    uppers.push_back({{"lte", HexEncode(k)}});
  }
  lowers.push_back({{"gt", HexEncode("k6")}, {"gte", HexEncode("k1")}});
  uppers.push_back({{"lt", HexEncode("k3")}, {"lte", HexEncode("k8")}});
  const uint64_t last = versions.back(), middle = versions[versions.size() / 2];
  const std::vector<std::pair<uint64_t, uint64_t>> pairs = {
      {last, 1}, {last, middle}, {middle, last}, {versions[3], versions[2]}};
  json reads = json::array();
  for (const auto& [checkout, from] : pairs) {
    for (const json& lower : lowers) {
      for (const json& upper : uppers) {
        for (int limit : {-1, 0, 1, 3}) {
          json d = lower;
          d.update(upper);
          d["from"] = from;
          if (limit >= 0) d["limit"] = limit;
          reads.push_back({{"checkout", checkout}, {"diff", d}});
        }
      }
    }
  }
  return reads;
}

std::optional<std::string> KeyBound(const json& r, const char* name) {
  if (!r.contains(name)) return std::nullopt;
  return HexDecode(r[name].get<std::string>()).value();
}

std::optional<int64_t> SeqBound(const json& r, const char* name) {
  if (!r.contains(name)) return std::nullopt;
  return r[name].get<int64_t>();
}

json EntryJson(const std::optional<Entry>& e) {
  if (!e) return nullptr;
  return {{"seq", e->seq},
          {"key", HexEncode(e->key)},
          {"value", e->value ? json(HexEncode(*e->value)) : json(nullptr)}};
}

json OurHistory(const Bee& bee, const json& h) {
  HistoryOptions o;
  o.gt = SeqBound(h, "gt");
  o.gte = SeqBound(h, "gte");
  o.lt = SeqBound(h, "lt");
  o.lte = SeqBound(h, "lte");
  o.reverse = h.value("reverse", false);
  o.limit = h.value("limit", int64_t{-1});
  HistoryIterator it(bee.Checkout(bee.version()).value(), o);
  json out = json::array();
  while (true) {
    auto e = it.Next();
    REQUIRE(e.ok());
    if (!e->has_value()) return out;
    const HistoryEntry& x = **e;
    out.push_back(
        {{"type", x.type == HistoryEntry::Type::kDel ? "del" : "put"},
         {"seq", x.seq},
         {"key", HexEncode(x.key)},
         {"value", x.value ? json(HexEncode(*x.value)) : json(nullptr)}});
  }
}

json OurDiff(const Bee& bee, uint64_t checkout, const json& d) {
  DiffOptions o{KeyBound(d, "gt"), KeyBound(d, "gte"), KeyBound(d, "lt"),
                KeyBound(d, "lte"), d.value("limit", int64_t{-1})};
  DiffIterator it(bee.Checkout(checkout).value(),
                  bee.Checkout(d["from"].get<uint64_t>()).value(), o);
  json out = json::array();
  while (true) {
    auto e = it.Next();
    REQUIRE(e.ok());
    if (!e->has_value()) return out;
    out.push_back(
        {{"left", EntryJson((*e)->left)}, {"right", EntryJson((*e)->right)}});
  }
}

TEST_CASE("history and diff reads with every bound and limit equal hyperbee's",
          "[interop]") {
  const uint64_t seed = Catch::rngSeed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  auto bee = Bee::CreateInMemory(
                 log::KeyPair::FromSeed(
                     HexDecodeFixed<32>(std::string(64, '5'), "seed").value()))
                 .value();
  std::vector<uint64_t> versions;
  json program = Workload(rng, bee.get(), &versions);
  json reads = HistoryReads(static_cast<int64_t>(bee->version()));
  const size_t history_reads = reads.size();
  for (const json& r : DiffReads(versions)) reads.push_back(r);
  program["reads"] = reads;
  auto js = test::RunNodeScript("bee.js", program);
  INFO(js.status().ToString());
  REQUIRE(js.ok());
  REQUIRE((*js)["versions"] == json(versions));
  REQUIRE((*js)["reads"].size() == reads.size());
  size_t nonempty = 0;
  for (size_t i = 0; i < reads.size(); i++) {
    const json& r = reads[i];
    CAPTURE(i, r.dump());
    const json ours =
        i < history_reads
            ? OurHistory(*bee, r["history"])
            : OurDiff(*bee, r["checkout"].get<uint64_t>(), r["diff"]);
    CHECK(ours == (*js)["reads"][i]);
    if (!ours.empty()) nonempty++;
  }
  // Not a comparison of empty answers: about a third select something
  // (limit 0 and empty bounds select nothing).
  CHECK(nonempty > reads.size() / 5);
}

}  // namespace
}  // namespace bee::btree
