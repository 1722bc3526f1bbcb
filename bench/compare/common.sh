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

# compare_workdir NAME: makes and prints a fresh directory NAME-XXXXXX under $COMPARE_DIR
# (or /var/tmp when it is unset) for one script's servers and logs.
compare_workdir() {
  local parent=${COMPARE_DIR:-/var/tmp}
  mkdir -p "$parent"
  mktemp -d "$parent/$1-XXXXXX"
}

# workload_sizes [--smoke]: sets the workloads' sizes every system script uses:
# w1_records (× 100 B, also read by W2), w3_records (× 1 KiB), l1_rate (records/s) and
# l1_seconds. --smoke shrinks them to a few seconds of work.
workload_sizes() {
  if [[ "${1:-}" == "--smoke" ]]; then
    w1_records=20000 w3_records=5000 l1_rate=1000 l1_seconds=2
  else
    w1_records=1000000 w3_records=200000 l1_rate=10000 l1_seconds=10
  fi
}

# json_get JSON PATH: prints the value at PATH (keys joined by dots, e.g. latency_ms.p99) of
# the JSON object JSON, or nothing when it is absent.
json_get() {
  /usr/bin/python3 -c '
import json, sys
value = json.loads(sys.argv[1])
for key in sys.argv[2].split("."):
    value = value.get(key) if isinstance(value, dict) else None
print("" if value is None else value)' "$1" "$2"
}

# bench_workload OUT SERVER_PID EXPECTED LOG KEY=VALUE... -- COMMAND...: runs COMMAND, a benchmark
# client that prints one JSON object as `runnel-bench --json` does (records, seconds, records_per_s,
# mb_per_s, latency_ms.p50/p99/p99_9/p99_99/max, lost when it measures end-to-end latency) and its
# log on stderr (appended to LOG); appends one result line to OUT made of KEY=VALUE (system,
# variant, durability, workload, record_bytes, client) and the client's figures: lost is the
# client's own count, or EXPECTED minus the records it reports; latency is kept for L1 only;
# server_cpu_s and server_peak_rss_mib are read from SERVER_PID around the command. Returns
# non-zero, with a message, when the command fails or a record is lost.
bench_workload() {
  local out=$1 pid=$2 expected=$3 log=$4; shift 4
  local fields=() before after line status=0
  while (( $# )) && [[ "$1" != -- ]]; do fields+=("$1"); shift; done
  shift
  before=$(proc_cpu_s "$pid")
  line=$("$@" 2>>"$log") || status=$?
  after=$(proc_cpu_s "$pid")
  if [[ -z "$line" ]]; then
    echo "$* failed (status $status) and printed no result; the end of $log:" >&2
    tail -20 "$log" >&2
    return 1
  fi
  /usr/bin/python3 - "$out" "$line" "$expected" "$before" "$after" "$(proc_peak_rss_mib "$pid")" "$status" \
      "${fields[@]}" <<'PY'
import json, sys
out, line, expected, before, after, rss, status = sys.argv[1:8]
row = dict(arg.partition("=")[::2] for arg in sys.argv[8:])
r = json.loads(line)
lost = r["lost"] if "lost" in r else max(0, int(expected) - r["records"])
row.update(records=r["records"], seconds=r["seconds"], records_per_s=r["records_per_s"], mb_per_s=r["mb_per_s"])
if row.get("workload") == "L1" and "latency_ms" in r:
    l = r["latency_ms"]
    row.update(p50_ms=l["p50"], p99_ms=l["p99"], p999_ms=l["p99_9"], p9999_ms=l["p99_99"], max_ms=l["max"])
row.update(lost=lost, server_cpu_s=round(float(after) - float(before), 2), server_peak_rss_mib=float(rss))
for key in ("record_bytes",):
    if key in row:
        row[key] = int(row[key])
with open(out, "a") as f:
    f.write(json.dumps(row) + "\n")
print("%s %s %s: %s records/s, %s MB/s%s, lost %d" % (
    row.get("system"), row.get("variant"), row.get("workload"), r["records_per_s"], r["mb_per_s"],
    ", p99 %s ms" % row["p99_ms"] if "p99_ms" in row else "", lost), file=sys.stderr)
if int(status) != 0 or lost != 0:
    print("%s: exit status %s, %d records lost" % (row.get("workload"), status, lost), file=sys.stderr)
    sys.exit(1)
PY
}

# stop_pid PID NAME: sends SIGTERM to PID, a server this script started, and waits for it.
stop_pid() {
  if kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1"
    wait "$1" || echo "$2 exited with status $? after SIGTERM" >&2
  fi
}

# build_go_client NAME: builds the Go comparison client bench/compare/go/src/runnelbench/NAME
# (GOPATH layout, offline, against the sources of Debian's golang-*-dev packages in
# /usr/share/gocode) into ${COMPARE_GO_BUILD:-build/compare-go} and prints the binary's path.
build_go_client() {
  local repo build
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  build=$(realpath -m "${COMPARE_GO_BUILD:-$repo/build/compare-go}")
  mkdir -p "$build"
  if ! GO111MODULE=off GOFLAGS= GOPATH="$repo/bench/compare/go:/usr/share/gocode" GOCACHE="$build/gocache" \
      go build -o "$build/$1" "runnelbench/$1" >&2; then
    echo "building the Go client $1 failed (it needs golang-go and Debian's golang-*-dev client packages)" >&2
    return 1
  fi
  echo "$build/$1"
}

# deb_version PACKAGE: prints the installed version of a Debian package (or "?").
deb_version() {
  dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"
}
