#!/usr/bin/python3
"""DeleteRecords (21) against a real runneld, through `runnel topic delete-records` (librdkafka's
DeleteRecords Admin call) and raw requests, checked with independent clients.

- A topic of small segments (segment.bytes=1024) gets keyed records from confluent-kafka; the CLI
  deletes partition 0 below an offset inside a segment and prints the new low watermark.
- Earliest offset = the new log start: confluent-kafka get_watermark_offsets and kafka-python
  beginning_offsets (ListOffsets); the other partition is untouched; segments wholly below the
  new start are gone from the partition directory.
- Consuming from the beginning (confluent-kafka) yields exactly the records from the new start
  on: keys, values, offsets. A fetch below it is OFFSET_OUT_OF_RANGE: kafka-python with
  auto_offset_reset none raises OffsetOutOfRangeError, confluent-kafka with auto.offset.reset=error
  reports _AUTO_OFFSET_RESET.
- The log start survives a clean restart (SIGTERM) and a kill -9 right after the CLI answered.
- --before -1 deletes up to the high watermark; later records start there.
- Refusals, one line from the CLI: above the high watermark OFFSET_OUT_OF_RANGE; unknown topic and
  partition; __consumer_offsets TOPIC_EXCEPTION; cleanup.policy=compact POLICY_VIOLATION; bad
  arguments print the usage.
- Raw requests: v0 and v2 (flexible) answers, several partitions in one request.

Usage: delete_records_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wire  # noqa: E402
from harness import check, check_equal  # noqa: E402

try:
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KpTopicPartition
    from kafka.errors import OffsetOutOfRangeError
except ImportError as e:
    sys.exit(f"FATAL: cannot import the Kafka clients ({e}); install python3-confluent-kafka and python3-kafka "
             "(scripts/install-deps.sh --test) and run with /usr/bin/python3")

TOPIC, COMPACTED = "dr", "dr-compacted"
RECORDS = 200          # per partition
FIRST_CUT = 137        # inside a segment: segments wholly below it go, its own stays
SECOND_CUT = 151       # deleted just before a kill -9
QUIET = {"log_level": 3}  # librdkafka: errors only (refused connections during restarts are expected)


class Cli:
    def __init__(self, path, broker):
        self.path = path
        self.broker = broker

    def run(self, args, check_status=True, timeout=30):
        cmd = [self.path, "--brokers", self.broker.bootstrap, "--timeout", "5"] + list(args)
        return harness.run_command(cmd, timeout=timeout, check_status=check_status, what="runnel")

    def delete_records(self, topic, partition, before, output="text"):
        res = self.run(["--output", output, "topic", "delete-records", topic, "--partition", str(partition),
                        "--before", str(before)])
        return res.stdout.decode()

    def refused(self, args, needle):
        """The one stderr line of a failing command, which must contain `needle`."""
        res = self.run(args, check_status=False)
        err = res.stderr.decode("utf-8", "replace")
        check(res.returncode != 0, f"runnel {' '.join(args)}: exit status 0, expected a failure")
        check(needle in err, f"runnel {' '.join(args)}: stderr {err!r} lacks {needle!r}")
        return res.returncode, err


def watermarks(broker, partition):
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "runnel-it-watermarks", **QUIET})
    try:
        return c.get_watermark_offsets(TopicPartition(TOPIC, partition), timeout=10)
    finally:
        c.close()


def consume_from_beginning(broker, partition):
    """(offset, key, value) of every record of the partition from its earliest offset to the end (confluent-kafka)."""
    records, _ = harness.read_to_end(broker.bootstrap, TOPIC, start=OFFSET_BEGINNING)
    return [(o, k, v) for p, o, k, v in records if p == partition]


def produce(broker, partition, start, count):
    """Keyed records key-<i>/value-<i> to one partition in batches of 5; returns (offset, key, value)."""
    delivered, errors = [], []

    def report(err, msg):
        if err is not None:
            errors.append(err)
        else:
            delivered.append((msg.offset(), msg.key(), msg.value()))
    p = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 5,
                  "batch.num.messages": 5, **QUIET})
    for i in range(start, start + count):
        p.produce(TOPIC, key=b"key-%04d" % i, value=b"value-%04d-" % i + b"x" * 40, partition=partition,
                  on_delivery=report)
        if i % 5 == 4:
            p.flush(10)
    check_equal(p.flush(20), 0, "records still undelivered after flush")
    check_equal(errors, [], "delivery errors")
    return sorted(delivered)


def setup(cli, state):
    cli.run(["topic", "create", TOPIC, "--partitions", "2", "--config", "segment.bytes=1024"])
    cli.run(["topic", "create", COMPACTED, "--partitions", "1", "--config", "cleanup.policy=compact"])
    for p in (0, 1):
        state[p] = produce(cli.broker, p, 0, RECORDS)
        check_equal([o for o, _, _ in state[p]], list(range(RECORDS)), f"offsets of partition {p}")
    check(len(cli.broker.segment_files(TOPIC, 0)) > 5, "partition 0 should span several segments")


def base_offsets(broker, partition):
    return [int(os.path.basename(f)[:-4]) for f in broker.segment_files(TOPIC, partition)]


def delete_below(cli, state):
    before = base_offsets(cli.broker, 0)
    out = cli.delete_records(TOPIC, 0, FIRST_CUT)
    check_equal(out, f"topic: {TOPIC} partition: 0 low-watermark: {FIRST_CUT}\n", "delete-records output")
    after = base_offsets(cli.broker, 0)
    check(len(after) < len(before), f"no segment was deleted: {before} -> {after}")
    check(after[0] <= FIRST_CUT < (after[1] if len(after) > 1 else RECORDS + 1),
          f"the first kept segment should hold offset {FIRST_CUT}: bases {after}")


def earliest_offsets(cli, state, start=FIRST_CUT):
    check_equal(watermarks(cli.broker, 0), (start, RECORDS), "confluent-kafka watermarks of partition 0")
    check_equal(watermarks(cli.broker, 1), (0, RECORDS), "confluent-kafka watermarks of partition 1 (untouched)")
    kp = KafkaConsumer(bootstrap_servers=cli.broker.bootstrap, api_version_auto_timeout_ms=10000)
    try:
        tps = [KpTopicPartition(TOPIC, 0), KpTopicPartition(TOPIC, 1)]
        check_equal(kp.beginning_offsets(tps), {tps[0]: start, tps[1]: 0}, "kafka-python beginning_offsets")
        check_equal(kp.end_offsets(tps), {tps[0]: RECORDS, tps[1]: RECORDS}, "kafka-python end_offsets")
    finally:
        kp.close()


def consume_rest(cli, state, start=FIRST_CUT):
    check_equal(consume_from_beginning(cli.broker, 0), state[0][start:], f"records of partition 0 from {start}")


def fetch_below(cli, state, start=FIRST_CUT):
    kp = KafkaConsumer(bootstrap_servers=cli.broker.bootstrap, auto_offset_reset="none", enable_auto_commit=False,
                       api_version_auto_timeout_ms=10000, consumer_timeout_ms=10000)
    try:
        tp = KpTopicPartition(TOPIC, 0)
        kp.assign([tp])
        kp.seek(tp, start - 1)
        deadline = time.monotonic() + 15
        while True:
            try:
                polled = kp.poll(timeout_ms=500)
            except OffsetOutOfRangeError as e:
                check_equal(e.args[0], {tp: start - 1}, "kafka-python OffsetOutOfRangeError partitions")
                break
            check(not polled, f"kafka-python read below the log start: {polled}")
            check(time.monotonic() < deadline, "kafka-python: no OffsetOutOfRangeError within 15s")
    finally:
        kp.close()

    c = Consumer({"bootstrap.servers": cli.broker.bootstrap, "group.id": "runnel-it-assign-only",
                  "enable.auto.commit": False, "auto.offset.reset": "error", **QUIET})
    try:
        c.assign([TopicPartition(TOPIC, 0, 3)])
        deadline = time.monotonic() + 15
        while True:
            msg = c.poll(0.5)
            check(time.monotonic() < deadline, "confluent-kafka: no offset reset error within 15s")
            if msg is None:
                continue
            check(msg.error() is not None, f"confluent-kafka read offset {msg.offset()} below the log start")
            check_equal(msg.error().code(), KafkaError._AUTO_OFFSET_RESET, f"confluent-kafka error {msg.error()}")
            check("Offset out of range" in msg.error().str(), f"confluent-kafka error {msg.error().str()!r}")
            break
    finally:
        c.close()


def after_restart(cli, state):
    cli.broker.restart()
    earliest_offsets(cli, state)
    consume_rest(cli, state)


def after_kill9(cli, state):
    out = cli.delete_records(TOPIC, 0, SECOND_CUT, output="json")
    check_equal(out, f'{{"topic":"{TOPIC}","partition":0,"lowWatermark":{SECOND_CUT}}}\n', "delete-records JSON")
    cli.broker.restart(kill=True)
    earliest_offsets(cli, state, SECOND_CUT)
    consume_rest(cli, state, SECOND_CUT)
    fetch_below(cli, state, SECOND_CUT)


def to_high_watermark(cli, state):
    out = cli.delete_records(TOPIC, 1, -1)
    check_equal(out, f"topic: {TOPIC} partition: 1 low-watermark: {RECORDS}\n", "delete-records --before -1")
    check_equal(watermarks(cli.broker, 1), (RECORDS, RECORDS), "watermarks of partition 1")
    check_equal(consume_from_beginning(cli.broker, 1), [], "records of partition 1 after deleting them all")
    more = produce(cli.broker, 1, RECORDS, 7)
    check_equal([o for o, _, _ in more], list(range(RECORDS, RECORDS + 7)), "offsets after the deletion")
    check_equal(consume_from_beginning(cli.broker, 1), more, "records of partition 1 produced afterwards")
    check_equal(watermarks(cli.broker, 1), (RECORDS, RECORDS + 7), "watermarks of partition 1 at the end")


def refusals(cli, state):
    dr = ["topic", "delete-records"]
    _, err = cli.refused(dr + [TOPIC, "--partition", "0", "--before", "100000"], "OFFSET_OUT_OF_RANGE")
    check_equal(err, f"runnel topic delete-records: delete records of {TOPIC} partition 0 before offset 100000: "
                     "OFFSET_OUT_OF_RANGE (Broker: Offset out of range)\n", "stderr above the high watermark")
    _, err = cli.refused(dr + ["no-such-topic", "--partition", "0", "--before", "1"], "no-such-topic")
    check_equal(err.count("\n"), 1, f"one line for an unknown topic: {err!r}")
    _, err = cli.refused(dr + [TOPIC, "--partition", "5", "--before", "1"], "--partition 5")
    check_equal(err.count("\n"), 1, f"one line for an unknown partition: {err!r}")
    cli.refused(dr + ["__consumer_offsets", "--partition", "0", "--before", "0"], "TOPIC_EXCEPTION")
    cli.refused(dr + [COMPACTED, "--partition", "0", "--before", "0"], "POLICY_VIOLATION")
    for args in ([TOPIC, "--partition", "0"], [TOPIC, "--before", "1"], [TOPIC, "--partition", "0", "--before", "-2"],
                 [TOPIC, "--partition", "zero", "--before", "1"]):
        code, err = cli.refused(dr + args, "Usage: runnel topic delete-records")
        check(code != 1, f"bad arguments {args}: CLI11's exit status expected, got {code}")
    check_equal(watermarks(cli.broker, 0), (SECOND_CUT, RECORDS), "watermarks after the refusals")


def raw_requests(cli, state):
    with wire.Conn(cli.broker.port) as c:
        req = wire.delete_records_request(0, 1, [(TOPIC, [(0, SECOND_CUT + 1), (1, 0), (7, 0)]),
                                                 ("no-such-topic", [(0, 0)])])
        corr, body = c.roundtrip(req)
        check_equal(corr, 1, "v0 correlation id")
        check_equal(wire.parse_delete_records_response(body, 0),
                    {(TOPIC, 0): (0, SECOND_CUT + 1), (TOPIC, 1): (0, RECORDS), (TOPIC, 7): (3, -1),
                     ("no-such-topic", 0): (3, -1)}, "v0 answer")
        req = wire.delete_records_request(2, 2, [(TOPIC, [(0, SECOND_CUT + 2), (1, -1)]), (COMPACTED, [(0, 0)])])
        corr, body = c.roundtrip(req)
        check_equal(corr, 2, "v2 correlation id")
        check_equal(wire.parse_delete_records_response(body, 2),
                    {(TOPIC, 0): (0, SECOND_CUT + 2), (TOPIC, 1): (0, RECORDS + 7), (COMPACTED, 0): (44, -1)},
                    "v2 (flexible) answer")
    check_equal(watermarks(cli.broker, 0), (SECOND_CUT + 2, RECORDS), "watermarks after the raw requests")


def main():
    args = harness.parse_args()
    run = harness.TestRun("delete_records_test", time_limit=100)
    broker = run.case("start runneld", harness.Broker(args.runneld).start, critical=True)
    cli = Cli(args.runnel, broker)
    state = {}
    run.case(f"{RECORDS} keyed records per partition across small segments (confluent-kafka)", setup, cli, state,
             critical=True)
    run.case(f"topic delete-records --before {FIRST_CUT}: low watermark printed, segments below deleted",
             delete_below, cli, state, critical=True)
    run.case("earliest offset is the new start (confluent-kafka, kafka-python); partition 1 untouched",
             earliest_offsets, cli, state)
    run.case("consuming from the beginning yields exactly the records from the new start", consume_rest, cli, state)
    run.case("a fetch below the log start is OFFSET_OUT_OF_RANGE (kafka-python, confluent-kafka)",
             fetch_below, cli, state)
    run.case("a clean restart keeps the log start", after_restart, cli, state)
    run.case(f"kill -9 right after delete-records --before {SECOND_CUT} keeps the new log start",
             after_kill9, cli, state)
    run.case("--before -1 deletes up to the high watermark; new records follow", to_high_watermark, cli, state)
    run.case("refusals: above the high watermark, unknown topic/partition, __consumer_offsets, compacted, usage",
             refusals, cli, state)
    run.case("raw DeleteRecords v0 and v2 (flexible)", raw_requests, cli, state)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
