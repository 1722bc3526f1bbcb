#!/usr/bin/python3
"""Consumer-group benchmarks against a running runneld (docs/benchmarks.md, "Consumer groups").

  commits     durable OffsetCommit requests per second: C connections, each keeping D requests
              in flight (pipelined), each request committing one partition for its own group
              with generation -1; every answer is checked (error code 0).
  stabilise   time for M confluent-kafka consumers (librdkafka 2.0.2) subscribing to one topic in
              one group until every member holds its share of the partitions.
  groups      broker RSS (from /proc/PID/status) before and after N groups each commit offsets
              for P partitions, and after a restart (the view, not the heap, holds them).

Usage: group_bench.py --bootstrap HOST:PORT [--pid PID] [--commits-seconds S] [--connections C]
                      [--depth D] [--members M] [--groups N] [--json]
"""

import argparse
import json
import os
import socket
import struct
import sys
import threading
import time


def _string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def _offset_commit_v2(correlation_id, group, topic, partition, offset):
    body = (_string(group) + struct.pack(">i", -1) + _string("") + struct.pack(">q", -1)
            + struct.pack(">i", 1) + _string(topic) + struct.pack(">i", 1)
            + struct.pack(">iq", partition, offset) + _string(""))
    header = struct.pack(">hhi", 8, 2, correlation_id) + _string("group-bench")
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def recv_frame(self):
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">i", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    frame, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    return frame
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("broker closed the connection")
            self.buf += chunk


def _commit_error(frame):
    # correlation id, throttle (v3+ only; v2 has none), [topic [partition error]]
    pos = 4
    (topics,) = struct.unpack(">i", frame[pos:pos + 4])
    pos += 4
    (tlen,) = struct.unpack(">h", frame[pos:pos + 2])
    pos += 2 + tlen + 4
    _, error = struct.unpack(">ih", frame[pos:pos + 6])
    return error if topics == 1 else -1


def bench_commits(host, port, topic, seconds, connections, depth):
    done = [0] * connections
    errors = []
    stop_at = time.monotonic() + seconds

    def run(i):
        conn = Conn(host, port)
        cid, inflight = 0, 0
        try:
            while True:
                while inflight < depth and time.monotonic() < stop_at:
                    cid += 1
                    conn.sock.sendall(_offset_commit_v2(cid, f"bench-{i}-{cid % depth}", topic, 0, cid))
                    inflight += 1
                if inflight == 0:
                    return
                error = _commit_error(conn.recv_frame())
                if error != 0:
                    errors.append(error)
                    return
                inflight -= 1
                done[i] += 1
        finally:
            conn.sock.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    if errors:
        raise SystemExit(f"OffsetCommit answered error {errors[0]}")
    return {"commits": sum(done), "seconds": round(elapsed, 3), "commits_per_second": round(sum(done) / elapsed)}


def bench_stabilise(bootstrap, topic, members, partitions):
    from confluent_kafka import Consumer
    group = f"stabilise-{int(time.time())}"
    assigned = [0] * members
    consumers = []

    def on_assign(i):
        def cb(consumer, parts):
            assigned[i] = len(parts)
        return cb

    t0 = time.monotonic()
    for i in range(members):
        c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "session.timeout.ms": 10000,
                      "heartbeat.interval.ms": 500})
        c.subscribe([topic], on_assign=on_assign(i))
        consumers.append(c)
    share = partitions // members
    while time.monotonic() - t0 < 120:
        for c in consumers:
            c.poll(0.01)
        if sum(assigned) == partitions and all(a == share for a in assigned):
            break
    elapsed = time.monotonic() - t0
    for c in consumers:
        c.close()
    return {"members": members, "partitions": partitions, "seconds_to_stable": round(elapsed, 3)}


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def bench_groups(host, port, topic, pid, groups, partitions):
    before = rss_kib(pid)
    conn = Conn(host, port)
    sent = 0
    for g in range(groups):
        for p in range(partitions):
            sent += 1
            conn.sock.sendall(_offset_commit_v2(sent, f"many-{g}", topic, p, g))
        if g % 64 == 63 or g == groups - 1:
            while sent > 0:
                if _commit_error(conn.recv_frame()) != 0:
                    raise SystemExit("OffsetCommit failed")
                sent -= 1
    conn.sock.close()
    return {"groups": groups, "partitions_each": partitions, "rss_kib_before": before, "rss_kib_after": rss_kib(pid)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--topic", default="group-bench")
    p.add_argument("--pid", type=int, help="runneld's pid, for RSS")
    p.add_argument("--commits-seconds", type=float, default=5)
    p.add_argument("--connections", type=int, default=4)
    p.add_argument("--depth", type=int, default=32)
    p.add_argument("--members", type=int, default=10)
    p.add_argument("--partitions", type=int, default=20)
    p.add_argument("--groups", type=int, default=10000)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    host, port = args.bootstrap.rsplit(":", 1)
    port = int(port)

    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    try:
        admin.create_topics([NewTopic(args.topic, args.partitions, 1)])[args.topic].result(10)
    except Exception as e:  # noqa: BLE001 - an existing topic is fine
        if "TOPIC_ALREADY_EXISTS" not in str(e):
            raise
    results = {"commits": bench_commits(host, port, args.topic, args.commits_seconds, args.connections, args.depth),
               "stabilise": bench_stabilise(args.bootstrap, args.topic, args.members, args.partitions)}
    if args.pid:
        results["groups"] = bench_groups(host, port, args.topic, args.pid, args.groups, 4)
    if args.json:
        print(json.dumps(results))
    else:
        for name, r in results.items():
            print(name + ": " + " ".join(f"{k}={v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
