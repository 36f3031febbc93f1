/* The C API used from C: this file is compiled as C99 with -pedantic-errors
 * (tests/CMakeLists.txt), so bee_c.h must be valid C. Called by
 * tests/unit/capi/bee_c_test.cc. */
#include <stdio.h>
#include <string.h>

#include "btree/bee_c.h"

/* Opens a new store in `dir`, writes with a batch, reads back with get, a
 * reverse range, a checkout, a diff and the history; then a sub, a watch
 * and a wait. Returns 0 and "ok" in
 * `message`, or 1 and what went wrong. */
int bee_c99_smoke(const char* dir, char* message, size_t size);

static int Fail(char* message, size_t size, const char* what, char* err) {
  snprintf(message, size, "%s: %s", what, err != NULL ? err : "(no message)");
  bee_free(err);
  return 1;
}

static int Check(int ok, char* message, size_t size, const char* what) {
  if (!ok) snprintf(message, size, "wrong result: %s", what);
  return ok ? 0 : 1;
}

static int Iterate(bee_t* db, char* out, size_t out_size, char** err) {
  bee_snapshot_t* snap = NULL;
  bee_range_options_t* options = bee_range_options_create();
  bee_iterator_t* it = NULL;
  bee_entry_t entry;
  int has = 0;
  int code = bee_snapshot_create(db, &snap, err);
  if (code == BEE_OK) code = bee_range_options_set_reverse(options, 1, err);
  if (code == BEE_OK) code = bee_iterator_create(snap, options, &it, err);
  out[0] = '\0';
  while (code == BEE_OK) {
    code = bee_iterator_next(it, &entry, &has, err);
    if (code != BEE_OK || !has) break;
    if (strlen(out) + entry.key_len + 1 < out_size) {
      strncat(out, entry.key, entry.key_len);
    }
  }
  bee_iterator_destroy(it);
  bee_range_options_destroy(options);
  bee_snapshot_destroy(snap);
  return code;
}

static int PastAndChanges(bee_t* db, int* found_b, int* pairs, int* deletes,
                          char** err) {
  bee_snapshot_t* old = NULL;
  bee_snapshot_t* now = NULL;
  bee_diff_t* diff = NULL;
  bee_history_t* history = NULL;
  bee_diff_entry_t pair;
  bee_history_entry_t change;
  char* value = NULL;
  size_t len = 0;
  int has = 1;
  int code = bee_checkout(db, 2, &old, err);
  if (code == BEE_OK) code = bee_snapshot_create(db, &now, err);
  if (code == BEE_OK) {
    code = bee_snapshot_get(old, "b", 1, &value, &len, found_b, err);
  }
  bee_free(value);
  if (code == BEE_OK) code = bee_diff_create(old, now, NULL, &diff, err);
  for (*pairs = 0; code == BEE_OK; ++*pairs) {
    code = bee_diff_next(diff, &pair, &has, err);
    if (!has) break;
  }
  if (code == BEE_OK) code = bee_history_create(now, NULL, &history, err);
  for (*deletes = 0; code == BEE_OK;) {
    code = bee_history_next(history, &change, &has, err);
    if (!has) break;
    if (change.type == BEE_HISTORY_DEL) ++*deletes;
  }
  bee_history_destroy(history);
  bee_diff_destroy(diff);
  bee_snapshot_destroy(now);
  bee_snapshot_destroy(old);
  return code;
}

/* A sub's put without a value, read back; a watch that sees it (it was
 * made before); a wait for a version already reached. */
static int SubAndWatch(bee_t* db, int* null_found, int* watched,
                       uint64_t* version, char** err) {
  bee_sub_t* sub = NULL;
  bee_watch_t* watch = NULL;
  bee_watch_event_t event;
  char* value = NULL;
  size_t len = 0;
  int code = bee_watch_create(db, NULL, &watch, err);
  if (code == BEE_OK) code = bee_sub_create(db, "s", 1, NULL, 0, &sub, err);
  if (code == BEE_OK) code = bee_sub_put_null(sub, "k", 1, err);
  if (code == BEE_OK) {
    code = bee_sub_get(sub, "k", 1, &value, &len, null_found, err);
    if (value != NULL) *null_found = 0; /* found, but with a value */
  }
  bee_free(value);
  if (code == BEE_OK) code = bee_watch_next(watch, 60000, &event, watched, err);
  if (code == BEE_OK) code = bee_wait_version(db, 0, 0, version, err);
  bee_sub_destroy(sub);
  bee_watch_destroy(watch);
  return code;
}

int bee_c99_smoke(const char* dir, char* message, size_t size) {
  bee_t* db = NULL;
  bee_batch_t* batch = NULL;
  char* err = NULL;
  char keys[16];
  int found_b = 1;
  int pairs = 0;
  int deletes = 0;
  int null_found = 0;
  int watched = 0;
  uint64_t version = 0;
  int bad = 0;
  if (bee_open(dir, BEE_CREATE_IF_MISSING, &db, &err) != BEE_OK) {
    return Fail(message, size, "open", err);
  }
  /* Version 2: a=1; then one batch: b=2, c=3, a deleted. */
  if (bee_put(db, "a", 1, "1", 1, &err) != BEE_OK ||
      bee_batch_create(db, &batch, &err) != BEE_OK ||
      bee_batch_put(batch, "b", 1, "2", 1, &err) != BEE_OK ||
      bee_batch_put(batch, "c", 1, "3", 1, &err) != BEE_OK ||
      bee_batch_del(batch, "a", 1, &err) != BEE_OK ||
      bee_batch_flush(batch, &err) != BEE_OK ||
      Iterate(db, keys, sizeof keys, &err) != BEE_OK ||
      PastAndChanges(db, &found_b, &pairs, &deletes, &err) != BEE_OK ||
      SubAndWatch(db, &null_found, &watched, &version, &err) != BEE_OK) {
    bee_batch_destroy(batch);
    bee_destroy(db);
    return Fail(message, size, "write or read", err);
  }
  bee_batch_destroy(batch);
  bad = Check(strcmp(keys, "cb") == 0, message, size, "reverse range") ||
        Check(!found_b, message, size, "b at version 2") ||
        Check(pairs == 3, message, size, "3 keys changed since version 2") ||
        Check(deletes == 1, message, size, "one delete in the history") ||
        Check(null_found, message, size, "a sub's key without a value") ||
        Check(watched, message, size, "a watch event") ||
        Check(version == 6, message, size, "version 6 after the sub's put");
  if (bee_close(db, &err) != BEE_OK) {
    bee_destroy(db);
    return Fail(message, size, "close", err);
  }
  bee_destroy(db);
  if (!bad) snprintf(message, size, "ok");
  return bad;
}
