#!/usr/bin/env bash
# The ctest bench_compare_smoke (tests/integration/CMakeLists.txt): Runnel's comparison script in
# --smoke mode against $RUNNELD and $RUNNEL_BENCH, then report.py on its results into a temp dir,
# checking that every workload of both variants is there with records and none lost.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /var/tmp/runnel-compare-smoke-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
COMPARE_DIR=$tmp bash "$here/runnel.sh" "$tmp/results.jsonl" --smoke
cat "$tmp/results.jsonl"
/usr/bin/python3 "$here/report.py" "$tmp/results.jsonl" --docs "$tmp/benchmarks.md" --img "$tmp/img" \
    --command "bash bench/compare/smoke_test.sh" --check runnel
echo "bench_compare_smoke: passed"
