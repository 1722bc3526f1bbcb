#!/usr/bin/python3
"""confluent-kafka 1.7.0 (Python, on librdkafka 2.0.2) against a real runneld.

- AdminClient: create_topics (with topic configs), TOPIC_ALREADY_EXISTS, describe_configs (set
  values and the broker default log.segment.bytes), delete_topics (and of an unknown topic).
- Producer per compression.type (none, gzip, snappy, lz4, zstd): keys (one null), values (one
  null, one empty, one binary), headers (duplicates, null, empty, binary), explicit CreateTime
  timestamps, explicit partitions and murmur2_random; delivery reports give partition/offset.
- Consumer in assign mode (no groups yet) from OFFSET_BEGINNING: exact key/value/headers/
  partition/offset/timestamp; dump-log shows the codec and the same records on disk.
- offsets_for_times and get_watermark_offsets (ListOffsets).
- Clean restart between produce and consume; offsets continue after it.
- kill -9 during an acks=all produce loop: every record whose delivery report said success is
  read back at its reported offset after restart, offsets have no holes, nothing foreign appears.

Usage: confluent_kafka_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CODECS, CheckFailed, check, check_equal  # noqa: E402

try:
    from confluent_kafka import (OFFSET_BEGINNING, TIMESTAMP_CREATE_TIME, Consumer, KafkaError,
                                 KafkaException, Producer, TopicPartition)
    from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
except ImportError as e:
    sys.exit(f"FATAL: cannot import confluent_kafka ({e}); install python3-confluent-kafka "
             "(scripts/install-deps.sh --test) and run with /usr/bin/python3")

PARTITIONS = 3
SEGMENT_BYTES = 1048576  # broker override; topics must inherit it (describe_configs)
QUIET = {"log_level": 3}  # librdkafka: errors only (connection refused during restarts is expected)


def topic_of(codec):
    return f"ck-{codec}"


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap, **QUIET})


def result_of(future, what, timeout=20):
    try:
        return future.result(timeout=timeout)
    except KafkaException as e:
        raise CheckFailed(f"{what}: {e.args[0]}")
    except concurrent.futures.TimeoutError:
        raise CheckFailed(f"{what}: no result within {timeout}s")


def error_of(future, what, timeout=20):
    """The KafkaError code a future fails with; CheckFailed if it succeeds or hangs."""
    try:
        future.result(timeout=timeout)
    except KafkaException as e:
        return e.args[0].code()
    except concurrent.futures.TimeoutError:
        raise CheckFailed(f"{what}: no result within {timeout}s")
    raise CheckFailed(f"{what} succeeded; expected an error")


def create_topics(broker, names, partitions=PARTITIONS, config=None):
    client = admin(broker)  # futures fail with _DESTROY if the client goes away first
    fs = client.create_topics([NewTopic(n, num_partitions=partitions, replication_factor=1,
                                        config=config or {}) for n in names], operation_timeout=20)
    for name, f in fs.items():
        result_of(f, f"create_topics({name})")


def wait_topics(broker, names, partitions):
    def ready():
        md = admin(broker).list_topics(timeout=10)
        for n in names:
            t = md.topics.get(n)
            if t is None or t.error is not None or len(t.partitions) != partitions:
                return False
            if any(p.leader != 0 or p.error is not None for p in t.partitions.values()):
                return False
        return True
    harness.wait_until(ready, 20, f"topics {names} with {partitions} partitions led by node 0 in metadata")


def record_of(msg):
    ts_type, ts = msg.timestamp()
    return {"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset(),
            "timestamp": ts if ts_type == TIMESTAMP_CREATE_TIME else ("not CreateTime", ts_type, ts),
            "key": msg.key(), "value": msg.value(),
            "headers": [(k, v) for k, v in (msg.headers() or [])]}


def consume_all(bootstrap, topic, partitions, expected_count, timeout=30):
    """Every record of the partitions from the beginning (assign mode), until all are at EOF."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "runnel-it-assign-only",
                  "enable.auto.commit": False, "enable.auto.offset.store": False,
                  "enable.partition.eof": True, **QUIET})
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        got, at_eof = [], set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = c.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    at_eof.add(msg.partition())
                    if at_eof == set(partitions) and len(got) >= expected_count:
                        return got
                    continue
                raise CheckFailed(f"consumer error on {topic}: {msg.error()}")
            at_eof.discard(msg.partition())
            got.append(record_of(msg))
        raise CheckFailed(f"{topic}: consumed {len(got)} records of {expected_count} within {timeout}s; "
                          f"partitions at end: {sorted(at_eof)}")
    finally:
        c.close()


class Deliveries:
    def __init__(self):
        self.ok, self.errors = [], []

    def __call__(self, err, msg):
        if err is not None:
            self.errors.append((err, msg.value()[:40] if msg.value() else None))
        else:
            self.ok.append(record_of(msg))


