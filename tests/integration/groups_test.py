#!/usr/bin/python3
"""Consumer groups against a real runneld, with confluent-kafka (librdkafka 2.0.2) and kafka-python.

Each client on its own: three consumers of one group on a 6-partition topic split the partitions
(two each) and together read every record exactly once. With confluent-kafka: a member that leaves
(LeaveGroup) and a member that is killed (kill -9, session expiry) hand their partitions over and no
record is skipped; committed offsets survive a broker restart and a kill -9; a static member
(group.instance.id) that restarts gets its partitions back without a rebalance; a member whose
assignor name matches nobody's gets INCONSISTENT_GROUP_PROTOCOL; the group is described (state,
protocol, members, client host) and listed.

Usage: groups_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wire  # noqa: E402
from harness import check, check_equal  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

BROKER_OVERRIDES = {"group.initial.rebalance.delay.ms": "200", "group.min.session.timeout.ms": "1000",
                    "offsets.topic.num.partitions": "10"}
SESSION = {"session.timeout.ms": "3000", "heartbeat.interval.ms": "300"}


def create_topic(broker, topic, partitions):
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(10)


def check_same_set(got, want, what):
    """Compares sets, naming only the differences."""
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    check(not missing and not extra, f"{what}: missing {missing[:20]} ({len(missing)}), extra {extra[:20]} ({len(extra)})")


def produce(bootstrap, topic, keys, prefix):
    p = Producer({"bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": 5})
    for i, k in enumerate(keys):
        p.produce(topic, key=k.encode(), value=f"{prefix}-{i}".encode())
    check_equal(p.flush(15), 0, f"{topic}: undelivered records")
    return {f"{prefix}-{i}" for i in range(len(keys))}


class PollingMember:
    """A consumer polled by a thread: subclasses set self.consumer and implement poll_once()."""

    def __init__(self):
        self.records = []
        self.error = None
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def start(self):
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self.stop.is_set():
                self.poll_once()
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def values(self):
        with self.lock:
            return [r[2] for r in self.records]

    def close(self):
        self.stop.set()
        self.thread.join(10)
        self.consumer.close()


class LrkMember(PollingMember):
    """One confluent-kafka consumer in a thread: polls, records what it read, commits each record."""

    def __init__(self, bootstrap, group, topic, extra=None):
        conf = {"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                "enable.auto.commit": False, **SESSION, **(extra or {})}
        super().__init__()
        self.consumer = Consumer(conf)
        self.assignment = set()
        self.revokes = 0
        self.assigns = 0
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self.start()

    def _on_assign(self, consumer, partitions):
        with self.lock:
            self.assignment = {p.partition for p in partitions}
            self.assigns += 1

    def _on_revoke(self, consumer, partitions):
        with self.lock:
            self.assignment = set()
            self.revokes += 1

    def poll_once(self):
        m = self.consumer.poll(0.1)
        if m is None:
            return
        if m.error():
            if m.error().code() != KafkaError._PARTITION_EOF:
                self.error = m.error()
            return
        with self.lock:
            self.records.append((m.partition(), m.offset(), m.value().decode()))
        self.consumer.commit(message=m, asynchronous=False)

    def abandon(self):
        """Stops polling without leaving the group (a static member's restart)."""
        self.stop.set()
        self.thread.join(10)


def wait_split(members, partitions, what):
    """Waits until the members hold disjoint assignments covering every partition, evenly."""
    n = len(members)

    def split():
        sets = [m.assignment for m in members]
        return (sorted(p for s in sets for p in s) == list(range(partitions))
                and all(len(s) == partitions // n for s in sets))
    harness.wait_until(split, 30, what)


def wait_all_read(members, expected, what, timeout=30):
    harness.wait_until(lambda: set(v for m in members for v in m.values()) >= expected, timeout, what)


def check_exactly_once(members, expected, what):
    seen = [v for m in members for v in m.values()]
    check_equal(len(seen), len(set(seen)), f"{what}: records read twice")
    check_same_set(seen, expected, f"{what}: records read")


def lrk_split_leave_and_kill(broker, state):
    topic = "lrk-6"
    create_topic(broker, topic, 6)
    members = [LrkMember(broker.bootstrap, "lrk", topic) for _ in range(3)]
    state["members"] = members
    wait_split(members, 6, "three librdkafka members with two partitions each")
    first = produce(broker.bootstrap, topic, [f"k{i}" for i in range(600)], "a")
    wait_all_read(members, first, "600 records read by the group")
    check_exactly_once(members, first, "three members")
    for m in members:
        check_equal(len({r[0] for r in m.records}), 2, "partitions each member read from")
        check(m.error is None, f"member error: {m.error}")

    # A member leaves: the other two take its partitions from its committed offsets.
    members[2].close()
    survivors = members[:2]
    wait_split(survivors, 6, "two members with three partitions each after a LeaveGroup")
    before = [len(m.records) for m in survivors]
    second = produce(broker.bootstrap, topic, [f"k{i}" for i in range(300)], "b")
    wait_all_read(survivors, second, "300 more records read by the two members")
    new = [v for m, n in zip(survivors, before) for v in m.values()[n:]]
    check_equal(len(new), len(set(new)), "after the leave: records read twice")
    check_same_set(new, second, "after the leave: exactly the new records")
    state["expected"] = first | second
    state["survivors"] = survivors
    state["topic"] = topic


KILLED_MEMBER = r"""
import sys
from confluent_kafka import Consumer
c = Consumer({"bootstrap.servers": sys.argv[1], "group.id": "lrk", "auto.offset.reset": "earliest",
              "enable.auto.commit": False, "session.timeout.ms": "3000", "heartbeat.interval.ms": "300"})
c.subscribe([sys.argv[2]])
while True:
    m = c.poll(0.1)
    if m is None or m.error():
        continue
    print(m.value().decode(), flush=True)
    c.commit(message=m, asynchronous=False)
"""


def lrk_killed_member(broker, state):
    survivors, topic = state["survivors"], state["topic"]
    proc = subprocess.Popen(["/usr/bin/python3", "-c", KILLED_MEMBER, broker.bootstrap, topic],
                            stdout=subprocess.PIPE, text=True)
    try:
        harness.wait_until(lambda: sum(len(m.assignment) for m in survivors) == 4, 30,
                           "a third member takes two partitions")
        third = produce(broker.bootstrap, topic, [f"k{i}" for i in range(300)], "c")
        killed_read = []
        # Read some records in the third member, then kill it mid-stream.
        while len(killed_read) < 5:
            killed_read.append(proc.stdout.readline().strip())
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        killed_read += [line.strip() for line in proc.stdout.read().splitlines()]
    finally:
        if proc.poll() is None:
            proc.kill()
    wait_split(survivors, 6, "the killed member's partitions move to the others after its session expires")
    wait_all_read(survivors, third - set(killed_read), "every record the killed member did not read")
    everything = set(v for m in state["members"] for v in m.values()) | set(killed_read)
    check_same_set(everything, state["expected"] | third, "no record skipped after a kill -9 of a member")
    state["expected"] |= third


def committed_after_restart(broker, state):
    survivors, topic = state["survivors"], state["topic"]
    probe = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "lrk", "enable.auto.commit": False})
    tps = [TopicPartition(topic, p) for p in range(6)]
    highs = [probe.get_watermark_offsets(tp, 10)[1] for tp in tps]
    harness.wait_until(lambda: [tp.offset for tp in probe.committed(tps, 10)] == highs, 20,
                       "committed offsets reach the end of every partition")
    probe.close()
    for m in survivors:
        m.close()
    for kill in (False, True):
        broker.restart(kill=kill)
        probe = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "lrk", "enable.auto.commit": False})
        got = [tp.offset for tp in probe.committed(tps, 10)]
        probe.close()
        check_equal(got, highs, f"committed offsets after a {'kill -9' if kill else 'clean restart'}")


