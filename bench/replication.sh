#!/usr/bin/env bash
# Replication cost on one machine (issue 9): ZooKeeper and three brokers (scripts/cluster.sh), all
# sharing the machine's cores with the client.
#   - produce throughput, acks=all, replication factor 3 against 1, same partition count, in one run
#     (runnel-bench produce: 1 KiB records, linger.ms 5, batch.size 1000000);
#   - end-to-end latency with replication factor 3 and 1 (runnel-bench latency, 10,000 records/s, acks=all);
#   - failover time: an acks=all producer sends every 5 ms to a replication factor 3 topic; the time
#     from kill -9 of the partition's leader to the next acknowledged record (bounded below by
#     zookeeper.session.timeout.ms, after which the controller elects a new leader), and from SIGTERM
#     of the leader (controlled shutdown) to the next acknowledged record;
#   - the machine's own limits for what the replicas store, last (the files fio frees would
#     otherwise give the produce runs recycled pages): fio sequential writes of 1 MiB each followed
#     by fdatasync (512 MiB) and into the page cache (2 GiB). Every replica writes each record once,
#     so a produce run stores records/s x 1 KiB x RF bytes per second, all on this one disk.
# Prints one JSON object per measurement, then a Markdown table.
#
#   bench/replication.sh [--smoke]
#   RUNNELD, RUNNEL, RUNNEL_BENCH   the binaries (default build/release/...)
#   COUNT (200000), ROUNDS (3), PARTITIONS (3), SESSION_TIMEOUT_MS (6000)
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=${1:-}
runneld=$(realpath "${RUNNELD:-build/release/broker/runneld}")
runnel=$(realpath "${RUNNEL:-build/release/tools/runnel}")
bench=$(realpath "${RUNNEL_BENCH:-build/release/bench/runnel-bench}")
count=${COUNT:-200000}
partitions=${PARTITIONS:-3}
session_ms=${SESSION_TIMEOUT_MS:-6000}
latency_seconds=10
rounds=${ROUNDS:-3}
[[ "$smoke" == --smoke ]] && { count=5000; latency_seconds=2; rounds=1; }
for binary in "$runneld" "$runnel" "$bench"; do
  [[ -x "$binary" ]] || { echo "replication.sh: $binary is missing; build it first" >&2; exit 1; }
done

dir=$(mktemp -d "${TMPDIR:-/var/tmp}/runnel-replication-bench-XXXXXX")
trap 'RUNNELD="$runneld" scripts/cluster.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
RUNNELD="$runneld" scripts/cluster.sh start "$dir" 3 "zookeeper.session.timeout.ms=$session_ms" >/dev/null
bootstrap=$(cat "$dir/bootstrap")
results=()

produce() {  # rf round
  local out
  out=$("$bench" produce -b "$bootstrap" -t "rf$1-$2" -p "$partitions" --replication-factor "$1" -n "$count" -s 1024 \
        --acks all --linger-ms 5 --batch-size 1000000 --json 2>"$dir/bench-rf$1.log")
  results+=("{\"measurement\":\"produce\",\"replication_factor\":$1,\"partitions\":$partitions,\"result\":$out}")
  echo "${results[-1]}"
}
# Alternating rounds, each on a fresh topic: the machine's noise hits both sides alike.
for round in $(seq "$rounds"); do
  produce 1 "$round"
  produce 3 "$round"
done

latency() {  # rf
  local out
  out=$("$bench" latency -b "$bootstrap" -t "latency-rf$1" -p 1 --replication-factor "$1" --rate 10000 \
        --duration "$latency_seconds" -s 100 --acks all --linger-ms 0 --json 2>"$dir/bench-latency-rf$1.log")
  results+=("{\"measurement\":\"latency\",\"replication_factor\":$1,\"result\":$out}")
  echo "${results[-1]}"
}
latency 1
latency 3

# failover KIND SIGNAL: seconds from the signal to the leader of failover-KIND-0 until the next
# acknowledged record, from a confluent-kafka producer sending every 5 ms.
failover() {
  local kind=$1 signal=$2 out
  out=$(/usr/bin/python3 - "$bootstrap" "failover-$kind" "$dir" "$signal" "$runnel" <<'EOF'
import json, os, signal, sys, time
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, topic, cluster_dir, sig, runnel = sys.argv[1:6]
admin = AdminClient({"bootstrap.servers": bootstrap})
admin.create_topics([NewTopic(topic, 1, 3)])[topic].result(10)
def leader():
    md = admin.list_topics(topic, timeout=10).topics[topic].partitions[0]
    return md.leader, sorted(md.isrs)
deadline = time.monotonic() + 20
while leader()[1] != [1, 2, 3] and time.monotonic() < deadline:
    time.sleep(0.1)
acked = []
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True, "linger.ms": 0})
def sent(err, msg):
    if err is None:
        acked.append(time.monotonic())
