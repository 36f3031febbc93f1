// A program outside bee using its C++ API as an installed package (or a
// subdirectory): opens a store, puts, gets back. tests/consumer/run.sh
// builds it three ways.
#include <cstdio>
#include <string>
#include <utility>

#include "btree/bee.h"
#include "btree/version.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  auto created = bee::btree::Bee::Create(argv[1], bee::log::KeyPair::Random());
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
    return 1;
  }
  auto db = std::move(created).value();
  if (!db->Put("hello", "world").ok()) return 1;
  auto got = db->Get("hello");
  if (!got.ok() || !got->has_value() || (*got)->value != "world") {
    std::fprintf(stderr, "get did not return the value put\n");
    return 1;
  }
  if (!db->Close().ok()) return 1;
  std::printf("c++ consumer: bee %s, hello=%s\n", bee::btree::LibraryVersion(),
              (*got)->value->c_str());
  return 0;
}
