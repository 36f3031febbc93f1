/* A C program outside bee using the C API of libbee.so (bee::shared, or
 * pkg-config bee_c): opens a store, puts, gets back. */
#include <stdio.h>
#include <string.h>

#include "btree/bee_c.h"

int main(int argc, char** argv) {
  bee_t* db = NULL;
  char* err = NULL;
  char* value = NULL;
  size_t value_len = 0;
  int found = 0;
  int ok;
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  if (bee_open(argv[1], BEE_CREATE_IF_MISSING, &db, &err) != BEE_OK ||
      bee_put(db, "hello", 5, "world", 5, &err) != BEE_OK ||
      bee_get(db, "hello", 5, &value, &value_len, &found, &err) != BEE_OK ||
      bee_close(db, &err) != BEE_OK) {
    fprintf(stderr, "%s\n", err);
    bee_free(err);
    bee_destroy(db);
    return 1;
  }
  ok = found && value_len == 5 && memcmp(value, "world", 5) == 0;
  printf("c consumer: bee %s, hello=%.*s\n", bee_library_version(),
         (int)value_len, value);
  bee_free(value);
  bee_destroy(db);
  return ok ? 0 : 1;
}
