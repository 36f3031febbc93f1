// `bee`: create, write, read, diff, inspect, export and import stores from
// the shell. Arguments are parsed by CLI11, NDJSON input (apply, import) by
// simdjson; bulk output (get, range, export) is formatted by hand into large
// buffers (tools/output.h), the rest through nlohmann-json. Every
// subcommand returns a Status that becomes "bee: error: ..." and exit 1.
#include "tools/bee_cli.h"

#include <simdjson.h>

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
#include "tools/line_reader.h"
#include "tools/net_commands.h"
#include "tools/output.h"
#include "tools/progress.h"
#include "tools/store_access.h"

namespace bee::tools {
namespace {

using json = nlohmann::ordered_json;
namespace sj = simdjson::dom;

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;  // warnings and progress
  const Terminal& terminal;
  OutputOptions o;
  bool quiet = false;  // no progress line
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

// Reads a whole file, or stdin for "-", followed by simdjson's padding
// (which the returned size counts; *size is the text's own).
Result<std::string> ReadInput(const std::string& path, std::istream& in,
                              size_t* size) {
  std::string text;
  if (path == "-") {
    text = ReadAll(&in);
  } else {
    std::ifstream f(path, std::ios::binary);
    if (!f) return Status::NotFound(path + ": cannot open");
    text = ReadAll(&f);
  }
  *size = text.size();
  text.append(simdjson::SIMDJSON_PADDING, '\0');
  return text;
}

// The lines of `text`, each without a '\r' before its end; an empty last
// line is dropped. The views point into `text`.
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// The last field of `obj` named `name` (a name may repeat; the last wins,
// as it did when nlohmann-json parsed these lines).
std::optional<sj::element> Field(sj::object obj, std::string_view name) {
  std::optional<sj::element> found;
  for (sj::key_value_pair field : obj) {
    if (field.key == name) found = field.value;
  }
  return found;
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

// Prints one lookup's result: the entry, or "null" / "(not found)".
Status PrintLookup(const btree::Snapshot& snap, std::string_view key,
                   const Io& io, OutBuffer* buf, EntryTable* table) {
  BEE_ASSIGN_OR_RETURN(std::optional<btree::Entry> e, snap.Get(key));
  if (io.o.json) {
    if (e) {
      std::optional<std::string_view> value;
      if (e->value) value = *e->value;
      AppendEntryJson(buf->buf(), e->seq, e->key, value, io.o);
    } else {
      buf->buf()->append("null");
    }
    buf->buf()->push_back('\n');
    buf->Done();
  } else if (e) {
    std::optional<std::string_view> value;
    if (e->value) value = *e->value;
    table->AddEntry(e->seq, e->key, value);
  } else {
    table->Add({"-", Cell(key, io.o), "(not found)"});
  }
  return Status::OK();
}

// Looks up each key of stdin as it arrives, in one snapshot. What was
// printed is flushed before each read that may wait, so a person (or a
// program) writing one key and waiting for its answer gets it.
Status GetStdin(const btree::Snapshot& snap, const Io& io, OutBuffer* buf,
                EntryTable* table) {
  LineReader reader(&io.in);
  Status write = Status::OK();
  auto flush = [&] {
    table->Flush();
    if (write.ok()) write = buf->Flush();
  };
  std::string decoded;
  while (std::optional<std::string_view> line = reader.Next(flush)) {
    std::string_view key = *line;
    if (io.o.hex) {
      auto bytes = HexDecode(key);
      if (!bytes.ok()) {
        return bytes.status().WithContext(
            "stdin line " + std::to_string(reader.line_number()) + " (--hex)");
      }
      decoded = std::move(bytes).value();
      key = decoded;
    }
    BEE_RETURN_IF_ERROR(PrintLookup(snap, key, io, buf, table));
  }
  return write;
}

Status Get(const std::string& dir, const std::vector<std::string>& key_args,
           const std::string& checkout, const Io& io) {
  // Keys given as arguments are checked before anything is opened; "-"
  // stands for the lines of stdin, read as they come.
  std::vector<std::optional<std::string>> keys;
  for (const std::string& k : key_args) {
    if (k == "-") {
      keys.emplace_back();
      continue;
    }
    BEE_ASSIGN_OR_RETURN(std::string key, ArgBytes(k, io, "KEY"));
    keys.emplace_back(std::move(key));
  }
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, false, io.err));
  BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, SnapshotFor(*bee, checkout));
  OutBuffer buf(&io.out);
  EntryTable table(&io.out, io.o);
  for (const std::optional<std::string>& key : keys) {
    if (key) {
      BEE_RETURN_IF_ERROR(PrintLookup(snap, *key, io, &buf, &table));
    } else {
      BEE_RETURN_IF_ERROR(GetStdin(snap, io, &buf, &table));
    }
  }
  table.Flush();
  return buf.Flush();
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

Result<std::string> JsonBytes(sj::element v, bool hex,
                              const std::string& what) {
  std::string_view text;
  if (v.get_string().get(text) != simdjson::SUCCESS) {
    return Status::InvalidArgument(what + " must be a string");
  }
  if (!hex) return std::string(text);
  auto bytes = HexDecode(text);
  if (!bytes.ok()) return bytes.status().WithContext(what);
  return bytes;
}

Result<bool> HexEncodingOf(sj::object obj) {
  std::optional<sj::element> encoding = Field(obj, "encoding");
  if (!encoding) return false;
  std::string_view name;
  if (encoding->get_string().get(name) == simdjson::SUCCESS) {
    if (name == "hex") return true;
    if (name == "utf8" || name == "utf-8") return false;
  }
  return Status::InvalidArgument("\"encoding\" must be \"hex\" or \"utf8\"");
}

Result<ApplyOp> ParseOp(sj::element element, bool hex) {
  sj::object obj;
  if (element.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("an operation must be an object");
  }
  std::optional<sj::element> type_field = Field(obj, "type");
  std::string_view type;
  if (!type_field || type_field->get_string().get(type) != simdjson::SUCCESS) {
    return Status::InvalidArgument("missing \"type\"");
  }
  ApplyOp op;
  if (type != "put" && type != "del") {
    return Status::InvalidArgument("unknown type \"" + std::string(type) +
                                   "\"");
  }
  op.put = type == "put";
  std::optional<sj::element> key = Field(obj, "key");
  if (!key) return Status::InvalidArgument("missing \"key\"");
  BEE_ASSIGN_OR_RETURN(op.key, JsonBytes(*key, hex, "\"key\""));
  if (std::optional<sj::element> value = Field(obj, "value")) {
    if (!op.put) return Status::InvalidArgument("a del has no \"value\"");
    if (!value->is_null()) {
      BEE_ASSIGN_OR_RETURN(std::string v, JsonBytes(*value, hex, "\"value\""));
      op.value = std::move(v);
    }
  }
  if (std::optional<sj::element> cas = Field(obj, "cas")) {
    sj::object cas_obj;
    std::optional<sj::element> want;
    if (cas->get_object().get(cas_obj) == simdjson::SUCCESS) {
      want = Field(cas_obj, "value");
    }
    if (!want) {
      return Status::InvalidArgument("\"cas\" must be {\"value\": ...}");
    }
    BEE_ASSIGN_OR_RETURN(std::string v,
                         JsonBytes(*want, hex, "\"cas\".\"value\""));
    op.cas = std::move(v);
  }
  return op;
}

// Parses one NDJSON line. REQUIRES: simdjson::SIMDJSON_PADDING bytes may be
// read past its end (ReadInput pads the whole text).
Result<ApplyLine> ParseApplyLine(std::string_view text, sj::parser* parser) {
  sj::element doc;
  if (parser->parse(text.data(), text.size(), false).get(doc) !=
      simdjson::SUCCESS) {
    return Status::InvalidArgument("not valid JSON");
  }
  sj::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("not a JSON object");
  }
  BEE_ASSIGN_OR_RETURN(bool hex, HexEncodingOf(obj));
  ApplyLine line;
  std::optional<sj::element> type = Field(obj, "type");
  std::string_view type_name;
  if (!type || type->get_string().get(type_name) != simdjson::SUCCESS ||
      type_name != "batch") {
    BEE_ASSIGN_OR_RETURN(ApplyOp op, ParseOp(doc, hex));
    line.ops.push_back(std::move(op));
    return line;
  }
  line.batch = true;
  std::optional<sj::element> ops = Field(obj, "ops");
  sj::array array;
  if (!ops || ops->get_array().get(array) != simdjson::SUCCESS) {
    return Status::InvalidArgument("a batch needs an \"ops\" array");
  }
  size_t i = 0;
  for (sj::element element : array) {
    auto op = ParseOp(element, hex);
    if (!op.ok()) {
      return op.status().WithContext("ops[" + std::to_string(i) + "]");
    }
    line.ops.push_back(std::move(op).value());
    i++;
  }
  return line;
}

