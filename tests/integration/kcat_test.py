#!/usr/bin/python3
"""kcat 1.7.1 (librdkafka 2.0.2) against a real runneld.

Per codec (none, gzip, snappy, lz4, zstd via -z), one auto-created topic of 3 partitions gets:
keyed records through `-X partitioner=murmur2_random` (the Java partitioner: each key must land in
(murmur2(key) & 0x7fffffff) % 3), records with explicit -p 0/1/2, and a run with a null key and a
null value (-Z); every run carries headers, duplicates, an empty and a null value among them.
Then: consume everything back with -C -e -o beginning -f (topic, partition, offset, timestamp,
key, value, headers) and compare exactly; read the stored batches with `runnel dump-log --output
json --print-data-log` (codec as requested, contiguous offsets, same records as consumed);
ListOffsets by timestamp through -o s@<ts>; metadata through -L and -L -J; clean SIGTERM.

Usage: kcat_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CODECS, check, check_equal  # noqa: E402

PARTITIONS = 3
# librdkafka waits this long to fill a batch, so each run makes one compressible batch per partition.
PRODUCE_PROPS = {"linger.ms": "100"}


def topic_of(codec):
    return f"kcat-{codec}"


def plan_runs(codec):
    """The kcat -P invocations for one codec: (name, records, partition, headers, props, null_empty)."""
    runs = []
    keys = [f"key-{codec}-{i}" for i in range(30)]
    runs.append(("murmur2_random", [(k, harness.compressible_value(codec, i)) for i, k in enumerate(keys)], None,
                 [("codec", codec), ("run", "murmur"), ("dup", "1"), ("dup", "2"), ("empty", ""), ("nullh", None)],
                 {"partitioner": "murmur2_random"}, False))
    for p in range(PARTITIONS):
        records = [(f"p{p}-key-{i}", f"ünïcødé ✓ {p}/{i} " + harness.compressible_value(codec, i, 200))
                   for i in range(10)]
        runs.append((f"explicit -p {p}", records, p, [("codec", codec), ("run", f"p{p}")], {}, False))
    nulls = [(f"n-{i}", harness.compressible_value(codec, i)) for i in range(5)]
    nulls += [("", "value with a null key"), ("tombstone-key", "")]
    runs.append(("-Z nulls on -p 2", nulls, 2, [("codec", codec), ("run", "nulls")], {}, True))
    return runs


def produce_codec(kcat, codec, expected):
    """Runs every kcat -P of the codec; records what each partition must hold, in order."""
    topic = topic_of(codec)
    per_partition = {p: [] for p in range(PARTITIONS)}
    for name, records, partition, headers, props, null_empty in plan_runs(codec):
        before, after = kcat.produce(topic, records, partition=partition, codec=codec, headers=headers,
                                     props={**PRODUCE_PROPS, **props}, null_empty=null_empty)
        hdrs = [(h, None if v is None else v.encode()) for h, v in headers]
        for key, value in records:
            k = None if (null_empty and key == "") else key.encode()
            v = None if (null_empty and value == "") else value.encode()
            p = partition if partition is not None else harness.java_partition(k, PARTITIONS)
            per_partition[p].append({"key": k, "value": v, "headers": hdrs, "run": name, "window": (before, after)})
    for p, items in per_partition.items():
        for offset, item in enumerate(items):
            item["offset"] = offset
    expected[codec] = per_partition


def check_consumed(kcat, codec, expected, consumed):
    topic = topic_of(codec)
    records = kcat.consume(topic)
    parts = harness.by_partition(records)
    check_equal(sorted(parts), list(range(PARTITIONS)), f"{topic}: partitions with records")
    for p in range(PARTITIONS):
        got = parts.get(p, [])
        want = expected[codec][p]
        check_equal([(r["topic"], r["partition"], r["offset"], r["key"], r["value"], r["headers"]) for r in got],
                    [(topic, p, w["offset"], w["key"], w["value"], w["headers"]) for w in want],
                    f"{topic} partition {p}: (topic, partition, offset, key, value, headers) consumed")
        for r, w in zip(got, want):
            lo, hi = w["window"]
            check(lo - 5 <= r["timestamp"] <= hi + 5,
                  f"{topic}-{p} offset {r['offset']}: timestamp {r['timestamp']} outside the produce window "
                  f"[{lo}, {hi}] of run '{w['run']}' (CreateTime must be kept as the client set it)")
    consumed[codec] = records


def check_stored(runnel, broker, codec, consumed):
    topic = topic_of(codec)
    stored = harness.check_codec(runnel, broker, topic, range(PARTITIONS), codec)
    parts = harness.by_partition(consumed[codec])
    for p, batches in stored.items():
        next_offset = 0
        for b in batches:
            check_equal(b["magic"], 2, f"{topic}-{p}: batch magic")
            check_equal(b["baseOffset"], next_offset, f"{topic}-{p}: base offset of the batch at position "
                                                      f"{b['position']}")
            next_offset = b["lastOffset"] + 1
        on_disk = harness.stored_records(batches, topic, p)
        check_equal(on_disk, parts[p], f"{topic}-{p}: records in the segment (dump-log) vs records consumed")


def check_timestamp_lookup(kcat, codec, consumed):
    """kcat -o s@T: every partition starts at its first offset whose timestamp is >= T."""
    topic = topic_of(codec)
    records = harness.sorted_records(consumed[codec])
    timestamps = sorted(r["timestamp"] for r in records)
    # The first record of the "-p 1" run, a middle one, before everything (1: kcat reads s@0 as
    # "no timestamp"), after everything.
    p1_first = next(r for r in records if r["partition"] == 1 and r["key"] == b"p1-key-0")["timestamp"]
    probes = [p1_first, timestamps[len(timestamps) // 2], 1, timestamps[-1] + 1]
    for t in probes:
        expected = []
        for p, rs in harness.by_partition(records).items():
            start = next((r["offset"] for r in rs if r["timestamp"] >= t), None)
            if start is not None:
                expected += [r for r in rs if r["offset"] >= start]
        got = kcat.consume(topic, offset=f"s@{t}")
        check_equal(harness.sorted_records(got), harness.sorted_records(expected),
                    f"{topic}: records consumed from -o s@{t}")


def check_metadata(kcat, broker):
    md = kcat.metadata_json()
    check_equal(md.get("brokers"), [{"id": 0, "name": broker.bootstrap}], "-L -J brokers")
    check_equal(md.get("controllerid"), 0, "-L -J controllerid")
    topics = {t["topic"]: t for t in md.get("topics", [])}
    for codec in CODECS:
        t = topics.get(topic_of(codec))
        check(t is not None, f"-L -J: topic {topic_of(codec)} missing; topics: {sorted(topics)}")
        check("error" not in t, f"-L -J: topic {t['topic']} has error {t.get('error')}")
        check_equal(t["partitions"],
                    [{"partition": p, "leader": 0, "replicas": [{"id": 0}], "isrs": [{"id": 0}]}
                     for p in range(PARTITIONS)], f"-L -J partitions of {t['topic']}")
    text = kcat.metadata_text(topic_of("gzip"))
    check(f"broker 0 at {broker.bootstrap} (controller)" in text, f"-L text: no 'broker 0 at {broker.bootstrap} "
                                                                 f"(controller)' line:\n{text}")
    check(f'topic "{topic_of("gzip")}" with {PARTITIONS} partitions:' in text, f"-L text: topic line missing:\n{text}")
    for p in range(PARTITIONS):
        check(f"partition {p}, leader 0, replicas: 0, isrs: 0" in text, f"-L text: partition {p} line missing:\n{text}")


def main():
    args = harness.parse_args()
    run = harness.TestRun("kcat_test", time_limit=100)
    broker = run.case("start runneld", harness.Broker(args.runneld).start, critical=True)
    kcat = harness.Kcat(args.kcat, broker.bootstrap)
    expected, consumed = {}, {}
    for codec in CODECS:
        run.case(f"produce with -z {codec}: murmur2_random keys, -p 0/1/2, -Z nulls, headers",
                 produce_codec, kcat, codec, expected)
    for codec in CODECS:
        if codec in expected:
            run.case(f"consume {topic_of(codec)} from the beginning: exact records", check_consumed, kcat, codec,
                     expected, consumed)
    for codec in CODECS:
        if codec in consumed:
            run.case(f"dump-log: {topic_of(codec)} stored as {codec}, same records", check_stored, args.runnel,
                     broker, codec, consumed)
    for codec in ("none", "lz4"):
        if codec in consumed:
            run.case(f"ListOffsets by timestamp (-o s@ts) on {topic_of(codec)}", check_timestamp_lookup, kcat,
                     codec, consumed)
    run.case("metadata: -L and -L -J", check_metadata, kcat, broker)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
