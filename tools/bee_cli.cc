// `bee`: create, write, read, diff, inspect, export and import stores from
// the shell. Arguments are parsed by CLI11, NDJSON input (apply, import) by
// simdjson; bulk output (get, range, export) is formatted by hand into large
// buffers (tools/output.h), the rest through nlohmann-json. Every
// subcommand returns a Status that becomes "bee: error: ..." and exit 1.
//
// Keys live in hyperbee's terms: --sub NAME (repeatable) reads and writes
// within db.sub(NAME)..., keys given and printed relative to it;
// --key-encoding / --value-encoding utf-8|binary|json read and print keys
// and values as hyperbee's encodings do (json: tools/json_value.h). `watch`
// and `history --live` follow a store read-only (no writer lock), waiting
// for this process's appends and polling Bee::Refresh for another's (on
// bee://, for the server's announced lengths), until SIGINT or SIGTERM
// (tools/stop_signals.h), then exit 0.
#include "tools/bee_cli.h"

#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <istream>

#include "btree/diff.h"
#include "btree/history.h"
#include "btree/import.h"
#include "btree/iterator.h"
#include "btree/sub.h"
#include "btree/verify.h"
#include "btree/version.h"
#include "btree/watch.h"
#include "encoding/bytes.h"
#include "tools/json_value.h"
#include "tools/line_reader.h"
#include "tools/net_commands.h"
#include "tools/output.h"
#include "tools/progress.h"
#include "tools/remote_access.h"
#include "tools/stop_signals.h"
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
  // --sub (outermost first) and --sep (hex; every level's separator).
  std::vector<std::string> subs;
  std::string sep;
  bool has_sep = false;
  RemoteFlags* remote = nullptr;  // a read command's bee:// options
};

const char* EncodingName(Encoding enc) {
  switch (enc) {
    case Encoding::kUtf8:
      return "utf-8";
    case Encoding::kBinary:
      return "binary";
    case Encoding::kJson:
      return "json";
    case Encoding::kAuto:
      break;
  }
  return "";
}

// " (--key-encoding json)", " (--hex)"...: how an argument was read, for
// messages; empty for the default.
std::string KeyNote(const Io& io) {
  if (io.o.keys != Encoding::kAuto) {
    return std::string(" (--key-encoding ") + EncodingName(io.o.keys) + ")";
  }
  return io.o.hex ? " (--hex)" : "";
}

std::string ValueNote(const Io& io) {
  if (io.o.values == Encoding::kAuto) return "";
  return std::string(" (--value-encoding ") + EncodingName(io.o.values) + ")";
}

// `arg` as bytes under `enc`; errors name `what`.
Result<std::string> Encode(std::string_view arg, Encoding enc,
                           const std::string& what) {
  switch (enc) {
    case Encoding::kUtf8:
      if (!IsValidUtf8(arg)) {
        return Status::InvalidArgument(what + ": not valid UTF-8");
      }
      break;
    case Encoding::kBinary: {
      auto bytes = HexDecode(arg);
      if (!bytes.ok()) return bytes.status().WithContext(what);
      return bytes;
    }
    case Encoding::kJson: {
      auto text = JsonStringify(arg);
      if (!text.ok()) return text.status().WithContext(what);
      return text;
    }
    case Encoding::kAuto:
      break;
  }
  return std::string(arg);
}

// A key or bound given on the command line, under the key encoding (raw
// bytes by default, hex with --hex).
Result<std::string> ArgBytes(const std::string& arg, const Io& io,
                             const std::string& what) {
  return Encode(arg, io.o.key_encoding(), what + KeyNote(io));
}

// A VALUE argument, under --value-encoding (raw bytes by default, also
// with --hex, as before encodings existed).
Result<std::string> ValueBytes(const std::string& arg, const Io& io,
                               const std::string& what) {
  return Encode(arg, io.o.values, what + ValueNote(io));
}

Result<std::optional<std::string>> OptBytes(const std::string& arg, bool given,
                                            const Io& io,
                                            const std::string& what) {
  if (!given) return std::optional<std::string>();
  BEE_ASSIGN_OR_RETURN(std::string b, ArgBytes(arg, io, what));
  return std::optional<std::string>(std::move(b));
}

// ---------------------------------------------------------------- subs

// The sub-database keys live in (--sub, --sep): hyperbee's
// db.sub(a).sub(b) with the bee's separator (default 0x00) after each name
// (FORMAT.md §9). Keys are given and printed relative to it.
struct Space {
  std::optional<btree::SubDb> sub;  // none: the whole tree

  std::string Key(std::string_view key) const {
    return sub ? sub->Key(key) : std::string(key);
  }
  // A stored key relative to the sub. REQUIRES: it starts with the prefix.
  std::string_view Relative(std::string_view key) const {
    return sub ? key.substr(std::min(key.size(), sub->prefix().size())) : key;
  }
  bool Contains(std::string_view key) const {
    return !sub || key.substr(0, sub->prefix().size()) == sub->prefix();
  }
  btree::RangeOptions Translate(const btree::RangeOptions& o) const {
    return sub ? sub->Translate(o) : o;
  }
};

// Checks --sub names (valid UTF-8 unless keys are binary or raw: names
// are text, as in JS) and --sep, which needs a sub (from --sub, or, with
// `line_subs`, from apply lines); returns the separator.
Result<std::optional<std::string>> CheckSubs(
    const Io& io, const std::vector<std::string>& names,
    bool line_subs = false) {
  const Encoding enc = io.o.key_encoding();
  const bool text = enc == Encoding::kUtf8 || enc == Encoding::kJson;
  for (const std::string& name : names) {
    if (text && !IsValidUtf8(name)) {
      return Status::InvalidArgument("--sub '" + Escape(name) +
                                     "': not valid UTF-8" + KeyNote(io));
    }
  }
  if (!io.has_sep) return std::optional<std::string>();
  if (names.empty() && !line_subs) {
    return Status::InvalidArgument(
        "--sep is the separator after each sub name: give --sub too");
  }
  auto sep = HexDecode(io.sep);
  if (!sep.ok()) return sep.status().WithContext("--sep");
  return std::optional<std::string>(std::move(sep).value());
}

