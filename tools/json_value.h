// JSON values as hyperbee's `json` encoding stores them: the bytes of
// JSON.stringify(value), UTF-8 (../shared/spec/FORMAT.md §10.7). A value
// given on the command line or read back from a store is parsed and written
// again exactly as Node's JSON.stringify(JSON.parse(text)) would, so bee and
// JS store the same bytes for the same value:
//   - every number is a double, printed as Number.prototype.toString
//     (1.0 -> 1, 1e2 -> 100, 1e21 -> 1e+21, -0 -> 0);
//   - an object keeps its first-seen key order, except that keys which are
//     array indices ("0".."4294967294") come first in numeric order; a
//     repeated key keeps its first place and its last value;
//   - strings escape '"', '\\' and the bytes below 0x20 (\b \f \n \r \t,
//     else \u00xx), nothing else; no whitespace anywhere.
//
// Thread safety: the functions are pure; call them from any thread.
#ifndef BEE_TOOLS_JSON_VALUE_H_
#define BEE_TOOLS_JSON_VALUE_H_

#include <string>
#include <string_view>

#include "encoding/result.h"

namespace bee::tools {

// JSON.stringify(JSON.parse(text)). InvalidArgument, saying what is wrong,
// when `text` is not one JSON value, holds a string that is not valid
// UTF-8 (or a lone surrogate escape), or a number JS would read as
// Infinity.
Result<std::string> JsonStringify(std::string_view text);

// Number.prototype.toString(v) for a finite v.
std::string JsNumber(double v);

// For people: `canonical` (JsonStringify's output) with a space after each
// ':' and ',' outside strings. REQUIRES: canonical is JsonStringify output.
std::string JsonPretty(std::string_view canonical);

}  // namespace bee::tools

#endif  // BEE_TOOLS_JSON_VALUE_H_
