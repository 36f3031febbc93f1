#include "tools/output.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "encoding/bytes.h"
#include "tools/json_value.h"

namespace bee::tools {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// What Escape does with each byte.
enum class EscapeKind : uint8_t { kCopy, kEscape, kHigh };

constexpr std::array<EscapeKind, 256> MakeEscapeTable() {
  std::array<EscapeKind, 256> t{};
  for (size_t c = 0; c < 256; c++) {
    if (c < 0x20 || c == 0x7f || c == '\\') {
      t[c] = EscapeKind::kEscape;
    } else if (c >= 0x80) {
      t[c] = EscapeKind::kHigh;
    } else {
      t[c] = EscapeKind::kCopy;
    }
  }
  return t;
}
constexpr std::array<EscapeKind, 256> kEscapeTable = MakeEscapeTable();

// Bytes a JSON string literal must escape: '"', '\\' and those below 0x20.
constexpr std::array<bool, 256> MakeJsonTable() {
  std::array<bool, 256> t{};
  for (size_t c = 0; c < 0x20; c++) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}
constexpr std::array<bool, 256> kJsonEscape = MakeJsonTable();

// The two hex digits of each byte value, side by side.
constexpr std::array<char, 512> MakeHexPairs() {
  std::array<char, 512> t{};
  for (size_t b = 0; b < 256; b++) {
    t[2 * b] = kHexDigits[b >> 4];
    t[2 * b + 1] = kHexDigits[b & 0xf];
  }
  return t;
}
constexpr std::array<char, 512> kHexPairs = MakeHexPairs();

uint8_t Byte(char c) { return static_cast<uint8_t>(c); }

// Whether s[i..] starts with 8 ASCII bytes.
bool EightAscii(std::string_view s, size_t i) {
  uint64_t w;
  std::memcpy(&w, s.data() + i, 8);
  return (w & 0x8080808080808080ull) == 0;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size() && EightAscii(s, i)) {
      i += 8;
      continue;
    }
    unsigned char c = Byte(s[i]);
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; k++) {
      unsigned char cc = Byte(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

std::string DecodeUtf8Lossy(std::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  static constexpr char kReplacement[] = "\xef\xbf\xbd";  // U+FFFD
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t c = Byte(s[i]);
    // The sequence's length and the range its second byte must be in
    // (which excludes overlong forms, surrogates and values past U+10FFFF).
    size_t need = 0;
    uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0x80) {
      out.push_back(s[i++]);
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      out += kReplacement;
      i++;
      continue;
    }
    size_t k = 1;
    for (; k <= need && i + k < s.size(); k++) {
      const uint8_t cc = Byte(s[i + k]);
      if (cc < lo || cc > hi) break;
      lo = 0x80;
      hi = 0xbf;
    }
    if (k > need) {
      out.append(s.data() + i, need + 1);
    } else {
      out += kReplacement;  // the maximal bad prefix, then resume at s[i+k]
    }
    i += k;
  }
  return out;
}

void AppendUint(std::string* out, uint64_t v) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), v);
  (void)ec;  // 20 digits hold any uint64_t
  out->append(digits, end);
}

void AppendHex(std::string* out, std::string_view bytes) {
  size_t at = out->size();
  out->resize(at + 2 * bytes.size());
  char* p = out->data() + at;
  for (char ch : bytes) {
    std::memcpy(p, &kHexPairs[2 * size_t{Byte(ch)}], 2);
    p += 2;
  }
}

void AppendEscaped(std::string* out, std::string_view bytes) {
  const bool utf8 = IsValidUtf8(bytes);
  size_t run = 0;  // start of the bytes copied as they are
  for (size_t i = 0; i < bytes.size(); i++) {
    const uint8_t c = Byte(bytes[i]);
    const EscapeKind kind = kEscapeTable[c];
    if (kind == EscapeKind::kCopy || (kind == EscapeKind::kHigh && utf8)) {
      continue;
    }
    out->append(bytes.data() + run, i - run);
    run = i + 1;
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\t') {
      out->append("\\t");
    } else {
      const char esc[4] = {'\\', 'x', kHexDigits[c >> 4], kHexDigits[c & 0xf]};
      out->append(esc, 4);
    }
  }
  out->append(bytes.data() + run, bytes.size() - run);
}

std::string Escape(std::string_view bytes) {
  std::string out;
  AppendEscaped(&out, bytes);
  return out;
}

void AppendCell(std::string* out, std::string_view bytes,
                const OutputOptions& o) {
  if (o.hex) {
    AppendHex(out, bytes);
  } else {
    AppendEscaped(out, bytes);
  }
}

void AppendCell(std::string* out, std::string_view bytes, Encoding enc) {
  switch (enc) {
    case Encoding::kBinary:
      AppendHex(out, bytes);
      return;
    case Encoding::kUtf8:
      AppendEscaped(out, DecodeUtf8Lossy(bytes));
      return;
    case Encoding::kJson:
      out->append(JsonPretty(bytes));
      return;
    case Encoding::kAuto:
      AppendEscaped(out, bytes);
      return;
  }
}

void AppendJsonString(std::string* out, std::string_view utf8) {
  out->push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < utf8.size(); i++) {
    const uint8_t c = Byte(utf8[i]);
    if (!kJsonEscape[c]) continue;
    out->append(utf8.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char esc[6] = {
            '\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xf]};
        out->append(esc, 6);
      }
    }
  }
  out->append(utf8.data() + run, utf8.size() - run);
  out->push_back('"');
}

