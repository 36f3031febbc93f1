// Writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/)
// from real bytes: blocks recorded from hyperbee (tests/data/vectors.json),
// the files of logs and stores our own code writes, honest proofs of the
// proof target's source log, recorded hypercore connections and the
// plaintexts of the recorded JS sessions (tests/data/protocol/, beside
// vectors.json). Run by scripts/fuzz.sh --seeds; the output is committed, so
// it only changes when a format does.
//
//   bee_fuzz_seeds <vectors.json> <corpus dir>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "encoding/block_codec.h"
#include "encoding/bytes.h"
#include "encoding/varint.h"
#include "log/env.h"
#include "log/proof.h"
#include "net/protomux.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

namespace fs = std::filesystem;
using bee::fuzz::Check;
using nlohmann::json;

fs::path g_out;

void Write(const std::string& target, const std::string& name,
           std::string_view bytes) {
  fs::create_directories(g_out / target);
  std::ofstream(g_out / target / name, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Scenario `s`'s blocks from first on, at most n (hyperbee wrote them).
std::vector<std::string> Recorded(const json& vectors, size_t s, size_t first,
                                  size_t n) {
  std::vector<std::string> out;
  const json& blocks = vectors["scenarios"][s]["finalBlocks"];
  for (size_t i = first; i < blocks.size() && out.size() < n; i++) {
    auto raw = bee::HexDecode(blocks[i].get<std::string>());
    Check(raw.ok(), "the vectors hold hex");
    out.push_back(std::move(raw).value());
  }
  return out;
}

void BlockSeeds(const json& vectors) {
  for (size_t s = 0; s < 4; s++) {
    auto blocks = Recorded(vectors, s, 0, 12);
    for (size_t i = 0; i < blocks.size(); i++) {
      Write("block_codec", "s" + std::to_string(s) + "-" + std::to_string(i),
            blocks[i]);
      Write("node_scan", "s" + std::to_string(s) + "-" + std::to_string(i),
            blocks[i]);
    }
    // The tree walk sees the blocks after the header, as stored.
    Write("tree_walk", "scenario" + std::to_string(s),
          bee::fuzz::JoinBlocks(Recorded(vectors, s, 1, 48)));
  }
  // What hyperbee never writes but a decoder must read as libprotobuf
  // does: unknown fields of every wire type (groups nested), fields out of
  // order and repeated, unpacked keys and children, overlong varints.
  const char* unusual[] = {
      "2001"
      "290102030405060708"
      "3202abcd"
      "3b08014b4c3c"
      "4501020304"
      "0805"
      "0a00120178",
      "1201611a0159120178"
      "0a0a0a02080518000a020806",
      "0a140a12080512020102"
      "0a0206071003080810040b0c"
      "120178",
      "8a80808010"
      "0d"
      "0a0b08ffffffffffffffffff7f"
      "128180808000"
      "78"};
  for (size_t i = 0; i < std::size(unusual); i++) {
    auto raw = bee::HexDecode(unusual[i]);
    Check(raw.ok(), "the unusual seeds are hex");
    Write("node_scan", "unusual-" + std::to_string(i), *raw);
  }
  // Blocks whose keys name seqs 1..9 only: the index-levels target has them.
  auto early = Recorded(vectors, 1, 1, bee::fuzz::kKeyBlocks + 1);
  for (size_t i = 0; i < early.size(); i++) {
    Write("index_levels", "s1-" + std::to_string(i + 1), early[i]);
  }
}

// A store with a deep tree (one batch of 60 keys, then single writes), as
// blocks for the tree walk, and its boundaries file.
void StoreSeeds() {
  auto env = bee::log::NewMemEnv();
  bee::btree::BeeOptions options;
  options.core.env = env.get();
  auto bee = bee::btree::Bee::Create("/s", bee::fuzz::FuzzKeyPair(),
                                     std::nullopt, options);
  Check(bee.ok(), "a store is created");
  auto batch = (*bee)->MakeBatch();
  Check(batch.ok(), "a batch opens");
  for (int i = 0; i < 40; i++) {
    Check((*batch)->Put("k" + std::to_string(i * 7 % 40), "v").ok(), "put");
  }
  Check((*batch)->Flush().ok(), "the batch flushes");
  for (int i = 0; i < 6; i++) {
    Check((*bee)->Put("x" + std::to_string(i), "w").ok(), "put");
  }
  Check((*bee)->Del("k3").ok(), "del");
  std::vector<std::string> blocks;
  for (uint64_t seq = 1; seq < (*bee)->version(); seq++) {
    blocks.push_back((*bee)->core().Get(seq).value());
  }
  Write("tree_walk", "own-store", bee::fuzz::JoinBlocks(blocks));
  auto file = env->OpenFile("/s/boundaries", bee::log::OpenMode::kRead);
  Check(file.ok(), "the store has a boundaries file");
  std::string bytes;
  Check((*file)->Read(0, 1 << 16, &bytes).ok(), "boundaries read");
  std::string seed;
  bee::PutFixed64(&seed, (*bee)->version());
  Write("boundaries", "own-store", seed + bytes);
}

// The head and meta files of a writable log and of a replica.
void LogFileSeeds() {
  auto env = bee::log::NewMemEnv();
  bee::log::CoreOptions options;
  options.env = env.get();
  auto core = bee::log::Core::Create("/c", bee::fuzz::FuzzKeyPair(), options);
  Check(core.ok(), "a log is created");
  for (int i = 0; i < 3; i++) {
    Check((*core)->Append(std::vector<std::string>{"a", "bc"}).ok(), "append");
  }
  auto replica = bee::log::Core::CreateReplica("/r", (*core)->key(),
                                               (*core)->manifest(), options);
  Check(replica.ok(), "a replica is created");
  std::string bytes;
  for (const char* dir : {"/c", "/r"}) {
    std::string name = dir + 1;
    Check(
        (*env->OpenFile(std::string(dir) + "/meta", bee::log::OpenMode::kRead))
            ->Read(0, 1 << 16, &bytes)
            .ok(),
        "meta read");
    Write("meta", name, std::string(1, '\0') + bytes);
  }
  Check((*env->OpenFile("/c/head", bee::log::OpenMode::kRead))
            ->Read(0, 288, &bytes)
            .ok(),
        "head");
  Write("head_slot", "slot0", std::string(1, '\0') + bytes.substr(0, 144));
  Write("head_slot", "slot1", std::string(1, '\0') + bytes.substr(144));
}

// Honest proofs the replica (empty, then upgraded) asks for, and requests.
void ProofSeeds() {
  auto source = bee::fuzz::SourceLog();
  auto env = bee::log::NewMemEnv();
  bee::log::CoreOptions options;
  options.env = env.get();
  auto replica = bee::log::Core::CreateReplica("/r", source->key(),
                                               source->manifest(), options);
  Check(replica.ok(), "a replica is created");
  const std::vector<std::pair<std::optional<uint64_t>, uint64_t>> asks = {
      {std::nullopt, 11}, {3, 11}, {0, 24}, {10, 24}, {23, 24}, {5, 0}};
  for (const char* state : {"empty", "upgraded"}) {
    const char mode = state[0] == 'e' ? '\0' : '\2';
    for (size_t i = 0; i < asks.size(); i++) {
      auto request =
          bee::log::MakeRequest(**replica, asks[i].first, asks[i].second);
      auto proof = bee::log::CreateProof(*source, request);
      if (!proof.ok()) continue;  // e.g. a block the replica cannot verify
      std::string n = std::string(state) + "-" + std::to_string(i);
      Write("proof", n, mode + bee::log::EncodeProof(*proof));
      Write("proof", "request-" + n, '\1' + bee::log::EncodeRequest(request));
    }
    if (mode != '\0') break;
    // The proof target's upgraded replica has verified 11 blocks.
    auto up = bee::log::CreateProof(
        *source, bee::log::MakeRequest(**replica, std::nullopt, 11));
    Check(up.ok() && bee::log::ApplyProof(replica->get(), *up).ok(),
          "an honest upgrade applies");
  }
}

// Recorded connections (tests/data/protocol/, PROTOCOL.md §14) for the
// secure session target: its case 0 gets the initiator's whole stream, case
// 1 what follows m3 (after the recorded m1, m3 its pinned responder
// decrypts it all), case 2 what follows m2. Every file named here uses
// noise-session's keys.
void SessionSeeds(const fs::path& dir) {
  for (const char* file : {"noise-session.txt", "session-sparse-get.flat",
                           "session-keepalive.flat"}) {
    std::ifstream in(dir / file);
    Check(static_cast<bool>(in), "a protocol vector file opens");
    std::string name, hex, i_to_r, r_to_i;
    while (in >> name >> hex) {
      if (name == "i_to_r") i_to_r = *bee::HexDecode(hex);
      if (name == "r_to_i") r_to_i = *bee::HexDecode(hex);
    }
    Check(i_to_r.size() > 102 && r_to_i.size() > 99, "recorded streams");
    const std::string stem = fs::path(file).stem().string();
    Write("secure_session", stem + "-raw", std::string(2, '\0') + i_to_r);
    Write("secure_session", stem + "-responder",
          std::string("\1\0", 2) + i_to_r.substr(3 + 32 + 3 + 64));
    Write("secure_session", stem + "-initiator",
          std::string("\2\x07", 2) + r_to_i.substr(3 + 96));
  }
}

// The plaintexts of the recorded sessions (*.flat: `name hex` lines), for
// the mux target: each hypercore message and control payload alone, and
// the first frames of each side as a frame stream.
void MuxSeeds(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".flat") continue;
    const std::string session = entry.path().stem().string();
    std::ifstream in(entry.path());
    std::map<std::string, std::string> flat;
    std::string key, value;
    while (in >> key >> value) flat[key] = value;
    for (const char* side : {"i", "r"}) {
      std::vector<std::string> frames;
      for (int i = 0;; i++) {
        auto it =
            flat.find(side + std::string("_payload_") + std::to_string(i));
        if (it == flat.end()) break;
        auto raw = it->second == "-" ? bee::Result<std::string>(std::string())
                                     : bee::HexDecode(it->second);
        Check(raw.ok(), "the sessions hold hex");
        if (raw->size() < 4096) frames.push_back(*raw);
      }
      std::string stream;
      for (const std::string& f : frames) {
        if (stream.size() + f.size() > 3000) break;
        stream += bee::fuzz::JoinBlocks(std::span(&f, 1));
      }
      Write("mux", session + "-" + side + "-stream",
            std::string("\2\0") + stream);
      Write("mux", session + "-" + side + "-defer",
            std::string("\2\1") + stream);
      for (size_t i = 0; i < frames.size() && i < 12; i++) {
        auto h = bee::net::ParseFrameHeader(frames[i]);
        if (frames[i].empty() || !h.ok()) continue;
        const std::string n = session + "-" + side + "-" + std::to_string(i);
        if (h->channel != 0) {
          Write("mux", n,
                std::string(1, '\0') + static_cast<char>(h->type) +
                    std::string(h->payload));
        } else {
          Write("mux", n, std::string(1, '\1') + std::string(h->payload));
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <vectors.json> <corpus dir>\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  const json vectors = json::parse(in);
  g_out = argv[2];
  BlockSeeds(vectors);
  StoreSeeds();
  LogFileSeeds();
  ProofSeeds();
  SessionSeeds(fs::path(argv[1]).parent_path() / "protocol");
  MuxSeeds(fs::path(argv[1]).parent_path() / "protocol");
  return 0;
}
