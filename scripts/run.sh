#!/usr/bin/env bash
# Command 1 of the README: installs, builds, and starts a single broker on
# 127.0.0.1:9092 with its data under ./data (Ctrl-C or SIGTERM stops it cleanly).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec build/release/broker/runneld config/runneld.properties "$@"
