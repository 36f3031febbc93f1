// The C API (btree/bee_c.h) over the C++ one: stores, batches, snapshots,
// range, diff and history iterators (btree/internal/bee_c_impl.h says how
// each call is made; subs and watches are in bee_c_sub.cc, bee_c_watch.cc).
#include "btree/bee_c.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "btree/bee.h"
#include "btree/diff.h"
#include "btree/history.h"
#include "btree/internal/bee_c_impl.h"
#include "btree/iterator.h"
#include "btree/version.h"

using bee::Result;
using bee::Status;
using bee::btree::Batch;
using bee::btree::Bee;
using bee::btree::DiffEntry;
using bee::btree::DiffIterator;
using bee::btree::DiffOptions;
using bee::btree::Entry;
using bee::btree::HistoryEntry;
using bee::btree::HistoryIterator;
using bee::btree::HistoryOptions;
using bee::btree::RangeIterator;
using bee::btree::RangeOptions;
using bee::btree::Snapshot;
using bee::btree::capi::Bytes;
using bee::btree::capi::CheckGet;
using bee::btree::capi::CheckNext;
using bee::btree::capi::FromStatus;
using bee::btree::capi::Invalid;
using bee::btree::capi::kOk;
using bee::btree::capi::NotNull;
using bee::btree::capi::OpenStore;
using bee::btree::capi::ReturnValue;
using bee::btree::capi::SetError;
using bee::btree::capi::ToDiffEntry;
using bee::btree::capi::ToDiffOptions;
using bee::btree::capi::ToEntry;

struct bee_batch_t {
  bee_t* db = nullptr;           // null once the batch is closed
  std::unique_ptr<Batch> batch;  // null once flushed or detached
};

struct bee_history_options_t {
  HistoryOptions options;
};

struct bee_diff_t {
  bee_diff_t(Snapshot left, Snapshot right, DiffOptions options)
      : it(std::move(left), std::move(right), std::move(options)) {}
  DiffIterator it;
  std::optional<DiffEntry> current;  // what the last bee_diff_next points to
  bool finished = false;
};

struct bee_history_t {
  bee_history_t(Snapshot snapshot, HistoryOptions options)
      : it(std::move(snapshot), std::move(options)) {}
  HistoryIterator it;
  std::optional<HistoryEntry> current;
  bool finished = false;
};

