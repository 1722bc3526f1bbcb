#!/usr/bin/python3
"""Hostile and malformed input on raw sockets against a real runneld (ARCHITECTURE §5,
kafka-compat.md §1.2 rule 7, §2.4).

Connection-level garbage must close that connection without an answer and touch no data:
random bytes, truncated frames, a frame declaring 2 GB (and one byte over
socket.request.max.bytes), negative and tiny sizes, unknown API keys, versions outside the
advertised ranges, valid headers with garbage bodies. ApiVersions with an unsupported version
gets the v0-layout UNSUPPORTED_VERSION (35) answer listing key 18, and the connection stays
usable. Well-framed produce requests with bad batches get per-partition errors (CORRUPT_MESSAGE,
INVALID_RECORD, MESSAGE_TOO_LARGE, UNSUPPORTED_VERSION for Produce v2) and leave the log as it was.
After every case the broker is alive and answers; after every group a kcat produce/consume works
and all earlier data is intact. Finally a clean SIGTERM exits 0 and a restart serves the same data.

Usage: hostile_input_test.py --runneld PATH --runnel PATH [--kcat PATH]
"""

import os
import random
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wire  # noqa: E402
from harness import CheckFailed, check, check_equal  # noqa: E402

REQUEST_MAX = 1048576      # socket.request.max.bytes
MESSAGE_MAX = 65536        # message.max.bytes
# The ranges runneld must advertise (the runneld spec; kafka-compat.md §1.2-1.3). Update with the spec.
SPEC_RANGES = {0: (0, 7), 1: (4, 11), 2: (0, 5), 3: (0, 8), 10: (0, 2), 18: (0, 3), 19: (0, 4), 20: (0, 3),
               21: (0, 2), 32: (0, 2), 33: (0, 2), 44: (0, 1)}
DATA_TOPIC, RAW_TOPIC = "hostile-data", "hostile-raw"
CLOSE_TIMEOUT = 5.0


class Hostile:
    def __init__(self, broker, kcat, runnel):
        self.broker = broker
        self.kcat = kcat
        self.runnel = runnel
        self.data = []          # what hostile-data must hold (kcat view, no timestamps)
        self.raw = []           # what hostile-raw partition 0 must hold
        self.advertised = {}
        self.good = None        # a valid raw batch (valid_raw_produce)
        self.probes = 0
        self.corr = 100

    def next_corr(self):
        self.corr += 1
        return self.corr

    # -- health

    def quick_health(self):
        """The process is alive and a fresh connection gets an ApiVersions answer."""
        check(self.broker.alive(), f"runneld died (exit status {self.broker.proc.returncode})")
        with wire.Conn(self.broker.port) as c:
            corr = self.next_corr()
            got, body = c.roundtrip(wire.api_versions_request(0, corr), timeout=10)
            check_equal(got, corr, "correlation id of the health-check ApiVersions answer")
            check_equal(wire.parse_api_versions(body, 0)[0], 0, "health-check ApiVersions error code")

    def data_health(self):
        """kcat still produces and consumes, and everything produced before is there."""
        self.quick_health()
        self.probes += 1
        record = (f"probe-{self.probes}", f"probe value {self.probes}")
        self.kcat.produce(DATA_TOPIC, [record], partition=0, headers=[("probe", str(self.probes))])
        self.data.append({"topic": DATA_TOPIC, "partition": 0, "key": record[0].encode(), "value": record[1].encode(),
                          "headers": [("probe", str(self.probes).encode())]})
        self.check_data()

    def check_data(self):
        got = harness.without(self.kcat.consume(DATA_TOPIC), "timestamp")
        want = self.data_with_offsets()
        check_equal(harness.sorted_records(got), harness.sorted_records(want), f"{DATA_TOPIC}: records after the case")
        raw = harness.without(self.kcat.consume(RAW_TOPIC, partition=0), "timestamp")
        check_equal(raw, self.raw, f"{RAW_TOPIC}-0: records after the case")

    def data_with_offsets(self):
        seen, out = {}, []
        for r in self.data:
            out.append({**r, "offset": seen.get(r["partition"], 0)})
            seen[r["partition"]] = seen.get(r["partition"], 0) + 1
        return out

    # -- expectations

    def expect_closed(self, cases, half_close=False, timeout=CLOSE_TIMEOUT):
        """cases: [(label, bytes)]; each on its own connection, all at once. Each must be closed by
        the broker within the timeout without a byte of answer."""
        conns, problems = [], []
        for label, payload in cases:
            try:
                c = wire.Conn(self.broker.port)
            except OSError as e:
                problems.append(f"{label}: cannot connect: {e}")
                continue
            try:
                c.send(payload)
            except wire.Closed:
                pass  # already closed while we were still sending: fine
            if half_close:
                c.shutdown_write()
            conns.append((label, c))
        deadline = time.monotonic() + timeout
        for label, c in conns:
            try:
                got = c.wait_closed(max(0.1, deadline - time.monotonic()))
                if got:
                    problems.append(f"{label}: answered {len(got)} bytes ({got[:24].hex()}...) instead of closing")
            except TimeoutError:
                problems.append(f"{label}: connection still open {timeout}s later")
            finally:
                c.close()
        check(not problems, f"{len(problems)} of {len(cases)} connections not closed silently:\n  "
                            + "\n  ".join(problems[:12]))
        self.quick_health()

    def produce_raw(self, version, records, expect_errors, acks=-1, what=""):
        """One Produce to hostile-raw partition 0 on a fresh connection; the error must be in
        expect_errors. Returns the base offset."""
        with wire.Conn(self.broker.port) as c:
            corr = self.next_corr()
            try:
                got, body = c.roundtrip(wire.produce_request(version, corr, RAW_TOPIC, 0, records, acks=acks), 15)
            except (wire.Closed, TimeoutError) as e:
                raise CheckFailed(f"{what}: Produce v{version} got no answer ({e}); expected error "
                                  f"{sorted(expect_errors)} for the partition, connection kept")
            check_equal(got, corr, f"{what}: correlation id")
            parts = wire.parse_produce_response(body, version)
            check_equal([(t, p) for t, p, _e, _o in parts], [(RAW_TOPIC, 0)], f"{what}: partitions in the answer")
            error, base = parts[0][2], parts[0][3]
            check(error in expect_errors, f"{what}: Produce v{version} partition error {error}, expected one of "
                                          f"{sorted(expect_errors)}")
            # The connection stays usable after a per-partition error.
            corr = self.next_corr()
            got, _ = c.roundtrip(wire.api_versions_request(0, corr), 10)
            check_equal(got, corr, f"{what}: ApiVersions on the same connection afterwards")
            return base


