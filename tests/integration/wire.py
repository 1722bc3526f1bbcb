"""Just enough of the Kafka wire protocol to talk to runneld over a raw socket (stdlib only).

Written from the protocol guide (kafka-compat.md §1.4, §2): request header v1/v2, ApiVersions
v0-v3, Metadata v1, Produce v2/v3 with record batch v2 (CRC-32C) or a legacy magic-1 message,
AlterConfigs v0-v2 and IncrementalAlterConfigs v0-v1. Used by hostile_input_test.py to send both
valid and broken requests, and by alter_configs_test.py.
"""

import select
import socket
import struct
import time
import zlib

API_PRODUCE, API_FETCH, API_LIST_OFFSETS, API_METADATA = 0, 1, 2, 3
API_API_VERSIONS, API_CREATE_TOPICS = 18, 19
API_ALTER_CONFIGS, API_INCREMENTAL_ALTER_CONFIGS = 33, 44
API_DELETE_RECORDS = 21
NONE, CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, UNSUPPORTED_VERSION, INVALID_RECORD = 0, 2, 10, 35, 87
UNKNOWN_TOPIC_OR_PARTITION, INVALID_CONFIG, INVALID_REQUEST = 3, 40, 42
RESOURCE_TOPIC, RESOURCE_BROKER = 2, 4
OP_SET, OP_DELETE, OP_APPEND, OP_SUBTRACT = 0, 1, 2, 3


class ProtocolError(Exception):
    pass


class Closed(Exception):
    """The broker closed the connection (EOF or reset)."""


# --- encoding ---------------------------------------------------------------------

def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def u32(v):
    return struct.pack(">I", v)


def i64(v):
    return struct.pack(">q", v)


def string(s):
    if s is None:
        return i16(-1)
    b = s.encode() if isinstance(s, str) else s
    return i16(len(b)) + b


def nbytes(b):
    return i32(-1) if b is None else i32(len(b)) + b


def uvarint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint(n):
    """Zigzag varint (record fields)."""
    return uvarint((n << 1) ^ (n >> 63))


def compact_string(s):
    if s is None:
        return uvarint(0)
    b = s.encode()
    return uvarint(len(b) + 1) + b


def array(items):
    return i32(len(items)) + b"".join(items)


def compact_array(items):
    return uvarint(len(items) + 1) + b"".join(items)


def frame(payload):
    return i32(len(payload)) + payload


def request(api_key, api_version, correlation_id, body=b"", client_id="runnel-it", flexible=False):
    """A framed request: header v1 (v2 with flexible=True: tagged fields after client_id) + body."""
    header = i16(api_key) + i16(api_version) + i32(correlation_id) + string(client_id)
    if flexible:
        header += uvarint(0)
    return frame(header + body)


def api_versions_request(version, correlation_id):
    if version >= 3:
        body = compact_string("runnel-it") + compact_string("0.1") + uvarint(0)
        return request(API_API_VERSIONS, version, correlation_id, body, flexible=True)
    return request(API_API_VERSIONS, version, correlation_id)


def metadata_request_v1(correlation_id, topics=None):
    body = i32(-1) if topics is None else array([string(t) for t in topics])
    return request(API_METADATA, 1, correlation_id, body)


def create_topics_request_v0(correlation_id, topics, timeout_ms=10000):
    """topics: [(name, partitions, replication_factor)], no assignments or configs."""
    body = array([string(n) + i32(p) + i16(rf) + array([]) + array([]) for n, p, rf in topics]) + i32(timeout_ms)
    return request(API_CREATE_TOPICS, 0, correlation_id, body)


def _alter_configs_request(api_key, version, correlation_id, resources, validate_only, flexible):
    """resources: [(resource type, name, [config])], config = (name, value) for AlterConfigs and
    (name, operation, value) for IncrementalAlterConfigs; value None is a null string."""
    text = compact_string if flexible else string
    seq = compact_array if flexible else array
    tags = uvarint(0) if flexible else b""

    def config(c):
        name, value = c[0], c[-1]
        return text(name) + (i8(c[1]) if len(c) == 3 else b"") + text(value) + tags
    body = seq([i8(t) + text(n) + seq([config(c) for c in configs]) + tags for t, n, configs in resources])
    body += i8(1 if validate_only else 0) + tags
    return request(api_key, version, correlation_id, body, flexible=flexible)


def alter_configs_request(version, correlation_id, resources, validate_only=False):
    """AlterConfigs v0-v2 (v2 flexible); resources: [(type, name, [(key, value)])]."""
    return _alter_configs_request(API_ALTER_CONFIGS, version, correlation_id, resources, validate_only, version >= 2)


