#!/usr/bin/python3
"""Replication under repeated faults (issue 9): a real ZooKeeper and three brokers (scripts/cluster.sh).

A topic with replication factor 3, three partitions and min.insync.replicas=2; an idempotent acks=all
producer (confluent-kafka) writes continuously from a thread, a consumer (assign, no group) reads
continuously from another, and a consumer group member (subscribe, auto-commit) from a third, while
the test runs rounds of: kill -9 of a partition leader and its restart; SIGSTOP of a follower past
replica.lag.time.max.ms but within the ZooKeeper session timeout (the ISR shrinks), then SIGCONT (it
rejoins); SIGTERM of a leader (controlled shutdown) and its restart; SIGSTOP of a leader past its
ZooKeeper session (its leaderships move), then SIGCONT (the same process registers again on a new
session and rejoins every ISR). Between rounds every partition has a leader and a full ISR again.
Afterwards: every acknowledged record is at its acknowledged offset and nothing else is in the log,
no key twice, offsets contiguous from 0, everything the consumers read is in the final log at the
offset it was read from, the group member read every record and its committed offsets reach the end
of each partition (the group coordinator moved with __consumer_offsets leadership), and the three
replicas of each partition hold identical batches (runnel dump-log).

The helpers (Producer, Writer, partitions_of, wait_partitions, check_acked_present, check_identical)
are tests/integration/replication_test.py's, imported; they read that module's PARTITIONS, which this
test sets to 3 (the topic name, replication_test.TOPIC, is shared).

Usage: replication_fault_test.py --runneld PATH --runnel PATH [--kcat PATH] [--rounds N]
"""

import os
import shutil
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402
import replication_test as rt  # noqa: E402
import wire  # noqa: E402
from harness import CheckFailed, check, check_equal, wait_until  # noqa: E402
from zk_cluster import Cluster, exited  # noqa: E402

TOPIC = rt.TOPIC
PARTITIONS = 3
rt.PARTITIONS = PARTITIONS  # replication_test's helpers read the partition count from their module
SESSION_TIMEOUT_MS = 4000
LAG_MS = 1500
OVERRIDES = [f"zookeeper.session.timeout.ms={SESSION_TIMEOUT_MS}", f"replica.lag.time.max.ms={LAG_MS}",
             "replica.fetch.wait.max.ms=100", "replica.fetch.backoff.ms=200", "min.insync.replicas=2",
             "leader.imbalance.check.interval.seconds=2", "group.initial.rebalance.delay.ms=0",
             "offsets.topic.num.partitions=3"]
GROUP = "runnel-fault-group"
NODES = (1, 2, 3)
FULL_ISR_TIMEOUT = 40
# librdkafka's log lines (every refused connection while a broker is down) are expected here and
# would bury the test's own report: only its critical ones are printed, unless
# RUNNEL_IT_CLIENT_DEBUG names librdkafka debug contexts (e.g. "eos,msg,protocol") to investigate.
QUIET_CLIENT = ({"debug": os.environ["RUNNEL_IT_CLIENT_DEBUG"]} if os.environ.get("RUNNEL_IT_CLIENT_DEBUG")
                else {"log_level": 2})


def log(msg):
    print(f"   {msg}", flush=True)


class Reader(threading.Thread):
    """Consumes every partition continuously: assign() from the beginning, or, with `group`, as a
    member of that consumer group (subscribe, auto-commit every 200 ms, from the earliest offset);
    remembers (partition, offset) -> (key, value) and every error it was given."""

    def __init__(self, bootstrap, group=None):
        super().__init__(daemon=True)
        self.bootstrap, self.group = bootstrap, group
        self.stopped = threading.Event()
        self.seen, self.conflicts, self.errors = {}, [], []
        self.positions = {p: 0 for p in range(PARTITIONS)}
        self.lock = threading.Lock()

    def run(self):
        from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
        if self.group:
            c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": self.group, "enable.auto.commit": True,
                          "auto.commit.interval.ms": 200, "auto.offset.reset": "earliest",
                          "session.timeout.ms": 10000, "heartbeat.interval.ms": 1000, **QUIET_CLIENT})
        else:
            c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "runnel-fault-reader",
                          "enable.auto.commit": False, "auto.offset.reset": "error", **QUIET_CLIENT})
        self.consumer = c
        try:
            if self.group:
                c.subscribe([TOPIC])
            else:
                c.assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
            while not self.stopped.is_set():
                for m in c.consume(500, 0.2):
                    if m.error():
                        with self.lock:
                            self.errors.append(str(m.error()))
                        continue
                    key = (m.partition(), m.offset())
                    with self.lock:
                        old = self.seen.setdefault(key, (m.key(), m.value()))
                        if old != (m.key(), m.value()):
                            self.conflicts.append((key, old, (m.key(), m.value())))
                        self.positions[m.partition()] = max(self.positions[m.partition()], m.offset() + 1)
            if self.group:  # the final positions, committed before leaving
                from confluent_kafka import KafkaError, KafkaException
                try:
                    c.commit(asynchronous=False)
                except KafkaException as e:
                    if e.args[0].code() != KafkaError._NO_OFFSET:  # auto-commit already stored them all
                        raise
                self.committed = {tp.partition: tp.offset
                                  for tp in c.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)],
                                                        timeout=10)}
        except Exception as e:  # noqa: BLE001 - reported by the checks
            with self.lock:
                self.errors.append(f"consumer thread: {e!r}")
        finally:
            c.close()

    def stop(self):
        """Stops reading; a group member's last commit may wait for a coordinator that moves (its
        retries and committed()'s 10 s), so the join allows longer than one failover."""
        self.stopped.set()
        self.join(45)


