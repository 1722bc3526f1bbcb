#!/usr/bin/env bash
# Compaction benchmark: produce throughput (runnel-bench, librdkafka, acks=all,
# durable default) of keyed records into a topic that the log cleaner keeps
# compacting, beside the same records into a cleanup.policy=delete topic on
# the same broker, and the cleaner passes the broker logged meanwhile. Then
# the storage-level cleaner figures from bench/cleaner_bench. A report, not a
# test.
#
#   bench/compaction_bench.sh [DIR]   (DIR defaults to a temp dir under /var/tmp)
#   RECORDS=N KEYS=K                  (default 2,000,000 records over 100,000 keys)
#   JOBS=N                            build parallelism (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d /var/tmp/runnel-compaction-bench-XXXXXX)}
records=${RECORDS:-2000000}
keys=${KEYS:-100000}
mkdir -p "$dir"

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DRUNNEL_BUILD_TESTS=OFF >/dev/null
cmake --build build/release -j "${JOBS:-1}" --target runneld runnel-bench cleaner_bench >/dev/null
runneld=build/release/broker/runneld
bench=build/release/bench/runnel-bench

source bench/broker_lib.sh
trap 'stop_broker; rm -rf "$dir"/data-* "$dir"/cleaner-bench-0' EXIT
start_broker compact --override log.cleaner.backoff.ms=100
log=$dir/runneld-compact.log

produce() {  # topic, cleanup.policy
  "$bench" produce -b "127.0.0.1:$port" -t "$1" -n "$records" -s 100 --keys "$keys" --json \
      --topic-config "cleanup.policy=$2" --topic-config segment.bytes=8388608 \
      --topic-config min.cleanable.dirty.ratio=0.1 2>/dev/null
}
mb_per_s() { /usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("%.1f MB/s, %.0f records/s" % (r["mb_per_s"], r["records_per_s"]))' "$1"; }

echo "# machine: $(nproc) cores, $(uname -r); $records x 100 B records over $keys keys, acks=all, durable"
idle=$(produce bench-delete delete)
echo "cleanup.policy=delete (no cleaner work): $(mb_per_s "$idle")"
passes_before=$(grep -c 'cleaned bench-compact' "$log" || true)
busy=$(produce bench-compact compact)
passes=$(( $(grep -c 'cleaned bench-compact' "$log" || true) - passes_before ))
echo "cleanup.policy=compact, cleaner running: $(mb_per_s "$busy"), $passes cleaner pass(es) during the run"
grep 'cleaned bench-compact' "$log" | tail -2 | sed 's/^/  broker log: /'
stop_broker

echo "storage level (bench/cleaner_bench, page cache):"
build/release/bench/cleaner_bench --dir "$dir" --records "$records" --keys "$keys" | sed 's/^/  /'
