#!/usr/bin/python3
"""The runnel CLI's replica reporting on a three-broker cluster (scripts/cluster.sh, real ZooKeeper).

A topic with replication factor 3: `topic describe` shows each partition's leader (its first
replica), three replicas and the same three in the ISR, nothing under-replicated or offline, and
`cluster` counts 0 under-replicated and 0 offline partitions and lists none (text and JSON,
compared exactly). Then the broker that leads neither partition (restarted first if it is the
controller: librdkafka sends `topic describe`'s DescribeConfigs there) is stopped (SIGSTOP) past
replica.lag.time.max.ms but well within the ZooKeeper session timeout: both partitions it follows
are reported under-replicated with exactly the other two replicas in their ISR, by `topic
describe` and by `cluster` (counts and one line per partition). Resumed (SIGCONT), it is back in
every ISR and both commands report nothing again. Last, a broker that leads a replicated partition
is shut down (SIGTERM): the partition of a replication-factor-1 topic it held is reported offline
(leader -1, its offsets -1), the replicated partitions under-replicated under their new leaders;
restarted, nothing is reported.

Usage: cli_cluster_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import CheckFailed, check, check_equal, wait_until  # noqa: E402
from zk_cluster import LAG_MS, REPLICATION_OVERRIDES, SESSION_TIMEOUT_MS, Cluster, exited  # noqa: E402

TOPIC = "cli-replicated"
SINGLE = "cli-single"  # replication factor 1: offline while its broker is down
PARTITIONS = 2
NODES = (1, 2, 3)


class Cli:
    def __init__(self, path, cluster):
        self.path, self.cluster = path, cluster

    def run(self, args, nodes=NODES, output="text"):
        """Runs one command against the given brokers only (a stopped broker would stall the bootstrap)."""
        brokers = ",".join(f"127.0.0.1:{self.cluster.port(n)}" for n in nodes)
        cmd = [self.path, "--brokers", brokers, "--timeout", "5", "--output", output] + list(args)
        return harness.run_command(cmd, timeout=30, what="runnel").stdout.decode()

    def json_lines(self, args, nodes=NODES):
        return [json.loads(line) for line in self.run(args, nodes, "json").splitlines()]


def describe(cli, nodes=NODES, topic=TOPIC):
    [d] = cli.json_lines(["topic", "describe", topic], nodes)
    return d


def partition_summary(d):
    return [(p["partition"], p["leader"], p["replicas"], p["isr"], p["underReplicated"], p["offline"])
            for p in d["partitions"]]


def wait_state(cli, expected, what, nodes=NODES, timeout=20.0):
    """Waits until `topic describe` shows exactly `expected` (partition_summary); returns the description."""
    last = {}

    def ok():
        last["d"] = describe(cli, nodes)
        return partition_summary(last["d"]) == expected
    try:
        wait_until(ok, timeout, what, interval=0.3)
    except CheckFailed as e:
        raise CheckFailed(f"{e}\nlast: {partition_summary(last['d']) if 'd' in last else None}\nexpected: {expected}")
    return last["d"]


def healthy(replicas):
    return [(p, r[0], r, r, False, False) for p, r in enumerate(replicas)]


def create_topic(cli, state):
    check_equal(cli.run(["topic", "create", TOPIC, "--partitions", str(PARTITIONS), "--replication-factor", "3"]),
                f"created: {TOPIC}\n", "topic create output")

    def assigned():
        parts = describe(cli)["partitions"]
        return len(parts) == PARTITIONS and all(sorted(p["replicas"]) == [1, 2, 3] for p in parts) and parts
    parts = wait_until(assigned, 20, "three replicas for every partition", interval=0.3)
    replicas = [p["replicas"] for p in parts]
    check(replicas[0][0] != replicas[1][0], f"both partitions have the same preferred leader: {replicas}")
    d = wait_state(cli, healthy(replicas), "each partition led by its first replica, all three in the ISR")
    state["replicas"] = replicas
    print(f"   replicas: {replicas}", flush=True)

    text = cli.run(["topic", "describe", TOPIC]).splitlines()
    check_equal(text[:PARTITIONS + 1], [f"topic: {TOPIC} partitions: {PARTITIONS} replication-factor: 3"] + [
        f"  partition: {p} leader: {r[0]} replicas: {fmt(r)} isr: {fmt(r)} log-start-offset: 0 log-end-offset: 0"
        for p, r in enumerate(replicas)], "topic describe text")
    check_equal([(p["logStartOffset"], p["logEndOffset"]) for p in d["partitions"]], [(0, 0)] * PARTITIONS,
                "topic describe offsets")


def fmt(ids):
    return "[" + ",".join(str(i) for i in ids) + "]"


def cluster_report(cli, nodes=NODES):
    """(`cluster --output json` lines, `cluster` text lines)."""
    return cli.json_lines(["cluster"], nodes), cli.run(["cluster"], nodes).splitlines()


def text_marks(under, offline):
    return (" under-replicated: true" if under else "") + (" offline: true" if offline else "")


def check_cluster(cli, nodes, topics, listed, what, via=NODES):
    """`cluster` (asking the brokers `via`) in both formats: the brokers `nodes`, `topics` {name:
    partition count}, then exactly `listed` [(topic, partition, leader, replicas, isr,
    under-replicated, offline)]."""
    lines, text = cluster_report(cli, via)
    head = lines[0]
    partitions = sum(topics.values())
    check_equal({k: head[k] for k in ("brokers", "topics", "partitions", "underReplicatedPartitions",
                                       "offlinePartitions")},
                {"brokers": len(nodes), "topics": len(topics), "partitions": partitions,
                 "underReplicatedPartitions": sum(1 for *_, under, _ in listed if under),
                 "offlinePartitions": sum(1 for *_, offline in listed if offline)}, f"{what}: cluster summary")
    controller = head["controller"]
    check(controller in nodes, f"{what}: controller {controller}")
    n = len(nodes)
    check_equal(lines[1:n + 1], [{"broker": b, "host": "127.0.0.1", "port": cli.cluster.port(b),
                                  "controller": b == controller} for b in nodes], f"{what}: cluster broker lines")
    check_equal(lines[n + 1:], [{"topic": t, "partition": p, "leader": leader, "replicas": r, "isr": isr,
                                 "underReplicated": under, "offline": offline}
                                for t, p, leader, r, isr, under, offline in listed],
                f"{what}: cluster partition lines (JSON)")
    check_equal(text[0], f"cluster: {head['cluster']} controller: {controller} brokers: {n} topics: {len(topics)} "
                f"partitions: {partitions} under-replicated-partitions: {head['underReplicatedPartitions']} "
                f"offline-partitions: {head['offlinePartitions']}", f"{what}: cluster summary text")
    check_equal(text[n + 1:], [f"topic: {t} partition: {p} leader: {leader} replicas: {fmt(r)} isr: {fmt(isr)}"
                               + text_marks(under, offline) for t, p, leader, r, isr, under, offline in listed],
                f"{what}: cluster partition lines (text)")


def cluster_healthy(cli, state):
    check_cluster(cli, NODES, {TOPIC: PARTITIONS}, [], "all replicas in sync")


def move_controller(cli, node, replicas):
    """Restarts the controller `node` (SIGTERM, then cluster.sh broker) so that another broker controls."""
    pid = cli.cluster.pid(node)
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: exited(pid), 20, f"broker {node} to exit after SIGTERM")
    cli.cluster.restart(node)
    wait_state(cli, healthy(replicas), f"broker {node} back in both ISRs after its restart", timeout=30)
    controller = cli.json_lines(["cluster"])[0]["controller"]
    check(controller != node, f"broker {node} is the controller again after its restart")
    print(f"   controller {node} restarted; broker {controller} controls", flush=True)


def stopped_follower(cli, state):
    replicas = state["replicas"]
    leaders = {r[0] for r in replicas}
    [stopped] = [n for n in NODES if n not in leaders]
    controller = cli.json_lines(["cluster"])[0]["controller"]
    if controller == stopped:
        # librdkafka sends DescribeConfigs to the controller: `topic describe` needs it running.
        move_controller(cli, stopped, replicas)
    live = [n for n in NODES if n != stopped]
    shrunk = [(p, r[0], r, [n for n in r if n != stopped]) for p, r in enumerate(replicas)]
    expected = [(p, leader, r, isr, True, False) for p, leader, r, isr in shrunk]
    pid = cli.cluster.pid(stopped)
    stopped_at = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    try:
        # The leaders drop it after replica.lag.time.max.ms; its ZooKeeper session (6 s) must outlive the checks.
        d = wait_state(cli, expected, f"broker {stopped} out of both ISRs", nodes=live, timeout=LAG_MS / 1000 + 3)
        print(f"   broker {stopped} stopped; ISRs shrank after {time.monotonic() - stopped_at:.1f}s: "
              f"{[p['isr'] for p in d['partitions']]}", flush=True)
        text = cli.run(["topic", "describe", TOPIC], live).splitlines()
        check_equal(text[1:PARTITIONS + 1], [
            f"  partition: {p} leader: {leader} replicas: {fmt(r)} isr: {fmt(isr)} under-replicated: true "
            "log-start-offset: 0 log-end-offset: 0" for p, leader, r, isr in shrunk], "topic describe text")
        check_cluster(cli, NODES, {TOPIC: PARTITIONS},
                      [(TOPIC, p, leader, r, isr, True, False) for p, leader, r, isr in shrunk],
                      f"broker {stopped} stopped", via=live)
        took = time.monotonic() - stopped_at
        check(took < SESSION_TIMEOUT_MS / 1000, f"checks took {took:.1f}s, past the ZooKeeper session timeout")
    finally:
        os.kill(pid, signal.SIGCONT)
    state["stopped"] = stopped


def resumed(cli, state):
    wait_state(cli, healthy(state["replicas"]), f"broker {state['stopped']} back in both ISRs", timeout=30)
    check_cluster(cli, NODES, {TOPIC: PARTITIONS}, [], "after SIGCONT")


def offline_partition(cli, state):
    check_equal(cli.run(["topic", "create", SINGLE, "--partitions", "3", "--replication-factor", "1"]),
                f"created: {SINGLE}\n", "topic create output")
    single = wait_until(lambda: [p["replicas"] for p in describe(cli, topic=SINGLE)["partitions"]
                                 if p["leader"] == p["replicas"][0]], 20, f"{SINGLE} led by its replicas")
    check_equal(sorted(single), [[1], [2], [3]], f"{SINGLE}: one partition on each broker")
    controller = cli.json_lines(["cluster"])[0]["controller"]
    # A leader of a replicated partition (two of the three brokers lead one), not the controller.
    gone = next(n for n in NODES if n != controller and n in {r[0] for r in state["replicas"]})
    live = [n for n in NODES if n != gone]
    pid = cli.cluster.pid(gone)
    os.kill(pid, signal.SIGTERM)  # a controlled shutdown: its replicated partitions' leadership moves first
    wait_until(lambda: exited(pid), 20, f"broker {gone} to exit after SIGTERM")
    replicated = []
    for p, r in enumerate(state["replicas"]):
        isr = [n for n in r if n != gone]
        replicated.append((TOPIC, p, isr[0], r, isr, True, False))
    offline = [(SINGLE, p, -1, r, r, False, True) for p, r in enumerate(single) if r == [gone]]
    topics = {TOPIC: PARTITIONS, SINGLE: 3}

    def reported():
        lines = cli.json_lines(["cluster"], live)
        return lines[0]["brokers"] == 2 and len(lines) == 3 + len(replicated) + len(offline)
    wait_until(reported, 15, f"broker {gone}'s partitions reported", interval=0.3)
    print(f"   broker {gone} shut down; {SINGLE} partition {offline[0][1]} offline; leaders now "
          f"{[leader for _, _, leader, *_ in replicated]}", flush=True)
    check_cluster(cli, live, topics, replicated + offline, f"broker {gone} shut down", via=live)
    [(_, p, *_)] = offline
    text = cli.run(["topic", "describe", SINGLE], live).splitlines()
    check_equal(text[p + 1], f"  partition: {p} leader: -1 replicas: [{gone}] isr: [{gone}] offline: true "
                "log-start-offset: -1 log-end-offset: -1", f"topic describe {SINGLE}: the offline partition")
    cli.cluster.restart(gone)

    def recovered():
        head = cli.json_lines(["cluster"])[0]
        return (head["brokers"], head["underReplicatedPartitions"], head["offlinePartitions"]) == (3, 0, 0)
    wait_until(recovered, 30, f"broker {gone} back: nothing under-replicated or offline", interval=0.3)
    check_cluster(cli, NODES, topics, [], f"broker {gone} restarted")


def main():
    args = harness.parse_args()
    args.runneld, args.runnel = os.path.abspath(args.runneld), os.path.abspath(args.runnel)
    run = harness.TestRun("cli_cluster_test", time_limit=150)
    cluster = Cluster(args.runneld)
    cli = Cli(args.runnel, cluster)
    state = {}
    try:
        run.case("cluster.sh start: ZooKeeper and three brokers", cluster.start, 3, REPLICATION_OVERRIDES,
                 critical=True)
        run.case("topic describe: each partition's leader, three replicas, all in the ISR", create_topic, cli,
                 state, critical=True)
        run.case("cluster: 0 under-replicated, 0 offline, no partition lines", cluster_healthy, cli, state)
        run.case("a follower stopped past replica.lag.time.max.ms: topic describe and cluster report both "
                 "partitions under-replicated with the exact ISR", stopped_follower, cli, state, critical=True)
        run.case("resumed: back in every ISR, nothing under-replicated", resumed, cli, state, critical=True)
        run.case("a broker shut down: its replication-factor-1 partition reported offline (leader -1, offsets -1), "
                 "the partitions it followed under-replicated; restarted, nothing reported", offline_partition, cli,
                 state)
    finally:
        cluster.close_after(run)
    run.finish()


if __name__ == "__main__":
    main()
