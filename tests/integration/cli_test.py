#!/usr/bin/python3
"""The runnel CLI (topic, produce, consume; librdkafka 2.0.2) against a real runneld.

topic create/list/describe/delete with exact partition counts, replicas, offsets and configs;
produce with --key-separator and --header, keyed records placed by the Java partitioner (the
kafka-compat.md §3 vectors for 3, 6 and 10 partitions), keyless ones round-robin, --partition;
consume them back with --from-beginning / --offset / --timestamp (epoch ms and ISO-8601),
--partition, --count, --until-end, --format and --output json, comparing topic, partition, offset,
key, value and headers exactly (UTF-8, tabs, empty values); bad arguments print a usage line and
exit non-zero; an unreachable broker fails within --timeout with one line naming it.

Usage: cli_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import datetime
import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, check_equal  # noqa: E402

# kafka-compat.md §3: key -> Java partition for 3 / 6 / 10 partitions.
JAVA_VECTORS = {"21": (0, 0, 0), "foobar": (0, 0, 6), "kafka": (1, 4, 0), "abc": (0, 3, 7), "user-42": (1, 4, 0)}
HEADERS = [("source", "cli-test"), ("ünï", "çødé ✓"), ("empty", "")]


class Cli:
    def __init__(self, path, bootstrap):
        self.path = path
        self.bootstrap = bootstrap

    def run(self, args, input=None, timeout=30, check_status=True, brokers=None):
        cmd = [self.path, "--brokers", brokers or self.bootstrap, "--timeout", "5"] + list(args)
        return harness.run_command(cmd, input=input, timeout=timeout, check_status=check_status, what="runnel")

    def json_lines(self, args, **kw):
        out = self.run(["--output", "json"] + list(args), **kw).stdout.decode()
        return [json.loads(line) for line in out.splitlines()]

    def consume(self, topic, *extra):
        records = self.json_lines(["consume", topic, "--until-end"] + list(extra))
        return [(r["partition"], r["offset"], harness.json_bytes(r["key"]), harness.json_bytes(r["value"]),
                 [(h["key"], harness.json_bytes(h["value"])) for h in r["headers"]], r["timestamp"]) for r in records]

    def produce(self, topic, lines, *extra):
        data = b"".join(line.encode() + b"\n" for line in lines)
        return self.run(["produce", topic] + list(extra), input=data)


def expect_failure(cli, args, needle, within=10, brokers=None):
    t0 = time.monotonic()
    res = cli.run(args, check_status=False, timeout=within + 5, brokers=brokers)
    took = time.monotonic() - t0
    err = res.stderr.decode("utf-8", "replace")
    check(res.returncode != 0, f"runnel {' '.join(args)}: exit status 0, expected a failure")
    check(needle in err, f"runnel {' '.join(args)}: stderr {err!r} lacks {needle!r}")
    check(took < within, f"runnel {' '.join(args)}: took {took:.1f}s, more than {within}s")
    return err


def header_args():
    return [a for k, v in HEADERS for a in ("--header", f"{k}={v}")]


def encoded_headers():
    return [(k, v.encode()) for k, v in HEADERS]


def check_topics(cli):
    check_equal(cli.run(["topic", "create", "cli-6", "--partitions", "6", "--replication-factor", "1"]).stdout,
                b"created: cli-6\n", "topic create output")
    cli.run(["topic", "create", "cli-3", "--partitions", "3"])
    cli.run(["topic", "create", "cli-10", "--partitions", "10", "--config", "retention.ms=123456789"])
    listed = {t["topic"]: t for t in cli.json_lines(["topic", "list"])}
    for name, n in (("cli-3", 3), ("cli-6", 6), ("cli-10", 10)):
        check(name in listed, f"topic list lacks {name}: {sorted(listed)}")
        check_equal((listed[name]["partitions"], listed[name]["replicationFactor"]), (n, 1), f"{name} in topic list")
    [d] = cli.json_lines(["topic", "describe", "cli-10"])
    check_equal(d["partitions"], [{"partition": p, "leader": 0, "replicas": [0], "isr": [0], "underReplicated": False,
                                   "offline": False, "logStartOffset": 0, "logEndOffset": 0} for p in range(10)],
                "describe cli-10 partitions")
    check_equal(d["configs"].get("retention.ms", {}).get("value"), "123456789", "describe cli-10 retention.ms")
    text = cli.run(["topic", "describe", "cli-3"]).stdout.decode()
    partition_lines = "".join(f"  partition: {p} leader: 0 replicas: [0] isr: [0] log-start-offset: 0 "
                              "log-end-offset: 0\n" for p in range(3))
    check(text.startswith("topic: cli-3 partitions: 3 replication-factor: 1\n" + partition_lines),
          f"describe text: {text!r}")
    expect_failure(cli, ["topic", "create", "cli-6", "--partitions", "6"], "TOPIC_ALREADY_EXISTS")


def check_keyed(cli, expected):
    """Java partitions for the §3 vectors and more keys; special bytes in values; headers."""
    keys = list(JAVA_VECTORS) + [f"key-{i}" for i in range(40)]
    values = ["plain", "", "tab\there", "ünïcødé ✓", "a|b|c"]
    for idx, n in enumerate((3, 6, 10)):
        topic = f"cli-{n}"
        lines = [f"{k}|{values[i % len(values)]}" for i, k in enumerate(keys)]
        res = cli.produce(topic, lines, "--key-separator", "|", *header_args())
        summary = res.stderr.decode()
        check(f"produced {len(lines)} records" in summary, f"produce summary: {summary!r}")
        per = {p: [] for p in range(n)}
        for i, k in enumerate(keys):
            p = harness.java_partition(k.encode(), n)
            if k in JAVA_VECTORS:
                check_equal(p, JAVA_VECTORS[k][idx], f"harness partition of {k!r} over {n}")
            per[p].append((k.encode(), values[i % len(values)].encode()))
        want = [(p, o, k, v, encoded_headers()) for p in range(n) for o, (k, v) in enumerate(per[p])]
        got = sorted(r[:5] for r in cli.consume(topic, "--from-beginning"))
        check_equal(got, want, f"{topic}: (partition, offset, key, value, headers) consumed")
        expected[topic] = {p: len(per[p]) for p in range(n)}


def check_keyless_and_explicit(cli):
    cli.run(["topic", "create", "cli-rr", "--partitions", "3"])
    cli.produce("cli-rr", [f"v{i}" for i in range(7)])
    got = sorted((r[0], r[1], r[2], r[3]) for r in cli.consume("cli-rr", "--from-beginning"))
    want = sorted((i % 3, i // 3, None, f"v{i}".encode()) for i in range(7))
    check_equal(got, want, "keyless records round-robin from partition 0")
    cli.produce("cli-rr", ["k:x", "y"], "--partition", "2", "--key-separator", ":", "--compression", "lz4",
                "--acks", "1")
    got = [(r[0], r[1], r[2], r[3]) for r in cli.consume("cli-rr", "--partition", "2", "--offset", "2")]
    check_equal(got, [(2, 2, b"k", b"x"), (2, 3, None, b"y")], "--partition 2 then consume --offset 2 --partition 2")
    got = [(r[0], r[1]) for r in cli.consume("cli-rr", "--from-beginning", "--count", "2", "--partition", "0")]
    check_equal(got, [(0, 0), (0, 1)], "--count 2 on partition 0")


def check_describe_offsets(cli, expected):
    [d] = cli.json_lines(["topic", "describe", "cli-6"])
    check_equal({p["partition"]: p["logEndOffset"] for p in d["partitions"]}, expected["cli-6"],
                "describe cli-6 log end offsets after produce")


def check_timestamp_and_format(cli):
    cli.run(["topic", "create", "cli-ts", "--partitions", "1"])
    cli.produce("cli-ts", ["a:1", "b:2"], "--key-separator", ":")
    time.sleep(0.05)
    t = int(time.time() * 1000)
    time.sleep(0.05)
    cli.produce("cli-ts", ["c:3", "d:4"], "--key-separator", ":", "--header", "h=1")
    got = [(r[1], r[2], r[3]) for r in cli.consume("cli-ts", "--timestamp", str(t))]
    check_equal(got, [(2, b"c", b"3"), (3, b"d", b"4")], f"--timestamp {t} (epoch ms)")
    iso = datetime.datetime.fromtimestamp(t / 1000, datetime.timezone.utc).isoformat(timespec="milliseconds")
    got = [(r[1], r[2]) for r in cli.consume("cli-ts", "--timestamp", iso)]
    check_equal(got, [(2, b"c"), (3, b"d")], f"--timestamp {iso} (ISO-8601)")
    got = cli.consume("cli-ts", "--timestamp", str(t + 3600_000))
    check_equal(got, [], "--timestamp after the last record: nothing")
    out = cli.run(["consume", "cli-ts", "--from-beginning", "--until-end",
                   "--format", "%t|%p|%o|%k|%s|%K|%S|%h\\n"]).stdout.decode()
    check_equal(out, "cli-ts|0|0|a|1|1|1|\ncli-ts|0|1|b|2|1|1|\ncli-ts|0|2|c|3|1|1|h=1\ncli-ts|0|3|d|4|1|1|h=1\n",
                "--format placeholders")
    check_equal(cli.run(["consume", "cli-ts", "--until-end"]).stdout, b"", "default start (end): nothing")


def check_partitioner_matches_kafka_python(cli):
    """Keys placed by `runnel produce` land where kafka-python's DefaultPartitioner puts them."""
    from kafka.partitioner.default import DefaultPartitioner
    rng = random.Random(4)
    alphabet = "abcxyz0189-_ .ü✓日本"
    keys = sorted({"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24))) for _ in range(120)})
    for n in (2, 5, 7, 16):
        topic = f"cli-kp-{n}"
        cli.run(["topic", "create", topic, "--partitions", str(n)])
        cli.produce(topic, [f"{k}\t{i}" for i, k in enumerate(keys)], "--key-separator", "\t")
        want = {k.encode(): DefaultPartitioner()(k.encode(), list(range(n)), list(range(n))) for k in keys}
        got = {r[2]: r[0] for r in cli.consume(topic, "--from-beginning")}
        check_equal(got, want, f"{topic}: partition of each key, runnel vs kafka-python")


def check_rate(cli):
    cli.run(["topic", "create", "cli-rate", "--partitions", "1"])
    t0 = time.monotonic()
    res = cli.produce("cli-rate", [f"r{i}" for i in range(40)], "--rate", "20")
    took = time.monotonic() - t0
    # 40 records at 20/s: the last may leave no earlier than 39/20 s after the first.
    check(took >= 1.9, f"--rate 20 sent 40 records in {took:.2f}s, faster than the rate")
    check("produced 40 records" in res.stderr.decode(), f"summary: {res.stderr!r}")
    got = [(r[1], r[3]) for r in cli.consume("cli-rate", "--from-beginning")]
    check_equal(got, [(i, f"r{i}".encode()) for i in range(40)], "--rate: every record once, in order")
    expect_failure(cli, ["produce", "cli-rate", "--rate", "0"], "--rate must be > 0")


def check_replay(cli):
    """replay copies exactly [from, to) per partition with keys, headers and timestamps."""
    cli.run(["topic", "create", "cli-src", "--partitions", "3"])
    cli.produce("cli-src", [f"k{i}|v{i}" for i in range(30)], "--key-separator", "|", *header_args())
    time.sleep(0.05)
    t = int(time.time() * 1000)
    time.sleep(0.05)
    cli.produce("cli-src", [f"k{i}|late{i}" for i in range(30, 45)], "--key-separator", "|")
    source = cli.consume("cli-src", "--from-beginning")
    ends = {p: 1 + max(r[1] for r in source if r[0] == p) for p in range(3)}

    cli.run(["topic", "create", "cli-dst", "--partitions", "3"])
    out = cli.json_lines(["replay", "cli-src", "--from", "2", "--to", "6", "--into", "cli-dst"])
    check_equal(out[:3], [{"partition": p, "from": 2, "to": min(6, ends[p]), "copied": min(6, ends[p]) - 2}
                          for p in range(3)], "replay --from 2 --to 6: per-partition report")
    check_equal(out[3]["records"], sum(min(6, ends[p]) - 2 for p in range(3)), "replay total")
    want = sorted((r[0], r[2], r[3], r[4], r[5]) for r in source if 2 <= r[1] < 6)
    got = sorted((r[0], r[2], r[3], r[4], r[5]) for r in cli.consume("cli-dst", "--from-beginning"))
    check_equal(got, want, "replayed records: partition, key, value, headers, timestamp")

    cli.run(["topic", "create", "cli-late", "--partitions", "3"])
    iso = datetime.datetime.fromtimestamp(t / 1000, datetime.timezone.utc).isoformat(timespec="milliseconds")
    cli.run(["replay", "cli-src", "--from", iso, "--into", "cli-late", "--partition", "1"])
    want = [(r[2], r[3], r[5]) for r in source if r[0] == 1 and r[5] >= t]
    got = [(r[2], r[3], r[5]) for r in cli.consume("cli-late", "--from-beginning") if r[0] == 1]
    check(len(want) > 0, "some late records on partition 1")
    check_equal(got, want, f"replay --from {iso} --partition 1: exactly the later records of partition 1")
    check_equal([r for r in cli.consume("cli-late", "--from-beginning") if r[0] != 1], [],
                "replay --partition 1 wrote nothing to other partitions")

    cli.run(["topic", "create", "cli-one", "--partitions", "2"])
    out = cli.json_lines(["replay", "cli-src", "--from", "earliest", "--to", f"@{t}", "--into", "cli-one"])
    check_equal(out[3]["records"], 30, "replay earliest .. @t: the 30 early records")
    got = sorted((r[0], r[2], r[3]) for r in cli.consume("cli-one", "--from-beginning"))
    want = sorted((harness.java_partition(f"k{i}".encode(), 2), f"k{i}".encode(), f"v{i}".encode()) for i in range(30))
    check_equal(got, want, "replay into fewer partitions: Java partition of each key")

    out = cli.json_lines(["replay", "cli-src", "--from", "latest", "--into", "cli-src"])
    check_equal(out[3]["records"], 0, "replay --from latest: nothing")
    expect_failure(cli, ["replay", "cli-src", "--from", "yesterday", "--into", "cli-dst"], "--from yesterday")
    expect_failure(cli, ["replay", "cli-src", "--from", "0"], "--into is required")


def check_cluster(cli, broker):
    [head, b0] = cli.json_lines(["cluster"])
    topics = cli.json_lines(["topic", "list"])
    partitions = sum(t["partitions"] for t in topics)
    check(len(head["cluster"]) == 22, f"cluster id: {head['cluster']!r}")
    check_equal(head, {"cluster": head["cluster"], "controller": 0, "brokers": 1, "topics": len(topics),
                       "partitions": partitions, "underReplicatedPartitions": 0, "offlinePartitions": 0},
                "cluster summary")
    check_equal(b0, {"broker": 0, "host": "127.0.0.1", "port": broker.port, "controller": True}, "cluster broker line")
    text = cli.run(["cluster"]).stdout.decode()
    check_equal(text, f"cluster: {head['cluster']} controller: 0 brokers: 1 topics: {len(topics)} partitions: "
                f"{partitions} under-replicated-partitions: 0 offline-partitions: 0\n"
                f"broker: 0 host: 127.0.0.1 port: {broker.port} controller: true\n", "cluster text")


def check_groups(cli):
    """consume --group commits; group list / describe / reset-offsets / delete."""
    cli.run(["topic", "create", "cli-grp", "--partitions", "2"])
    cli.produce("cli-grp", [f"v{i}" for i in range(10)], "--partition", "0")
    cli.produce("cli-grp", [f"w{i}" for i in range(4)], "--partition", "1")
    out = cli.run(["consume", "cli-grp", "--group", "cg", "--from-beginning", "--until-end",
                   "--format", "%p:%o\\n"]).stdout.decode().split()
    check_equal(sorted(out), sorted([f"0:{i}" for i in range(10)] + [f"1:{i}" for i in range(4)]),
                "consume --group --from-beginning reads everything")
    check_equal(cli.run(["consume", "cli-grp", "--group", "cg", "--until-end"]).stdout, b"",
                "a second consume --group starts at the committed offsets: nothing new")
    listed = {g["group"]: g for g in cli.json_lines(["group", "list"])}
    check_equal((listed["cg"]["state"], listed["cg"]["members"]), ("Empty", 0), "group list: cg")
    described = cli.json_lines(["group", "describe", "cg"])
    check_equal(described[0], {"group": "cg", "state": "Empty", "assignor": "", "members": 0}, "describe cg")
    check_equal([(d["partition"], d["committedOffset"], d["logEndOffset"], d["lag"]) for d in described[1:]],
                [(0, 10, 10, 0), (1, 4, 4, 0)], "describe cg: committed offsets, ends, lag")

    dry = cli.json_lines(["group", "reset-offsets", "cg", "--topic", "cli-grp", "--to-offset", "7", "--dry-run"])
    check_equal([(d["partition"], d["previousOffset"], d["newOffset"]) for d in dry], [(0, 10, 7), (1, 4, 4)],
                "reset-offsets --to-offset 7 --dry-run (clamped to the end of partition 1)")
    check_equal([(d["partition"], d["committedOffset"]) for d in cli.json_lines(["group", "describe", "cg"])[1:]],
                [(0, 10), (1, 4)], "--dry-run commits nothing")
    cli.run(["group", "reset-offsets", "cg", "--topic", "cli-grp", "--shift-by", "-3"])
    out = cli.run(["consume", "cli-grp", "--group", "cg", "--until-end", "--format", "%p:%s\\n"]).stdout.decode()
    check_equal(sorted(out.split()), sorted(["0:v7", "0:v8", "0:v9", "1:w1", "1:w2", "1:w3"]),
                "after --shift-by -3: the last three records of each partition again")
    cli.run(["group", "reset-offsets", "cg", "--topic", "cli-grp", "--to-earliest"])
    described = cli.json_lines(["group", "describe", "cg"])
    check_equal([(d["committedOffset"], d["lag"]) for d in described[1:]], [(0, 10), (0, 4)], "--to-earliest")

    # While a member is active, reset-offsets and delete are refused.
    follower = subprocess.Popen([cli.path, "--brokers", cli.bootstrap, "consume", "cli-grp", "--group", "cg"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        harness.wait_until(lambda: cli.json_lines(["group", "describe", "cg"])[0]["state"] == "Stable", 20,
                           "cg Stable with the running consumer")
        [head, *rest] = cli.json_lines(["group", "describe", "cg"])
        members = [r for r in rest if "member" in r and "clientId" in r]
        check_equal((head["members"], len(members), members[0]["host"], members[0]["assignment"]),
                    (1, 1, "/127.0.0.1", "cli-grp-0,cli-grp-1"), "describe cg: the member and its assignment")
        expect_failure(cli, ["group", "reset-offsets", "cg", "--topic", "cli-grp", "--to-latest"], "active members")
        expect_failure(cli, ["group", "delete", "cg"], "NON_EMPTY_GROUP")
    finally:
        follower.terminate()
        follower.wait(10)
    harness.wait_until(lambda: cli.json_lines(["group", "describe", "cg"])[0]["state"] == "Empty", 20,
                       "cg Empty once the consumer stopped")
    check_equal(cli.run(["group", "delete", "cg"]).stdout, b"deleted: cg\n", "group delete")
    check("cg" not in {g["group"] for g in cli.json_lines(["group", "list"])}, "cg gone from group list")
    expect_failure(cli, ["group", "describe", "cg"], "unknown group cg")
    expect_failure(cli, ["group", "reset-offsets", "cg", "--topic", "cli-grp"], "give exactly one of")


def check_alter_config(cli):
    """topic alter-config: --set adds or replaces, --delete returns to the default; others kept."""
    def configs():
        [d] = cli.json_lines(["topic", "describe", "cli-10"])
        return {k: (v["value"], v["source"]) for k, v in d["configs"].items()
                if k in ("retention.ms", "segment.bytes", "cleanup.policy")}
    check_equal(configs()["retention.ms"], ("123456789", "DYNAMIC_TOPIC_CONFIG"), "cli-10 before")
    out = cli.run(["topic", "alter-config", "cli-10", "--set", "segment.bytes=1048576", "--set",
                   "cleanup.policy=compact"]).stdout
    check_equal(out, b"altered: cli-10\n", "alter-config output")
    got = configs()
    check_equal((got["retention.ms"], got["segment.bytes"], got["cleanup.policy"]),
                (("123456789", "DYNAMIC_TOPIC_CONFIG"), ("1048576", "DYNAMIC_TOPIC_CONFIG"),
                 ("compact", "DYNAMIC_TOPIC_CONFIG")), "after --set: new overrides beside the old one")
    cli.run(["topic", "alter-config", "cli-10", "--delete", "retention.ms", "--delete", "cleanup.policy"])
    got = configs()
    check_equal((got["retention.ms"][1], got["segment.bytes"], got["cleanup.policy"]),
                ("DEFAULT_CONFIG", ("1048576", "DYNAMIC_TOPIC_CONFIG"), ("delete", "DEFAULT_CONFIG")),
                "after --delete: back to the defaults, segment.bytes kept")
    expect_failure(cli, ["topic", "alter-config", "cli-10", "--set", "segment.bytes=banana"], "INVALID_CONFIG")
    check_equal(configs()["segment.bytes"], ("1048576", "DYNAMIC_TOPIC_CONFIG"), "a refused change changes nothing")
    expect_failure(cli, ["topic", "alter-config", "cli-10", "--delete", "no.such.key"], "has no config no.such.key")
    expect_failure(cli, ["topic", "alter-config", "nope", "--set", "retention.ms=1"], "unknown topic nope")


def check_delete(cli):
    check_equal(cli.run(["topic", "delete", "cli-ts"]).stdout, b"deleted: cli-ts\n", "topic delete output")
    harness.wait_until(lambda: "cli-ts" not in {t["topic"] for t in cli.json_lines(["topic", "list"])}, 10,
                       "cli-ts gone from topic list")
    expect_failure(cli, ["topic", "describe", "cli-ts"], "unknown topic cli-ts")


def check_errors(cli):
    for args in (["produce"], ["consume", "t", "--bogus"], ["topic", "create", "x", "--partitions", "abc"],
                 ["frobnicate"], ["produce", "t", "--acks", "7"]):
        err = expect_failure(cli, args, "Usage:")
        check(err.count("\n") >= 1, f"{args}: {err!r}")
    expect_failure(cli, ["consume", "no-such-topic", "--until-end"], "unknown topic no-such-topic")
    expect_failure(cli, ["consume", "cli-3", "--timestamp", "yesterday"], "--timestamp yesterday")
    expect_failure(cli, ["produce", "cli-3", "--partition", "3"], "has 3 partitions")
    expect_failure(cli, ["topic", "create", "y", "-X", "nonsense"], "-X nonsense")
    expect_failure(cli, ["consume", "cli-3", "--group", "g", "--offset", "1"], "cannot be combined")
    expect_failure(cli, ["topic", "alter-config", "cli-3"], "give at least one --set or --delete")


def check_unreachable(cli):
    for args in (["topic", "list"], ["topic", "create", "z"], ["produce", "z"], ["consume", "z"], ["cluster"]):
        err = expect_failure(cli, args + ["--timeout", "2"], "127.0.0.1:1", within=8, brokers="127.0.0.1:1")
        check_equal(err.count("\n"), 1, f"runnel {' '.join(args)} on an unreachable broker: one line, got {err!r}")


def main():
    args = harness.parse_args()
    run = harness.TestRun("cli_test", time_limit=100)
    broker = run.case("start runneld", harness.Broker(args.runneld, {"group.initial.rebalance.delay.ms": "100"}).start,
                      critical=True)
    cli = Cli(args.runnel, broker.bootstrap)
    expected = {}
    run.case("topic create / list / describe: partitions, replicas, ISR, offsets, configs", check_topics, cli)
    run.case("produce keyed records: Java murmur2 partitions (kafka-compat §3), headers, special bytes",
             check_keyed, cli, expected)
    run.case("keyless round-robin, --partition, --offset, --count", check_keyless_and_explicit, cli)
    if "cli-6" in expected:
        run.case("topic describe: log end offsets after produce", check_describe_offsets, cli, expected)
    run.case("consume --timestamp (epoch ms, ISO-8601) and --format", check_timestamp_and_format, cli)
    run.case("topic alter-config: --set and --delete through DescribeConfigs + AlterConfigs", check_alter_config, cli)
    run.case("murmur2 partitions match kafka-python's DefaultPartitioner", check_partitioner_matches_kafka_python,
             cli)
    run.case("produce --rate", check_rate, cli)
    run.case("replay: offset and time ranges, one partition, fewer target partitions", check_replay, cli)
    run.case("cluster: controller, brokers, topic and partition counts", check_cluster, cli, broker)
    run.case("consumer groups: consume --group, group list/describe/reset-offsets/delete", check_groups, cli)
    run.case("topic delete", check_delete, cli)
    run.case("bad arguments: usage line, non-zero exit", check_errors, cli)
    run.case("unreachable broker: one line naming it, within the timeout", check_unreachable, cli)
    run.case("clean shutdown: SIGTERM exits 0", broker.stop)
    run.finish()


if __name__ == "__main__":
    main()
