/** \file
 * The C API of bee: a store, its batches, snapshots (checkouts of past
 * versions), range, diff and history iterators, sub-databases, and waiting
 * for changes. No C++ type crosses it; the header compiles as C99 and as
 * C++.
 *
 * Errors. Every call that can fail returns an int code: BEE_OK (0) or one
 * of the BEE_* codes below, and, when `errptr` is not NULL, stores a
 * message saying what went wrong in *errptr, allocated with malloc: free
 * it with bee_free. A message already in *errptr is freed first, so one
 * char* may be passed to a sequence of calls; on success *errptr is left
 * as it was. Bad input (a NULL handle or out-pointer, a closed store, a
 * version the store does not have, an iterator used after its end or
 * after an error) returns BEE_INVALID_ARGUMENT naming the function and the
 * argument, never crashes.
 *
 * Ownership. Each handle made by a bee_*_create/open/checkout call is
 * freed by the matching *_destroy call, which accepts NULL. Bytes returned by
 * bee_get, bee_snapshot_get and bee_batch_get, and every error message, are
 * malloc'd and freed with bee_free. Bytes in a bee_entry_t returned by an
 * iterator belong to the iterator and stay valid until its next call or its
 * destruction. Keys and values passed in are copied before the call returns.
 *
 * Lifetimes. A snapshot or iterator keeps the store's files open and may
 * outlive the bee_t it came from (it reads the version it was made at). A
 * batch must be flushed or destroyed before its store is closed. A sub or a
 * watch may outlive its store too, but once the store is closed every call
 * on it is BEE_INVALID_ARGUMENT ("the store is closed").
 *
 * Thread safety. As the C++ API (btree/bee.h): bee_get, bee_version,
 * bee_length, bee_snapshot_create, bee_checkout, bee_sub_get and
 * bee_wait_version may run on any threads concurrently with one writer
 * (bee_put, bee_del, a sub's put or del, or a batch); a snapshot or a sub
 * may be used from many threads at once; an iterator, a batch, a watch or
 * an options object is used by one thread at a time (bee_watch_cancel
 * excepted). bee_close and bee_destroy must not run concurrently with
 * another call on the same store or on its subs and watches.
 *
 * \code
 *   bee_t* db = NULL;
 *   char* err = NULL;
 *   if (bee_open("/tmp/db", BEE_CREATE_IF_MISSING, &db, &err) != BEE_OK) {
 *     fprintf(stderr, "%s\n", err);
 *     bee_free(err);
 *   }
 *   bee_put(db, "hello", 5, "world", 5, &err);
 *   bee_close(db, &err);
 *   bee_destroy(db);
 * \endcode
 */
#ifndef BEE_BTREE_BEE_C_H_
#define BEE_BTREE_BEE_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Result codes (the C++ Status codes, encoding/status.h). Frozen. */
enum {
  BEE_OK = 0,
  BEE_INVALID_ARGUMENT = 1,    /**< malformed request or handle misuse */
  BEE_IO_ERROR = 2,            /**< the operating system refused */
  BEE_CORRUPTION = 3,          /**< stored bytes are damaged */
  BEE_VERIFICATION_FAILED = 4, /**< a hash or signature does not match */
  BEE_NOT_SUPPORTED = 5,       /**< valid, but this build cannot serve it */
  BEE_UNAVAILABLE = 6,         /**< a block this replica does not hold */
  BEE_NOT_FOUND = 7,           /**< e.g. no store in that directory */
  BEE_BUSY = 8                 /**< e.g. a batch or another writer is open */
};

/** bee_open flags. */
enum {
  BEE_CREATE_IF_MISSING = 1, /**< create a store (random key pair) if none */
  BEE_READ_ONLY = 2          /**< open read-only: writes, creates nothing */
};

/** History entry types. */
enum { BEE_HISTORY_PUT = 0, BEE_HISTORY_DEL = 1 };

