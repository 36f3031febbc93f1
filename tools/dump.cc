// `bee-dump`: blocks, the tree at a version, statistics and a full
// verification of a store, for people debugging data.
#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "btree/inspect.h"
#include "btree/verify.h"
#include "encoding/bytes.h"
#include "encoding/limits.h"
#include "tools/bee_cli.h"
#include "tools/output.h"
#include "tools/progress.h"
#include "tools/remote_access.h"
#include "tools/store_access.h"

namespace bee::tools {
namespace {

using json = nlohmann::ordered_json;

std::string Preview(const std::optional<std::string>& v,
                    const OutputOptions& o) {
  if (!v) return "(no value)";
  std::string cell = Cell(*v, o);
  if (cell.size() > 40) cell = cell.substr(0, 37) + "...";
  return cell;
}

std::string RefText(uint64_t seq, uint64_t offset) {
  return "(" + std::to_string(seq) + "," + std::to_string(offset) + ")";
}

json LevelJson(const IndexLevel& level) {
  json children = json::array();
  for (size_t i = 0; i + 1 < level.children.size(); i += 2) {
    children.push_back({level.children[i], level.children[i + 1]});
  }
  return {{"keys", level.keys}, {"children", children}};
}

// ---------------------------------------------------------------- blocks

Status DumpBlocks(const btree::Bee& bee, const btree::Snapshot& snap,
                  const OutputOptions& o, std::ostream& out) {
  // A new store has no block yet, not even its header (written with the
  // first write, as hyperbee does).
  if (bee.core().length() == 0) return Status::OK();
  BEE_ASSIGN_OR_RETURN(HeaderBlock header, bee.GetHeader());
  const uint64_t version = snap.version();
  if (o.json) {
    json h = {{"seq", 0}, {"kind", "header"}, {"protocol", header.protocol}};
    if (header.metadata) {
      h["contentFeed"] = header.metadata->content_feed
                             ? json(HexEncode(*header.metadata->content_feed))
                             : json(nullptr);
      h["userData"] = header.metadata->user_data
                          ? BytesJson(*header.metadata->user_data, o)
                          : json(nullptr);
    }
    out << h.dump() << "\n";
  } else {
    out << "0     header  protocol=" << Escape(header.protocol);
    if (header.metadata && header.metadata->content_feed) {
      out << " contentFeed=" << HexEncode(*header.metadata->content_feed);
    }
    if (header.metadata && header.metadata->user_data) {
      out << " userData=" << Cell(*header.metadata->user_data, o);
    }
    out << "\n";
  }
  for (uint64_t seq = 1; seq < version; seq++) {
    BEE_ASSIGN_OR_RETURN(auto block, btree::ReadNodeBlock(snap, seq));
    const char* kind = IsDeletion(*block, seq) ? "del" : "put";
    if (o.json) {
      json levels = json::array();
      for (const IndexLevel& l : block->levels) levels.push_back(LevelJson(l));
      out << json{{"seq", seq},
                  {"kind", kind},
                  {"key", BytesJson(block->key, o)},
                  {"value", ValueJson(block->value, o)},
                  {"levels", levels}}
                 .dump()
          << "\n";
      continue;
    }
    out << seq
        << std::string(seq < 100000 ? 6 - std::to_string(seq).size() : 1, ' ')
        << kind << "     " << Cell(block->key, o) << " = "
        << Preview(block->value, o) << "\n";
    for (size_t i = 0; i < block->levels.size(); i++) {
      const IndexLevel& l = block->levels[i];
      out << "        level " << i << ": keys [";
      for (size_t k = 0; k < l.keys.size(); k++)
        out << (k ? " " : "") << l.keys[k];
      out << "]";
      if (!l.children.empty()) {
        out << " children [";
        for (size_t c = 0; c + 1 < l.children.size(); c += 2) {
          out << (c ? " " : "") << RefText(l.children[c], l.children[c + 1]);
        }
        out << "]";
      }
      out << "\n";
    }
  }
  return Status::OK();
}

// ---------------------------------------------------------------- tree

Status DumpTree(const btree::Snapshot& snap, const OutputOptions& o,
                std::ostream& out) {
  bool any = false;
  BEE_RETURN_IF_ERROR(btree::WalkTree(snap, [&](const btree::TreeNode& v) {
    any = true;
    std::vector<std::string> keys;
    json jkeys = json::array();
    for (uint64_t seq : v.index->keys) {
      BEE_ASSIGN_OR_RETURN(auto holder, btree::ReadNodeBlock(snap, seq));
      keys.push_back(Cell(holder->key, o));
      jkeys.push_back({{"seq", seq}, {"key", BytesJson(holder->key, o)}});
    }
    if (o.json) {
      out << json{{"depth", v.depth},
                  {"block", v.seq},
                  {"level", v.level},
                  {"keys", jkeys},
                  {"leaf", v.index->children.empty()}}
                 .dump()
          << "\n";
      return Status::OK();
    }
    std::string line(2 * v.depth, ' ');
    line += "block " + std::to_string(v.seq) + " level " +
            std::to_string(v.level) + ": [";
    for (size_t i = 0; i < keys.size(); i++) line += (i ? " " : "") + keys[i];
    out << line << "]\n";
    return Status::OK();
  }));
  // No root: the tree at the version is empty.
  if (!any) out << (o.json ? "null\n" : "(empty tree)\n");
  return Status::OK();
}

// ---------------------------------------------------------------- stats

json StatsJson(const btree::TreeStats& s) {
  json per_version = json::array();
  for (const auto& a : s.per_version) {
    per_version.push_back(
        {{"version", a.version}, {"blocks", a.blocks}, {"bytes", a.bytes}});
  }
  const bool known = !s.appends.empty();
  return {{"version", s.version},
          {"depth", s.depth},
          {"nodes", s.nodes},
          {"leaves", s.leaves},
          {"entries", s.entries},
          {"fillMin", s.fill_min ? json(*s.fill_min) : json(nullptr)},
          {"fillMax", s.fill_max ? json(*s.fill_max) : json(nullptr)},
          {"fillAverage", s.nodes ? static_cast<double>(s.entries) /
                                        static_cast<double>(s.nodes)
                                  : 0.0},
          {"blocks", s.blocks},
          {"bytes", s.bytes},
          {"keyBytes", s.key_bytes},
          {"valueBytes", s.value_bytes},
          {"indexBytes", s.index_bytes},
          {"appends", known ? json(s.appends.size()) : json(nullptr)},
          {"storedNodes", s.stored_nodes},
          {"garbageNodes", s.garbage_nodes},
          {"perVersion", known ? per_version : json(nullptr)}};
}

Status DumpStats(const btree::Bee& bee, const btree::Snapshot& snap,
                 const OutputOptions& o, std::ostream& out) {
  BEE_ASSIGN_OR_RETURN(btree::TreeStats s, btree::ComputeTreeStats(bee, snap));
  const json j = StatsJson(s);
  if (o.json) {
    out << j.dump() << "\n";
    return Status::OK();
  }
  auto num = [](uint64_t v) { return std::to_string(v); };
  EntryTable t(&out, o);
  t.Add({"version", num(s.version)});
  t.Add({"depth", num(s.depth)});
  t.Add({"nodes", num(s.nodes) + " (" + num(s.leaves) + " leaves)"});
  t.Add({"entries", num(s.entries)});
  if (s.nodes > 1) {
    char avg[32];
    std::snprintf(avg, sizeof(avg), "%.2f", j["fillAverage"].get<double>());
    t.Add({"fill", std::string("keys per node ") + avg + " (non-root min " +
                       num(s.fill_min.value_or(0)) + ", max " +
                       num(s.fill_max.value_or(0)) + ")"});
  }
  t.Add(
      {"blocks", num(s.blocks) + " (" +
                     (s.appends.empty() ? std::string("appends unknown")
                                        : num(s.appends.size()) + " appends") +
                     ")"});
  t.Add({"bytes", num(s.bytes) + " in node blocks: keys " + num(s.key_bytes) +
                      ", values " + num(s.value_bytes) + ", index " +
                      num(s.index_bytes)});
  t.Add({"garbage", num(s.garbage_nodes) + " of " + num(s.stored_nodes) +
                        " stored nodes are no longer reachable"});
  // The latest appends: the blocks and bytes each version added.
  const size_t shown = std::min<size_t>(s.per_version.size(), 10);
  const size_t first = s.per_version.size() - shown;
  for (size_t i = first; i < s.per_version.size(); i++) {
    const auto& v = s.per_version[i];
    t.Add({i == first ? "per version" : "",
           "version " + num(v.version) + ": +" + num(v.blocks) + " blocks, +" +
               num(v.bytes) + " bytes"});
  }
  return Status::OK();
}

// ---------------------------------------------------------------- verify

// The library's check of every file, then the tree invariants at the
// version (when the files verify).
Status Verify(const std::string& dir, const std::string& checkout,
              const OutputOptions& o, std::ostream& out, std::ostream& err,
              Progress* progress) {
  // One call of the library checks the files: no count to show.
  progress->Stage("verifying every file of " + dir);
  BEE_ASSIGN_OR_RETURN(log::VerifyReport report, btree::VerifyStore(dir));
  std::vector<std::string>& errors = report.failures;
  uint64_t version = 0;
  if (errors.empty()) {
    progress->Finish();  // a warning from the open starts on a clean line
    BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, false, err));
    // The files verify, yet the version's tree may not read (a writer can
    // sign any bytes): that is a failure in the list, not an exit.
    auto snap = SnapshotFor(*bee, checkout);
    if (snap.ok()) {
      version = snap->version();
      progress->Stage("checking tree nodes");
      btree::TreeCheckOptions check;
      check.on_node = [progress] { progress->Add(); };
      check.quote_key = [](std::string_view key) { return Escape(key); };
      for (std::string& e : btree::CheckTree(*snap, check)) {
        errors.push_back(std::move(e));
      }
    } else {
      errors.push_back(snap.status().ToString());
    }
  }
  progress->Finish();
  if (o.json) {
    out << json{{"ok", errors.empty()},
                {"version", version ? json(version) : json(nullptr)},
                {"errors", errors},
                {"notes", report.notes}}
               .dump()
        << "\n";
  } else {
    for (const std::string& e : errors) out << "FAIL " << e << "\n";
    if (errors.empty()) {
      out << "ok: every file verifies (" << report.intact_length
          << " blocks against the signature), tree at version " << version
          << " is well formed\n";
    }
    for (const std::string& n : report.notes) out << "note " << n << "\n";
  }
  if (!errors.empty()) {
    return Status::Corruption(std::to_string(errors.size()) +
                              " problem(s) found");
  }
  return Status::OK();
}

}  // namespace

