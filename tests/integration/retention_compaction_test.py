#!/usr/bin/python3
"""Retention and log compaction against a real runneld, read back with independent clients.

- Compaction (cleanup.policy=compact): confluent-kafka produces keyed records with overwrites,
  headers and tombstones (lz4 and uncompressed batches); kcat reads the topic from the beginning
  and sees exactly the latest value of each key at its original offset, in order, with its
  headers; after a further pass the tombstones are gone (delete.retention.ms=0); the result
  survives kill -9 and restart; kafka-python reads the same; a keyless record is refused with
  INVALID_RECORD. An idempotent producer's last batch, overwritten, stays as an empty batch that
  both clients step over.
- `__consumer_offsets` (small segments) is compacted; the last commit survives kill -9.
- A topic in page-cache mode (flush.messages at its maximum) is compacted too.
- Time retention: records older than retention.ms go by whole segments; when all expired an
  empty segment is rolled: the low watermark reaches the high watermark, a fetch at 0 gets
  OFFSET_OUT_OF_RANGE (kafka-python), the log start survives a restart, appends go on.
- Size retention: the partition shrinks to retention.bytes (plus at most one segment).
- kill -9 while retention deletes ~100 segments (or just before: the timing is not forced): after
  restart the log is a suffix of what was written, every recent record is there, and the old
  ones go.
- A retention.ms changed at run time (AlterConfigs) takes effect without a restart.

Usage: retention_compaction_test.py --runneld PATH --runnel PATH --kcat PATH
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal  # noqa: E402

try:
    from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KpTopicPartition
    from kafka.errors import OffsetOutOfRangeError
except ImportError as e:
    sys.exit(f"FATAL: cannot import the Kafka clients ({e}); install python3-confluent-kafka and python3-kafka "
             "(scripts/install-deps.sh --test) and run with /usr/bin/python3")

QUIET = {"log_level": 3}
OVERRIDES = {"log.cleaner.backoff.ms": "100", "log.retention.check.interval.ms": "200",
             "offsets.topic.num.partitions": "1", "offsets.topic.segment.bytes": "1024"}
_admins = {}


def admin(broker):
    if broker.bootstrap not in _admins:
        _admins[broker.bootstrap] = AdminClient({"bootstrap.servers": broker.bootstrap, **QUIET})
    return _admins[broker.bootstrap]


def create_topic(broker, name, config):
    futures = admin(broker).create_topics([NewTopic(name, 1, 1, config=config)], operation_timeout=10)
    futures[name].result(timeout=20)


def produce(broker, topic, records, codec="none", timestamp=None, idempotent=False):
    """records: (key, value, headers); returns the offsets. Fails on any delivery error. Batches
    stay under 1 KiB, so that segments of a few KiB roll often."""
    p = Producer({"bootstrap.servers": broker.bootstrap, "compression.type": codec, "linger.ms": 5,
                  "batch.size": 1024, "acks": "all", "enable.idempotence": idempotent, **QUIET})
    offsets, errors = [], []

    def on_delivery(err, msg):
        if err:
            errors.append(err)
        else:
            offsets.append(msg.offset())
    for key, value, headers in records:
        kw = {"timestamp": timestamp} if timestamp else {}
        p.produce(topic, key=key, value=value, headers=headers, on_delivery=on_delivery, **kw)
        p.poll(0)
    check_equal(p.flush(30), 0, "records left unsent")
    check(not errors, f"delivery errors: {errors[:3]}")
    return offsets


def watermarks(broker, topic):
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "wm", **QUIET})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        c.close()


# ---- compaction -----------------------------------------------------------

COMPACTED = "it-compacted"


def compaction_state():
    return {"written": []}


def compaction_produce(broker, state):
    create_topic(broker, COMPACTED, {"cleanup.policy": "compact", "segment.bytes": "2048",
                                     "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "0"})
    written = state["written"]
    for round_ in range(6):
        records = []
        for k in range(30):
            key = f"key-{k}".encode()
            if round_ == 5 and k % 7 == 0:
                records.append((key, None, []))  # tombstone
            else:
                records.append((key, f"r{round_}-k{k}".encode() + b"." * (k % 13),
                                [("round", str(round_).encode()), ("k", key)]))
        # Rounds 0-4 from one idempotent producer: round 5 overwrites its last batch, which the
        # cleaner keeps as an empty batch that readers must step over.
        offsets = produce(broker, COMPACTED, records, codec="lz4" if round_ % 2 else "none", idempotent=round_ < 5)
        written += [(o, key, value, headers) for o, (key, value, headers) in zip(offsets, records)]
    # Unique keys push every overwrite out of the active segment.
    filler = [(f"filler-{i}".encode(), b"f" * 100, []) for i in range(60)]
    offsets = produce(broker, COMPACTED, filler)
    written += [(o, key, value, headers) for o, (key, value, headers) in zip(offsets, filler)]


def expected_view(written, keep_tombstones):
    latest = {}
    for offset, key, value, headers in written:
        latest[key] = offset
    return [(o, k, v, h) for o, k, v, h in written if latest[k] == o and (v is not None or keep_tombstones)]


def kcat_view(kcat, topic):
    records = kcat.consume(topic, partition=0)
    return [(r["offset"], r["key"], r["value"], [(n, v) for n, v in r["headers"]]) for r in records]


def active_segment_start(broker, topic):
    return max(int(os.path.basename(n).split(".")[0]) for n in broker.segment_files(topic, 0))


def restrict(view, below):
    """The records below `below` (what the cleaner may have compacted), and the rest untouched."""
    return [r for r in view if r[0] < below]


def compaction_kcat_sees_latest(broker, kcat, state):
    written = state["written"]
    written_norm = [(o, k, v, [(n, x) for n, x in h]) for o, k, v, h in written]

    def compacted():
        below = active_segment_start(broker, COMPACTED)
        view = kcat_view(kcat, COMPACTED)
        want_low = restrict(expected_view(written_norm, True), below)
        got_low = restrict(view, below)
        # Tombstones may already be gone in a second pass: compare values, then tombstones apart.
        return [r for r in got_low if r[2] is not None] == [r for r in want_low if r[2] is not None] and \
            all(r in want_low for r in got_low), view, below
    deadline = time.monotonic() + 30
    ok, view, below = compacted()
    while not ok and time.monotonic() < deadline:
        time.sleep(0.3)
        ok, view, below = compacted()
    check(below > 0, "no segment was sealed")
    check(ok, f"kcat did not see the latest value per key below offset {below}: {view[:10]}")
    # Everything at or after the active segment is untouched.
    check_equal([r for r in view if r[0] >= below], [r for r in written_norm if r[0] >= below],
                "records of the active segment")
    offsets = [r[0] for r in view]
    check(offsets == sorted(offsets), "offsets out of order")
    check(len(view) < len(written_norm), "nothing was removed")


def compaction_tombstones_go(broker, kcat, state):
    # More overwrites make the log dirty again; the next pass drops the tombstones that went
    # through the first one (delete.retention.ms=0).
    more = [(f"key-{k}".encode(), f"late-{k}".encode(), []) for k in range(1, 30, 7)]
    more += [(f"filler2-{i}".encode(), b"g" * 100, []) for i in range(60)]
    offsets = produce(broker, COMPACTED, more)
    state["written"] += [(o, key, value, headers) for o, (key, value, headers) in zip(offsets, more)]
    written_norm = [(o, k, v, [(n, x) for n, x in h]) for o, k, v, h in state["written"]]
    tombstoned = {k for o, k, v, h in written_norm if v is None}

    def done():
        below = active_segment_start(broker, COMPACTED)
        view = kcat_view(kcat, COMPACTED)
        want = restrict(expected_view(written_norm, False), below)
        return restrict(view, below) == want and not any(r[1] in tombstoned for r in view), view
    harness.wait_until(lambda: done()[0], 30, "tombstones removed and the latest values kept")
    state["final"] = done()[1]


def compaction_kafka_python_agrees(broker, state):
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
                      consumer_timeout_ms=3000)
    try:
        tp = KpTopicPartition(COMPACTED, 0)
        c.assign([tp])
        c.seek_to_beginning(tp)
        end = c.end_offsets([tp])[tp]
        got = []
        deadline = time.monotonic() + 20
        while c.position(tp) < end and time.monotonic() < deadline:
            for batch in c.poll(timeout_ms=500).values():
                got += [(m.offset, m.key, m.value, [(n, v) for n, v in m.headers]) for m in batch]
    finally:
        c.close()
    check_equal(got, state["final"], "kafka-python reading the compacted topic from the beginning")


def compaction_survives_kill(broker, kcat, state):
    broker.restart(kill=True)
    check_equal(kcat_view(kcat, COMPACTED), state["final"], "compacted topic after kill -9 and restart")
    broker.restart()
    check_equal(kcat_view(kcat, COMPACTED), state["final"], "compacted topic after a clean restart")


def compaction_in_page_cache_mode(broker, kcat):
    """flush.messages at its maximum: sealed segments are flushed by the cleaner, then compacted."""
    topic = "it-compacted-pagecache"
    create_topic(broker, topic, {"cleanup.policy": "compact", "segment.bytes": "2048",
                                 "min.cleanable.dirty.ratio": "0.01", "flush.messages": str(2**63 - 1)})
    records = [(f"key-{i % 10}".encode(), f"v{i}".encode() + b"." * 60, []) for i in range(200)]
    records += [(f"filler-{i}".encode(), b"f" * 100, []) for i in range(40)]
    offsets = produce(broker, topic, records)
    written = [(o, k, v, []) for o, (k, v, _) in zip(offsets, records)]

    def compacted():
        below = active_segment_start(broker, topic)
        return restrict(kcat_view(kcat, topic), below) == restrict(expected_view(written, True), below)
    harness.wait_until(compacted, 30, "the page-cache mode topic compacted")


def compaction_refuses_keyless(broker):
    p = Producer({"bootstrap.servers": broker.bootstrap, "retries": 0, "acks": "all", **QUIET})
    errors = []
    p.produce(COMPACTED, value=b"no key", on_delivery=lambda err, msg: errors.append(err))
    p.flush(20)
    check_equal(len(errors), 1, "delivery reports")
    check(errors[0] is not None and errors[0].code() == KafkaError.INVALID_RECORD,
          f"keyless record to a compacted topic: {errors[0]!r}, expected INVALID_RECORD")


def consumer_offsets_compacted(broker):
    group = "it-compacted-commits"
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False, **QUIET})
    try:
        for offset in range(1, 301):
            c.commit(offsets=[TopicPartition(COMPACTED, 0, offset)], asynchronous=False)
    finally:
        c.close()

    def size():
        d = broker.partition_dir("__consumer_offsets", 0)
        return sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d) if n.endswith(".log"))
    # 300 commit records of ~100 bytes; compacted, one per key remains (plus the active segment).
    harness.wait_until(lambda: size() < 6000, 20, "__consumer_offsets compacted")
    broker.restart(kill=True)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, **QUIET})
    try:
        committed = c.committed([TopicPartition(COMPACTED, 0)], timeout=20)
    finally:
        c.close()
    check_equal(committed[0].offset, 300, "committed offset after compaction and kill -9")


# ---- retention ------------------------------------------------------------

def time_retention(broker, kcat):
    topic = "it-time-retention"
    # retention.ms leaves room for a slow (sanitizer-built, loaded) broker to
    # answer the first ListOffsets before the segments expire.
    create_topic(broker, topic, {"retention.ms": "6000", "segment.bytes": "1024"})
    produce(broker, topic, [(f"k{i}".encode(), b"v" * 100, []) for i in range(50)])
    low, high = watermarks(broker, topic)
    check_equal((low, high), (0, 50), "watermarks right after producing")
    harness.wait_until(lambda: watermarks(broker, topic)[0] == 50, 20, "every expired segment deleted")
    names = [os.path.basename(n) for n in broker.segment_files(topic, 0)]
    check_equal(names, ["00000000000000000050.log"], "segment files once everything expired")
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, auto_offset_reset="none", consumer_timeout_ms=5000,
                      enable_auto_commit=False)
    try:
        tp = KpTopicPartition(topic, 0)
        c.assign([tp])
        c.seek(tp, 0)
        try:
            c.poll(timeout_ms=5000)
            raise harness.CheckFailed("kafka-python fetched offset 0 below the log start without an error")
        except OffsetOutOfRangeError:
            pass
    finally:
        c.close()
    broker.restart()
    check_equal(watermarks(broker, topic), (50, 50), "watermarks after a restart")
    offsets = produce(broker, topic, [(b"after", b"restart", [])])
    check_equal(offsets, [50], "offset of the next record")
    got = kcat.consume(topic, partition=0)
    check_equal([(r["offset"], r["key"], r["value"]) for r in got], [(50, b"after", b"restart")],
                "records after the restart")


def size_retention(broker, kcat):
    topic = "it-size-retention"
    create_topic(broker, topic, {"retention.bytes": "4096", "segment.bytes": "1024"})
    produce(broker, topic, [(f"k{i}".encode(), b"s" * 200, []) for i in range(200)])

    def total():
        d = broker.partition_dir(topic, 0)
        return sum(os.path.getsize(os.path.join(d, n)) for n in os.listdir(d) if n.endswith(".log"))
    harness.wait_until(lambda: total() < 4096 + 1024, 20, "partition within retention.bytes plus one segment")
    low, high = watermarks(broker, topic)
    check(low > 0 and high == 200, f"watermarks {low}, {high}")
    got = kcat.consume(topic, partition=0)
    check_equal([r["offset"] for r in got], list(range(low, 200)), "offsets readable after size retention")


def retention_kill_mid_pass(broker, kcat):
    topic = "it-retention-kill"
    create_topic(broker, topic, {"segment.bytes": "1024"})
    old = harness.now_ms() - 3_600_000
    produce(broker, topic, [(f"old{i}".encode(), b"o" * 200, []) for i in range(400)], timestamp=old)
    recent = produce(broker, topic, [(f"new{i}".encode(), b"n" * 200, []) for i in range(40)])
    # Old records expire once retention.ms drops to 10 minutes (an AlterConfigs at run time);
    # kill the broker while it deletes ~100 segments.
    resource = ConfigResource("topic", topic, set_config={"retention.ms": "600000", "segment.bytes": "1024"})
    admin(broker).alter_configs([resource])[resource].result(timeout=20)
    time.sleep(0.25)
    broker.restart(kill=True)
    harness.wait_until(lambda: watermarks(broker, topic)[0] >= 400, 20, "old segments deleted after the restart")
    low, high = watermarks(broker, topic)
    check_equal(high, 440, "high watermark")
    got = kcat.consume(topic, partition=0)
    check_equal([r["offset"] for r in got], list(range(low, 440)), "the log is a suffix of what was written")
    check(set(recent) <= {r["offset"] for r in got}, "a recent record was deleted")
    check(all(r["key"].startswith(b"new") or r["timestamp"] == old for r in got), "unexpected records")


def main():
    args = harness.parse_args()
    run = harness.TestRun("retention_compaction_test", time_limit=110)
    broker = run.case("start runneld", harness.Broker(args.runneld, OVERRIDES).start, critical=True)
    kcat = harness.Kcat(args.kcat, broker.bootstrap)
    state = compaction_state()
    run.case("compaction: produce overwrites, headers, tombstones", compaction_produce, broker, state,
             critical=True)
    run.case("compaction: kcat reads exactly the latest value per key", compaction_kcat_sees_latest, broker, kcat,
             state)
    run.case("compaction: tombstones removed by a later pass", compaction_tombstones_go, broker, kcat, state)
    run.case("compaction: kafka-python reads the same records", compaction_kafka_python_agrees, broker, state)
    run.case("compaction: kill -9 and restart keep the compacted log", compaction_survives_kill, broker, kcat, state)
    run.case("compaction in page-cache mode (flush.messages at its maximum)", compaction_in_page_cache_mode, broker,
             kcat)
    run.case("__consumer_offsets is compacted, the last commit stays", consumer_offsets_compacted, broker)
    run.case("compaction: a keyless record is refused with INVALID_RECORD", compaction_refuses_keyless, broker)
    run.case("time retention: expired segments go, an empty one is rolled", time_retention, broker, kcat)
    run.case("size retention: the partition shrinks to retention.bytes", size_retention, broker, kcat)
    run.case("kill -9 during a retention pass over ~100 segments", retention_kill_mid_pass, broker, kcat)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
