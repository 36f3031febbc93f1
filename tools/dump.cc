// `bee-dump`: blocks, the tree at a version, statistics and a full
// verification of a store, for people debugging data.
#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <map>
#include <set>

#include "btree/verify.h"
#include "btree/version_root.h"
#include "encoding/bytes.h"
#include "encoding/limits.h"
#include "tools/bee_cli.h"
#include "tools/output.h"
#include "tools/progress.h"
#include "tools/store_access.h"

namespace bee::tools {
namespace {

using internal_ref = btree::internal::NodeRef;
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
  const auto& cache = snap.cache();
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
    BEE_ASSIGN_OR_RETURN(auto block, cache.Get(seq));
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

// ---------------------------------------------------------------- tree walk

struct NodeVisit {
  internal_ref ref;
  const IndexLevel* level;
  size_t depth;
};

// Visits every node reachable from root in pre-order; stops on damage.
Status Walk(const btree::internal::BlockCache& cache,
            std::optional<internal_ref> root,
            const std::function<Status(const NodeVisit&)>& fn,
            std::vector<btree::internal::BlockPtr>* pins) {
  if (!root) return Status::OK();
  std::vector<std::pair<internal_ref, size_t>> stack{{*root, 0}};
  // A tree reaches each node once: a node reached twice is a subtree shared
  // by two parents, whose walk could list 2^depth nodes.
  std::set<std::pair<uint64_t, uint64_t>> seen;
  while (!stack.empty()) {
    auto [ref, depth] = stack.back();
    stack.pop_back();
    if (depth >= kMaxTreeDepth) return btree::TooDeep(ref);
    if (!seen.insert({ref.seq, ref.offset}).second) {
      return Status::Corruption("block " + std::to_string(ref.seq) + " level " +
                                std::to_string(ref.offset) +
                                " is the child of two nodes");
    }
    BEE_ASSIGN_OR_RETURN(auto block, cache.GetNode(ref));
    const IndexLevel* level = &block->levels[ref.offset];
    pins->push_back(block);
    BEE_RETURN_IF_ERROR(fn(NodeVisit{ref, level, depth}));
    for (size_t c = level->children.size(); c >= 2; c -= 2) {
      const internal_ref child{level->children[c - 2], level->children[c - 1]};
      BEE_RETURN_IF_ERROR(
          btree::internal::CheckChildRef(ref, c / 2 - 1, child));
      stack.push_back({child, depth + 1});
    }
  }
  return Status::OK();
}

Status DumpTree(const btree::Snapshot& snap, const OutputOptions& o,
                std::ostream& out) {
  const auto& cache = snap.cache();
  std::vector<btree::internal::BlockPtr> pins;
  if (!snap.root()) {
    out << (o.json ? "null\n" : "(empty tree)\n");
    return Status::OK();
  }
  return Walk(
      cache, snap.root(),
      [&](const NodeVisit& v) -> Status {
        std::vector<std::string> keys;
        json jkeys = json::array();
        for (uint64_t seq : v.level->keys) {
          BEE_ASSIGN_OR_RETURN(auto holder, cache.Get(seq));
          keys.push_back(Cell(holder->key, o));
          jkeys.push_back({{"seq", seq}, {"key", BytesJson(holder->key, o)}});
        }
        if (o.json) {
          out << json{{"depth", v.depth},
                      {"block", v.ref.seq},
                      {"level", v.ref.offset},
                      {"keys", jkeys},
                      {"leaf", v.level->children.empty()}}
                     .dump()
              << "\n";
          return Status::OK();
        }
        std::string line(2 * v.depth, ' ');
        line += "block " + std::to_string(v.ref.seq) + " level " +
                std::to_string(v.ref.offset) + ": [";
        for (size_t i = 0; i < keys.size(); i++)
          line += (i ? " " : "") + keys[i];
        out << line << "]\n";
        return Status::OK();
      },
      &pins);
}

// ---------------------------------------------------------------- stats

Status DumpStats(const btree::Bee& bee, const btree::Snapshot& snap,
                 const OutputOptions& o, std::ostream& out) {
  const auto& cache = snap.cache();
  std::vector<btree::internal::BlockPtr> pins;
  size_t nodes = 0, leaves = 0, depth = 0, keys = 0, min_fill = SIZE_MAX,
         max_fill = 0;
  std::set<std::pair<uint64_t, uint64_t>> reachable;
  BEE_RETURN_IF_ERROR(Walk(
      cache, snap.root(),
      [&](const NodeVisit& v) {
        nodes++;
        leaves += v.level->children.empty();
        depth = std::max(depth, v.depth + 1);
        keys += v.level->keys.size();
        if (v.depth > 0) {
          min_fill = std::min(min_fill, v.level->keys.size());
          max_fill = std::max(max_fill, v.level->keys.size());
        }
        reachable.insert({v.ref.seq, v.ref.offset});
        return Status::OK();
      },
      &pins));
  uint64_t key_bytes = 0, value_bytes = 0, index_bytes = 0, block_bytes = 0,
           stored_levels = 0;
  const log::Core& core = bee.core();
  std::string raw;
  std::vector<uint64_t> sizes(snap.version(), 0);  // bytes of block seq
  for (uint64_t seq = 1; seq < snap.version(); seq++) {
    BEE_RETURN_IF_ERROR(core.Get(seq, &raw));
    BEE_ASSIGN_OR_RETURN(auto block, cache.Get(seq));
    sizes[seq] = raw.size();
    block_bytes += raw.size();
    key_bytes += block->key.size();
    value_bytes += block->value ? block->value->size() : 0;
    stored_levels += block->levels.size();
  }
  index_bytes = block_bytes - key_bytes - value_bytes;
  uint64_t garbage = stored_levels - reachable.size();
  std::vector<uint64_t> appends = bee.Boundaries();
  // A new store (length 0) is at version 1 yet holds no block.
  const uint64_t blocks = std::min(snap.version(), bee.core().length());
  // What each version (append) added, when the boundaries are known.
  json per_version = json::array();
  for (size_t i = 1; i < appends.size() && appends[i] <= snap.version(); i++) {
    uint64_t bytes = 0;
    for (uint64_t seq = appends[i - 1]; seq < appends[i]; seq++)
      bytes += sizes[seq];
    per_version.push_back({{"version", appends[i]},
                           {"blocks", appends[i] - appends[i - 1]},
                           {"bytes", bytes}});
  }
  json j = {
      {"version", snap.version()},
      {"depth", depth},
      {"nodes", nodes},
      {"leaves", leaves},
      {"entries", keys},
      {"fillMin", nodes > 1 ? json(min_fill) : json(nullptr)},
      {"fillMax", nodes > 1 ? json(max_fill) : json(nullptr)},
      {"fillAverage",
       nodes ? static_cast<double>(keys) / static_cast<double>(nodes) : 0.0},
      {"blocks", blocks},
      {"bytes", block_bytes},
      {"keyBytes", key_bytes},
      {"valueBytes", value_bytes},
      {"indexBytes", index_bytes},
      {"appends", appends.empty() ? json(nullptr) : json(appends.size())},
      {"storedNodes", stored_levels},
      {"garbageNodes", garbage},
      {"perVersion", appends.empty() ? json(nullptr) : per_version}};
  if (o.json) {
    out << j.dump() << "\n";
    return Status::OK();
  }
  EntryTable t(&out, o);
  t.Add({"version", std::to_string(snap.version())});
  t.Add({"depth", std::to_string(depth)});
  t.Add({"nodes",
         std::to_string(nodes) + " (" + std::to_string(leaves) + " leaves)"});
  t.Add({"entries", std::to_string(keys)});
  if (nodes > 1) {
    char avg[32];
    std::snprintf(avg, sizeof(avg), "%.2f", j["fillAverage"].get<double>());
    t.Add({"fill", std::string("keys per node ") + avg + " (non-root min " +
                       std::to_string(min_fill) + ", max " +
                       std::to_string(max_fill) + ")"});
  }
  t.Add({"blocks",
         std::to_string(blocks) + " (" +
             (appends.empty() ? std::string("appends unknown")
                              : std::to_string(appends.size()) + " appends") +
             ")"});
  t.Add({"bytes", std::to_string(block_bytes) + " in node blocks: keys " +
                      std::to_string(key_bytes) + ", values " +
                      std::to_string(value_bytes) + ", index " +
                      std::to_string(index_bytes)});
  t.Add({"garbage", std::to_string(garbage) + " of " +
                        std::to_string(stored_levels) +
                        " stored nodes are no longer reachable"});
  // The latest appends: the blocks and bytes each version added.
  size_t shown = std::min<size_t>(per_version.size(), 10);
  for (size_t i = per_version.size() - shown; i < per_version.size(); i++) {
    const json& v = per_version[i];
    t.Add({i + 1 == per_version.size() - shown + 1 ? "per version" : "",
           "version " + std::to_string(v["version"].get<uint64_t>()) + ": +" +
               std::to_string(v["blocks"].get<uint64_t>()) + " blocks, +" +
               std::to_string(v["bytes"].get<uint64_t>()) + " bytes"});
  }
  return Status::OK();
}

// ---------------------------------------------------------------- verify

// Checks the tree invariants at one version; every problem is appended.
void VerifyTree(const btree::Snapshot& snap, std::vector<std::string>* errors,
                Progress* progress) {
  const auto& cache = snap.cache();
  std::optional<size_t> leaf_depth;
  std::optional<std::string> previous;
  // In-order key check: walk with a range iterator-like recursion.
  std::function<void(internal_ref, size_t, bool)> visit = [&](internal_ref ref,
                                                              size_t depth,
                                                              bool is_root) {
    if (errors->size() > 50) return;
    std::string where = "block " + std::to_string(ref.seq) + " level " +
                        std::to_string(ref.offset);
    if (ref.seq >= snap.version()) {
      errors->push_back(where + ": referenced from version " +
                        std::to_string(snap.version()) + " but lies beyond it");
      return;
    }
    if (depth >= kMaxTreeDepth) {
      errors->push_back(btree::TooDeep(ref).ToString());
      return;
    }
    auto block = cache.GetNode(ref);
    progress->Add();
    if (!block.ok()) {
      errors->push_back(where + ": " + block.status().ToString());
      return;
    }
    const IndexLevel& level = (*block)->levels[ref.offset];
    size_t k = level.keys.size();
    bool leaf = level.children.empty();
    if (!leaf && level.children.size() != 2 * k + 2) {
      errors->push_back(where + ": " + std::to_string(k) + " keys but " +
                        std::to_string(level.children.size() / 2) +
                        " children");
      return;
    }
    if (k > 8 || (!is_root && k < 4)) {
      errors->push_back(where + ": holds " + std::to_string(k) +
                        " keys (a non-root node holds 4 to 8)");
    }
    if (leaf) {
      if (leaf_depth && *leaf_depth != depth) {
        errors->push_back(where + ": leaf at depth " + std::to_string(depth) +
                          ", others at " + std::to_string(*leaf_depth));
      }
      leaf_depth = depth;
    }
    for (size_t i = 0; i <= k; i++) {
      if (!leaf) {
        const internal_ref child{level.children[2 * i],
                                 level.children[2 * i + 1]};
        // Only references a hyperbee tree can hold are followed (no cycle,
        // nothing past the version).
        Status ok = btree::internal::CheckChildRef(ref, i, child);
        if (ok.ok()) {
          visit(child, depth + 1, false);
        } else {
          errors->push_back(ok.ToString());
        }
      }
      if (i == k) break;
      auto holder = cache.Get(level.keys[i]);
      if (!holder.ok()) {
        errors->push_back(where + ": key seq " + std::to_string(level.keys[i]) +
                          ": " + holder.status().ToString());
        continue;
      }
      if (level.keys[i] >= snap.version()) {
        errors->push_back(where + ": key seq " + std::to_string(level.keys[i]) +
                          " beyond the version");
      }
      if (previous && !(*previous < (*holder)->key)) {
        errors->push_back(where + ": key " + Escape((*holder)->key) +
                          " is not after " + Escape(*previous));
      }
      previous = (*holder)->key;
    }
  };
  if (snap.root()) visit(*snap.root(), 0, true);
}

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
      VerifyTree(*snap, &errors, progress);
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
  app.add_option("DIR", dir, "Store directory")->required();
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
      Progress progress(&err, !quiet, terminal, "verifying");
      return Verify(dir, checkout, o, out, err, &progress);
    }
    BEE_ASSIGN_OR_RETURN(auto bee, OpenStore(dir, false, err));
    BEE_ASSIGN_OR_RETURN(btree::Snapshot snap, SnapshotFor(*bee, checkout));
    if (tree) return DumpTree(snap, o, out);
    if (stats) return DumpStats(*bee, snap, o, out);
    return DumpBlocks(*bee, snap, o, out);
  };
  return RunTool(app, argc, argv, run, out, err);
}

}  // namespace bee::tools
