#include "tools/output.h"

#include <algorithm>

#include "encoding/bytes.h"

namespace bee::tools {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
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
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
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

std::string Escape(std::string_view bytes) {
  bool utf8 = IsValidUtf8(bytes);
  std::string out;
  for (char ch : bytes) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += ch;
    }
  }
  return out;
}

nlohmann::ordered_json BytesJson(std::string_view bytes,
                                 const OutputOptions& o) {
  if (o.hex) return HexEncode(bytes);
  if (IsValidUtf8(bytes)) return std::string(bytes);
  return nlohmann::ordered_json{{"hex", HexEncode(bytes)}};
}

nlohmann::ordered_json ValueJson(const std::optional<std::string>& v,
                                 const OutputOptions& o) {
  return v ? BytesJson(*v, o) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json EntryJson(const btree::Entry& e,
                                 const OutputOptions& o) {
  return nlohmann::ordered_json{{"seq", e.seq},
                                {"key", BytesJson(e.key, o)},
                                {"value", ValueJson(e.value, o)}};
}

nlohmann::ordered_json EntryJson(const std::optional<btree::Entry>& e,
                                 const OutputOptions& o) {
  return e ? EntryJson(*e, o) : nlohmann::ordered_json(nullptr);
}

std::string Cell(std::string_view bytes, const OutputOptions& o) {
  if (o.hex) return HexEncode(bytes);
  return Escape(bytes);
}

std::string ValueCell(const std::optional<std::string>& v,
                      const OutputOptions& o) {
  return v ? Cell(*v, o) : "(no value)";
}

// Display width: UTF-8 continuation bytes take no column.
static size_t Width(const std::string& s) {
  size_t w = 0;
  for (char c : s) w += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return w;
}

void EntryTable::Add(std::vector<std::string> row) {
  rows_.push_back(std::move(row));
  if (rows_.size() >= 4096) Flush();
}

void EntryTable::Flush() {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); i++) {
      widths[i] = std::max(widths[i], Width(row[i]));
    }
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); i++) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - Width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    *out_ << line << "\n";
  }
  rows_.clear();
}

}  // namespace bee::tools
