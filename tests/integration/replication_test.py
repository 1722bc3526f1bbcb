#!/usr/bin/python3
"""Replication between runneld processes through a real ZooKeeper (scripts/cluster.sh, three brokers).

A topic with replication factor 3 and min.insync.replicas 2 is created with the runnel CLI; Metadata
(confluent-kafka) shows each partition's three replicas, all in the ISR, led by its first replica.
An idempotent acks=all producer (confluent-kafka) writes records that a consumer reads back exactly
(keys, values, offsets, order), and the three copies of every partition hold identical batches
(runnel dump-log). Then, with a producer writing continuously: kill -9 of a partition leader (a new
leader from the ISR, a higher leader epoch, every acknowledged record still at its acknowledged
offset, the failover time printed), the killed broker's restart (it truncates, catches up and is back
in the ISR with identical bytes), followers stopped with SIGSTOP past replica.lag.time.max.ms (the
ISR shrinks and an acks=all produce is refused with NOT_ENOUGH_REPLICAS; resumed, they are back in
the ISR), a controlled shutdown (SIGTERM of a leader: leadership moves before it exits and the
producer sees no error), and a follower stopped while DeleteRecords moves the leader's log start
past its log end (it restarts its log empty there and rejoins), and a leader paused past its
ZooKeeper session (its leaderships move; resumed, the same process registers again on a new
session, truncates the acks=1 record it took alone as a deposed leader, and rejoins). A clean stop leaves each broker's
replication-offset-checkpoint with the high watermark of every replica.

Usage: replication_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wire  # noqa: E402
from harness import CheckFailed, check, check_equal, wait_until  # noqa: E402
from zk_cluster import LAG_MS, REPLICATION_OVERRIDES, SESSION_TIMEOUT_MS, Cluster, exited  # noqa: E402

TOPIC = "replicated"
PARTITIONS = 2
OVERRIDES = REPLICATION_OVERRIDES + ["min.insync.replicas=2", "leader.imbalance.check.interval.seconds=2",
                                     "replica.high.watermark.checkpoint.interval.ms=500"]
NOT_ENOUGH_REPLICAS = 19


def partitions_of(bootstrap, topic=TOPIC):
    """{partition: (leader, replicas, isr)} from confluent-kafka's Metadata."""
    from confluent_kafka.admin import AdminClient
    md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=10)
    t = md.topics.get(topic)
    if t is None or t.error is not None:
        return {}
    return {p.id: (p.leader, list(p.replicas), sorted(p.isrs)) for p in t.partitions.values()}


def wait_partitions(cluster, predicate, what, timeout=20.0):
    last = {}

    def ok():
        last["state"] = partitions_of(cluster.bootstrap)
        return len(last["state"]) == PARTITIONS and all(predicate(p, s) for p, s in last["state"].items())
    try:
        wait_until(ok, timeout, what, interval=0.2)
    except CheckFailed as e:
        raise CheckFailed(f"{e}\nlast partition states: {last.get('state')}")
    return last["state"]


def wait_registered_again(cluster, node, pid, logged_before, timeout):
    """Waits until broker `node`'s log, after its first `logged_before` characters, shows its
    ZooKeeper session expire and then a new registration, or process `pid` exited. Its own log,
    not Metadata: until it has registered again, a resumed broker still answers Metadata from its
    stale copy (its old leaderships, a full ISR)."""
    def registered_again():
        logged = cluster.log(node)[logged_before:]
        expired = logged.find("the ZooKeeper session expired")
        return expired >= 0 and f"registered as broker {node} at" in logged[expired:]
    wait_until(lambda: registered_again() or exited(pid), timeout,
               f"broker {node} to see its session expire and register again", interval=0.1)


class Producer:
    """An idempotent acks=all confluent-kafka producer; remembers every acknowledged record."""

    def __init__(self, bootstrap, **extra):
        from confluent_kafka import Producer as KafkaProducer
        self.p = KafkaProducer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                                "linger.ms": 5, "message.timeout.ms": 60000, **extra})
        self.acked, self.errors = [], []
        self.lock = threading.Lock()

    def _report(self, err, msg):
        with self.lock:
            if err is not None:
                self.errors.append(str(err))
            else:
                self.acked.append((msg.partition(), msg.offset(), msg.key(), msg.value(), time.monotonic()))

    def send(self, key, value, partition):
        self.p.produce(TOPIC, key=key, value=value, partition=partition, on_delivery=self._report)
        self.p.poll(0)

    def flush(self, timeout=60):
        left = self.p.flush(timeout)
        check_equal(left, 0, "records still unacknowledged after the flush")


