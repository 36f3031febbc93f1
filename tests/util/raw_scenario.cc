#include "tests/util/raw_scenario.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "encoding/block_codec.h"
#include "encoding/bytes.h"
#include "tests/util/bee_replay.h"
#include "tests/util/vectors.h"

namespace bee::test {
namespace {

using nlohmann::json;

// Replays recorded operations on a map, the way hyperbee assigns seqs: a
// put always appends (alwaysDuplicate), a delete only when the key exists,
// a cas refusal only when the key exists (cas is not called otherwise).
class Replayer {
 public:
  explicit Replayer(RawScenario* out) : out_(out) {
    out_->versions[1] = ModelState{};
    out_->ops.push_back(ModelBlock{false, "", std::nullopt});
  }

  // One recorded op, or a batch of them, then its append boundary.
  void Apply(const json& op, bool hex) {
    if (op[0] == "batch") {
      for (const json& o : op[1]) One(o, hex);
    } else {
      One(op, hex);
    }
    out_->versions[next_seq_] = state_;
  }

  uint64_t length() const { return next_seq_; }

 private:
  void One(const json& op, bool hex) {
    const bool put = op[0] == "put";
    const size_t refusal_at = put ? 3 : 2;
    const bool refused =
        op.size() > refusal_at && op[refusal_at] == "cas-refused";
    std::string key = hex ? Unhex(op[1]) : op[1].get<std::string>();
    const bool exists = state_.count(key) != 0;
    if ((refused && exists) || (!put && !exists)) return;
    std::optional<std::string> value;
    if (put && !op[2].is_null()) {
      value = hex ? Unhex(op[2]) : op[2].get<std::string>();
    }
    if (put) {
      state_[key] = ModelEntry{next_seq_, value};
    } else {
      state_.erase(key);
    }
    out_->ops.push_back(ModelBlock{!put, std::move(key), std::move(value)});
    next_seq_++;
  }

  RawScenario* out_;
  ModelState state_;
  uint64_t next_seq_ = 1;
};

// Scenarios A and B record each step's spec (hex) and the blocks it wrote.
void LoadSteps(const json& scenario, RawScenario* out) {
  Replayer replay(out);
  for (const json& step : scenario["steps"]) {
    if (step["spec"][0] == "truncate") break;
    replay.Apply(step["spec"], true);
    for (const json& block : step["blocks"]) {
      REQUIRE(block["seq"].get<uint64_t>() == out->blocks.size());
      out->blocks.push_back(Unhex(block["hex"]));
    }
    REQUIRE(out->blocks.size() == replay.length());
  }
}

// Scenarios C and D record their ops (raw UTF-8) and the final blocks.
void LoadOps(const json& scenario, RawScenario* out) {
  Replayer replay(out);
  for (const json& op : scenario["ops"]) replay.Apply(op, false);
  for (const json& hex : scenario["finalBlocks"]) {
    out->blocks.push_back(Unhex(hex));
  }
  REQUIRE(out->blocks.size() == replay.length());
}

}  // namespace

RawScenario LoadRawScenario(const std::string& name) {
  RawScenario out;
  const json& scenario = Scenario(name);
  if (scenario.contains("steps")) {
    LoadSteps(scenario, &out);
  } else {
    LoadOps(scenario, &out);
  }
  // The replayed operations name the same keys as the recorded blocks.
  for (uint64_t seq = 1; seq < out.blocks.size(); seq++) {
    auto block = DecodeNodeBlock(out.blocks[seq]);
    REQUIRE(block.ok());
    CAPTURE(name, seq);
    REQUIRE(block->key == out.ops[seq].key);
    REQUIRE(block->value == out.ops[seq].value);
    out.keys.push_back(out.ops[seq].key);
  }
  std::sort(out.keys.begin(), out.keys.end());
  out.keys.erase(std::unique(out.keys.begin(), out.keys.end()), out.keys.end());
  return out;
}

std::unique_ptr<btree::Bee> RawBee(const std::string& name,
                                   const std::vector<std::string>& blocks) {
  auto seed =
      HexDecodeFixed<32>(Scenario(name)["seed"].get<std::string>(), "seed");
  REQUIRE(seed.ok());
  auto core = log::Core::CreateInMemory(log::KeyPair::FromSeed(*seed));
  REQUIRE(core.ok());
  REQUIRE((*core)->Append(blocks).ok());
  auto bee = btree::Bee::FromCore(std::move(core).value());
  REQUIRE(bee.ok());
  return std::move(bee).value();
}

std::string RandomBound(std::mt19937_64* rng,
                        const std::vector<std::string>& keys) {
  if (keys.empty() || (*rng)() % 10 == 0) {
    return (*rng)() % 2 == 0 ? std::string() : std::string(1, '\xff');
  }
  std::string key = keys[(*rng)() % keys.size()];
  switch ((*rng)() % 4) {
    case 0:
      return key;
    case 1:
      return key + std::string(1, '\0');  // just above the key
    case 2:
      if (!key.empty()) key.pop_back();  // a prefix: below the key
      return key;
    default:
      if (!key.empty()) key.back() = static_cast<char>(key.back() + 1);
      return key;
  }
}

std::string Printable(std::string_view bytes) {
  std::ostringstream s;
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\') {
      s << c;
    } else {
      s << "\\x"
        << "0123456789abcdef"[u >> 4] << "0123456789abcdef"[u & 15];
    }
  }
  return s.str();
}

}  // namespace bee::test
