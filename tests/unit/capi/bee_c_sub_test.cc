// The C API's puts without a value (hyperbee's put of null) and its
// sub-databases (btree/bee_c.h): the keys they store, byte for byte as
// hyperbee's sub() lays them out, what reads return, and a clear error for
// every misuse (a closed store, a sub outliving its store, bad arguments).
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "btree/bee_c.h"
#include "btree/history.h"
#include "btree/iterator.h"
#include "btree/sub.h"
#include "tests/unit/capi/capi_util.h"
#include "tests/util/temp_dir.h"

namespace {

using bee::test::CDb;
using bee::test::CErr;
using bee::test::EntryText;
using namespace std::string_literals;  // NOLINT: "a\0k"s keys

// What a *_get call returned: nullopt when absent, "<none>" for an entry
// without a value, else the value.
using Got = std::optional<std::string>;

Got FromGet(int code, char* value, size_t len, int found, const CErr& err) {
  INFO(err.str());
  REQUIRE(code == BEE_OK);
  if (found == 0) {
    CHECK(value == nullptr);
    return std::nullopt;
  }
  if (value == nullptr) {
    CHECK(len == 0);
    return "<none>";
  }
  std::string out(value, len);
  bee_free(value);
  return out;
}

Got Get(const bee_t* db, const std::string& key) {
  CErr err;
  char* value = nullptr;
  size_t len = 7;
  int found = -1;
  int code = bee_get(db, key.data(), key.size(), &value, &len, &found, &err);
  return FromGet(code, value, len, found, err);
}

Got SubGet(const bee_sub_t* sub, const std::string& key) {
  CErr err;
  char* value = nullptr;
  size_t len = 7;
  int found = -1;
  int code =
      bee_sub_get(sub, key.data(), key.size(), &value, &len, &found, &err);
  return FromGet(code, value, len, found, err);
}

void SubPut(bee_sub_t* sub, const std::string& key, const std::string& value) {
  CErr err;
  REQUIRE(bee_sub_put(sub, key.data(), key.size(), value.data(), value.size(),
                      &err) == BEE_OK);
}

// "key=value" per entry of an iterator, which it then destroys.
std::vector<std::string> Drain(bee_iterator_t* it) {
  CErr err;
  std::vector<std::string> out;
  bee_entry_t e;
  int has = 0;
  while (true) {
    REQUIRE(bee_iterator_next(it, &e, &has, &err) == BEE_OK);
    if (has == 0) break;
    out.push_back(EntryText(e));
  }
  bee_iterator_destroy(it);
  return out;
}

std::vector<std::string> SubRange(const bee_sub_t* sub,
                                  const bee_snapshot_t* snap,
                                  const bee_range_options_t* options) {
  CErr err;
  bee_iterator_t* it = nullptr;
  REQUIRE(bee_sub_iterator_create(sub, snap, options, &it, &err) == BEE_OK);
  return Drain(it);
}

// Every key=value of the whole store, prefixes and all.
std::vector<std::string> All(const bee_t* db) {
  CErr err;
  bee_snapshot_t* snap = nullptr;
  REQUIRE(bee_snapshot_create(db, &snap, &err) == BEE_OK);
  bee_iterator_t* it = nullptr;
  REQUIRE(bee_iterator_create(snap, nullptr, &it, &err) == BEE_OK);
  bee_snapshot_destroy(snap);
  return Drain(it);
}

bee_sub_t* MakeSub(bee_t* db, const std::string& name) {
  CErr err;
  bee_sub_t* sub = nullptr;
  REQUIRE(bee_sub_create(db, name.data(), name.size(), nullptr, 0, &sub,
                         &err) == BEE_OK);
  return sub;
}

bee_sub_t* MakeChild(const bee_sub_t* parent, const std::string& name) {
  CErr err;
  bee_sub_t* sub = nullptr;
  REQUIRE(bee_sub_create_sub(parent, name.data(), name.size(), nullptr, 0, &sub,
                             &err) == BEE_OK);
  return sub;
}

struct Store {
  bee::test::TempDir dir;
  CDb db;
  Store() {
    CErr err;
    REQUIRE(bee_open(dir.Sub("db").c_str(), BEE_CREATE_IF_MISSING, &db.db,
                     &err) == BEE_OK);
  }
};

TEST_CASE("capi: a put without a value is found, with a NULL value", "[capi]") {
  Store s;
  CErr err;
  REQUIRE(bee_put(s.db.db, "empty", 5, "", 0, &err) == BEE_OK);
  REQUIRE(bee_put_null(s.db.db, "null", 4, &err) == BEE_OK);
  CHECK(Get(s.db.db, "empty") == "");  // an empty value is a value
  CHECK(Get(s.db.db, "null") == "<none>");
  CHECK(Get(s.db.db, "absent") == std::nullopt);

  bee_batch_t* batch = nullptr;
  REQUIRE(bee_batch_create(s.db.db, &batch, &err) == BEE_OK);
  REQUIRE(bee_batch_put_null(batch, "batched", 7, &err) == BEE_OK);
  char* value = nullptr;
  size_t len = 9;
  int found = 0;
  REQUIRE(bee_batch_get(batch, "batched", 7, &value, &len, &found, &err) ==
          BEE_OK);
  CHECK(found == 1);
  CHECK(value == nullptr);
  REQUIRE(bee_batch_flush(batch, &err) == BEE_OK);
  bee_batch_destroy(batch);

  // Iterators and the history see no value either; the C++ API agrees.
  CHECK(All(s.db.db) ==
        std::vector<std::string>{"batched=<none>", "empty=", "null=<none>"});
  REQUIRE(bee_close(s.db.db, &err) == BEE_OK);
  auto cxx = bee::btree::Bee::Open(s.dir.Sub("db")).value();
  auto e = cxx->Get("null").value();
  REQUIRE(e.has_value());
  CHECK_FALSE(e->value.has_value());
  CHECK(cxx->Get("empty").value()->value == "");
  bee::btree::HistoryIterator h(cxx->GetSnapshot().value(), {});
  std::vector<bool> has_value;
  while (auto c = h.Next().value()) has_value.push_back(c->value.has_value());
  CHECK(has_value == std::vector<bool>{true, false, false});
}

TEST_CASE("capi: subs store keys under hyperbee's prefixes", "[capi]") {
  Store s;
  CErr err;
  bee_sub_t* a = MakeSub(s.db.db, "a");
  bee_sub_t* ab = MakeChild(a, "b");
  bee_sub_t* dash = nullptr;
  REQUIRE(bee_sub_create(s.db.db, "c", 1, "-", 1, &dash, &err) == BEE_OK);
  SubPut(a, "k", "1");
  SubPut(ab, "k", "2");
  SubPut(dash, "k", "3");
  REQUIRE(bee_sub_put_null(a, "n", 1, &err) == BEE_OK);
  REQUIRE(bee_put(s.db.db, "k", 1, "0", 1, &err) == BEE_OK);

  // The keys as stored: parent prefix, name, separator (0x00 by default,
  // also for a nested sub), then the sub-key.
  CHECK(All(s.db.db) == std::vector<std::string>{"a\0b\0k=2"s, "a\0k=1"s,
                                                 "a\0n=<none>"s, "c-k=3",
                                                 "k=0"});
  const char* prefix = nullptr;
  size_t prefix_len = 0;
  REQUIRE(bee_sub_prefix(ab, &prefix, &prefix_len, &err) == BEE_OK);
  CHECK(std::string(prefix, prefix_len) == "a\0b\0"s);

  // Reads are relative to the sub and never reach another sub's keys.
  CHECK(SubGet(a, "k") == "1");
  CHECK(SubGet(ab, "k") == "2");
  CHECK(SubGet(dash, "k") == "3");
  CHECK(SubGet(a, "n") == "<none>");
  CHECK(SubGet(ab, "n") == std::nullopt);
  CHECK(Get(s.db.db, "a\0k"s) == "1");

  // A range lists the sub's keys, relative; as hyperbee's, a parent's range
  // includes its nested subs' keys (they share its prefix).
  using V = std::vector<std::string>;
  CHECK(SubRange(a, nullptr, nullptr) == V{"b\0k=2"s, "k=1", "n=<none>"});
  CHECK(SubRange(ab, nullptr, nullptr) == V{"k=2"});
  CHECK(SubRange(dash, nullptr, nullptr) == V{"k=3"});

  REQUIRE(bee_sub_del(a, "k", 1, &err) == BEE_OK);
  CHECK(SubGet(a, "k") == std::nullopt);
  CHECK(Get(s.db.db, "k") == "0");  // the root's k is another key
  bee_sub_destroy(dash);
  bee_sub_destroy(ab);
  bee_sub_destroy(a);
}

TEST_CASE("capi: sub ranges match the C++ SubDb", "[capi]") {
  Store s;
  CErr err;
  bee_sub_t* sub = MakeSub(s.db.db, "users");
  for (const char* k : {"", "al", "bo", "cy", "dee"}) {
    SubPut(sub, k, std::string("v") + k);
  }
  REQUIRE(bee_put(s.db.db, "users", 5, "root", 4, &err) == BEE_OK);
  REQUIRE(bee_put(s.db.db, "users\x01", 6, "after", 5, &err) == BEE_OK);
  bee_snapshot_t* old = nullptr;
  REQUIRE(bee_checkout(s.db.db, 4, &old, &err) == BEE_OK);  // "", al, bo
  SubPut(sub, "bo", "changed");

  auto cxx =
      bee::btree::Bee::Open(s.dir.Sub("db"), {.core = {.read_only = true}})
          .value();
  auto want = [&](uint64_t version, const bee::btree::RangeOptions& o) {
    auto db = cxx.get();
    bee::btree::SubDb csub = bee::btree::SubDb::Of(db, "users");
    auto snap = version == 0 ? db->GetSnapshot().value()
                             : db->Checkout(version).value();
    bee::btree::SubRangeIterator it(csub, snap, o);
    std::vector<std::string> out;
    while (auto e = it.Next().value()) {
      out.push_back(e->key + "=" + e->value.value_or("<none>"));
    }
    return out;
  };

  using V = std::vector<std::string>;
  CHECK(SubRange(sub, nullptr, nullptr) ==
        V{"al=val", "bo=changed", "cy=vcy", "dee=vdee"});  // "" not listed
  CHECK(SubGet(sub, "") == "v");
  CHECK(SubRange(sub, nullptr, nullptr) == want(0, {}));
  CHECK(SubRange(sub, old, nullptr) == V{"al=val", "bo=vbo"});
  CHECK(SubRange(sub, old, nullptr) == want(4, {}));

  bee_range_options_t* o = bee_range_options_create();
  REQUIRE(bee_range_options_set_gte(o, "b", 1, &err) == BEE_OK);
  REQUIRE(bee_range_options_set_lt(o, "d", 1, &err) == BEE_OK);
  bee::btree::RangeOptions cxx_o;
  cxx_o.gte = "b";
  cxx_o.lt = "d";
  CHECK(SubRange(sub, nullptr, o) == V{"bo=changed", "cy=vcy"});
  CHECK(SubRange(sub, nullptr, o) == want(0, cxx_o));
  REQUIRE(bee_range_options_set_reverse(o, 1, &err) == BEE_OK);
  REQUIRE(bee_range_options_set_limit(o, 1, &err) == BEE_OK);
  cxx_o.reverse = true;
  cxx_o.limit = 1;
  CHECK(SubRange(sub, nullptr, o) == V{"cy=vcy"});
  CHECK(SubRange(sub, nullptr, o) == want(0, cxx_o));
  bee_range_options_destroy(o);
  bee_snapshot_destroy(old);
  bee_sub_destroy(sub);
}

TEST_CASE("capi: a sub after its store is closed says so", "[capi]") {
  Store s;
  CErr err;
  bee_sub_t* sub = MakeSub(s.db.db, "a");
  SubPut(sub, "k", "1");
  bee_iterator_t* it = nullptr;
  REQUIRE(bee_sub_iterator_create(sub, nullptr, nullptr, &it, &err) == BEE_OK);

  SECTION("closed") { REQUIRE(bee_close(s.db.db, &err) == BEE_OK); }
  SECTION("destroyed") {
    bee_destroy(s.db.db);
    s.db.db = nullptr;
  }
  char* value = nullptr;
  size_t len = 0;
  int found = 0;
  bee_sub_t* child = nullptr;
  bee_iterator_t* it2 = nullptr;
  std::vector<std::pair<std::string, int>> calls = {
      {"bee_sub_get", bee_sub_get(sub, "k", 1, &value, &len, &found, &err)},
      {"bee_sub_put", bee_sub_put(sub, "k", 1, "2", 1, &err)},
      {"bee_sub_put_null", bee_sub_put_null(sub, "k", 1, &err)},
      {"bee_sub_del", bee_sub_del(sub, "k", 1, &err)},
      {"bee_sub_create_sub",
       bee_sub_create_sub(sub, "b", 1, nullptr, 0, &child, &err)},
      {"bee_sub_iterator_create",
       bee_sub_iterator_create(sub, nullptr, nullptr, &it2, &err)},
  };
  for (const auto& [name, code] : calls) {
    CAPTURE(name);
    CHECK(code == BEE_INVALID_ARGUMENT);
  }
  CHECK(err.str() ==
        "bee_sub_iterator_create: InvalidArgument: the store is closed");
  CHECK(child == nullptr);
  CHECK(it2 == nullptr);
  // The prefix is the sub's own; an iterator made before reads on.
  const char* prefix = nullptr;
  size_t prefix_len = 0;
  CHECK(bee_sub_prefix(sub, &prefix, &prefix_len, &err) == BEE_OK);
  CHECK(Drain(it) == std::vector<std::string>{"k=1"});
  bee_sub_destroy(sub);
}

TEST_CASE("capi: bad arguments to subs are refused by name", "[capi]") {
  Store s;
  CErr err;
  bee_sub_t* sub = nullptr;
  CHECK(bee_sub_create(s.db.db, nullptr, 2, nullptr, 0, &sub, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(err.str() ==
        "bee_sub_create: InvalidArgument: name is NULL with a length of 2");
  CHECK(bee_sub_create(s.db.db, "a", 1, nullptr, 1, &sub, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(err.str() ==
        "bee_sub_create: InvalidArgument: sep is NULL with a length of 1");
  CHECK(bee_sub_create(nullptr, "a", 1, nullptr, 0, &sub, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_sub_create: InvalidArgument: db is NULL");
  CHECK(bee_sub_create(s.db.db, "a", 1, nullptr, 0, nullptr, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_sub_create: InvalidArgument: sub is NULL");
  CHECK(bee_sub_create_sub(nullptr, "a", 1, nullptr, 0, &sub, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_sub_create_sub: InvalidArgument: sub is NULL");
  CHECK(sub == nullptr);
  CHECK(bee_sub_put(nullptr, "k", 1, "v", 1, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_sub_put: InvalidArgument: sub is NULL");
  CHECK(bee_put_null(nullptr, "k", 1, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_put_null: InvalidArgument: db is NULL");
  CHECK(bee_batch_put_null(nullptr, "k", 1, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_batch_put_null: InvalidArgument: batch is NULL");
  bee_sub_destroy(nullptr);

  // A sub writes through its store: Busy while a batch is open, like
  // bee_put; an empty name and an empty separator are allowed.
  REQUIRE(bee_sub_create(s.db.db, "", 0, "", 0, &sub, &err) == BEE_OK);
  const char* prefix = nullptr;
  size_t prefix_len = 9;
  REQUIRE(bee_sub_prefix(sub, &prefix, &prefix_len, &err) == BEE_OK);
  CHECK(prefix_len == 0);
  bee_batch_t* batch = nullptr;
  REQUIRE(bee_batch_create(s.db.db, &batch, &err) == BEE_OK);
  CHECK(bee_sub_put(sub, "k", 1, "v", 1, &err) == BEE_BUSY);
  CHECK_THAT(err.str(), Catch::StartsWith("bee_sub_put: Busy: "));
  bee_batch_destroy(batch);
  bee_sub_destroy(sub);
}

}  // namespace