def plan_records(codec, base_ts):
    """(key, value, headers, partition or None, timestamp) in produce order."""
    records = []
    for i in range(40):
        key = f"key-{codec}-{i}".encode()
        value = harness.compressible_value(codec, i).encode()
        headers = [("codec", codec.encode()), ("seq", str(i).encode()), ("dup", b"a"), ("dup", b"b"),
                   ("null", None), ("empty", b""), ("bin", bytes([0, 255, 1, 10]))]
        partition = i % PARTITIONS if i < 20 else None   # the rest through murmur2_random
        records.append([key, value, headers, partition, base_ts + 10 * i])
    records[3][0] = None                              # null key (explicit partition 0)
    records[4][1] = None                              # null value
    records[5][1] = b""                               # empty value
    records[6][1] = bytes(range(256)) * 4             # binary value
    records[7][2] = []                                # no headers
    return [tuple(r) for r in records]


def produce_codec(broker, codec, state):
    topic = topic_of(codec)
    plan = plan_records(codec, harness.now_ms() - 60_000)
    dr = Deliveries()
    p = Producer({"bootstrap.servers": broker.bootstrap, "compression.type": codec, "acks": "all",
                  "linger.ms": 100, "partitioner": "murmur2_random", "message.timeout.ms": 30000, **QUIET})
    for key, value, headers, partition, ts in plan:
        kwargs = {"partition": partition} if partition is not None else {}
        p.produce(topic, value=value, key=key, headers=headers, timestamp=ts, on_delivery=dr, **kwargs)
    left = p.flush(30)
    check(left == 0 and not dr.errors, f"{topic}: {left} undelivered, delivery errors: {dr.errors[:5]}")
    check_equal(len(dr.ok), len(plan), f"{topic}: delivery reports")
    # Expected per partition, in produce order; offsets from 0.
    expected = {q: [] for q in range(PARTITIONS)}
    for key, value, headers, partition, ts in plan:
        q = partition if partition is not None else harness.java_partition(key, PARTITIONS)
        expected[q].append({"topic": topic, "partition": q, "offset": len(expected[q]), "timestamp": ts,
                            "key": key, "value": value, "headers": headers})
    want = harness.sorted_records([r for rs in expected.values() for r in rs])
    # Delivery reports carry no headers in confluent-kafka 1.7.
    check_equal(harness.without(harness.sorted_records(dr.ok), "headers"), harness.without(want, "headers"),
                f"{topic}: delivery reports (partition, offset, timestamp, key, value)")
    state[codec] = want


def consume_codec(broker, codec, state):
    topic = topic_of(codec)
    got = consume_all(broker.bootstrap, topic, range(PARTITIONS), len(state[codec]))
    check_equal(harness.sorted_records(got), state[codec], f"{topic}: records consumed from OFFSET_BEGINNING")


def stored_codec(runnel, broker, codec, state):
    topic = topic_of(codec)
    stored = harness.check_codec(runnel, broker, topic, range(PARTITIONS), codec)
    on_disk = []
    for p, batches in stored.items():
        on_disk += harness.stored_records(batches, topic, p)
    check_equal(harness.sorted_records(on_disk), state[codec], f"{topic}: records in the segments (dump-log)")


