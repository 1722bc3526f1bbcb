#!/usr/bin/env bash
# Command 1 of the README: installs, builds and runs the main job.
# Until the broker exists (runneld), the main job is the build itself.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
echo "built: build/release/tools/runnel (try: build/release/tools/runnel dump-log --help)"