def isr_from(cluster, node, partition, timeout=1.0):
    """Partition's ISR in the Metadata (v1, raw socket) of one broker, bounded by `timeout`: while a
    broker is stopped, a client that picked it would wait for it (and delay its SIGCONT)."""
    with wire.Conn(cluster.port(node), timeout=timeout) as c:
        _, body = c.roundtrip(wire.metadata_request_v1(1, [TOPIC]), timeout=timeout)
    r = wire.Reader(body)
    r.array(lambda: (r.i32(), r.string(), r.i32(), r.string()))
    r.i32()
    for _, name, _, parts in r.array(lambda: (r.i16(), r.string(), r.i8(), r.array(
            lambda: (r.i16(), r.i32(), r.i32(), r.array(r.i32), r.array(r.i32))))):
        for _, p, _, _, isr in parts:
            if name == TOPIC and p == partition:
                return sorted(isr)
    return None


def restart(cluster, node, state):
    """cluster.sh broker: keeps the previous incarnation's log first (cluster.sh empties it) as
    broker-<node>/runneld.log.<n>, for a failure report."""
    n = state["restarts"] = state.get("restarts", 0) + 1
    src = os.path.join(cluster.dir, f"broker-{node}", "runneld.log")
    shutil.copyfile(src, f"{src}.{n}")
    cluster.restart(node)


def leaders(parts):
    return {p: s[0] for p, s in sorted(parts.items())}


def wait_settled(cluster, what, timeout=FULL_ISR_TIMEOUT):
    """Every partition led by a live broker with all three replicas in its ISR."""
    return rt.wait_partitions(cluster, lambda p, s: s[0] in NODES and s[2] == list(NODES),
                              f"every partition led with a full ISR ({what})", timeout=timeout)


def alive(cluster, node):
    try:
        return not exited(cluster.pid(node))
    except OSError:
        return False


def check_all_alive(cluster):
    """Every broker process runs and answers Metadata (a hung broker fails too)."""
    for n in NODES:
        check(alive(cluster, n), f"broker {n} is not running (crashed?); log tail:\n"
              + "".join(cluster.log(n).splitlines(True)[-30:]))
        try:
            isr_from(cluster, n, 0, timeout=5.0)
        except Exception as e:  # noqa: BLE001 - reported
            raise CheckFailed(f"broker {n} (pid {cluster.pid(n)}) runs but does not answer Metadata within 5 s: {e!r}")


def check_no_sanitizer_report(cluster):
    reports = cluster.sanitizer_reports()
    check(not reports, "\n".join(f"{path}:\n{text}" for path, text in reports[:2]))


def diagnose(cluster):
    """For a failure report: each broker's process state and, with gdb, its threads' stacks."""
    for n in NODES:
        try:
            pid = cluster.pid(n)
            with open(f"/proc/{pid}/stat") as f:
                st = f.read().rsplit(")", 1)[1].split()[0]
        except OSError as e:
            print(f"   broker {n}: no process ({e})", flush=True)
            continue
        print(f"   broker {n}: pid {pid}, state {st}", flush=True)
        if st != "Z" and shutil.which("gdb"):
            res = harness.run_command(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt 30"],
                                      timeout=60, check_status=False, what="gdb")
            text = res.stdout.decode(errors="replace")
            print("\n".join("      " + line for line in text.splitlines() if line.startswith(("#", "Thread"))),
                  flush=True)