def offsets_for_times(broker, codec, state):
    topic = topic_of(codec)
    records = state[codec]
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "runnel-it-assign-only",
                  "enable.auto.commit": False, **QUIET})
    try:
        lows_highs = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in range(PARTITIONS)}
        check_equal(lows_highs, {p: (0, sum(1 for r in records if r["partition"] == p)) for p in range(PARTITIONS)},
                    f"{topic}: get_watermark_offsets (low, high) per partition")
        stamps = sorted(r["timestamp"] for r in records)
        for t in (0, stamps[0], stamps[0] + 1, stamps[len(stamps) // 2], stamps[-1], stamps[-1] + 1):
            res = c.offsets_for_times([TopicPartition(topic, p, t) for p in range(PARTITIONS)], timeout=10)
            got = {tp.partition: (tp.offset, tp.error) for tp in res}
            want = {}
            for p in range(PARTITIONS):
                hits = [r["offset"] for r in records if r["partition"] == p and r["timestamp"] >= t]
                want[p] = (min(hits) if hits else -1, None)
            check_equal(got, want, f"{topic}: offsets_for_times({t}) -> (offset, error) per partition")
    finally:
        c.close()


def admin_topics(broker, state):
    names = [topic_of(c) for c in CODECS]
    create_topics(broker, names)
    create_topics(broker, ["ck-configs"], partitions=2,
                  config={"retention.ms": "3600000", "cleanup.policy": "delete"})
    wait_topics(broker, names, PARTITIONS)
    wait_topics(broker, ["ck-configs"], 2)
    state["admin"] = True


def admin_duplicate(broker):
    client = admin(broker)
    fs = client.create_topics([NewTopic("ck-none", num_partitions=1, replication_factor=1)], operation_timeout=20)
    check_equal(error_of(fs["ck-none"], "create_topics of an existing topic"), KafkaError.TOPIC_ALREADY_EXISTS,
                "create_topics of an existing topic: error (36 = TOPIC_ALREADY_EXISTS)")


def admin_describe(broker):
    client = admin(broker)
    res = ConfigResource(ConfigResource.Type.TOPIC, "ck-configs")
    configs = result_of(client.describe_configs([res])[res], "describe_configs(ck-configs)")
    values = {k: v.value for k, v in configs.items()}
    for key, want in (("retention.ms", "3600000"), ("cleanup.policy", "delete"),
                      ("segment.bytes", str(SEGMENT_BYTES))):
        check_equal(values.get(key), want, f"describe_configs(ck-configs)[{key!r}] (all: {sorted(values)})")
    res = ConfigResource(ConfigResource.Type.TOPIC, "ck-none")
    configs = result_of(client.describe_configs([res])[res], "describe_configs(ck-none)")
    check_equal(configs.get("segment.bytes") and configs["segment.bytes"].value, str(SEGMENT_BYTES),
                "describe_configs(ck-none)['segment.bytes'] (broker log.segment.bytes override)")


def admin_delete(broker):
    client = admin(broker)
    fs = client.delete_topics(["ck-configs"], operation_timeout=20)
    result_of(fs["ck-configs"], "delete_topics(ck-configs)")
    harness.wait_until(lambda: "ck-configs" not in admin(broker).list_topics(timeout=10).topics, 15,
                       "ck-configs to leave the metadata after delete_topics")
    fs = client.delete_topics(["ck-never-created"], operation_timeout=20)
    check_equal(error_of(fs["ck-never-created"], "delete_topics of an unknown topic"),
                KafkaError.UNKNOWN_TOPIC_OR_PART,
                "delete_topics of an unknown topic: error (3 = UNKNOWN_TOPIC_OR_PARTITION)")


def restart_between(broker, runnel):
    topic = "ck-restart"
    create_topics(broker, [topic])
    wait_topics(broker, [topic], PARTITIONS)
    plan = [(f"r-{i}".encode(), harness.compressible_value("restart", i).encode(),
             [("i", str(i).encode())], i % PARTITIONS, harness.now_ms() - 1000 + i) for i in range(60)]
    dr = Deliveries()
    p = Producer({"bootstrap.servers": broker.bootstrap, "compression.type": "gzip", "acks": "all",
                  "linger.ms": 20, **QUIET})
    for key, value, headers, partition, ts in plan:
        p.produce(topic, value=value, key=key, headers=headers, partition=partition, timestamp=ts, on_delivery=dr)
    check(p.flush(30) == 0 and not dr.errors, f"{topic}: delivery errors before the restart: {dr.errors[:5]}")
    offsets = {q: 0 for q in range(PARTITIONS)}
    want = []
    for key, value, headers, partition, ts in plan:
        want.append({"topic": topic, "partition": partition, "offset": offsets[partition], "timestamp": ts,
                     "key": key, "value": value, "headers": headers})
        offsets[partition] += 1
    want = harness.sorted_records(want)
    check_equal(harness.without(harness.sorted_records(dr.ok), "headers"), harness.without(want, "headers"),
                f"{topic}: delivery reports before the restart")
    del p
    broker.restart()
    got = consume_all(broker.bootstrap, topic, range(PARTITIONS), len(want))
    check_equal(harness.sorted_records(got), want, f"{topic}: records read after a clean restart")
    # The log goes on where it was: new offsets follow the old ones.
    dr2 = Deliveries()
    p = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", **QUIET})
    for q in range(PARTITIONS):
        p.produce(topic, value=b"after-restart", key=b"after", partition=q, on_delivery=dr2)
    check(p.flush(30) == 0 and not dr2.errors, f"{topic}: delivery errors after the restart: {dr2.errors}")
    check_equal(sorted((r["partition"], r["offset"]) for r in dr2.ok),
                [(q, sum(1 for r in want if r["partition"] == q)) for q in range(PARTITIONS)],
                f"{topic}: (partition, offset) of the first records produced after the restart")


def kill9_during_produce(broker):
    topic = "ck-kill9"
    create_topics(broker, [topic], partitions=2)
    wait_topics(broker, [topic], 2)
    dr = Deliveries()
    p = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 2,
                  "message.timeout.ms": 15000, "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 300,
                  "partitioner": "murmur2_random", **QUIET})
    pad = "x" * 1500  # ~1.5 KB records: 1000+ of them roll a 1 MiB segment per partition
    produced = set()
    counter = [0]

    def pump(stop, seconds, max_rate=3000):
        """Produces (at most max_rate/s, at most 300 unacknowledged) until stop() or the time is up."""
        t0, n0 = time.monotonic(), counter[0]
        while not stop() and time.monotonic() - t0 < seconds:
            if len(p) < 300 and counter[0] - n0 < (time.monotonic() - t0) * max_rate + 1:
                value = f"kill9-{counter[0]:06d}-{pad}".encode()
                p.produce(topic, value=value, key=f"k{counter[0]}".encode(), on_delivery=dr)
                produced.add(value)
                counter[0] += 1
                p.poll(0)
            else:
                p.poll(0.005)

    pump(lambda: len(dr.ok) >= 800, 25)
    check(len(dr.ok) >= 800, f"only {len(dr.ok)} records acknowledged in 25s before the kill "
                             f"(delivery errors: {dr.errors[:3]})")
    broker.kill9()
    acked_at_kill = len(dr.ok)
    print(f"   killed -9 with {acked_at_kill} records acknowledged, {len(p)} unacknowledged", flush=True)
    pump(lambda: False, 0.5)   # the producer goes on into a dead broker
    broker.start_again()
    n_restart = counter[0]
    pump(lambda: counter[0] >= n_restart + 500, 20)
    left = p.flush(30)
    print(f"   produced {counter[0]}, acknowledged {len(dr.ok)} ({len(dr.ok) - acked_at_kill} after the kill), "
          f"failed {len(dr.errors)}, unresolved {left}", flush=True)
    if broker.port_changed:
        print("WARNING: the restarted broker has a new port; the producer could not follow it", flush=True)
    else:
        check(len(dr.ok) > acked_at_kill, "no record acknowledged after the restart (producer did not reconnect?)")
    acked = {(r["partition"], r["offset"]): r["value"] for r in dr.ok}
    check_equal(len(acked), len(dr.ok), "distinct (partition, offset) among acknowledged records")
    ends = {}
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "runnel-it-assign-only", **QUIET})
    try:
        for q in range(2):
            ends[q] = c.get_watermark_offsets(TopicPartition(topic, q), timeout=10)[1]
    finally:
        c.close()
    got = consume_all(broker.bootstrap, topic, range(2), sum(ends.values()), timeout=40)
    stored = {}
    for r in got:
        stored[(r["partition"], r["offset"])] = r["value"]
    for q in range(2):
        offsets = sorted(o for (pp, o) in stored if pp == q)
        check_equal(offsets, list(range(len(offsets))), f"{topic}-{q}: offsets read back after kill -9 (no holes)")
    missing = [(k, v[:14]) for k, v in acked.items() if stored.get(k) != v]
    check(not missing, f"{len(missing)} acknowledged records not read back at their offsets after kill -9, "
                       f"e.g. {sorted(missing)[:5]}")
    foreign = [v[:14] for v in stored.values() if v not in produced]
    check(not foreign, f"records that were never produced in {topic}: {foreign[:5]}")


