#!/usr/bin/env bash
# NATS JetStream's side of the comparison (contract: bench/compare/common.sh): W1, W2, W3 and L1
# through natsbench (bench/compare/go, nats.go from Debian) against one nats-server -js on
# 127.0.0.1 with file storage in a temp dir, one stream (R1) per workload.
# Durability: page cache. NATS 2.9 acknowledges a publish once the message is written to the
# stream's block file, without fsync: strace of nats-server 2.9.10 while it took 100,000 × 1 KiB
# (13 block files of 8 MiB) showed no fsync, fdatasync or sync_file_range at all, and 2.9.10
# rejects the sync_interval option (added in 2.10) with 'unknown field "sync_interval"'.
#
#   bench/compare/nats.sh OUT [--smoke]
set -euo pipefail
out=$(realpath -m "${1:?usage: bench/compare/nats.sh OUT [--smoke]}")
smoke=${2:-}
cd "$(dirname "$0")/../.."
source bench/compare/common.sh
workload_sizes "$smoke"

command -v nats-server >/dev/null || { echo "nats.sh: nats-server is missing (apt-get install nats-server)" >&2; exit 1; }
client=$(build_go_client natsbench)
dir=$(compare_workdir nats)
server_pid=
stop_server() {  # SIGINT: nats-server's clean shutdown (it exits 1 on SIGTERM)
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -INT "$server_pid"
    wait "$server_pid" || echo "nats.sh: nats-server exited with status $? after SIGINT" >&2
  fi
}
trap 'stop_server; rm -rf "$dir"' EXIT

port=$(free_port)
# No -m: the monitoring port stays off; no cluster or leaf node listeners either.
nats-server -js -sd "$dir/store" -a 127.0.0.1 -p "$port" -l "$dir/nats-server.log" &
server_pid=$!
wait_port "$port"
version=$(nats-server --version | sed 's/^nats-server: v//')
url="nats://127.0.0.1:$port"

nats_go="nats.go $(deb_version golang-github-nats-io-go-nats-dev | sed 's/-[^-]*$//') (natsbench)"
pending=4000   # nats.go's default limit of PublishAsync acks outstanding
batch=1000
variant="JetStream $version, file storage, R1 (acked before fsync; 2.9 has no sync_interval)"
durability="page cache"

failed=0
# workload NAME CLIENT natsbench-args...: one natsbench command; $size and $count are the record
# size and the records it should handle.
workload() {
  local name=$1 description=$2; shift 2
  bench_workload "$out" "$server_pid" "$count" "$dir/natsbench.log" system=nats "variant=$variant" \
      "durability=$durability" "workload=$name" "record_bytes=$size" "client=$description" \
      -- "$client" -url "$url" -size "$size" "$@" || failed=1
}
produce_client="$nats_go, PublishAsync, at most $pending acks pending"
consume_client="$nats_go, pull consumer, Fetch($batch), ack none"

size=100 count=$w1_records
workload W1 "$produce_client" -mode produce -stream W1 -count "$count" -pending "$pending"
workload W2 "$consume_client" -mode consume -stream W1 -count "$count" -batch "$batch"
size=1024 count=$w3_records
workload W3-produce "$produce_client" -mode produce -stream W3 -count "$count" -pending "$pending"
workload W3-consume "$consume_client" -mode consume -stream W3 -count "$count" -batch "$batch"
size=100 count=$(( l1_rate * l1_seconds ))
workload L1 "$nats_go, PublishAsync paced (at most $pending pending), ordered push consumer" \
    -mode latency -stream L1 -rate "$l1_rate" -duration "$l1_seconds"

if grep -hE '\[(WRN|ERR|FTL)\]' "$dir/nats-server.log" >&2; then
  echo "nats.sh: (nats-server warnings and errors above)" >&2
fi
exit "$failed"