int RunBeeDump(int argc, const char* const* argv, std::ostream& out,
               std::ostream& err, const Terminal& terminal) {
  CLI::App app{
      "bee-dump: inspect a bee store (blocks, tree, statistics, verification)",
      "bee-dump"};
  std::string dir, checkout;
  OutputOptions o;
  bool tree = false, stats = false, verify = false, quiet = false;
  app.add_option("DIR", dir,
                 "Store directory, or bee://HOST:PORT/KEYHEX (a remote store)")
      ->required();
  RemoteFlags remote;
  AddRemoteFlags(&app, &remote, "--net-stats");
  app.add_option("--checkout", checkout, "Inspect version V (default: latest)")
      ->option_text("V");
  app.add_flag("--json", o.json, "One JSON object per line");
  app.add_flag("--hex", o.hex, "Keys and values as hex");
  app.add_flag("--tree", tree, "Draw the B-tree at the version");
  app.add_flag("--stats", stats, "Depth, nodes, fill, bytes by kind, garbage");
  app.add_flag(
      "--verify", verify,
      "Check every byte of every file (blocks, tree records, head slots, "
      "boundaries) and the tree invariants");
  app.add_flag("--quiet,-q", quiet,
               "No progress line on stderr (drawn only on a terminal)");
  auto run = [&]() -> Status {
    if (verify) {
      if (IsRemote(dir)) {
        return Status::InvalidArgument(
            "--verify checks a store's files: give a directory (bee "
            "replicate copies a remote store into one)");
      }
      Progress progress(&err, !quiet, terminal, "verifying");
      return Verify(dir, checkout, o, out, err, &progress);
    }
    BEE_ASSIGN_OR_RETURN(auto bee, OpenReadStore(dir, &remote, err));
    BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, SnapshotFor(*bee, checkout));
    if (tree) return DumpTree(snap, o, out);
    if (stats) return DumpStats(*bee, snap, o, out);
    return DumpBlocks(*bee, snap, o, out);
  };
  return RunTool(
      app, argc, argv,
      [&] {
        Status s = run();
        PrintRemoteStats(remote, err);
        return s;
      },
      out, err);
}

}  // namespace bee::tools
