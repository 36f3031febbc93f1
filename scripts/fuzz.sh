#!/usr/bin/env bash
# Builds the libFuzzer targets (preset `fuzz`: clang, ASan+UBSan) and runs
# each for a bounded time from its seed corpus (tests/fuzz/corpus/<target>/),
# after replaying its saved reproducers (tests/fuzz/regressions/<target>/).
# A crash, hang or leak fails the run and prints the reproducer's path.
#
#   scripts/fuzz.sh [--seconds N] [--seeds] [target...]
#
# --seconds: per target (default $BEE_FUZZ_SECONDS or 20). --seeds rewrites
# the seed corpus from bee_fuzz_seeds first. New inputs the fuzzer finds go
# to build/fuzz/corpus/<target>/, never into the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${BEE_FUZZ_SECONDS:-20}
seeds=0
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --seeds) seeds=1; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(block_codec index_levels tree_walk proof
                               head_slot meta boundaries secure_session mux
                               node_scan)

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: SKIPPED, clang++ is not installed (scripts/setup.sh)" >&2
  exit 0
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target bee_fuzzers
bin=build/fuzz/tests/fuzz
if ((seeds)); then
  rm -rf tests/fuzz/corpus
  "$bin/bee_fuzz_seeds" tests/data/vectors.json tests/fuzz/corpus
fi

failed=()
for t in "${targets[@]}"; do
  work=build/fuzz/corpus/$t artifacts=build/fuzz/artifacts/$t/
  rm -rf "$artifacts"  # so only this run's reproducers are listed
  mkdir -p "$work" "$artifacts"
  regressions=(tests/fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ]; then
    echo "== fuzz $t: replaying ${#regressions[@]} saved reproducer(s)" >&2
    if ! "$bin/bee_fuzz_$t" -timeout=10 "${regressions[@]}" \
        >"build/fuzz/$t.replay.log" 2>&1; then
      echo "fuzz: $t FAILED on a saved reproducer; log: build/fuzz/$t.replay.log" >&2
      failed+=("$t")
      continue
    fi
  fi
  echo "== fuzz $t: ${seconds}s" >&2
  if ! "$bin/bee_fuzz_$t" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="$artifacts" "$work" "tests/fuzz/corpus/$t" \
      >"build/fuzz/$t.log" 2>&1; then
    echo "fuzz: $t FAILED; reproducer(s):" >&2
    ls "$artifacts"* >&2 || true
    tail -n 40 "build/fuzz/$t.log" >&2
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} target(s) ran ${seconds}s each without a crash" >&2
