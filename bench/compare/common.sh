# Shared by the comparison scripts (bench/compare.sh and bench/compare/<system>.sh).
#
# Contract of a system script `bench/compare/<system>.sh OUT [--smoke]`:
# - starts its server(s) on 127.0.0.1 with a fresh data dir under $COMPARE_DIR
#   (default: a temp dir under /var/tmp) and stops them on exit, whatever happens;
# - runs the workloads it supports and appends one JSON object per line to OUT
#   (see emit_result); --smoke shrinks every count to a few seconds of work;
# - exits non-zero when a workload fails (a lost record is a failure).
#
# One result line (numbers are JSON numbers; absent figures are omitted, not 0):
#   {"system": "redis", "variant": "aof everysec", "durability": "page cache",
#    "workload": "W1", "records": 1000000, "record_bytes": 100, "seconds": 3.1,
#    "records_per_s": 322580, "mb_per_s": 30.8,
#    "p50_ms": .., "p99_ms": .., "p999_ms": .., "p9999_ms": .., "max_ms": .., "lost": 0,
#    "server_cpu_s": 2.9, "server_peak_rss_mib": 41.2, "client": "hiredis 0.14, pipeline 1000"}
# workload is one of W1, W2, W3-produce, W3-consume, L1 (system "machine": loopback-tcp,
# disk-seq-fsync, disk-seq, disk-fsync-4k). durability is "fsync before ack" or "page cache"
# (acknowledged once in memory or the page cache; say how often it is synced in variant).
# MB is 2^20 bytes of record values.

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS]: waits until something accepts on 127.0.0.1:PORT.
wait_port() {
  local port=$1 limit=${2:-30} i
  for ((i = 0; i < limit * 10; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$port after ${limit}s" >&2
  return 1
}

# proc_cpu_s PID: user + system CPU seconds the process used so far.
proc_cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat"
}

# proc_peak_rss_mib PID: the process's peak resident set (VmHWM) in MiB.
proc_peak_rss_mib() {
  awk '/^VmHWM:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"
}

# emit_result OUT KEY=VALUE...: appends one result line to OUT. Values that parse as
# numbers are written as numbers, everything else as strings; empty values are left out.
emit_result() {
  local out=$1; shift
  /usr/bin/python3 - "$@" >>"$out" <<'PY'
import json, sys
row = {}
for arg in sys.argv[1:]:
    key, _, value = arg.partition("=")
    if value == "":
        continue
    try:
        row[key] = int(value)
    except ValueError:
        try:
            row[key] = float(value)
        except ValueError:
            row[key] = value
print(json.dumps(row))
PY
}
