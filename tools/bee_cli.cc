// `bee`: create, write, read, diff, inspect, export and import stores from
// the shell. Arguments are parsed by CLI11 and JSON by nlohmann-json; every
// subcommand returns a Status that becomes "bee: error: ..." and exit 1.
#include "tools/bee_cli.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <istream>

#include "btree/diff.h"
#include "btree/history.h"
#include "btree/iterator.h"
#include "btree/verify.h"
#include "btree/version.h"
#include "encoding/bytes.h"
#include "log/proof.h"
#include "tools/output.h"
#include "tools/store_access.h"

namespace bee::tools {
namespace {

using json = nlohmann::ordered_json;

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;  // warnings
  OutputOptions o;
};

// A key or bound given on the command line: raw bytes, or hex with --hex.
Result<std::string> ArgBytes(const std::string& arg, const Io& io,
                             const std::string& what) {
  if (!io.o.hex) return arg;
  auto bytes = HexDecode(arg);
  if (!bytes.ok()) return bytes.status().WithContext(what + " (--hex)");
  return bytes;
}

Result<std::optional<std::string>> OptBytes(const std::string& arg, bool given,
                                            const Io& io,
                                            const std::string& what) {
  if (!given) return std::optional<std::string>();
  BEE_ASSIGN_OR_RETURN(std::string b, ArgBytes(arg, io, what));
  return std::optional<std::string>(std::move(b));
}

void PrintEntry(const btree::Entry& e, const Io& io, EntryTable* table) {
  if (io.o.json) {
    io.out << EntryJson(e, io.o).dump() << "\n";
  } else {
    table->Add(
        {std::to_string(e.seq), Cell(e.key, io.o), ValueCell(e.value, io.o)});
  }
}

// Reads a whole file, or stdin for "-".
Result<std::string> ReadInput(const std::string& path, std::istream& in) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(in), {});
    return text;
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::NotFound(path + ": cannot open");
  text.assign(std::istreambuf_iterator<char>(f), {});
  return text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// ---------------------------------------------------------------- create

struct CreateArgs {
  std::string dir, seed, user_data, content_feed;
  bool has_user_data = false;
};

Status Create(const CreateArgs& a, const Io& io) {
  log::KeyPair kp = log::KeyPair::Random();
  if (!a.seed.empty()) {
    BEE_ASSIGN_OR_RETURN(log::Seed seed, HexDecodeFixed<32>(a.seed, "--seed"));
    kp = log::KeyPair::FromSeed(seed);
  }
  std::optional<HeaderMetadata> metadata;
  if (a.has_user_data || !a.content_feed.empty()) {
    metadata.emplace();
    if (a.has_user_data) metadata->user_data = a.user_data;
    if (!a.content_feed.empty()) {
      BEE_ASSIGN_OR_RETURN(
          Hash32 feed, HexDecodeFixed<32>(a.content_feed, "--content-feed"));
      metadata->content_feed = std::string(AsChars(feed));
    }
  }
  std::error_code ec;
  if (std::filesystem::exists(a.dir + "/meta")) {
    return Status::InvalidArgument(a.dir + " already holds a store");
  }
  if (std::filesystem::exists(a.dir) &&
      (!std::filesystem::is_directory(a.dir) ||
       !std::filesystem::is_empty(a.dir, ec))) {
    return Status::InvalidArgument(a.dir +
                                   " exists and is not an empty directory");
  }
  auto bee = btree::Bee::Create(a.dir, kp, metadata);
  if (!bee.ok()) return bee.status().WithContext("cannot create " + a.dir);
  const log::Core& core = (*bee)->core();
  if (io.o.json) {
    io.out << json{{"key", HexEncode(core.key())},
                   {"discoveryKey", HexEncode(core.discovery_key())},
                   {"publicKey", HexEncode(core.public_key())},
                   {"version", (*bee)->version()}}
                  .dump()
           << "\n";
  } else {
    io.out << "created " << a.dir << "\n"
           << "key         " << HexEncode(core.key()) << "\n"
           << "public key  " << HexEncode(core.public_key()) << "\n";
  }
  return (*bee)->Close();
}

// ---------------------------------------------------------------- put/del