class Writer(threading.Thread):
    """Produces continuously (round robin over the partitions) until stopped."""

    def __init__(self, producer, prefix):
        super().__init__(daemon=True)
        self.producer, self.prefix, self.stopped, self.sent = producer, prefix, threading.Event(), 0

    def run(self):
        while not self.stopped.is_set():
            i = self.sent
            self.producer.send(f"{self.prefix}-{i}".encode(), f"value-{self.prefix}-{i}".encode() * 4, i % PARTITIONS)
            self.sent += 1
            time.sleep(0.002)

    def stop(self):
        self.stopped.set()
        self.join(10)
        self.producer.flush()


def check_acked_present(cluster, acked):
    """Every acknowledged record is in the log at its acknowledged offset, once, in order."""
    records, _ = harness.read_to_end(cluster.bootstrap, TOPIC, timeout=30)
    stored = {(p, o): (k, v) for p, o, k, v in records}
    for p, o, k, v, _ in acked:
        check((p, o) in stored, f"acknowledged record {k!r} at {p}/{o} is missing")
        check_equal(stored[(p, o)], (k, v), f"record at {p}/{o}")
    where = {}
    for p, o, k, _ in records:
        where.setdefault(k, []).append((p, o))
    twice = [(k, at) for k, at in where.items() if len(at) > 1]
    check(not twice, f"{len(twice)} key(s) stored more than once (first 5, with partition and offsets): {twice[:5]}")
    for p in range(PARTITIONS):
        offsets = [o for q, o, _, _ in records if q == p]
        check_equal(offsets, sorted(offsets), f"offsets of partition {p} in order")
    return records


def replica_batches(cluster, runnel, node, partition, topic=TOPIC):
    d = os.path.join(cluster.dir, f"broker-{node}", "data", f"{topic}-{partition}")
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".log"))
    out = []
    for obj in harness.dump_log(runnel, files, print_data=False):
        if "file" in obj:
            continue
        check(obj.get("isvalid") is True, f"broker {node}, {topic}-{partition}: invalid batch {obj}")
        out.append((obj["baseOffset"], obj["lastOffset"], obj["partitionLeaderEpoch"], obj["crc"]))
    return out


def check_identical(cluster, runnel, nodes=(1, 2, 3)):
    """All replicas of each partition hold the same batches (offsets, leader epochs, CRCs)."""
    def same():
        for p in range(PARTITIONS):
            copies = {n: replica_batches(cluster, runnel, n, p) for n in nodes}
            if len({tuple(c) for c in copies.values()}) != 1:
                return None
        return True
    try:
        wait_until(same, 15, "every replica to hold identical batches", interval=0.3)
    except CheckFailed:
        for p in range(PARTITIONS):
            for n in nodes:
                print(f"   broker {n} {TOPIC}-{p}: {replica_batches(cluster, runnel, n, p)[-5:]}", flush=True)
        raise


def create_topic(cluster, runnel, state):
    harness.run_command([runnel, "--brokers", cluster.bootstrap, "topic", "create", TOPIC, "--partitions",
                         str(PARTITIONS), "--replication-factor", "3"], timeout=30, what="runnel topic create")
    parts = wait_partitions(cluster, lambda p, s: s[0] == s[1][0] and s[2] == [1, 2, 3],
                            "each partition led by its first replica with all three in the ISR")
    for p, (leader, replicas, isr) in sorted(parts.items()):
        check_equal(sorted(replicas), [1, 2, 3], f"replicas of partition {p}")
    check(parts[0][0] != parts[1][0], f"both partitions have the same leader: {parts}")
    print(f"   partitions: {parts}", flush=True)
    state["parts"] = parts


def produce_and_read(cluster, runnel, state):
    producer = Producer(cluster.bootstrap)
    for i in range(2000):
        producer.send(f"k{i}".encode(), f"v{i}".encode(), i % PARTITIONS)
    producer.flush()
    check_equal(producer.errors, [], "delivery errors")
    records = check_acked_present(cluster, producer.acked)
    check_equal(len(records), 2000, "records read back")
    for p in range(PARTITIONS):
        check_equal([k for q, _, k, _ in records if q == p], [f"k{i}".encode() for i in range(p, 2000, PARTITIONS)],
                    f"keys of partition {p} in produce order")
    state["acked"] = list(producer.acked)
    check_identical(cluster, runnel)