// The space of --sub (then `more`, nested inside) in `bee`.
Result<Space> SpaceFor(btree::Bee* bee, const Io& io,
                       const std::vector<std::string>& more = {},
                       bool line_subs = false) {
  std::vector<std::string> names = io.subs;
  names.insert(names.end(), more.begin(), more.end());
  BEE_ASSIGN_OR_RETURN(std::optional<std::string> sep,
                       CheckSubs(io, names, line_subs));
  Space space;
  for (const std::string& name : names) {
    space.sub = space.sub ? space.sub->Sub(name, sep)
                          : btree::SubDb::Of(bee, name, sep);
  }
  return space;
}

// An entry as printed: the key relative to the space and, under the json
// encodings, key and value parsed and written again as JS would
// (JsonStringify), naming the entry when the stored bytes are not JSON.
struct Printable {
  std::string_view key;
  std::optional<std::string_view> value;
  std::string key_buf, value_buf;
};

Status MakePrintable(uint64_t seq, std::string_view key,
                     std::optional<std::string_view> value, const Space& space,
                     const Io& io, Printable* p) {
  p->key = space.Relative(key);
  p->value = value;
  if (io.o.key_encoding() == Encoding::kJson) {
    auto k = JsonStringify(p->key);
    if (!k.ok()) {
      return k.status().WithContext("the key of seq " + std::to_string(seq) +
                                    " (--key-encoding json)");
    }
    p->key_buf = std::move(k).value();
    p->key = p->key_buf;
  }
  if (value && io.o.value_encoding() == Encoding::kJson) {
    auto v = JsonStringify(*value);
    if (!v.ok()) {
      return v.status().WithContext("the value of seq " + std::to_string(seq) +
                                    " (--value-encoding json)");
    }
    p->value_buf = std::move(v).value();
    p->value = p->value_buf;
  }
  return Status::OK();
}

// {"seq":N,"key":...,"value":...} for an entry, or null.
Status AppendEntry(std::string* out, const std::optional<btree::Entry>& e,
                   const Space& space, const Io& io) {
  if (!e) {
    out->append("null");
    return Status::OK();
  }
  Printable p;
  std::optional<std::string_view> value;
  if (e->value) value = *e->value;
  BEE_RETURN_IF_ERROR(MakePrintable(e->seq, e->key, value, space, io, &p));
  AppendEntryJson(out, e->seq, p.key, p.value, io.o);
  return Status::OK();
}

// The (key, value) cells of an entry for people.
Result<std::pair<std::string, std::string>> EntryCells(const btree::Entry& e,
                                                       const Space& space,
                                                       const Io& io) {
  Printable p;
  std::optional<std::string_view> value;
  if (e.value) value = *e.value;
  BEE_RETURN_IF_ERROR(MakePrintable(e.seq, e.key, value, space, io, &p));
  return std::make_pair(
      Cell(p.key, io.o.key_encoding()),
      p.value ? Cell(*p.value, io.o.value_encoding()) : "(no value)");
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
  std::optional<std::string> value;
  if (has_value) {
    BEE_ASSIGN_OR_RETURN(value, ValueBytes(value_arg, io, "VALUE"));
  }
  BEE_RETURN_IF_ERROR(CheckSubs(io, io.subs).status());
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, true, io.err));
  BEE_ASSIGN_OR_RETURN(Space space, SpaceFor(bee.get(), io));
  std::optional<std::string_view> v;
  if (value) v = *value;
  BEE_ASSIGN_OR_RETURN(bool written, bee->Put(space.Key(key), v));
  (void)written;  // always_duplicate: a put always writes
  btree::Entry e{bee->version() - 1, space.Key(key), value};
  if (io.o.json) {
    std::string line;
    BEE_RETURN_IF_ERROR(AppendEntry(&line, e, space, io));
    io.out << line << "\n";
  } else {
    io.out << "put " << Cell(key, io.o.key_encoding()) << " (seq " << e.seq
           << ")\n";
  }
  return bee->Close();
}

Status Del(const std::string& dir, const std::string& key_arg, const Io& io) {
  BEE_ASSIGN_OR_RETURN(std::string key, ArgBytes(key_arg, io, "KEY"));
  BEE_RETURN_IF_ERROR(CheckSubs(io, io.subs).status());
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, true, io.err));
  BEE_ASSIGN_OR_RETURN(Space space, SpaceFor(bee.get(), io));
  BEE_ASSIGN_OR_RETURN(bool written, bee->Del(space.Key(key)));
  const std::string cell = Cell(key, io.o.key_encoding());
  if (io.o.json) {
    io.out << json{{"deleted", written},
                   {"seq", written ? json(bee->version() - 1) : json(nullptr)}}
                  .dump()
           << "\n";
  } else if (written) {
    io.out << "deleted " << cell << " (seq " << bee->version() - 1 << ")\n";
  } else {
    io.out << cell << " not found: nothing written\n";
  }
  return bee->Close();
}

// ---------------------------------------------------------------- get

// Prints one lookup's result: the entry, or "null" / "(not found)".
// `key` is relative to the space.
Status PrintLookup(const btree::Snapshot& snap, const Space& space,
                   std::string_view key, const Io& io, OutBuffer* buf,
                   EntryTable* table) {
  BEE_ASSIGN_OR_RETURN(std::optional<btree::Entry> e, snap.Get(space.Key(key)));
  if (io.o.json) {
    BEE_RETURN_IF_ERROR(AppendEntry(buf->buf(), e, space, io));
    buf->buf()->push_back('\n');
    buf->Done();
  } else if (e) {
    Printable p;
    std::optional<std::string_view> value;
    if (e->value) value = *e->value;
    BEE_RETURN_IF_ERROR(MakePrintable(e->seq, e->key, value, space, io, &p));
    table->AddEntry(e->seq, p.key, p.value);
  } else {
    table->Add({"-", Cell(key, io.o.key_encoding()), "(not found)"});
  }
  return Status::OK();
}