typedef struct bee_t bee_t;
typedef struct bee_batch_t bee_batch_t;
typedef struct bee_snapshot_t bee_snapshot_t;
typedef struct bee_range_options_t bee_range_options_t;
typedef struct bee_iterator_t bee_iterator_t;
typedef struct bee_diff_t bee_diff_t;
typedef struct bee_history_options_t bee_history_options_t;
typedef struct bee_history_t bee_history_t;
typedef struct bee_sub_t bee_sub_t;
typedef struct bee_watch_t bee_watch_t;

/** An entry viewed in place: the bytes belong to the iterator that
 * returned it (valid until its next call or destruction). `value` is NULL
 * for an entry written without a value (a hyperbee put of null); an empty
 * value is a non-NULL pointer with value_len 0. */
typedef struct bee_entry_t {
  uint64_t seq; /**< the block that wrote the entry */
  const char* key;
  size_t key_len;
  const char* value;
  size_t value_len;
} bee_entry_t;

/** One key whose entry differs between two versions. */
typedef struct bee_diff_entry_t {
  int has_left; /**< left holds the entry in the first snapshot */
  bee_entry_t left;
  int has_right; /**< right holds the entry in the second snapshot */
  bee_entry_t right;
} bee_diff_entry_t;

/** One put or delete, in seq order. value is NULL for a delete. */
typedef struct bee_history_entry_t {
  int type; /**< BEE_HISTORY_PUT or BEE_HISTORY_DEL */
  bee_entry_t entry;
} bee_history_entry_t;

/* -- Memory and version ------------------------------------------------ */

/** Frees what the API allocated for the caller (values, messages); NULL is
 * a no-op. */
void bee_free(void* ptr);
/** The library's version, "major.minor.patch" (static storage). */
const char* bee_library_version(void);
/** The name of a code ("InvalidArgument"), "Unknown" for others (static). */
const char* bee_code_name(int code);

/* -- Stores ------------------------------------------------------------ */

/** Opens the store in directory `dir`; with BEE_CREATE_IF_MISSING creates
 * one (a random key pair) when `dir` holds none. On success *db is a new
 * handle for bee_destroy; on failure it is set to NULL. */
int bee_open(const char* dir, int flags, bee_t** db, char** errptr);
/** Closes the store: syncs and releases its lock. The handle stays valid
 * for bee_destroy; every other call on it is then BEE_INVALID_ARGUMENT
 * ("the store is closed"). Closing a closed store is BEE_OK. BEE_BUSY,
 * closing nothing, while one of its batches is open. */
int bee_close(bee_t* db, char** errptr);
/** Frees the handle, closing the store first if needed (its error is lost:
 * call bee_close to see it). An open batch of the store is discarded and
 * refuses every later call but bee_batch_destroy. NULL: no-op. */
void bee_destroy(bee_t* db);

/** The current version: max(1, log length), as hyperbee's. */
int bee_version(const bee_t* db, uint64_t* version, char** errptr);
/** The number of blocks in the log. */
int bee_length(const bee_t* db, uint64_t* length, char** errptr);

/** Reads `key` at the current version. Found: *found = 1 and *value a
 * malloc'd copy (bee_free) of *value_len bytes, or NULL for an entry
 * without a value. Absent: *found = 0, *value = NULL, *value_len = 0. */
int bee_get(const bee_t* db, const char* key, size_t key_len, char** value,
            size_t* value_len, int* found, char** errptr);
/** Appends one block setting `key` to `value` (value may be NULL only when
 * value_len is 0: an empty value). Errors: BEE_INVALID_ARGUMENT for a
 * read-only store or a key or value over the library's limits (15 MiB);
 * BEE_BUSY while a batch is open; BEE_IO_ERROR when the log cannot write
 * (the store then refuses writes until it is reopened). */
int bee_put(bee_t* db, const char* key, size_t key_len, const char* value,
            size_t value_len, char** errptr);
/** Appends one block setting `key` with no value at all: hyperbee's put of
 * null (or of undefined). bee_get then finds the key (*found = 1) with
 * *value NULL; an iterator's entry has value NULL. Errors as bee_put. */
