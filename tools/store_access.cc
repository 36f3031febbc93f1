#include "tools/store_access.h"

#include <charconv>

namespace bee::tools {

Result<std::unique_ptr<btree::Bee>> OpenStore(const std::string& dir,
                                              bool writable,
                                              std::ostream& warnings,
                                              log::Durability durability) {
  btree::BeeOptions options;
  options.core.read_only = !writable;
  options.core.durability = durability;
  auto bee = btree::Bee::Open(dir, options);
  if (!bee.ok()) return bee.status().WithContext("cannot open store");
  if (const auto& damage = (*bee)->head_damage()) {
    warnings << "warning: " << damage->description << "\n";
  }
  if (writable && !(*bee)->core().writable()) {
    return Status::InvalidArgument(dir +
                                   " is read-only (it has no secret key, e.g. "
                                   "an imported store)");
  }
  return bee;
}

Result<btree::Snapshot> SnapshotFor(const btree::Bee& bee,
                                    const std::string& version) {
  if (version.empty()) {
    auto snap = bee.GetSnapshot();
    if (!snap.ok()) return snap.status().WithContext("latest version");
    return snap;
  }
  uint64_t v = 0;
  auto [end, ec] =
      std::from_chars(version.data(), version.data() + version.size(), v);
  if (ec != std::errc() || end != version.data() + version.size()) {
    return Status::InvalidArgument("--checkout: '" + version +
                                   "' is not a version number");
  }
  auto snap = bee.Checkout(v);
  if (!snap.ok()) return snap.status().WithContext("--checkout " + version);
  return snap;
}

int RunTool(CLI::App& app, int argc, const char* const* argv,
            const std::function<Status()>& action, std::ostream& out,
            std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& ex) {
    return app.exit(ex, out, err) == 0 ? 0 : 2;
  }
  Status s = action();
  if (!s.ok()) {
    err << app.get_name() << ": error: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace bee::tools