# --- the cases ------------------------------------------------------------------

def setup_data(h):
    records = [(f"key-{i}", harness.compressible_value("hostile", i, 120)) for i in range(30)]
    h.kcat.produce(DATA_TOPIC, records, codec="gzip", headers=[("origin", "kcat")],
                   props={"partitioner": "murmur2_random", "linger.ms": "50"})
    for k, v in records:
        h.data.append({"topic": DATA_TOPIC, "partition": harness.java_partition(k.encode(), 3), "key": k.encode(),
                       "value": v.encode(), "headers": [("origin", b"kcat")]})
    h.kcat.produce(RAW_TOPIC, [("first", "from kcat")], partition=0)
    h.raw.append({"topic": RAW_TOPIC, "partition": 0, "offset": 0, "key": b"first", "value": b"from kcat",
                  "headers": []})
    h.check_data()


def api_versions_ranges(h):
    with wire.Conn(h.broker.port) as c:
        for v in (0, 1, 2, 3):
            corr = h.next_corr()
            got, body = c.roundtrip(wire.api_versions_request(v, corr))
            check_equal(got, corr, f"ApiVersions v{v}: correlation id")
            error, keys, _ = wire.parse_api_versions(body, v)
            check_equal(error, 0, f"ApiVersions v{v}: error code")
            h.advertised = keys  # the later cases probe around what is advertised, even if this case fails
            check_equal({k: keys.get(k) for k in SPEC_RANGES}, SPEC_RANGES, f"ApiVersions v{v}: advertised ranges")


def random_bytes(h):
    rng = random.Random(20241122)
    cases = []
    for n in range(24):
        blob = bytearray(rng.randbytes(rng.randint(1, 3000)))
        cases.append((f"random blob {n} ({len(blob)} bytes)", bytes(blob)))
    # Random bytes behind a correct size prefix: the frame is complete, its header is garbage.
    for n in range(8):
        payload = bytearray(rng.randbytes(rng.randint(8, 500)))
        struct.pack_into(">h", payload, 0, 0x7000 + n)   # an API key nobody serves
        cases.append((f"framed random payload {n}", wire.frame(bytes(payload))))
    h.expect_closed(cases, half_close=True)


