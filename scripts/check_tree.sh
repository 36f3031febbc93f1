#!/usr/bin/env bash
# Fast source checks: dependencies run one way (encoding <- log <- {btree,
# net} <- remote <- tools), internal headers stay in their folder (and no
# public header reaches one, even through other headers), and every C and
# C++ file is formatted per .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
upward() {  # folder, forbidden include prefixes...
  local dir=$1; shift
  [ -d "$dir" ] || return 0
  for prefix in "$@"; do
    if grep -rn --include='*.h' --include='*.cc' "#include \"$prefix/" "$dir"; then
      echo "check: $dir/ must not include $prefix/ (dependencies run one way)" >&2
      fail=1
    fi
  done
}
upward encoding log btree net remote tools
upward log btree net remote tools
upward btree net remote tools
upward net btree remote tools
upward remote tools
for folder in encoding log btree net remote; do
  for other in encoding log btree net remote tools; do
    [ "$other" = "$folder" ] && continue
    [ -d "$other" ] || continue
    if grep -rn --include='*.h' --include='*.cc' "#include \"$folder/internal/" "$other"; then
      echo "check: $other/ includes $folder/internal/ (private to $folder/)" >&2
      fail=1
    fi
  done
done
# Public headers (<folder>/*.h) must not reach an internal/ header, not even
# through another header: each is preprocessed alone and every header it
# pulls in is listed (g++ -H); a hit prints the include chain.
leaks() {  # header: prints each chain from it to an internal/ header
  g++ -std=c++20 -I. -E -H -o /dev/null -x c++ "$1" 2>&1 >/dev/null |
    awk -v top="$1" '
      /^\.+ / {
        depth = length($1); file = $2; sub(/^\.\//, "", file)
        chain[depth] = file
        if (file ~ /(^|\/)internal\//) {
          line = top
          for (d = 1; d <= depth; d++) line = line " -> " chain[d]
          print line
        }
      }'
}
for folder in encoding log btree net remote; do
  for header in "$folder"/*.h; do
    [ -e "$header" ] || continue
    if ! g++ -std=c++20 -I. -E -o /dev/null -x c++ "$header" 2>/dev/null; then
      echo "check: $header does not preprocess on its own" >&2
      fail=1
      continue
    fi
    chains=$(leaks "$header")
    if [ -n "$chains" ]; then
      echo "check: public header $header reaches an internal header:" >&2
      echo "$chains" | sed 's/^/  /' >&2
      fail=1
    fi
  done
done
# Formatting is checked, never skipped: without clang-format the check fails
# (scripts/setup.sh installs it).
if command -v clang-format >/dev/null 2>&1; then
  files=$(git ls-files '*.cc' '*.h' '*.c' | grep -v node_modules || true)
  if ! clang-format --dry-run -Werror $files 2>/dev/null; then
    echo "check: these files differ from .clang-format (run clang-format -i on them):" >&2
    for f in $files; do
      clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "  $f" >&2
    done
    fail=1
  fi
else
  echo "check: FAILED: clang-format is not installed, so formatting cannot be checked (run scripts/setup.sh)" >&2
  fail=1
fi
exit $fail
