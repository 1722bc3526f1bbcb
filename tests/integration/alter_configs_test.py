#!/usr/bin/python3
"""AlterConfigs (33) and IncrementalAlterConfigs (44) on topics against a real runneld.

Every change is read back with confluent-kafka's describe_configs (DescribeConfigs v1): value and
source, DYNAMIC_TOPIC_CONFIG (1) for an override, STATIC_BROKER_CONFIG (4) or DEFAULT_CONFIG (5)
once it is gone.
- kafka-python KafkaAdminClient.alter_configs (AlterConfigs v1) replaces a topic's overrides:
  keys it leaves out revert; its describe_configs synonyms report the same sources.
- confluent-kafka AdminClient.alter_configs (librdkafka 2.0.2: AlterConfigs v0-1): a set of
  values, validate_only changes nothing, INVALID_CONFIG (bad value, unknown key) changes nothing,
  UNKNOWN_TOPIC_OR_PARTITION.
- Raw wire (wire.py): IncrementalAlterConfigs v0 and v1 (flexible) SET, DELETE, APPEND and
  SUBTRACT; the refusals (APPEND to a non-list, unknown operation, null value, repeated key,
  repeated resource, broker configs, unknown resource type, unknown topic, validate_only);
  AlterConfigs v2 (flexible).
- Behaviour without a restart: segment.bytes lowered makes new segments roll at the new size
  (.log files in the partition directory), max.message.bytes lowered refuses a larger batch
  with MESSAGE_TOO_LARGE until the override is deleted.
- A clean restart keeps every override with its source.

Usage: alter_configs_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import concurrent.futures
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wire  # noqa: E402
from harness import CheckFailed, check, check_equal  # noqa: E402

try:
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource as KpConfigResource
    from kafka.admin import ConfigResourceType
except ImportError as e:
    sys.exit(f"FATAL: cannot import the Kafka clients ({e}); install python3-confluent-kafka and python3-kafka "
             "(scripts/install-deps.sh --test) and run with /usr/bin/python3")

SEGMENT_BYTES = 1048576              # broker log.segment.bytes: STATIC_BROKER_CONFIG for every topic
DYNAMIC, STATIC, DEFAULT = 1, 4, 5   # ConfigSource ids
QUIET = {"log_level": 3}
KEYS = ("retention.ms", "segment.ms", "segment.bytes", "cleanup.policy", "max.message.bytes")
# What DescribeConfigs shows for a topic without overrides: (value, source).
DEFAULTS = {"retention.ms": ("604800000", DEFAULT), "segment.ms": ("604800000", DEFAULT),
            "segment.bytes": (str(SEGMENT_BYTES), STATIC), "cleanup.policy": ("delete", DEFAULT),
            "max.message.bytes": ("1048588", DEFAULT)}


_admins = {}


def admin(broker):
    """One AdminClient per bootstrap address, kept alive: a client destroyed while its futures are
    pending fails them with _DESTROY."""
    if broker.bootstrap not in _admins:
        _admins[broker.bootstrap] = AdminClient({"bootstrap.servers": broker.bootstrap, **QUIET})
    return _admins[broker.bootstrap]


def wait_future(future, what, timeout=20):
    try:
        return future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        raise CheckFailed(f"{what}: no result within {timeout}s")


def describe(broker, topic):
    """{key: (value, source)} of the KEYS of `topic`."""
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    try:
        configs = wait_future(admin(broker).describe_configs([res])[res], f"describe_configs({topic})")
    except KafkaException as e:
        raise CheckFailed(f"describe_configs({topic}): {e.args[0]}")
    source = lambda e: getattr(e.source, "value", e.source)  # ConfigSource enum (an int in some versions)
    return {k: (configs[k].value, source(configs[k])) for k in KEYS if k in configs}


def expect_configs(broker, topic, overrides, what):
    """DescribeConfigs shows `overrides` as DYNAMIC_TOPIC_CONFIG and every other key at its default."""
    want = {k: (overrides[k], DYNAMIC) if k in overrides else DEFAULTS[k] for k in KEYS}
    check_equal(describe(broker, topic), want, f"{topic}: (value, source) per config {what}")


def create_topics(broker, topics):
    """topics: {name: overrides}; one partition each."""
    fs = admin(broker).create_topics([NewTopic(n, num_partitions=1, replication_factor=1, config=c)
                                      for n, c in topics.items()], operation_timeout=20)
    for name, f in fs.items():
        try:
            wait_future(f, f"create_topics({name})")
        except KafkaException as e:
            raise CheckFailed(f"create_topics({name}): {e.args[0]}")
    for name, overrides in topics.items():
        expect_configs(broker, name, overrides, "after create_topics")


def confluent_alter(broker, topic, configs, validate_only=False):
    """The KafkaError code of AdminClient.alter_configs (NO_ERROR on success)."""
    res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config=configs)
    future = admin(broker).alter_configs([res], validate_only=validate_only)[res]
    try:
        wait_future(future, f"alter_configs({topic})")
        return KafkaError.NO_ERROR
    except KafkaException as e:
        return e.args[0].code()


class Raw:
    """Raw-wire requests on one connection."""

    def __init__(self, broker):
        self.broker = broker
        self.corr = 0

    def send(self, data, flexible, what):
        with wire.Conn(self.broker.port) as c:
            self.corr += 1
            try:
                got, body = c.roundtrip(data(self.corr), timeout=15)
            except (wire.Closed, TimeoutError) as e:
                raise CheckFailed(f"{what}: no answer ({e})")
            check_equal(got, self.corr, f"{what}: correlation id")
            return wire.parse_alter_configs_response(body, flexible)

    def incremental(self, version, resources, validate_only=False):
        """[(error, message, type, name)] of IncrementalAlterConfigs."""
        return self.send(lambda corr: wire.incremental_alter_configs_request(version, corr, resources, validate_only),
                         version >= 1, f"IncrementalAlterConfigs v{version}")

    def alter(self, version, resources, validate_only=False):
        return self.send(lambda corr: wire.alter_configs_request(version, corr, resources, validate_only),
                         version >= 2, f"AlterConfigs v{version}")

    def incremental_ok(self, version, topic, ops):
        got = self.incremental(version, [(wire.RESOURCE_TOPIC, topic, ops)])
        check_equal(got, [(wire.NONE, None, wire.RESOURCE_TOPIC, topic)], f"IncrementalAlterConfigs v{version} {ops}")

    def produce(self, topic, records):
        """The error code of a Produce v3 of `records` (one batch) to partition 0."""
        with wire.Conn(self.broker.port) as c:
            self.corr += 1
            got, body = c.roundtrip(wire.produce_request(3, self.corr, topic, 0, records), timeout=15)
            check_equal(got, self.corr, "Produce v3: correlation id")
            return wire.parse_produce_response(body, 3)[0][2]


# --- the cases ---------------------------------------------------------------------------------------

def setup(broker):
    replace = {"segment.bytes": "65536", "cleanup.policy": "compact", "retention.ms": "1000"}
    create_topics(broker, {"it-replace": replace,
                           "it-confluent": {}, "it-incremental": {}, "it-behaviour": {}})


def kafka_python_replace(broker):
    client = KafkaAdminClient(bootstrap_servers=[broker.bootstrap], client_id="runnel-it-alter")
    try:
        res = KpConfigResource(ConfigResourceType.TOPIC, "it-replace",
                               configs={"retention.ms": "3600000", "segment.ms": "600000"})
        response = client.alter_configs([res])
        check_equal([tuple(r) for r in response.resources], [(0, None, 2, "it-replace")],
                    "alter_configs: (error, message, type, name) per resource")
        expect_configs(broker, "it-replace", {"retention.ms": "3600000", "segment.ms": "600000"},
                       "after kafka-python alter_configs (the other overrides reverted)")
        # kafka-python decodes DescribeConfigs v1's source byte as is_default; its synonyms carry it.
        described = client.describe_configs([KpConfigResource(ConfigResourceType.TOPIC, "it-replace")],
                                            include_synonyms=True)
        entries = {e[0]: e for r in described[0].resources for e in r[4]}
        got = {k: (entries[k][1], entries[k][5][0][2]) for k in ("retention.ms", "cleanup.policy", "segment.bytes")}
        check_equal(got, {"retention.ms": ("3600000", DYNAMIC), "cleanup.policy": ("delete", DEFAULT),
                          "segment.bytes": (str(SEGMENT_BYTES), STATIC)},
                    "kafka-python describe_configs: (value, synonym source)")
    finally:
        client.close()


def confluent_set(broker):
    configs = {"cleanup.policy": "compact", "retention.ms": "7200000", "max.message.bytes": "500000"}
    check_equal(confluent_alter(broker, "it-confluent", configs), KafkaError.NO_ERROR, "alter_configs: error")
    expect_configs(broker, "it-confluent", configs, "after confluent-kafka alter_configs")
    configs = {"retention.ms": "60000"}
    check_equal(confluent_alter(broker, "it-confluent", configs), KafkaError.NO_ERROR, "alter_configs again: error")
    expect_configs(broker, "it-confluent", configs, "after a second alter_configs (earlier overrides reverted)")


def confluent_refusals(broker):
    before = describe(broker, "it-confluent")
    check_equal(confluent_alter(broker, "it-confluent", {"segment.ms": "100"}, validate_only=True),
                KafkaError.NO_ERROR, "alter_configs validate_only: error")
    for configs in ({"retention.ms": "1", "segment.bytes": "12"}, {"no.such.config": "1"},
                    {"cleanup.policy": "delete,shred"}, {"segment.ms": "soon"}):
        check_equal(confluent_alter(broker, "it-confluent", configs), KafkaError.INVALID_CONFIG,
                    f"alter_configs {configs}: error (40 = INVALID_CONFIG)")
    check_equal(describe(broker, "it-confluent"), before, "it-confluent after validate_only and refused changes")
    check_equal(confluent_alter(broker, "it-never-created", {"retention.ms": "1"}), KafkaError.UNKNOWN_TOPIC_OR_PART,
                "alter_configs of an unknown topic: error (3 = UNKNOWN_TOPIC_OR_PARTITION)")


def incremental_operations(broker):
    raw = Raw(broker)
    t = "it-incremental"
    raw.incremental_ok(1, t, [("retention.ms", wire.OP_SET, "1234"), ("segment.ms", wire.OP_SET, "99999"),
                              ("cleanup.policy", wire.OP_APPEND, "compact")])
    expect_configs(broker, t, {"retention.ms": "1234", "segment.ms": "99999", "cleanup.policy": "delete,compact"},
                   "after IncrementalAlterConfigs v1 SET, SET, APPEND")
    raw.incremental_ok(0, t, [("segment.ms", wire.OP_DELETE, None), ("cleanup.policy", wire.OP_SUBTRACT, "delete")])
    expect_configs(broker, t, {"retention.ms": "1234", "cleanup.policy": "compact"},
                   "after IncrementalAlterConfigs v0 DELETE, SUBTRACT")


def incremental_refusals(broker):
    raw = Raw(broker)
    t = "it-incremental"
    before = describe(broker, t)
    T, B = wire.RESOURCE_TOPIC, wire.RESOURCE_BROKER
    cases = [  # one resource per request: (resource, error, message)
        ((T, t, [("segment.bytes", wire.OP_APPEND, "1")]), wire.INVALID_CONFIG,
         "cannot APPEND to segment.bytes: it is not a list"),
        ((T, t, [("cleanup.policy", wire.OP_APPEND, "shred")]), wire.INVALID_CONFIG,
         "invalid value for cleanup.policy: 'compact,shred' (unknown item 'shred')"),
        ((T, t, [("retention.ms", 7, "1")]), wire.INVALID_REQUEST, "unknown config operation 7"),
        ((T, t, [("retention.ms", wire.OP_SET, None)]), wire.INVALID_REQUEST,
         "null value not supported for: retention.ms"),
        ((T, t, [("retention.ms", wire.OP_SET, "1"), ("retention.ms", wire.OP_DELETE, None)]), wire.INVALID_REQUEST,
         "config retention.ms is given more than once"),
        ((T, "it-never-created", [("retention.ms", wire.OP_SET, "1")]), wire.UNKNOWN_TOPIC_OR_PARTITION,
         "topic 'it-never-created' does not exist"),
        ((T, "", [("retention.ms", wire.OP_SET, "1")]), wire.INVALID_REQUEST,
         "default topic resources are not allowed"),
        ((B, "0", [("log.retention.ms", wire.OP_SET, "1")]), wire.INVALID_REQUEST,
         "broker configs cannot be changed at run time: log.retention.ms"),
        ((B, "7", []), wire.INVALID_REQUEST, "this is broker 0, not 7"),
        ((B, "", []), wire.NONE, None),
        ((99, "x", []), wire.INVALID_REQUEST, "unsupported resource type 99"),
    ]
    for version in (0, 1):
        for resource, error, message in cases:
            check_equal(raw.incremental(version, [resource]), [(error, message, resource[0], resource[1])],
                        f"IncrementalAlterConfigs v{version} {resource}: (error, message, type, name)")
    twice = (T, t, [("retention.ms", wire.OP_SET, "1")])
    check_equal(raw.incremental(1, [twice, (T, "it-behaviour", []), twice]),
                [(wire.INVALID_REQUEST, "each resource must appear at most once", T, t),
                 (wire.NONE, None, T, "it-behaviour"),
                 (wire.INVALID_REQUEST, "each resource must appear at most once", T, t)],
                "IncrementalAlterConfigs naming a resource twice")
    got = raw.incremental(0, [(T, t, [("retention.ms", wire.OP_SET, "5"), ("segment.ms", wire.OP_SET, "5")])],
                          validate_only=True)
    check_equal(got, [(wire.NONE, None, T, t)], "IncrementalAlterConfigs v0 validate_only")
    check_equal(describe(broker, t), before, f"{t} after refused and validate_only changes")


def alter_configs_v2(broker):
    raw = Raw(broker)
    got = raw.alter(2, [(wire.RESOURCE_TOPIC, "it-confluent", [("segment.ms", "3600000")]),
                        (wire.RESOURCE_TOPIC, "it-confluent-2", [("segment.ms", "1")]),
                        (wire.RESOURCE_TOPIC, "it-incremental", [("segment.ms", None)])])
    check_equal(got, [(wire.NONE, None, 2, "it-confluent"),
                      (wire.UNKNOWN_TOPIC_OR_PARTITION, "topic 'it-confluent-2' does not exist", 2, "it-confluent-2"),
                      (wire.INVALID_REQUEST, "null value not supported for: segment.ms", 2, "it-incremental")],
                "AlterConfigs v2 (flexible): per resource")
    expect_configs(broker, "it-confluent", {"segment.ms": "3600000"}, "after AlterConfigs v2")


def segments_roll_at_new_size(broker, kcat):
    raw = Raw(broker)
    t = "it-behaviour"
    batch = lambda i: wire.record_batch([(f"k{i}".encode(), bytes([65 + i % 26]) * 1000, [])], harness.now_ms())
    for i in range(5):
        check_equal(raw.produce(t, batch(i)), wire.NONE, f"Produce batch {i} at the default segment.bytes")
    check_equal(len(broker.segment_files(t, 0)), 1, f"{t}-0: .log files at segment.bytes {SEGMENT_BYTES}")
    segment_bytes = 4096
    raw.incremental_ok(1, t, [("segment.bytes", wire.OP_SET, str(segment_bytes))])
    per_segment = segment_bytes // len(batch(0))
    for i in range(5, 15):
        check_equal(raw.produce(t, batch(i)), wire.NONE, f"Produce batch {i} at segment.bytes {segment_bytes}")
    # The active segment is over 4096 bytes already: the first new batch rolls.
    want = 1 + -(-10 // per_segment)
    check_equal(len(broker.segment_files(t, 0)), want,
                f"{t}-0: .log files after 10 more batches of {len(batch(0))} bytes at segment.bytes {segment_bytes}")
    records = harness.Kcat(kcat, broker.bootstrap).consume(t, partition=0)
    check_equal([r["offset"] for r in records], list(range(15)), f"{t}-0: offsets read back across the segments")


def max_message_bytes_applies(broker):
    raw = Raw(broker)
    t = "it-behaviour"
    big = wire.record_batch([(b"big", b"x" * 2000, [])], harness.now_ms())
    raw.incremental_ok(1, t, [("max.message.bytes", wire.OP_SET, "1024")])
    check_equal(raw.produce(t, big), wire.MESSAGE_TOO_LARGE, f"Produce of {len(big)} bytes at max.message.bytes 1024")
    raw.incremental_ok(0, t, [("max.message.bytes", wire.OP_DELETE, None)])
    check_equal(raw.produce(t, big), wire.NONE, f"Produce of {len(big)} bytes once max.message.bytes is deleted")
    expect_configs(broker, t, {"segment.bytes": "4096"}, "after the behaviour cases")


def survives_restart(broker):
    before = {t: describe(broker, t) for t in ("it-replace", "it-confluent", "it-incremental", "it-behaviour")}
    check(before["it-incremental"]["retention.ms"] == ("1234", DYNAMIC), f"it-incremental before: {before}")
    broker.restart()
    for t, want in before.items():
        check_equal(describe(broker, t), want, f"{t}: (value, source) per config after a clean restart")


def main():
    args = harness.parse_args()
    run = harness.TestRun("alter_configs_test", time_limit=100)
    broker = run.case("start runneld", harness.Broker(args.runneld, {"log.segment.bytes": str(SEGMENT_BYTES)}).start,
                      critical=True)
    run.case("create topics with and without overrides", setup, broker, critical=True)
    run.case("kafka-python alter_configs replaces a topic's overrides", kafka_python_replace, broker)
    run.case("confluent-kafka alter_configs sets overrides, keys left out revert", confluent_set, broker)
    run.case("confluent-kafka alter_configs: validate_only, INVALID_CONFIG, unknown topic change nothing",
             confluent_refusals, broker)
    run.case("IncrementalAlterConfigs v1 and v0: SET, DELETE, APPEND, SUBTRACT", incremental_operations, broker)
    run.case("IncrementalAlterConfigs refusals and validate_only change nothing", incremental_refusals, broker)
    run.case("AlterConfigs v2 (flexible)", alter_configs_v2, broker)
    run.case("segment.bytes lowered at run time: new segments roll at the new size", segments_roll_at_new_size, broker,
             args.kcat)
    run.case("max.message.bytes lowered at run time refuses a larger batch", max_message_bytes_applies, broker)
    run.case("a clean restart keeps every override", survives_restart, broker)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