btree::CasFn CasFor(const std::optional<std::string>& want) {
  if (!want) return nullptr;
  return [want](const btree::Entry& prev, const btree::Entry&) {
    return prev.value.has_value() && *prev.value == *want;
  };
}

// Parses every line first, so a bad line changes nothing.
Result<std::vector<ApplyLine>> ParseApply(std::string_view text,
                                          Progress* progress) {
  std::vector<std::string_view> raw = Lines(text);
  progress->Stage("parsing lines", raw.size());
  std::vector<ApplyLine> lines;
  lines.reserve(raw.size());
  sj::parser parser;
  for (size_t i = 0; i < raw.size(); i++) {
    progress->Add();
    if (raw[i].find_first_not_of(" \t") == std::string_view::npos) continue;
    auto line = ParseApplyLine(raw[i], &parser);
    if (!line.ok()) {
      return Status::InvalidArgument("line " + std::to_string(i + 1) + ": " +
                                     line.status().message() +
                                     " (nothing was applied)");
    }
    lines.push_back(std::move(line).value());
  }
  return lines;
}

Status Apply(const std::string& dir, const std::string& file, const Io& io) {
  Progress progress(&io.err, !io.quiet, io.terminal, "reading");
  size_t size = 0;
  BEE_ASSIGN_OR_RETURN(std::string text, ReadInput(file, io.in, &size));
  BEE_ASSIGN_OR_RETURN(
      std::vector<ApplyLine> lines,
      ParseApply(std::string_view(text.data(), size), &progress));
  text = std::string();
  progress.Finish();  // a warning from the open starts on a clean line
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, true, io.err));
  size_t total = 0;
  for (const ApplyLine& line : lines) total += line.ops.size();
  progress.Stage("applying operations", total);
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
        progress.Add();
      }
    }
    BEE_RETURN_IF_ERROR(b->Flush());
  }
  progress.Finish();
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
  OutBuffer buf(&io.out);
  EntryTable table(&io.out, io.o);
  while (true) {
    // A view lives while the snapshot does: printed before the next step.
    BEE_ASSIGN_OR_RETURN(std::optional<btree::EntryView> e, it.NextView());
    if (!e) break;
    if (io.o.json) {
      AppendEntryJson(buf.buf(), e->seq, e->key, e->value, io.o);
      buf.buf()->push_back('\n');
      buf.Done();
    } else {
      table.AddEntry(e->seq, e->key, e->value);
    }
  }
  table.Flush();
  return buf.Flush();
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
  const uint64_t length = core.length();
  Progress progress(&io.err, !io.quiet, io.terminal, "exporting blocks",
                    length);
  OutBuffer buf(&io.out);
  std::string block;
  for (uint64_t i = 0; i < length; i++) {
    BEE_RETURN_IF_ERROR(core.Get(i, &block));
    std::string* line = buf.buf();
    line->append("{\"seq\":");
    AppendUint(line, i);
    line->append(",\"hex\":\"");
    AppendHex(line, block);
    line->append("\"}\n");
    buf.Done();
    progress.Add();
  }
  progress.Finish();
  return buf.Flush();
}

