#!/usr/bin/env bash
# One short run of every benchmark binary in DIR (default build/ci/bench),
# with its output in the log. Fails when a binary exits non-zero or a
# benchmark reports an error. A benchmark skipped on purpose reports an
# error message starting with "SKIPPED:" (e.g. a hash path this CPU lacks):
# it is listed as skipped, not failed.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build/ci/bench}
shopt -s nullglob
benches=("$dir"/bee_*_bench)
if ((${#benches[@]} == 0)); then
  echo "bench: FAILED: no benchmark binaries in $dir" >&2
  exit 1
fi
fail=0
for b in "${benches[@]}"; do
  echo "-- $b --benchmark_min_time=0.01"
  out=$("$b" --benchmark_min_time=0.01 2>&1)
  rc=$?
  echo "$out"
  if ((rc != 0)); then
    echo "bench: FAILED: $b exited with status $rc" >&2
    fail=1
  fi
  errors=$(grep 'ERROR OCCURRED' <<<"$out" | grep -v "ERROR OCCURRED: 'SKIPPED:")
  if [ -n "$errors" ]; then
    echo "bench: FAILED: benchmarks of $b reported errors:" >&2
    echo "$errors" >&2
    fail=1
  fi
  grep "ERROR OCCURRED: 'SKIPPED:" <<<"$out" | sed 's/^/bench: SKIPPED: /' >&2
done
exit $fail
