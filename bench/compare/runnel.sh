#!/usr/bin/env bash
# Runnel's side of the comparison (contract: bench/compare/common.sh): W1, W2, W3 and L1 through
# runnel-bench (librdkafka) against one runneld on 127.0.0.1, once durable (the default: every
# acknowledged batch is fsynced before the answer) and once in page-cache mode
# (log.flush.interval.messages=2^63-1, Kafka's "never"), each on a fresh broker and data dir.
# Server CPU seconds per workload from /proc/<pid>/stat; the broker's peak RSS after each one.
#
#   bench/compare/runnel.sh OUT [--smoke]
#   RUNNELD, RUNNEL_BENCH    the binaries (default build/release/broker/runneld, .../bench/runnel-bench)
set -euo pipefail
out=$(realpath -m "${1:?usage: bench/compare/runnel.sh OUT [--smoke]}")
smoke=${2:-}
cd "$(dirname "$0")/../.."
source bench/compare/common.sh
source bench/broker_lib.sh
workload_sizes "$smoke"

runneld=${RUNNELD:-build/release/broker/runneld}
bench=${RUNNEL_BENCH:-build/release/bench/runnel-bench}
for binary in "$runneld" "$bench"; do
  [[ -x "$binary" ]] || { echo "runnel.sh: $binary is missing; build it first (bash bench/compare.sh does)" >&2; exit 1; }
done
dir=$(compare_workdir runnel)
trap 'stop_broker; rm -rf "$dir"' EXIT

# Producer settings a Kafka user picks for throughput: acks=all, linger.ms 5, librdkafka's default
# batch.size (1,000,000 B, given explicitly) and queue; the consumer keeps librdkafka's fetch defaults.
librdkafka="librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?') (runnel-bench)"
throughput_client="$librdkafka, acks=all, linger.ms 5, batch.size 1000000"
consume_client="$librdkafka, assign() from the start, librdkafka's fetch defaults"
latency_client="$librdkafka latency, acks=all, linger.ms 0"
produce_args=(--acks all --linger-ms 5 --batch-size 1000000)

failed=0
# workload NAME VARIANT DURABILITY CLIENT runnel-bench-args...: one runnel-bench command against the
# running broker; $size and $count are the record size and the records it should handle.
workload() {
  local name=$1 variant=$2 durability=$3 client=$4; shift 4
  bench_workload "$out" "$broker_pid" "$count" "$dir/runnel-bench.log" system=runnel "variant=$variant" \
      "durability=$durability" "workload=$name" "record_bytes=$size" "client=$client" \
      -- "$bench" "$@" -b "127.0.0.1:$port" --json || failed=1
}

run_mode() {  # mode, variant, durability, extra runneld args...
  local mode=$1 variant=$2 durability=$3; shift 3
  start_broker "$mode" "$@"
  size=100 count=$w1_records
  workload W1 "$variant" "$durability" "$throughput_client" produce -t w1 -p 1 -n "$count" -s "$size" "${produce_args[@]}"
  workload W2 "$variant" "$durability" "$consume_client" consume -t w1 -n "$count"
  size=1024 count=$w3_records
  workload W3-produce "$variant" "$durability" "$throughput_client" produce -t w3 -p 1 -n "$count" -s "$size" "${produce_args[@]}"
  workload W3-consume "$variant" "$durability" "$consume_client" consume -t w3 -n "$count"
  # L1: the end-to-end latency mode (linger.ms 0: no client-side batching delay at 10,000/s).
  size=100 count=$(( l1_rate * l1_seconds ))
  workload L1 "$variant" "$durability" "$latency_client" \
      latency -t l1 --rate "$l1_rate" --duration "$l1_seconds" -s "$size" --acks all --linger-ms 0
  stop_broker
}

run_mode durable "durable (default: fsync per acknowledged batch)" "fsync before ack"
run_mode page-cache "page cache (log.flush.interval.messages=2^63-1)" "page cache" \
    --override log.flush.interval.messages=9223372036854775807
if grep -hE ' (WARN|ERROR) ' "$dir"/runneld-*.log >&2; then
  echo "runnel.sh: (runneld warnings and errors above)" >&2
fi
exit "$failed"