def segment_bases(cluster, node, topic, partition):
    d = os.path.join(cluster.dir, f"broker-{node}", "data", f"{topic}-{partition}")
    return sorted(int(f[:-4]) for f in os.listdir(d) if f.endswith(".log"))


def delete_records_followed(cluster, runnel, state):
    """DeleteRecords on the leader: each follower moves its log start too (its segments wholly
    below it go), from the leader's next Fetch answer."""
    topic = "trimmed"
    harness.run_command([runnel, "--brokers", cluster.bootstrap, "topic", "create", topic, "--partitions", "1",
                         "--replication-factor", "3", "--config", "segment.bytes=1024"], timeout=30,
                        what="runnel topic create")
    producer = Producer(cluster.bootstrap)
    for i in range(200):  # batches of 10 records (about 1.3 KB): each fills a 1 KiB segment
        producer.p.produce(topic, key=f"t{i}".encode(), value=b"x" * 100)
        if i % 10 == 9:
            producer.flush()
    wait_until(lambda: len({tuple(segment_bases(cluster, n, topic, 0)) for n in (1, 2, 3)}) == 1, 15,
               "the three replicas to hold the same segments")
    before = segment_bases(cluster, 1, topic, 0)
    check(len(before) > 4, f"expected several segments, got {before}")
    harness.run_command([runnel, "--brokers", cluster.bootstrap, "topic", "delete-records", topic, "--partition", "0",
                         "--before", "150"], timeout=30, what="runnel topic delete-records")
    def trimmed():
        bases = {n: segment_bases(cluster, n, topic, 0) for n in (1, 2, 3)}
        return all(b and b[0] > before[0] and b[0] <= 150 for b in bases.values()) and bases
    bases = wait_until(trimmed, 15, "every replica to delete the segments below offset 150")
    print(f"   segment bases before {before}, after {bases}", flush=True)
    records, _ = harness.read_to_end(cluster.bootstrap, topic, timeout=20, start=-2)  # OFFSET_BEGINNING
    check_equal([o for _, o, _, _ in records], list(range(150, 200)), "offsets readable after DeleteRecords")
    # Deleting the topic through one broker removes every replica's log.
    harness.run_command([runnel, "--brokers", cluster.bootstrap, "topic", "delete", topic], timeout=30,
                        what="runnel topic delete")
    wait_until(lambda: not any(os.path.isdir(os.path.join(cluster.dir, f"broker-{n}", "data", f"{topic}-0"))
                               for n in (1, 2, 3)), 15, "every broker to remove its log of the deleted topic")


def outrun_follower(cluster, runnel, state):
    """A follower stopped while DeleteRecords moves the leader's log start past the follower's log
    end: resumed, it gets OFFSET_OUT_OF_RANGE, restarts its log empty at the leader's log start,
    catches up and rejoins the ISR with the leader's batches from there."""
    topic = "outrun"
    harness.run_command([runnel, "--brokers", cluster.bootstrap, "topic", "create", topic, "--partitions", "1",
                         "--replication-factor", "3", "--config", "segment.bytes=1024", "--config",
                         "min.insync.replicas=1"], timeout=30, what="runnel topic create")
    wait_until(lambda: partitions_of(cluster.bootstrap, topic).get(0, (0, 0, []))[2] == [1, 2, 3], 15,
               "all three replicas in the ISR")
    producer = Producer(cluster.bootstrap)

    def produce(first, count):
        for i in range(first, first + count):
            producer.p.produce(topic, key=f"o{i}".encode(), value=b"y" * 100)
            if i % 10 == 9:
                producer.flush()
        producer.flush()
    produce(0, 50)
    leader = partitions_of(cluster.bootstrap, topic)[0][0]
    follower = next(n for n in (1, 2, 3) if n != leader)
    wait_until(lambda: replica_batches(cluster, runnel, follower, 0, topic)[-1][1] == 49, 15,
               f"broker {follower} to hold offsets 0-49")
    os.kill(cluster.pid(follower), signal.SIGSTOP)
    try:
        produce(50, 150)  # acknowledged once the stopped follower has left the ISR
        wait_until(lambda: follower not in partitions_of(cluster.bootstrap, topic)[0][2], LAG_MS / 1000 * 3 + 5,
                   f"broker {follower} to leave the ISR")
        harness.run_command([runnel, "--brokers", cluster.bootstrap, "topic", "delete-records", topic, "--partition",
                             "0", "--before", "150"], timeout=30, what="runnel topic delete-records")
    finally:
        os.kill(cluster.pid(follower), signal.SIGCONT)
    wait_until(lambda: partitions_of(cluster.bootstrap, topic)[0][2] == [1, 2, 3], 30,
               f"broker {follower} back in the ISR")
    produce(200, 20)
    check_equal(producer.errors, [], "delivery errors")

    def same():  # the leader may still hold batches below 150 in the segment containing it
        copies = {n: replica_batches(cluster, runnel, n, 0, topic) for n in (1, 2, 3)}
        mine = copies[follower]
        return copies if mine and mine == [b for b in copies[leader] if b[0] >= mine[0][0]] else None
    copies = wait_until(same, 15, f"broker {follower} to hold the leader's batches from its log start")
    check_equal(copies[follower][0][0], 150, f"broker {follower}'s first batch")
    check_equal(copies[follower][-1][1], 219, f"broker {follower}'s last offset")
    check("the log restarts empty there" in cluster.log(follower), f"broker {follower} logged no restart")
    records, _ = harness.read_to_end(cluster.bootstrap, topic, timeout=20, start=-2)  # OFFSET_BEGINNING
    check_equal([(o, k) for _, o, k, _ in records], [(o, f"o{o}".encode()) for o in range(150, 220)],
                "offsets and keys readable from the beginning")
    print(f"   broker {follower} restarted its log at {copies[follower][0][0]} (leader {leader})", flush=True)