// Looks up each key of stdin as it arrives, in one snapshot. What was
// printed is flushed before each read that may wait, so a person (or a
// program) writing one key and waiting for its answer gets it.
Status GetStdin(const btree::Snapshot& snap, const Space& space, const Io& io,
                OutBuffer* buf, EntryTable* table) {
  LineReader reader(&io.in);
  Status write = Status::OK();
  auto flush = [&] {
    table->Flush();
    if (write.ok()) write = buf->Flush();
  };
  std::string decoded;
  while (std::optional<std::string_view> line = reader.Next(flush)) {
    std::string_view key = *line;
    if (io.o.key_encoding() != Encoding::kAuto) {
      BEE_ASSIGN_OR_RETURN(
          decoded,
          ArgBytes(std::string(key), io,
                   "stdin line " + std::to_string(reader.line_number())));
      key = decoded;
    }
    BEE_RETURN_IF_ERROR(PrintLookup(snap, space, key, io, buf, table));
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
  BEE_RETURN_IF_ERROR(CheckSubs(io, io.subs).status());
  BEE_ASSIGN_OR_RETURN(auto bee, OpenReadStore(dir, io.remote, io.err));
  BEE_ASSIGN_OR_RETURN(Space space, SpaceFor(bee.get(), io));
  BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, SnapshotFor(*bee, checkout));
  OutBuffer buf(&io.out);
  EntryTable table(&io.out, io.o);
  for (const std::optional<std::string>& key : keys) {
    if (key) {
      bee.HintGet(snap, space.Key(*key));
      BEE_RETURN_IF_ERROR(PrintLookup(snap, space, *key, io, &buf, &table));
    } else {
      BEE_RETURN_IF_ERROR(GetStdin(snap, space, io, &buf, &table));
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
  std::vector<std::string> sub;  // nested inside --sub
};
struct ApplyLine {
  bool batch = false;
  std::vector<ApplyOp> ops;
};

// How one line's keys and values are read: the command's --key-encoding
// and --value-encoding, unless the line says "encoding": "hex" (both
// binary) or "utf8" (both strings, as they are).
struct LineEncodings {
  Encoding keys = Encoding::kAuto, values = Encoding::kAuto;
};

// A key or value field: under json any JSON value (stored as JS's
// JSON.stringify writes it), otherwise a string (hex under binary).
Result<std::string> JsonBytes(sj::element v, Encoding enc,
                              const std::string& what) {
  if (enc == Encoding::kJson) {
    auto text = JsonStringify(simdjson::minify(v));
    if (!text.ok()) return text.status().WithContext(what);
    return text;
  }
  std::string_view text;
  if (v.get_string().get(text) != simdjson::SUCCESS) {
    return Status::InvalidArgument(what + " must be a string");
  }
  if (enc != Encoding::kBinary) return std::string(text);
  auto bytes = HexDecode(text);
  if (!bytes.ok()) return bytes.status().WithContext(what);
  return bytes;
}

Result<LineEncodings> EncodingsOf(sj::object obj, const Io& io) {
  LineEncodings e{io.o.keys, io.o.values};
  std::optional<sj::element> encoding = Field(obj, "encoding");
  if (!encoding) return e;
  std::string_view name;
  if (encoding->get_string().get(name) == simdjson::SUCCESS) {
    if (name == "hex")
      return LineEncodings{Encoding::kBinary, Encoding::kBinary};
    if (name == "utf8" || name == "utf-8") return LineEncodings{};
  }
  return Status::InvalidArgument("\"encoding\" must be \"hex\" or \"utf8\"");
}

// "sub": ["name", ...] of a line or an operation, appended to *names.
Status SubField(sj::object obj, std::vector<std::string>* names) {
  std::optional<sj::element> sub = Field(obj, "sub");
  if (!sub) return Status::OK();
  sj::array array;
  if (sub->get_array().get(array) != simdjson::SUCCESS) {
    return Status::InvalidArgument("\"sub\" must be an array of names");
  }
  for (sj::element name : array) {
    std::string_view text;
    if (name.get_string().get(text) != simdjson::SUCCESS) {
      return Status::InvalidArgument("\"sub\" must be an array of names");
    }
    names->emplace_back(text);
  }
  return Status::OK();
}

Result<ApplyOp> ParseOp(sj::element element, const LineEncodings& enc,
                        const std::vector<std::string>& line_sub) {
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
  op.sub = line_sub;
  BEE_RETURN_IF_ERROR(SubField(obj, &op.sub));
  std::optional<sj::element> key = Field(obj, "key");
  if (!key) return Status::InvalidArgument("missing \"key\"");
  BEE_ASSIGN_OR_RETURN(op.key, JsonBytes(*key, enc.keys, "\"key\""));
  if (std::optional<sj::element> value = Field(obj, "value")) {
    if (!op.put) return Status::InvalidArgument("a del has no \"value\"");
    // null is no value, even under json (as hyperbee's put(key, null)).
    if (!value->is_null()) {
      BEE_ASSIGN_OR_RETURN(std::string v,
                           JsonBytes(*value, enc.values, "\"value\""));
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
                         JsonBytes(*want, enc.values, "\"cas\".\"value\""));
    op.cas = std::move(v);
  }
  return op;
}

// Parses one NDJSON line. REQUIRES: simdjson::SIMDJSON_PADDING bytes may be
// read past its end (ReadInput pads the whole text).
Result<ApplyLine> ParseApplyLine(std::string_view text, sj::parser* parser,
                                 const Io& io) {
  sj::element doc;
  if (parser->parse(text.data(), text.size(), false).get(doc) !=
      simdjson::SUCCESS) {
    return Status::InvalidArgument("not valid JSON");
  }
  sj::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Status::InvalidArgument("not a JSON object");
  }
  BEE_ASSIGN_OR_RETURN(LineEncodings enc, EncodingsOf(obj, io));
  ApplyLine line;
  std::optional<sj::element> type = Field(obj, "type");
  std::string_view type_name;
  if (!type || type->get_string().get(type_name) != simdjson::SUCCESS ||
      type_name != "batch") {
    BEE_ASSIGN_OR_RETURN(ApplyOp op, ParseOp(doc, enc, {}));
    line.ops.push_back(std::move(op));
    return line;
  }
  line.batch = true;
  std::vector<std::string> line_sub;
  BEE_RETURN_IF_ERROR(SubField(obj, &line_sub));
  std::optional<sj::element> ops = Field(obj, "ops");
  sj::array array;
  if (!ops || ops->get_array().get(array) != simdjson::SUCCESS) {
    return Status::InvalidArgument("a batch needs an \"ops\" array");
  }
  size_t i = 0;
  for (sj::element element : array) {
    auto op = ParseOp(element, enc, line_sub);
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
                                          Progress* progress, const Io& io) {
  std::vector<std::string_view> raw = Lines(text);
  progress->Stage("parsing lines", raw.size());
  std::vector<ApplyLine> lines;
  lines.reserve(raw.size());
  sj::parser parser;
  for (size_t i = 0; i < raw.size(); i++) {
    progress->Add();
    if (raw[i].find_first_not_of(" \t") == std::string_view::npos) continue;
    auto line = ParseApplyLine(raw[i], &parser, io);
    if (!line.ok()) {
      return Status::InvalidArgument("line " + std::to_string(i + 1) + ": " +
                                     line.status().message() +
                                     " (nothing was applied)");
    }
    lines.push_back(std::move(line).value());
  }
  return lines;
}

// no_sync: appends are not fsynced one by one; Close makes the whole run
// durable once, before the command reports success.
Status Apply(const std::string& dir, const std::string& file, bool no_sync,
             const Io& io) {
  Progress progress(&io.err, !io.quiet, io.terminal, "reading");
  size_t size = 0;
  BEE_ASSIGN_OR_RETURN(std::string text, ReadInput(file, io.in, &size));
  BEE_ASSIGN_OR_RETURN(
      std::vector<ApplyLine> lines,
      ParseApply(std::string_view(text.data(), size), &progress, io));
  text = std::string();
  progress.Finish();  // a warning from the open starts on a clean line
  BEE_RETURN_IF_ERROR(CheckSubs(io, io.subs, true).status());
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, true, io.err,
                                           no_sync ? log::Durability::kNoSync
                                                   : log::Durability::kSync));
  BEE_ASSIGN_OR_RETURN(Space root, SpaceFor(bee.get(), io, {}, true));
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
        std::string key = root.Key(op.key);
        if (!op.sub.empty()) {
          BEE_ASSIGN_OR_RETURN(Space space,
                               SpaceFor(bee.get(), io, op.sub, true));
          key = space.Key(op.key);
        }
        Result<bool> r = op.put ? b->Put(key, v, {CasFor(op.cas), true})
                                : b->Del(key, {CasFor(op.cas)});
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
  BEE_RETURN_IF_ERROR(CheckSubs(io, io.subs).status());
  BEE_ASSIGN_OR_RETURN(auto bee, OpenReadStore(dir, io.remote, io.err));
  BEE_ASSIGN_OR_RETURN(Space space, SpaceFor(bee.get(), io));
  BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, SnapshotFor(*bee, checkout));
  const btree::RangeOptions translated = space.Translate(o);
  bee.HintRange(snap, translated);
  btree::RangeIterator it(snap, translated);
  OutBuffer buf(&io.out);
  EntryTable table(&io.out, io.o);
  Printable p;
  while (true) {
    // A view lives while the snapshot does: printed before the next step.
    BEE_ASSIGN_OR_RETURN(std::optional<btree::EntryView> e, it.NextView());
    if (!e) break;
    BEE_RETURN_IF_ERROR(MakePrintable(e->seq, e->key, e->value, space, io, &p));
    if (io.o.json) {
      AppendEntryJson(buf.buf(), e->seq, p.key, p.value, io.o);
      buf.buf()->push_back('\n');
      buf.Done();
    } else {
      table.AddEntry(e->seq, p.key, p.value);
    }
  }
  table.Flush();
  return buf.Flush();
}

