#!/usr/bin/env bash
# Workload L1: end-to-end latency at a fixed 10,000 records/s for 10 s
# (100 B records, acks=all, linger.ms 0, one partition) through
# `runnel-bench latency` against one runneld on an ephemeral port; once in
# the durable default (log.flush.interval.messages=1) and once in page-cache
# mode (Kafka's "never"), each with a fresh data dir. Latency is from each
# record's scheduled send time (corrected for coordinated omission) and, for
# comparison, from its actual send time. Prints a markdown table. A report,
# not a test.
#
#   bench/latency_bench.sh [DIR]    (DIR defaults to a temp dir under /var/tmp)
#   RATE=N DURATION=S SIZE=B        the schedule (default 10000, 10, 100)
#   BUILD=DIR                       build directory (default build/release)
#   JOBS=N                          build parallelism (default 1)
#   RUNNELD_ARGS="--override k=v"   passed to both brokers
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d /var/tmp/runnel-latency-bench-XXXXXX)}
rate=${RATE:-10000} duration=${DURATION:-10} size=${SIZE:-100} build=${BUILD:-build/release}
mkdir -p "$dir"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRUNNEL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-1}" --target runneld runnel-bench >/dev/null
runneld=$build/broker/runneld
bench=$build/bench/runnel-bench

source bench/broker_lib.sh
trap 'stop_broker; rm -rf "$dir"/data-*' EXIT

row() {  # mode, json
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
mode, line = sys.argv[1:3]
r = json.loads(line)
for label, l in (("scheduled", r["latency_ms"]), ("actual send", r["uncorrected_latency_ms"])):
    print("| %-10s | %-11s | %6.2f | %6.2f | %6.2f | %6.2f | %6.2f | %7d | %4d |" % (
        mode, label, l["p50"], l["p99"], l["p99_9"], l["p99_99"], l["max"], r["records"], r["lost"]))
PY
}

run_mode() {  # mode, extra runneld args...
  local mode=$1; shift
  local line status=0
  # shellcheck disable=SC2086  # RUNNELD_ARGS is a list of words
  start_broker "$mode" "$@" ${RUNNELD_ARGS:-}
  line=$("$bench" latency -b "127.0.0.1:$port" -t l1 --rate "$rate" --duration "$duration" -s "$size" --acks all \
      --json 2>>"$dir/runnel-bench-$mode.log") || status=$?
  stop_broker
  [[ -n "$line" ]] || { echo "runnel-bench latency failed; see $dir/runnel-bench-$mode.log" >&2; exit 1; }
  row "$mode" "$line"
  (( status == 0 )) || echo "runnel-bench latency exited with $status (records lost?)" >&2
}

echo "# $(date -u +%F) commit $(git rev-parse --short HEAD), $(nproc) cores, kernel $(uname -r)," \
     "$(df -h "$dir" | awk 'NR==2 {print $1}'): $rate records/s for $duration s, $size B, acks=all, linger.ms 0"
echo
echo "| mode       | from        | p50 ms | p99 ms | p99.9  | p99.99 | max ms | records | lost |"
echo "|------------|-------------|--------|--------|--------|--------|--------|---------|------|"
run_mode durable
run_mode page-cache --override log.flush.interval.messages=9223372036854775807
echo
echo "from scheduled: now minus start + i/rate (corrected for coordinated omission);"
echo "from actual send: now minus the time of the produce call (what a naive benchmark reports)."
echo "Logs: $dir"