Status Put(const std::string& dir, const std::string& key_arg,
           const std::string& value_arg, bool has_value, const Io& io) {
  BEE_ASSIGN_OR_RETURN(std::string key, ArgBytes(key_arg, io, "KEY"));
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, true, io.err));
  std::optional<std::string_view> value;
  if (has_value) value = value_arg;
  BEE_ASSIGN_OR_RETURN(bool written, bee->Put(key, value));
  (void)written;  // always_duplicate: a put always writes
  btree::Entry e{bee->version() - 1, key, std::nullopt};
  if (has_value) e.value = value_arg;
  if (io.o.json) {
    io.out << EntryJson(e, io.o).dump() << "\n";
  } else {
    io.out << "put " << Cell(key, io.o) << " (seq " << e.seq << ")\n";
  }
  return bee->Close();
}

Status Del(const std::string& dir, const std::string& key_arg, const Io& io) {
  BEE_ASSIGN_OR_RETURN(std::string key, ArgBytes(key_arg, io, "KEY"));
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, true, io.err));
  BEE_ASSIGN_OR_RETURN(bool written, bee->Del(key));
  if (io.o.json) {
    io.out << json{{"deleted", written},
                   {"seq", written ? json(bee->version() - 1) : json(nullptr)}}
                  .dump()
           << "\n";
  } else if (written) {
    io.out << "deleted " << Cell(key, io.o) << " (seq " << bee->version() - 1
           << ")\n";
  } else {
    io.out << Cell(key, io.o) << " not found: nothing written\n";
  }
  return bee->Close();
}

// ---------------------------------------------------------------- get

Status Get(const std::string& dir, const std::vector<std::string>& key_args,
           const std::string& checkout, const Io& io) {
  std::vector<std::string> keys;
  for (const std::string& k : key_args) {
    if (k != "-") {
      BEE_ASSIGN_OR_RETURN(std::string key, ArgBytes(k, io, "KEY"));
      keys.push_back(std::move(key));
      continue;
    }
    std::string line;
    while (std::getline(io.in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      BEE_ASSIGN_OR_RETURN(std::string key,
                           ArgBytes(line, io, "key from stdin"));
      keys.push_back(std::move(key));
    }
  }
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, false, io.err));
  BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, SnapshotFor(*bee, checkout));
  EntryTable table(&io.out, io.o);
  for (const std::string& key : keys) {
    BEE_ASSIGN_OR_RETURN(std::optional<btree::Entry> e, snap.Get(key));
    if (e) {
      PrintEntry(*e, io, &table);
    } else if (io.o.json) {
      io.out << "null\n";
    } else {
      table.Add({"-", Cell(key, io.o), "(not found)"});
    }
  }
  return Status::OK();
}

// ---------------------------------------------------------------- apply

struct ApplyOp {
  bool put = true;
  std::string key;
  std::optional<std::string> value;
  std::optional<std::string> cas;
};
struct ApplyLine {
  bool batch = false;
  std::vector<ApplyOp> ops;
};

Result<std::string> JsonBytes(const json& v, bool hex,
                              const std::string& what) {
  if (!v.is_string())
    return Status::InvalidArgument(what + " must be a string");
  if (!hex) return v.get<std::string>();
  auto bytes = HexDecode(v.get<std::string>());
  if (!bytes.ok()) return bytes.status().WithContext(what);
  return bytes;
}

Result<bool> HexEncodingOf(const json& obj) {
  if (!obj.contains("encoding")) return false;
  if (obj["encoding"] == "hex") return true;
  if (obj["encoding"] == "utf8" || obj["encoding"] == "utf-8") return false;
  return Status::InvalidArgument("\"encoding\" must be \"hex\" or \"utf8\"");
}

Result<ApplyOp> ParseOp(const json& obj, bool hex) {
  if (!obj.is_object())
    return Status::InvalidArgument("an operation must be an object");
  if (!obj.contains("type") || !obj["type"].is_string()) {
    return Status::InvalidArgument("missing \"type\"");
  }
  ApplyOp op;
  std::string type = obj["type"];
  if (type != "put" && type != "del") {
    return Status::InvalidArgument("unknown type \"" + type + "\"");
  }
  op.put = type == "put";
  if (!obj.contains("key")) return Status::InvalidArgument("missing \"key\"");
  BEE_ASSIGN_OR_RETURN(op.key, JsonBytes(obj["key"], hex, "\"key\""));
  if (obj.contains("value")) {
    if (!op.put) return Status::InvalidArgument("a del has no \"value\"");
    if (!obj["value"].is_null()) {
      BEE_ASSIGN_OR_RETURN(std::string v,
                           JsonBytes(obj["value"], hex, "\"value\""));
      op.value = std::move(v);
    }
  }
  if (obj.contains("cas")) {
    const json& cas = obj["cas"];
    if (!cas.is_object() || !cas.contains("value")) {
      return Status::InvalidArgument("\"cas\" must be {\"value\": ...}");
    }
    BEE_ASSIGN_OR_RETURN(std::string v,
                         JsonBytes(cas["value"], hex, "\"cas\".\"value\""));
    op.cas = std::move(v);
  }
  return op;
}