// ---------------------------------------------------------------- diff

// Diff bounds within the space (its default range when none is given).
btree::DiffOptions DiffRange(const Space& space, const btree::RangeOptions& r,
                             int64_t limit) {
  btree::RangeOptions t = space.Translate(r);
  btree::DiffOptions o;
  o.gt = std::move(t.gt);
  o.gte = std::move(t.gte);
  o.lt = std::move(t.lt);
  o.lte = std::move(t.lte);
  o.limit = limit;
  return o;
}

// {"left":entry|null,"right":entry|null}
Status AppendDiffJson(std::string* out, const btree::DiffEntry& d,
                      const Space& space, const Io& io) {
  out->append("{\"left\":");
  BEE_RETURN_IF_ERROR(AppendEntry(out, d.left, space, io));
  out->append(",\"right\":");
  BEE_RETURN_IF_ERROR(AppendEntry(out, d.right, space, io));
  out->push_back('}');
  return Status::OK();
}

// "~ seq key old -> new", "+ seq key value" or "- seq key value".
Result<std::vector<std::string>> DiffRow(const btree::DiffEntry& d,
                                         const Space& space, const Io& io) {
  const btree::Entry& shown = d.left ? *d.left : *d.right;
  BEE_ASSIGN_OR_RETURN(auto cells, EntryCells(shown, space, io));
  if (d.left && d.right) {
    BEE_ASSIGN_OR_RETURN(auto old, EntryCells(*d.right, space, io));
    return std::vector<std::string>{"~", std::to_string(shown.seq), cells.first,
                                    old.second + " -> " + cells.second};
  }
  return std::vector<std::string>{d.left ? "+" : "-", std::to_string(shown.seq),
                                  cells.first, cells.second};
}

