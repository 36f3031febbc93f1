#!/usr/bin/env bash
# Installs what bee needs to build and test on a fresh Debian 12 machine:
# compilers and libraries from Debian, and the pinned JS peer from npm.
# Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ cmake make pkg-config libsodium-dev libprotobuf-dev
          protobuf-compiler catch2 libbenchmark-dev libcli11-dev
          nlohmann-json3-dev nodejs npm)
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
if [ -f tests/interop/js/package-lock.json ] && [ ! -d tests/interop/js/node_modules ]; then
  echo "setup: npm ci in tests/interop/js" >&2
  (cd tests/interop/js && npm ci --no-audit --no-fund --loglevel=error)
fi
