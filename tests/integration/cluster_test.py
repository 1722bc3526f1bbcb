#!/usr/bin/python3
"""A broker cluster through ZooKeeper: real ZooKeeper, real runneld processes (scripts/cluster.sh).

scripts/cluster.sh starts ZooKeeper and three brokers (node.id 1..3, broker.rack r1,
zookeeper.session.timeout.ms 3000). Each broker is asked for Metadata v1 over a raw socket (its
own view: brokers with host, port, rack, and the controller id), and kcat -L -J and `runnel
cluster` read it as clients. Then: SIGTERM of the controller (the others elect a new one within a
few seconds and list two brokers), a restart (registered again), kill -9 (gone after the session
timeout, a new controller if it was the controller), kill -9 and an immediate restart (the old
registration is waited out), the controller's session expired under SIGSTOP (another broker takes
over; resumed, the same process registers again on a new session), a duplicate node.id (refused at start), bad and unreachable zookeeper.connect
values, the single-node default, and cluster.sh stop (clean SIGTERM exits, ZooKeeper stopped).
A CreateTopics waiting for a paused ZooKeeper must not hold the broker's only I/O thread.
The cluster id (Metadata v2) is the same on every broker, equal to the one each wrote to its
meta.properties, and kept across the restarts; a log dir stamped with another cluster id is refused.

Usage: cluster_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wire  # noqa: E402
from zk_cluster import Cluster, exited, metadata  # noqa: E402
from harness import CheckFailed, check, check_equal, wait_until  # noqa: E402

SESSION_TIMEOUT_MS = 3000
OVERRIDES = [f"zookeeper.session.timeout.ms={SESSION_TIMEOUT_MS}", "broker.rack=r1", "num.partitions=1",
             "num.network.threads=1"]


def cluster_id(port):
    """The cluster id in Metadata v2 from one broker."""
    with wire.Conn(port) as c:
        _, body = c.roundtrip(wire.request(wire.API_METADATA, 2, 2, wire.i32(-1)))
    r = wire.Reader(body)
    r.array(lambda: (r.i32(), r.string(), r.i32(), r.string()))
    return r.string()


def stamped_cluster_id(cluster, node):
    for line in cluster.file(node, "data/meta.properties").splitlines():
        if line.startswith("cluster.id="):
            return line.split("=", 1)[1]
    raise CheckFailed(f"no cluster.id in broker {node}'s meta.properties")


def same_cluster_id(cluster, state):
    ids = {n: cluster_id(cluster.port(n)) for n in (1, 2, 3)}
    check(len(set(ids.values())) == 1, f"the brokers report different cluster ids: {ids}")
    cid = ids[1]
    check(cid is not None and len(cid) == 22, f"cluster id {cid!r} is not 22 characters")
    check_equal({n: stamped_cluster_id(cluster, n) for n in (1, 2, 3)}, ids, "cluster.id in each meta.properties")
    if "cluster_id" in state:
        check_equal(cid, state["cluster_id"], "cluster id after the restarts")
    state["cluster_id"] = cid
    print(f"   cluster id: {cid}", flush=True)


def wrong_cluster_id(runneld, cluster, state):
    b = harness.Broker(runneld, {"node.id": "4", "zookeeper.connect": cluster.zookeeper,
                                 "zookeeper.session.timeout.ms": str(SESSION_TIMEOUT_MS)}, name="wrong-cluster")
    try:
        os.makedirs(b.data_dir)
        with open(os.path.join(b.data_dir, "meta.properties"), "w") as f:
            f.write("version=1\nnode.id=4\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\n")
        try:
            b.start()
            raise CheckFailed("a broker with another cluster's log dir started")
        except harness.BrokerError:
            pass
        b.expected_running = False
        check_equal(b.proc.returncode, 1, "exit status with another cluster's log dir")
        expected = (f"runneld: cannot start: The Cluster ID {state['cluster_id']} doesn't match stored clusterId "
                    f"AAAAAAAAAAAAAAAAAAAAAA in {b.data_dir}/meta.properties. The broker is trying to join the wrong "
                    f"cluster.")
        lines = [line for line in b.log_text().splitlines() if not line.startswith("---")]
        check(expected in lines, f"expected the line {expected!r}, got:\n" + "\n".join(lines))
    finally:
        b.close()
    wait_view(cluster, {1, 2, 3})


def expected_brokers(cluster, nodes):
    return [(n, "127.0.0.1", cluster.port(n), "r1") for n in sorted(nodes)]


def wait_view(cluster, nodes, timeout=10.0):
    """Waits until every broker in `nodes` lists exactly `nodes` and names the same controller, one
    of them; returns (controller id, seconds waited)."""
    t0 = time.monotonic()
    want = expected_brokers(cluster, nodes)
    last = {}

    def agreed():
        controllers = set()
        for n in nodes:
            brokers, controller = metadata(cluster.port(n))
            last[n] = (brokers, controller)
            if brokers != want:
                return None
            controllers.add(controller)
        return controllers.pop() if len(controllers) == 1 and controllers <= set(nodes) else None
    try:
        controller = wait_until(agreed, timeout, f"brokers {sorted(nodes)} to list exactly themselves and agree on "
                                                 f"a controller among them", interval=0.05)
    except CheckFailed as e:
        raise CheckFailed(f"{e}\nlast views: {last}\nexpected brokers: {want}")
    return controller, time.monotonic() - t0


def check_three(cluster, kcat, state):
    controller, _ = wait_view(cluster, {1, 2, 3})
    state["controller"] = controller
    meta = json.loads(harness.run_command([kcat, "-F", "none", "-b", cluster.bootstrap, "-m", "15", "-L", "-J"],
                                          timeout=30, what="kcat").stdout)
    check_equal(sorted((b["id"], b["name"]) for b in meta["brokers"]),
                [(n, f"127.0.0.1:{cluster.port(n)}") for n in (1, 2, 3)], "kcat -L -J brokers")
    check_equal(meta["controllerid"], controller, "kcat -L -J controllerid")
    print(f"   controller: broker {controller}", flush=True)


def check_cli(cluster, runnel, state):
    out = harness.run_command([runnel, "--brokers", cluster.bootstrap, "--timeout", "5", "--output", "json",
                               "cluster"], timeout=30, what="runnel").stdout.decode()
    head, *lines = [json.loads(line) for line in out.splitlines()]
    check_equal((head["controller"], head["brokers"]), (state["controller"], 3), "runnel cluster: controller, brokers")
    check_equal(lines, [{"broker": n, "host": "127.0.0.1", "port": cluster.port(n), "controller": n == state["controller"]}
                        for n in (1, 2, 3)], "runnel cluster broker lines")


def create_waits_for_zookeeper_alone(cluster):
    """num.network.threads=1: a CreateTopics waiting for a paused ZooKeeper (SIGSTOP for well under
    the session timeout) holds no I/O thread: the same broker answers ApiVersions and Metadata on
    other connections meanwhile, and the CreateTopics succeeds once ZooKeeper runs again."""
    with open(os.path.join(cluster.dir, "zookeeper", "pid")) as f:
        zookeeper_pid = int(f.read())
    port = cluster.port(1)
    with wire.Conn(port) as held:
        os.kill(zookeeper_pid, signal.SIGSTOP)
        try:
            held.send(wire.create_topics_request_v0(1, [("created-while-paused", 1, 3)]))
            time.sleep(0.3)  # the CreateTopics is waiting for ZooKeeper now
            with wire.Conn(port) as other:
                other.roundtrip(wire.api_versions_request(0, 2), timeout=1.0)
                _, body = other.roundtrip(wire.metadata_request_v1(3, []), timeout=1.0)
                check_equal(len(wire.parse_metadata_v1(body)["brokers"]), 3, "brokers while ZooKeeper is paused")
            try:
                held.recv_frame(timeout=0.1)
                raise CheckFailed("CreateTopics was answered while ZooKeeper was paused")
            except TimeoutError:
                pass
        finally:
            os.kill(zookeeper_pid, signal.SIGCONT)
        _, body = held.recv_frame(timeout=30)
        check_equal(wire.parse_create_topics_v0(body), {"created-while-paused": 0}, "CreateTopics after the pause")

    def led():  # LEADER_NOT_AVAILABLE until this broker's copy has the new partition state
        with wire.Conn(port) as c:
            _, body = c.roundtrip(wire.metadata_request_v1(4, ["created-while-paused"]))
        return wire.parse_metadata_v1(body)["topics"]["created-while-paused"] == (0, [(0, 0)])
    wait_until(led, 10, "a leader for the created topic in Metadata")


def sigterm_controller(cluster, state):
    old = state["controller"]
    pid = cluster.pid(old)
    t0 = time.monotonic()
    os.kill(pid, signal.SIGTERM)
    rest = {1, 2, 3} - {old}
    controller, _ = wait_view(cluster, rest, timeout=5)
    took = time.monotonic() - t0
    print(f"   new controller: broker {controller}, {took:.2f}s after SIGTERM", flush=True)
    check(took < SESSION_TIMEOUT_MS / 1000, f"the takeover took {took:.2f}s, not faster than the session timeout")
    wait_until(lambda: exited(pid), 30, f"broker {old} to exit after SIGTERM")
    check("runneld stopped cleanly" in cluster.log(old), f"broker {old} did not stop cleanly:\n{cluster.log(old)[-2000:]}")
    state["controller"], state["stopped"] = controller, old


def restart_stopped(cluster, state):
    cluster.restart(state["stopped"])
    controller, _ = wait_view(cluster, {1, 2, 3})
    check_equal(controller, state["controller"], "controller after the old controller came back")


def kill9_controller(cluster, state):
    old = state["controller"]
    os.kill(cluster.pid(old), signal.SIGKILL)
    t0 = time.monotonic()
    time.sleep(0.3)
    rest = sorted({1, 2, 3} - {old})
    brokers, _ = metadata(cluster.port(rest[0]))
    check(any(b[0] == old for b in brokers), f"broker {old} gone from {brokers} 0.3 s after kill -9, before its "
                                             f"session could time out")
    controller, _ = wait_view(cluster, set(rest), timeout=SESSION_TIMEOUT_MS / 1000 + 8)
    took = time.monotonic() - t0
    print(f"   broker {old} gone and broker {controller} controller {took:.2f}s after kill -9", flush=True)
    state["controller"], state["killed"] = controller, old


def restart_killed(cluster, state):
    cluster.restart(state["killed"])
    wait_view(cluster, {1, 2, 3})


def kill9_and_restart_at_once(cluster, state):
    node = min({1, 2, 3} - {state["controller"]})
    os.kill(cluster.pid(node), signal.SIGKILL)
    wait_until(lambda: exited(cluster.pid(node)), 10, f"broker {node} to die")
    t0 = time.monotonic()
    cluster.restart(node)
    took = time.monotonic() - t0
    check("waiting up to" in cluster.log(node), f"broker {node} did not wait out its old registration:\n"
                                                 + cluster.log(node)[-2000:])
    wait_view(cluster, {1, 2, 3})
    print(f"   broker {node} registered again {took:.2f}s after its restart", flush=True)


def expired_session_rejoins(cluster, state):
    node = state["controller"]
    pid = cluster.pid(node)
    logged_before = len(cluster.log(node))
    os.kill(pid, signal.SIGSTOP)
    try:
        rest = {1, 2, 3} - {node}
        controller, _ = wait_view(cluster, rest, timeout=SESSION_TIMEOUT_MS / 1000 + 8)
    finally:
        os.kill(pid, signal.SIGCONT)
    # Same process: it renews its session, registers again and follows the new controller.
    after, waited = wait_view(cluster, {1, 2, 3}, timeout=20)
    check(not exited(pid), f"broker {node} exited after its session expired")
    check_equal(cluster.pid(node), pid, f"broker {node}'s process")
    check_equal(after, controller, "the controller after the paused one registered again")
    log = cluster.log(node)[logged_before:]
    check("WARN [zookeeper] the ZooKeeper session expired: this broker is no longer registered" in log,
          f"no WARN line about the expiry:\n{log[-2000:]}")
    check_equal(log.count(f"registered as broker {node} at"), 1, f"registrations in broker {node}'s log since the pause")
    check("ERROR" not in log, f"an ERROR in broker {node}'s log:\n{log[-2000:]}")
    state["controller"] = controller
    print(f"   broker {node} (the controller) paused past its session; broker {controller} took over; "
          f"{node} registered again {waited:.2f}s after resuming", flush=True)


def duplicate_node_id(runneld, cluster):
    dup = harness.Broker(runneld, {"node.id": "2", "zookeeper.connect": cluster.zookeeper,
                                   "zookeeper.session.timeout.ms": str(SESSION_TIMEOUT_MS)}, name="duplicate")
    try:
        dup.start()
        raise CheckFailed("a second broker with node.id 2 started")
    except harness.BrokerError:
        pass
    finally:
        dup.expected_running = False
    check_equal(dup.proc.returncode, 1, "exit status of the duplicate")
    log = dup.log_text()
    check("runneld: cannot start: node.id 2 is already registered in ZooKeeper (/brokers/ids/2 exists" in log,
          f"no clear message:\n{log}")
    dup.close()
    wait_view(cluster, {1, 2, 3})  # the original broker 2 is untouched


def refused(runneld, overrides, expected):
    b = harness.Broker(runneld, overrides, name="refused")
    try:
        try:
            b.start()
            raise CheckFailed(f"runneld started with {overrides}")
        except harness.BrokerError:
            pass
        b.expected_running = False
        check_equal(b.proc.returncode, 1, f"exit status with {overrides}")
        lines = [line for line in b.log_text().splitlines() if not line.startswith("---")]
        check(any(expected in line for line in lines), f"expected a line with {expected!r}, got:\n" + "\n".join(lines))
        return lines
    finally:
        b.close()


def bad_settings(runneld):
    refused(runneld, {"zookeeper.connect": "localhost"},
            "runneld: invalid value for zookeeper.connect: 'localhost' ('localhost' is not host:port")
    refused(runneld, {"zookeeper.connect": "127.0.0.1:2181/"}, "invalid value for zookeeper.connect")
    refused(runneld, {"zookeeper.session.timeout.ms": "soon"},
            "runneld: invalid value for zookeeper.session.timeout.ms: 'soon' (not a number)")
    # A port nothing listens on: no session within the connection timeout.
    lines = refused(runneld, {"zookeeper.connect": "127.0.0.1:1", "zookeeper.connection.timeout.ms": "1000"},
                    "runneld: cannot start: no ZooKeeper session with 127.0.0.1:1 within 1000 ms")
    # The ZooKeeper client's own complaints come through the broker's log, not raw to stderr.
    check(any(" WARN [zookeeper] " in line and "Connection refused" in line for line in lines),
          "no WARN [zookeeper] line about the refused connection:\n" + "\n".join(lines))
    check(not any("ZOO_" in line for line in lines), "raw ZooKeeper client lines:\n" + "\n".join(lines))


def single_node(runneld):
    with harness.Broker(runneld, {"broker.rack": "solo"}, name="single") as b:
        check_equal(metadata(b.port), ([(0, "127.0.0.1", b.port, "solo")], 0), "single-node Metadata: brokers, controller")
        b.stop()


def stop_cluster(cluster):
    pids = {n: cluster.pid(n) for n in (1, 2, 3)}
    zk_pid = int(open(os.path.join(cluster.dir, "zookeeper", "pid")).read())
    cluster.stop()
    for n, pid in pids.items():
        check(exited(pid), f"broker {n} still running after cluster.sh stop")
        check("runneld stopped cleanly" in cluster.log(n), f"broker {n} did not stop cleanly:\n{cluster.log(n)[-1500:]}")
    check(exited(zk_pid), "ZooKeeper still running after cluster.sh stop")


def main():
    args = harness.parse_args()
    args.runneld, args.runnel = os.path.abspath(args.runneld), os.path.abspath(args.runnel)
    run = harness.TestRun("cluster_test", time_limit=120)
    cluster = Cluster(args.runneld)
    state = {}
    try:
        run.case("cluster.sh start: ZooKeeper and three brokers, all registered", cluster.start, 3, OVERRIDES,
                 critical=True)
        run.case("every broker lists the three brokers (host, port, rack) and one controller among them; "
                 "kcat -L -J agrees", check_three, cluster, args.kcat, state, critical=True)
        run.case("every broker reports the same cluster id (Metadata v2), the one in its meta.properties",
                 same_cluster_id, cluster, state, critical=True)
        run.case("runnel cluster shows the three brokers and the controller", check_cli, cluster, args.runnel, state)
        run.case("CreateTopics waiting for a paused ZooKeeper holds no I/O thread (num.network.threads=1)",
                 create_waits_for_zookeeper_alone, cluster)
        run.case("SIGTERM of the controller: the two others list two brokers and elect a new controller at once",
                 sigterm_controller, cluster, state, critical=True)
        run.case("the stopped broker, started again, registers; the controller stays", restart_stopped, cluster, state,
                 critical=True)
        run.case("kill -9 of the controller: listed until its session times out, then gone, and a new controller",
                 kill9_controller, cluster, state, critical=True)
        run.case("the killed broker, started again, registers", restart_killed, cluster, state, critical=True)
        run.case("kill -9 and an immediate restart: the old registration is waited out, then it registers",
                 kill9_and_restart_at_once, cluster, state, critical=True)
        run.case("the controller's session expired (SIGSTOP past the timeout): another broker takes over; resumed, "
                 "the same process registers again on a new session and follows it", expired_session_rejoins,
                 cluster, state, critical=True)
        run.case("after the restarts every broker still reports the same cluster id", same_cluster_id, cluster, state)
        run.case("a log dir stamped with another cluster id is refused at start with Kafka's one-line message",
                 wrong_cluster_id, args.runneld, cluster, state)
        run.case("a second broker with a registered node.id is refused at start with a clear message",
                 duplicate_node_id, args.runneld, cluster)
        run.case("cluster.sh stop: every broker exits cleanly on SIGTERM, then ZooKeeper stops", stop_cluster, cluster)
        run.case("bad zookeeper settings and an unreachable ZooKeeper: one line at start, status 1", bad_settings,
                 args.runneld)
        run.case("without zookeeper.connect the broker is the only broker and the controller", single_node,
                 args.runneld)
    finally:
        cluster.close_after(run)
    run.finish()


if __name__ == "__main__":
    main()