Result<ApplyLine> ParseApplyLine(const std::string& text) {
  json obj = json::parse(text, nullptr, false);
  if (obj.is_discarded()) return Status::InvalidArgument("not valid JSON");
  if (!obj.is_object()) return Status::InvalidArgument("not a JSON object");
  BEE_ASSIGN_OR_RETURN(bool hex, HexEncodingOf(obj));
  ApplyLine line;
  if (obj.value("type", "") != "batch") {
    BEE_ASSIGN_OR_RETURN(ApplyOp op, ParseOp(obj, hex));
    line.ops.push_back(std::move(op));
    return line;
  }
  line.batch = true;
  if (!obj.contains("ops") || !obj["ops"].is_array()) {
    return Status::InvalidArgument("a batch needs an \"ops\" array");
  }
  for (size_t i = 0; i < obj["ops"].size(); i++) {
    auto op = ParseOp(obj["ops"][i], hex);
    if (!op.ok())
      return op.status().WithContext("ops[" + std::to_string(i) + "]");
    line.ops.push_back(std::move(op).value());
  }
  return line;
}

btree::CasFn CasFor(const std::optional<std::string>& want) {
  if (!want) return nullptr;
  return [want](const btree::Entry& prev, const btree::Entry&) {
    return prev.value.has_value() && *prev.value == *want;
  };
}

Status Apply(const std::string& dir, const std::string& file, const Io& io) {
  BEE_ASSIGN_OR_RETURN(std::string text, ReadInput(file, io.in));
  std::vector<ApplyLine> lines;
  std::vector<std::string> raw = Lines(text);
  for (size_t i = 0; i < raw.size(); i++) {
    if (raw[i].find_first_not_of(" \t") == std::string::npos) continue;
    auto line = ParseApplyLine(raw[i]);
    if (!line.ok()) {
      return Status::InvalidArgument("line " + std::to_string(i + 1) + ": " +
                                     line.status().message() +
                                     " (nothing was applied)");
    }
    lines.push_back(std::move(line).value());
  }
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, true, io.err));
  size_t ops = 0, written = 0;
  for (size_t i = 0; i < lines.size();) {
    // Consecutive single operations: hyperbee's per-op blocks, one append.
    bool batch = lines[i].batch;
    BEE_ASSIGN_OR_RETURN(auto b, bee->MakeBatch(btree::BatchOptions{!batch}));
    size_t end = batch ? i + 1 : i;
    while (!batch && end < lines.size() && !lines[end].batch) end++;
    for (; i < end; i++) {
      for (const ApplyOp& op : lines[i].ops) {
        std::optional<std::string_view> v;
        if (op.value) v = *op.value;
        Result<bool> r = op.put ? b->Put(op.key, v, {CasFor(op.cas), true})
                                : b->Del(op.key, {CasFor(op.cas)});
        BEE_RETURN_IF_ERROR(r.status());
        ops++;
        if (*r) written++;
      }
    }
    BEE_RETURN_IF_ERROR(b->Flush());
  }
  if (io.o.json) {
    io.out << json{{"operations", ops},
                   {"written", written},
                   {"version", bee->version()}}
                  .dump()
           << "\n";
  } else {
    io.out << "applied " << ops << " operations (" << written
           << " blocks written), version " << bee->version() << "\n";
  }
  return bee->Close();
}

// ---------------------------------------------------------------- range

// Key bounds of range and diff; the options say whether each was given.
struct Bounds {
  std::string gt, gte, lt, lte;
  CLI::Option *gt_opt = nullptr, *gte_opt = nullptr, *lt_opt = nullptr,
              *lte_opt = nullptr;
};