namespace bee::btree::capi {

int SetError(char** errptr, const char* fn, int code, std::string_view text) {
  if (errptr != nullptr) {
    std::string message =
        std::string(fn) + ": " + bee_code_name(code) + ": " + std::string(text);
    std::free(*errptr);
    *errptr = static_cast<char*>(std::malloc(message.size() + 1));
    if (*errptr != nullptr) {
      std::memcpy(*errptr, message.c_str(), message.size() + 1);
    }
  }
  return code;
}

int Invalid(char** errptr, const char* fn, std::string_view text) {
  return SetError(errptr, fn, BEE_INVALID_ARGUMENT, text);
}

int FromStatus(char** errptr, const char* fn, const Status& s) {
  if (s.ok()) return kOk;
  return SetError(errptr, fn, static_cast<int>(s.code()), s.message());
}

int NotNull(char** errptr, const char* fn, const void* p, const char* name) {
  if (p != nullptr) return kOk;
  return Invalid(errptr, fn, std::string(name) + " is NULL");
}

int Bytes(char** errptr, const char* fn, const char* p, size_t n,
          const char* name, std::string_view* out) {
  if (p == nullptr && n != 0) {
    return Invalid(
        errptr, fn,
        std::string(name) + " is NULL with a length of " + std::to_string(n));
  }
  *out = p == nullptr ? std::string_view() : std::string_view(p, n);
  return kOk;
}

int OpenStore(char** errptr, const char* fn, const bee_t* db) {
  if (int code = NotNull(errptr, fn, db, "db"); code != kOk) return code;
  if (db->bee == nullptr) return Invalid(errptr, fn, "the store is closed");
  return kOk;
}

namespace {

int CheckReadOutputs(char** errptr, const char* fn, char** value,
                     size_t* value_len, int* found) {
  if (int code = NotNull(errptr, fn, value, "value"); code != kOk) return code;
  if (int code = NotNull(errptr, fn, value_len, "value_len"); code != kOk) {
    return code;
  }
  return NotNull(errptr, fn, found, "found");
}

}  // namespace

int ReturnValue(char** errptr, const char* fn,
                const Result<std::optional<Entry>>& r, char** value,
                size_t* value_len, int* found) {
  *value = nullptr;
  *value_len = 0;
  *found = 0;
  if (!r.ok()) return FromStatus(errptr, fn, r.status());
  if (!r->has_value()) return kOk;
  *found = 1;
  const std::optional<std::string>& v = (*r)->value;
  if (!v.has_value()) return kOk;
  *value = static_cast<char*>(std::malloc(v->empty() ? 1 : v->size()));
  if (*value == nullptr) {
    return SetError(errptr, fn, BEE_IO_ERROR, "out of memory");
  }
  std::memcpy(*value, v->data(), v->size());
  *value_len = v->size();
  return kOk;
}

int CheckGet(char** errptr, const char* fn, const char* key, size_t key_len,
             char** value, size_t* value_len, int* found,
             std::string_view* key_view) {
  if (int code = CheckReadOutputs(errptr, fn, value, value_len, found);
      code != kOk) {
    return code;
  }
  *value = nullptr;
  *value_len = 0;
  *found = 0;
  return Bytes(errptr, fn, key, key_len, "key", key_view);
}

bee_entry_t ToEntry(uint64_t seq, std::string_view key,
                    std::optional<std::string_view> value) {
  bee_entry_t e;
  e.seq = seq;
  e.key = key.data();
  e.key_len = key.size();
  // An empty value is a non-NULL pointer, unlike an absent one.
  e.value = value.has_value() ? (value->empty() ? "" : value->data()) : nullptr;
  e.value_len = value.has_value() ? value->size() : 0;
  return e;
}

bee_entry_t ToEntry(const Entry& entry) {
  std::optional<std::string_view> value;
  if (entry.value.has_value()) value = *entry.value;
  return ToEntry(entry.seq, entry.key, value);
}

bee_diff_entry_t ToDiffEntry(const DiffEntry& d) {
  bee_diff_entry_t entry{};
  entry.has_left = d.left.has_value() ? 1 : 0;
  if (d.left.has_value()) entry.left = ToEntry(*d.left);
  entry.has_right = d.right.has_value() ? 1 : 0;
  if (d.right.has_value()) entry.right = ToEntry(*d.right);
  return entry;
}

int ToDiffOptions(char** errptr, const char* fn,
                  const bee_range_options_t* options, DiffOptions* out) {
  *out = DiffOptions{};
  if (options == nullptr) return kOk;
  const RangeOptions& r = options->options;
  if (r.reverse) return Invalid(errptr, fn, "a diff has no reverse order");
  out->gt = r.gt;
  out->gte = r.gte;
  out->lt = r.lt;
  out->lte = r.lte;
  out->limit = r.limit;
  return kOk;
}

int CheckNext(char** errptr, const char* fn, const void* handle,
              const char* name, bool finished, const void* entry,
              int* has_entry) {
  if (int code = NotNull(errptr, fn, handle, name); code != kOk) return code;
  if (int code = NotNull(errptr, fn, entry, "entry"); code != kOk) return code;
  if (int code = NotNull(errptr, fn, has_entry, "has_entry"); code != kOk) {
    return code;
  }
  *has_entry = 0;
  if (finished) {
    return Invalid(errptr, fn,
                   std::string("the ") + name +
                       " is finished (it reached its end or failed)");
  }
  return kOk;
}

}  // namespace bee::btree::capi

