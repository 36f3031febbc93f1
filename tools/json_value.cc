#include "tools/json_value.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "tools/output.h"

namespace bee::tools {
namespace {

namespace sj = simdjson::dom;

// JS orders an object's keys that are array indices (canonical decimal
// integers below 2^32 - 1) first, ascending; the index, else nullopt.
std::optional<uint32_t> ArrayIndex(std::string_view key) {
  if (key.empty() || key.size() > 10) return std::nullopt;
  if (key.size() > 1 && key[0] == '0') return std::nullopt;
  uint64_t v = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v >= 0xffffffffull) return std::nullopt;
  return static_cast<uint32_t>(v);
}

Status Stringify(sj::element e, std::string* out);

Status StringifyObject(sj::object obj, std::string* out) {
  // (key, value) in JS property order, a repeated key keeping its place.
  std::vector<std::pair<std::string_view, sj::element>> fields;
  for (sj::key_value_pair kv : obj) {
    auto same = std::find_if(fields.begin(), fields.end(),
                             [&](const auto& f) { return f.first == kv.key; });
    if (same != fields.end()) {
      same->second = kv.value;
    } else {
      fields.emplace_back(kv.key, kv.value);
    }
  }
  std::stable_partition(fields.begin(), fields.end(), [](const auto& f) {
    return ArrayIndex(f.first).has_value();
  });
  auto indices_end =
      std::find_if(fields.begin(), fields.end(),
                   [](const auto& f) { return !ArrayIndex(f.first); });
  std::stable_sort(fields.begin(), indices_end,
                   [](const auto& a, const auto& b) {
                     return *ArrayIndex(a.first) < *ArrayIndex(b.first);
                   });
  out->push_back('{');
  for (size_t i = 0; i < fields.size(); i++) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, fields[i].first);
    out->push_back(':');
    BEE_RETURN_IF_ERROR(Stringify(fields[i].second, out));
  }
  out->push_back('}');
  return Status::OK();
}

Status Stringify(sj::element e, std::string* out) {
  switch (e.type()) {
    case sj::element_type::ARRAY: {
      out->push_back('[');
      bool first = true;
      for (sj::element item : sj::array(e)) {
        if (!first) out->push_back(',');
        first = false;
        BEE_RETURN_IF_ERROR(Stringify(item, out));
      }
      out->push_back(']');
      return Status::OK();
    }
    case sj::element_type::OBJECT:
      return StringifyObject(sj::object(e), out);
    case sj::element_type::INT64:
      out->append(JsNumber(static_cast<double>(int64_t(e))));
      return Status::OK();
    case sj::element_type::UINT64:
      out->append(JsNumber(static_cast<double>(uint64_t(e))));
      return Status::OK();
    case sj::element_type::DOUBLE: {
      const double d = double(e);
      if (!std::isfinite(d)) {
        return Status::InvalidArgument("a number is out of range");
      }
      out->append(JsNumber(d));
      return Status::OK();
    }
    case sj::element_type::STRING:
      AppendJsonString(out, std::string_view(e));
      return Status::OK();
    case sj::element_type::BOOL:
      out->append(bool(e) ? "true" : "false");
      return Status::OK();
    case sj::element_type::NULL_VALUE:
      out->append("null");
      return Status::OK();
  }
  return Status::InvalidArgument("an unknown JSON value");
}

}  // namespace

Result<std::string> JsonStringify(std::string_view text) {
  sj::parser parser;
  sj::element doc;
  simdjson::padded_string padded(text);
  if (auto err = parser.parse(padded).get(doc); err != simdjson::SUCCESS) {
    return Status::InvalidArgument(std::string("not valid JSON (") +
                                   simdjson::error_message(err) + ")");
  }
  std::string out;
  BEE_RETURN_IF_ERROR(Stringify(doc, &out));
  return out;
}

std::string JsNumber(double v) {
  if (v == 0) return "0";  // and -0
  // The shortest digits that read back as v, as ECMA-262 Number::toString
  // chooses them: d.ddd e±x, so v = 0.dddd * 10^n with n = x + 1.
  char buf[64];
  auto [end, ec] =
      std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  (void)ec;  // 64 bytes hold any double
  std::string_view sci(buf, static_cast<size_t>(end - buf));
  std::string out;
  if (sci[0] == '-') {
    out.push_back('-');
    sci.remove_prefix(1);
  }
  const size_t e_at = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_at)) {
    if (c != '.') digits.push_back(c);
  }
  const int n = std::atoi(std::string(sci.substr(e_at + 1)).c_str()) + 1;
  const int k = static_cast<int>(digits.size());
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n));
    out.push_back('.');
    out += digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out += digits.substr(1);
    }
    out.push_back('e');
    out.push_back(n - 1 < 0 ? '-' : '+');
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

std::string JsonPretty(std::string_view canonical) {
  std::string out;
  out.reserve(canonical.size() + canonical.size() / 4);
  bool in_string = false, escaped = false;
  for (char c : canonical) {
    out.push_back(c);
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ':' || c == ',') {
      out.push_back(' ');
    }
  }
  return out;
}

}  // namespace bee::tools
