#!/usr/bin/env bash
# The machine's limits for the comparison (contract: bench/compare/common.sh), system "machine":
# - loopback-tcp: iperf3, one TCP stream over 127.0.0.1 (MB/s);
# - disk-seq-fsync: fio, sequential 1 MiB writes each followed by fdatasync (MB/s);
# - disk-seq: the same without any sync, i.e. into the page cache (MB/s);
# - disk-fsync-4k: 4 KiB writes each followed by fdatasync (ops/s in records_per_s, and the
#   fdatasync latency p50/p99/p99.9 from fio's "sync" percentiles).
# Disk figures are for the file system holding $COMPARE_DIR (default /var/tmp).
#
#   bench/compare/machine.sh OUT [--smoke]
set -euo pipefail
out=$(realpath -m "${1:?usage: bench/compare/machine.sh OUT [--smoke]}")
smoke=${2:-}
cd "$(dirname "$0")/../.."
source bench/compare/common.sh
for tool in iperf3 fio; do
  command -v "$tool" >/dev/null || { echo "machine.sh: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done

if [[ "$smoke" == --smoke ]]; then
  tcp_seconds=1 seq_size=32M sync_size=8M sync_seconds=1
else
  tcp_seconds=5 seq_size=1G sync_size=256M sync_seconds=10
fi
dir=$(compare_workdir machine)
iperf_pid=
cleanup() {
  if [[ -n "$iperf_pid" ]] && kill -0 "$iperf_pid" 2>/dev/null; then
    kill "$iperf_pid"
    wait "$iperf_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

# emit FIELDS... (from a parser on stdin): checks the parser printed something, then appends.
emit_fields() {
  local workload=$1 variant=$2; shift 2
  (( $# )) || { echo "machine.sh: no figures for $workload (see $dir)" >&2; exit 1; }
  emit_result "$out" system=machine "workload=$workload" "variant=$variant" "$@"
  echo "machine $workload: $*" >&2
}

# Loopback TCP: an iperf3 server on a free port (stopped by cleanup), one client stream.
port=$(free_port)
iperf3 -s -B 127.0.0.1 -p "$port" >"$dir/iperf3-server.log" 2>&1 &
iperf_pid=$!
wait_port "$port"
iperf3 -c 127.0.0.1 -p "$port" -t "$tcp_seconds" -J >"$dir/iperf3.json" ||
    { echo "machine.sh: iperf3 client failed:" >&2; cat "$dir/iperf3.json" "$dir/iperf3-server.log" >&2; exit 1; }
mapfile -t fields < <(/usr/bin/python3 - "$dir/iperf3.json" <<'PY'
import json, sys
end = json.load(open(sys.argv[1]))["end"]["sum_received"]
print("seconds=%.2f" % end["seconds"])
print("mb_per_s=%.1f" % (end["bytes"] / end["seconds"] / 2**20))
PY
)
emit_fields loopback-tcp "iperf3 $(iperf3 --version | awk 'NR==1 {print $2}'), 1 stream, ${tcp_seconds} s" "${fields[@]}"

# fio_run WORKLOAD VARIANT fio-args...: one fio job in $dir, its result appended. MB/s and
# ops/s from fio's write figures; the fdatasync latency percentiles from its "sync" figures.
fio_run() {
  local workload=$1 variant=$2; shift 2
  fio --name="$workload" --directory="$dir" --rw=write --ioengine=psync --output-format=json "$@" \
      >"$dir/$workload.json" 2>"$dir/$workload.err" ||
      { echo "machine.sh: fio $workload failed:" >&2; cat "$dir/$workload.err" >&2; exit 1; }
  rm -f "$dir/$workload".[0-9]*
  mapfile -t fields < <(/usr/bin/python3 - "$dir/$workload.json" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
write, sync = job["write"], job["sync"]
print("seconds=%.3f" % (write["io_bytes"] / write["bw_bytes"]))
print("records=%d" % write["total_ios"])
print("record_bytes=%d" % (write["io_bytes"] // max(1, write["total_ios"])))
print("records_per_s=%.0f" % write["iops"])
print("mb_per_s=%.1f" % (write["bw_bytes"] / 2**20))
percentiles = sync.get("lat_ns", {}).get("percentile", {})
for key, name in (("50.000000", "p50_ms"), ("99.000000", "p99_ms"), ("99.900000", "p999_ms")):
    if key in percentiles:
        print("%s=%.3f" % (name, percentiles[key] / 1e6))
if sync.get("lat_ns", {}).get("N"):
    print("max_ms=%.3f" % (sync["lat_ns"]["max"] / 1e6))
PY
)
  emit_fields "$workload" "$variant" "${fields[@]}"
}

fs=$(df --output=source "$dir" | tail -1)
fio_version=$(fio --version | sed 's/^fio-/fio /')
fio_run disk-seq-fsync "$fio_version, 1 MiB writes + fdatasync each, $fs" --bs=1M --size="$seq_size" --fdatasync=1
fio_run disk-seq "$fio_version, 1 MiB writes, no sync, $fs" --bs=1M --size="$seq_size"
fio_run disk-fsync-4k "$fio_version, 4 KiB writes + fdatasync each, $fs" --bs=4k --size="$sync_size" --fdatasync=1 \
    --runtime="$sync_seconds"