def incremental_alter_configs_request(version, correlation_id, resources, validate_only=False):
    """IncrementalAlterConfigs v0-v1 (v1 flexible); resources: [(type, name, [(key, op, value)])]."""
    return _alter_configs_request(API_INCREMENTAL_ALTER_CONFIGS, version, correlation_id, resources, validate_only,
                                  version >= 1)


# --- record batches ---------------------------------------------------------------------

_CRC32C_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC32C_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _record(offset_delta, timestamp_delta, key, value, headers):
    body = i8(0) + varint(timestamp_delta) + varint(offset_delta)
    body += varint(-1) if key is None else varint(len(key)) + key
    body += varint(-1) if value is None else varint(len(value)) + value
    body += varint(len(headers))
    for hk, hv in headers:
        hkb = hk.encode()
        body += varint(len(hkb)) + hkb
        body += varint(-1) if hv is None else varint(len(hv)) + hv
    return varint(len(body)) + body


def record_batch(records, base_timestamp, magic=2, attributes=0):
    """An uncompressed batch (base offset 0, producer -1) of (key, value, headers) records,
    timestamps base_timestamp + index."""
    recs = b"".join(_record(i, i, k, v, h) for i, (k, v, h) in enumerate(records))
    after_crc = (i16(attributes) + i32(len(records) - 1) + i64(base_timestamp)
                 + i64(base_timestamp + len(records) - 1) + i64(-1) + i16(-1) + i32(-1)
                 + i32(len(records)) + recs)
    crc = crc32c(after_crc)
    after_length = i32(-1) + i8(magic) + u32(crc) + after_crc
    return i64(0) + i32(len(after_length)) + after_length


def legacy_message_v1(key, value, timestamp):
    """A magic-1 message set with one message (what a Produce v2 client sends)."""
    after_crc = i8(1) + i8(0) + i64(timestamp) + nbytes(key) + nbytes(value)
    message = u32(zlib.crc32(after_crc)) + after_crc
    return i64(0) + i32(len(message)) + message


def produce_request(version, correlation_id, topic, partition, records, acks=-1, timeout_ms=10000):
    body = b""
    if version >= 3:
        body += string(None)  # transactional_id
    body += i16(acks) + i32(timeout_ms)
    body += array([string(topic) + array([i32(partition) + nbytes(records)])])
    return request(API_PRODUCE, version, correlation_id, body)


def delete_records_request(version, correlation_id, topics, timeout_ms=10000):
    """DeleteRecords v0-v2 (v2 flexible); topics: [(name, [(partition, offset)])]."""
    flexible = version >= 2
    text = compact_string if flexible else string
    seq = compact_array if flexible else array
    tags = uvarint(0) if flexible else b""
    body = seq([text(name) + seq([i32(p) + i64(o) + tags for p, o in partitions]) + tags
                for name, partitions in topics])
    body += i32(timeout_ms) + tags
    return request(API_DELETE_RECORDS, version, correlation_id, body, flexible=flexible)


# --- decoding -------------------------------------------------------------------------

