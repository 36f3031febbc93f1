// The single Catch2 main shared by every test executable.
//
// Random tests draw from Catch::rngSeed(). So that each run explores new
// inputs yet any failure replays, the seed is, in order: Catch's own
// --rng-seed if given, else the environment variable BEE_TEST_SEED (set once
// per CI run by scripts/test.sh), else a fresh random one. A failing test
// case prints the one command that replays it with its seed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "tests/util/node_runner.h"

namespace {

// The executable's path, for the replay command.
std::string program_path;

// A test name as a Catch test spec matches it exactly: ',' separates specs
// and '[' starts a tag, so both (and '\') are escaped.
std::string EscapeTestSpec(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '\\' || c == ',' || c == '[' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

class ReplayOnFailure : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;

  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    if (stats.totals.assertions.allOk() && !stats.aborting) return;
    std::cerr << "\nbee: to replay this failure run\n  BEE_TEST_SEED="
              << Catch::rngSeed() << " " << bee::test::ShellQuote(program_path)
              << " "
              << bee::test::ShellQuote(EscapeTestSpec(stats.testInfo.name))
              << "\n";
  }
};
CATCH_REGISTER_LISTENER(ReplayOnFailure)

bool HasSeedOption(int argc, char* argv[]) {
  for (int i = 1; i < argc; i++) {
    if (std::string_view(argv[i]).starts_with("--rng-seed")) return true;
  }
  return false;
}

// BEE_TEST_SEED as a seed, std::nullopt if unset; exits on a malformed one
// rather than running with a seed the user did not ask for.
std::optional<unsigned int> SeedFromEnvironment() {
  const char* text = std::getenv("BEE_TEST_SEED");
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  const unsigned long value = std::strtoul(text, &end, 10);
  if (*end != '\0' || text[0] == '-' || value > 0xffffffffUL) {
    std::cerr << "bee: BEE_TEST_SEED must be a decimal number below 2^32, "
                 "not '"
              << text << "'\n";
    std::exit(2);
  }
  return static_cast<unsigned int>(value);
}

// A fresh seed; never 0, which Catch takes as "do not seed".
unsigned int FreshSeed() {
  std::random_device device;
  std::uniform_int_distribution<unsigned int> pick(1, 0xffffffffU);
  return pick(device);
}

bool Listing(const Catch::ConfigData& data) {
  return data.listTests || data.listTestNamesOnly || data.listTags ||
         data.listReporters;
}

}  // namespace

int main(int argc, char* argv[]) {
  program_path = argv[0];
  Catch::Session session;
  const int parse_error = session.applyCommandLine(argc, argv);
  if (parse_error != 0) return parse_error;
  Catch::ConfigData& data = session.configData();
  if (!HasSeedOption(argc, argv)) {
    const std::optional<unsigned int> seed = SeedFromEnvironment();
    data.rngSeed = seed.has_value() ? *seed : FreshSeed();
  }
  if (!Listing(data) && !data.showHelp) {
    std::cerr << "bee: random seed " << data.rngSeed
              << " (replay with BEE_TEST_SEED=" << data.rngSeed << ")\n";
  }
  return session.run();
}
