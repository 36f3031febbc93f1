#!/usr/bin/env bash
# Builds bee (Release) and runs the demo over an on-disk store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
exec bash scripts/demo_steps.sh build/release/tools
