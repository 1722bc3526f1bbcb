#!/usr/bin/env bash
# Builds the optimized binaries into build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DRUNNEL_BUILD_TESTS=OFF
cmake --build build/release -j "$(nproc)"