Status Diff(const std::string& dir, const std::string& from,
            const std::string& to, const Bounds& b, int64_t limit,
            const Io& io) {
  btree::RangeOptions r;
  BEE_RETURN_IF_ERROR(ParseBounds(b, io, &r.gt, &r.gte, &r.lt, &r.lte));
  BEE_RETURN_IF_ERROR(CheckSubs(io, io.subs).status());
  BEE_ASSIGN_OR_RETURN(auto bee, OpenReadStore(dir, io.remote, io.err));
  BEE_ASSIGN_OR_RETURN(Space space, SpaceFor(bee.get(), io));
  auto right = SnapshotFor(*bee, from);
  if (!right.ok()) return right.status().WithContext("--from");
  BEE_ASSIGN_OR_RETURN(btree::Snapshot left, SnapshotFor(*bee, to));
  btree::DiffIterator it(left, *right, DiffRange(space, r, limit));
  EntryTable table(&io.out, io.o);
  OutBuffer buf(&io.out);
  while (true) {
    BEE_ASSIGN_OR_RETURN(std::optional<btree::DiffEntry> d, it.Next());
    if (!d) break;
    if (io.o.json) {
      BEE_RETURN_IF_ERROR(AppendDiffJson(buf.buf(), *d, space, io));
      buf.buf()->push_back('\n');
      buf.Done();
    } else {
      BEE_ASSIGN_OR_RETURN(std::vector<std::string> row,
                           DiffRow(*d, space, io));
      table.Add(row);
    }
  }
  table.Flush();
  return buf.Flush();
}

// ---------------------------------------------------------------- history

struct SeqBounds {
  int64_t gt = 0, gte = 0, lt = 0, lte = 0;
  bool has_gt = false, has_gte = false, has_lt = false, has_lte = false;
};

// How long a following command (watch, history --live) waits for a new
// length (its own process's appends, or a bee:// server's announcement
// verified by the replica) before it looks for another process's new
// signed length or the server's failure (ReadStore::Follow) and checks for
// SIGINT/SIGTERM.
constexpr std::chrono::milliseconds kFollowInterval(100);

// A following command needs the server of a bee:// store: its new lengths
// come from there.
Status CheckFollowable(const Io& io) {
  if (io.remote != nullptr && io.remote->offline) {
    return Status::InvalidArgument(
        "--offline reads the cache alone: following new writes needs the "
        "server");
  }
  return Status::OK();
}

// Prints one history entry (a JSON line, or a row of `table`).
Status PrintHistoryEntry(const btree::HistoryEntry& e, const Space& space,
                         const Io& io, OutBuffer* buf, EntryTable* table) {
  const bool del = e.type == btree::HistoryEntry::Type::kDel;
  Printable p;
  std::optional<std::string_view> value;
  if (e.value) value = *e.value;
  BEE_RETURN_IF_ERROR(MakePrintable(e.seq, e.key, value, space, io, &p));
  if (!io.o.json) {
    std::string cell = "(no value)";
    if (del) {
      cell.clear();
    } else if (p.value) {
      cell = Cell(*p.value, io.o.value_encoding());
    }
    table->Add({std::to_string(e.seq), del ? "del" : "put",
                Cell(p.key, io.o.key_encoding()), cell});
    return Status::OK();
  }
  std::string* out = buf->buf();
  out->append(del ? "{\"type\":\"del\",\"seq\":"
                  : "{\"type\":\"put\",\"seq\":");
  AppendUint(out, e.seq);
  out->append(",\"key\":");
  AppendBytesJson(out, p.key, io.o.key_encoding());
  out->append(",\"value\":");
  if (p.value) {
    AppendBytesJson(out, *p.value, io.o.value_encoding());
  } else {
    out->append("null");
  }
  out->append("}\n");
  buf->Done();
  return Status::OK();
}

Status History(const std::string& dir, const SeqBounds& b, bool reverse,
               int64_t limit, bool live, const Io& io) {
  btree::HistoryOptions o;
  if (b.has_gt) o.gt = b.gt;
  if (b.has_gte) o.gte = b.gte;
  if (b.has_lt) o.lt = b.lt;
  if (b.has_lte) o.lte = b.lte;
  o.reverse = reverse;
  o.live = live;
  if (live && (reverse || b.has_lt || b.has_lte)) {
    return Status::InvalidArgument(
        "--live follows new writes: it takes no --reverse, --lt or --lte");
  }
  if (live) BEE_RETURN_IF_ERROR(CheckFollowable(io));
  // Within a sub the limit counts the sub's entries, so it is applied here.
  const bool in_sub = !io.subs.empty();
  if (!in_sub) o.limit = limit;
  BEE_RETURN_IF_ERROR(CheckSubs(io, io.subs).status());
  BEE_ASSIGN_OR_RETURN(auto bee, OpenReadStore(dir, io.remote, io.err, live));
  BEE_ASSIGN_OR_RETURN(Space space, SpaceFor(bee.get(), io));
  BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, SnapshotFor(*bee, ""));
  std::optional<StopSignals> signals;
  if (live) signals.emplace();
  btree::HistoryIterator it(snap, o);
  OutBuffer buf(&io.out);
  EntryTable table(&io.out, io.o);
  int64_t shown = 0;
  while (limit < 0 || shown < limit) {
    BEE_ASSIGN_OR_RETURN(std::optional<btree::HistoryEntry> e,
                         it.Next(kFollowInterval));
    if (!e) {
      if (!live || StopSignals::Requested()) break;
      // Printed so far goes out before waiting for more.
      table.Flush();
      BEE_RETURN_IF_ERROR(buf.Flush());
      BEE_RETURN_IF_ERROR(bee.Follow());
      continue;
    }
    if (!space.Contains(e->key)) continue;
    BEE_RETURN_IF_ERROR(PrintHistoryEntry(*e, space, io, &buf, &table));
    shown++;
  }
  table.Flush();
  return buf.Flush();
}

// ---------------------------------------------------------------- watch

