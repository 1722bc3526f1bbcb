#!/usr/bin/env bash
# Redis Streams' side of the comparison (contract: bench/compare/common.sh): W1, W2, W3 and L1
# through redis-bench (bench/compare/redis_bench.cc, hiredis) against a redis-server on 127.0.0.1,
# once with the AOF fsynced every second (appendfsync everysec: acknowledged from the page cache)
# and once with appendfsync always. For the latter the Redis documentation (redis.io, "Redis
# persistence", How durable is the append only file?) says the commands executed in one event
# loop iteration, from all clients or a pipeline, are appended to the AOF with a single write and
# a single fsync before the replies are sent: an acknowledged XADD is on disk. Each variant gets
# a fresh server and data dir; no RDB snapshots (--save '').
#
#   bench/compare/redis.sh OUT [--smoke]
#   REDIS_BENCH    the client (default ${BUILD:-build/release}/bench/redis-bench)
set -euo pipefail
out=$(realpath -m "${1:?usage: bench/compare/redis.sh OUT [--smoke]}")
smoke=${2:-}
cd "$(dirname "$0")/../.."
source bench/compare/common.sh
workload_sizes "$smoke"

redis_bench=${REDIS_BENCH:-${BUILD:-build/release}/bench/redis-bench}
command -v redis-server >/dev/null || { echo "redis.sh: redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }
[[ -x "$redis_bench" ]] || { echo "redis.sh: $redis_bench is missing; build it (needs libhiredis-dev)" >&2; exit 1; }
dir=$(compare_workdir redis)
server_pid=
stop_server() {
  [[ -z "$server_pid" ]] || stop_pid "$server_pid" redis-server
  server_pid=
}
trap 'stop_server; rm -rf "$dir"' EXIT

# XADDs written before their replies are read, and entries per XREAD: tried on this machine with
# 300,000 × 100 B, pipelines of 1000 and 10000 XADDs were level (~340,000/s) and 100 slower
# (~300,000/s); XREAD COUNT 1000 read 1.39M entries/s against 0.91M for COUNT 100 and 10000.
pipeline=1000 batch=1000
hiredis="hiredis $(pkg-config --modversion hiredis 2>/dev/null || echo '?'), $(redis-server --version | grep -o 'v=[0-9.]*' | sed 's/v=/redis /')"

failed=0
# workload NAME VARIANT DURABILITY CLIENT redis-bench-args...: $size and $count as in runnel.sh.
workload() {
  local name=$1 variant=$2 durability=$3 client=$4; shift 4
  bench_workload "$out" "$server_pid" "$count" "$dir/redis-bench.log" system=redis "variant=$variant" \
      "durability=$durability" "workload=$name" "record_bytes=$size" "client=$client" \
      -- "$redis_bench" "$@" -p "$port" --json || failed=1
}

run_variant() {  # appendfsync, variant, durability
  local fsync=$1 variant=$2 durability=$3
  port=$(free_port)
  mkdir -p "$dir/data-$fsync"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/data-$fsync" --appendonly yes \
      --appendfsync "$fsync" --save '' --daemonize no --logfile "$dir/redis-$fsync.log" &
  server_pid=$!
  wait_port "$port" || { cat "$dir/redis-$fsync.log" >&2; exit 1; }
  local produce="$hiredis, XADD pipelined $pipeline deep" consume="$hiredis, XREAD COUNT $batch"
  size=100 count=$w1_records
  workload W1 "$variant" "$durability" "$produce" produce -k w1 -n "$count" -s "$size" --pipeline "$pipeline"
  workload W2 "$variant" "$durability" "$consume" consume -k w1 -n "$count" --batch "$batch"
  size=1024 count=$w3_records
  workload W3-produce "$variant" "$durability" "$produce" produce -k w3 -n "$count" -s "$size" --pipeline "$pipeline"
  workload W3-consume "$variant" "$durability" "$consume" consume -k w3 -n "$count" --batch "$batch"
  size=100 count=$(( l1_rate * l1_seconds ))
  workload L1 "$variant" "$durability" "$hiredis, XADD as due without waiting for replies; XREAD BLOCK on a 2nd connection" \
      latency -k l1 --rate "$l1_rate" --duration "$l1_seconds" -s "$size" --batch "$batch"
  stop_server
}

run_variant everysec "AOF appendfsync everysec (fsync every second)" "page cache"
run_variant always "AOF appendfsync always (fsync before the replies)" "fsync before ack"
exit "$failed"
