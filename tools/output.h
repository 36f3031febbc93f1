// Output helpers shared by `bee` and `bee-dump`: keys and values are
// arbitrary bytes, so they are printed safely for people (escaped) and for
// machines (JSON strings when valid UTF-8, else {"hex": ...}).
//
// The Append* functions format straight into a caller's buffer (no
// temporary strings); OutBuffer and EntryTable write to the stream in large
// pieces, so printing a line costs no system call and no flush.
//
// Thread safety: none of these types may be shared between threads.
#ifndef BEE_TOOLS_OUTPUT_H_
#define BEE_TOOLS_OUTPUT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "btree/diff.h"
#include "btree/entry.h"
#include "btree/history.h"
#include "encoding/status.h"

namespace bee::tools {

// How keys and values are given and printed: hyperbee's encodings
// (FORMAT.md §10.7), plus the tool's default. kAuto: bytes as they are,
// printed as text when valid UTF-8, escaped (people) or {"hex": ...} (JSON)
// otherwise. kUtf8: text, decoded as Node does (each invalid sequence
// becomes U+FFFD). kBinary: hex. kJson: a JSON value (tools/json_value.h).
enum class Encoding : uint8_t { kAuto, kUtf8, kBinary, kJson };

struct OutputOptions {
  bool json = false;                // one JSON object per line
  bool hex = false;                 // keys and values as hex strings (kBinary)
  Encoding keys = Encoding::kAuto;  // --key-encoding
  Encoding values = Encoding::kAuto;  // --value-encoding
  // What entries' keys and values print as: the encoding given, else
  // kBinary with --hex, else kAuto.
  Encoding key_encoding() const {
    return keys == Encoding::kAuto && hex ? Encoding::kBinary : keys;
  }
  Encoding value_encoding() const {
    return values == Encoding::kAuto && hex ? Encoding::kBinary : values;
  }
};

bool IsValidUtf8(std::string_view s);

// `s` with each invalid UTF-8 sequence replaced by U+FFFD, as Node's
// Buffer.toString('utf-8') (the WHATWG decoder) does.
std::string DecodeUtf8Lossy(std::string_view s);

// Printable for a terminal: valid UTF-8 without control characters is kept;
// everything else is escaped (\n, \t, \\, \xNN).
std::string Escape(std::string_view bytes);

// Appenders. Each appends to *out and never clears it.
void AppendUint(std::string* out, uint64_t v);
void AppendHex(std::string* out, std::string_view bytes);
// As Escape.
void AppendEscaped(std::string* out, std::string_view bytes);
// As Cell.
void AppendCell(std::string* out, std::string_view bytes,
                const OutputOptions& o);
// A key or value under `enc` for people. kJson: REQUIRES bytes is
// JsonStringify output (callers normalise first and name the entry whose
// bytes are not JSON); printed as JsonPretty.
void AppendCell(std::string* out, std::string_view bytes, Encoding enc);
// A JSON string literal, escaped byte for byte as nlohmann's dump() does
// (", \, \b \f \n \r \t, other bytes below 0x20 as \u00xx; the rest as is).
// REQUIRES: utf8 is valid UTF-8 (IsValidUtf8).
void AppendJsonString(std::string* out, std::string_view utf8);
// As BytesJson(bytes, o).dump().
void AppendBytesJson(std::string* out, std::string_view bytes,
                     const OutputOptions& o);
// A key or value under `enc` as a JSON value: kJson appends the bytes as
// they are (REQUIRES: JsonStringify output), kUtf8 a string (decoded
// lossily), kBinary a hex string, kAuto as above.
void AppendBytesJson(std::string* out, std::string_view bytes, Encoding enc);
// As EntryJson(entry, o).dump(): {"seq":N,"key":...,"value":...|null}, the
// key under o.key_encoding() and the value under o.value_encoding().
void AppendEntryJson(std::string* out, uint64_t seq, std::string_view key,
                     std::optional<std::string_view> value,
                     const OutputOptions& o);

// A key or value for JSON output (kAuto, or kBinary with o.hex).
nlohmann::ordered_json BytesJson(std::string_view bytes,
                                 const OutputOptions& o);
// Under `enc`; kJson bytes are parsed by nlohmann-json, whose number format
// may differ from JS's: the CLI prints entries with the Append functions.
nlohmann::ordered_json BytesJson(std::string_view bytes, Encoding enc);
// A value under o.value_encoding() (null when absent).
nlohmann::ordered_json ValueJson(const std::optional<std::string>& v,
                                 const OutputOptions& o);
nlohmann::ordered_json EntryJson(const btree::Entry& e, const OutputOptions& o);
nlohmann::ordered_json EntryJson(const std::optional<btree::Entry>& e,
                                 const OutputOptions& o);

// Bytes on their way to a stream: appended to one buffer that is written
// with a single ostream::write once it holds kFlushAt bytes. Nothing is
// flushed per line; Flush() writes the rest and flushes the stream (call it
// at the end, and before waiting for input a person may be typing).
class OutBuffer {
 public:
  static constexpr size_t kFlushAt = 1 << 16;

  explicit OutBuffer(std::ostream* out) : out_(out) {
    buf_.reserve(2 * kFlushAt);
  }
  ~OutBuffer() { (void)Flush(); }
  OutBuffer(const OutBuffer&) = delete;
  OutBuffer& operator=(const OutBuffer&) = delete;

  // The buffer to append to; call Done() after each line or record.
  std::string* buf() { return &buf_; }
  void Done() {
    if (buf_.size() >= kFlushAt) Write();
  }
  // Writes what is buffered and flushes the stream; IOError if the stream
  // failed (a full disk, a closed pipe) at any point so far.
  Status Flush();

 private:
  void Write();

  std::ostream* out_;
  std::string buf_;
};

// Formats rows "seq  key  value" for people, aligning every column but the
// last over up to kRows rows at a time (a longer listing is aligned in
// pieces; Flush() ends a piece early). Each piece is written to the stream
// with one write.
class EntryTable {
 public:
  static constexpr size_t kRows = 4096;

  EntryTable(std::ostream* out, const OutputOptions& o) : out_(out), o_(o) {}
  ~EntryTable() { Flush(); }
  EntryTable(const EntryTable&) = delete;
  EntryTable& operator=(const EntryTable&) = delete;

  void Add(const std::vector<std::string>& row);
  // The row "seq  key  value" (or "(no value)") without temporaries, the
  // key and value under the options' encodings (kJson: REQUIRES as
  // AppendCell).
  void AddEntry(uint64_t seq, std::string_view key,
                std::optional<std::string_view> value);
  // Prints what was added.
  void Flush();

 private:
  // Cells are appended to text_; EndCell records where each one ends.
  void EndCell();
  void EndRow();

  std::ostream* out_;
  OutputOptions o_;
  std::string text_;  // every cell's text, one after another
  struct CellEnd {
    size_t end;    // offset in text_ just past the cell
    size_t width;  // display columns
  };
  std::vector<CellEnd> cells_;
  std::vector<size_t> row_ends_;  // index in cells_ past each row's last
  std::vector<size_t> widths_;    // per column, over the rows held
  size_t cell_start_ = 0;
};

// The human cell for bytes (kAuto, or kBinary with o.hex), or under `enc`.
std::string Cell(std::string_view bytes, const OutputOptions& o);
std::string Cell(std::string_view bytes, Encoding enc);
// A value under o.value_encoding(), or "(no value)".
std::string ValueCell(const std::optional<std::string>& v,
                      const OutputOptions& o);

}  // namespace bee::tools

#endif  // BEE_TOOLS_OUTPUT_H_