// The changes of one watch event: a JSON line per change
//   {"version":V,"type":"put"|"del","seq":S|null,"key":K,"value":X|null,
//    "previous":{"seq":S,"value":X|null}|null}
// or a row per change "V  +|~|-  seq  key  value" for people.
Status PrintWatchEvent(const btree::WatchEvent& ev, const Space& space,
                       const Io& io, OutBuffer* buf, EntryTable* table) {
  const uint64_t version = ev.current.version();
  if (ev.truncated) {
    if (io.o.json) {
      buf->buf()->append("{\"version\":");
      AppendUint(buf->buf(), version);
      buf->buf()->append(",\"type\":\"truncate\"}\n");
    } else {
      table->Add({std::to_string(version),
                  "truncated: the writer moved to a "
                  "new fork; later changes follow"});
    }
    return Status::OK();
  }
  for (const btree::DiffEntry& d : ev.changes) {
    if (!io.o.json) {
      BEE_ASSIGN_OR_RETURN(std::vector<std::string> row, DiffRow(d, space, io));
      row.insert(row.begin(), std::to_string(version));
      table->Add(row);
      continue;
    }
    const btree::Entry& shown = d.left ? *d.left : *d.right;
    Printable now, before;
    std::optional<std::string_view> value, previous;
    if (d.left && d.left->value) value = *d.left->value;
    if (d.right && d.right->value) previous = *d.right->value;
    BEE_RETURN_IF_ERROR(
        MakePrintable(shown.seq, shown.key, value, space, io, &now));
    BEE_RETURN_IF_ERROR(
        MakePrintable(shown.seq, shown.key, previous, space, io, &before));
    std::string* out = buf->buf();
    out->append("{\"version\":");
    AppendUint(out, version);
    out->append(d.left ? ",\"type\":\"put\",\"seq\":"
                       : ",\"type\":\"del\",\"seq\":");
    if (d.left) {
      AppendUint(out, d.left->seq);
    } else {
      out->append("null");
    }
    out->append(",\"key\":");
    AppendBytesJson(out, now.key, io.o.key_encoding());
    out->append(",\"value\":");
    if (now.value) {
      AppendBytesJson(out, *now.value, io.o.value_encoding());
    } else {
      out->append("null");
    }
    out->append(",\"previous\":");
    if (d.right) {
      out->append("{\"seq\":");
      AppendUint(out, d.right->seq);
      out->append(",\"value\":");
      if (before.value) {
        AppendBytesJson(out, *before.value, io.o.value_encoding());
      } else {
        out->append("null");
      }
      out->push_back('}');
    } else {
      out->append("null");
    }
    out->append("}\n");
  }
  return Status::OK();
}

// Follows DIR read-only (no writer lock), or a bee:// store as its server
// announces new lengths, until SIGINT or SIGTERM: each new version (written
// by any process) that changes the range prints its diff against the
// previous one. A remote store's failure (the server went away, moved to a
// new fork) ends it with an error.
Status Watch(const std::string& dir, const Bounds& b, const Io& io) {
  btree::RangeOptions r;
  BEE_RETURN_IF_ERROR(ParseBounds(b, io, &r.gt, &r.gte, &r.lt, &r.lte));
  BEE_RETURN_IF_ERROR(CheckSubs(io, io.subs).status());
  BEE_RETURN_IF_ERROR(CheckFollowable(io));
  BEE_ASSIGN_OR_RETURN(auto bee, OpenReadStore(dir, io.remote, io.err, true));
  BEE_ASSIGN_OR_RETURN(Space space, SpaceFor(bee.get(), io));
  StopSignals signals;
  btree::Watcher watcher(bee.get(), DiffRange(space, r, -1));
  // On stderr, so stdout holds only changes: from here on nothing is missed.
  io.err << "bee watch: watching " << dir << " from version " << bee->version()
         << " (SIGINT or SIGTERM stops)\n"
         << std::flush;
  OutBuffer buf(&io.out);
  while (!StopSignals::Requested()) {
    BEE_ASSIGN_OR_RETURN(std::optional<btree::WatchEvent> ev,
                         watcher.Next(kFollowInterval));
    if (ev) {
      EntryTable table(&io.out, io.o);
      BEE_RETURN_IF_ERROR(PrintWatchEvent(*ev, space, io, &buf, &table));
      table.Flush();
      BEE_RETURN_IF_ERROR(buf.Flush());
      continue;
    }
    BEE_RETURN_IF_ERROR(bee.Follow());
  }
  return buf.Flush();
}

// ---------------------------------------------------------------- truncate

// Keeps versions <= VERSION (blocks < VERSION), as hyperbee's
// core.truncate(VERSION): prints the writes dropped (the history from seq
// VERSION on), then truncates only with --yes.
Status Truncate(const std::string& dir, const std::string& version_arg,
                bool yes, const Io& io) {
  uint64_t version = 0;
  auto [end, ec] = std::from_chars(
      version_arg.data(), version_arg.data() + version_arg.size(), version);
  if (ec != std::errc() || end != version_arg.data() + version_arg.size()) {
    return Status::InvalidArgument("VERSION: '" + version_arg +
                                   "' is not a version number");
  }
  BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, yes, io.err));
  const uint64_t current = bee->version();
  if (version > current) {
    return Status::InvalidArgument(
        "VERSION " + version_arg + " is past the store's version " +
        std::to_string(current) + ": nothing to truncate");
  }
  // A version strictly inside a batch has no tree to keep.
  BEE_RETURN_IF_ERROR(bee->Checkout(version).status());
  const uint64_t length = bee->core().length();
  const uint64_t dropped = length > version ? length - version : 0;
  btree::HistoryOptions h;
  h.gte = static_cast<int64_t>(std::max<uint64_t>(version, 1));
  BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, bee->GetSnapshot());
  btree::HistoryIterator it(snap, h);
  OutBuffer buf(&io.out);
  EntryTable table(&io.out, io.o);
  Space root;
  while (true) {
    BEE_ASSIGN_OR_RETURN(std::optional<btree::HistoryEntry> e, it.Next());
    if (!e) break;
    BEE_RETURN_IF_ERROR(PrintHistoryEntry(*e, root, io, &buf, &table));
  }
  table.Flush();
  BEE_RETURN_IF_ERROR(buf.Flush());
  const std::string what =
      dropped == 0
          ? "nothing"
          : "versions " + std::to_string(std::max<uint64_t>(version, 1) + 1) +
                ".." + std::to_string(current) + " (" +
                std::to_string(dropped) +
                (dropped == 1 ? " block)" : " blocks)");
  if (!yes) {
    return Status::InvalidArgument("not truncated: it would drop " + what +
                                   ", listed above; pass --yes to truncate");
  }
  if (dropped > 0) BEE_RETURN_IF_ERROR(bee->Truncate(version));
  const log::Core& core = bee->core();
  if (io.o.json) {
    io.out << json{{"version", bee->version()},
                   {"fork", core.fork()},
                   {"droppedBlocks", dropped}}
                  .dump()
           << "\n";
  } else {
    io.out << "truncated " << dir << " to version " << bee->version()
           << " (fork " << core.fork() << "): dropped " << what << "\n";
  }
  return bee->Close();
}

