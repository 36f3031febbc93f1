#!/usr/bin/env bash
# The comparison harness in one command: bee vs LevelDB vs the JS hyperbee
# on the same workloads (bench/compare/README.md, docs/PERFORMANCE.md).
#
#   bash bench/compare/run.sh [--quick] [--n N] [--runs R] [--json FILE]
#                             [--build-dir DIR] [other bee_compare options]
#
# Builds the Release binaries (preset `release`) when they are missing,
# unless --build-dir names another build (scripts/test.sh passes build/ci).
# Exits non-zero only when a workload fails; slow figures are reported, never
# asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/release
args=()
while (($#)); do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [ "$build" = build/release ] &&
   { [ ! -x "$build/bench/bee_compare" ] || [ ! -x "$build/tools/bee" ]; }; then
  echo "compare: building the Release binaries (cmake --preset release)" >&2
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target bee_compare bee >&2
fi
if [ ! -x "$build/bench/bee_compare" ]; then
  echo "compare: FAILED: no $build/bench/bee_compare (build the bench targets)" >&2
  exit 1
fi
exec "$build/bench/bee_compare" --bee "$build/tools/bee" \
  --js bench/compare/hyperbee_side.js "${args[@]}"