namespace {

int SetKey(char** errptr, const char* fn, bee_range_options_t* options,
           const char* key, size_t key_len, std::optional<std::string>* bound) {
  if (int code = NotNull(errptr, fn, options, "options"); code != kOk) {
    return code;
  }
  std::string_view k;
  if (int code = Bytes(errptr, fn, key, key_len, "key", &k); code != kOk) {
    return code;
  }
  *bound = std::string(k);
  return kOk;
}

int SetSeq(char** errptr, const char* fn, bee_history_options_t* options,
           int64_t seq, std::optional<int64_t>* bound) {
  if (int code = NotNull(errptr, fn, options, "options"); code != kOk) {
    return code;
  }
  *bound = seq;
  return kOk;
}

int BatchWrite(char** errptr, const char* fn, bee_batch_t* batch) {
  if (int code = NotNull(errptr, fn, batch, "batch"); code != kOk) {
    return code;
  }
  if (batch->batch == nullptr) {
    return Invalid(errptr, fn,
                   "the batch is closed (flushed, or its store destroyed)");
  }
  return kOk;
}

// Ends `batch`: releases the C++ batch (and with it the store's writer
// lock) and detaches it from its store.
void CloseBatch(bee_batch_t* batch) {
  batch->batch.reset();
  if (batch->db != nullptr) batch->db->batch = nullptr;
  batch->db = nullptr;
}

}  // namespace

