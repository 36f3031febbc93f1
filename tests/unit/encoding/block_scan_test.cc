// ScanNodeBlock + NodeLevelReader against DecodeNodeBlock (libprotobuf):
// the same accept/reject and the same values on the recorded blocks, on
// random blocks written with every freedom of the wire format, on mutations
// of both and on random bytes; and one hand-built case per wire rule.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "encoding/block_codec.h"
#include "encoding/bytes.h"
#include "encoding/limits.h"
#include "encoding/varint.h"
#include "tests/util/scan_decode.h"
#include "tests/util/vectors.h"

namespace bee {
namespace {

using nlohmann::json;
using test::CompareDecoders;
using test::DecodeByScan;
using test::Unhex;
using test::Vectors;

// Every node block of the recorded vectors.
std::vector<std::string> VectorBlocks() {
  std::vector<std::string> blocks;
  for (const json& scenario : Vectors()["scenarios"]) {
    if (scenario.contains("steps")) {
      for (const json& step : scenario["steps"]) {
        for (const json& b : step["blocks"]) {
          if (!b["decoded"].contains("header"))
            blocks.push_back(Unhex(b["hex"]));
        }
      }
    }
    if (scenario.contains("finalBlocks")) {
      const json& all = scenario["finalBlocks"];
      for (size_t i = 1; i < all.size(); i++) blocks.push_back(Unhex(all[i]));
    }
  }
  return blocks;
}

// Inside a group every field is unknown.
bool AnyKnows(uint32_t, uint32_t) { return false; }

// Wire bytes built by hand. Varints, tags and lengths may take more bytes
// than they need (as protobuf allows), up to the most libprotobuf reads.
class WireWriter {
 public:
  explicit WireWriter(std::mt19937_64* rng) : rng_(*rng) {}

