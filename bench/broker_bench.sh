#!/usr/bin/env bash
# Broker benchmark: runnel-bench (librdkafka) produces and then consumes
# 1,000,000 x 100 B and 200,000 x 1 KiB records (acks=all, linger.ms 5)
# against one runneld on an ephemeral port, then 50,000 x 100 B at a fixed
# 10,000 records/s for delivery latency without client-side queueing; once
# in the durable default (log.flush.interval.messages=1) and once in
# page-cache mode (Kafka's "never"), each with a fresh data dir. The
# broker's CPU time (user + system from /proc/<pid>/stat) is read before and
# after every phase. Prints a markdown table. A report, not a test.
#
#   bench/broker_bench.sh [DIR]     (DIR defaults to a temp dir under /var/tmp)
#   PARTITIONS=N                    partitions per topic (default 1)
#   JOBS=N                          build parallelism (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d /var/tmp/runnel-broker-bench-XXXXXX)}
partitions=${PARTITIONS:-1}
mkdir -p "$dir"

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DRUNNEL_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j "${JOBS:-1}" --target runneld runnel-bench >/dev/null
runneld=build/release/broker/runneld
bench=build/release/bench/runnel-bench
ticks=$(getconf CLK_TCK)

source bench/broker_lib.sh
trap 'stop_broker; rm -rf "$dir"/data-*' EXIT

broker_cpu() {  # user + system seconds of the broker so far (fields 14 and 15 of /proc/<pid>/stat)
  sed 's/^.*) //' "/proc/$broker_pid/stat" | awk -v t="$ticks" '{ printf "%.2f", ($12 + $13) / t }'
}

row() {  # mode, phase label, size label, json, cpu-before, cpu-after
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
mode, label, size, line, before, after = sys.argv[1:7]
r = json.loads(line)
cpu = float(after) - float(before)
mb = r["bytes"] / 1048576
lat = r.get("latency_ms")
p50, p99 = ("%.1f" % lat["p50"], "%.1f" % lat["p99"]) if lat else ("—", "—")
print("| %-10s | %-15s | %-6s | %9d | %9.0f | %6.1f | %6s | %6s | %5.2f | %5.1f | %5.2f |" % (
    mode, label, size, r["records"], r["records_per_s"], r["mb_per_s"], p50, p99, cpu,
    1000 * cpu / mb if mb else 0, r["client_cpu_s"]))
if r["errors"]:
    print("errors: %d, first: %s" % (r["errors"], r.get("first_error", "")), file=sys.stderr)
PY
}

phase() {  # mode, phase label, size label, runnel-bench args...
  local mode=$1 label=$2 size=$3; shift 3
  local before after line
  before=$(broker_cpu)
  line=$("$bench" "$@" -b "127.0.0.1:$port" --json 2>>"$dir/runnel-bench.log") ||
      { echo "runnel-bench $* failed; see $dir/runnel-bench.log" >&2; exit 1; }
  after=$(broker_cpu)
  row "$mode" "$label" "$size" "$line" "$before" "$after"
}

run_mode() {  # mode, extra runneld args...
  local mode=$1; shift
  start_broker "$mode" "$@"
  phase "$mode" produce "100 B" produce -t small -p "$partitions" -n 1000000 -s 100 --acks all --linger-ms 5
  phase "$mode" consume "100 B" consume -t small -n 1000000
  phase "$mode" produce "1 KiB" produce -t large -p "$partitions" -n 200000 -s 1024 --acks all --linger-ms 5
  phase "$mode" consume "1 KiB" consume -t large -n 200000
  phase "$mode" "produce 10k/s" "100 B" produce -t paced -p "$partitions" -n 50000 -s 100 --acks all --linger-ms 5 \
      --rate 10000
  rss[$mode]=$(awk '/VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$broker_pid/status")
  stop_broker
}

declare -A rss
echo "# $(date -u +%F) commit $(git rev-parse --short HEAD), $(nproc) cores, kernel $(uname -r)," \
     "$(df -h "$dir" | awk 'NR==2 {print $1}'), $partitions partition(s) per topic"
echo
echo "| mode       | phase           | record |   records | records/s |   MB/s | p50 ms | p99 ms | broker CPU s | CPU ms/MB | client CPU s |"
echo "|------------|-----------------|--------|-----------|-----------|--------|--------|--------|-------|-------|-------|"
run_mode durable
run_mode page-cache --override log.flush.interval.messages=9223372036854775807
echo
echo "MB = 2^20 bytes of record values. p50/p99: delivery latency (produce call to delivery report); at full"
echo "speed it is mostly time queued in librdkafka, so the 10k/s row (50,000 records) shows the broker's own."
echo "CPU s: runneld user+system CPU during the phase; CPU ms/MB: that per MB of values."
echo "client CPU s: runnel-bench's own CPU (same machine). Broker peak RSS: durable ${rss[durable]}," \
     "page-cache ${rss[page-cache]}."
echo "Logs: $dir"
if grep -hE ' (WARN|ERROR) ' "$dir"/runneld-*.log >/dev/null; then
  echo
  echo "runneld warnings and errors:"
  grep -hE ' (WARN|ERROR) ' "$dir"/runneld-*.log | head -20
fi
