// The tree against the real hyperbee 2.27.3: fresh seeded random workloads
// (puts with and without values, deletes, cas refusals, batches of 1-120
// ops and now and then of 128-427, which the writer encodes on two threads,
// small and large key spaces) must give the same blocks, tree hash and
// signature; reads at random versions must give the same answers; and a feed
// written by JS, imported with its signature verified, must read the same.
#include <catch2/catch.hpp>
#include <random>

#include "btree/diff.h"
#include "btree/history.h"
#include "btree/iterator.h"
#include "encoding/block_codec.h"
#include "log/proof.h"
#include "tests/util/fault_env.h"
#include "tests/util/node_runner.h"

namespace bee::btree {
namespace {

using nlohmann::json;

struct Workload {
  json program;
  std::vector<uint64_t> versions;  // filled from the JS result
};

std::string KeyHex(std::mt19937_64& rng, size_t space, bool big) {
  uint64_t k = rng() % space;
  std::string key = "k" + std::to_string(k);
  if (big) key += std::string(k % 50, static_cast<char>('a' + k % 26));
  if (k % 11 == 0) key.push_back('\0');
  return HexEncode(key);
}

json RandomOp(std::mt19937_64& rng, size_t space, bool big) {
  uint64_t r = rng() % 10;
  json cas = nullptr;
  if (rng() % 8 == 0) cas = HexEncode("v" + std::to_string(rng() % 5));
  if (r < 7) {
    json value = rng() % 12 == 0
                     ? json(nullptr)
                     : json(HexEncode("v" + std::to_string(rng() % 5)));
    return {
        {"put",
         {{"key", KeyHex(rng, space, big)}, {"value", value}, {"cas", cas}}}};
  }
  return {{"del", {{"key", KeyHex(rng, space, big)}, {"cas", cas}}}};
}

json RandomProgram(std::mt19937_64& rng, size_t space, bool big, int ops) {
  log::Seed seed;
  for (auto& b : seed) b = static_cast<uint8_t>(rng());
  json list = json::array();
  for (int i = 0; i < ops; i++) {
    if (rng() % 5 == 0) {
      json batch = json::array();
      uint64_t n = rng() % 6 == 0 ? 128 + rng() % 300 : 1 + rng() % 120;
      for (uint64_t j = 0; j < n; j++)
        batch.push_back(RandomOp(rng, space, big));
      list.push_back({{"batch", batch}});
    } else {
      list.push_back(RandomOp(rng, space, big));
    }
  }
  json metadata = nullptr;
  if (rng() % 2)
    metadata = {{"contentFeed", HexEncode(std::string(32, 'c'))},
                {"userData", HexEncode("u")}};
  return {{"seed", HexEncode(seed)}, {"metadata", metadata}, {"ops", list}};
}

CasFn CasOf(const json& op) {
  if (op["cas"].is_null()) return nullptr;
  std::string want = HexDecode(op["cas"].get<std::string>()).value();
  return [want](const Entry& prev, const Entry&) {
    return prev.value.has_value() && *prev.value == want;
  };
}

template <typename Target>
void ApplyOp(Target* t, const json& op) {
  if (op.contains("put")) {
    const json& p = op["put"];
    std::string key = HexDecode(p["key"].get<std::string>()).value();
    std::optional<std::string> value;
    if (!p["value"].is_null())
      value = HexDecode(p["value"].get<std::string>()).value();
    std::optional<std::string_view> v;
    if (value) v = *value;
    REQUIRE(t->Put(key, v, PutOptions{CasOf(p), true}).ok());
  } else {
    const json& d = op["del"];
    std::string key = HexDecode(d["key"].get<std::string>()).value();
    REQUIRE(t->Del(key, DelOptions{CasOf(d)}).ok());
  }
}

std::unique_ptr<Bee> Replay(const json& program) {
  auto seed =
      HexDecodeFixed<32>(program["seed"].get<std::string>(), "seed").value();
  std::optional<HeaderMetadata> metadata;
  if (!program["metadata"].is_null()) {
    metadata = HeaderMetadata{
        HexDecode(program["metadata"]["contentFeed"].get<std::string>())
            .value(),
        HexDecode(program["metadata"]["userData"].get<std::string>()).value()};
  }
  auto bee =
      Bee::CreateInMemory(log::KeyPair::FromSeed(seed), metadata).value();
  for (const json& op : program["ops"]) {
    if (op.contains("batch")) {
      auto batch = bee->MakeBatch().value();
      for (const json& o : op["batch"]) ApplyOp(batch.get(), o);
      REQUIRE(batch->Flush().ok());
    } else {
      ApplyOp(bee.get(), op);
    }
  }
  return bee;
}

json EntryJson(const std::optional<Entry>& e) {
  if (!e) return nullptr;
  return {{"seq", e->seq},
          {"key", HexEncode(e->key)},
          {"value", e->value ? json(HexEncode(*e->value)) : json(nullptr)}};
}

std::optional<std::string> Bound(const json& r, const char* name) {
  if (!r.contains(name)) return std::nullopt;
  return HexDecode(r[name].get<std::string>()).value();
}

// Runs one recorded read against our store, in the JS result's shape.
json OurRead(const Bee& bee, const json& r) {
  if (r.contains("history")) {
    HistoryOptions o;
    const json& h = r["history"];
    if (h.contains("gte")) o.gte = h["gte"].get<int64_t>();
    if (h.contains("lt")) o.lt = h["lt"].get<int64_t>();
    o.reverse = h.value("reverse", false);
    if (h.contains("limit")) o.limit = h["limit"].get<int64_t>();
    HistoryIterator it(bee.GetSnapshot().value(), o);
    json out = json::array();
    while (auto e = it.Next().value()) {
      out.push_back(
          {{"type", e->type == HistoryEntry::Type::kDel ? "del" : "put"},
           {"seq", e->seq},
           {"key", HexEncode(e->key)},
           {"value", e->value ? json(HexEncode(*e->value)) : json(nullptr)}});
    }
    return out;
  }
  Snapshot snap = bee.Checkout(r["checkout"].get<uint64_t>()).value();
  if (r.contains("get")) {
    return EntryJson(
        snap.Get(HexDecode(r["get"].get<std::string>()).value()).value());
  }
  if (r.contains("range")) {
    const json& g = r["range"];
    RangeOptions o{Bound(g, "gt"),
                   Bound(g, "gte"),
                   Bound(g, "lt"),
                   Bound(g, "lte"),
                   g.value("reverse", false),
                   g.value("limit", int64_t{-1})};
    RangeIterator it(snap, o);
    json out = json::array();
    while (auto e = it.Next().value()) out.push_back(EntryJson(e));
    return out;
  }
  const json& d = r["diff"];
  DiffOptions o{Bound(d, "gt"), Bound(d, "gte"), Bound(d, "lt"),
                Bound(d, "lte"), d.value("limit", int64_t{-1})};
  DiffIterator it(snap, bee.Checkout(d["from"].get<uint64_t>()).value(), o);
  json out = json::array();
  while (auto e = it.Next().value()) {
    out.push_back(
        {{"left", EntryJson(e->left)}, {"right", EntryJson(e->right)}});
  }
  return out;
}

json RandomReads(std::mt19937_64& rng, const std::vector<uint64_t>& versions,
                 size_t space, bool big) {
  json reads = json::array();
  auto version = [&] { return versions[rng() % versions.size()]; };
  auto bounds = [&](json* r) {
    std::string a = KeyHex(rng, space, big), b = KeyHex(rng, space, big);
    if (b < a) std::swap(a, b);
    if (rng() % 2) (*r)[rng() % 2 ? "gt" : "gte"] = a;
    if (rng() % 2) (*r)[rng() % 2 ? "lt" : "lte"] = b;
  };
  for (int i = 0; i < 12; i++) {
    reads.push_back(
        {{"checkout", version()}, {"get", KeyHex(rng, space, big)}});
  }
  for (int i = 0; i < 4; i++) {
    json r = json::object();
    bounds(&r);
    r["reverse"] = rng() % 2 == 0;
    if (rng() % 3 == 0) r["limit"] = rng() % 20;
    reads.push_back({{"checkout", version()}, {"range", r}});
  }
  for (int i = 0; i < 4; i++) {
    json d = {{"from", version()}};
    if (i > 1) bounds(&d);
    reads.push_back({{"checkout", version()}, {"diff", d}});
  }
  reads.push_back({{"history", {{"gte", -30}}}});
  reads.push_back({{"history", {{"reverse", true}, {"limit", 25}}}});
  return reads;
}

// An empty replica of the JS feed's key, in `env`.
std::unique_ptr<log::Core> ReplicaOf(const json& js, test::FaultEnv* env,
                                     const std::string& dir) {
  log::CoreOptions options;
  options.env = env;
  Hash32 key = HexDecodeFixed<32>(js["key"].get<std::string>(), "key").value();
  auto pk =
      HexDecodeFixed<32>(js["publicKey"].get<std::string>(), "pk").value();
  return log::Core::CreateReplica(dir, key, log::DefaultManifest(pk), options)
      .value();
}

std::vector<std::string> BlocksOf(const json& js) {
  std::vector<std::string> blocks;
  for (const json& b : js["blocks"]) {
    blocks.push_back(HexDecode(b.get<std::string>()).value());
  }
  return blocks;
}

void CheckSameLog(const Bee& bee, const json& js) {
  const log::Core& core = bee.core();
  REQUIRE(core.length() == js["length"].get<uint64_t>());
  std::string block;
  for (uint64_t i = 0; i < core.length(); i++) {
    CAPTURE(i);
    REQUIRE(core.Get(i, &block).ok());
    REQUIRE(HexEncode(block) == js["blocks"][i]);
  }
  CHECK(HexEncode(core.key()) == js["key"]);
  CHECK(HexEncode(core.tree_hash()) == js["treeHash"]);
  CHECK(HexEncode(core.signature()) == js["signature"]);
}

TEST_CASE("random workloads write what hyperbee writes and read as it reads",
          "[interop]") {
  const uint64_t seed = Catch::rngSeed();
  std::mt19937_64 rng(seed);
  struct Config {
    size_t space;
    bool big;
    int ops;
  } configs[] = {{15, false, 150}, {400, false, 250}, {100000, true, 200}};
  for (const Config& c : configs) {
    CAPTURE(seed, c.space);
    json program = RandomProgram(rng, c.space, c.big, c.ops);
    // First pass: the writes, to learn the versions; then reads at them.
    auto first = test::RunNodeScript("bee.js", program);
    REQUIRE(first.ok());
    auto ours = Replay(program);
    CheckSameLog(*ours, *first);
    std::vector<uint64_t> versions{1};
    for (const json& v : (*first)["versions"])
      versions.push_back(v.get<uint64_t>());
    program["reads"] = RandomReads(rng, versions, c.space, c.big);
    auto js = test::RunNodeScript("bee.js", program);
    REQUIRE(js.ok());
    for (size_t i = 0; i < program["reads"].size(); i++) {
      CAPTURE(i, program["reads"][i].dump());
      CHECK(OurRead(*ours, program["reads"][i]) == (*js)["reads"][i]);
    }

    // The JS feed, imported from its blocks and signature, reads the same.
    test::FaultEnv env;
    auto replica = ReplicaOf(*js, &env, "/import");
    std::string sig = HexDecode((*js)["signature"].get<std::string>()).value();
    REQUIRE(log::ImportLog(replica.get(), BlocksOf(*js),
                           (*js)["fork"].get<uint64_t>(), sig)
                .ok());
    auto imported = Bee::FromCore(std::move(replica)).value();
    for (size_t i = 0; i < program["reads"].size(); i++) {
      CAPTURE(i, program["reads"][i].dump());
      CHECK(OurRead(*imported, program["reads"][i]) == (*js)["reads"][i]);
    }
  }
}

// A root collapse inside a batch leaves the collapsed child's old reference
// in an earlier block of the batch, still holding that block's seq, so the
// earlier block encodes the node as it ends the batch, with references to
// later blocks. hyperbee compacts and encodes one block after the other, so
// those references carry the later blocks' offsets from before their
// compaction (here (D,1) where D keeps one level at offset 0).
TEST_CASE(
    "a block names later blocks of its batch by their offsets before "
    "compaction",
    "[interop]") {
  auto put = [](const std::string& k) {
    return json{
        {"put",
         {{"key", HexEncode(k)}, {"value", HexEncode("v")}, {"cas", nullptr}}}};
  };
  json ops = json::array();
  char key[8];
  // 49 ascending keys: a root with one key over two internal nodes of four
  // keys, over ten leaves of four keys.
  for (int i = 0; i < 49; i++) {
    std::snprintf(key, sizeof(key), "k%02d", i);
    ops.push_back(put(key));
  }
  // In one batch: a put into the first leaf (block S: root, A, leaf), a
  // delete that merges two leaves under A, then A with its sibling, and
  // collapses the root into A (block D), and a put under the old sibling.
  ops.push_back({{"batch",
                  {put("k01a"),
                   {{"del", {{"key", HexEncode("k11")}, {"cas", nullptr}}}},
                   put("k46a")}}});
  json program = {
      {"seed", std::string(64, '5')}, {"metadata", nullptr}, {"ops", ops}};
  auto js = test::RunNodeScript("bee.js", program);
  REQUIRE(js.ok());
  auto ours = Replay(program);
  CheckSameLog(*ours, *js);
  // Block S (the batch's first, seq 50) keeps the leaf at level 0 and A at
  // level 1, naming D (seq 51, one level left) at offset 1; the final block
  // names it at offset 0.
  NodeBlock s = DecodeNodeBlock(ours->core().Get(50).value()).value();
  REQUIRE(s.levels.size() == 2);
  CHECK(s.levels[1].children == std::vector<uint64_t>{50, 0, 51, 1, 24, 1, 29,
                                                      1, 34, 1, 39, 1, 44, 1,
                                                      49, 3, 52, 1});
  CHECK(DecodeNodeBlock(ours->core().Get(51).value())->levels.size() == 1);
  NodeBlock last = DecodeNodeBlock(ours->core().Get(52).value()).value();
  CHECK(last.levels[0].children[3] == 0);
}

TEST_CASE("a JS feed with a wrong signature is refused on import",
          "[interop]") {
  json program = {
      {"seed", std::string(64, '9')},
      {"metadata", nullptr},
      {"ops",
       json::array(
           {{{"put", {{"key", "61"}, {"value", "62"}, {"cas", nullptr}}}}})}};
  auto js = test::RunNodeScript("bee.js", program);
  REQUIRE(js.ok());
  test::FaultEnv env;
  auto replica = ReplicaOf(*js, &env, "/bad");
  std::vector<std::string> blocks = BlocksOf(*js);
  std::string sig = HexDecode((*js)["signature"].get<std::string>()).value();
  sig[10] ^= 1;
  CHECK(log::ImportLog(replica.get(), blocks, 0, sig).IsVerificationFailed());
  sig[10] ^= 1;
  blocks[1][3] ^= 1;
  CHECK(log::ImportLog(replica.get(), blocks, 0, sig).IsVerificationFailed());
  CHECK(replica->length() == 0);
}

}  // namespace
}  // namespace bee::btree