def create_topic(cluster, runnel):
    harness.run_command([runnel, "--brokers", cluster.bootstrap, "topic", "create", TOPIC, "--partitions",
                         str(PARTITIONS), "--replication-factor", "3", "--config", "min.insync.replicas=2"],
                        timeout=30, what="runnel topic create")
    parts = rt.wait_partitions(cluster, lambda p, s: s[0] == s[1][0] and s[2] == list(NODES),
                               "each partition led by its first replica with all three in the ISR")
    for p, (_, replicas, _) in sorted(parts.items()):
        check_equal(sorted(replicas), list(NODES), f"replicas of partition {p}")
    log(f"partitions (leader, replicas, isr): {parts}")


def time_to_leaders(cluster, victim, started, timeout):
    """Waits until no partition is leaderless, led by `victim` or has it in its ISR (the controller
    drops a broker that is no longer registered); returns (seconds, partitions)."""
    parts = rt.wait_partitions(cluster, lambda p, s: s[0] not in (-1, victim) and victim not in s[2],
                               f"new leaders for broker {victim}'s partitions and ISRs without it",
                               timeout=timeout)
    return time.monotonic() - started, parts


def round_kill9(cluster, state, cycle):
    parts = rt.partitions_of(cluster.bootstrap)
    victim = parts[cycle % PARTITIONS][0]
    led = [p for p, s in parts.items() if s[0] == victim]
    t0 = time.monotonic()
    os.kill(cluster.pid(victim), signal.SIGKILL)
    took, parts = time_to_leaders(cluster, victim, t0, SESSION_TIMEOUT_MS / 1000 + 15)
    log(f"kill -9 of broker {victim} (leader of {led}); new leaders {leaders(parts)} after {took:.2f}s")
    time.sleep(1.0)
    restart(cluster, victim, state)
    t1 = time.monotonic()
    wait_settled(cluster, f"broker {victim} restarted after kill -9")
    log(f"broker {victim} restarted; full ISR again after {time.monotonic() - t1:.2f}s")
    return f"kill -9 broker {victim}: new leader in {took:.2f}s"


def round_sigstop(cluster, state, cycle):
    parts = rt.partitions_of(cluster.bootstrap)
    p = (cycle + 1) % PARTITIONS
    leader = parts[p][0]
    led_by = {n: [q for q, s in parts.items() if s[0] == n] for n in NODES}
    followers = [n for n in parts[p][1] if n != leader]
    victim = min(followers, key=lambda n: len(led_by[n]))  # prefer a broker that leads nothing
    # Stopped past replica.lag.time.max.ms, resumed well before the session timeout (never more
    # than SESSION_TIMEOUT_MS - 1 s) so the broker stays registered.
    limit = (SESSION_TIMEOUT_MS - 1000) / 1000
    shrunk_after = None
    t0 = time.monotonic()
    os.kill(cluster.pid(victim), signal.SIGSTOP)
    try:
        time.sleep(LAG_MS / 1000)
        while time.monotonic() - t0 < limit:
            try:
                isr = isr_from(cluster, leader, p)
            except Exception:  # noqa: BLE001 - retried until the limit
                isr = None
            if isr is not None and victim not in isr:
                shrunk_after = time.monotonic() - t0
                break
            time.sleep(0.05)
    finally:
        os.kill(cluster.pid(victim), signal.SIGCONT)
    stopped_for = time.monotonic() - t0
    log(f"SIGSTOP of broker {victim} (follower of partition {p}, leader of {led_by[victim]}) for "
        f"{stopped_for:.2f}s; " + (f"partition {p}'s ISR shrank after {shrunk_after:.2f}s"
                                   if shrunk_after else "the ISR did not shrink while it was stopped"))
    # How soon the leader notices varies (its lag check, the ZooKeeper write); a stop long enough to
    # be sure of it would risk the session. So one round may miss the shrink; fault_rounds requires
    # that at least one saw it.
    state.setdefault("shrinks", []).append(shrunk_after is not None)
    t1 = time.monotonic()
    wait_settled(cluster, f"broker {victim} resumed")
    check(alive(cluster, victim), f"broker {victim} exited after SIGCONT (session expired?)")
    log(f"broker {victim} resumed; back in every ISR after {time.monotonic() - t1:.2f}s")
    return f"SIGSTOP broker {victim} {stopped_for:.1f}s: " + (f"ISR shrank in {shrunk_after:.2f}s" if shrunk_after
                                                             else "ISR not shrunk while stopped")