// ---------------------------------------------------------------- info

Status Info(const std::string& dir, const Io& io) {
  BEE_ASSIGN_OR_RETURN(auto bee, OpenReadStore(dir, io.remote, io.err));
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
  BEE_ASSIGN_OR_RETURN(auto bee, OpenReadStore(dir, io.remote, io.err));
  const log::Core& core = bee->core();
  const uint64_t length = core.length();
  Progress progress(&io.err, !io.quiet, io.terminal, "exporting blocks",
                    length);
  OutBuffer buf(&io.out);
  // Read in chunks: one verified batch each (and, remote, one fetch).
  constexpr uint64_t kChunk = 1024;
  std::vector<uint64_t> chunk;
  for (uint64_t start = 0; start < length; start += kChunk) {
    chunk.clear();
    for (uint64_t i = start; i < std::min(length, start + kChunk); i++) {
      chunk.push_back(i);
    }
    BEE_RETURN_IF_ERROR(
        core.GetMany(chunk, [&](uint64_t i, std::string_view block) {
          std::string* line = buf.buf();
          line->append("{\"seq\":");
          AppendUint(line, i);
          line->append(",\"hex\":\"");
          AppendHex(line, block);
          line->append("\"}\n");
          buf.Done();
          progress.Add();
          return Status::OK();
        }));
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
  auto bee = btree::ImportStore(a.dir, pk, blocks, sig, a.fork);
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

// An encoding name, hyperbee's spelling ("utf8" too).
CLI::Validator EncodingValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text == "utf-8" || text == "utf8" || text == "binary" ||
            text == "json") {
          return std::string();
        }
        return "unknown encoding '" + text +
               "' (expected utf-8, binary or json)";
      },
      "");
}

Encoding EncodingNamed(const std::string& name) {
  if (name == "binary") return Encoding::kBinary;
  if (name == "json") return Encoding::kJson;
  if (name.empty()) return Encoding::kAuto;
  return Encoding::kUtf8;
}

// --sub, --sep, --key-encoding and --value-encoding; the names are turned
// into encodings by ResolveEncodings once the command line is parsed.
struct KeyArgs {
  std::string key_encoding, value_encoding;
};

void AddKeyOptions(CLI::App* cmd, Io* io, KeyArgs* k, bool values = true) {
  cmd->add_option("--sub", io->subs,
                  "Within sub-database NAME, as hyperbee's db.sub(NAME); "
                  "repeat for nested subs (--sub a --sub b is "
                  "db.sub('a').sub('b')). Keys are given and printed "
                  "relative to it")
      ->option_text("NAME")
      ->allow_extra_args(false);
  cmd->add_option("--sep", io->sep,
                  "The separator after each sub name, in hex (hyperbee's "
                  "sep, as new Hyperbee(core, {sep}); default 00)")
      ->option_text("HEX");
  cmd->add_option("--key-encoding", k->key_encoding,
                  "utf-8 (text, checked), binary (hex, as --hex) or json (a "
                  "JSON value, stored as JSON.stringify writes it); default: "
                  "raw bytes, printed as text when valid UTF-8")
      ->check(EncodingValidator())
      ->option_text("ENC");
  if (!values) return;
  cmd->add_option("--value-encoding", k->value_encoding,
                  "utf-8, binary (values given and printed as hex) or json "
                  "(parsed on write, printed as JSON values); default: raw "
                  "bytes, printed as text when valid UTF-8")
      ->check(EncodingValidator())
      ->option_text("ENC");
}

void ResolveEncodings(const KeyArgs& k, CLI::App* cmd, Io* io) {
  io->o.keys = EncodingNamed(k.key_encoding);
  io->o.values = EncodingNamed(k.value_encoding);
  io->has_sep = cmd->count("--sep") > 0;
}