def read_offsets_topic(broker, state):
    """__consumer_offsets holds Kafka's layouts, as Burrow reads them: key v1 + value v3 per commit."""
    import struct
    topic = state["topic"]
    records, partitions = harness.read_to_end(broker.bootstrap, "__consumer_offsets")
    check(partitions == 10, f"__consumer_offsets partitions: {partitions}")
    latest, group_values = {}, 0
    for _, _, key, value in records:
        version = struct.unpack(">h", key[:2])[0]
        if version == 2:
            group_values += value is not None
            continue
        check(version == 1, f"offset commit key version {version}")
        glen = struct.unpack(">h", key[2:4])[0]
        group = key[4:4 + glen].decode()
        tlen = struct.unpack(">h", key[4 + glen:6 + glen])[0]
        t = key[6 + glen:6 + glen + tlen].decode()
        (partition,) = struct.unpack(">i", key[6 + glen + tlen:])
        check_equal(struct.unpack(">h", value[:2])[0], 3, "offset commit value version")
        (offset,) = struct.unpack(">q", value[2:10])
        latest[(group, t, partition)] = offset
    probe = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "lrk"})
    committed = {tp.partition: tp.offset for tp in probe.committed([TopicPartition(topic, p) for p in range(6)], 10)}
    probe.close()
    check_equal({p: latest.get(("lrk", topic, p)) for p in range(6)}, committed,
                "the newest commit record per partition equals the committed offset")
    check(group_values > 0, "group metadata records (key v2) are there too")
    with wire.Conn(broker.port) as conn:
        batch = wire.record_batch([(None, b"x", [])], int(time.time() * 1000))
        conn.send(wire.produce_request(3, 9, "__consumer_offsets", 0, batch))
        _, body = conn.recv_frame()
        check_equal(wire.parse_produce_response(body, 3)[0][2], 17, "produce to __consumer_offsets: INVALID_TOPIC_EXCEPTION")