def round_sigterm(cluster, state, cycle):
    parts = rt.partitions_of(cluster.bootstrap)
    victim = parts[(cycle + 2) % PARTITIONS][0]
    led = [p for p, s in parts.items() if s[0] == victim]
    pid = cluster.pid(victim)
    t0 = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: exited(pid), 20, f"broker {victim} to exit after SIGTERM")
    exit_took = time.monotonic() - t0
    check("runneld stopped cleanly" in cluster.log(victim), f"broker {victim} did not stop cleanly")
    took, parts = time_to_leaders(cluster, victim, t0, 15)
    log(f"SIGTERM of broker {victim} (leader of {led}); exited after {exit_took:.2f}s; leaders "
        f"{leaders(parts)} {took:.2f}s after the signal")
    restart(cluster, victim, state)
    t1 = time.monotonic()
    wait_settled(cluster, f"broker {victim} restarted after SIGTERM")
    log(f"broker {victim} restarted; full ISR again after {time.monotonic() - t1:.2f}s")
    return f"SIGTERM broker {victim}: leaders moved in {took:.2f}s"


def round_expiry(cluster, state, cycle):
    parts = rt.partitions_of(cluster.bootstrap)
    victim = parts[(cycle + 1) % PARTITIONS][0]
    led = [p for p, s in parts.items() if s[0] == victim]
    pid = cluster.pid(victim)
    logged_before = len(cluster.log(victim))
    # Stopped until the controller has moved its leaderships and dropped it from every ISR: its
    # session has expired. Resumed, the same process registers again on a new session.
    t0 = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    try:
        took, parts = time_to_leaders(cluster, victim, t0, SESSION_TIMEOUT_MS / 1000 + 15)
    finally:
        os.kill(pid, signal.SIGCONT)
    log(f"SIGSTOP of broker {victim} (leader of {led}) past its session; new leaders {leaders(parts)} after "
        f"{took:.2f}s")
    t1 = time.monotonic()
    rt.wait_registered_again(cluster, victim, pid, logged_before, 20)
    wait_settled(cluster, f"broker {victim} resumed after its session expired")
    check(alive(cluster, victim) and cluster.pid(victim) == pid, f"broker {victim} did not survive its session expiry")
    log(f"broker {victim} resumed; registered again, full ISR after {time.monotonic() - t1:.2f}s")
    return f"session expiry of broker {victim}: new leaders in {took:.2f}s"


ROUNDS = [round_kill9, round_sigstop, round_sigterm, round_expiry]