struct ImportArgs {
  std::string dir, public_key, signature, file;
  uint64_t fork = 0;
};

// The blocks of an export, each line {"seq":N,"hex":"..."} (other fields
// are ignored) with N counting from 0.
Result<std::vector<std::string>> ParseExport(std::string_view text,
                                             Progress* progress) {
  std::vector<std::string_view> lines = Lines(text);
  progress->Stage("decoding blocks", lines.size());
  std::vector<std::string> blocks;
  blocks.reserve(lines.size());
  sj::parser parser;
  for (size_t i = 0; i < lines.size(); i++) {
    std::string where = "line " + std::to_string(i + 1);
    sj::element doc;
    sj::object obj;
    std::optional<sj::element> seq_field, hex_field;
    if (parser.parse(lines[i].data(), lines[i].size(), false).get(doc) ==
            simdjson::SUCCESS &&
        doc.get_object().get(obj) == simdjson::SUCCESS) {
      seq_field = Field(obj, "seq");
      hex_field = Field(obj, "hex");
    }
    uint64_t seq = 0;
    std::string_view hex;
    if (!seq_field || seq_field->get_uint64().get(seq) != simdjson::SUCCESS ||
        !hex_field || hex_field->get_string().get(hex) != simdjson::SUCCESS) {
      return Status::InvalidArgument(where +
                                     ": expected {\"seq\":N,\"hex\":\"...\"}");
    }
    if (seq != blocks.size()) {
      return Status::InvalidArgument(where + ": expected seq " +
                                     std::to_string(blocks.size()));
    }
    auto bytes = HexDecode(hex);
    if (!bytes.ok()) return bytes.status().WithContext(where);
    blocks.push_back(std::move(bytes).value());
    progress->Add();
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
  Progress progress(&io.err, !io.quiet, io.terminal, "reading");
  size_t size = 0;
  BEE_ASSIGN_OR_RETURN(std::string text, ReadInput(a.file, io.in, &size));
  BEE_ASSIGN_OR_RETURN(
      std::vector<std::string> blocks,
      ParseExport(std::string_view(text.data(), size), &progress));
  text = std::string();
  // One call of the library verifies and writes every block.
  progress.Stage("verifying and writing " + std::to_string(blocks.size()) +
                 " blocks");
  Status s = ImportInto(a, blocks);
  progress.Finish();
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
  Progress progress(&io.err, !io.quiet, io.terminal, "");
  progress.Stage("checking and repairing " + dir);
  auto repaired = btree::RepairStore(dir);
  progress.Finish();
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

void AddQuiet(CLI::App* cmd, Io* io) {
  cmd->add_flag("--quiet,-q", io->quiet,
                "No progress line on stderr (drawn only on a terminal)");
}

}  // namespace

int RunBee(int argc, const char* const* argv, std::istream& in,
           std::ostream& out, std::ostream& err, const Terminal& terminal) {
  CLI::App app{
      "bee: a signed, versioned key/value store, byte-compatible with "
      "hyperbee 2 on hypercore 11",
      "bee"};
  app.set_version_flag("--version", btree::LibraryVersion());
  app.require_subcommand(1, 1);
  Io io{in, out, err, terminal, {}};
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
  AddQuiet(a, &io);
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
  AddQuiet(e, &io);
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
  AddQuiet(im, &io);
  im->callback([&] { action = [&] { return Import(imp, io); }; });

  auto* rp = app.add_subcommand(
      "repair",
      "Bring a damaged store back to the newest state that verifies, saying "
      "what was dropped (a store that verifies is not touched)");
  rp->add_option("DIR", dir, "Store directory")->required();
  AddQuiet(rp, &io);
  rp->callback([&] { action = [&] { return Repair(dir, io); }; });

  ServeArgs serve;
  auto* sv = app.add_subcommand(
      "serve",
      "Serve stores to hypercore peers (JS or bee) over TCP until SIGINT or "
      "SIGTERM; new writes (by any process) are announced live");
  sv->add_option("DIR", serve.dirs, "Store directories")->required();
  sv->add_option("--listen", serve.listen,
                 "HOST:PORT to listen on (port 0: any free port)")
      ->option_text("HOST:PORT");
  sv->add_option("--refresh", serve.refresh_ms,
                 "How often to look for a writer process's new signed "
                 "lengths, in ms (default 200)")
      ->check(InRange<uint64_t>())
      ->option_text("MS");
  sv->callback([&] {
    serve.json = io.o.json;
    action = [&] { return Serve(serve, io.out, io.err); };
  });

  ReplicateArgs repl;
  auto* rl = app.add_subcommand(
      "replicate",
      "Download a whole store from a peer (bee://HOST:PORT/KEYHEX) into DIR, "
      "verifying every block; run again to resume");
  rl->add_option("URL", repl.url, "bee://HOST:PORT/KEYHEX")->required();
  rl->add_option("DIR", repl.dir, "Replica directory (new, or one to resume)")
      ->required();
  rl->add_flag("--live", repl.live,
               "Keep following new writes until SIGINT or SIGTERM");
  rl->add_option("--timeout", repl.timeout_ms,
                 "Fail after this long without progress, in ms (default "
                 "30000)")
      ->check(InRange<uint64_t>())
      ->option_text("MS");
  AddQuiet(rl, &io);
  rl->callback([&] {
    repl.json = io.o.json;
    repl.quiet = io.quiet;
    action = [&] { return Replicate(repl, io.out, io.err, io.terminal); };
  });

  for (CLI::App* sub : app.get_subcommands({})) sub->fallthrough();

  // `action` is set by the chosen subcommand's callback during parsing.
  return RunTool(
      app, argc, argv, [&] { return action(); }, out, err);
}

}  // namespace bee::tools