def kill_leader(cluster, runnel, state):
    leader = state["parts"][0][0]
    producer = Producer(cluster.bootstrap)
    writer = Writer(producer, "failover")
    writer.start()
    time.sleep(1.0)
    killed_at = time.monotonic()
    os.kill(cluster.pid(leader), signal.SIGKILL)
    parts = wait_partitions(cluster, lambda p, s: s[0] not in (-1, leader), f"a new leader for broker {leader}'s "
                            "partitions", timeout=SESSION_TIMEOUT_MS / 1000 + 15)
    time.sleep(1.0)
    writer.stop()
    check_equal(producer.errors, [], "delivery errors through the failover")
    after = [t for p, _, _, _, t in producer.acked if p == 0 and t > killed_at + 0.5]
    check(after, "no record of partition 0 was acknowledged after the kill")
    print(f"   broker {leader} killed; new leaders {[(p, s[0]) for p, s in sorted(parts.items())]}; partition 0 "
          f"acknowledged again {min(after) - killed_at:.2f}s after the kill; {len(producer.acked)} records "
          f"acknowledged", flush=True)
    state["acked"] += producer.acked
    check_acked_present(cluster, state["acked"])
    state["killed"] = leader
    # Written every 500 ms (replica.high.watermark.checkpoint.interval.ms), not only at a clean stop:
    # the killed broker's file has the 1,000 records per partition acknowledged before this case.
    entries = checkpointed_high_watermarks(cluster, leader)
    for p in range(PARTITIONS):
        check(entries.get((TOPIC, p), 0) >= 1000, f"broker {leader}: checkpointed high watermark of "
                                                   f"{TOPIC}-{p} is {entries.get((TOPIC, p))}")


def restart_killed(cluster, runnel, state):
    cluster.restart(state["killed"])
    wait_partitions(cluster, lambda p, s: s[2] == [1, 2, 3], "the restarted broker back in every ISR", timeout=30)
    check_identical(cluster, runnel)
    # Preferred leaders come back (auto.leader.rebalance.enable, checked every 2 s).
    wait_partitions(cluster, lambda p, s: s[0] == s[1][0], "preferred replicas leading again", timeout=20)


