#!/usr/bin/python3
"""Consumer groups in a three-broker ZooKeeper cluster (scripts/cluster.sh): coordinator failover.

A topic with replication factor 3 gets N records (acks=all). FindCoordinator creates
__consumer_offsets (offsets.topic.num.partitions=3, replication factor 3) and names the leader of
the group's partition. A confluent-kafka consumer of the group consumes part of the records and
commits them synchronously. The broker leading the group's __consumer_offsets partition is killed
with kill -9; after the ZooKeeper session timeout another broker leads that partition,
FindCoordinator names it and it answers the committed offsets. The consumer keeps consuming (records produced after the kill too) and
commits through the new coordinator; it closes, and a new consumer of the same group resumes exactly
after the last commit: the exact keys, values and offsets of every record not yet committed.

Usage: groups_cluster_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wire  # noqa: E402
from harness import check, check_equal, wait_until  # noqa: E402
from zk_cluster import Cluster  # noqa: E402

TOPIC = "orders"
PARTITIONS = 2
GROUP = "cluster-group"
OFFSETS_PARTITIONS = 3
SESSION_TIMEOUT_MS = 6000
RECORDS_BEFORE = 200   # produced before the kill
CONSUMED_FIRST = 120   # consumed and committed before the kill
RECORDS_AFTER = 60     # produced after the kill
OVERRIDES = [f"zookeeper.session.timeout.ms={SESSION_TIMEOUT_MS}", "replica.lag.time.max.ms=1500",
             "group.initial.rebalance.delay.ms=0", f"offsets.topic.num.partitions={OFFSETS_PARTITIONS}",
             "replica.fetch.wait.max.ms=100", "replica.fetch.backoff.ms=200", "num.partitions=1"]
NOT_COORDINATOR_ERRORS = (14, 15, 16)  # COORDINATOR_LOAD_IN_PROGRESS, _NOT_AVAILABLE, NOT_COORDINATOR


def java_hash(s):
    h = 0
    data = s.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i:i + 2], "big")) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def offsets_partition(group):
    h = java_hash(group)
    return (0 if h == -(1 << 31) else abs(h)) % OFFSETS_PARTITIONS


def find_coordinator(port, group):
    """FindCoordinator v0 from one broker: (error, node id)."""
    with wire.Conn(port) as c:
        _, body = c.roundtrip(wire.request(10, 0, 1, wire.string(group)))
    r = wire.Reader(body)
    error, node = r.i16(), r.i32()
    return error, node


def leaders_of(bootstrap, topic):
    """{partition: (leader, isr)} from confluent-kafka's Metadata."""
    from confluent_kafka.admin import AdminClient
    md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=10)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        return {}
    return {p.id: (p.leader, sorted(p.isrs)) for p in t.partitions.values()}


def produce(bootstrap, prefix, count):
    """acks=all records, returned as {partition: [(offset, key, value)]}."""
    from confluent_kafka import Producer
    acked, errors = [], []

    def report(err, msg):
        if err is not None:
            errors.append(str(err))
        else:
            acked.append((msg.partition(), msg.offset(), msg.key(), msg.value()))
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                  "message.timeout.ms": 60000})
    for i in range(count):
        p.produce(TOPIC, key=f"{prefix}-{i}".encode(), value=f"value {prefix} {i}".encode(),
                  partition=i % PARTITIONS, on_delivery=report)
        p.poll(0)
    check_equal(p.flush(60), 0, "records still unacknowledged")
    check_equal(errors, [], "delivery errors")
    out = {}
    for part, offset, key, value in acked:
        out.setdefault(part, []).append((offset, key, value))
    return out


def consumer(bootstrap):
    from confluent_kafka import Consumer
    return Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False,
                     "auto.offset.reset": "earliest", "session.timeout.ms": 6000,
                     "heartbeat.interval.ms": 500, "topic.metadata.refresh.interval.ms": 1000})