int bee_put_null(bee_t* db, const char* key, size_t key_len, char** errptr);
/** Appends one block deleting `key`; nothing when it is absent. */
int bee_del(bee_t* db, const char* key, size_t key_len, char** errptr);

/* -- Batches ----------------------------------------------------------- */

/** Opens a batch: writes appended together with one signature at flush.
 * BEE_BUSY while another batch of the store is open. */
int bee_batch_create(bee_t* db, bee_batch_t** batch, char** errptr);
/** As bee_put, pending until bee_batch_flush. */
int bee_batch_put(bee_batch_t* batch, const char* key, size_t key_len,
                  const char* value, size_t value_len, char** errptr);
/** As bee_put_null, pending until bee_batch_flush. */
int bee_batch_put_null(bee_batch_t* batch, const char* key, size_t key_len,
                       char** errptr);
/** As bee_del, pending until bee_batch_flush. */
int bee_batch_del(bee_batch_t* batch, const char* key, size_t key_len,
                  char** errptr);
/** As bee_get, seeing the batch's pending writes. */
int bee_batch_get(bee_batch_t* batch, const char* key, size_t key_len,
                  char** value, size_t* value_len, int* found, char** errptr);
/** Appends the pending writes; the batch is then closed (later calls but
 * destroy are BEE_INVALID_ARGUMENT). */
int bee_batch_flush(bee_batch_t* batch, char** errptr);
/** Frees the batch, discarding what was not flushed. NULL: no-op. */
void bee_batch_destroy(bee_batch_t* batch);

/* -- Snapshots --------------------------------------------------------- */

/** The current version, unaffected by later writes. */
int bee_snapshot_create(const bee_t* db, bee_snapshot_t** snapshot,
                        char** errptr);
/** A past version (1 <= version <= current). BEE_INVALID_ARGUMENT past the
 * current version, at 0, or strictly inside a batch. */
int bee_checkout(const bee_t* db, uint64_t version, bee_snapshot_t** snapshot,
                 char** errptr);
int bee_snapshot_version(const bee_snapshot_t* snapshot, uint64_t* version,
                         char** errptr);
/** As bee_get, at the snapshot's version. */
int bee_snapshot_get(const bee_snapshot_t* snapshot, const char* key,
                     size_t key_len, char** value, size_t* value_len,
                     int* found, char** errptr);
void bee_snapshot_destroy(bee_snapshot_t* snapshot);

/* -- Range options (also the key bounds and limit of a diff) ----------- */

/** All unset: every key, ascending, no limit. */
bee_range_options_t* bee_range_options_create(void);
void bee_range_options_destroy(bee_range_options_t* options);
/** Key bounds: gt wins over gte and lt over lte when both are set (for a
 * diff, as in hyperbee, both set means the inclusive bound at gt's or lt's
 * key). */
int bee_range_options_set_gt(bee_range_options_t* options, const char* key,
                             size_t key_len, char** errptr);
int bee_range_options_set_gte(bee_range_options_t* options, const char* key,
                              size_t key_len, char** errptr);
int bee_range_options_set_lt(bee_range_options_t* options, const char* key,
                             size_t key_len, char** errptr);
int bee_range_options_set_lte(bee_range_options_t* options, const char* key,
                              size_t key_len, char** errptr);
/** Descending order (ranges only: a diff refuses it). */
int bee_range_options_set_reverse(bee_range_options_t* options, int reverse,
                                  char** errptr);
/** At most `limit` entries (pairs for a diff); < 0: unlimited. */
int bee_range_options_set_limit(bee_range_options_t* options, int64_t limit,
                                char** errptr);

/* -- Iterators --------------------------------------------------------- */

/** Iterates the keys of `snapshot` within `options` (NULL: all keys). The
 * iterator copies what it needs: both may be destroyed after the call. */
int bee_iterator_create(const bee_snapshot_t* snapshot,
                        const bee_range_options_t* options,
                        bee_iterator_t** iterator, char** errptr);
/** The next entry: *has_entry = 1 and *entry filled (its bytes valid until
 * the next call), or *has_entry = 0 at the end. After the end or an error
 * the iterator is finished: a further call is BEE_INVALID_ARGUMENT. */
