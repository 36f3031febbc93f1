// bee: the command-line front end (tools/bee_cli.cc does the work).
#include <unistd.h>

#include <iostream>

#include "tools/bee_cli.h"

int main(int argc, char** argv) {
  // The streams need not stay in step with C stdio (nothing here uses it):
  // unsynced, std::cin and std::cout buffer and can tell how much input is
  // ready, so `bee get -` reads stdin in chunks without waiting.
  std::ios::sync_with_stdio(false);
  bee::tools::Terminal terminal;
  terminal.stderr_is_tty = isatty(STDERR_FILENO) == 1;
  return bee::tools::RunBee(argc, argv, std::cin, std::cout, std::cerr,
                            terminal);
}