constexpr const char* kStoreArg =
    "Store directory, or bee://HOST:PORT/KEYHEX (a remote store, read "
    "verified through a sparse replica)";

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
  RemoteFlags remote;  // the read commands' bee:// options
  Io io{in, out, err, terminal, {}, false, {}, {}, false, &remote};
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

  std::string dir, key, value, checkout, file, from, to, version;
  std::vector<std::string> keys;
  KeyArgs k;
  auto* p = app.add_subcommand("put", "Put KEY (with VALUE, or no value)");
  p->add_option("DIR", dir, "Store directory")->required();
  p->add_option("KEY", key, "Key")->required();
  auto* v =
      p->add_option("VALUE", value, "Value (omitted: a put with no value)");
  AddKeyOptions(p, &io, &k);
  p->callback([&] {
    ResolveEncodings(k, p, &io);
    action = [&] { return Put(dir, key, value, v->count() > 0, io); };
  });

  auto* d = app.add_subcommand("del", "Delete KEY");
  d->add_option("DIR", dir, "Store directory")->required();
  d->add_option("KEY", key, "Key")->required();
  AddKeyOptions(d, &io, &k, false);
  d->callback([&] {
    ResolveEncodings(k, d, &io);
    action = [&] { return Del(dir, key, io); };
  });

  auto* g = app.add_subcommand(
      "get", "Get one or more keys ('-' reads keys from stdin)");
  g->add_option("DIR", dir, kStoreArg)->required();
  AddRemoteFlags(g, &remote);
  // CLI11 reads an argument "[a,b]" of a list as the list's items: a JSON
  // array key is given with a space first (" [1]") or on stdin.
  g->add_option("KEY", keys,
                "Keys ('-': one per stdin line); a JSON array key "
                "(--key-encoding json) starts with a space: ' [1]'")
      ->required();
  g->add_option("--checkout", checkout, "Read at version V")->option_text("V");
  AddKeyOptions(g, &io, &k);
  g->callback([&] {
    ResolveEncodings(k, g, &io);
    action = [&] { return Get(dir, keys, checkout, io); };
  });

  auto* a = app.add_subcommand(
      "apply", "Apply NDJSON put/del/batch operations from FILE or -");
  a->add_option("DIR", dir, "Store directory")->required();
  a->add_option("FILE", file, "NDJSON file, or - for stdin")->required();
  bool no_sync = false;
  a->add_flag("--no-sync", no_sync,
              "Sync once at the end instead of after every append (faster; "
              "a power loss during the command can leave the store needing "
              "`bee repair`, which keeps what verifies)");
  AddQuiet(a, &io);
  AddKeyOptions(a, &io, &k);
  a->callback([&] {
    ResolveEncodings(k, a, &io);
    action = [&] { return Apply(dir, file, no_sync, io); };
  });

  Bounds bounds, diff_bounds;
  bool reverse = false;
  int64_t limit = -1;
  auto* r = app.add_subcommand("range", "List entries in key order");
  r->add_option("DIR", dir, kStoreArg)->required();
  AddRemoteFlags(r, &remote);
  AddBounds(r, &bounds, "Keys");
  r->add_flag("--reverse", reverse, "Descending order");
  r->add_option("--limit", limit, "At most N entries (negative: no limit)")
      ->check(InRange<int64_t>())
      ->option_text("N");
  r->add_option("--checkout", checkout, "Read at version V")->option_text("V");
  AddKeyOptions(r, &io, &k);
  r->callback([&] {
    ResolveEncodings(k, r, &io);
    action = [&] { return Range(dir, bounds, reverse, limit, checkout, io); };
  });

  auto* df = app.add_subcommand("diff",
                                "Changes between versions: left = at --to "
                                "(default latest), right = at --from");
  df->add_option("DIR", dir, kStoreArg)->required();
  AddRemoteFlags(df, &remote);
  df->add_option("--from", from, "The older version")
      ->required()
      ->option_text("V");
  df->add_option("--to", to, "The newer version (default: latest)")
      ->option_text("V");
  AddBounds(df, &diff_bounds, "Keys");
  df->add_option("--limit", limit, "At most N changes")
      ->check(InRange<int64_t>())
      ->option_text("N");
  AddKeyOptions(df, &io, &k);
  df->callback([&] {
    ResolveEncodings(k, df, &io);
    action = [&] { return Diff(dir, from, to, diff_bounds, limit, io); };
  });

  SeqBounds seqs;
  auto* h = app.add_subcommand("history", "Every put and del in seq order");
  h->add_option("DIR", dir, kStoreArg)->required();
  AddRemoteFlags(h, &remote);
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
  bool live = false;
  h->add_flag("--live", live,
              "Keep printing new writes (by any process; on bee://, as "
              "the server announces them) as they are signed, until SIGINT "
              "or SIGTERM");
  AddKeyOptions(h, &io, &k);
  h->callback([&] {
    ResolveEncodings(k, h, &io);
    seqs.has_gt = hgt->count() > 0;
    seqs.has_gte = hgte->count() > 0;
    seqs.has_lt = hlt->count() > 0;
    seqs.has_lte = hlte->count() > 0;
    action = [&] { return History(dir, seqs, reverse, limit, live, io); };
  });

  Bounds watch_bounds;
  auto* w = app.add_subcommand(
      "watch",
      "Follow DIR read-only (written by this or any process), or a bee:// "
      "store as its server announces new versions, and print the changes "
      "of each new version within the range, until SIGINT or SIGTERM");
  w->add_option("DIR", dir, kStoreArg)->required();
  AddRemoteFlags(w, &remote);
  AddBounds(w, &watch_bounds, "Keys");
  AddKeyOptions(w, &io, &k);
  w->callback([&] {
    ResolveEncodings(k, w, &io);
    action = [&] { return Watch(dir, watch_bounds, io); };
  });

  bool yes = false;
  auto* tr = app.add_subcommand(
      "truncate",
      "Keep versions <= VERSION (as hyperbee's core.truncate(VERSION)), "
      "moving to the next fork; lists the writes dropped");
  tr->add_option("DIR", dir, "Store directory")->required();
  tr->add_option("VERSION", version, "The last version to keep")->required();
  tr->add_flag("--yes", yes,
               "Truncate (without it: only list what would be dropped, and "
               "exit 1)");
  tr->callback(
      [&] { action = [&] { return Truncate(dir, version, yes, io); }; });

  auto* i = app.add_subcommand(
      "info", "Key, length, fork, tree hash and signature of a store");
  i->add_option("DIR", dir, kStoreArg)->required();
  AddRemoteFlags(i, &remote);
  i->callback([&] { action = [&] { return Info(dir, io); }; });

  auto* e = app.add_subcommand("export",
                               "Every block as NDJSON {\"seq\":N,\"hex\":...}");
  e->add_option("DIR", dir, kStoreArg)->required();
  AddRemoteFlags(e, &remote);
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
  // A remote read's cost goes last on stderr (after the reads, before an
  // error line).
  return RunTool(
      app, argc, argv,
      [&] {
        Status s = action();
        PrintRemoteStats(remote, err);
        return s;
      },
      out, err);
}

}  // namespace bee::tools
