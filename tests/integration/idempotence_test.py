#!/usr/bin/python3
"""Idempotent producers against a real runneld: no duplicates when clients retry.

confluent-kafka (librdkafka 2.0.2, enable.idempotence=true) and kafkajs (idempotent: true) produce
numbered records while the broker is paused with SIGSTOP past the client's request timeout and
resumed, and while every client connection is cut (clients reach the broker through a TCP proxy
that runneld advertises, so cutting the proxy's sockets cuts them all). The clients retry the
batches that were in flight; afterwards every record is in the topic exactly once, in order per
partition. Raw requests check InitProducerId (ids differ, transactional ids keep theirs and bump
the epoch).

Usage: idempotence_test.py --runneld PATH --runnel PATH --kcat PATH --node PATH --js-dir DIR
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wire  # noqa: E402
from harness import check, check_equal  # noqa: E402

from confluent_kafka import Producer  # noqa: E402


def extra_args(p):
    p.add_argument("--node", default="node")
    p.add_argument("--js-dir", required=True)


class Proxy:
    """Forwards 127.0.0.1:port to the broker; cut() closes every connection through it."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.target = None
        self.sockets = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=10)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        return len(sockets) // 2


def disturb(broker, proxy, what):
    """Pauses the broker past the clients' request timeout, then cuts every connection, twice."""
    for _ in range(2):
        time.sleep(1.0)
        os.kill(broker.pid, signal.SIGSTOP)
        time.sleep(3.5)
        os.kill(broker.pid, signal.SIGCONT)
        time.sleep(1.0)
        check(proxy.cut() > 0, f"{what}: no connection to cut")


def read_topic(bootstrap, topic):
    """{partition: [value as int, ...] in offset order}."""
    records, _ = harness.read_to_end(bootstrap, topic)
    per_partition = {}
    for partition, _, _, value in records:
        per_partition.setdefault(partition, []).append(int(value))
    return per_partition


def check_exactly_once_in_order(per_partition, count, what):
    values = [v for vs in per_partition.values() for v in vs]
    check_equal(len(values), len(set(values)), f"{what}: records written twice")
    missing = sorted(set(range(count)) - set(values))
    check(not missing, f"{what}: {len(missing)} records missing, e.g. {missing[:10]}")
    for p, vs in per_partition.items():
        check(vs == sorted(vs), f"{what}: partition {p} out of order")


def librdkafka_retries(broker, proxy):
    topic, count = "idem-lrk", 3000
    p = Producer({"bootstrap.servers": f"127.0.0.1:{proxy.port}", "enable.idempotence": True, "linger.ms": 5,
                  "request.timeout.ms": 2000, "message.timeout.ms": 60000, "log_level": 0})
    failures = []
    done = threading.Event()

    def produce():
        for i in range(count):
            while True:
                try:
                    p.produce(topic, key=str(i % 13), value=str(i),
                              on_delivery=lambda err, msg: err and failures.append(err))
                    break
                except BufferError:
                    p.poll(0.05)
            p.poll(0)
            time.sleep(0.002)
        done.set()

    t = threading.Thread(target=produce, daemon=True)
    t.start()
    disturb(broker, proxy, "librdkafka")
    t.join(60)
    check(done.is_set(), "the producer thread finished")
    check_equal(p.flush(60), 0, "records left undelivered")
    check_equal(failures, [], "delivery failures")
    check_exactly_once_in_order(read_topic(broker.bootstrap, topic), count, "librdkafka")


def kafkajs_retries(args, broker, proxy):
    script = os.path.join(args.js_dir, "kafkajs_idempotent.js")
    proc = subprocess.Popen([args.node, script, "--bootstrap", f"127.0.0.1:{proxy.port}", "--topic", "idem-kjs",
                             "--count", "1500"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        disturb(broker, proxy, "kafkajs")
        out, _ = proc.communicate(timeout=80)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = out.decode("utf-8", "replace")
    print("\n".join("   node: " + line for line in output.splitlines()[-15:]), flush=True)
    check(proc.returncode == 0 and output.rstrip().endswith("OK"), f"node kafkajs_idempotent.js: {proc.returncode}")
    check_exactly_once_in_order(read_topic(broker.bootstrap, "idem-kjs"), 1500, "kafkajs")


def init_producer_id(broker):
    def call(version, transactional_id, correlation_id):
        with wire.Conn(broker.port) as conn:
            body = wire.string(transactional_id) + wire.i32(60000)
            if version >= 2:
                tid = wire.compact_string(transactional_id) if transactional_id is not None else wire.uvarint(0)
                body = tid + wire.i32(60000) + (wire.i64(-1) + wire.i16(-1) if version >= 3 else b"") + wire.uvarint(0)
            conn.send(wire.request(22, version, correlation_id, body, flexible=version >= 2))
            _, response = conn.recv_frame()
            r = wire.Reader(response)
            if version >= 2:
                r.skip_tags()  # response header tags
            r.i32()
            return r.i16(), r.i64(), r.i16()
    a, b = call(0, None, 1), call(4, None, 2)
    check_equal((a[0], a[2], b[0], b[2]), (0, 0, 0, 0), "idempotent InitProducerId: no error, epoch 0")
    check(a[1] >= 0 and b[1] >= 0 and a[1] != b[1], f"distinct producer ids {a[1]} {b[1]}")
    t1, t2 = call(1, "txn-1", 3), call(3, "txn-1", 4)
    check_equal((t1[0], t2[0], t2[1], t2[2]), (0, 0, t1[1], t1[2] + 1), "transactional id: same id, epoch bumped")
    broker.restart()
    c = call(0, None, 5)
    check(c[1] > max(a[1], b[1], t1[1]), f"producer ids after a restart are new: {c[1]}")


def main():
    args = harness.parse_args(extra_args)
    run = harness.TestRun("idempotence_test", time_limit=130)
    proxy = Proxy()
    broker = harness.Broker(args.runneld, {"num.partitions": "3"})
    # Clients learn the proxy's address from Metadata, so every connection goes through it.
    broker.overrides["advertised.listeners"] = f"PLAINTEXT://127.0.0.1:{proxy.port}"
    run.case("start runneld", broker.start, critical=True)
    proxy.target = broker.port
    run.case("librdkafka idempotent producer: pauses and cut connections, every record once, in order",
             librdkafka_retries, broker, proxy)
    run.case("kafkajs idempotent producer: pauses and cut connections, every record once, in order",
             kafkajs_retries, args, broker, proxy)
    run.case("InitProducerId: new ids, transactional ids keep theirs, unique across restarts", init_producer_id,
             broker)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