Status ParseBounds(const Bounds& b, const Io& io,
                   std::optional<std::string>* gt,
                   std::optional<std::string>* gte,
                   std::optional<std::string>* lt,
                   std::optional<std::string>* lte) {
  BEE_ASSIGN_OR_RETURN(*gt, OptBytes(b.gt, b.gt_opt->count() > 0, io, "--gt"));
  BEE_ASSIGN_OR_RETURN(*gte,
                       OptBytes(b.gte, b.gte_opt->count() > 0, io, "--gte"));
  BEE_ASSIGN_OR_RETURN(*lt, OptBytes(b.lt, b.lt_opt->count() > 0, io, "--lt"));
  BEE_ASSIGN_OR_RETURN(*lte,
                       OptBytes(b.lte, b.lte_opt->count() > 0, io, "--lte"));
  return Status::OK();
}

Status Range(const std::string& dir, const Bounds& b, bool reverse,
             int64_t limit, const std::string& checkout, const Io& io) {
  btree::RangeOptions o;
  BEE_RETURN_IF_ERROR(ParseBounds(b, io, &o.gt, &o.gte, &o.lt, &o.lte));
  o.reverse = reverse;
  o.limit = limit;
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, false, io.err));
  BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, SnapshotFor(*bee, checkout));
  btree::RangeIterator it(snap, o);
  EntryTable table(&io.out, io.o);
  while (true) {
    BEE_ASSIGN_OR_RETURN(std::optional<btree::Entry> e, it.Next());
    if (!e) break;
    PrintEntry(*e, io, &table);
  }
  return Status::OK();
}

// ---------------------------------------------------------------- diff

Status Diff(const std::string& dir, const std::string& from,
            const std::string& to, const Bounds& b, int64_t limit,
            const Io& io) {
  btree::DiffOptions o;
  BEE_RETURN_IF_ERROR(ParseBounds(b, io, &o.gt, &o.gte, &o.lt, &o.lte));
  o.limit = limit;
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, false, io.err));
  auto right = SnapshotFor(*bee, from);
  if (!right.ok()) return right.status().WithContext("--from");
  BEE_ASSIGN_OR_RETURN(btree::Snapshot left, SnapshotFor(*bee, to));
  btree::DiffIterator it(left, *right, o);
  EntryTable table(&io.out, io.o);
  while (true) {
    BEE_ASSIGN_OR_RETURN(std::optional<btree::DiffEntry> d, it.Next());
    if (!d) break;
    if (io.o.json) {
      io.out << json{{"left", EntryJson(d->left, io.o)},
                     {"right", EntryJson(d->right, io.o)}}
                    .dump()
             << "\n";
    } else if (d->left && d->right) {
      table.Add({"~", std::to_string(d->left->seq), Cell(d->left->key, io.o),
                 ValueCell(d->right->value, io.o) + " -> " +
                     ValueCell(d->left->value, io.o)});
    } else if (d->left) {
      table.Add({"+", std::to_string(d->left->seq), Cell(d->left->key, io.o),
                 ValueCell(d->left->value, io.o)});
    } else {
      table.Add({"-", std::to_string(d->right->seq), Cell(d->right->key, io.o),
                 ValueCell(d->right->value, io.o)});
    }
  }
  return Status::OK();
}

// ---------------------------------------------------------------- history

struct SeqBounds {
  int64_t gt = 0, gte = 0, lt = 0, lte = 0;
  bool has_gt = false, has_gte = false, has_lt = false, has_lte = false;
};

Status History(const std::string& dir, const SeqBounds& b, bool reverse,
               int64_t limit, const Io& io) {
  btree::HistoryOptions o;
  if (b.has_gt) o.gt = b.gt;
  if (b.has_gte) o.gte = b.gte;
  if (b.has_lt) o.lt = b.lt;
  if (b.has_lte) o.lte = b.lte;
  o.reverse = reverse;
  o.limit = limit;
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, false, io.err));
  BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, SnapshotFor(*bee, ""));
  btree::HistoryIterator it(snap, o);
  EntryTable table(&io.out, io.o);
  while (true) {
    BEE_ASSIGN_OR_RETURN(std::optional<btree::HistoryEntry> e, it.Next());
    if (!e) break;
    const char* type =
        e->type == btree::HistoryEntry::Type::kDel ? "del" : "put";
    if (io.o.json) {
      io.out << json{{"type", type},
                     {"seq", e->seq},
                     {"key", BytesJson(e->key, io.o)},
                     {"value", ValueJson(e->value, io.o)}}
                    .dump()
             << "\n";
    } else {
      table.Add({std::to_string(e->seq), type, Cell(e->key, io.o),
                 e->type == btree::HistoryEntry::Type::kDel
                     ? ""
                     : ValueCell(e->value, io.o)});
    }
  }
  return Status::OK();
}

