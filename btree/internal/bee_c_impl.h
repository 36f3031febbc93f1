// The C API's handles that more than one of its files uses, and the checks
// its calls share (btree/bee_c.cc: stores, batches, snapshots, iterators;
// bee_c_sub.cc: sub-databases; bee_c_watch.cc: waiting and watches). Each
// call checks its arguments, runs the C++ call and turns its Status into a
// code and a malloc'd message "<function>: <Code>: <text>".
//
// Thread safety: as btree/bee_c.h states; nothing here is shared between
// handles except the Bee, which is thread-safe as btree/bee.h says.
#ifndef BEE_BTREE_INTERNAL_BEE_C_IMPL_H_
#define BEE_BTREE_INTERNAL_BEE_C_IMPL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "btree/bee.h"
#include "btree/bee_c.h"
#include "btree/diff.h"
#include "btree/entry.h"
#include "btree/iterator.h"
#include "encoding/result.h"
#include "encoding/status.h"

struct bee_t {
  // Null once closed. The only owner: subs and watches hold weak pointers,
  // so that after bee_close they say "the store is closed" (snapshots and
  // iterators hold the tree's files themselves and keep reading).
  std::shared_ptr<bee::btree::Bee> bee;
  bee_batch_t* batch = nullptr;  // the open batch, if any
  bool read_only = false;        // opened with BEE_READ_ONLY
};

struct bee_snapshot_t {
  bee::btree::Snapshot snapshot;
};

struct bee_range_options_t {
  bee::btree::RangeOptions options;
};

struct bee_iterator_t {
  bee_iterator_t(bee::btree::Snapshot snapshot,
                 bee::btree::RangeOptions options, std::string strip = {})
      : it(std::move(snapshot), std::move(options)), prefix(std::move(strip)) {}
  bee::btree::RangeIterator it;
  // A sub-database's prefix, removed from every key returned (empty: none).
  std::string prefix;
  bool finished = false;  // reached its end or failed
};

namespace bee::btree::capi {

// Every call returns this when its arguments are fine.
inline constexpr int kOk = BEE_OK;

// Stores "<fn>: <Code>: <text>" in *errptr (if errptr is not NULL, freeing
// what was there); returns `code`.
int SetError(char** errptr, const char* fn, int code, std::string_view text);
// SetError with BEE_INVALID_ARGUMENT.
int Invalid(char** errptr, const char* fn, std::string_view text);
// kOk for an OK status, else SetError with its code and message.
int FromStatus(char** errptr, const char* fn, const Status& s);
// BEE_INVALID_ARGUMENT naming `name` when `p` is NULL.
int NotNull(char** errptr, const char* fn, const void* p, const char* name);
// Bytes given as pointer and length: NULL only with length 0.
int Bytes(char** errptr, const char* fn, const char* p, size_t n,
          const char* name, std::string_view* out);
// The store behind `db`, or an error for a NULL or closed handle.
int OpenStore(char** errptr, const char* fn, const bee_t* db);
// The arguments of a *_get call, checked (the outputs cleared); `key_view`
// is set from them.
int CheckGet(char** errptr, const char* fn, const char* key, size_t key_len,
             char** value, size_t* value_len, int* found,
             std::string_view* key_view);
// Hands the entry `r` read to the caller of a *_get call.
int ReturnValue(char** errptr, const char* fn,
                const Result<std::optional<Entry>>& r, char** value,
                size_t* value_len, int* found);
// A view of an entry's bytes; an empty value is a non-NULL pointer, unlike
// an absent one.
bee_entry_t ToEntry(uint64_t seq, std::string_view key,
                    std::optional<std::string_view> value);
bee_entry_t ToEntry(const Entry& entry);
// A diff entry viewing `d`'s bytes.
bee_diff_entry_t ToDiffEntry(const DiffEntry& d);
// The key bounds and limit of range options as a diff's (NULL: all);
// InvalidArgument for reverse, which a diff does not have.
int ToDiffOptions(char** errptr, const char* fn,
                  const bee_range_options_t* options, DiffOptions* out);
// The checks every *_next call starts with (*has_entry is cleared).
int CheckNext(char** errptr, const char* fn, const void* handle,
              const char* name, bool finished, const void* entry,
              int* has_entry);

}  // namespace bee::btree::capi

#endif  // BEE_BTREE_INTERNAL_BEE_C_IMPL_H_