end = time.monotonic() + 1
while time.monotonic() < end:
    p.produce(topic, b"x", on_delivery=sent); p.poll(0); time.sleep(0.005)
old, _ = leader()
pid = int(open(os.path.join(cluster_dir, f"broker-{old}", "pid")).read())
t0 = time.monotonic()
os.kill(pid, getattr(signal, sig))
deadline = t0 + 60
after = []  # acknowledgement times of records sent after the signal
def sent_after(err, msg):
    if err is None:
        after.append(time.monotonic())
while time.monotonic() < deadline and not after:
    p.produce(topic, b"y", on_delivery=sent_after); p.poll(0.005)
p.flush(30)
print(json.dumps({"killed_leader": old, "signal": sig,
                  "seconds_to_next_ack": round(min(after) - t0, 3) if after else None}))
EOF
)
  results+=("{\"measurement\":\"failover\",\"kind\":\"$kind\",\"session_timeout_ms\":$session_ms,\"result\":$out}")
  echo "${results[-1]}"
  # Start the stopped broker again (once it has exited) for the next measurement.
  local id pid
  id=$(echo "$out" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["killed_leader"])')
  pid=$(cat "$dir/broker-$id/pid")
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  RUNNELD="$runneld" scripts/cluster.sh broker "$dir" "$id" >/dev/null
}
failover kill9 SIGKILL
failover controlled SIGTERM

if [[ "$smoke" != --smoke ]] && command -v fio >/dev/null; then
  source bench/disk_lib.sh
  # Pages a removed file frees make the next writes faster until the VM hands them back to its
  # host (seen: 0.4-0.9 GB/s into fresh pages, 5-8 GB/s into just-freed ones): a pause between.
  fsynced=$(fio_write_mb_per_s "$dir" fsynced 512M --bs=1m --fdatasync=1)
  sleep 20
  page_cache=$(fio_write_mb_per_s "$dir" page-cache 2G --bs=1m --end_fsync=0)
  results+=("{\"measurement\":\"machine\",\"page_cache_write_mib_per_s\":$page_cache,\"fsynced_write_mib_per_s\":$fsynced}")
  echo "${results[-1]}"
fi

printf '%s\n' "${results[@]}" >"$dir/results.jsonl"
/usr/bin/python3 - "$dir/results.jsonl" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
import statistics
runs = {rf: [r["result"] for r in rows if r["measurement"] == "produce" and r["replication_factor"] == rf]
        for rf in (1, 3)}
partitions = next(r["partitions"] for r in rows if r["measurement"] == "produce")
median = {rf: statistics.median(r["records_per_s"] for r in runs[rf]) for rf in (1, 3)}
print()
print("| measurement | result |")
print("| --- | --- |")
for rf in (1, 3):
    each = ", ".join(f"{r['records_per_s']:,.0f}" for r in runs[rf])
    errors = sum(r["errors"] for r in runs[rf])
    print(f"| produce, RF={rf}, acks=all, {partitions} partitions, 1 KiB records (median of {len(runs[rf])}) | "
          f"{median[rf]:,.0f} records/s ({median[rf] * 1024 / 1e6:.0f} MB/s); runs {each}; {errors} errors |")
print(f"| RF=3 / RF=1 (medians) | {median[3] / median[1]:.0%} |")
machine = next((r for r in rows if r["measurement"] == "machine"), None)
for rf in (1, 3):
    stored = median[rf] * 1024 * rf / 1048576
    limits = ""
    if machine:
        limits = (f"; {stored / machine['page_cache_write_mib_per_s']:.0%} of the page-cache write limit, "
                  f"{stored / machine['fsynced_write_mib_per_s']:.0%} of the fsynced one")
    print(f"| bytes the replicas store, RF={rf} (median records/s x 1 KiB x {rf}) | {stored:,.0f} MiB/s{limits} |")
if machine:
    print(f"| machine: fio 1 MiB sequential writes into the page cache / each fdatasynced | "
          f"{machine['page_cache_write_mib_per_s']:,.0f} / {machine['fsynced_write_mib_per_s']:,.0f} MiB/s |")
for r in rows:
    if r["measurement"] == "latency":
        l = r["result"]["latency_ms"]
        print(f"| end-to-end latency, RF={r['replication_factor']}, acks=all, 10,000 records/s | p50 {l['p50']:.2f} ms, p99 {l['p99']:.2f} ms, "
              f"p99.9 {l['p99_9']:.2f} ms; lost {r['result']['lost']} |")
    if r["measurement"] == "failover":
        f = r["result"]
        print(f"| failover: {f['signal']} of the leader (session timeout {r['session_timeout_ms']} ms) to the next "
              f"acks=all acknowledgement | {f['seconds_to_next_ack']} s |")
EOF