void AppendBytesJson(std::string* out, std::string_view bytes,
                     const OutputOptions& o) {
  if (o.hex) {
    out->push_back('"');
    AppendHex(out, bytes);
    out->push_back('"');
  } else if (IsValidUtf8(bytes)) {
    AppendJsonString(out, bytes);
  } else {
    out->append("{\"hex\":\"");
    AppendHex(out, bytes);
    out->append("\"}");
  }
}

void AppendBytesJson(std::string* out, std::string_view bytes, Encoding enc) {
  switch (enc) {
    case Encoding::kBinary:
      out->push_back('"');
      AppendHex(out, bytes);
      out->push_back('"');
      return;
    case Encoding::kUtf8:
      AppendJsonString(out, DecodeUtf8Lossy(bytes));
      return;
    case Encoding::kJson:
      out->append(bytes);
      return;
    case Encoding::kAuto:
      AppendBytesJson(out, bytes, OutputOptions{});
      return;
  }
}

void AppendEntryJson(std::string* out, uint64_t seq, std::string_view key,
                     std::optional<std::string_view> value,
                     const OutputOptions& o) {
  out->append("{\"seq\":");
  AppendUint(out, seq);
  out->append(",\"key\":");
  AppendBytesJson(out, key, o.key_encoding());
  out->append(",\"value\":");
  if (value) {
    AppendBytesJson(out, *value, o.value_encoding());
  } else {
    out->append("null");
  }
  out->push_back('}');
}

nlohmann::ordered_json BytesJson(std::string_view bytes,
                                 const OutputOptions& o) {
  if (o.hex) return HexEncode(bytes);
  if (IsValidUtf8(bytes)) return std::string(bytes);
  return nlohmann::ordered_json{{"hex", HexEncode(bytes)}};
}

nlohmann::ordered_json BytesJson(std::string_view bytes, Encoding enc) {
  switch (enc) {
    case Encoding::kBinary:
      return HexEncode(bytes);
    case Encoding::kUtf8:
      return DecodeUtf8Lossy(bytes);
    case Encoding::kJson:
      return nlohmann::ordered_json::parse(bytes, nullptr, false);
    case Encoding::kAuto:
      break;
  }
  return BytesJson(bytes, OutputOptions{});
}

nlohmann::ordered_json ValueJson(const std::optional<std::string>& v,
                                 const OutputOptions& o) {
  return v ? BytesJson(*v, o.value_encoding())
           : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json EntryJson(const btree::Entry& e,
                                 const OutputOptions& o) {
  return nlohmann::ordered_json{{"seq", e.seq},
                                {"key", BytesJson(e.key, o.key_encoding())},
                                {"value", ValueJson(e.value, o)}};
}

nlohmann::ordered_json EntryJson(const std::optional<btree::Entry>& e,
                                 const OutputOptions& o) {
  return e ? EntryJson(*e, o) : nlohmann::ordered_json(nullptr);
}

std::string Cell(std::string_view bytes, const OutputOptions& o) {
  std::string out;
  AppendCell(&out, bytes, o);
  return out;
}

std::string Cell(std::string_view bytes, Encoding enc) {
  std::string out;
  AppendCell(&out, bytes, enc);
  return out;
}

std::string ValueCell(const std::optional<std::string>& v,
                      const OutputOptions& o) {
  return v ? Cell(*v, o.value_encoding()) : "(no value)";
}

// ---------------------------------------------------------------- OutBuffer

void OutBuffer::Write() {
  out_->write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  buf_.clear();
}

Status OutBuffer::Flush() {
  Write();
  out_->flush();
  if (!*out_) return Status::IOError("cannot write the output");
  return Status::OK();
}

// ---------------------------------------------------------------- EntryTable

// Display width: UTF-8 continuation bytes take no column.
static size_t Width(std::string_view s) {
  size_t w = 0;
  for (char c : s) w += (Byte(c) & 0xc0) != 0x80;
  return w;
}

void EntryTable::EndCell() {
  const size_t width = Width(std::string_view(text_).substr(cell_start_));
  const size_t column =
      cells_.size() - (row_ends_.empty() ? 0 : row_ends_.back());
  if (widths_.size() <= column) widths_.resize(column + 1, 0);
  widths_[column] = std::max(widths_[column], width);
  cells_.push_back({text_.size(), width});
  cell_start_ = text_.size();
}

void EntryTable::EndRow() {
  row_ends_.push_back(cells_.size());
  if (row_ends_.size() >= kRows) Flush();
}

void EntryTable::Add(const std::vector<std::string>& row) {
  for (const std::string& cell : row) {
    text_ += cell;
    EndCell();
  }
  EndRow();
}

void EntryTable::AddEntry(uint64_t seq, std::string_view key,
                          std::optional<std::string_view> value) {
  AppendUint(&text_, seq);
  EndCell();
  AppendCell(&text_, key, o_.key_encoding());
  EndCell();
  if (value) {
    AppendCell(&text_, *value, o_.value_encoding());
  } else {
    text_ += "(no value)";
  }
  EndCell();
  EndRow();
}

void EntryTable::Flush() {
  std::string lines;
  lines.reserve(text_.size() + 8 * cells_.size());
  size_t cell = 0, start = 0;
  for (size_t row_end : row_ends_) {
    for (size_t column = 0; cell < row_end; cell++, column++) {
      lines.append(text_, start, cells_[cell].end - start);
      start = cells_[cell].end;
      if (cell + 1 < row_end) {
        lines.append(widths_[column] - cells_[cell].width + 2, ' ');
      }
    }
    while (!lines.empty() && lines.back() == ' ') lines.pop_back();
    lines.push_back('\n');
  }
  out_->write(lines.data(), static_cast<std::streamsize>(lines.size()));
  text_.clear();
  cells_.clear();
  row_ends_.clear();
  widths_.clear();
  cell_start_ = 0;
}

}  // namespace bee::tools
