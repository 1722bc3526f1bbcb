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
source bench/compare/common.sh  # proc_cpu_s, proc_peak_rss_mib
trap 'stop_broker; rm -rf "$dir"' EXIT

# minor page faults of a process so far (field 10 of /proc/PID/stat)
minor_faults() { awk '{ sub(/^.*\) /, ""); print $8 }' "/proc/$1/stat"; }

echo "| runneld | records/s | MB/s | minor faults | broker CPU s | peak RSS MiB |"
echo "|---|---|---|---|---|---|"
for _ in $(seq "${ROUNDS:-2}"); do
  for runneld in "$@"; do
    # shellcheck disable=SC2086  # RUNNELD_ARGS is a list of words
    start_broker cost ${RUNNELD_ARGS:-}
    faults0=$(minor_faults "$broker_pid") cpu0=$(proc_cpu_s "$broker_pid")
    result=$("$bench" produce -b "127.0.0.1:$port" -t cost -n "$count" -s "$size" --acks all --linger-ms 5 \
        --json 2>>"$dir/runnel-bench.log")
    faults1=$(minor_faults "$broker_pid") cpu1=$(proc_cpu_s "$broker_pid")
    rss=$(proc_peak_rss_mib "$broker_pid")
    stop_broker
    /usr/bin/python3 - "$runneld" "$result" $((faults1 - faults0)) "$cpu0" "$cpu1" "$rss" <<'PY'
import json, sys
runneld, line, faults, cpu0, cpu1, rss = sys.argv[1:]
r = json.loads(line)
print(f"| {runneld} | {r['records_per_s']:.0f} | {r['mb_per_s']:.1f} | {faults} | {float(cpu1) - float(cpu0):.2f} | {rss} |")
PY
  done
done
