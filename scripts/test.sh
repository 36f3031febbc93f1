#!/usr/bin/env bash
# Builds bee and runs every test: under AddressSanitizer and
# UndefinedBehaviorSanitizer (Debug, -Werror; the C API and, over libbee.so,
# the Python binding's tests among them), in Release (-Werror; also the
# install test: programs built against an installed bee, tests/consumer/),
# the API reference (Doxygen, warnings are errors), with a
# short run of each benchmark binary and the quick mode of the comparison
# harness (bench/compare: bee vs LevelDB vs hyperbee; it fails the run when a
# workload errors, never for a slow figure), the concurrency tests under
# ThreadSanitizer, and each fuzz target for a bounded time.
#
# Random tests take one seed per run, printed first; replay a run with
# BEE_TEST_SEED=<seed> bash scripts/test.sh (a failing test prints its own
# one-line replay command). What did not run (a test or benchmark skipped on
# this machine) is summarized at the end, pass or fail.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# -- Seed and summary of skips (issue 15)
if [ -z "${BEE_TEST_SEED:-}" ]; then
  BEE_TEST_SEED=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
fi
export BEE_TEST_SEED
rm -f build/*/ctest.log build/ci/bench_smoke.log build/ci/compare.log  # the summary reads this run's
echo "== Random seed for this run: $BEE_TEST_SEED (replay: BEE_TEST_SEED=$BEE_TEST_SEED bash scripts/test.sh)" >&2
summary() {
  echo "== Summary (seed $BEE_TEST_SEED)" >&2
  local skipped
  skipped=$(cat build/*/ctest.log build/ci/bench_smoke.log build/ci/compare.log 2>/dev/null |
            grep -E '\*\*\*Skipped|^bench: SKIPPED|^BEE-SKIPPED' | sort -u || true)
  if [ -n "$skipped" ]; then
    echo "SKIPPED on this machine (passed only in part; run them where they can):" >&2
    echo "$skipped" | sed 's/^/  /' >&2
  else
    echo "nothing skipped" >&2
  fi
  if [ -x build/asan/tests/bee_unit_tests ]; then
    build/asan/tests/bee_unit_tests 'multi_hash: the*' 2>/dev/null |
      grep -E '^(bee: the|BEE-SKIPPED)' | sed 's/^/  /' >&2 || true
  fi
}
trap summary EXIT
# -- end seed and summary

jobs=$(nproc)
echo "== Source checks (dependency direction, formatting)" >&2
bash scripts/check_tree.sh

echo "== ASan+UBSan build and tests" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --test-dir build/asan --output-on-failure -j "$jobs" --timeout 600 |
  tee build/asan/ctest.log

echo "== Release build and tests" >&2
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --test-dir build/ci --output-on-failure -j "$jobs" --timeout 600 |
  tee build/ci/ctest.log

echo "== API reference: Doxygen over the public headers, warnings are errors" >&2
doxygen docs/Doxyfile

echo "== Benchmarks, one short run each (Release, no sanitizers)" >&2
bash scripts/bench_smoke.sh build/ci/bench 2>&1 | tee build/ci/bench_smoke.log

echo "== Comparison harness, quick mode (bee vs LevelDB vs hyperbee; figures reported, not asserted)" >&2
bash bench/compare/run.sh --quick --build-dir build/ci 2>&1 | tee build/ci/compare.log

echo "== ThreadSanitizer: one writer, concurrent readers" >&2
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target bee_unit_tests
ctest --test-dir build/tsan --output-on-failure -R concurrent --timeout 600 |
  tee build/tsan/ctest.log

echo "== Fuzzing: each libFuzzer target for a bounded time (clang, ASan+UBSan)" >&2
bash scripts/fuzz.sh --seconds "${BEE_FUZZ_SECONDS:-20}"