// ---------------------------------------------------------------- info

Status Info(const std::string& dir, const Io& io) {
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, false, io.err));
  const log::Core& core = bee->core();
  log::SignedHead head = core.head();
  // A new store has no block yet: its header (if known) is pending, to be
  // appended by the first write, as hyperbee does.
  const bool pending = head.length == 0;
  auto read = bee->GetHeader();
  if (!read.ok() && !(pending && read.status().IsNotFound())) {
    return read.status();
  }
  HeaderBlock header = read.ok() ? std::move(read).value() : HeaderBlock{};
  json metadata = nullptr;
  if (header.metadata) {
    metadata = json::object();
    const auto& m = *header.metadata;
    metadata["contentFeed"] =
        m.content_feed ? json(HexEncode(*m.content_feed)) : json(nullptr);
    metadata["userData"] =
        m.user_data ? BytesJson(*m.user_data, io.o) : json(nullptr);
  }
  json sig =
      head.signature.empty() ? json(nullptr) : json(HexEncode(head.signature));
  // Open already verified the head's signature; an empty log has none.
  bool verified = !head.signature.empty();
  if (io.o.json) {
    io.out << json{{"key", HexEncode(core.key())},
                   {"discoveryKey", HexEncode(core.discovery_key())},
                   {"length", head.length},
                   {"fork", head.fork},
                   {"byteLength", head.byte_length},
                   {"treeHash", HexEncode(head.tree_hash)},
                   {"signature", sig},
                   {"signatureVerified", verified},
                   {"headerPending", pending},
                   {"metadata", metadata}}
                  .dump()
           << "\n";
    return Status::OK();
  }
  EntryTable t(&io.out, io.o);
  t.Add({"key", HexEncode(core.key())});
  t.Add({"discovery key", HexEncode(core.discovery_key())});
  t.Add({"public key", HexEncode(core.public_key())});
  t.Add({"length", std::to_string(head.length) + " (version " +
                       std::to_string(bee->version()) + ")"});
  t.Add({"fork", std::to_string(head.fork)});
  t.Add({"byte length", std::to_string(head.byte_length)});
  t.Add({"tree hash", HexEncode(head.tree_hash)});
  t.Add({"signature",
         head.signature.empty() ? "(none)" : HexEncode(head.signature)});
  t.Add({"verified",
         verified ? "yes (Ed25519 over the signed tree)" : "no signature yet"});
  if (pending) t.Add({"header", "pending: the first write appends it"});
  if (header.metadata) {
    const auto& m = *header.metadata;
    t.Add({"content feed",
           m.content_feed ? HexEncode(*m.content_feed) : "(none)"});
    t.Add({"user data", m.user_data ? Cell(*m.user_data, io.o) : "(none)"});
  } else {
    t.Add({"metadata", "(none)"});
  }
  return Status::OK();
}

// ----------------------------------------------------------------
// export/import

Status Export(const std::string& dir, const Io& io) {
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, false, io.err));
  const log::Core& core = bee->core();
  std::string block;
  for (uint64_t i = 0; i < core.length(); i++) {
    BEE_RETURN_IF_ERROR(core.Get(i, &block));
    io.out << json{{"seq", i}, {"hex", HexEncode(block)}}.dump() << "\n";
  }
  return Status::OK();
}

struct ImportArgs {
  std::string dir, public_key, signature, file;
  uint64_t fork = 0;
};

Result<std::vector<std::string>> ParseExport(const std::string& text) {
  std::vector<std::string> blocks;
  std::vector<std::string> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); i++) {
    std::string where = "line " + std::to_string(i + 1);
    json obj = json::parse(lines[i], nullptr, false);
    if (obj.is_discarded() || !obj.is_object() || !obj.contains("seq") ||
        !obj["seq"].is_number_unsigned() || !obj.contains("hex") ||
        !obj["hex"].is_string()) {
      return Status::InvalidArgument(where +
                                     ": expected {\"seq\":N,\"hex\":\"...\"}");
    }
    if (obj["seq"].get<uint64_t>() != blocks.size()) {
      return Status::InvalidArgument(where + ": expected seq " +
                                     std::to_string(blocks.size()));
    }
    auto bytes = HexDecode(obj["hex"].get<std::string>());
    if (!bytes.ok()) return bytes.status().WithContext(where);
    blocks.push_back(std::move(bytes).value());
  }
  if (blocks.empty()) return Status::InvalidArgument("no blocks to import");
  return blocks;
}