int bee_iterator_next(bee_iterator_t* iterator, bee_entry_t* entry,
                      int* has_entry, char** errptr);
void bee_iterator_destroy(bee_iterator_t* iterator);

/** The keys whose entries differ between `left` and `right` (snapshots of
 * one store), ascending, within the bounds and limit of `options` (NULL:
 * all; reverse is refused). */
int bee_diff_create(const bee_snapshot_t* left, const bee_snapshot_t* right,
                    const bee_range_options_t* options, bee_diff_t** diff,
                    char** errptr);
/** As bee_iterator_next, for one pair. */
int bee_diff_next(bee_diff_t* diff, bee_diff_entry_t* entry, int* has_entry,
                  char** errptr);
void bee_diff_destroy(bee_diff_t* diff);

/** Seq bounds of a history, with hyperbee's rules (btree/history.h): 0 is
 * unset, a negative bound counts back from the version. */
bee_history_options_t* bee_history_options_create(void);
void bee_history_options_destroy(bee_history_options_t* options);
int bee_history_options_set_gt(bee_history_options_t* options, int64_t seq,
                               char** errptr);
int bee_history_options_set_gte(bee_history_options_t* options, int64_t seq,
                                char** errptr);
int bee_history_options_set_lt(bee_history_options_t* options, int64_t seq,
                               char** errptr);
int bee_history_options_set_lte(bee_history_options_t* options, int64_t seq,
                                char** errptr);
int bee_history_options_set_reverse(bee_history_options_t* options, int reverse,
                                    char** errptr);
int bee_history_options_set_limit(bee_history_options_t* options, int64_t limit,
                                  char** errptr);

/** Every put and delete up to the snapshot's version, in seq order. */
int bee_history_create(const bee_snapshot_t* snapshot,
                       const bee_history_options_t* options,
                       bee_history_t** history, char** errptr);
/** As bee_iterator_next, for one put or delete. */
int bee_history_next(bee_history_t* history, bee_history_entry_t* entry,
                     int* has_entry, char** errptr);
void bee_history_destroy(bee_history_t* history);

/* -- Sub-databases ----------------------------------------------------- */

/** A sub-database: the keys under one prefix, laid out exactly as
 * hyperbee's sub() (btree/sub.h): the prefix of sub(name, sep) is the
 * parent's prefix, then name, then sep. `sep` defaults to hyperbee's
 * separator, the single byte 0x00, when it is NULL (a non-NULL sep with
 * sep_len 0 is an empty separator); a nested sub's default is that too,
 * never the parent's. Keys given to and returned by the bee_sub_* calls are
 * relative to the sub. The sub borrows `db`: see Lifetimes above. */
int bee_sub_create(bee_t* db, const char* name, size_t name_len,
                   const char* sep, size_t sep_len, bee_sub_t** sub,
                   char** errptr);
/** A sub-database of `parent` (its store's), as bee_sub_create. */
int bee_sub_create_sub(const bee_sub_t* parent, const char* name,
                       size_t name_len, const char* sep, size_t sep_len,
                       bee_sub_t** sub, char** errptr);
/** The sub's whole prefix, as stored in the tree: *prefix points into the
 * sub (valid until bee_sub_destroy). A batch writes into a sub with keys
 * made of this prefix and the sub-key. */
int bee_sub_prefix(const bee_sub_t* sub, const char** prefix,
                   size_t* prefix_len, char** errptr);
/** As bee_get, for the sub-key `key`. */
int bee_sub_get(const bee_sub_t* sub, const char* key, size_t key_len,
                char** value, size_t* value_len, int* found, char** errptr);
/** As bee_put, for the sub-key `key`. */
int bee_sub_put(bee_sub_t* sub, const char* key, size_t key_len,
                const char* value, size_t value_len, char** errptr);
/** As bee_put_null, for the sub-key `key`. */
int bee_sub_put_null(bee_sub_t* sub, const char* key, size_t key_len,
                     char** errptr);
