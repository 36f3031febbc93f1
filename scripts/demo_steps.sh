#!/usr/bin/env bash
# The demo: the whole idea of bee on an on-disk store, using the built tools.
# Usage: scripts/demo_steps.sh TOOLS_DIR
set -euo pipefail
tools=${1:?usage: demo_steps.sh TOOLS_DIR}
bee="$tools/bee"
dump="$tools/bee-dump"
store=$(mktemp -d /tmp/bee-demo-XXXXXX)/store
trap 'rm -rf "$(dirname "$store")"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed "s#$tools/##g; s#$store#STORE#g"; "$@"; }

step "Create a store (a signed log; the seed fixes the key pair)"
run "$bee" create "$store" --seed 0101010101010101010101010101010101010101010101010101010101010101 --user-data demo

step "Single writes: each one appends one signed block"
run "$bee" put "$store" apple red
run "$bee" put "$store" banana yellow
run "$bee" put "$store" cherry red
run "$bee" get "$store" apple banana durian

step "A batch: all or nothing, one signature"
printf '%s\n' \
  '{"type":"batch","ops":[{"type":"put","key":"banana","value":"green"},{"type":"del","key":"apple"},{"type":"put","key":"date","value":"brown"}]}' \
  '{"type":"put","key":"elderberry","value":"purple"}' \
  '{"type":"put","key":"cherry","value":"dark red","cas":{"value":"red"}}' > "$store.ops"
run "$bee" apply "$store" "$store.ops"
run "$bee" range "$store"

step "Every past version is still readable: the store as of version 4"
run "$bee" range "$store" --checkout 4

step "What changed since version 4 (+ added, - removed, ~ changed)"
run "$bee" diff "$store" --from 4

step "The history of every write"
run "$bee" history "$store"

step "Signed and verifiable: info, then a full verification"
run "$bee" info "$store"
run "$dump" "$store" --verify

step "The B-tree inside the log, and the blocks that hold it"
for i in $(seq 1 30); do printf '{"type":"put","key":"key%02d","value":"v%d"}\n' "$i" "$i"; done > "$store.more"
run "$bee" apply "$store" "$store.more"
run "$dump" "$store" --tree
run "$dump" "$store" --stats

step "Export the log and import it elsewhere, verified by the public key alone"
sig=$("$bee" info "$store" --json | sed 's/.*"signature":"\([0-9a-f]*\)".*/\1/')
public=8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c
"$bee" export "$store" > "$store.export"
run "$bee" import "$store-copy" --public-key "$public" --signature "$sig" "$store.export"
run "$bee" get "$store-copy" cherry
printf '\nDone. The store was in %s (removed now).\n' "$store"