extern "C" {

void bee_free(void* ptr) { std::free(ptr); }

const char* bee_library_version(void) { return bee::btree::LibraryVersion(); }

const char* bee_code_name(int code) {
  switch (code) {
    case BEE_OK:
      return "OK";
    case BEE_INVALID_ARGUMENT:
      return "InvalidArgument";
    case BEE_IO_ERROR:
      return "IOError";
    case BEE_CORRUPTION:
      return "Corruption";
    case BEE_VERIFICATION_FAILED:
      return "VerificationFailed";
    case BEE_NOT_SUPPORTED:
      return "NotSupported";
    case BEE_UNAVAILABLE:
      return "Unavailable";
    case BEE_NOT_FOUND:
      return "NotFound";
    case BEE_BUSY:
      return "Busy";
    default:
      return "Unknown";
  }
}

int bee_open(const char* dir, int flags, bee_t** db, char** errptr) {
  const char* fn = "bee_open";
  if (int code = NotNull(errptr, fn, db, "db"); code != kOk) return code;
  *db = nullptr;
  if (int code = NotNull(errptr, fn, dir, "dir"); code != kOk) return code;
  if ((flags & ~(BEE_CREATE_IF_MISSING | BEE_READ_ONLY)) != 0) {
    return Invalid(errptr, fn,
                   "unknown flags " + std::to_string(flags) +
                       " (BEE_CREATE_IF_MISSING and BEE_READ_ONLY only)");
  }
  const bool create = (flags & BEE_CREATE_IF_MISSING) != 0;
  const bool read_only = (flags & BEE_READ_ONLY) != 0;
  if (create && read_only) {
    return Invalid(errptr, fn,
                   "BEE_CREATE_IF_MISSING and BEE_READ_ONLY together: a "
                   "read-only open creates nothing");
  }
  bee::btree::BeeOptions options;
  options.core.read_only = read_only;
  // `meta` makes a directory a store (docs/FORMAT.md §1).
  std::error_code ec;
  const bool exists =
      std::filesystem::exists(std::string(dir) + "/meta", ec) && !ec;
  auto opened =
      create && !exists
          ? Bee::Create(dir, bee::log::KeyPair::Random(), std::nullopt, options)
          : Bee::Open(dir, options);
  if (!opened.ok()) return FromStatus(errptr, fn, opened.status());
  *db = new bee_t;
  (*db)->bee = std::move(opened).value();
  (*db)->read_only = read_only;
  return kOk;
}

int bee_close(bee_t* db, char** errptr) {
  const char* fn = "bee_close";
  if (int code = NotNull(errptr, fn, db, "db"); code != kOk) return code;
  if (db->bee == nullptr) return kOk;
  if (db->batch != nullptr) {
    return SetError(errptr, fn, BEE_BUSY,
                    "a batch of this store is open (flush or destroy it "
                    "first)");
  }
  Status s = db->bee->Close();
  db->bee.reset();
  return FromStatus(errptr, fn, s);
}

void bee_destroy(bee_t* db) {
  if (db == nullptr) return;
  if (db->batch != nullptr) CloseBatch(db->batch);
  if (db->bee != nullptr) (void)db->bee->Close();
  delete db;
}

int bee_version(const bee_t* db, uint64_t* version, char** errptr) {
  const char* fn = "bee_version";
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  if (int code = NotNull(errptr, fn, version, "version"); code != kOk) {
    return code;
  }
  *version = db->bee->version();
  return kOk;
}

int bee_length(const bee_t* db, uint64_t* length, char** errptr) {
  const char* fn = "bee_length";
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  if (int code = NotNull(errptr, fn, length, "length"); code != kOk) {
    return code;
  }
  *length = db->bee->core().length();
  return kOk;
}

int bee_get(const bee_t* db, const char* key, size_t key_len, char** value,
            size_t* value_len, int* found, char** errptr) {
  const char* fn = "bee_get";
  std::string_view k;
  if (int code =
          CheckGet(errptr, fn, key, key_len, value, value_len, found, &k);
      code != kOk) {
    return code;
  }
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  return ReturnValue(errptr, fn, db->bee->Get(k), value, value_len, found);
}

int bee_put(bee_t* db, const char* key, size_t key_len, const char* value,
            size_t value_len, char** errptr) {
  const char* fn = "bee_put";
  std::string_view k, v;
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  if (int code = Bytes(errptr, fn, key, key_len, "key", &k); code != kOk) {
    return code;
  }
  if (int code = Bytes(errptr, fn, value, value_len, "value", &v);
      code != kOk) {
    return code;
  }
  return FromStatus(errptr, fn, db->bee->Put(k, v).status());
}

int bee_put_null(bee_t* db, const char* key, size_t key_len, char** errptr) {
  const char* fn = "bee_put_null";
  std::string_view k;
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  if (int code = Bytes(errptr, fn, key, key_len, "key", &k); code != kOk) {
    return code;
  }
  return FromStatus(errptr, fn, db->bee->Put(k, std::nullopt).status());
}

int bee_del(bee_t* db, const char* key, size_t key_len, char** errptr) {
  const char* fn = "bee_del";
  std::string_view k;
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  if (int code = Bytes(errptr, fn, key, key_len, "key", &k); code != kOk) {
    return code;
  }
  return FromStatus(errptr, fn, db->bee->Del(k).status());
}

int bee_batch_create(bee_t* db, bee_batch_t** batch, char** errptr) {
  const char* fn = "bee_batch_create";
  if (int code = NotNull(errptr, fn, batch, "batch"); code != kOk) {
    return code;
  }
  *batch = nullptr;
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  if (db->batch != nullptr) {
    return SetError(errptr, fn, BEE_BUSY,
                    "another batch of this store is open");
  }
  auto made = db->bee->MakeBatch();
  if (!made.ok()) return FromStatus(errptr, fn, made.status());
  *batch = new bee_batch_t;
  (*batch)->db = db;
  (*batch)->batch = std::move(made).value();
  db->batch = *batch;
  return kOk;
}

int bee_batch_put(bee_batch_t* batch, const char* key, size_t key_len,
                  const char* value, size_t value_len, char** errptr) {
  const char* fn = "bee_batch_put";
  std::string_view k, v;
  if (int code = BatchWrite(errptr, fn, batch); code != kOk) return code;
  if (int code = Bytes(errptr, fn, key, key_len, "key", &k); code != kOk) {
    return code;
  }
  if (int code = Bytes(errptr, fn, value, value_len, "value", &v);
      code != kOk) {
    return code;
  }
  return FromStatus(errptr, fn, batch->batch->Put(k, v).status());
}

int bee_batch_put_null(bee_batch_t* batch, const char* key, size_t key_len,
                       char** errptr) {
  const char* fn = "bee_batch_put_null";
  std::string_view k;
  if (int code = BatchWrite(errptr, fn, batch); code != kOk) return code;
  if (int code = Bytes(errptr, fn, key, key_len, "key", &k); code != kOk) {
    return code;
  }
  return FromStatus(errptr, fn, batch->batch->Put(k, std::nullopt).status());
}

int bee_batch_del(bee_batch_t* batch, const char* key, size_t key_len,
                  char** errptr) {
  const char* fn = "bee_batch_del";
  std::string_view k;
  if (int code = BatchWrite(errptr, fn, batch); code != kOk) return code;
  if (int code = Bytes(errptr, fn, key, key_len, "key", &k); code != kOk) {
    return code;
  }
  return FromStatus(errptr, fn, batch->batch->Del(k).status());
}

int bee_batch_get(bee_batch_t* batch, const char* key, size_t key_len,
                  char** value, size_t* value_len, int* found, char** errptr) {
  const char* fn = "bee_batch_get";
  std::string_view k;
  if (int code =
          CheckGet(errptr, fn, key, key_len, value, value_len, found, &k);
      code != kOk) {
    return code;
  }
  if (int code = BatchWrite(errptr, fn, batch); code != kOk) return code;
  return ReturnValue(errptr, fn, batch->batch->Get(k), value, value_len, found);
}

int bee_batch_flush(bee_batch_t* batch, char** errptr) {
  const char* fn = "bee_batch_flush";
  if (int code = BatchWrite(errptr, fn, batch); code != kOk) return code;
  Status s = batch->batch->Flush();
  CloseBatch(batch);
  return FromStatus(errptr, fn, s);
}

void bee_batch_destroy(bee_batch_t* batch) {
  if (batch == nullptr) return;
  CloseBatch(batch);
  delete batch;
}

int bee_snapshot_create(const bee_t* db, bee_snapshot_t** snapshot,
                        char** errptr) {
  const char* fn = "bee_snapshot_create";
  if (int code = NotNull(errptr, fn, snapshot, "snapshot"); code != kOk) {
    return code;
  }
  *snapshot = nullptr;
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  auto s = db->bee->GetSnapshot();
  if (!s.ok()) return FromStatus(errptr, fn, s.status());
  *snapshot = new bee_snapshot_t{std::move(s).value()};
  return kOk;
}

int bee_checkout(const bee_t* db, uint64_t version, bee_snapshot_t** snapshot,
                 char** errptr) {
  const char* fn = "bee_checkout";
  if (int code = NotNull(errptr, fn, snapshot, "snapshot"); code != kOk) {
    return code;
  }
  *snapshot = nullptr;
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  if (version == 0) {
    return Invalid(errptr, fn,
                   "version 0 does not exist (versions start at 1)");
  }
  auto s = db->bee->Checkout(version);
  if (!s.ok()) return FromStatus(errptr, fn, s.status());
  *snapshot = new bee_snapshot_t{std::move(s).value()};
  return kOk;
}

int bee_snapshot_version(const bee_snapshot_t* snapshot, uint64_t* version,
                         char** errptr) {
  const char* fn = "bee_snapshot_version";
  if (int code = NotNull(errptr, fn, snapshot, "snapshot"); code != kOk) {
    return code;
  }
  if (int code = NotNull(errptr, fn, version, "version"); code != kOk) {
    return code;
  }
  *version = snapshot->snapshot.version();
  return kOk;
}

int bee_snapshot_get(const bee_snapshot_t* snapshot, const char* key,
                     size_t key_len, char** value, size_t* value_len,
                     int* found, char** errptr) {
  const char* fn = "bee_snapshot_get";
  std::string_view k;
  if (int code =
          CheckGet(errptr, fn, key, key_len, value, value_len, found, &k);
      code != kOk) {
    return code;
  }
  if (int code = NotNull(errptr, fn, snapshot, "snapshot"); code != kOk) {
    return code;
  }
  return ReturnValue(errptr, fn, snapshot->snapshot.Get(k), value, value_len,
                     found);
}

void bee_snapshot_destroy(bee_snapshot_t* snapshot) { delete snapshot; }

bee_range_options_t* bee_range_options_create(void) {
  return new bee_range_options_t;
}

void bee_range_options_destroy(bee_range_options_t* options) { delete options; }

int bee_range_options_set_gt(bee_range_options_t* options, const char* key,
                             size_t key_len, char** errptr) {
  return SetKey(errptr, "bee_range_options_set_gt", options, key, key_len,
                options == nullptr ? nullptr : &options->options.gt);
}

int bee_range_options_set_gte(bee_range_options_t* options, const char* key,
                              size_t key_len, char** errptr) {
  return SetKey(errptr, "bee_range_options_set_gte", options, key, key_len,
                options == nullptr ? nullptr : &options->options.gte);
}

int bee_range_options_set_lt(bee_range_options_t* options, const char* key,
                             size_t key_len, char** errptr) {
  return SetKey(errptr, "bee_range_options_set_lt", options, key, key_len,
                options == nullptr ? nullptr : &options->options.lt);
}

int bee_range_options_set_lte(bee_range_options_t* options, const char* key,
                              size_t key_len, char** errptr) {
  return SetKey(errptr, "bee_range_options_set_lte", options, key, key_len,
                options == nullptr ? nullptr : &options->options.lte);
}

int bee_range_options_set_reverse(bee_range_options_t* options, int reverse,
                                  char** errptr) {
  const char* fn = "bee_range_options_set_reverse";
  if (int code = NotNull(errptr, fn, options, "options"); code != kOk) {
    return code;
  }
  options->options.reverse = reverse != 0;
  return kOk;
}

int bee_range_options_set_limit(bee_range_options_t* options, int64_t limit,
                                char** errptr) {
  const char* fn = "bee_range_options_set_limit";
  if (int code = NotNull(errptr, fn, options, "options"); code != kOk) {
    return code;
  }
  options->options.limit = limit;
  return kOk;
}

int bee_iterator_create(const bee_snapshot_t* snapshot,
                        const bee_range_options_t* options,
                        bee_iterator_t** iterator, char** errptr) {
  const char* fn = "bee_iterator_create";
  if (int code = NotNull(errptr, fn, iterator, "iterator"); code != kOk) {
    return code;
  }
  *iterator = nullptr;
  if (int code = NotNull(errptr, fn, snapshot, "snapshot"); code != kOk) {
    return code;
  }
  *iterator = new bee_iterator_t(snapshot->snapshot, options == nullptr
                                                         ? RangeOptions{}
                                                         : options->options);
  return kOk;
}

int bee_iterator_next(bee_iterator_t* iterator, bee_entry_t* entry,
                      int* has_entry, char** errptr) {
  const char* fn = "bee_iterator_next";
  if (int code = CheckNext(errptr, fn, iterator, "iterator",
                           iterator != nullptr && iterator->finished, entry,
                           has_entry);
      code != kOk) {
    return code;
  }
  auto next = iterator->it.NextView();
  if (!next.ok() || !next->has_value()) {
    iterator->finished = true;
    return FromStatus(errptr, fn, next.status());
  }
  const bee::btree::EntryView& view = **next;
  std::string_view key = view.key;
  // As SubDb::Strip: a sub's range holds only keys under its prefix.
  if (key.starts_with(iterator->prefix)) {
    key.remove_prefix(iterator->prefix.size());
  }
  *entry = ToEntry(view.seq, key, view.value);
  *has_entry = 1;
  return kOk;
}

void bee_iterator_destroy(bee_iterator_t* iterator) { delete iterator; }

int bee_diff_create(const bee_snapshot_t* left, const bee_snapshot_t* right,
                    const bee_range_options_t* options, bee_diff_t** diff,
                    char** errptr) {
  const char* fn = "bee_diff_create";
  if (int code = NotNull(errptr, fn, diff, "diff"); code != kOk) return code;
  *diff = nullptr;
  if (int code = NotNull(errptr, fn, left, "left"); code != kOk) return code;
  if (int code = NotNull(errptr, fn, right, "right"); code != kOk) {
    return code;
  }
  DiffOptions d;
  if (int code = ToDiffOptions(errptr, fn, options, &d); code != kOk) {
    return code;
  }
  *diff = new bee_diff_t(left->snapshot, right->snapshot, std::move(d));
  return kOk;
}

int bee_diff_next(bee_diff_t* diff, bee_diff_entry_t* entry, int* has_entry,
                  char** errptr) {
  const char* fn = "bee_diff_next";
  if (int code = CheckNext(errptr, fn, diff, "diff",
                           diff != nullptr && diff->finished, entry, has_entry);
      code != kOk) {
    return code;
  }
  auto next = diff->it.Next();
  if (!next.ok() || !next->has_value()) {
    diff->finished = true;
    diff->current.reset();
    return FromStatus(errptr, fn, next.status());
  }
  diff->current = std::move(**next);
  *entry = ToDiffEntry(*diff->current);
  *has_entry = 1;
  return kOk;
}

void bee_diff_destroy(bee_diff_t* diff) { delete diff; }

bee_history_options_t* bee_history_options_create(void) {
  return new bee_history_options_t;
}

void bee_history_options_destroy(bee_history_options_t* options) {
  delete options;
}

int bee_history_options_set_gt(bee_history_options_t* options, int64_t seq,
                               char** errptr) {
  return SetSeq(errptr, "bee_history_options_set_gt", options, seq,
                options == nullptr ? nullptr : &options->options.gt);
}

int bee_history_options_set_gte(bee_history_options_t* options, int64_t seq,
                                char** errptr) {
  return SetSeq(errptr, "bee_history_options_set_gte", options, seq,
                options == nullptr ? nullptr : &options->options.gte);
}

int bee_history_options_set_lt(bee_history_options_t* options, int64_t seq,
                               char** errptr) {
  return SetSeq(errptr, "bee_history_options_set_lt", options, seq,
                options == nullptr ? nullptr : &options->options.lt);
}

int bee_history_options_set_lte(bee_history_options_t* options, int64_t seq,
                                char** errptr) {
  return SetSeq(errptr, "bee_history_options_set_lte", options, seq,
                options == nullptr ? nullptr : &options->options.lte);
}

int bee_history_options_set_reverse(bee_history_options_t* options, int reverse,
                                    char** errptr) {
  const char* fn = "bee_history_options_set_reverse";
  if (int code = NotNull(errptr, fn, options, "options"); code != kOk) {
    return code;
  }
  options->options.reverse = reverse != 0;
  return kOk;
}

int bee_history_options_set_limit(bee_history_options_t* options, int64_t limit,
                                  char** errptr) {
  const char* fn = "bee_history_options_set_limit";
  if (int code = NotNull(errptr, fn, options, "options"); code != kOk) {
    return code;
  }
  options->options.limit = limit;
  return kOk;
}

int bee_history_create(const bee_snapshot_t* snapshot,
                       const bee_history_options_t* options,
                       bee_history_t** history, char** errptr) {
  const char* fn = "bee_history_create";
  if (int code = NotNull(errptr, fn, history, "history"); code != kOk) {
    return code;
  }
  *history = nullptr;
  if (int code = NotNull(errptr, fn, snapshot, "snapshot"); code != kOk) {
    return code;
  }
  *history = new bee_history_t(snapshot->snapshot, options == nullptr
                                                       ? HistoryOptions{}
                                                       : options->options);
  return kOk;
}

int bee_history_next(bee_history_t* history, bee_history_entry_t* entry,
                     int* has_entry, char** errptr) {
  const char* fn = "bee_history_next";
  if (int code =
          CheckNext(errptr, fn, history, "history",
                    history != nullptr && history->finished, entry, has_entry);
      code != kOk) {
    return code;
  }
  auto next = history->it.Next();
  if (!next.ok() || !next->has_value()) {
    history->finished = true;
    history->current.reset();
    return FromStatus(errptr, fn, next.status());
  }
  history->current = std::move(**next);
  const HistoryEntry& h = *history->current;
  std::optional<std::string_view> value;
  if (h.value.has_value()) value = *h.value;
  entry->type =
      h.type == HistoryEntry::Type::kDel ? BEE_HISTORY_DEL : BEE_HISTORY_PUT;
  entry->entry = ToEntry(h.seq, h.key, value);
  *has_entry = 1;
  return kOk;
}

void bee_history_destroy(bee_history_t* history) { delete history; }

}  // extern "C"
