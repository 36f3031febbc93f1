#!/usr/bin/env bash
# Builds bee and runs every test: first under AddressSanitizer and
# UndefinedBehaviorSanitizer (Debug, -Werror), then in Release (-Werror),
# including a short run of each benchmark binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

jobs=$(nproc)
echo "== ASan+UBSan build and tests" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
ctest --test-dir build/asan --output-on-failure -j "$jobs" --timeout 600

echo "== Release build and tests" >&2
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$jobs"
ctest --test-dir build/ci --output-on-failure -j "$jobs" --timeout 600
