#!/usr/bin/python3
"""End-to-end test of `runnel dump-log` on a segment written by storage::Log.

Usage: dump_log_test.py RUNNEL DUMP_LOG_FIXTURE

dump_log_fixture writes the segment (contents fixed in dump_log_fixture.cc);
this script parses the .log and index files itself (its own batch parser and
CRC-32C) to know every position, size and CRC, states the records the fixture
wrote, and checks the tool's output line by line, in text and JSON, on the
intact segment and on damaged copies.
"""

import base64
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

RUNNEL, FIXTURE = sys.argv[1], sys.argv[2]
BASE_TS = 1700000000000
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
SEGMENT = "00000000000000000000"
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL: " + message)


def check_equal(actual, expected, what):
    if actual != expected:
        failures.append(what)
        print(f"FAIL: {what}\n  expected: {expected!r}\n  actual:   {actual!r}")


def run(*args):
    return subprocess.run([RUNNEL, *args], capture_output=True, text=True, timeout=60)


# --- an independent reading of the files -----------------------------------

def crc32c(data):
    table = crc32c.table
    crc = 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


crc32c.table = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    crc32c.table.append(c)


def parse_batches(data):
    """The batch-level fields of every whole batch, in kafka-dump-log order."""
    batches, position = [], 0
    while position + 61 <= len(data):
        (base_offset, batch_length, epoch, magic, crc, attributes, last_delta, _base_ts, max_ts,
         producer_id, producer_epoch, base_seq, count) = struct.unpack_from(">qiibIhiqqqhii", data, position)
        size = batch_length + 12
        if position + size > len(data):
            break
        last_seq = -1 if base_seq < 0 else base_seq + last_delta
        batches.append({
            "baseOffset": base_offset, "lastOffset": base_offset + last_delta, "count": count,
            "baseSequence": base_seq, "lastSequence": last_seq, "producerId": producer_id,
            "producerEpoch": producer_epoch, "partitionLeaderEpoch": epoch,
            "isTransactional": bool(attributes & 0x10), "isControl": bool(attributes & 0x20),
            "position": position, "timestampType": "LogAppendTime" if attributes & 0x08 else "CreateTime",
            "maxTimestamp": max_ts, "size": size, "magic": magic,
            "compresscodec": ["none", "gzip", "snappy", "lz4", "zstd"][attributes & 0x07], "crc": crc,
            "isvalid": crc32c(data[position + 21:position + size]) == crc,
        })
        position += size
    return batches


def expected_records():
    """What dump_log_fixture.cc appended, per batch: JSON-shaped record dicts."""
    per_batch = []
    for b, codec in enumerate(CODECS):
        per_batch.append([{"offset": 3 * b + i, "timestampType": "CreateTime", "timestamp": BASE_TS + 1000 * b + i,
                           "keySize": 2, "valueSize": len(f"{codec}-{i}"), "sequence": -1, "headers": [],
                           "key": f"k{i}", "payload": f"{codec}-{i}"} for i in range(3)])
    per_batch.append([
        {"offset": 15, "timestampType": "CreateTime", "timestamp": BASE_TS + 5000, "keySize": -1, "valueSize": 3,
         "sequence": 7, "headers": [{"key": "trace", "value": "abc"}, {"key": "empty", "value": None}],
         "key": None, "payload": {"base64": "AP8Q"}},
        {"offset": 16, "timestampType": "CreateTime", "timestamp": BASE_TS + 5001, "keySize": 8, "valueSize": 10,
         "sequence": 8, "headers": [], "key": 'say "hi"', "payload": "line\nbreak"},
    ])
    return per_batch


# --- the expected output, derived from the two above -------------------------