def fault_rounds(cluster, state, rounds):
    producer = rt.Producer(cluster.bootstrap, **QUIET_CLIENT)
    writer = rt.Writer(producer, "fault")
    reader = Reader(cluster.bootstrap)
    member = Reader(cluster.bootstrap, GROUP)
    state.update(producer=producer, writer=writer, reader=reader, member=member)
    writer.start()
    reader.start()
    member.start()
    time.sleep(1.0)
    failures = []
    for r in range(rounds):
        fn = ROUNDS[r % len(ROUNDS)]
        t0 = time.monotonic()
        print(f"   round {r + 1}/{rounds}: {fn.__name__}", flush=True)
        try:
            what = fn(cluster, state, r // len(ROUNDS))
        except CheckFailed as e:
            failures.append(f"round {r + 1} ({fn.__name__}): {e}")
            log(f"round {r + 1} FAILED: {e}")
            wait_settled(cluster, "after a failed round")
            what = "failed"
        check_all_alive(cluster)
        with producer.lock:
            acked, errors = len(producer.acked), len(producer.errors)
        with reader.lock:
            read = len(reader.seen)
        with member.lock:
            read_in_group = len(member.seen)
        log(f"round {r + 1} done in {time.monotonic() - t0:.1f}s ({what}); {writer.sent} sent, {acked} "
            f"acknowledged, {errors} delivery errors, {read} read by the consumer, {read_in_group} by the group member")
        time.sleep(0.5)
    writer.stop()
    log(f"producer stopped: {writer.sent} sent, {len(producer.acked)} acknowledged, "
        f"{len(producer.errors)} delivery errors")
    check(not failures, "\n".join(failures))
    shrinks = state.get("shrinks", [])
    check(not shrinks or any(shrinks), f"no SIGSTOP round saw the ISR shrink ({len(shrinks)} rounds, each stopped "
          f"up to {(SESSION_TIMEOUT_MS - 1000) / 1000}s with replica.lag.time.max.ms={LAG_MS})")
    check_equal(producer.errors[:10], [], "delivery errors (first 10)")
    check_equal(len(producer.acked), writer.sent, "records acknowledged (every record sent)")


def check_log(cluster, state):
    producer = state["producer"]
    # An acknowledgement without an offset (confluent-kafka's None): librdkafka acknowledges a batch
    # implicitly when a later one of the same producer succeeds while it was being retried (e.g. after
    # NOT_ENOUGH_REPLICAS_AFTER_APPEND while a leader resumed from SIGSTOP briefly shrank its ISR to
    # itself). Such a record is checked by key: present once, in its partition, with its value.
    with_offset = [a for a in producer.acked if a[1] is not None]
    state["no_offset"] = [a for a in producer.acked if a[1] is None]
    records = rt.check_acked_present(cluster, with_offset)
    for p in range(PARTITIONS):
        offsets = [o for q, o, _, _ in records if q == p]
        check_equal(offsets, list(range(len(offsets))), f"offsets of partition {p} contiguous from 0")
    by_key = {k: (p, v) for p, _, k, v in records}
    for p, _, k, v, _ in state["no_offset"]:
        check_equal(by_key.get(k), (p, v), f"acknowledged record {k!r} (acknowledged without an offset)")
    stored = {k for _, _, k, _ in records}
    acked = {k for _, _, k, _, _ in producer.acked}
    check_equal(sorted(stored - acked)[:10], [], "records in the log that were never acknowledged (first 10)")
    check_equal(len(records), len(producer.acked), "records in the log")
    state["records"] = records
    if state["no_offset"]:
        log(f"{len(state['no_offset'])} record(s) acknowledged without an offset (checked by key): "
            f"{[(p, k) for p, _, k, _, _ in state['no_offset'][:5]]}")
    log(f"{len(records)} records, per partition "
        f"{[sum(1 for q, _, _, _ in records if q == p) for p in range(PARTITIONS)]}")


def check_reader(cluster, state, which="reader"):
    reader, records = state[which], state["records"]
    ends = {p: sum(1 for q, _, _, _ in records if q == p) for p in range(PARTITIONS)}

    def caught_up():
        with reader.lock:
            return all(reader.positions[p] >= ends[p] for p in range(PARTITIONS))
    try:
        wait_until(caught_up, 30, f"the continuous {which} to reach the end of every partition", interval=0.2)
    finally:
        reader.stop()
    stored = {(p, o): (k, v) for p, o, k, v in records}
    check_equal(reader.conflicts[:5], [], "offsets read twice with different records (first 5)")
    missing = [(po, kv) for po, kv in reader.seen.items() if stored.get(po) != kv]
    check_equal(missing[:5], [], "records read by the consumer that are not at that offset in the final log")
    check_equal(len(reader.seen), len(records), "records read by the continuous consumer")
    log(f"the continuous {which} read {len(reader.seen)} records; {len(reader.errors)} consumer errors "
        f"{sorted(set(reader.errors))[:3]}")
    if which == "member":
        check(not reader.is_alive(), "the group member was still committing 45 s after it was stopped")
        check_equal(getattr(reader, "committed", None), ends, "the group's committed offsets after the last commit")


def main():
    args = harness.parse_args(lambda p: p.add_argument("--rounds", type=int, default=10))
    args.runneld, args.runnel = os.path.abspath(args.runneld), os.path.abspath(args.runnel)
    run = harness.TestRun("replication_fault_test", time_limit=270)
    cluster = Cluster(args.runneld)
    state = {}
    try:
        run.case("cluster.sh start: ZooKeeper and three brokers", cluster.start, 3, OVERRIDES, critical=True)
        run.case("a topic with three partitions, replication factor 3, min.insync.replicas=2", create_topic,
                 cluster, args.runnel, critical=True)
        run.case(f"{args.rounds} rounds of kill -9 / SIGSTOP / SIGTERM / session expiry under an idempotent "
                 "acks=all producer and a continuous consumer: no delivery error, every round back to a full ISR", fault_rounds,
                 cluster, state, args.rounds, critical=True)
        run.case("every acknowledged record at its acknowledged offset, nothing else, no key twice, offsets "
                 "contiguous from 0", check_log, cluster, state, critical=True)
        run.case("the continuous consumer read exactly the final log", check_reader, cluster, state)
        run.case("the consumer group member read every record and committed the end of every partition, "
                 "through coordinator failovers", check_reader, cluster, state, "member")
        run.case("the three replicas of each partition hold identical batches (runnel dump-log)",
                 rt.check_identical, cluster, args.runnel)
        run.case("every broker still running", check_all_alive, cluster)
        run.case("no sanitizer report in any broker's log, stopped and restarted incarnations included",
                 check_no_sanitizer_report, cluster)
    finally:
        cluster.close_after(run, diagnose)
    run.finish()


if __name__ == "__main__":
    main()
