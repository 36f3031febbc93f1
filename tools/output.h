// Output helpers shared by `bee` and `bee-dump`: keys and values are
// arbitrary bytes, so they are printed safely for people (escaped) and for
// machines (JSON strings when valid UTF-8, else {"hex": ...}).
#ifndef BEE_TOOLS_OUTPUT_H_
#define BEE_TOOLS_OUTPUT_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "btree/diff.h"
#include "btree/entry.h"
#include "btree/history.h"

namespace bee::tools {

struct OutputOptions {
  bool json = false;  // one JSON object per line
  bool hex = false;   // keys and values as hex strings
};

bool IsValidUtf8(std::string_view s);

// Printable for a terminal: valid UTF-8 without control characters is kept;
// everything else is escaped (\n, \t, \\, \xNN).
std::string Escape(std::string_view bytes);

// A key or value for JSON output.
nlohmann::ordered_json BytesJson(std::string_view bytes,
                                 const OutputOptions& o);
nlohmann::ordered_json ValueJson(const std::optional<std::string>& v,
                                 const OutputOptions& o);
nlohmann::ordered_json EntryJson(const btree::Entry& e, const OutputOptions& o);
nlohmann::ordered_json EntryJson(const std::optional<btree::Entry>& e,
                                 const OutputOptions& o);

// Formats entries as aligned rows "seq  key  value" for people.
class EntryTable {
 public:
  EntryTable(std::ostream* out, const OutputOptions& o) : out_(out), o_(o) {}
  ~EntryTable() { Flush(); }
  EntryTable(const EntryTable&) = delete;
  EntryTable& operator=(const EntryTable&) = delete;

  void Add(std::vector<std::string> row);
  // Prints what was added, aligning every column but the last.
  void Flush();

 private:
  std::ostream* out_;
  OutputOptions o_;
  std::vector<std::vector<std::string>> rows_;
};

// The human cell for a key or value.
std::string Cell(std::string_view bytes, const OutputOptions& o);
std::string ValueCell(const std::optional<std::string>& v,
                      const OutputOptions& o);

}  // namespace bee::tools

#endif  // BEE_TOOLS_OUTPUT_H_