def text_value(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "base64:" + v["base64"]
    if isinstance(v, str) and any(ord(ch) < 0x20 for ch in v):
        return "base64:" + base64.b64encode(v.encode()).decode()
    return str(v)


def text_fields(d, timestamp_key):
    parts = []
    for k, v in d.items():
        if k == "timestampType":
            continue
        if k == timestamp_key:
            parts.append(f"{d['timestampType']}: {v}")
        elif k == "headers":
            parts.append("headers: [" + ",".join(f"{h['key']}={text_value(h['value'])}" for h in v) + "]")
        else:
            parts.append(f"{k}: {text_value(v)}")
    return " ".join(parts)


def batch_text(batch, error=None):
    return text_fields(batch, "maxTimestamp") + (f" error: {error}" if error else "")


def record_text(record):
    return "| " + text_fields(record, "timestamp")


def log_text(path, batches, records=None, errors=None):
    lines = [f"Dumping {path}", "Log starting offset: 0"]
    for i, batch in enumerate(batches):
        lines.append(batch_text(batch, (errors or {}).get(i)))
        if records is not None:
            lines.extend(record_text(r) for r in records[i])
    return lines


def out_lines(result):
    return result.stdout.splitlines()


def main():
    work = tempfile.mkdtemp(prefix="dump_log_test.")
    try:
        subprocess.run([FIXTURE, work], check=True, timeout=60)
        seg = os.path.join(work, "orders-0")
        log, index, timeindex = (os.path.join(seg, SEGMENT + ext) for ext in (".log", ".index", ".timeindex"))
        data = open(log, "rb").read()
        batches = parse_batches(data)
        records = expected_records()

        # The fixture's segment is what its comment says.
        check_equal([(b["baseOffset"], b["lastOffset"], b["count"], b["compresscodec"]) for b in batches],
                    [(0, 2, 3, "none"), (3, 5, 3, "gzip"), (6, 8, 3, "snappy"), (9, 11, 3, "lz4"),
                     (12, 14, 3, "zstd"), (15, 16, 2, "none")], "fixture batches")
        check(sum(b["size"] for b in batches) == len(data), "batches cover the whole .log")
        check(all(b["isvalid"] for b in batches), "fixture CRCs valid")
        check_equal((batches[5]["producerId"], batches[5]["producerEpoch"], batches[5]["baseSequence"],
                     batches[5]["lastSequence"]), (42, 3, 7, 8), "idempotent batch fields")

        # .log, text: every batch line, exactly.
        r = run("dump-log", log)
        check_equal(r.returncode, 0, "dump .log exit status")
        check_equal(out_lines(r), log_text(log, batches), "dump .log text")

        # .log with --print-data-log: records of every codec, decompressed.
        r = run("dump-log", "--print-data-log", log)
        check_equal(out_lines(r), log_text(log, batches, records), "dump .log --print-data-log text")

        # .index and .timeindex: entries at batch starts, offsets = base + relative.
        starts = {b["position"]: b["baseOffset"] for b in batches}
        raw = open(index, "rb").read()
        entries = [struct.unpack_from(">II", raw, i) for i in range(0, len(raw), 8)]
        check(len(entries) >= 4, "index interval 1 indexes most batches")
        check(all(starts.get(pos) == rel for rel, pos in entries), "index entries point at batch starts")
        r = run("dump-log", index)
        check_equal(out_lines(r), [f"Dumping {index}"] + [f"offset: {rel} position: {pos}" for rel, pos in entries],
                    "dump .index text")
        raw = open(timeindex, "rb").read()
        tentries = [struct.unpack_from(">qI", raw, i) for i in range(0, len(raw), 12)]
        check(len(tentries) >= 4, "timeindex has entries")
        check(all(any(b["baseOffset"] <= rel <= b["lastOffset"] and ts <= b["maxTimestamp"] for b in batches)
                  for ts, rel in tentries), "timeindex entries name real offsets")
        r = run("dump-log", timeindex)
        check_equal(out_lines(r), [f"Dumping {timeindex}"] + [f"timestamp: {ts} offset: {rel}" for ts, rel in tentries],
                    "dump .timeindex text")

        # JSON: one object per line, same facts.
        r = run("dump-log", "--output", "json", "--print-data-log", log, index, timeindex)
        check_equal(r.returncode, 0, "json exit status")
        objects = [json.loads(line) for line in out_lines(r)]
        expected = [{"file": log, "logStartingOffset": 0}]
        expected += [dict(b, records=records[i]) for i, b in enumerate(batches)]
        expected += [{"file": index}] + [{"offset": rel, "position": pos} for rel, pos in entries]
        expected += [{"file": timeindex}] + [{"timestamp": ts, "offset": rel} for ts, rel in tentries]
        check_equal(objects, expected, "json objects")
        check_equal(list(objects[1].keys())[:3], ["baseOffset", "lastOffset", "count"], "json field order")

        # A flipped byte inside batch 0's records: isvalid false, the rest intact.
        bad = os.path.join(work, "corrupt")
        os.mkdir(bad)
        bad_log = os.path.join(bad, SEGMENT + ".log")
        damaged = bytearray(data)
        damaged[data.index(b"none-1")] ^= 0x01  # 'n' -> 'o'
        open(bad_log, "wb").write(damaged)
        r = run("dump-log", "--print-data-log", bad_log)
        check_equal(r.returncode, 0, "corrupt .log exit status")
        bad_records = [list(rs) for rs in records]
        bad_records[0][1] = dict(bad_records[0][1], payload="oone-1")
        bad_batches = parse_batches(bytes(damaged))
        check_equal([b["isvalid"] for b in bad_batches], [False, True, True, True, True, True], "damage hits batch 0")
        check_equal(out_lines(r), log_text(bad_log, bad_batches, bad_records, {0: "CRC32C mismatch"}),
                    "corrupt .log text")
        r = run("dump-log", "--output", "json", bad_log)
        check_equal([json.loads(line).get("isvalid") for line in out_lines(r)][1:],
                    [False, True, True, True, True, True], "corrupt .log json isvalid")

        # A torn tail: the last batch cut short.
        open(bad_log, "wb").write(data[:-10])
        last = batches[-1]
        r = run("dump-log", bad_log)
        check_equal(r.returncode, 0, "torn .log exit status")
        check_equal(out_lines(r), log_text(bad_log, batches[:-1]) + [
            f"Validation stopped at position {last['position']}: {last['size'] - 10} bytes follow "
            f"(batch of {last['size']} bytes runs past the end of the file)"], "torn .log text")
        r = run("dump-log", "--output", "json", bad_log)
        check_equal(json.loads(out_lines(r)[-1]),
                    {"validationStoppedAt": last["position"], "bytesFollowing": last["size"] - 10,
                     "reason": f"batch of {last['size']} bytes runs past the end of the file"}, "torn .log json")

        # A zero-filled tail (preallocated or torn page), and a few stray bytes.
        open(bad_log, "wb").write(data + bytes(30))
        r = run("dump-log", bad_log)
        check_equal(out_lines(r)[-1], f"Validation stopped at position {len(data)}: 30 bytes follow "
                    "(batchLength 0 is below the minimum 49)", "zero tail")
        open(bad_log, "wb").write(data + b"\x01\x02\x03")
        r = run("dump-log", bad_log)
        check_equal(out_lines(r)[-1], f"Validation stopped at position {len(data)}: 3 bytes follow "
                    "(too short for a batch's offset and length)", "short tail")

        # An index with a partial entry at its end.
        bad_index = os.path.join(bad, SEGMENT + ".index")
        open(bad_index, "wb").write(open(index, "rb").read() + b"\x00\x00\x01")
        r = run("dump-log", bad_index)
        check_equal(r.returncode, 0, "partial index exit status")
        check_equal(out_lines(r)[-1], f"Validation stopped at position {8 * len(entries)}: 3 bytes follow "
                    "(not a whole 8-byte entry)", "partial index entry")

        # Missing files: one line on stderr each, exit 1, the others still dumped.
        missing = os.path.join(work, "nope", SEGMENT + ".log")
        r = run("dump-log", missing)
        check_equal((r.returncode, r.stdout, r.stderr),
                    (1, "", f"runnel dump-log: {missing}: No such file or directory\n"), "missing file")
        r = run("dump-log", missing, index)
        check_equal(r.returncode, 1, "missing + present exit status")
        check_equal(out_lines(r)[0], f"Dumping {index}", "present file still dumped")
        renamed = os.path.join(bad, "orders.index")
        shutil.copy(index, renamed)
        r = run("dump-log", renamed)
        check(r.returncode == 1 and len(r.stderr.splitlines()) == 1 and "20-digit base offset" in r.stderr,
              "index without a base offset name is refused")

        # Bad arguments: usage and a non-zero status. Help shows an example.
        for args in (["dump-log", "--output", "xml", log], ["dump-log"], [], ["no-such-command"]):
            r = run(*args)
            check(r.returncode != 0 and "Usage: runnel" in r.stderr,
                  f"bad arguments {args}: status {r.returncode}, stderr {r.stderr!r}")
        for args in (["--help"], ["dump-log", "--help"]):
            r = run(*args)
            check(r.returncode == 0 and "Example:" in r.stdout and "dump-log" in r.stdout, f"help {args}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all dump-log checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
