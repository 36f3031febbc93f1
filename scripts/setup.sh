#!/usr/bin/env bash
# Installs what bee needs to build and test on a fresh Debian 12 machine:
# compilers and libraries from Debian (libleveldb-dev only for the comparison
# harness, bench/compare; python3 for the binding's tests, python/; doxygen
# for the API reference, docs/Doxyfile), and the pinned JS peer from npm.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make pkg-config libsodium-dev libprotobuf-dev
          protobuf-compiler catch2 libbenchmark-dev libcli11-dev
          nlohmann-json3-dev libsimdjson-dev nodejs npm clang-format
          libleveldb-dev python3 doxygen)
missing=()
for p in "${packages[@]}"; do
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The fuzz targets (scripts/fuzz.sh): clang with libFuzzer, whose runtime
# (-fsanitize=fuzzer) Debian ships in libclang-rt-14-dev.
fuzz_packages=(clang libclang-rt-14-dev)
missing=()
for p in "${fuzz_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]} (fuzzing)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The real hyperbee/hypercore for interop tests, pinned by package-lock.json.
# node_modules records the hash of the lock it was installed from; a missing
# or different record (the lock changed, or an install was interrupted)
# reinstalls. The tests also check every installed version against the lock
# (tests/util/node_runner.h).
js=tests/interop/js
if [ -f "$js/package-lock.json" ]; then
  lock_hash=$(sha256sum "$js/package-lock.json" | cut -d' ' -f1)
  stamp="$js/node_modules/.bee-package-lock.sha256"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
    echo "setup: npm ci in $js (package-lock.json $lock_hash)" >&2
    (cd "$js" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_hash" > "$stamp"
  fi
fi
