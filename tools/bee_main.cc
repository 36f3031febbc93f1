// bee: the command-line front end (tools/bee_cli.cc does the work).
#include <iostream>

#include "tools/bee_cli.h"

int main(int argc, char** argv) {
  return bee::tools::RunBee(argc, argv, std::cin, std::cout, std::cerr);
}