def consume(c, count, timeout):
    """Up to `count` records as (partition, offset, key, value), within `timeout` seconds."""
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < count and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error() is not None:
            print(f"   consumer: {m.error()}", flush=True)
            continue
        out.append((m.partition(), m.offset(), m.key(), m.value()))
    return out


def commit(c, timeout=30):
    """A synchronous commit of the consumer's positions, retried through a coordinator change; the
    committed {partition: offset}."""
    from confluent_kafka import KafkaException

    def attempt():
        try:
            done = c.commit(asynchronous=False)
        except KafkaException as e:
            print(f"   commit: {e} (retrying)", flush=True)
            return None
        return {tp.partition: tp.offset for tp in done if tp.error is None and tp.offset >= 0} or None
    return wait_until(attempt, timeout, "a successful synchronous commit", interval=0.5)


def committed_offsets(c):
    from confluent_kafka import TopicPartition
    return {tp.partition: tp.offset for tp in c.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)],
                                                           timeout=10)}


def setup(cluster, runnel, state):
    harness.run_command([runnel, "--brokers", cluster.bootstrap, "topic", "create", TOPIC, "--partitions",
                         str(PARTITIONS), "--replication-factor", "3"], timeout=30, what="runnel topic create")
    wait_until(lambda: all(isr == [1, 2, 3] for _, isr in leaders_of(cluster.bootstrap, TOPIC).values())
               and len(leaders_of(cluster.bootstrap, TOPIC)) == PARTITIONS, 20, f"{TOPIC}'s replicas in the ISR")
    state["records"] = produce(cluster.bootstrap, "before", RECORDS_BEFORE)


def coordinator_found(cluster, state):
    p = offsets_partition(GROUP)
    ports = {n: cluster.port(n) for n in (1, 2, 3)}

    def found():
        answers = {n: find_coordinator(port, GROUP) for n, port in ports.items()}
        leader = leaders_of(cluster.bootstrap, "__consumer_offsets").get(p, (-1, []))[0]
        if leader < 0 or any(a != (0, leader) for a in answers.values()):
            return None
        return leader
    state["coordinator"] = wait_until(found, 30, f"FindCoordinator to name the leader of __consumer_offsets-{p}",
                                      interval=0.5)
    parts = leaders_of(cluster.bootstrap, "__consumer_offsets")
    check_equal(len(parts), OFFSETS_PARTITIONS, "partitions of __consumer_offsets")
    print(f"   __consumer_offsets-{p} led by broker {state['coordinator']}; partitions {parts}", flush=True)


def consume_and_commit(cluster, state):
    c = consumer(cluster.bootstrap)
    c.subscribe([TOPIC])
    got = consume(c, CONSUMED_FIRST, 60)
    check_equal(len(got), CONSUMED_FIRST, "records consumed by the first consumer")
    for part, offset, key, value in got:
        check((offset, key, value) in state["records"][part], f"unexpected record {part}/{offset} {key!r}")
    committed = commit(c)
    expected = {}
    for part, offset, _, _ in got:
        expected[part] = max(expected.get(part, 0), offset + 1)
    check_equal(committed, expected, "committed offsets (the consumed positions)")
    check_equal(committed_offsets(c), expected, "committed offsets fetched back")
    state["consumer"], state["committed"] = c, committed


def kill_coordinator(cluster, state):
    killed = state["coordinator"]
    p = offsets_partition(GROUP)
    killed_at = time.monotonic()
    os.kill(cluster.pid(killed), signal.SIGKILL)
    survivors = [n for n in (1, 2, 3) if n != killed]

    def new_coordinator():
        leader = leaders_of(cluster.bootstrap, "__consumer_offsets").get(p, (-1, []))[0]
        if leader in (-1, killed):
            return None
        answers = [find_coordinator(cluster.port(n), GROUP) for n in survivors]
        return leader if all(a == (0, leader) for a in answers) else None
    state["coordinator"] = wait_until(new_coordinator, SESSION_TIMEOUT_MS / 1000 + 20,
                                      "another broker leading the group's partition, named by FindCoordinator",
                                      interval=0.5)
    print(f"   broker {killed} killed; broker {state['coordinator']} coordinates {GROUP} "
          f"{time.monotonic() - killed_at:.1f}s later", flush=True)
    state["killed"] = killed
    probe = consumer(cluster.bootstrap)  # not subscribed: OffsetFetch only, no join
    try:
        check_equal(committed_offsets(probe), state["committed"], "committed offsets read from the new coordinator")
    finally:
        probe.close()
    after = produce(cluster.bootstrap, "after", RECORDS_AFTER)
    for part, records in after.items():
        state["records"].setdefault(part, []).extend(records)