def stopped_followers(cluster, runnel, state):
    parts = partitions_of(cluster.bootstrap)
    leader = parts[0][0]
    followers = [n for n in (1, 2, 3) if n != leader]
    for n in followers:
        os.kill(cluster.pid(n), signal.SIGSTOP)
    try:
        wait_until(lambda: partitions_of(cluster.bootstrap).get(0, (0, 0, []))[2] == [leader],
                   LAG_MS / 1000 * 3 + 5, "partition 0's ISR to shrink to its leader", interval=0.2)
        batch = wire.record_batch([(b"k", b"refused", [])], harness.now_ms())
        with wire.Conn(cluster.port(leader)) as c:
            _, body = c.roundtrip(wire.produce_request(7, 1, TOPIC, 0, batch, acks=-1, timeout_ms=5000))
        check_equal([e for _, _, e, _ in wire.parse_produce_response(body, 7)], [NOT_ENOUGH_REPLICAS],
                    "acks=all Produce error with an ISR of one and min.insync.replicas=2")
        with wire.Conn(cluster.port(leader)) as c:
            _, body = c.roundtrip(wire.produce_request(7, 2, TOPIC, 0, batch, acks=1, timeout_ms=5000))
        check_equal([e for _, _, e, _ in wire.parse_produce_response(body, 7)], [0], "acks=1 Produce error")
    finally:
        for n in followers:
            os.kill(cluster.pid(n), signal.SIGCONT)
    wait_partitions(cluster, lambda p, s: s[2] == [1, 2, 3], "the resumed followers back in every ISR", timeout=30)
    check_identical(cluster, runnel)


def paused_leader_rejoins(cluster, runnel, state):
    """A leader paused past its ZooKeeper session is treated as crashed; resumed, the same process
    closes the connection of the Produce that queued up while it stood still (it may have been
    deposed, and it was: the outcome is unknown, the client retries), registers again on a new session, drops any tail it took alone, and
    rejoins the ISR."""
    leader = partitions_of(cluster.bootstrap)[0][0]
    pid = cluster.pid(leader)
    logged_before = len(cluster.log(leader))
    producer = Producer(cluster.bootstrap)
    writer = Writer(producer, "expiry")
    writer.start()
    time.sleep(0.5)
    os.kill(pid, signal.SIGSTOP)
    stale = None
    try:
        parts = wait_partitions(cluster, lambda p, s: s[0] not in (-1, leader) and leader not in s[2],
                                f"new leaders and ISRs without broker {leader}", timeout=SESSION_TIMEOUT_MS / 1000 + 15)
        # Waits in the paused broker's socket; on resuming it still believes it leads partition 0.
        stale = wire.Conn(cluster.port(leader), timeout=60)
        batch = wire.record_batch([(b"stale-tail", b"written by a deposed leader", [])], harness.now_ms())
        stale.send(wire.produce_request(7, 1, TOPIC, 0, batch, acks=1, timeout_ms=5000))
        time.sleep(1.0)
    finally:
        os.kill(pid, signal.SIGCONT)
    try:
        answer = stale.wait_closed(timeout=30)
    finally:
        stale.close()
    wait_registered_again(cluster, leader, pid, logged_before, 30)
    wait_partitions(cluster, lambda p, s: s[2] == [1, 2, 3], f"broker {leader} back in every ISR", timeout=30)
    writer.stop()
    check(not exited(pid), f"broker {leader} exited after its session expired")
    check_equal(producer.errors, [], "delivery errors through the expiry")
    log = cluster.log(leader)[logged_before:]
    check("the ZooKeeper session expired" in log and f"registered as broker {leader} at" in log,
          f"broker {leader} did not register again:\n{log[-3000:]}")
    check_equal(answer, b"", "what the paused leader answered the queued acks=1 Produce before closing the "
                "connection (nothing: the outcome is unknown, the client retries)")
    check("this process stood still for" in log and "Produce is accepted again" in log,
          f"broker {leader} logged no fence around its pause:\n{log[-3000:]}")
    state["acked"] += producer.acked
    records = check_acked_present(cluster, state["acked"])
    check(b"stale-tail" not in [k for _, _, k, _ in records],
          f"the record the deposed leader took alone ({answer}) survived")
    check_identical(cluster, runnel)
    print(f"   broker {leader} paused past its session; new leaders {[(p, s[0]) for p, s in sorted(parts.items())]}; "
          f"the acks=1 write queued meanwhile got its connection closed; {len(producer.acked)} records acknowledged",
          flush=True)


