// bee-dump: an inspector for stores (tools/dump.cc does the work).
#include <iostream>

#include "tools/bee_cli.h"

int main(int argc, char** argv) {
  return bee::tools::RunBeeDump(argc, argv, std::cout, std::cerr);
}