def keep_consuming(cluster, state):
    c = state["consumer"]
    # Everything after the first commit, at least once (a rebalance may deliver some again).
    wanted = {(part, o, k, v) for part, records in state["records"].items() for o, k, v in records
              if o >= state["committed"].get(part, 0)}
    seen = set()
    deadline = time.monotonic() + 60
    while not wanted <= seen and time.monotonic() < deadline:
        seen.update(consume(c, 50, 2))
    check(wanted <= seen, f"the consumer did not get {len(wanted - seen)} record(s) after the failover")
    # Its session may time out while the coordinator moves (both take about 6 s): it then rejoins
    # and reads again from the last commit. Commit once it holds every partition at its end.
    ends = {part: max(o for o, _, _ in records) + 1 for part, records in state["records"].items()}

    def at_end():
        seen.update(consume(c, 50, 0.5))
        positions = {tp.partition: tp.offset for tp in c.position(c.assignment())}
        return positions == ends
    wait_until(at_end, 30, f"the consumer to hold every partition at its end {ends}", interval=0.1)
    state["committed"] = commit(c)
    c.close()
    print(f"   consumed {len(seen)} records through the failover; committed {state['committed']}", flush=True)


def resume(cluster, state):
    # Records produced after the last commit, then a new consumer in the same group.
    more = produce(cluster.bootstrap, "resumed", 20)
    for part, records in more.items():
        state["records"][part].extend(records)
    c = consumer(cluster.bootstrap)
    try:
        c.subscribe([TOPIC])
        expected = sorted((part, o, k, v) for part, records in state["records"].items() for o, k, v in records
                          if o >= state["committed"].get(part, 0))
        got = consume(c, len(expected), 60)
        got += consume(c, 1, 2)  # nothing beyond
        check_equal(sorted(got), expected, "records read by the new consumer (exactly after the last commit)")
        check_equal(committed_offsets(c), state["committed"], "committed offsets read from the new coordinator")
    finally:
        c.close()


def main():
    args = harness.parse_args()
    args.runneld, args.runnel = os.path.abspath(args.runneld), os.path.abspath(args.runnel)
    run = harness.TestRun("groups_cluster_test", time_limit=200)
    cluster = Cluster(args.runneld)
    state = {}
    try:
        run.case("cluster.sh start: ZooKeeper and three brokers", cluster.start, 3, OVERRIDES, critical=True)
        run.case(f"a topic with replication factor 3 and {RECORDS_BEFORE} acks=all records", setup, cluster,
                 args.runnel, state, critical=True)
        run.case("FindCoordinator creates __consumer_offsets and names the leader of the group's partition",
                 coordinator_found, cluster, state, critical=True)
        run.case("a consumer group consumes and commits synchronously", consume_and_commit, cluster, state,
                 critical=True)
        run.case("kill -9 of the coordinator: another broker leads the group's partition and coordinates it",
                 kill_coordinator, cluster, state, critical=True)
        run.case("the consumer keeps consuming through the failover and commits to the new coordinator",
                 keep_consuming, cluster, state, critical=True)
        run.case("a new consumer of the group resumes exactly after the last commit", resume, cluster, state)
    finally:
        cluster.close_after(run)
    run.finish()


if __name__ == "__main__":
    main()