def controlled_shutdown(cluster, runnel, state):
    leader = partitions_of(cluster.bootstrap)[0][0]
    producer = Producer(cluster.bootstrap)
    writer = Writer(producer, "shutdown")
    writer.start()
    time.sleep(0.5)
    pid = cluster.pid(leader)
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: exited(pid), 20, f"broker {leader} to exit after SIGTERM")
    check("runneld stopped cleanly" in cluster.log(leader), f"broker {leader} did not stop cleanly")
    check("controlled shutdown" in "".join(cluster.log(n) for n in (1, 2, 3)),
          "no leadership moved by the controlled shutdown")
    time.sleep(1.0)
    writer.stop()
    check_equal(producer.errors, [], "delivery errors through the controlled shutdown")
    state["acked"] += producer.acked
    check_acked_present(cluster, state["acked"])
    cluster.restart(leader)
    wait_partitions(cluster, lambda p, s: s[2] == [1, 2, 3], "the restarted broker back in every ISR", timeout=30)


def checkpointed_high_watermarks(cluster, node):
    """{(topic, partition): offset} from the broker's replication-offset-checkpoint (Kafka's format)."""
    lines = cluster.file(node, "data/replication-offset-checkpoint").splitlines()
    check_equal(lines[0], "0", f"broker {node}: checkpoint version")
    entries = {(t, int(p)): int(o) for t, p, o in (line.split() for line in lines[2:])}
    check_equal(int(lines[1]), len(entries), f"broker {node}: checkpoint count")
    return entries


def checkpoints_at_stop(cluster, runnel, state):
    """A clean stop writes each broker's replication-offset-checkpoint (Kafka's format): the high
    watermark of every replica it holds, here the log end offset of each (nothing is in flight)."""
    def caught_up():
        return {(n, p): replica_batches(cluster, runnel, n, p)[-1][1] + 1 for n in (1, 2, 3)
                for p in range(PARTITIONS)}
    ends = wait_until(lambda: len(set(caught_up().values())) <= PARTITIONS and caught_up(), 15,
                      "every replica at the same log end")
    time.sleep(1.0)  # followers learn the final high watermark from their next fetch answer
    cluster.stop()
    for n in (1, 2, 3):
        entries = checkpointed_high_watermarks(cluster, n)
        for p in range(PARTITIONS):
            check_equal(entries.get((TOPIC, p)), ends[(n, p)], f"broker {n}: high watermark of {TOPIC}-{p}")
    print(f"   high watermarks: {sorted(set(ends.values()))}", flush=True)


def main():
    args = harness.parse_args()
    args.runneld, args.runnel = os.path.abspath(args.runneld), os.path.abspath(args.runnel)
    run = harness.TestRun("replication_test", time_limit=240)
    cluster = Cluster(args.runneld)
    state = {}
    try:
        run.case("cluster.sh start: ZooKeeper and three brokers", cluster.start, 3, OVERRIDES, critical=True)
        run.case("runnel topic create --replication-factor 3: three replicas per partition, all in the ISR, led by "
                 "the first", create_topic, cluster, args.runnel, state, critical=True)
        run.case("acks=all records read back exactly; the three replicas hold identical batches", produce_and_read,
                 cluster, args.runnel, state, critical=True)
        run.case("DeleteRecords on the leader: every follower moves its log start and drops the segments below; "
                 "deleting the topic removes every replica",
                 delete_records_followed, cluster, args.runnel, state)
        run.case("a follower stopped while DeleteRecords passes its log end restarts its log at the leader's log "
                 "start and rejoins the ISR", outrun_follower, cluster, args.runnel, state)
        run.case("kill -9 of a leader under load: a new leader from the ISR, every acknowledged record kept",
                 kill_leader, cluster, args.runnel, state, critical=True)
        run.case("the killed broker restarts, catches up, rejoins the ISR with identical bytes, and leads its "
                 "preferred partitions again", restart_killed, cluster, args.runnel, state, critical=True)
        run.case("followers stopped past replica.lag.time.max.ms leave the ISR: acks=all refused with "
                 "NOT_ENOUGH_REPLICAS; resumed, they rejoin", stopped_followers, cluster, args.runnel, state)
        run.case("a leader paused past its ZooKeeper session loses its leaderships; resumed, the same process "
                 "closes the connection of the Produce queued meanwhile, registers again and rejoins the ISR",
                 paused_leader_rejoins, cluster, args.runnel, state, critical=True)
        run.case("controlled shutdown: SIGTERM of a leader moves leadership first; the producer sees no error",
                 controlled_shutdown, cluster, args.runnel, state)
        run.case("cluster.sh stop: every broker's replication-offset-checkpoint holds its replicas' high watermarks",
                 checkpoints_at_stop, cluster, args.runnel, state)
    finally:
        cluster.close_after(run)
    run.finish()


if __name__ == "__main__":
    main()
