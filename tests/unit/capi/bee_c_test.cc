// The C API (btree/bee_c.h): every call against the C++ API it wraps, the
// ownership of what it returns (ASan's leak check runs these), and a clear
// error for every misuse: NULL handles and out-pointers, a closed store, a
// version the store does not have, a finished iterator, a closed batch.
#include "btree/bee_c.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "btree/bee.h"
#include "btree/iterator.h"
#include "btree/version.h"
#include "tests/unit/capi/capi_util.h"
#include "tests/util/temp_dir.h"

extern "C" int bee_c99_smoke(const char* dir, char* message, size_t size);

namespace {

using Err = bee::test::CErr;
using Db = bee::test::CDb;
using bee::test::EntryText;

std::optional<std::string> Get(bee_t* db, const std::string& key) {
  Err err;
  char* value = nullptr;
  size_t len = 0;
  int found = -1;
  REQUIRE(bee_get(db, key.data(), key.size(), &value, &len, &found, &err) ==
          BEE_OK);
  if (found == 0) {
    CHECK(value == nullptr);
    return std::nullopt;
  }
  REQUIRE(value != nullptr);
  std::string out(value, len);
  bee_free(value);
  return out;
}

void Put(bee_t* db, const std::string& key, const std::string& value) {
  Err err;
  REQUIRE(bee_put(db, key.data(), key.size(), value.data(), value.size(),
                  &err) == BEE_OK);
}

uint64_t Version(bee_t* db) {
  uint64_t v = 0;
  REQUIRE(bee_version(db, &v, nullptr) == BEE_OK);
  return v;
}

bee_snapshot_t* Checkout(bee_t* db, uint64_t version) {
  Err err;
  bee_snapshot_t* snap = nullptr;
  REQUIRE(bee_checkout(db, version, &snap, &err) == BEE_OK);
  return snap;
}

// "key=value" per entry of the range, read through the C API.
std::vector<std::string> Range(const bee_snapshot_t* snap,
                               const bee_range_options_t* options) {
  Err err;
  bee_iterator_t* it = nullptr;
  REQUIRE(bee_iterator_create(snap, options, &it, &err) == BEE_OK);
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

// A store in a fresh directory holding a=1, b=2, c=3 (versions 2..4).
struct Fixture {
  bee::test::TempDir dir;
  Db db;
  Fixture() {
    Err err;
    REQUIRE(bee_open(dir.Sub("db").c_str(), BEE_CREATE_IF_MISSING, &db.db,
                     &err) == BEE_OK);
    Put(db.db, "a", "1");
    Put(db.db, "b", "2");
    Put(db.db, "c", "3");
  }
};

TEST_CASE("capi: open, put, get, del, version and length", "[capi]") {
  Fixture f;
  CHECK(Get(f.db.db, "b") == "2");
  CHECK(Get(f.db.db, "zz") == std::nullopt);
  // The header block, then one block per write.
  uint64_t length = 0;
  REQUIRE(bee_length(f.db.db, &length, nullptr) == BEE_OK);
  CHECK(length == 4);
  CHECK(Version(f.db.db) == 4);

  Put(f.db.db, "empty", "");
  char* value = nullptr;
  size_t len = 7;
  int found = 0;
  REQUIRE(bee_get(f.db.db, "empty", 5, &value, &len, &found, nullptr) ==
          BEE_OK);
  CHECK(found == 1);
  CHECK(value != nullptr);  // empty, not absent
  CHECK(len == 0);
  bee_free(value);

  REQUIRE(bee_del(f.db.db, "b", 1, nullptr) == BEE_OK);
  CHECK(Get(f.db.db, "b") == std::nullopt);
  CHECK(Version(f.db.db) == 6);

  // Reopened, the store has what was written.
  REQUIRE(bee_close(f.db.db, nullptr) == BEE_OK);
  bee_destroy(f.db.db);
  f.db.db = nullptr;
  REQUIRE(bee_open(f.dir.Sub("db").c_str(), 0, &f.db.db, nullptr) == BEE_OK);
  CHECK(Get(f.db.db, "c") == "3");
  CHECK(Version(f.db.db) == 6);
}

TEST_CASE("capi: a read-only open reads and refuses writes", "[capi]") {
  Fixture f;
  Db reader;
  Err err;
  REQUIRE(bee_open(f.dir.Sub("db").c_str(), BEE_READ_ONLY, &reader.db, &err) ==
          BEE_OK);
  CHECK(Get(reader.db, "a") == "1");
  CHECK(bee_put(reader.db, "x", 1, "y", 1, &err) != BEE_OK);
  CHECK_THAT(err.str(), Catch::StartsWith("bee_put: "));
}

TEST_CASE("capi: batches append together and see their own writes", "[capi]") {
  Fixture f;
  Err err;
  bee_batch_t* batch = nullptr;
  REQUIRE(bee_batch_create(f.db.db, &batch, &err) == BEE_OK);
  REQUIRE(bee_batch_put(batch, "d", 1, "4", 1, &err) == BEE_OK);
  REQUIRE(bee_batch_del(batch, "a", 1, &err) == BEE_OK);
  char* value = nullptr;
  size_t len = 0;
  int found = 0;
  REQUIRE(bee_batch_get(batch, "d", 1, &value, &len, &found, &err) == BEE_OK);
  CHECK(std::string(value, len) == "4");
  bee_free(value);
  CHECK(Get(f.db.db, "d") == std::nullopt);  // not flushed yet

  SECTION("a second batch, and closing the store, are Busy meanwhile") {
    bee_batch_t* second = nullptr;
    CHECK(bee_batch_create(f.db.db, &second, &err) == BEE_BUSY);
    CHECK(second == nullptr);
    CHECK_THAT(err.str(),
               Catch::Contains("another batch of this store is open"));
    CHECK(bee_close(f.db.db, &err) == BEE_BUSY);
    CHECK_THAT(err.str(), Catch::Contains("flush or destroy it first"));
    CHECK(Get(f.db.db, "a") == "1");  // still open
    bee_batch_destroy(batch);         // discards
    CHECK(Get(f.db.db, "d") == std::nullopt);
    CHECK(Version(f.db.db) == 4);
  }
  SECTION("flush appends all; the batch is closed after") {
    REQUIRE(bee_batch_flush(batch, &err) == BEE_OK);
    CHECK(Get(f.db.db, "d") == "4");
    CHECK(Get(f.db.db, "a") == std::nullopt);
    CHECK(Version(f.db.db) == 6);
    CHECK(bee_batch_put(batch, "e", 1, "5", 1, &err) == BEE_INVALID_ARGUMENT);
    CHECK(err.str() ==
          "bee_batch_put: InvalidArgument: the batch is closed (flushed, or "
          "its store destroyed)");
    CHECK(bee_batch_flush(batch, &err) == BEE_INVALID_ARGUMENT);
    bee_batch_destroy(batch);
    REQUIRE(bee_batch_create(f.db.db, &batch, &err) == BEE_OK);  // a new one
    bee_batch_destroy(batch);
  }
  SECTION("destroying the store detaches its open batch") {
    bee_destroy(f.db.db);
    f.db.db = nullptr;
    CHECK(bee_batch_put(batch, "e", 1, "5", 1, &err) == BEE_INVALID_ARGUMENT);
    CHECK(bee_batch_get(batch, "d", 1, &value, &len, &found, &err) ==
          BEE_INVALID_ARGUMENT);
    CHECK_THAT(err.str(), Catch::Contains("the batch is closed"));
    bee_batch_destroy(batch);
  }
}

TEST_CASE("capi: ranges with bounds, reverse and limit", "[capi]") {
  Fixture f;
  Put(f.db.db, "d", "4");
  bee_snapshot_t* snap = nullptr;
  REQUIRE(bee_snapshot_create(f.db.db, &snap, nullptr) == BEE_OK);
  using V = std::vector<std::string>;
  CHECK(Range(snap, nullptr) == V{"a=1", "b=2", "c=3", "d=4"});

  bee_range_options_t* o = bee_range_options_create();
  REQUIRE(bee_range_options_set_gt(o, "a", 1, nullptr) == BEE_OK);
  REQUIRE(bee_range_options_set_lte(o, "c", 1, nullptr) == BEE_OK);
  CHECK(Range(snap, o) == V{"b=2", "c=3"});
  REQUIRE(bee_range_options_set_reverse(o, 1, nullptr) == BEE_OK);
  CHECK(Range(snap, o) == V{"c=3", "b=2"});
  REQUIRE(bee_range_options_set_limit(o, 1, nullptr) == BEE_OK);
  CHECK(Range(snap, o) == V{"c=3"});
  bee_range_options_destroy(o);

  o = bee_range_options_create();
  REQUIRE(bee_range_options_set_gte(o, "b", 1, nullptr) == BEE_OK);
  REQUIRE(bee_range_options_set_lt(o, "d", 1, nullptr) == BEE_OK);
  CHECK(Range(snap, o) == V{"b=2", "c=3"});
  bee_range_options_destroy(o);

  // The snapshot, and an iterator, outlive the store they came from.
  bee_iterator_t* it = nullptr;
  REQUIRE(bee_iterator_create(snap, nullptr, &it, nullptr) == BEE_OK);
  REQUIRE(bee_close(f.db.db, nullptr) == BEE_OK);
  bee_destroy(f.db.db);
  f.db.db = nullptr;
  CHECK(Range(snap, nullptr).size() == 4);
  bee_entry_t e;
  int has = 0;
  REQUIRE(bee_iterator_next(it, &e, &has, nullptr) == BEE_OK);
  CHECK(has == 1);
  CHECK(EntryText(e) == "a=1");
  CHECK(e.seq == 1);
  bee_iterator_destroy(it);
  bee_snapshot_destroy(snap);
}

TEST_CASE("capi: ranges match the C++ iterator for random bounds", "[capi]") {
  const unsigned seed = Catch::rngSeed();
  CAPTURE(seed);
  std::mt19937 rng(seed);
  Fixture f;
  for (int i = 0; i < 40; i++) {
    Put(f.db.db, std::to_string(rng() % 100), std::to_string(i));
  }
  auto cxx =
      bee::btree::Bee::Open(f.dir.Sub("db"), {.core = {.read_only = true}})
          .value();
  bee_snapshot_t* snap = nullptr;
  REQUIRE(bee_snapshot_create(f.db.db, &snap, nullptr) == BEE_OK);
  for (int round = 0; round < 50; round++) {
    CAPTURE(round);
    bee::btree::RangeOptions want;
    bee_range_options_t* o = bee_range_options_create();
    auto key = [&] { return std::to_string(rng() % 100); };
    if (rng() % 2) {
      want.gt = key();
      REQUIRE(bee_range_options_set_gt(o, want.gt->data(), want.gt->size(),
                                       nullptr) == BEE_OK);
    }
    if (rng() % 2) {
      want.gte = key();
      REQUIRE(bee_range_options_set_gte(o, want.gte->data(), want.gte->size(),
                                        nullptr) == BEE_OK);
    }
    if (rng() % 2) {
      want.lt = key();
      REQUIRE(bee_range_options_set_lt(o, want.lt->data(), want.lt->size(),
                                       nullptr) == BEE_OK);
    }
    if (rng() % 2) {
      want.lte = key();
      REQUIRE(bee_range_options_set_lte(o, want.lte->data(), want.lte->size(),
                                        nullptr) == BEE_OK);
    }
    want.reverse = rng() % 2 == 1;
    want.limit = static_cast<int64_t>(rng() % 8) - 1;
    REQUIRE(bee_range_options_set_reverse(o, want.reverse, nullptr) == BEE_OK);
    REQUIRE(bee_range_options_set_limit(o, want.limit, nullptr) == BEE_OK);
    std::vector<std::string> expected;
    bee::btree::RangeIterator it(cxx->GetSnapshot().value(), want);
    while (auto e = it.Next().value()) {
      expected.push_back(e->key + "=" + e->value.value_or("<none>"));
    }
    CHECK(Range(snap, o) == expected);
    bee_range_options_destroy(o);
  }
  bee_snapshot_destroy(snap);
}

TEST_CASE("capi: checkouts read past versions; bad versions are refused",
          "[capi]") {
  Fixture f;
  Err err;
  bee_snapshot_t* old = Checkout(f.db.db, 3);  // a=1, b=2
  uint64_t v = 0;
  REQUIRE(bee_snapshot_version(old, &v, nullptr) == BEE_OK);
  CHECK(v == 3);
  char* value = nullptr;
  size_t len = 0;
  int found = 1;
  REQUIRE(bee_snapshot_get(old, "c", 1, &value, &len, &found, &err) == BEE_OK);
  CHECK(found == 0);
  REQUIRE(bee_snapshot_get(old, "b", 1, &value, &len, &found, &err) == BEE_OK);
  CHECK(std::string(value, len) == "2");
  bee_free(value);
  CHECK(Range(old, nullptr) == std::vector<std::string>{"a=1", "b=2"});
  bee_snapshot_destroy(old);

  bee_snapshot_t* snap = reinterpret_cast<bee_snapshot_t*>(&err);
  CHECK(bee_checkout(f.db.db, 5, &snap, &err) == BEE_INVALID_ARGUMENT);
  CHECK(snap == nullptr);
  CHECK_THAT(err.str(), Catch::StartsWith("bee_checkout: InvalidArgument: "));
  CHECK_THAT(err.str(), Catch::Contains("5"));
  CHECK(bee_checkout(f.db.db, 0, &snap, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() ==
        "bee_checkout: InvalidArgument: version 0 does not exist (versions "
        "start at 1)");
}

std::vector<std::string> Diff(bee_t* db, uint64_t a, uint64_t b,
                              const bee_range_options_t* o) {
  bee_snapshot_t* left = Checkout(db, a);
  bee_snapshot_t* right = Checkout(db, b);
  Err err;
  bee_diff_t* diff = nullptr;
  REQUIRE(bee_diff_create(left, right, o, &diff, &err) == BEE_OK);
  bee_snapshot_destroy(left);  // the diff keeps what it needs
  bee_snapshot_destroy(right);
  std::vector<std::string> out;
  bee_diff_entry_t e;
  int has = 0;
  while (true) {
    REQUIRE(bee_diff_next(diff, &e, &has, &err) == BEE_OK);
    if (has == 0) break;
    out.push_back((e.has_left ? EntryText(e.left) : "-") + " " +
                  (e.has_right ? EntryText(e.right) : "-"));
  }
  CHECK(bee_diff_next(diff, &e, &has, &err) == BEE_INVALID_ARGUMENT);
  CHECK_THAT(err.str(), Catch::Contains("the diff is finished"));
  bee_diff_destroy(diff);
  return out;
}

TEST_CASE("capi: diff between versions", "[capi]") {
  Fixture f;
  Put(f.db.db, "b", "20");
  REQUIRE(bee_del(f.db.db, "a", 1, nullptr) == BEE_OK);
  using V = std::vector<std::string>;
  // Version 4 (a=1 b=2 c=3) against 6 (b=20 c=3).
  CHECK(Diff(f.db.db, 4, 6, nullptr) == V{"a=1 -", "b=2 b=20"});
  CHECK(Diff(f.db.db, 6, 4, nullptr) == V{"- a=1", "b=20 b=2"});
  bee_range_options_t* o = bee_range_options_create();
  REQUIRE(bee_range_options_set_gte(o, "b", 1, nullptr) == BEE_OK);
  CHECK(Diff(f.db.db, 4, 6, o) == V{"b=2 b=20"});
  REQUIRE(bee_range_options_set_reverse(o, 1, nullptr) == BEE_OK);
  bee_snapshot_t* s = Checkout(f.db.db, 4);
  Err err;
  bee_diff_t* diff = nullptr;
  CHECK(bee_diff_create(s, s, o, &diff, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() ==
        "bee_diff_create: InvalidArgument: a diff has no reverse order");
  CHECK(diff == nullptr);
  bee_snapshot_destroy(s);
  bee_range_options_destroy(o);
}

TEST_CASE("capi: history lists puts and deletes in order", "[capi]") {
  Fixture f;
  REQUIRE(bee_del(f.db.db, "a", 1, nullptr) == BEE_OK);
  bee_snapshot_t* snap = nullptr;
  REQUIRE(bee_snapshot_create(f.db.db, &snap, nullptr) == BEE_OK);
  auto history = [&](const bee_history_options_t* o) {
    Err err;
    bee_history_t* h = nullptr;
    REQUIRE(bee_history_create(snap, o, &h, &err) == BEE_OK);
    std::vector<std::string> out;
    bee_history_entry_t e;
    int has = 0;
    while (true) {
      REQUIRE(bee_history_next(h, &e, &has, &err) == BEE_OK);
      if (has == 0) break;
      out.push_back(std::to_string(e.entry.seq) +
                    (e.type == BEE_HISTORY_DEL ? " del " : " put ") +
                    EntryText(e.entry));
    }
    bee_history_destroy(h);
    return out;
  };
  using V = std::vector<std::string>;
  CHECK(history(nullptr) ==
        V{"1 put a=1", "2 put b=2", "3 put c=3", "4 del a=<none>"});
  bee_history_options_t* o = bee_history_options_create();
  REQUIRE(bee_history_options_set_gte(o, 2, nullptr) == BEE_OK);
  REQUIRE(bee_history_options_set_lt(o, 4, nullptr) == BEE_OK);
  CHECK(history(o) == V{"2 put b=2", "3 put c=3"});
  REQUIRE(bee_history_options_set_reverse(o, 1, nullptr) == BEE_OK);
  REQUIRE(bee_history_options_set_limit(o, 1, nullptr) == BEE_OK);
  CHECK(history(o) == V{"3 put c=3"});
  bee_history_options_destroy(o);
  o = bee_history_options_create();
  REQUIRE(bee_history_options_set_gt(o, -2, nullptr) == BEE_OK);  // last one
  REQUIRE(bee_history_options_set_lte(o, 4, nullptr) == BEE_OK);
  CHECK(history(o) == V{"4 del a=<none>"});
  bee_history_options_destroy(o);
  bee_snapshot_destroy(snap);
}

TEST_CASE("capi: iterators refuse a call after their end", "[capi]") {
  Fixture f;
  bee_snapshot_t* snap = nullptr;
  REQUIRE(bee_snapshot_create(f.db.db, &snap, nullptr) == BEE_OK);
  Err err;
  bee_iterator_t* it = nullptr;
  REQUIRE(bee_iterator_create(snap, nullptr, &it, &err) == BEE_OK);
  bee_entry_t e;
  int has = 1;
  for (int i = 0; i < 3; i++) {
    REQUIRE(bee_iterator_next(it, &e, &has, &err) == BEE_OK);
  }
  REQUIRE(bee_iterator_next(it, &e, &has, &err) == BEE_OK);
  CHECK(has == 0);
  has = 1;
  CHECK(bee_iterator_next(it, &e, &has, &err) == BEE_INVALID_ARGUMENT);
  CHECK(has == 0);
  CHECK(err.str() ==
        "bee_iterator_next: InvalidArgument: the iterator is finished (it "
        "reached its end or failed)");
  bee_iterator_destroy(it);

  bee_history_t* h = nullptr;
  REQUIRE(bee_history_create(snap, nullptr, &h, &err) == BEE_OK);
  bee_history_entry_t he;
  do {
    REQUIRE(bee_history_next(h, &he, &has, &err) == BEE_OK);
  } while (has == 1);
  CHECK(bee_history_next(h, &he, &has, &err) == BEE_INVALID_ARGUMENT);
  CHECK_THAT(err.str(), Catch::Contains("the history is finished"));
  bee_history_destroy(h);
  bee_snapshot_destroy(snap);
}

TEST_CASE("capi: every call on a closed store says so", "[capi]") {
  Fixture f;
  REQUIRE(bee_close(f.db.db, nullptr) == BEE_OK);
  REQUIRE(bee_close(f.db.db, nullptr) == BEE_OK);  // again: harmless
  bee_t* db = f.db.db;
  Err err;
  char* value = nullptr;
  size_t len = 0;
  int found = 0;
  uint64_t n = 0;
  bee_snapshot_t* snap = nullptr;
  bee_batch_t* batch = nullptr;
  std::vector<std::pair<std::string, int>> calls = {
      {"bee_version", bee_version(db, &n, &err)},
      {"bee_length", bee_length(db, &n, &err)},
      {"bee_get", bee_get(db, "a", 1, &value, &len, &found, &err)},
      {"bee_put", bee_put(db, "a", 1, "1", 1, &err)},
      {"bee_del", bee_del(db, "a", 1, &err)},
      {"bee_batch_create", bee_batch_create(db, &batch, &err)},
      {"bee_snapshot_create", bee_snapshot_create(db, &snap, &err)},
      {"bee_checkout", bee_checkout(db, 2, &snap, &err)},
  };
  for (const auto& [name, code] : calls) {
    CAPTURE(name);
    CHECK(code == BEE_INVALID_ARGUMENT);
  }
  // Each call replaced the previous message (ASan's leak check would see
  // one lost); the last is the checkout's.
  CHECK(err.str() == "bee_checkout: InvalidArgument: the store is closed");
}

TEST_CASE("capi: NULL handles and out-pointers are refused by name", "[capi]") {
  Err err;
  char* value = nullptr;
  size_t len = 0;
  int found = 0;
  int has = 0;
  uint64_t n = 0;
  bee_entry_t e;
  bee_diff_entry_t de;
  bee_history_entry_t he;
  bee_t* db = nullptr;
  bee_batch_t* batch = nullptr;
  bee_snapshot_t* snap = nullptr;
  bee_iterator_t* it = nullptr;
  bee_diff_t* diff = nullptr;
  bee_history_t* h = nullptr;
  std::vector<std::pair<std::string, std::string>> got;
  auto run = [&](const std::string& want, int code) {
    got.emplace_back(want, code == BEE_INVALID_ARGUMENT
                               ? err.str()
                               : "code " + std::to_string(code));
  };
  run("bee_open: InvalidArgument: db is NULL",
      bee_open("/tmp", 0, nullptr, &err));
  run("bee_open: InvalidArgument: dir is NULL",
      bee_open(nullptr, 0, &db, &err));
  run("bee_close: InvalidArgument: db is NULL", bee_close(nullptr, &err));
  run("bee_version: InvalidArgument: db is NULL",
      bee_version(nullptr, &n, &err));
  run("bee_length: InvalidArgument: db is NULL", bee_length(nullptr, &n, &err));
  run("bee_get: InvalidArgument: db is NULL",
      bee_get(nullptr, "a", 1, &value, &len, &found, &err));
  run("bee_get: InvalidArgument: found is NULL",
      bee_get(nullptr, "a", 1, &value, &len, nullptr, &err));
  run("bee_put: InvalidArgument: db is NULL",
      bee_put(nullptr, "a", 1, "1", 1, &err));
  run("bee_del: InvalidArgument: db is NULL", bee_del(nullptr, "a", 1, &err));
  run("bee_batch_create: InvalidArgument: db is NULL",
      bee_batch_create(nullptr, &batch, &err));
  run("bee_batch_create: InvalidArgument: batch is NULL",
      bee_batch_create(nullptr, nullptr, &err));
  run("bee_batch_put: InvalidArgument: batch is NULL",
      bee_batch_put(nullptr, "a", 1, "1", 1, &err));
  run("bee_batch_del: InvalidArgument: batch is NULL",
      bee_batch_del(nullptr, "a", 1, &err));
  run("bee_batch_get: InvalidArgument: batch is NULL",
      bee_batch_get(nullptr, "a", 1, &value, &len, &found, &err));
  run("bee_batch_flush: InvalidArgument: batch is NULL",
      bee_batch_flush(nullptr, &err));
  run("bee_snapshot_create: InvalidArgument: db is NULL",
      bee_snapshot_create(nullptr, &snap, &err));
  run("bee_checkout: InvalidArgument: db is NULL",
      bee_checkout(nullptr, 1, &snap, &err));
  run("bee_snapshot_version: InvalidArgument: snapshot is NULL",
      bee_snapshot_version(nullptr, &n, &err));
  run("bee_snapshot_get: InvalidArgument: snapshot is NULL",
      bee_snapshot_get(nullptr, "a", 1, &value, &len, &found, &err));
  run("bee_range_options_set_gt: InvalidArgument: options is NULL",
      bee_range_options_set_gt(nullptr, "a", 1, &err));
  run("bee_range_options_set_gte: InvalidArgument: options is NULL",
      bee_range_options_set_gte(nullptr, "a", 1, &err));
  run("bee_range_options_set_lt: InvalidArgument: options is NULL",
      bee_range_options_set_lt(nullptr, "a", 1, &err));
  run("bee_range_options_set_lte: InvalidArgument: options is NULL",
      bee_range_options_set_lte(nullptr, "a", 1, &err));
  run("bee_range_options_set_reverse: InvalidArgument: options is NULL",
      bee_range_options_set_reverse(nullptr, 1, &err));
  run("bee_range_options_set_limit: InvalidArgument: options is NULL",
      bee_range_options_set_limit(nullptr, 1, &err));
  run("bee_iterator_create: InvalidArgument: snapshot is NULL",
      bee_iterator_create(nullptr, nullptr, &it, &err));
  run("bee_iterator_next: InvalidArgument: iterator is NULL",
      bee_iterator_next(nullptr, &e, &has, &err));
  run("bee_diff_create: InvalidArgument: left is NULL",
      bee_diff_create(nullptr, nullptr, nullptr, &diff, &err));
  run("bee_diff_next: InvalidArgument: diff is NULL",
      bee_diff_next(nullptr, &de, &has, &err));
  run("bee_history_options_set_gt: InvalidArgument: options is NULL",
      bee_history_options_set_gt(nullptr, 1, &err));
  run("bee_history_options_set_gte: InvalidArgument: options is NULL",
      bee_history_options_set_gte(nullptr, 1, &err));
  run("bee_history_options_set_lt: InvalidArgument: options is NULL",
      bee_history_options_set_lt(nullptr, 1, &err));
  run("bee_history_options_set_lte: InvalidArgument: options is NULL",
      bee_history_options_set_lte(nullptr, 1, &err));
  run("bee_history_options_set_reverse: InvalidArgument: options is NULL",
      bee_history_options_set_reverse(nullptr, 1, &err));
  run("bee_history_options_set_limit: InvalidArgument: options is NULL",
      bee_history_options_set_limit(nullptr, 1, &err));
  run("bee_history_create: InvalidArgument: snapshot is NULL",
      bee_history_create(nullptr, nullptr, &h, &err));
  run("bee_history_next: InvalidArgument: history is NULL",
      bee_history_next(nullptr, &he, &has, &err));
  for (const auto& [want, message] : got) CHECK(message == want);

  // Destroying NULL is a no-op, and a NULL errptr is allowed.
  bee_destroy(nullptr);
  bee_batch_destroy(nullptr);
  bee_snapshot_destroy(nullptr);
  bee_range_options_destroy(nullptr);
  bee_iterator_destroy(nullptr);
  bee_diff_destroy(nullptr);
  bee_history_options_destroy(nullptr);
  bee_history_destroy(nullptr);
  bee_free(nullptr);
  CHECK(bee_version(nullptr, &n, nullptr) == BEE_INVALID_ARGUMENT);
}

TEST_CASE("capi: bad arguments to a live store are refused by name", "[capi]") {
  Fixture f;
  Err err;
  bee_t* other = reinterpret_cast<bee_t*>(&err);
  CHECK(bee_open(f.dir.Sub("db").c_str(), 8, &other, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(other == nullptr);
  CHECK(err.str() ==
        "bee_open: InvalidArgument: unknown flags 8 (BEE_CREATE_IF_MISSING "
        "and BEE_READ_ONLY only)");
  CHECK(bee_open(f.dir.Sub("db").c_str(), BEE_CREATE_IF_MISSING | BEE_READ_ONLY,
                 &other, &err) == BEE_INVALID_ARGUMENT);
  CHECK_THAT(err.str(), Catch::Contains("a read-only open creates nothing"));
  CHECK(bee_open(f.dir.Sub("none").c_str(), 0, &other, &err) != BEE_OK);
  CHECK_THAT(err.str(), Catch::StartsWith("bee_open: "));
  CHECK_THAT(err.str(), Catch::Contains(f.dir.Sub("none")));
  // The writer holds the lock: a second writer is refused.
  CHECK(bee_open(f.dir.Sub("db").c_str(), 0, &other, &err) != BEE_OK);
  CHECK(other == nullptr);

  CHECK(bee_put(f.db.db, nullptr, 3, "v", 1, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() ==
        "bee_put: InvalidArgument: key is NULL with a length of 3");
  CHECK(bee_put(f.db.db, "k", 1, nullptr, 2, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() ==
        "bee_put: InvalidArgument: value is NULL with a length of 2");
  // NULL with length 0: the empty key and the empty value.
  REQUIRE(bee_put(f.db.db, nullptr, 0, nullptr, 0, &err) == BEE_OK);
  CHECK(Get(f.db.db, "") == "");
  char* value = nullptr;
  size_t len = 0;
  CHECK(bee_get(f.db.db, "a", 1, &value, &len, nullptr, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_get: InvalidArgument: found is NULL");
  // A limit the library enforces comes back with its code and message.
  const std::string huge(16 << 20, 'k');  // over kMaxKeySize
  CHECK(bee_put(f.db.db, huge.data(), huge.size(), "v", 1, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK_THAT(err.str(), Catch::StartsWith("bee_put: InvalidArgument: "));
}

TEST_CASE("capi: versions and code names", "[capi]") {
  CHECK(std::string(bee_library_version()) == bee::btree::LibraryVersion());
  CHECK_THAT(bee_library_version(), Catch::Matches(R"(\d+\.\d+\.\d+)"));
  CHECK(std::string(bee_code_name(BEE_VERIFICATION_FAILED)) ==
        "VerificationFailed");
  CHECK(std::string(bee_code_name(BEE_BUSY)) == "Busy");
  CHECK(std::string(bee_code_name(99)) == "Unknown");
  // The C codes are the C++ ones.
  CHECK(BEE_BUSY == static_cast<int>(bee::Status::Code::kBusy));
  CHECK(BEE_NOT_FOUND == static_cast<int>(bee::Status::Code::kNotFound));
}

TEST_CASE("capi: the API from a C99 program", "[capi]") {
  bee::test::TempDir dir;
  char message[256] = {0};
  CHECK(bee_c99_smoke(dir.Sub("db").c_str(), message, sizeof message) == 0);
  CHECK(std::string(message) == "ok");
}

}  // namespace