Status ImportInto(const ImportArgs& a, const std::vector<std::string>& blocks) {
  BEE_ASSIGN_OR_RETURN(log::PublicKey pk,
                       HexDecodeFixed<32>(a.public_key, "--public-key"));
  BEE_ASSIGN_OR_RETURN(std::string sig, HexDecode(a.signature));
  if (sig.size() == 64) {
    log::Signature64 raw;
    std::copy(sig.begin(), sig.end(), raw.begin());
    sig = log::EncodeSignatureContainer(raw);
  } else if (sig.size() != 68) {
    return Status::InvalidArgument(
        "--signature: expected the 68-byte signature hypercore stores (or 64 "
        "raw bytes)");
  }
  std::string manifest = log::DefaultManifest(pk);
  BEE_ASSIGN_OR_RETURN(
      auto replica,
      log::Core::CreateReplica(a.dir, log::ManifestHash(manifest), manifest));
  Status s = log::ImportLog(replica.get(), blocks, a.fork, sig);
  if (!s.ok()) return s.WithContext("import refused");
  auto bee = btree::Bee::FromCore(std::move(replica));
  if (!bee.ok()) return bee.status().WithContext("import refused");
  return (*bee)->Close();
}

Status Import(const ImportArgs& a, const Io& io) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool existed = fs::exists(a.dir);
  if (existed && (!fs::is_directory(a.dir) || !fs::is_empty(a.dir, ec))) {
    return Status::InvalidArgument(a.dir +
                                   " exists and is not an empty directory");
  }
  BEE_ASSIGN_OR_RETURN(std::string text, ReadInput(a.file, io.in));
  BEE_ASSIGN_OR_RETURN(std::vector<std::string> blocks, ParseExport(text));
  Status s = ImportInto(a, blocks);
  if (!s.ok()) {
    // Leave nothing behind: the directory as it was (absent or empty).
    if (existed) {
      for (const auto& entry : fs::directory_iterator(a.dir, ec))
        fs::remove_all(entry, ec);
    } else {
      fs::remove_all(a.dir, ec);
    }
    return s;
  }
  if (io.o.json) {
    io.out << json{{"imported", blocks.size()}, {"verified", true}}.dump()
           << "\n";
  } else {
    io.out << "imported " << blocks.size() << " blocks into " << a.dir
           << " (signature verified; read-only)\n";
  }
  return Status::OK();
}

// ---------------------------------------------------------------- repair

Status Repair(const std::string& dir, const Io& io) {
  auto repaired = btree::RepairStore(dir);
  if (!repaired.ok()) return repaired.status().WithContext("cannot repair");
  const log::RepairReport& r = *repaired;
  // Version v is the tree after blocks 0..v-1: dropping blocks
  // [new_length, dropped_end) drops versions new_length+1..dropped_end.
  const bool dropped = r.dropped_end > r.new_length;
  if (io.o.json) {
    json versions = dropped ? json::array({r.new_length + 1, r.dropped_end})
                            : json(nullptr);
    io.out << json{{"changed", r.changed},
                   {"version", std::max<uint64_t>(1, r.new_length)},
                   {"fork", r.new_fork},
                   {"droppedVersions", versions},
                   {"droppedBlocks", r.dropped_end - r.new_length},
                   {"droppedBytes", r.dropped_bytes},
                   {"actions", r.actions}}
                  .dump()
           << "\n";
    return Status::OK();
  }
  if (!r.changed) {
    io.out << "nothing to repair: " << dir << " verifies (version "
           << std::max<uint64_t>(1, r.new_length) << "); no file was written\n";
    return Status::OK();
  }
  for (const std::string& action : r.actions) io.out << action << "\n";
  io.out << "repaired " << dir << ": version "
         << std::max<uint64_t>(1, r.new_length) << ", fork " << r.new_fork;
  if (dropped) {
    io.out << "; dropped versions " << r.new_length + 1 << ".." << r.dropped_end
           << " (blocks " << r.new_length << ".." << r.dropped_end - 1 << ", "
           << r.dropped_bytes << " bytes)\n";
  } else {
    io.out << "; nothing dropped\n";
  }
  return Status::OK();
}