def truncated_frames(h):
    full = wire.api_versions_request(0, 7)
    meta = wire.metadata_request_v1(8, [DATA_TOPIC])
    h.expect_closed([("ApiVersions frame missing its last 3 bytes", full[:-3]),
                     ("2 bytes of a size prefix", full[:2]),
                     ("size prefix only", full[:4]),
                     ("Metadata frame cut in the header", meta[:9])], half_close=True)
    # A partial frame held open: no answer, and the broker keeps serving everyone else.
    with wire.Conn(h.broker.port) as slow:
        slow.send(meta[:len(meta) // 2])
        try:
            slow.recv_frame(timeout=1.0)
            raise CheckFailed("the broker answered half a Metadata frame")
        except TimeoutError:
            pass
        except wire.Closed:
            pass  # closing a slow client is allowed too
        h.data_health()
    # A valid request written one byte at a time is answered normally.
    with wire.Conn(h.broker.port) as c:
        corr = h.next_corr()
        for b in wire.api_versions_request(3, corr):
            c.send(bytes([b]))
            time.sleep(0.002)
        got, body = c.recv_frame(10)
        check_equal(got, corr, "byte-by-byte ApiVersions v3: correlation id")
        check_equal(wire.parse_api_versions(body, 3)[0], 0, "byte-by-byte ApiVersions v3: error code")


def huge_frames(h):
    rss_before = h.broker.rss_bytes()
    h.expect_closed([("frame declaring 2 GiB - 1 bytes", wire.i32(0x7FFFFFFF) + wire.api_versions_request(0, 1)[4:]),
                     ("frame declaring 2,000,000,000 bytes", wire.i32(2_000_000_000) + b"\x00\x12\x00\x00"),
                     (f"frame of socket.request.max.bytes + 1 ({REQUEST_MAX + 1})",
                      wire.i32(REQUEST_MAX + 1) + b"\x00\x03\x00\x01" + b"\x00" * 1000)])
    rss_after = h.broker.rss_bytes()
    if rss_before and rss_after:
        grew = rss_after - rss_before
        print(f"   broker RSS {rss_before >> 20} MiB -> {rss_after >> 20} MiB", flush=True)
        check(grew < 256 << 20, f"broker RSS grew by {grew >> 20} MiB after frames declaring 2 GB")
    h.data_health()


def negative_and_tiny_sizes(h):
    h.expect_closed([("size -1", wire.i32(-1) + b"\x00\x12\x00\x00\x00\x00\x00\x01"),
                     ("size -2147483648", wire.i32(-2147483648) + b"\x00" * 16),
                     ("size -100", wire.i32(-100) + b"\x00" * 16),
                     ("size 0", wire.i32(0)),
                     ("size 3 (shorter than a request header)", wire.i32(3) + b"\x00\x12\x00"),
                     ("header cut inside client_id", wire.frame(wire.i16(18) + wire.i16(0) + wire.i32(5) + wire.i16(50)
                                                                + b"abc"))])
    h.data_health()


def unknown_api_keys(h):
    check(h.advertised, "no ApiVersions answer recorded")
    keys = [k for k in range(0, 75) if k not in h.advertised] + [1000, 32767, -1, -32768]
    h.expect_closed([(f"API key {k} v0", wire.request(k, 0, 9)) for k in keys])
    h.data_health()


def api_versions_unsupported(h):
    for v in (4, 99, 32767):
        with wire.Conn(h.broker.port) as c:
            corr = h.next_corr()
            body = wire.compact_string("runnel-it") + wire.compact_string("0.1") + wire.uvarint(0)
            try:
                got, answer = c.roundtrip(wire.request(wire.API_API_VERSIONS, v, corr, body, flexible=True), 10)
            except (wire.Closed, TimeoutError) as e:
                raise CheckFailed(f"ApiVersions v{v}: no answer ({e}); expected the v0-layout UNSUPPORTED_VERSION")
            check_equal(got, corr, f"ApiVersions v{v}: correlation id")
            try:
                error, keys, _ = wire.parse_api_versions(answer, 0)
            except wire.ProtocolError as e:
                raise CheckFailed(f"ApiVersions v{v}: answer is not in the v0 layout ({e}): {answer.hex()}")
            check_equal(error, wire.UNSUPPORTED_VERSION, f"ApiVersions v{v}: error code")
            check_equal(keys.get(18), SPEC_RANGES[18], f"ApiVersions v{v}: key 18 in the UNSUPPORTED_VERSION answer")
            # Clients retry with a lower version on the same connection.
            corr = h.next_corr()
            got, answer = c.roundtrip(wire.api_versions_request(3, corr), 10)
            check_equal(got, corr, f"ApiVersions v3 after v{v}: correlation id")
            check_equal(wire.parse_api_versions(answer, 3)[0], 0, f"ApiVersions v3 after v{v}: error code")
    h.quick_health()


def versions_out_of_range(h):
    cases = []
    for key, (lo, hi) in sorted(h.advertised.items()):
        if key == wire.API_API_VERSIONS:
            continue
        versions = {hi + 1, 0x7FFF} | ({lo - 1} if lo > 0 else set()) | {-1}
        cases += [(f"API {key} v{v} (advertised {lo}-{hi})", wire.request(key, v, 11)) for v in sorted(versions)]
    h.expect_closed(cases)
    h.data_health()


def garbage_bodies(h):
    rng = random.Random(7)
    fetch_v11_head = (wire.i32(-1) + wire.i32(100) + wire.i32(1) + wire.i32(1 << 20) + wire.i8(0) + wire.i32(0)
                      + wire.i32(-1))
    cases = [
        ("Metadata v1: topics count 2^31-1, 3 bytes follow", wire.request(3, 1, 21, wire.i32(0x7FFFFFFF) + b"abc")),
        ("Metadata v1: topic name of 30000 bytes, 5 follow", wire.request(3, 1, 22, wire.i32(1) + wire.i16(30000)
                                                                          + b"hello")),
        ("Produce v3: records of 1 MiB declared, 10 bytes follow",
         wire.request(0, 3, 23, wire.string(None) + wire.i16(-1) + wire.i32(1000) + wire.i32(1)
                      + wire.string(RAW_TOPIC) + wire.i32(1) + wire.i32(0) + wire.i32(1 << 20) + b"\x00" * 10)),
        ("Produce v3: topics count 2^31-1", wire.request(0, 3, 24, wire.string(None) + wire.i16(-1) + wire.i32(1000)
                                                         + wire.i32(0x7FFFFFFF))),
        ("Produce v7: 200 random bytes", wire.request(0, 7, 25, rng.randbytes(200))),
        ("Fetch v11: topics count 2^31-16", wire.request(1, 11, 26, fetch_v11_head + wire.i32(0x7FFFFFF0))),
        ("Fetch v11: 200 random bytes", wire.request(1, 11, 27, rng.randbytes(200))),
        ("ListOffsets v5: 50 random bytes", wire.request(2, 5, 28, rng.randbytes(50))),
        ("CreateTopics v4: topics count 2^31-1", wire.request(19, 4, 29, wire.i32(0x7FFFFFFF) + b"\x00" * 8)),
        ("Metadata v1: body cut after 2 bytes", wire.request(3, 1, 30, b"\x00\x00")),
    ]
    h.expect_closed(cases)
    h.data_health()


def valid_raw_produce(h):
    """Our own batch encoder against the broker: a valid Produce v3 is stored and read back by kcat."""
    h.good = wire.record_batch([(b"raw-key", b"raw value", [("h", b"1"), ("n", None)]),
                                (None, b"raw value 2", [])], harness.now_ms())
    base = h.produce_raw(3, h.good, {wire.NONE}, what="valid Produce v3")
    check_equal(base, len(h.raw), "base offset of the valid raw batch")
    h.raw += [{"topic": RAW_TOPIC, "partition": 0, "offset": base, "key": b"raw-key", "value": b"raw value",
               "headers": [("h", b"1"), ("n", None)]},
              {"topic": RAW_TOPIC, "partition": 0, "offset": base + 1, "key": None, "value": b"raw value 2",
               "headers": []}]
    h.check_data()


def bad_batch_cases(good):
    """(what, Produce version, records bytes, accepted partition errors) for well-framed requests."""
    now = harness.now_ms()
    bad_crc = bytearray(good)
    bad_crc[-1] ^= 0xFF
    longer = bytearray(good)
    struct.pack_into(">i", longer, 8, struct.unpack_from(">i", longer, 8)[0] + 100)
    big = wire.record_batch([(b"big", b"x" * (MESSAGE_MAX + 1000), [])], now)
    return [
        ("batch with a bad CRC", 3, bytes(bad_crc), {wire.CORRUPT_MESSAGE}),
        ("batch whose length runs past the records", 3, bytes(longer), {wire.CORRUPT_MESSAGE, wire.INVALID_RECORD}),
        ("batch cut short", 3, good[:len(good) - 7], {wire.CORRUPT_MESSAGE, wire.INVALID_RECORD}),
        ("magic-1 message set in Produce v3", 3, wire.legacy_message_v1(b"k", b"magic one", now),
         {wire.INVALID_RECORD}),
        ("two batches for one partition in Produce v3", 3, good + good, {wire.INVALID_RECORD}),
        (f"batch over message.max.bytes ({MESSAGE_MAX})", 3, big, {wire.MESSAGE_TOO_LARGE}),
        ("Produce v2 with a magic-1 message set", 2, wire.legacy_message_v1(b"k", b"old client", now),
         {wire.UNSUPPORTED_VERSION}),
    ]


def acks0_bad_batch(h):
    """acks=0 with a bad batch: no answer (Kafka closes the connection); nothing stored."""
    bad_crc = bytearray(h.good)
    bad_crc[-1] ^= 0xFF
    with wire.Conn(h.broker.port) as c:
        c.send(wire.produce_request(3, h.next_corr(), RAW_TOPIC, 0, bytes(bad_crc), acks=0))
        try:
            c.recv_frame(timeout=1.0)
            raise CheckFailed("acks=0 Produce with a bad CRC got an answer")
        except (TimeoutError, wire.Closed):
            pass
    h.quick_health()


def raw_log_unchanged(h):
    h.check_data()
    batches = harness.stored_batches(h.runnel, h.broker, RAW_TOPIC, 0)
    check_equal([(b["baseOffset"], b["lastOffset"]) for b in batches], [(0, 0), (1, 2)],
                f"{RAW_TOPIC}-0: stored batches (dump-log) after the refused appends")
    h.data_health()


def pipelined(h):
    with wire.Conn(h.broker.port) as c:
        reqs, expect = b"", []
        for n in range(50):
            corr = 5000 + n
            if n % 3 == 2:
                reqs += wire.metadata_request_v1(corr, [DATA_TOPIC])
            else:
                reqs += wire.api_versions_request(n % 4, corr)
            expect.append(corr)
        c.send(reqs)
        got = [c.recv_frame(10)[0] for _ in expect]
        check_equal(got, expect, "correlation ids of 50 pipelined requests, in order")
    # A valid request followed by garbage in the same write: the answer, then the close.
    with wire.Conn(h.broker.port) as c:
        c.send(wire.api_versions_request(0, 6001) + wire.i32(-7) + b"garbage")
        got, _ = c.recv_frame(10)
        check_equal(got, 6001, "answer to the valid request before the garbage")
        try:
            rest = c.wait_closed(CLOSE_TIMEOUT)
        except TimeoutError:
            raise CheckFailed("connection still open after garbage that followed a valid request")
        check_equal(rest, b"", "bytes after the valid answer")
    h.data_health()


def produce_to_missing_topic(h):
    """As in Kafka, Produce never creates a topic: UNKNOWN_TOPIC_OR_PARTITION (3) and nothing is
    created; Metadata for it creates it, and the same Produce then lands at offset 0."""
    topic = "hostile-not-yet"
    batch = wire.record_batch([(b"k", b"v", [])], harness.now_ms())
    with wire.Conn(h.broker.port) as c:
        _, body = c.roundtrip(wire.produce_request(7, h.next_corr(), topic, 0, batch, acks=1), timeout=10)
        check_equal(wire.parse_produce_response(body, 7), [(topic, 0, 3, -1)], "produce to a missing topic")
        _, body = c.roundtrip(wire.metadata_request_v1(h.next_corr()), timeout=10)  # every topic
        check_equal(topic in wire.parse_metadata_v1(body)["topics"], False, "listed after the refused produce")
        _, body = c.roundtrip(wire.metadata_request_v1(h.next_corr(), [topic]), timeout=30)
        check_equal(wire.parse_metadata_v1(body)["topics"][topic], (0, [(0, 0), (0, 1), (0, 2)]),
                    "auto-created by Metadata (num.partitions=3)")
        _, body = c.roundtrip(wire.produce_request(7, h.next_corr(), topic, 0, batch, acks=1), timeout=10)
        check_equal(wire.parse_produce_response(body, 7), [(topic, 0, 0, 0)], "produce after Metadata")


def reset_during_fetch(h):
    """Clients that reset their connection while a large Fetch answer is being sent (with
    sendfile) cost only their connection: the broker must not die of SIGPIPE."""
    topic = "hostile-big"
    value = b"x" * 900
    with wire.Conn(h.broker.port) as c:
        c.roundtrip(wire.metadata_request_v1(h.next_corr(), [topic]), timeout=30)  # auto-creates it, as clients do
        for i in range(300):  # about 16 MB in batches under message.max.bytes
            batch = wire.record_batch([(b"k", value, [])] * 60, harness.now_ms())
            corr = h.next_corr()
            _, body = c.roundtrip(wire.produce_request(7, corr, topic, 0, batch, acks=1), timeout=30)
            check_equal([e for _, _, e, _ in wire.parse_produce_response(body, 7)], [0], f"produce {i} error")
    fetch = wire.i32(-1) + wire.i32(100) + wire.i32(1) + wire.i32(64 << 20) + wire.i8(0)  # Fetch v4
    fetch += wire.array([wire.string(topic) + wire.array([wire.i32(0) + wire.i64(0) + wire.i32(64 << 20)])])
    for k in range(5):
        s = socket.create_connection(("127.0.0.1", h.broker.port), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(wire.request(wire.API_FETCH, 4, h.next_corr(), fetch))
        time.sleep(0.05)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST while the answer is still being written
        time.sleep(0.1)
        h.quick_health()
    h.data_health()


def idle_connections(h):
    socks = []
    try:
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", h.broker.port), timeout=5)
            socks.append(s)
        h.data_health()
    finally:
        for s in socks:
            s.close()
    h.quick_health()


def stop_and_restart(h):
    h.broker.stop()
    h.broker.start_again()
    h.kcat = harness.Kcat(h.kcat.path, h.broker.bootstrap)
    h.check_data()
    h.broker.stop()


def main():
    args = harness.parse_args()
    run = harness.TestRun("hostile_input_test", time_limit=100)
    overrides = {"socket.request.max.bytes": str(REQUEST_MAX), "message.max.bytes": str(MESSAGE_MAX)}
    broker = run.case("start runneld", harness.Broker(args.runneld, overrides).start, critical=True)
    h = Hostile(broker, harness.Kcat(args.kcat, broker.bootstrap), args.runnel)
    run.case("setup: kcat data in hostile-data and hostile-raw", setup_data, h, critical=True)
    run.case("ApiVersions v0-v3 advertise the spec's ranges", api_versions_ranges, h)
    run.case("random bytes: connection closed, nothing answered", random_bytes, h)
    run.case("truncated frames: closed on EOF; a partial frame blocks no one", truncated_frames, h)
    run.case("frames declaring 2 GB / over socket.request.max.bytes: closed at once", huge_frames, h)
    run.case("negative, zero and tiny frame sizes: closed", negative_and_tiny_sizes, h)
    run.case("unknown API keys: closed", unknown_api_keys, h)
    run.case("ApiVersions v4/v99/v32767: v0-layout UNSUPPORTED_VERSION, connection usable", api_versions_unsupported, h)
    run.case("other APIs outside their advertised versions: closed", versions_out_of_range, h)
    run.case("valid header, garbage body: closed", garbage_bodies, h)
    run.case("valid Produce v3 from wire.py is stored and read back", valid_raw_produce, h)
    if h.good:
        for what, version, records, errors in bad_batch_cases(h.good):
            run.case(f"{what}: partition error {sorted(errors)}", h.produce_raw, version, records, errors, what=what)
        run.case("acks=0 Produce with a bad batch: no answer", acks0_bad_batch, h)
    run.case("refused appends left the log unchanged (kcat, dump-log)", raw_log_unchanged, h)
    run.case("pipelined requests answered in order; garbage after a valid request", pipelined, h)
    run.case("Produce to a missing topic: UNKNOWN_TOPIC_OR_PARTITION until Metadata creates it",
             produce_to_missing_topic, h)
    run.case("connections reset in the middle of a 16 MB Fetch answer: the broker keeps serving",
             reset_during_fetch, h)
    run.case("200 idle connections do not stop service", idle_connections, h)
    run.case("clean SIGTERM after all that, restart serves the same data", stop_and_restart, h)
    run.finish()


if __name__ == "__main__":
    main()