def main():
    args = harness.parse_args()
    run = harness.TestRun("confluent_kafka_test", time_limit=100)
    broker = run.case("start runneld", harness.Broker(args.runneld, {"log.segment.bytes": str(SEGMENT_BYTES)}).start,
                      critical=True)
    state = {}
    run.case("AdminClient.create_topics: 5 codec topics and one with configs", admin_topics, broker, state,
             critical=True)
    run.case("AdminClient.create_topics of an existing topic: TOPIC_ALREADY_EXISTS", admin_duplicate, broker)
    run.case("AdminClient.describe_configs: topic configs and inherited segment.bytes", admin_describe, broker)
    for codec in CODECS:
        run.case(f"Producer compression.type={codec}: keys, headers, timestamps, partitions", produce_codec, broker,
                 codec, state)
    for codec in CODECS:
        if codec in state:
            run.case(f"Consumer (assign, OFFSET_BEGINNING) reads {topic_of(codec)} exactly", consume_codec, broker,
                     codec, state)
    for codec in CODECS:
        if codec in state:
            run.case(f"dump-log: {topic_of(codec)} stored as {codec}, same records", stored_codec, args.runnel,
                     broker, codec, state)
    for codec in ("none", "zstd"):
        if codec in state:
            run.case(f"offsets_for_times and watermarks on {topic_of(codec)}", offsets_for_times, broker, codec,
                     state)
    run.case("AdminClient.delete_topics (and of an unknown topic)", admin_delete, broker)
    run.case("clean restart between produce and consume", restart_between, broker, args.runnel)
    run.case("kill -9 during an acks=all produce loop: acknowledged records survive", kill9_during_produce, broker)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
