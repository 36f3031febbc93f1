#!/usr/bin/env bash
# Builds bee and runs every test: under AddressSanitizer and
# UndefinedBehaviorSanitizer (Debug, -Werror), in Release (-Werror) with a
# short run of each benchmark binary, the concurrency tests under
# ThreadSanitizer, and each fuzz target for a bounded time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

jobs=$(nproc)
echo "== Source checks (dependency direction, formatting)" >&2
bash scripts/check_tree.sh

echo "== ASan+UBSan build and tests" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --test-dir build/asan --output-on-failure -j "$jobs" --timeout 600

echo "== Release build and tests" >&2
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --test-dir build/ci --output-on-failure -j "$jobs" --timeout 600

echo "== Benchmarks, one short run each (Release, no sanitizers)" >&2
for b in build/ci/bench/bee_*_bench; do
  "$b" --benchmark_min_time=0.01 >/dev/null
done

echo "== ThreadSanitizer: one writer, concurrent readers" >&2
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs" --target bee_unit_tests
ctest --test-dir build/tsan --output-on-failure -R concurrent --timeout 600

echo "== Fuzzing: each libFuzzer target for a bounded time (clang, ASan+UBSan)" >&2
bash scripts/fuzz.sh --seconds "${BEE_FUZZ_SECONDS:-20}"
