// bee-dump: an inspector for stores (tools/dump.cc does the work).
#include <unistd.h>

#include <iostream>

#include "tools/bee_cli.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  bee::tools::Terminal terminal;
  terminal.stderr_is_tty = isatty(STDERR_FILENO) == 1;
  return bee::tools::RunBeeDump(argc, argv, std::cout, std::cerr, terminal);
}
