#!/usr/bin/python3
"""kafka-python 2.0.2 (with python3-snappy, python3-lz4, python3-zstandard) against a real runneld.

kafka-python picks its request versions from the broker version it infers from ApiVersions v0
(kafka-compat.md §0.2, §1.2 rule 6); the test prints it and needs >= 0.11 (magic 2) and >= 2.1
(zstd). Then:
- KafkaAdminClient: create_topics, TopicAlreadyExistsError, list_topics, delete_topics and
  UnknownTopicOrPartitionError for an unknown topic.
- KafkaProducer per compression_type (None, gzip, snappy, lz4, zstd): keyed records with headers
  (duplicates, empty, binary), explicit timestamps, explicit partitions and the default murmur2
  partitioner; RecordMetadata gives partition/offset.
- KafkaConsumer with assign + seek_to_beginning: exact key/value/headers/partition/offset/
  timestamp; beginning_offsets / end_offsets; dump-log shows the codec and the same records
  (kafka-python writes xerial-framed snappy: the stored batch must decode too).

Usage: kafka_python_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import logging
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CODECS, CheckFailed, check, check_equal  # noqa: E402

try:
    import kafka
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError
    import kafka.codec as kafka_codec
except ImportError as e:
    sys.exit(f"FATAL: cannot import kafka ({e}); install python3-kafka (scripts/install-deps.sh --test) "
             "and run with /usr/bin/python3")

PARTITIONS = 3
COMMON = {"api_version_auto_timeout_ms": 10000, "request_timeout_ms": 20000}


def topic_of(codec):
    return f"kp-{codec}"


def check_codec_modules():
    modules = (("python3-snappy", kafka_codec.has_snappy()), ("python3-lz4", kafka_codec.has_lz4()),
               ("python3-zstandard", kafka_codec.has_zstd()))
    missing = [name for name, ok in modules if not ok]
    check(not missing, f"kafka-python cannot compress with every codec; missing modules: {missing}")


def admin_client(broker):
    return KafkaAdminClient(bootstrap_servers=[broker.bootstrap], client_id="runnel-it-admin", **COMMON)


def admin_create(broker):
    a = admin_client(broker)
    try:
        names = [topic_of(c) for c in CODECS] + ["kp-scratch"]
        a.create_topics([NewTopic(n, num_partitions=PARTITIONS, replication_factor=1) for n in names])
        try:
            a.create_topics([NewTopic(topic_of("gzip"), num_partitions=1, replication_factor=1)])
        except TopicAlreadyExistsError:
            pass
        else:
            raise CheckFailed("create_topics of an existing topic raised nothing; expected TopicAlreadyExistsError")
        harness.wait_until(lambda: set(names) <= set(a.list_topics()), 15, f"{names} in list_topics()")
        described = {t["topic"]: t for t in a.describe_topics(names)}
        for n in names:
            t = described.get(n)
            check(t is not None and t["error_code"] == 0, f"describe_topics({n}): {t}")
            check_equal(sorted((p["partition"], p["leader"], p["error_code"]) for p in t["partitions"]),
                        [(p, 0, 0) for p in range(PARTITIONS)], f"describe_topics({n}): (partition, leader, error)")
    finally:
        a.close()


def admin_delete(broker):
    a = admin_client(broker)
    try:
        a.delete_topics(["kp-scratch"])
        harness.wait_until(lambda: "kp-scratch" not in a.list_topics(), 15, "kp-scratch gone from list_topics()")
        try:
            a.delete_topics(["kp-never-created"])
        except UnknownTopicOrPartitionError:
            pass
        else:
            raise CheckFailed("delete_topics of an unknown topic raised nothing; expected UnknownTopicOrPartitionError")
    finally:
        a.close()


def plan_records(codec, base_ts):
    records = []
    for i in range(40):
        key = f"key-{codec}-{i}".encode()
        value = harness.compressible_value(f"kp-{codec}", i).encode()
        # kafka-python's send() takes bytes header values only (no null).
        headers = [("codec", codec.encode()), ("seq", str(i).encode()), ("dup", b"1"), ("dup", b"2"),
                   ("empty", b""), ("bin", bytes([0, 255, 10]))]
        partition = i % PARTITIONS if i < 20 else None   # the rest through the default (murmur2) partitioner
        records.append([key, value, headers, partition, base_ts + 7 * i])
    records[2][0] = None                                  # null key, explicit partition
    records[5][1] = None                                  # null value
    records[8][1] = bytes(range(256)) * 3                 # binary value
    records[11][2] = []                                   # no headers
    return [tuple(r) for r in records]


def produce_codec(broker, codec, state):
    topic = topic_of(codec)
    compression = None if codec == "none" else codec
    try:
        producer = KafkaProducer(bootstrap_servers=[broker.bootstrap], compression_type=compression, acks="all",
                                 linger_ms=100, max_block_ms=20000, **COMMON)
    except AssertionError as e:
        raise CheckFailed(f"KafkaProducer refused compression_type={compression}: {e}")
    try:
        version = producer.config["api_version"]
        print(f"   kafka-python inferred broker version {version}", flush=True)
        check(version >= (0, 11), f"kafka-python inferred broker version {version} < 0.11: it would send magic 0/1")
        plan = plan_records(codec, harness.now_ms() - 30_000)
        futures = []
        for key, value, headers, partition, ts in plan:
            futures.append(producer.send(topic, key=key, value=value, headers=headers, partition=partition,
                                         timestamp_ms=ts))
        producer.flush(timeout=30)
        metas = [f.get(timeout=30) for f in futures]
    finally:
        producer.close(timeout=10)
    expected = {q: [] for q in range(PARTITIONS)}
    for key, value, headers, partition, ts in plan:
        q = partition if partition is not None else harness.java_partition(key, PARTITIONS)
        expected[q].append({"topic": topic, "partition": q, "offset": len(expected[q]), "timestamp": ts,
                            "key": key, "value": value, "headers": headers})
    flat = [r for rs in expected.values() for r in rs]
    # RecordMetadata in send order must say where each record went.
    order = []
    seen = {q: 0 for q in range(PARTITIONS)}
    for key, value, headers, partition, ts in plan:
        q = partition if partition is not None else harness.java_partition(key, PARTITIONS)
        order.append((topic, q, seen[q]))
        seen[q] += 1
    check_equal([(m.topic, m.partition, m.offset) for m in metas], order,
                f"{topic}: RecordMetadata (topic, partition, offset) in send order")
    state[codec] = harness.sorted_records(flat)


def record_of(r):
    return {"topic": r.topic, "partition": r.partition, "offset": r.offset,
            "timestamp": r.timestamp if r.timestamp_type == 0 else ("not CreateTime", r.timestamp_type, r.timestamp),
            "key": r.key, "value": r.value, "headers": list(r.headers or [])}


def consume_codec(broker, codec, state):
    topic = topic_of(codec)
    want = state[codec]
    consumer = KafkaConsumer(bootstrap_servers=[broker.bootstrap], group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", fetch_max_wait_ms=200, **COMMON)
    try:
        tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        counts = {p: sum(1 for r in want if r["partition"] == p) for p in range(PARTITIONS)}
        check_equal({tp.partition: o for tp, o in consumer.beginning_offsets(tps).items()},
                    {p: 0 for p in range(PARTITIONS)}, f"{topic}: beginning_offsets")
        check_equal({tp.partition: o for tp, o in consumer.end_offsets(tps).items()}, counts, f"{topic}: end_offsets")
        got = []
        deadline = time.monotonic() + 30
        while len(got) < len(want) and time.monotonic() < deadline:
            for _tp, records in consumer.poll(timeout_ms=500).items():
                got += [record_of(r) for r in records]
        # Anything beyond the expected records would show up now.
        for _tp, records in consumer.poll(timeout_ms=500).items():
            got += [record_of(r) for r in records]
    finally:
        consumer.close()
    check_equal(harness.sorted_records(got), want, f"{topic}: records read with assign + seek_to_beginning")


def stored_codec(runnel, broker, codec, state):
    topic = topic_of(codec)
    stored = harness.check_codec(runnel, broker, topic, range(PARTITIONS), codec)
    on_disk = []
    for p, batches in stored.items():
        on_disk += harness.stored_records(batches, topic, p)
    check_equal(harness.sorted_records(on_disk), state[codec], f"{topic}: records in the segments (dump-log)")


def main():
    args = harness.parse_args()
    logging.basicConfig(level=logging.ERROR, stream=sys.stdout, format="   kafka-python %(levelname)s %(message)s")
    # Closing a consumer cancels its long-poll fetch, which the fetcher logs as an ERROR.
    logging.getLogger("kafka.consumer.fetcher").setLevel(logging.CRITICAL)
    run = harness.TestRun("kafka_python_test", time_limit=100)
    print(f"   kafka-python {kafka.__version__}", flush=True)
    run.case("kafka-python has snappy, lz4 and zstd modules", check_codec_modules)
    broker = run.case("start runneld", harness.Broker(args.runneld).start, critical=True)
    run.case("KafkaAdminClient.create_topics, TopicAlreadyExistsError, list/describe_topics", admin_create, broker,
             critical=True)
    state = {}
    for codec in CODECS:
        run.case(f"KafkaProducer compression_type={codec}: keys, headers, timestamps, partitions", produce_codec,
                 broker, codec, state)
    for codec in CODECS:
        if codec in state:
            run.case(f"KafkaConsumer assign + seek_to_beginning reads {topic_of(codec)} exactly", consume_codec,
                     broker, codec, state)
    for codec in CODECS:
        if codec in state:
            run.case(f"dump-log: {topic_of(codec)} stored as {codec}, same records", stored_codec, args.runnel, broker,
                     codec, state)
    run.case("KafkaAdminClient.delete_topics (and of an unknown topic)", admin_delete, broker)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
