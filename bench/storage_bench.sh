#!/usr/bin/env bash
# Storage benchmark: the disk's own sequential write bandwidth (fio, with and
# without fdatasync) and storage::Log append/read throughput, in one run,
# with Log throughput as a ratio of the disk's. A report, not a test.
#
#   bench/storage_bench.sh [DIR]      (DIR defaults to a temp dir under /var/tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-$(mktemp -d /var/tmp/runnel-bench-XXXXXX)}
mkdir -p "$dir"
trap 'rm -rf "$dir"/fio-* "$dir"/bench-0' EXIT

command -v fio >/dev/null || { echo "fio is missing: bash scripts/install-deps.sh" >&2; exit 1; }
bash scripts/build.sh >/dev/null
bench=build/release/bench/log_bench

source bench/disk_lib.sh
fio_mb_per_s() { local name=$1; shift; fio_write_mb_per_s "$dir" "$name" 512M "$@"; }

echo "# machine: $(nproc) cores, $(uname -r), $(df -h "$dir" | awk 'NR==2 {print $1}')"
disk_16k_sync=$(fio_mb_per_s s16k --bs=16k --fdatasync=1)
disk_1m_sync=$(fio_mb_per_s s1m --bs=1m --fdatasync=1)
disk_1m_nosync=$(fio_mb_per_s n1m --bs=1m --end_fsync=0)
echo "disk (fio) sequential write: 16 KiB + fdatasync each: $disk_16k_sync MB/s;" \
     "1 MiB + fdatasync each: $disk_1m_sync MB/s; 1 MiB page cache: $disk_1m_nosync MB/s"

run() {  # mode batch-bytes appenders total-mb
  local line
  line=$("$bench" --dir "$dir" --mode "$1" --batch-bytes "$2" --appenders "$3" --total-mb "$4" --json)
  /usr/bin/python3 - "$line" "$disk_1m_sync" "$disk_16k_sync" "$disk_1m_nosync" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); d1m, d16k, dpc = map(float, sys.argv[2:5])
ratio = "%5.0f%%" % (100 * r["append_mb_per_s"] / d1m) if r["mode"] == "durable" else "    —"
print("| %-10s | %6d | %3d | %11.1f | %9.0f | %7s | %9.1f |" % (
    r["mode"], r["batch_bytes"], r["appenders"], r["append_mb_per_s"], r["append_batches_per_s"],
    ratio, r["read_mb_per_s"]))
PY
}

echo
echo "| mode       |  batch | app | append MB/s | batches/s | vs disk | read MB/s |"
echo "|------------|--------|-----|-------------|-----------|---------|-----------|"
run durable 1024 64 256
run durable 16384 64 2048
run durable 16384 1 256
run page-cache 1024 1 1024
run page-cache 16384 1 2048
echo
echo "vs disk: durable append against fio's 1 MiB writes each followed by fdatasync (the disk's fsync'd"
echo "sequential bandwidth). Page-cache rows have no fsync; compare them with the page-cache fio figure."
