#!/usr/bin/python3
"""kafkajs 2.2.4 (npm, Node 20) against a real runneld; kcat reads back, dump-log checks the codec.

js/kafkajs_test.js does the kafkajs part (admin, produce with acks -1 per codec: none, gzip,
snappy, lz4; kafkajs has no zstd codec that builds on Node 20) and writes what it sent and the
produce responses to a JSON file. This script starts the broker, runs it, then per topic:
kcat -C -e -o beginning must show exactly those records (topic, partition from the Java murmur2
partitioner or the explicit one, offset from the produce response, timestamp, key, value,
headers), and the stored batches must carry the requested codec and the same records.
js/kafkajs_groups.js then runs three kafkajs consumers in one group on a 6-partition topic: they
split the partitions, read 600 records exactly once, and after one leaves the other two read 300
more exactly once.

Usage: kafkajs_test.py --runneld PATH --runnel PATH --kcat PATH --node PATH --js-dir DIR
(DIR holds kafkajs_test.js and node_modules: the integration_npm_install fixture installs them.)
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal  # noqa: E402

PARTITIONS = 3


def extra_args(p):
    p.add_argument("--node", default="node")
    p.add_argument("--js-dir", required=True)


def run_kafkajs(args, broker, state):
    script = os.path.join(args.js_dir, "kafkajs_test.js")
    check(os.path.isdir(os.path.join(args.js_dir, "node_modules", "kafkajs")),
          f"{args.js_dir}/node_modules/kafkajs is missing: run the integration_npm_install test first "
          f"(npm install --no-audit --no-fund in {args.js_dir})")
    out = os.path.join(broker.work_dir, "kafkajs-result.json")
    env = dict(os.environ, KAFKAJS_NO_PARTITIONER_WARNING="1")
    res = harness.run_command([args.node, script, "--bootstrap", broker.bootstrap, "--out", out], timeout=90,
                              env=env, check_status=False, what="node kafkajs_test.js")
    output = (res.stdout + res.stderr).decode("utf-8", "replace")
    print("\n".join("   node: " + line for line in output.splitlines()[-30:]), flush=True)
    check(res.returncode == 0, f"node kafkajs_test.js exited with status {res.returncode}")
    with open(out) as f:
        state.update(json.load(f))


def run_kafkajs_groups(args, broker):
    script = os.path.join(args.js_dir, "kafkajs_groups.js")
    res = harness.run_command([args.node, script, "--bootstrap", broker.bootstrap], timeout=80,
                              check_status=False, what="node kafkajs_groups.js")
    output = (res.stdout + res.stderr).decode("utf-8", "replace")
    print("\n".join("   node: " + line for line in output.splitlines()[-30:]), flush=True)
    check(res.returncode == 0 and output.rstrip().endswith("OK"),
          f"node kafkajs_groups.js exited with status {res.returncode}")


def expected_records(topic, entry):
    """What the topic must hold: partition per message (explicit or Java murmur2), offset from the
    produce response's base offset + the message's index among those sent to its partition."""
    base = {r["partition"]: r["baseOffset"] for r in entry["responses"]}
    seen = {}
    out = []
    for m in entry["messages"]:
        key = m["key"].encode()
        p = m["partition"] if m["partition"] is not None else harness.java_partition(key, PARTITIONS)
        check(p in base, f"{topic}: no produce response for partition {p} (responses: {entry['responses']})")
        out.append({"topic": topic, "partition": p, "offset": base[p] + seen.get(p, 0), "timestamp": m["timestamp"],
                    "key": key, "value": m["value"].encode(),
                    "headers": [(k, v.encode()) for k, v in m["headers"]]})
        seen[p] = seen.get(p, 0) + 1
    return harness.sorted_records(out)


def check_topic(kcat, runnel, broker, topic, state):
    entry = state["topics"][topic]
    want = expected_records(topic, entry)
    got = kcat.consume(topic)
    check_equal(harness.sorted_records(got), want, f"{topic}: records read by kcat vs sent by kafkajs")
    stored = harness.check_codec(runnel, broker, topic, sorted({r["partition"] for r in want}), entry["codec"])
    on_disk = []
    for p, batches in stored.items():
        on_disk += harness.stored_records(batches, topic, p)
    check_equal(harness.sorted_records(on_disk), want, f"{topic}: records in the segments (dump-log)")


def check_default_partitions(kcat, state):
    check_equal(state.get("defaultPartitions"), PARTITIONS,
                "partitions of kjs-default-partitions (CreateTopics with -1: broker num.partitions)")
    md = kcat.metadata_json("kjs-default-partitions")
    t = md["topics"][0]
    check("error" not in t, f"kcat -L: kjs-default-partitions: {t.get('error')}")
    check_equal(len(t["partitions"]), PARTITIONS, "kcat -L: partitions of kjs-default-partitions")


def main():
    args = harness.parse_args(extra_args)
    run = harness.TestRun("kafkajs_test", time_limit=100)
    overrides = {"num.partitions": str(PARTITIONS), "group.initial.rebalance.delay.ms": "100"}
    broker = run.case("start runneld", harness.Broker(args.runneld, overrides).start, critical=True)
    kcat = harness.Kcat(args.kcat, broker.bootstrap)
    state = {}
    run.case("kafkajs: createTopics, fetchTopicMetadata, produce acks -1 per codec, deleteTopics", run_kafkajs, args,
             broker, state, critical=True)
    run.case("CreateTopics without numPartitions uses num.partitions", check_default_partitions, kcat, state)
    for topic in sorted(state.get("topics", {})):
        run.case(f"{topic}: kcat reads what kafkajs sent; stored as {state['topics'][topic]['codec']}", check_topic,
                 kcat, args.runnel, broker, topic, state)
    run.case("kafkajs consumer group: three members split six partitions, exactly once; one leaves",
             run_kafkajs_groups, args, broker)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
