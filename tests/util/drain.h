// Small helpers for tests of the read iterators (range, diff, history).
#ifndef BEE_TESTS_UTIL_DRAIN_H_
#define BEE_TESTS_UTIL_DRAIN_H_

#include <catch2/catch.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace bee::test {

// Everything an iterator yields until its end; every step must succeed.
template <typename Iterator>
auto Drain(Iterator&& it) {
  using Item =
      std::remove_cvref_t<decltype(**std::declval<Iterator&>().Next())>;
  std::vector<Item> out;
  while (true) {
    auto next = it.Next();
    REQUIRE(next.ok());
    if (!next->has_value()) return out;
    out.push_back(std::move(**next));
  }
}

// Whether key lies within the gt/gte/lt/lte bounds of range or diff options
// (gt wins over gte, lt over lte).
template <typename Options>
bool InKeyRange(const std::string& key, const Options& o) {
  if (o.gt ? key <= *o.gt : (o.gte && key < *o.gte)) return false;
  if (o.lt ? key >= *o.lt : (o.lte && key > *o.lte)) return false;
  return true;
}

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_DRAIN_H_
