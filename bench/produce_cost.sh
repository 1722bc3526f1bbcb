#!/usr/bin/env bash
# What durable produce costs the broker, for before/after comparisons of broker changes: for each
# runneld binary given (alternating, ROUNDS times), a fresh broker on an ephemeral port and one
# `runnel-bench produce` of COUNT × SIZE records (acks=all, linger.ms 5, one partition); prints
# records/s, MB/s and runneld's minor page faults, CPU seconds (user + system) and peak RSS for
# the run. A report, not a test; compare lines from one invocation only.
#
#   bench/produce_cost.sh RUNNELD...
#   COUNT=N SIZE=B ROUNDS=R      default 200000, 1024, 2
#   RUNNELD_ARGS="--override k=v ..."   passed to every broker
#   RUNNEL_BENCH=PATH            default build/release/bench/runnel-bench
set -euo pipefail
cd "$(dirname "$0")/.."
(( $# )) || { echo "usage: bench/produce_cost.sh RUNNELD..." >&2; exit 2; }
count=${COUNT:-200000} size=${SIZE:-1024} bench=${RUNNEL_BENCH:-build/release/bench/runnel-bench}
dir=$(mktemp -d /var/tmp/runnel-produce-cost-XXXXXX)
source bench/broker_lib.sh
trap 'stop_broker; rm -rf "$dir"' EXIT

# minor faults and CPU ticks of a process (fields 10, 14 and 15 of /proc/PID/stat)
faults_and_ticks() { awk '{ sub(/^.*\) /, ""); print $8, $12 + $13 }' "/proc/$1/stat"; }

echo "| runneld | records/s | MB/s | minor faults | broker CPU s | peak RSS MiB |"
echo "|---|---|---|---|---|---|"
for _ in $(seq "${ROUNDS:-2}"); do
  for runneld in "$@"; do
    # shellcheck disable=SC2086  # RUNNELD_ARGS is a list of words
    start_broker cost ${RUNNELD_ARGS:-}
    read -r faults0 ticks0 < <(faults_and_ticks "$broker_pid")
    result=$("$bench" produce -b "127.0.0.1:$port" -t cost -n "$count" -s "$size" --acks all --linger-ms 5 \
        --json 2>>"$dir/runnel-bench.log")
    read -r faults1 ticks1 < <(faults_and_ticks "$broker_pid")
    rss=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$broker_pid/status")
    stop_broker
    /usr/bin/python3 - "$runneld" "$result" $((faults1 - faults0)) $((ticks1 - ticks0)) "$(getconf CLK_TCK)" "$rss" <<'PY'
import json, sys
runneld, line, faults, ticks, hz, rss = sys.argv[1:]
r = json.loads(line)
print(f"| {runneld} | {r['records_per_s']:.0f} | {r['mb_per_s']:.1f} | {faults} | {int(ticks) / int(hz):.2f} | {rss} |")
PY
  done
done
