// The C API's sub-databases (btree/bee_c.h) over btree/sub.h: a bee_sub_t
// is a SubDb and a weak pointer to its store, locked for each call, so a
// sub used after its store was closed says so instead of reaching a freed
// Bee.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "btree/bee.h"
#include "btree/bee_c.h"
#include "btree/internal/bee_c_impl.h"
#include "btree/iterator.h"
#include "btree/sub.h"

using bee::btree::Bee;
using bee::btree::RangeOptions;
using bee::btree::Snapshot;
using bee::btree::SubDb;
using bee::btree::capi::Bytes;
using bee::btree::capi::CheckGet;
using bee::btree::capi::FromStatus;
using bee::btree::capi::Invalid;
using bee::btree::capi::kOk;
using bee::btree::capi::NotNull;
using bee::btree::capi::OpenStore;
using bee::btree::capi::ReturnValue;

struct bee_sub_t {
  std::weak_ptr<Bee> bee;  // expired once the store is closed
  SubDb sub;               // points at *bee while it lives
};

namespace {

// The checks of bee_sub_create and bee_sub_create_sub: `name` and `sep`
// read into `name_view` and `sep_out` (nullopt: the default separator).
int CheckNew(char** errptr, const char* fn, const char* name, size_t name_len,
             const char* sep, size_t sep_len, bee_sub_t** sub,
             std::string_view* name_view, std::optional<std::string>* sep_out) {
  if (int code = NotNull(errptr, fn, sub, "sub"); code != kOk) return code;
  *sub = nullptr;
  if (int code = Bytes(errptr, fn, name, name_len, "name", name_view);
      code != kOk) {
    return code;
  }
  if (sep == nullptr) {
    if (sep_len != 0) {
      return Invalid(errptr, fn,
                     "sep is NULL with a length of " + std::to_string(sep_len));
    }
    *sep_out = std::nullopt;
  } else {
    *sep_out = std::string(sep, sep_len);
  }
  return kOk;
}

// The sub's store, held for the call, or an error for a NULL sub or a
// closed store.
int Lock(char** errptr, const char* fn, const bee_sub_t* sub,
         std::shared_ptr<Bee>* bee) {
  if (int code = NotNull(errptr, fn, sub, "sub"); code != kOk) return code;
  *bee = sub->bee.lock();
  if (*bee == nullptr) return Invalid(errptr, fn, "the store is closed");
  return kOk;
}

// A sub's write (put, put of null, del): the checks, then `write`'s status.
template <typename Write>
int SubWrite(char** errptr, const char* fn, bee_sub_t* sub, const char* key,
             size_t key_len, Write write) {
  std::shared_ptr<Bee> bee;
  std::string_view k;
  if (int code = Lock(errptr, fn, sub, &bee); code != kOk) return code;
  if (int code = Bytes(errptr, fn, key, key_len, "key", &k); code != kOk) {
    return code;
  }
  return FromStatus(errptr, fn, write(k));
}

}  // namespace

extern "C" {

int bee_sub_create(bee_t* db, const char* name, size_t name_len,
                   const char* sep, size_t sep_len, bee_sub_t** sub,
                   char** errptr) {
  const char* fn = "bee_sub_create";
  std::string_view n;
  std::optional<std::string> s;
  if (int code =
          CheckNew(errptr, fn, name, name_len, sep, sep_len, sub, &n, &s);
      code != kOk) {
    return code;
  }
  if (int code = OpenStore(errptr, fn, db); code != kOk) return code;
  *sub = new bee_sub_t{db->bee, SubDb::Of(db->bee.get(), n, std::move(s))};
  return kOk;
}

int bee_sub_create_sub(const bee_sub_t* parent, const char* name,
                       size_t name_len, const char* sep, size_t sep_len,
                       bee_sub_t** sub, char** errptr) {
  const char* fn = "bee_sub_create_sub";
  std::string_view n;
  std::optional<std::string> s;
  if (int code =
          CheckNew(errptr, fn, name, name_len, sep, sep_len, sub, &n, &s);
      code != kOk) {
    return code;
  }
  std::shared_ptr<Bee> bee;
  if (int code = Lock(errptr, fn, parent, &bee); code != kOk) return code;
  *sub = new bee_sub_t{parent->bee, parent->sub.Sub(n, std::move(s))};
  return kOk;
}

int bee_sub_prefix(const bee_sub_t* sub, const char** prefix,
                   size_t* prefix_len, char** errptr) {
  const char* fn = "bee_sub_prefix";
  if (int code = NotNull(errptr, fn, sub, "sub"); code != kOk) return code;
  if (int code = NotNull(errptr, fn, prefix, "prefix"); code != kOk) {
    return code;
  }
  if (int code = NotNull(errptr, fn, prefix_len, "prefix_len"); code != kOk) {
    return code;
  }
  *prefix = sub->sub.prefix().data();
  *prefix_len = sub->sub.prefix().size();
  return kOk;
}

int bee_sub_get(const bee_sub_t* sub, const char* key, size_t key_len,
                char** value, size_t* value_len, int* found, char** errptr) {
  const char* fn = "bee_sub_get";
  std::string_view k;
  if (int code =
          CheckGet(errptr, fn, key, key_len, value, value_len, found, &k);
      code != kOk) {
    return code;
  }
  std::shared_ptr<Bee> bee;
  if (int code = Lock(errptr, fn, sub, &bee); code != kOk) return code;
  return ReturnValue(errptr, fn, sub->sub.Get(k), value, value_len, found);
}

int bee_sub_put(bee_sub_t* sub, const char* key, size_t key_len,
                const char* value, size_t value_len, char** errptr) {
  const char* fn = "bee_sub_put";
  std::string_view v;
  if (int code = Bytes(errptr, fn, value, value_len, "value", &v);
      code != kOk) {
    return code;
  }
  return SubWrite(errptr, fn, sub, key, key_len, [&](std::string_view k) {
    return sub->sub.Put(k, v).status();
  });
}

int bee_sub_put_null(bee_sub_t* sub, const char* key, size_t key_len,
                     char** errptr) {
  return SubWrite(errptr, "bee_sub_put_null", sub, key, key_len,
                  [&](std::string_view k) {
                    return sub->sub.Put(k, std::nullopt).status();
                  });
}

int bee_sub_del(bee_sub_t* sub, const char* key, size_t key_len,
                char** errptr) {
  return SubWrite(errptr, "bee_sub_del", sub, key, key_len,
                  [&](std::string_view k) { return sub->sub.Del(k).status(); });
}

int bee_sub_iterator_create(const bee_sub_t* sub,
                            const bee_snapshot_t* snapshot,
                            const bee_range_options_t* options,
                            bee_iterator_t** iterator, char** errptr) {
  const char* fn = "bee_sub_iterator_create";
  if (int code = NotNull(errptr, fn, iterator, "iterator"); code != kOk) {
    return code;
  }
  *iterator = nullptr;
  std::shared_ptr<Bee> bee;
  if (int code = Lock(errptr, fn, sub, &bee); code != kOk) return code;
  std::optional<Snapshot> snap;
  if (snapshot != nullptr) {
    snap = snapshot->snapshot;
  } else {
    auto current = bee->GetSnapshot();
    if (!current.ok()) return FromStatus(errptr, fn, current.status());
    snap = std::move(current).value();
  }
  RangeOptions range = sub->sub.Translate(
      options == nullptr ? RangeOptions{} : options->options);
  *iterator =
      new bee_iterator_t(std::move(*snap), std::move(range), sub->sub.prefix());
  return kOk;
}

void bee_sub_destroy(bee_sub_t* sub) { delete sub; }

}  // extern "C"