/** As bee_del, for the sub-key `key`. */
int bee_sub_del(bee_sub_t* sub, const char* key, size_t key_len, char** errptr);
/** Iterates the sub's keys at `snapshot` (NULL: the store's current
 * version), within `options` (NULL: all), whose bounds are sub-keys; the
 * entries' keys are sub-keys. As in hyperbee, the empty sub-key is found by
 * bee_sub_get but not listed. Read with bee_iterator_next. */
int bee_sub_iterator_create(const bee_sub_t* sub,
                            const bee_snapshot_t* snapshot,
                            const bee_range_options_t* options,
                            bee_iterator_t** iterator, char** errptr);
/** Frees the sub (its store is untouched). NULL: no-op. */
void bee_sub_destroy(bee_sub_t* sub);

/* -- Waiting for changes ----------------------------------------------- */

/** Waits until the store's version is past `after`, or until `timeout_ms`
 * milliseconds pass (0: do not wait; longer than a year counts as a year);
 * *version is the version then (still <= after when the time ran out).
 * Another thread's writes wake it at once. A read-only store follows its
 * writer in another process: it refreshes (bee_refresh) every 50 ms while
 * it waits. BEE_INVALID_ARGUMENT for a negative timeout; a refresh's
 * error. */
int bee_wait_version(bee_t* db, uint64_t after, int64_t timeout_ms,
                     uint64_t* version, char** errptr);
/** For a store opened with BEE_READ_ONLY: reads the newest version its
 * writer (another process) signed, so later reads see it. *changed (if not
 * NULL) is 1 when the version changed. BEE_INVALID_ARGUMENT for a writable
 * store; BEE_CORRUPTION when the new head does not verify (the store stays
 * as it was). */
int bee_refresh(bee_t* db, int* changed, char** errptr);

/** A watch's event: a new version whose writes changed a key of its range,
 * or a truncation. */
typedef struct bee_watch_event_t {
  uint64_t version;          /**< the new version */
  uint64_t previous_version; /**< the version the last event (or the start)
                                saw */
  int truncated;  /**< the store was truncated since previous_version: no
                     changes are listed, and that version is gone */
  size_t changes; /**< keys changed; read each with bee_watch_change */
} bee_watch_event_t;

/** Watches the keys within `options`' bounds (NULL: all keys; reverse is
 * refused, limit ignored) from the store's current version on, as
 * hyperbee's watch(). The watch borrows `db`: see Lifetimes above. */
int bee_watch_create(bee_t* db, const bee_range_options_t* options,
                     bee_watch_t** watch, char** errptr);
/** Waits up to `timeout_ms` (as bee_wait_version) for the next version
 * whose writes change a key in the range, skipping versions that change
 * none: *has_event = 1 and *event filled, or *has_event = 0 when the time
 * ran out or the watch was cancelled. A read-only store refreshes every
 * 50 ms while it waits. Errors: BEE_INVALID_ARGUMENT for a negative
 * timeout or a closed store; a read's or refresh's error. */
int bee_watch_next(bee_watch_t* watch, int64_t timeout_ms,
                   bee_watch_event_t* event, int* has_event, char** errptr);
/** Change `index` (< event.changes) of the last event, in key order:
 * has_left/left is the key's entry at the event's version (absent: deleted
 * or not yet written), has_right/right at previous_version. The bytes
 * belong to the watch and stay valid until its next bee_watch_next or its
 * destruction. BEE_INVALID_ARGUMENT when there is no such change. */
int bee_watch_change(const bee_watch_t* watch, size_t index,
                     bee_diff_entry_t* change, char** errptr);
/** Makes a waiting bee_watch_next return (*has_event = 0) soon, and every
 * later one at once. The one call that may run on another thread while
 * bee_watch_next waits. NULL: no-op. */
void bee_watch_cancel(bee_watch_t* watch);
/** Frees the watch. NULL: no-op. */
void bee_watch_destroy(bee_watch_t* watch);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* BEE_BTREE_BEE_C_H_ */