def static_member(broker, state):
    topic = "static-2"
    create_topic(broker, topic, 2)
    dynamic = LrkMember(broker.bootstrap, "static-g", topic)
    static = LrkMember(broker.bootstrap, "static-g", topic, {"group.instance.id": "instance-1"})
    wait_split([dynamic, static], 2, "a dynamic and a static member with one partition each")
    held = set(static.assignment)
    harness.wait_until(lambda: dynamic.assigns >= 1 and static.assigns >= 1, 10, "both assigned")
    revokes, assigns = dynamic.revokes, dynamic.assigns
    static.abandon()
    static.consumer.close()  # librdkafka static members do not send LeaveGroup
    again = LrkMember(broker.bootstrap, "static-g", topic, {"group.instance.id": "instance-1"})
    harness.wait_until(lambda: again.assignment == held, 15, "the restarted static member gets its partition back")
    time.sleep(1.0)
    check_equal((dynamic.revokes, dynamic.assigns), (revokes, assigns),
                "the dynamic member saw no rebalance (revokes, assigns)")
    groups = {g.id: g for g in AdminClient({"bootstrap.servers": broker.bootstrap}).list_groups(timeout=10)}
    g = groups["static-g"]
    check_equal((g.state, g.protocol_type, g.protocol, len(g.members)), ("Stable", "consumer", "range", 2),
                "static-g described")
    check(all(m.client_host == "/127.0.0.1" for m in g.members), f"client hosts {[m.client_host for m in g.members]}")
    again.close()
    dynamic.close()


def inconsistent_protocol(broker, state):
    topic = "mixed"
    produce(broker.bootstrap, topic, ["x"], "m")
    member = LrkMember(broker.bootstrap, "mixed-g", topic)
    harness.wait_until(lambda: len(member.assignment) == 3, 20, "librdkafka member assigned")
    # A kafkajs-style member: its only assignor is "RoundRobinAssigner" (kafka-compat.md §4.4).
    with wire.Conn(broker.port) as conn:
        body = (wire.string("mixed-g") + wire.i32(10000) + wire.i32(10000) + wire.string("")
                + wire.string("consumer") + wire.array([wire.string("RoundRobinAssigner") + wire.nbytes(b"\0\0")]))
        conn.send(wire.request(11, 2, 7, body))
        correlation_id, response = conn.recv_frame(timeout=15)
        check_equal(correlation_id, 7, "JoinGroup correlation id")
        r = wire.Reader(response)
        r.i32()  # throttle
        check_equal(r.i16(), 23, "JoinGroup with an assignor nobody shares: INCONSISTENT_GROUP_PROTOCOL")
    member.close()


class KpyMember(PollingMember):
    def __init__(self, bootstrap, group, topic):
        from kafka import KafkaConsumer
        super().__init__()
        self.consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                                      auto_offset_reset="earliest", enable_auto_commit=False,
                                      session_timeout_ms=3000, heartbeat_interval_ms=300,
                                      api_version_auto_timeout_ms=10000)
        self.start()

    @property
    def assignment(self):
        return {tp.partition for tp in self.consumer.assignment()}

    def poll_once(self):
        batches = self.consumer.poll(timeout_ms=100)
        for tp, msgs in batches.items():
            with self.lock:
                self.records += [(m.partition, m.offset, m.value.decode()) for m in msgs]
        if batches:
            self.consumer.commit()


def kafka_python_split(broker, state):
    topic = "kpy-6"
    create_topic(broker, topic, 6)
    members = [KpyMember(broker.bootstrap, "kpy", topic) for _ in range(3)]
    try:
        wait_split(members, 6, "three kafka-python members with two partitions each")
        expected = produce(broker.bootstrap, topic, [f"k{i}" for i in range(600)], "p")
        wait_all_read(members, expected, "600 records read by the kafka-python group")
        check_exactly_once(members, expected, "three kafka-python members")
        check(all(m.error is None for m in members), f"errors {[m.error for m in members]}")
    finally:
        for m in members:
            m.close()


def main():
    args = harness.parse_args()
    run = harness.TestRun("groups_test", time_limit=100)
    broker = run.case("start runneld", harness.Broker(args.runneld, BROKER_OVERRIDES).start, critical=True)
    state = {}
    run.case("librdkafka: three members split six partitions, exactly once; one leaves", lrk_split_leave_and_kill,
             broker, state, critical=True)
    run.case("librdkafka: a member killed with kill -9 loses nothing", lrk_killed_member, broker, state)
    run.case("committed offsets survive a restart and a kill -9", committed_after_restart, broker, state)
    run.case("__consumer_offsets in Kafka's record layouts (Burrow), and closed to producers", read_offsets_topic,
             broker, state)
    run.case("static membership: a restarted instance rejoins without a rebalance", static_member, broker, state)
    run.case("INCONSISTENT_GROUP_PROTOCOL for an assignor nobody shares", inconsistent_protocol, broker, state)
    run.case("kafka-python: three members split six partitions, exactly once", kafka_python_split, broker, state)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