class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolError(f"response ends early: need {n} bytes at {self.pos} of {len(self.data)}")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def i8(self):
        return struct.unpack(">b", self.take(1))[0]

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def string(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()

    def compact_string(self):
        n = self.uvarint()
        return None if n == 0 else self.take(n - 1).decode()

    def uvarint(self):
        shift = value = 0
        while True:
            b = self.take(1)[0]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7

    def skip_tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.take(self.uvarint())

    def array(self, item):
        n = self.i32()
        return [] if n < 0 else [item() for _ in range(n)]

    def compact_array(self, item):
        n = self.uvarint()
        return [] if n == 0 else [item() for _ in range(n - 1)]

    def done(self):
        return self.pos == len(self.data)


def parse_api_versions(body, version):
    """(error_code, {api_key: (min, max)}, throttle or None). Raises if bytes are left over."""
    r = Reader(body)
    error = r.i16()
    if version >= 3:
        def entry():
            k, lo, hi = r.i16(), r.i16(), r.i16()
            r.skip_tags()
            return k, (lo, hi)
        keys = dict(r.compact_array(entry))
    else:
        keys = dict(r.array(lambda: (r.i16(), (r.i16(), r.i16()))))
    throttle = r.i32() if version >= 1 else None
    if version >= 3:
        r.skip_tags()
    if not r.done():
        raise ProtocolError(f"ApiVersions v{version} response has {len(body) - r.pos} bytes left over")
    return error, keys, throttle


def parse_produce_response(body, version):
    """[(topic, partition, error_code, base_offset)] for Produce v2-v7 responses."""
    r = Reader(body)
    out = []
    for _ in range(r.i32()):
        topic = r.string()
        for _ in range(r.i32()):
            partition, error, base_offset = r.i32(), r.i16(), r.i64()
            if version >= 2:
                r.i64()  # log_append_time_ms
            if version >= 5:
                r.i64()  # log_start_offset
            out.append((topic, partition, error, base_offset))
    if version >= 1:
        r.i32()  # throttle_time_ms
    return out


def parse_alter_configs_response(body, flexible):
    """[(error_code, error_message, resource_type, resource_name)] of an AlterConfigs or
    IncrementalAlterConfigs response; flexible: response header v1 and compact encoding."""
    r = Reader(body)
    if flexible:
        r.skip_tags()  # response header v1

    def resource():
        error = r.i16()
        if not flexible:
            return error, r.string(), r.i8(), r.string()
        out = (error, r.compact_string(), r.i8(), r.compact_string())
        r.skip_tags()
        return out
    r.i32()  # throttle_time_ms
    out = r.compact_array(resource) if flexible else r.array(resource)
    if flexible:
        r.skip_tags()
    if not r.done():
        raise ProtocolError(f"AlterConfigs response has {len(body) - r.pos} bytes left over")
    return out


def parse_delete_records_response(body, version):
    """{(topic, partition): (error_code, low_watermark)} of a DeleteRecords v0-v2 response."""
    flexible = version >= 2
    r = Reader(body)
    if flexible:
        r.skip_tags()  # response header v1
    text = r.compact_string if flexible else r.string
    seq = r.compact_array if flexible else r.array
    out = {}

    def partition(topic):
        index, low_watermark, error = r.i32(), r.i64(), r.i16()
        if flexible:
            r.skip_tags()
        out[(topic, index)] = (error, low_watermark)

    def topic():
        name = text()
        seq(lambda: partition(name))
        if flexible:
            r.skip_tags()
    r.i32()  # throttle_time_ms
    seq(topic)
    if flexible:
        r.skip_tags()
    if not r.done():
        raise ProtocolError(f"DeleteRecords v{version} response has {len(body) - r.pos} bytes left over")
    return out


def parse_create_topics_v0(body):
    """{name: error_code}"""
    r = Reader(body)
    return dict(r.array(lambda: (r.string(), r.i16())))


def parse_metadata_v1(body):
    """{"brokers": [(id, host, port)], "controller": id, "topics": {name: (error, [partition errors])}}"""
    r = Reader(body)
    brokers = r.array(lambda: (r.i32(), r.string(), r.i32(), r.string())[:3])
    controller = r.i32()

    def topic():
        error, name = r.i16(), r.string()
        r.i8()  # is_internal
        parts = r.array(lambda: (r.i16(), r.i32(), r.i32(), r.array(r.i32), r.array(r.i32))[:2])
        return name, (error, parts)
    topics = dict(r.array(topic))
    return {"brokers": brokers, "controller": controller, "topics": topics}


# --- a connection ---------------------------------------------------------------------

class Conn:
    """A blocking socket to the broker with framed reads bounded by timeouts."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Closed(f"send failed: {e}")

    def shutdown_write(self):
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no complete response within the timeout ({len(self.buf)} bytes buffered)")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                raise Closed("connection reset")
            if not chunk:
                raise Closed(f"connection closed ({len(self.buf)} bytes buffered)")
            self.buf += chunk

    def recv_frame(self, timeout=10.0):
        """(correlation_id, body) of the next response (header v0: correlation id only)."""
        deadline = time.monotonic() + timeout
        self._fill(4, deadline)
        size = struct.unpack(">i", self.buf[:4])[0]
        if size < 4 or size > 64 * 1024 * 1024:
            raise ProtocolError(f"response frame size {size}")
        self._fill(4 + size, deadline)
        payload, self.buf = self.buf[4:4 + size], self.buf[4 + size:]
        return struct.unpack(">i", payload[:4])[0], payload[4:]

    def wait_closed(self, timeout):
        """Reads until the broker closes; returns the bytes it sent first. TimeoutError if it does not."""
        deadline = time.monotonic() + timeout
        got = self.buf
        self.buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"connection still open after {timeout}s ({len(got)} bytes received)")
            ready, _, _ = select.select([self.sock], [], [], left)
            if not ready:
                continue
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, OSError):
                return got
            if not chunk:
                return got
            got += chunk

    def roundtrip(self, data, timeout=10.0):
        self.send(data)
        return self.recv_frame(timeout)