  // v in `bytes` bytes (at least its minimal length).
  static void PutVarint(std::string* out, uint64_t v, size_t bytes) {
    for (size_t i = 0; i + 1 < bytes; i++) {
      out->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out->push_back(static_cast<char>(v));
  }
  // Minimal, or now and then padded up to `max` bytes.
  void Varint(std::string* out, uint64_t v, size_t max) {
    size_t n = VarintLength(v);
    if (n < max && rng_() % 8 == 0) n += rng_() % (max - n + 1);
    PutVarint(out, v, n);
  }
  void Tag(std::string* out, uint32_t number, uint32_t type) {
    Varint(out, uint64_t{number} << 3 | type, 5);
  }
  void Len(std::string* out, uint32_t number, std::string_view payload) {
    Tag(out, number, 2);
    Varint(out, payload.size(), 5);
    out->append(payload);
  }
  uint64_t Number() { return rng_() >> (rng_() % 64); }
  std::string Bytes(size_t max) {
    std::string s(rng_() % (max + 1), '\0');
    for (char& c : s) c = static_cast<char>(rng_());
    return s;
  }

  // An unknown field: a number and wire type the message does not read
  // (`known(number, type)` says which it reads), with a payload of that
  // type; groups nest up to `depth` more.
  using Known = bool (*)(uint32_t number, uint32_t type);
  void Unknown(std::string* out, Known known, int depth) {
    uint32_t number, type;
    do {
      number = rng_() % 4 == 0 ? 1 + static_cast<uint32_t>(rng_() % 536870911)
                               : 1 + static_cast<uint32_t>(rng_() % 6);
      const uint32_t types[] = {0, 1, 2, 3, 5};
      type = types[rng_() % 5];
      if (type == 3 && depth <= 0) type = 5;
    } while (known(number, type));
    Tag(out, number, type);
    switch (type) {
      case 0:
        Varint(out, Number(), 10);
        break;
      case 1:
        for (int i = 0; i < 8; i++) out->push_back(static_cast<char>(rng_()));
        break;
      case 2: {
        const std::string payload = Bytes(12);
        Varint(out, payload.size(), 5);
        out->append(payload);
        break;
      }
      case 3: {
        const size_t fields = rng_() % 3;
        for (size_t i = 0; i < fields; i++) {
          Unknown(out, AnyKnows, depth - 1);
        }
        Tag(out, number, 4);
        break;
      }
      case 5:
        for (int i = 0; i < 4; i++) out->push_back(static_cast<char>(rng_()));
        break;
    }
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64& rng_;
};

bool NodeKnows(uint32_t number, uint32_t type) {
  return number >= 1 && number <= 3 && type == 2;
}
bool IndexKnows(uint32_t number, uint32_t type) {
  return number == 1 && type == 2;
}
bool LevelKnows(uint32_t number, uint32_t type) {
  return (number == 1 || number == 2) && (type == 0 || type == 2);
}

// `values` as a mix of packed runs and single varints of field `number`.
void PutRepeated(WireWriter* w, std::string* out, uint32_t number,
                 const std::vector<uint64_t>& values) {
  size_t i = 0;
  while (i < values.size() || w->rng()() % 6 == 0) {
    if (w->rng()() % 3 == 0) {
      w->Unknown(out, LevelKnows, 2);
      continue;
    }
    if (i < values.size() && w->rng()() % 2 == 0) {
      w->Tag(out, number, 0);
      w->Varint(out, values[i++], 10);
      continue;
    }
    const size_t n = std::min(values.size() - i, size_t(w->rng()() % 4));
    std::string run;
    for (size_t j = 0; j < n; j++) w->Varint(&run, values[i++], 10);
    w->Len(out, number, run);  // possibly empty
  }
}

// A level: keys and children in chunks, in either order.
std::string PutLevel(WireWriter* w, const IndexLevel& level) {
  std::string keys, children;
  PutRepeated(w, &keys, 1, level.keys);
  PutRepeated(w, &children, 2, level.children);
  return w->rng()() % 2 == 0 ? keys + children : children + keys;
}

// `node` written with every freedom: fields in any order, earlier
// occurrences (even invalid) overwritten by later ones, unknown fields
// everywhere, non-minimal varints, packed and unpacked runs.
std::string PutNode(WireWriter* w, const NodeBlock& node) {
  std::mt19937_64& rng = w->rng();
  std::string index;
  for (const IndexLevel& level : node.levels) {
    if (rng() % 4 == 0) w->Unknown(&index, IndexKnows, 3);
    w->Len(&index, 1, PutLevel(w, level));
  }
  std::vector<std::string> fields;
  auto field = [&](uint32_t number, const std::string& payload) {
    std::string f;
    if (rng() % 5 == 0) w->Len(&f, number, w->Bytes(6));  // overwritten
    w->Len(&f, number, payload);
    fields.push_back(f);
  };
  field(1, index);
  field(2, node.key);
  if (node.value) field(3, *node.value);
  std::shuffle(fields.begin(), fields.end(), rng);
  std::string out;
  for (const std::string& f : fields) {
    if (rng() % 3 == 0) w->Unknown(&out, NodeKnows, 3);
    out += f;
  }
  return out;
}

NodeBlock RandomNode(WireWriter* w) {
  std::mt19937_64& rng = w->rng();
  NodeBlock node;
  node.levels.resize(rng() % 6);
  for (IndexLevel& level : node.levels) {
    level.keys.resize(rng() % (kMaxKeysPerLevel + 1));
    for (uint64_t& k : level.keys) k = w->Number();
    level.children.resize(2 * (rng() % (kMaxChildrenPerLevel + 1)));
    for (uint64_t& c : level.children) c = w->Number();
  }
  node.key = w->Bytes(rng() % 10 == 0 ? 200 : 8);
  if (rng() % 3 != 0) node.value = w->Bytes(rng() % 10 == 0 ? 300 : 8);
  return node;
}

std::string Mutate(std::mt19937_64& rng, std::string s) {
  const size_t edits = 1 + rng() % 3;
  for (size_t e = 0; e < edits; e++) {
    const size_t at = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 7) {
      case 0:  // flip a bit
        if (!s.empty()) s[at] = static_cast<char>(s[at] ^ (1 << (rng() % 8)));
        break;
      case 1:  // a random byte
        if (!s.empty()) s[at] = static_cast<char>(rng());
        break;
      case 2:  // an inserted byte
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(at),
                 static_cast<char>(rng()));
        break;
      case 3:  // a deleted run
        s.erase(at, 1 + rng() % 4);
        break;
      case 4:  // truncated
        s.resize(at);
        break;
      case 5:  // a duplicated run
        s.insert(at, s.substr(at, 1 + rng() % 8));
        break;
      case 6: {  // a byte that often matters: a tag, a length, a limit
        const char interesting[] = {0x00,   0x08,   0x0a, 0x0c, 0x0b,
                                    0x12,   0x10,   0x1a, 0x0e, 0x0f,
                                    '\x80', '\xff', 0x7f};
        if (!s.empty()) s[at] = interesting[rng() % sizeof(interesting)];
        break;
      }
    }
  }
  return s;
}

struct Tally {
  size_t accepted = 0, rejected = 0;
  void Add(std::string_view bytes) {
    (DecodeNodeBlock(bytes).ok() ? accepted : rejected)++;
  }
};

TEST_CASE("scan: every recorded block, and every prefix of it, as libprotobuf",
          "[encoding][scan]") {
  const std::vector<std::string> blocks = VectorBlocks();
  REQUIRE(blocks.size() > 1000);
  Tally prefixes;
  for (const std::string& block : blocks) {
    INFO("block " << HexEncode(block));
    REQUIRE(DecodeByScan(block).ok());
    REQUIRE(CompareDecoders(block) == "");
    for (size_t n = 0; n < block.size(); n++) {
      INFO("prefix " << n);
      REQUIRE(CompareDecoders(block.substr(0, n)) == "");
      prefixes.Add(block.substr(0, n));
    }
  }
  CHECK(prefixes.accepted > 0);
  CHECK(prefixes.rejected > prefixes.accepted);
}

TEST_CASE("scan: random blocks written with every freedom of the format",
          "[encoding][scan]") {
  const uint64_t seed = Catch::rngSeed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  WireWriter w(&rng);
  for (int round = 0; round < 3000; round++) {
    const NodeBlock node = RandomNode(&w);
    const std::string bytes = PutNode(&w, node);
    INFO("round " << round << ": " << HexEncode(bytes));
    auto reference = DecodeNodeBlock(bytes);
    REQUIRE(reference.ok());
    REQUIRE(*reference == node);  // the writer's claim, held by libprotobuf
    auto scanned = DecodeByScan(bytes);
    REQUIRE(scanned.ok());
    REQUIRE(*scanned == node);
  }
}

TEST_CASE("scan: mutated, truncated and random bytes, as libprotobuf",
          "[encoding][scan]") {
  const uint64_t seed = Catch::rngSeed();
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  WireWriter w(&rng);
  const std::vector<std::string> recorded = VectorBlocks();
  Tally tally;
  for (int round = 0; round < 20000; round++) {
    std::string base;
    switch (round % 4) {
      case 0:
        base = recorded[rng() % recorded.size()];
        break;
      case 1:
      case 2:
        base = PutNode(&w, RandomNode(&w));
        break;
      case 3:
        base = w.Bytes(40);  // random bytes, mutated below too
        break;
    }
    const std::string bytes = Mutate(rng, base);
    INFO("round " << round << ": " << HexEncode(bytes));
    REQUIRE(CompareDecoders(bytes) == "");
    tally.Add(bytes);
  }
  // Both outcomes are common, so both paths are compared.
  INFO("accepted " << tally.accepted << ", rejected " << tally.rejected);
  CHECK(tally.accepted > 1000);
  CHECK(tally.rejected > 5000);
}

// Hand-built cases. Each states the outcome libprotobuf gives (so the rule
// is written down) and that the scan agrees.
void Same(const std::string& hex, const NodeBlock& expected) {
  INFO(hex);
  const std::string bytes = Unhex(hex);
  auto reference = DecodeNodeBlock(bytes);
  REQUIRE(reference.ok());
  CHECK(*reference == expected);
  auto scanned = DecodeByScan(bytes);
  REQUIRE(scanned.ok());
  CHECK(*scanned == expected);
}

void Rejected(const std::string& hex, const char* scan_says) {
  INFO(hex);
  const std::string bytes = Unhex(hex);
  CHECK_FALSE(DecodeNodeBlock(bytes).ok());
  auto scanned = ScanNodeBlock(bytes);
  REQUIRE_FALSE(scanned.ok());
  CHECK(scanned.status().IsCorruption());
  INFO(scanned.status().ToString());
  CHECK(scanned.status().message().find(scan_says) != std::string::npos);
}

NodeBlock Node(std::vector<IndexLevel> levels, std::string key,
               std::optional<std::string> value = std::nullopt) {
  return NodeBlock{std::move(levels), std::move(key), std::move(value)};
}

// A length-delimited field in hex: the tag, the body's length, the body.
std::string F(const std::string& tag, const std::string& body) {
  std::string length;
  WireWriter::PutVarint(&length, body.size() / 2,
                        VarintLength(body.size() / 2));
  return tag + HexEncode(length) + body;
}

std::string Repeat(const std::string& hex, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; i++) out += hex;
  return out;
}

const std::string kKeyX = "120178";  // key "x"

TEST_CASE("scan: fields in any order, the last occurrence wins",
          "[encoding][scan]") {
  // key, value, then index.
  Same("1201781a0159" + F("0a", "0a00"), Node({{}}, "x", "Y"));
  // Two keys: the second. Two values: the second.
  Same("0a00120161120162", Node({}, "b"));
  Same("0a001201611a01311a0132", Node({}, "a", "2"));
  // An empty value is a value.
  Same("0a0012001a00", Node({}, "", ""));
  // Two indexes: the first is no YoloIndex at all, the second wins.
  Same("0a02ffff120161" + F("0a", "0a00"), Node({{}}, "a"));
  // And the other way round: the last, invalid, one is what is read.
  Rejected(F("0a", "0a00") + "1201610a02ffff", "index");
  // Levels append, with an unknown field (3, varint) between them.
  Same(F("0a", F("0a", "0805") + "1800" + F("0a", "0806")) + kKeyX,
       Node({{{5}, {}}, {{6}, {}}}, "x"));
}

TEST_CASE("scan: packed and unpacked runs concatenate", "[encoding][scan]") {
  // keys: 5 (unpacked), [6 7] (packed), 8 (unpacked); children: [1 2]
  // packed, then 3 and 4 unpacked, interleaved with the keys.
  Same(F("0a", F("0a", "0805" + F("12", "0102") + F("0a", "0607") + "1003" +
                           "0808" + "1004")) +
           kKeyX,
       Node({{{5, 6, 7, 8}, {1, 2, 3, 4}}}, "x"));
  // An empty packed run adds nothing.
  Same(F("0a", F("0a", "0a001200")) + kKeyX, Node({{}}, "x"));
}

TEST_CASE("scan: unknown fields of every wire type are skipped",
          "[encoding][scan]") {
  // In the Node: field 4 varint, field 5 fixed64, field 6 bytes, field 7 a
  // group holding a varint and a nested group (field 9), field 8 fixed32;
  // and field 1 with wire type 0 (not `index`, so skipped).
  Same(
      "2001"
      "290102030405060708"
      "3202abcd"
      "3b08014b4c3c"
      "4501020304"
      "0805"
      "0a00" +
          kKeyX,
      Node({}, "x"));
  // In the YoloIndex: field 1 as a varint and as a group are not levels.
  Same(F("0a",
         "0807"
         "0b08070c"
         "0a00") +
           kKeyX,
       Node({{}}, "x"));
  // In a Level: keys as fixed32 or a group, children as fixed64, are
  // unknown fields.
  Same(F("0a", F("0a",
                 "0d01020304"
                 "110102030405060708"
                 "0b0c")) +
           kKeyX,
       Node({{}}, "x"));
}

TEST_CASE("scan: invalid tags and wire types are rejected",
          "[encoding][scan]") {
  const std::string good = "0a00" + kKeyX;
  Rejected(good + "00", "field number 0");
  Rejected(good + "0201ff", "field number 0");  // field 0, bytes
  Rejected(good + "26", "wire type 6 or 7");
  Rejected(good + "27", "wire type 6 or 7");
  Rejected(good + "24", "end-group tag outside a group");
  Rejected(good + "2b08012c2c", "end-group tag outside a group");
  Rejected(good + "2b0801", "group without its end tag");
  Rejected(good + "2b08013c", "another field's end tag");
  // The same inside the index and inside a level.
  Rejected(F("0a", "26") + kKeyX, "wire type 6 or 7");
  Rejected(F("0a", F("0a", "0c")) + kKeyX, "end-group tag outside a group");
  Rejected(F("0a", F("0a", "00")) + kKeyX, "field number 0");
  Rejected(F("0a", F("0a", "2b")) + kKeyX, "group without its end tag");
}

TEST_CASE("scan: groups nest up to libprotobuf's recursion limit",
          "[encoding][scan]") {
  // `n` groups of field 9, nested.
  auto groups = [](size_t n) { return Repeat("4b", n) + Repeat("4c", n); };
  Same(groups(100) + "0a00" + kKeyX, Node({}, "x"));
  Rejected(groups(101) + "0a00" + kKeyX, "recursion limit");
  // In the YoloIndex, 100 too.
  Same(F("0a", groups(100)) + kKeyX, Node({}, "x"));
  Rejected(F("0a", groups(101)) + kKeyX, "recursion limit");
  // A Level is one level deep already: 99 more.
  Same(F("0a", F("0a", groups(99))) + kKeyX, Node({{}}, "x"));
  Rejected(F("0a", F("0a", groups(100))) + kKeyX, "recursion limit");
}

TEST_CASE("scan: varints, tags and lengths at their longest",
          "[encoding][scan]") {
  // A key seq in 10 bytes; the 10th byte's upper bits are dropped, as
  // libprotobuf drops them.
  Same(F("0a", F("0a", "08" + Repeat("ff", 9) + "01")) + kKeyX,
       Node({{{UINT64_MAX}, {}}}, "x"));
  Same(F("0a", F("0a", "08" + Repeat("ff", 9) + "7f")) + kKeyX,
       Node({{{UINT64_MAX}, {}}}, "x"));
  Same(F("0a", F("0a", "08" + Repeat("80", 9) + "7e")) + kKeyX,
       Node({{{0}, {}}}, "x"));
  Rejected(F("0a", F("0a", "08" + Repeat("ff", 10) + "01")) + kKeyX,
           "longer than 10 bytes");
  // The same in a packed run.
  Same(F("0a", F("0a", F("0a", Repeat("ff", 9) + "01"))) + kKeyX,
       Node({{{UINT64_MAX}, {}}}, "x"));
  Rejected(F("0a", F("0a", F("0a", Repeat("ff", 10) + "01"))) + kKeyX,
           "longer than 10 bytes");
  Rejected(F("0a", F("0a", F("0a", "0180"))) + kKeyX, "ends inside a varint");
  // A tag in 5 bytes; in 6, rejected. Bits past 32 are dropped, so the
  // second 5-byte tag is 0x0a (index) too.
  Same(
      "8a80808000"
      "00" +
          kKeyX,
      Node({}, "x"));
  Same(
      "8a80808010"
      "00" +
          kKeyX,
      Node({}, "x"));
  Rejected(
      "8a8080808000"
      "00" +
          kKeyX,
      "tag longer than 5 bytes");
  // A length in 5 bytes, its last byte under 8; otherwise rejected.
  Same(
      "0a8080808000"
      "128180808000"
      "78",
      Node({}, "x"));
  Rejected("0a808080808000" + kKeyX, "2 GiB");
  Rejected("0a8080808008" + kKeyX, "2 GiB");
}

TEST_CASE("scan: required fields, and every field within its parent",
          "[encoding][scan]") {
  Rejected(kKeyX, "no index");
  Rejected("0a00", "no key");
  Rejected("", "no index");
  Rejected("0800" + kKeyX, "no index");  // field 1 as a varint: no index
  Rejected(
      "0a00"
      "1000",
      "no key");  // field 2 as a varint: no key
  // The index runs past the block; a level past the index; a packed run
  // past its level; a value past the block; a fixed-size field past its
  // level and past the block; a truncated tag.
  Rejected("0a05" + kKeyX, "past the end");
  Rejected("0a020a03" + kKeyX, "past the end");
  Rejected("0a040a020a03" + kKeyX, "past the end");
  Rejected("0a00" + kKeyX + "1a05", "past the end");
  Rejected(F("0a", F("0a", "0901")) + kKeyX, "past the end");
  Rejected("0a00" + kKeyX + "2901020304", "past the end");
  Rejected("0a00" + kKeyX + "80", "past the end");
}

TEST_CASE("scan: the limits, and whole child pairs", "[encoding][scan]") {
  auto block = [](size_t keys, size_t children) {
    std::string body;
    if (keys > 0) body += F("0a", Repeat("01", keys));
    if (children > 0) body += F("12", Repeat("02", children));
    return F("0a", F("0a", body)) + kKeyX;
  };
  auto node = [](size_t keys, size_t children) {
    return Node(
        {{std::vector<uint64_t>(keys, 1), std::vector<uint64_t>(children, 2)}},
        "x");
  };
  Same(block(kMaxKeysPerLevel, 2 * kMaxChildrenPerLevel),
       node(kMaxKeysPerLevel, 2 * kMaxChildrenPerLevel));
  Rejected(block(kMaxKeysPerLevel + 1, 0), "kMaxKeysPerLevel");
  Rejected(block(0, 2 * kMaxChildrenPerLevel + 2), "kMaxChildrenPerLevel");
  Rejected(block(0, 2 * kMaxChildrenPerLevel + 1), "odd number");
  Rejected(block(1, 3), "odd number");
  // kMaxLevelsPerBlock empty levels pass; one more does not.
  auto levels = [](uint64_t n) {
    std::string index;
    for (uint64_t i = 0; i < n; i++) index.append("\x0a\x00", 2);
    std::string out = Unhex("0a");
    PutVarint64(&out, index.size());
    return out + index + Unhex(kKeyX);
  };
  // (DecodeNodeBlock's side, slow under the sanitizers, is in
  // tests/unit/encoding/limits_test.cc.)
  auto at_limit = ScanNodeBlock(levels(kMaxLevelsPerBlock));
  REQUIRE(at_limit.ok());
  CHECK(at_limit->levels == kMaxLevelsPerBlock);
  const std::string over_limit = levels(kMaxLevelsPerBlock + 1);
  auto scanned = ScanNodeBlock(over_limit);
  REQUIRE_FALSE(scanned.ok());
  CHECK(scanned.status().message().find("kMaxLevelsPerBlock") !=
        std::string::npos);
  // A block over kMaxBlockSize, whatever it holds.
  const std::string huge(kMaxBlockSize + 1, '\0');
  auto over = ScanNodeBlock(huge);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().message().find("kMaxBlockSize") != std::string::npos);
  CHECK_FALSE(DecodeNodeBlock(huge).ok());
}

TEST_CASE("scan: views into the block, counts for one buffer",
          "[encoding][scan]") {
  const std::string bytes =
      Unhex("0a140a090a0105120409010a010a070a05060708090a12016a1a014a");
  auto view = ScanNodeBlock(bytes);
  REQUIRE(view.ok());
  CHECK(view->levels == 2);
  CHECK(view->keys == 6);
  CHECK(view->children == 4);
  CHECK(view->key == "j");
  CHECK(view->key.data() == bytes.data() + 24);  // a view, not a copy
  REQUIRE(view->value.has_value());
  CHECK(*view->value == "J");
  NodeLevelReader reader(*view);
  IndexLevelView level;
  REQUIRE(reader.Next(&level));
  CHECK(std::vector<uint64_t>(level.keys.begin(), level.keys.end()) ==
        std::vector<uint64_t>{5});
  CHECK(std::vector<uint64_t>(level.children.begin(), level.children.end()) ==
        std::vector<uint64_t>{9, 1, 10, 1});
  REQUIRE(reader.Next(&level));
  CHECK(level.keys.size() == 5);
  CHECK(level.children.empty());
  CHECK_FALSE(reader.Next(&level));
}

}  // namespace
}  // namespace bee
