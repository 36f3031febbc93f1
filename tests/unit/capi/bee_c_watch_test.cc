// The C API's waiting calls (btree/bee_c.h): bee_wait_version, bee_refresh
// and watches, in one process (another thread writes) and following a
// writer through a read-only store. No assertion depends on timing: waits
// that must end are given a minute, and a wait that must time out is given
// no time at all.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "btree/bee.h"
#include "btree/bee_c.h"
#include "tests/unit/capi/capi_util.h"
#include "tests/util/temp_dir.h"

namespace {

using bee::test::CDb;
using bee::test::CErr;
using bee::test::EntryText;

// Long enough for any write this test waits for: a wait that ends by its
// timeout instead fails the test's checks, it does not pass by luck.
constexpr int64_t kLong = 60000;

void Put(bee_t* db, const std::string& key, const std::string& value) {
  CErr err;
  REQUIRE(bee_put(db, key.data(), key.size(), value.data(), value.size(),
                  &err) == BEE_OK);
}

uint64_t Version(bee_t* db) {
  uint64_t v = 0;
  REQUIRE(bee_version(db, &v, nullptr) == BEE_OK);
  return v;
}

struct Store {
  bee::test::TempDir dir;
  CDb db;
  Store() {
    CErr err;
    REQUIRE(bee_open(dir.Sub("db").c_str(), BEE_CREATE_IF_MISSING, &db.db,
                     &err) == BEE_OK);
  }
  // A read-only store of the same directory, as another process opens it.
  void OpenReader(CDb* reader) const {
    CErr err;
    REQUIRE(bee_open(dir.Sub("db").c_str(), BEE_READ_ONLY, &reader->db, &err) ==
            BEE_OK);
  }
};

// "left | right" per change of the watch's last event.
std::vector<std::string> Changes(const bee_watch_t* watch,
                                 const bee_watch_event_t& event) {
  std::vector<std::string> out;
  for (size_t i = 0; i < event.changes; i++) {
    CErr err;
    bee_diff_entry_t c;
    REQUIRE(bee_watch_change(watch, i, &c, &err) == BEE_OK);
    out.push_back((c.has_left ? EntryText(c.left) : "-") + " | " +
                  (c.has_right ? EntryText(c.right) : "-"));
  }
  return out;
}

TEST_CASE("capi: bee_wait_version returns once the version passes", "[capi]") {
  Store s;
  Put(s.db.db, "a", "1");  // version 2 (the header, then a)
  CErr err;
  uint64_t v = 0;
  // Already past: at once, whatever the timeout.
  REQUIRE(bee_wait_version(s.db.db, 1, kLong, &v, &err) == BEE_OK);
  CHECK(v == 2);
  // Not past, no time: the current version.
  REQUIRE(bee_wait_version(s.db.db, 2, 0, &v, &err) == BEE_OK);
  CHECK(v == 2);
  // Another thread's write wakes it.
  std::thread writer([&] { Put(s.db.db, "b", "2"); });
  REQUIRE(bee_wait_version(s.db.db, 2, kLong, &v, &err) == BEE_OK);
  writer.join();
  CHECK(v == 3);

  CHECK(bee_wait_version(s.db.db, 3, -1, &v, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() ==
        "bee_wait_version: InvalidArgument: timeout_ms is negative (-1): 0 "
        "does not wait");
  CHECK(bee_wait_version(s.db.db, 3, 0, nullptr, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_wait_version: InvalidArgument: version is NULL");
  int changed = 0;
  CHECK(bee_refresh(s.db.db, &changed, &err) == BEE_INVALID_ARGUMENT);
  CHECK_THAT(err.str(), Catch::StartsWith("bee_refresh: InvalidArgument: "));
  REQUIRE(bee_close(s.db.db, &err) == BEE_OK);
  CHECK(bee_wait_version(s.db.db, 3, 0, &v, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_wait_version: InvalidArgument: the store is closed");
}

TEST_CASE("capi: a read-only store follows its writer", "[capi]") {
  Store s;
  Put(s.db.db, "a", "1");
  CDb reader;
  s.OpenReader(&reader);
  CErr err;
  CHECK(Version(reader.db) == 2);
  Put(s.db.db, "b", "2");
  CHECK(Version(reader.db) == 2);  // until it refreshes
  int changed = -1;
  REQUIRE(bee_refresh(reader.db, &changed, &err) == BEE_OK);
  CHECK(changed == 1);
  CHECK(Version(reader.db) == 3);
  REQUIRE(bee_refresh(reader.db, &changed, &err) == BEE_OK);
  CHECK(changed == 0);

  // Waiting refreshes: the writer's next put ends the wait.
  std::thread writer([&] { Put(s.db.db, "c", "3"); });
  uint64_t v = 0;
  REQUIRE(bee_wait_version(reader.db, 3, kLong, &v, &err) == BEE_OK);
  writer.join();
  CHECK(v == 4);
}

TEST_CASE("capi: a watch yields the versions that change its range", "[capi]") {
  Store s;
  Put(s.db.db, "b", "1");  // version 2, before the watch
  CErr err;
  bee_range_options_t* range = bee_range_options_create();
  REQUIRE(bee_range_options_set_gte(range, "b", 1, &err) == BEE_OK);
  REQUIRE(bee_range_options_set_lt(range, "c", 1, &err) == BEE_OK);
  bee_watch_t* watch = nullptr;
  REQUIRE(bee_watch_create(s.db.db, range, &watch, &err) == BEE_OK);
  bee_range_options_destroy(range);  // the watch copied it

  bee_watch_event_t event;
  int has = -1;
  REQUIRE(bee_watch_next(watch, 0, &event, &has, &err) == BEE_OK);
  CHECK(has == 0);  // nothing written since

  Put(s.db.db, "a", "x");  // version 3: outside the range, skipped
  Put(s.db.db, "b", "2");  // version 4
  REQUIRE(bee_watch_next(watch, kLong, &event, &has, &err) == BEE_OK);
  REQUIRE(has == 1);
  // The event starts where the watch started and ends at the version that
  // changed b; version 3 changed nothing in the range.
  CHECK(event.previous_version == 2);
  CHECK(event.version == 4);
  CHECK(event.truncated == 0);
  CHECK(Changes(watch, event) == std::vector<std::string>{"b=2 | b=1"});
  // Two writes before the next call: one event, both changes.
  Put(s.db.db, "bb", "3");  // version 5
  Put(s.db.db, "ba", "4");  // version 6
  REQUIRE(bee_watch_next(watch, kLong, &event, &has, &err) == BEE_OK);
  REQUIRE(has == 1);
  CHECK(event.previous_version == 4);
  CHECK(event.version == 6);
  CHECK(Changes(watch, event) ==
        std::vector<std::string>{"ba=4 | -", "bb=3 | -"});
  bee_diff_entry_t c;
  CHECK(bee_watch_change(watch, event.changes, &c, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK_THAT(err.str(), Catch::Contains("is past the event's"));

  REQUIRE(bee_del(s.db.db, "b", 1, &err) == BEE_OK);
  REQUIRE(bee_watch_next(watch, kLong, &event, &has, &err) == BEE_OK);
  REQUIRE(has == 1);
  CHECK(event.version == 7);
  CHECK(event.previous_version == 6);
  CHECK(Changes(watch, event) == std::vector<std::string>{"- | b=2"});

  // A wait that times out leaves no event to read.
  REQUIRE(bee_watch_next(watch, 0, &event, &has, &err) == BEE_OK);
  CHECK(has == 0);
  CHECK(bee_watch_change(watch, 0, &c, &err) == BEE_INVALID_ARGUMENT);
  CHECK_THAT(err.str(), Catch::Contains("there is no event"));
  bee_watch_destroy(watch);
}

TEST_CASE("capi: bee_watch_cancel ends a waiting bee_watch_next", "[capi]") {
  Store s;
  CErr err;
  bee_watch_t* watch = nullptr;
  REQUIRE(bee_watch_create(s.db.db, nullptr, &watch, &err) == BEE_OK);
  std::thread canceller([&] { bee_watch_cancel(watch); });
  bee_watch_event_t event;
  int has = -1;
  // Cancelled before or while it waits: it returns without an event.
  REQUIRE(bee_watch_next(watch, kLong, &event, &has, &err) == BEE_OK);
  canceller.join();
  CHECK(has == 0);
  Put(s.db.db, "a", "1");  // and stays cancelled
  REQUIRE(bee_watch_next(watch, kLong, &event, &has, &err) == BEE_OK);
  CHECK(has == 0);
  bee_watch_destroy(watch);
  bee_watch_cancel(nullptr);
  bee_watch_destroy(nullptr);
}

TEST_CASE("capi: a read-only store's watch sees the writer, truncations too",
          "[capi]") {
  Store s;
  Put(s.db.db, "a", "1");
  Put(s.db.db, "b", "2");  // version 3
  CDb reader;
  s.OpenReader(&reader);
  CErr err;
  bee_watch_t* watch = nullptr;
  REQUIRE(bee_watch_create(reader.db, nullptr, &watch, &err) == BEE_OK);
  std::thread writer([&] { Put(s.db.db, "c", "3"); });
  bee_watch_event_t event;
  int has = 0;
  REQUIRE(bee_watch_next(watch, kLong, &event, &has, &err) == BEE_OK);
  writer.join();
  REQUIRE(has == 1);
  CHECK(event.version == 4);
  CHECK(Changes(watch, event) == std::vector<std::string>{"c=3 | -"});

  // The writer truncates (through the C++ API: the C API has no truncate).
  REQUIRE(bee_close(s.db.db, &err) == BEE_OK);
  auto writer_cxx = bee::btree::Bee::Open(s.dir.Sub("db")).value();
  REQUIRE(writer_cxx->Truncate(3).ok());
  REQUIRE(bee_watch_next(watch, kLong, &event, &has, &err) == BEE_OK);
  REQUIRE(has == 1);
  CHECK(event.truncated == 1);
  CHECK(event.version == 3);
  CHECK(event.previous_version == 4);
  CHECK(event.changes == 0);
  REQUIRE(writer_cxx->Close().ok());
  bee_watch_destroy(watch);
}

TEST_CASE("capi: bad arguments to watches are refused by name", "[capi]") {
  Store s;
  CErr err;
  bee_watch_t* watch = nullptr;
  bee_range_options_t* reverse = bee_range_options_create();
  REQUIRE(bee_range_options_set_reverse(reverse, 1, &err) == BEE_OK);
  CHECK(bee_watch_create(s.db.db, reverse, &watch, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(err.str() ==
        "bee_watch_create: InvalidArgument: a diff has no reverse order");
  CHECK(watch == nullptr);
  bee_range_options_destroy(reverse);
  CHECK(bee_watch_create(nullptr, nullptr, &watch, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_watch_create: InvalidArgument: db is NULL");

  REQUIRE(bee_watch_create(s.db.db, nullptr, &watch, &err) == BEE_OK);
  bee_watch_event_t event;
  int has = 0;
  CHECK(bee_watch_next(watch, -5, &event, &has, &err) == BEE_INVALID_ARGUMENT);
  CHECK_THAT(err.str(), Catch::Contains("timeout_ms is negative (-5)"));
  CHECK(bee_watch_next(watch, 0, nullptr, &has, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_watch_next: InvalidArgument: event is NULL");
  CHECK(bee_watch_next(nullptr, 0, &event, &has, &err) == BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_watch_next: InvalidArgument: watch is NULL");
  // The watch outlives its store: every later wait says so.
  bee_destroy(s.db.db);
  s.db.db = nullptr;
  CHECK(bee_watch_next(watch, kLong, &event, &has, &err) ==
        BEE_INVALID_ARGUMENT);
  CHECK(err.str() == "bee_watch_next: InvalidArgument: the store is closed");
  bee_watch_destroy(watch);
}

}  // namespace