// ---------------------------------------------------------------- wiring

// CLI11 silently clamps an integer past its type's range to the type's
// limit (`--gt 9223372036854775808` would read as INT64_MAX): refuse it.
template <typename T>
CLI::Validator InRange() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        T v;
        auto [end, ec] =
            std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec == std::errc::result_out_of_range) {
          return "'" + text + "' is out of the 64-bit range";
        }
        return std::string();
      },
      "");
}

void AddBounds(CLI::App* cmd, Bounds* b, const std::string& what) {
  b->gt_opt = cmd->add_option("--gt", b->gt, what + " greater than K")
                  ->option_text("K");
  b->gte_opt = cmd->add_option("--gte", b->gte, what + " at or after K")
                   ->option_text("K");
  b->lt_opt =
      cmd->add_option("--lt", b->lt, what + " less than K")->option_text("K");
  b->lte_opt = cmd->add_option("--lte", b->lte, what + " at or before K")
                   ->option_text("K");
  b->gt_opt->excludes(b->gte_opt);
  b->lt_opt->excludes(b->lte_opt);
}

}  // namespace

int RunBee(int argc, const char* const* argv, std::istream& in,
           std::ostream& out, std::ostream& err) {
  CLI::App app{
      "bee: a signed, versioned key/value store, byte-compatible with "
      "hyperbee 2 on hypercore 11",
      "bee"};
  app.set_version_flag("--version", btree::LibraryVersion());
  app.require_subcommand(1, 1);
  Io io{in, out, err, {}};
  app.add_flag("--json", io.o.json, "One JSON object per line");
  app.add_flag(
      "--hex", io.o.hex,
      "KEY arguments and bounds are hex; keys and values print as hex");
  std::function<Status()> action;

  CreateArgs create;
  auto* c = app.add_subcommand("create", "Create a new writable store in DIR");
  c->add_option("DIR", create.dir, "Store directory")->required();
  c->add_option("--seed", create.seed,
                "32-byte key pair seed (hex); default random")
      ->option_text("HEX32");
  auto* ud = c->add_option("--user-data", create.user_data, "Header user data")
                 ->option_text("STR");
  c->add_option("--content-feed", create.content_feed,
                "32-byte content feed key (hex)")
      ->option_text("HEX32");
  c->callback([&] {
    create.has_user_data = ud->count() > 0;
    action = [&] { return Create(create, io); };
  });

  std::string dir, key, value, checkout, file, from, to;
  std::vector<std::string> keys;
  auto* p = app.add_subcommand("put", "Put KEY (with VALUE, or no value)");
  p->add_option("DIR", dir, "Store directory")->required();
  p->add_option("KEY", key, "Key")->required();
  auto* v =
      p->add_option("VALUE", value, "Value (omitted: a put with no value)");
  p->callback([&] {
    action = [&] { return Put(dir, key, value, v->count() > 0, io); };
  });

  auto* d = app.add_subcommand("del", "Delete KEY");
  d->add_option("DIR", dir, "Store directory")->required();
  d->add_option("KEY", key, "Key")->required();
  d->callback([&] { action = [&] { return Del(dir, key, io); }; });

  auto* g = app.add_subcommand(
      "get", "Get one or more keys ('-' reads keys from stdin)");
  g->add_option("DIR", dir, "Store directory")->required();
  g->add_option("KEY", keys, "Keys")->required();
  g->add_option("--checkout", checkout, "Read at version V")->option_text("V");
  g->callback([&] { action = [&] { return Get(dir, keys, checkout, io); }; });

  auto* a = app.add_subcommand(
      "apply", "Apply NDJSON put/del/batch operations from FILE or -");
  a->add_option("DIR", dir, "Store directory")->required();
  a->add_option("FILE", file, "NDJSON file, or - for stdin")->required();
  a->callback([&] { action = [&] { return Apply(dir, file, io); }; });

  Bounds bounds, diff_bounds;
  bool reverse = false;
  int64_t limit = -1;
  auto* r = app.add_subcommand("range", "List entries in key order");
  r->add_option("DIR", dir, "Store directory")->required();
  AddBounds(r, &bounds, "Keys");
  r->add_flag("--reverse", reverse, "Descending order");
  r->add_option("--limit", limit, "At most N entries (negative: no limit)")
      ->check(InRange<int64_t>())
      ->option_text("N");
  r->add_option("--checkout", checkout, "Read at version V")->option_text("V");
  r->callback([&] {
    action = [&] { return Range(dir, bounds, reverse, limit, checkout, io); };
  });

  auto* df = app.add_subcommand("diff",
                                "Changes between versions: left = at --to "
                                "(default latest), right = at --from");
  df->add_option("DIR", dir, "Store directory")->required();
  df->add_option("--from", from, "The older version")
      ->required()
      ->option_text("V");
  df->add_option("--to", to, "The newer version (default: latest)")
      ->option_text("V");
  AddBounds(df, &diff_bounds, "Keys");
  df->add_option("--limit", limit, "At most N changes")
      ->check(InRange<int64_t>())
      ->option_text("N");
  df->callback([&] {
    action = [&] { return Diff(dir, from, to, diff_bounds, limit, io); };
  });

  SeqBounds seqs;
  auto* h = app.add_subcommand("history", "Every put and del in seq order");
  h->add_option("DIR", dir, "Store directory")->required();
  auto* hgt =
      h->add_option("--gt", seqs.gt, "Seqs after SEQ (negative: from the end)")
          ->check(InRange<int64_t>())
          ->option_text("SEQ");
  auto* hgte = h->add_option("--gte", seqs.gte, "Seqs from SEQ")
                   ->check(InRange<int64_t>())
                   ->option_text("SEQ");
  auto* hlt = h->add_option("--lt", seqs.lt, "Seqs before SEQ")
                  ->check(InRange<int64_t>())
                  ->option_text("SEQ");
  auto* hlte = h->add_option("--lte", seqs.lte, "Seqs up to SEQ")
                   ->check(InRange<int64_t>())
                   ->option_text("SEQ");
  hgt->excludes(hgte);
  hlt->excludes(hlte);
  h->add_flag("--reverse", reverse, "Newest first");
  h->add_option("--limit", limit, "At most N entries")
      ->check(InRange<int64_t>())
      ->option_text("N");
  h->callback([&] {
    seqs.has_gt = hgt->count() > 0;
    seqs.has_gte = hgte->count() > 0;
    seqs.has_lt = hlt->count() > 0;
    seqs.has_lte = hlte->count() > 0;
    action = [&] { return History(dir, seqs, reverse, limit, io); };
  });

  auto* i = app.add_subcommand(
      "info", "Key, length, fork, tree hash and signature of a store");
  i->add_option("DIR", dir, "Store directory")->required();
  i->callback([&] { action = [&] { return Info(dir, io); }; });

  auto* e = app.add_subcommand("export",
                               "Every block as NDJSON {\"seq\":N,\"hex\":...}");
  e->add_option("DIR", dir, "Store directory")->required();
  e->callback([&] { action = [&] { return Export(dir, io); }; });

  ImportArgs imp;
  auto* im = app.add_subcommand(
      "import",
      "Build a read-only store from exported blocks, after verifying them");
  im->add_option("DIR", imp.dir, "New store directory (absent or empty)")
      ->required();
  im->add_option("FILE", imp.file, "NDJSON export, or - for stdin")->required();
  im->add_option("--public-key", imp.public_key,
                 "The writer's Ed25519 public key (hex)")
      ->required()
      ->option_text("HEX");
  im->add_option("--signature", imp.signature,
                 "The signature of the last length (hex)")
      ->required()
      ->option_text("HEX");
  im->add_option("--fork", imp.fork, "The fork of that signature (default 0)")
      ->check(InRange<uint64_t>())
      ->option_text("N");
  im->callback([&] { action = [&] { return Import(imp, io); }; });

  auto* rp = app.add_subcommand(
      "repair",
      "Bring a damaged store back to the newest state that verifies, saying "
      "what was dropped (a store that verifies is not touched)");
  rp->add_option("DIR", dir, "Store directory")->required();
  rp->callback([&] { action = [&] { return Repair(dir, io); }; });

  for (CLI::App* sub : app.get_subcommands({})) sub->fallthrough();

  // `action` is set by the chosen subcommand's callback during parsing.
  return RunTool(
      app, argc, argv, [&] { return action(); }, out, err);
}

}  // namespace bee::tools
