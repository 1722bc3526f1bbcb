"""Harness for the integration tests: a real runneld process, the clients around it, the checks.

Standard library only; run with /usr/bin/python3 (the Debian Kafka client modules live there).

    run = TestRun("kcat_test", time_limit=100)         # bounds the whole script's time
    with Broker(args.runneld, {"message.max.bytes": "65536"}) as broker:
        run.case("produce and consume", lambda: ...)    # a failed check fails the case, the run goes on
    run.finish()                                        # prints "N passed, M failed", exits 0 or 1

Broker: start() writes a config file in a fresh temporary directory (data in .data_dir), starts
`runneld CONFIG --override k=v...` on 127.0.0.1 port 0 and waits for the `listening on
127.0.0.1:<port>` line on stderr; stop() sends SIGTERM and expects exit status 0; kill9();
restart() keeps the data dir and re-binds the same port when it can. stdout and stderr of each
start go to <work dir>/runneld-<n>.log. Every wait is bounded by a timeout; brokers are killed at
exit, on SIGTERM/SIGINT, by the watchdog past the time limit, and (where the kernel honours
PR_SET_PDEATHSIG; this sandbox does not) when the test process dies; CTest kills the process tree
on its own timeout. RUNNEL_IT_KEEP=1 keeps the temporary directories.
"""

import argparse
import atexit
import base64
import ctypes
import difflib
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

LISTENING_RE = re.compile(rb"listening on 127\.0\.0\.1:(\d+)")
DEFAULT_CONFIG = {
    "node.id": "0",
    "num.partitions": "3",
    "auto.create.topics.enable": "true",
    "log.flush.interval.messages": "1",
}
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


# --- command line -------------------------------------------------------------

def parse_args(extra=None):
    """The arguments CMake passes every test: --runneld, --runnel, --kcat (+ script extras)."""
    p = argparse.ArgumentParser()
    p.add_argument("--runneld", required=True, help="path of the broker binary")
    p.add_argument("--runnel", required=True, help="path of the runnel CLI (dump-log)")
    p.add_argument("--kcat", default=shutil.which("kcat") or "kcat")
    if extra:
        extra(p)
    args = p.parse_args()
    for name in ("runneld", "runnel", "kcat"):
        path = getattr(args, name)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            hint = " (install with: scripts/install-deps.sh --test)" if name == "kcat" else ""
            sys.exit(f"FATAL: --{name} {path!r} is not an executable file{hint}")
    return args


# --- checks -------------------------------------------------------------------

class CheckFailed(Exception):
    """A mismatch: the message says what was expected and what came."""


class Abort(BaseException):
    """Stops the whole run (time limit, broker gone): not caught by a case."""


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def check_equal(actual, expected, what):
    if actual == expected:
        return
    if isinstance(actual, list) and isinstance(expected, list):
        lines = [f"{what}: {len(actual)} items, expected {len(expected)}"]
        for i in range(max(len(actual), len(expected))):
            a = actual[i] if i < len(actual) else "<missing>"
            e = expected[i] if i < len(expected) else "<missing>"
            if a != e:
                lines.append(f"  first difference at index {i}:")
                lines.append(f"    expected: {e!r}")
                lines.append(f"    actual:   {a!r}")
                break
        raise CheckFailed("\n".join(lines))
    if isinstance(actual, dict) and isinstance(expected, dict):
        diff = [f"  {k}: expected {expected.get(k, '<missing>')!r}, actual {actual.get(k, '<missing>')!r}"
                for k in sorted(set(actual) | set(expected), key=str) if actual.get(k) != expected.get(k)]
        raise CheckFailed(f"{what}:\n" + "\n".join(diff[:20]))
    if isinstance(actual, str) and isinstance(expected, str) and "\n" in expected:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "expected", "actual",
                                              lineterm=""))
        raise CheckFailed(f"{what}:\n{diff}")
    raise CheckFailed(f"{what}:\n  expected: {expected!r}\n  actual:   {actual!r}")


def wait_until(predicate, timeout, what, interval=0.1):
    """Polls predicate() until it returns a true value (returned) or the timeout (CheckFailed)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # noqa: BLE001 - the last error is reported
            last_error = e
        if time.monotonic() >= deadline:
            raise CheckFailed(f"timed out after {timeout}s waiting for {what}"
                              + (f" (last error: {last_error!r})" if last_error else ""))
        time.sleep(interval)


# --- the run --------------------------------------------------------------------

class TestRun:
    """Counts cases, bounds the script's time, reports. One per script."""

    def __init__(self, name, time_limit=100):
        self.name = name
        self.passed = 0
        self.failed = []
        self.failures = []  # (title, message) of each failed case, for recap()
        self.aborted = None
        self.started = time.monotonic()
        self.time_limit = time_limit
        signal.signal(signal.SIGALRM, self._on_alarm)
        signal.alarm(int(time_limit))
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        # Last resort if the main thread is stuck inside C code when the alarm fires.
        watchdog = threading.Thread(target=self._watchdog, args=(time_limit + 15,), daemon=True)
        watchdog.start()
        print(f"== {name} (time limit {time_limit}s)", flush=True)

    def _on_alarm(self, signum, frame):
        raise Abort(f"time limit of {self.time_limit}s reached")

    def _on_signal(self, signum, frame):
        raise Abort(f"received signal {signum}")

    def _watchdog(self, seconds):
        time.sleep(seconds)
        print(f"FATAL: {self.name} still running {seconds}s after start; killing brokers and exiting",
              flush=True)
        for b in list(Broker.live):
            b.kill_quietly()
        os._exit(3)

    def elapsed(self):
        return time.monotonic() - self.started

    def case(self, title, fn, *args, critical=False, **kwargs):
        """Runs one case and returns fn's result (None when it failed).

        CheckFailed and exceptions fail the case and the run goes on, unless critical=True (a setup
        step the rest needs): then the run ends. Abort (time limit, broker died) ends the run."""
        print(f"-- {title}", flush=True)
        t0 = time.monotonic()
        try:
            for b in list(Broker.live):
                b.check_running()
            result = fn(*args, **kwargs)
        except (CheckFailed, BrokerError) as e:
            self._fail(title, str(e))
            if critical:
                self.finish()
            return None
        except Abort as e:
            self._fail(title, f"aborted: {e}")
            self.aborted = str(e).splitlines()[0]
            self.finish()
        except Exception:  # noqa: BLE001 - a client exception is a failed case, with its traceback
            self._fail(title, "exception:\n" + traceback.format_exc())
            if critical:
                self.finish()
            return None
        self.passed += 1
        print(f"   ok ({time.monotonic() - t0:.1f}s)", flush=True)
        return result

    def _fail(self, title, message):
        self.failed.append(title)
        self.failures.append((title, message))
        print(f"FAIL: {title}\n" + "\n".join("   " + line for line in message.splitlines()), flush=True)
        for b in list(Broker.live):
            if b.proc is not None and b.proc.poll() is not None and b.expected_running:
                print(f"   broker {b.name} is not running (exit status {b.proc.returncode})", flush=True)

    def recap(self, lines=25):
        """The failed cases with the start of each message: printed again after the (long) broker
        logs, so the end of the output, which CI shows, says what failed."""
        out = []
        for title, message in self.failures:
            text = message.splitlines()
            out.append(f"FAILED: {title}")
            out += ["   " + line for line in text[:lines]]
            if len(text) > lines:
                out.append(f"   ... ({len(text) - lines} more lines above)")
        return "\n".join(out)

    def finish(self):
        """Prints the summary (and broker logs on failure, then a recap), cleans up, exits."""
        signal.alarm(0)
        if self.failed:
            for b in Broker.all:
                print(b.log_tail(60), flush=True)
            print(self.recap(), flush=True)
        for b in list(Broker.live):
            b.close()
        if self.aborted:
            print(f"{self.name}: run aborted ({self.aborted}); the remaining cases did not run")
        print(f"{self.name}: {len(self.failed)} failed case(s): {', '.join(self.failed)}" if self.failed
              else f"{self.name}: all cases passed in {self.elapsed():.1f}s")
        print(f"{self.passed} passed, {len(self.failed)} failed", flush=True)
        sys.exit(1 if self.failed else 0)


# --- the broker process -----------------------------------------------------------

try:
    _libc = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:  # pragma: no cover - Linux only
    _libc = None


def _die_with_parent():
    """In the child before exec: SIGKILL when the test process goes away (prctl PR_SET_PDEATHSIG)."""
    if _libc is not None:
        _libc.prctl(1, signal.SIGKILL)


class BrokerError(Exception):
    pass


class Broker:
    """One runneld process with its own temporary directory. Start and stop from the main thread."""

    live = []   # brokers whose directory still exists
    all = []
    _count = 0

    def __init__(self, binary, overrides=None, name=None, start_timeout=60.0, stop_timeout=30.0):
        Broker._count += 1
        self.binary = binary
        self.overrides = dict(overrides or {})
        if "listeners" in self.overrides or "log.dirs" in self.overrides:
            raise ValueError("the harness owns listeners and log.dirs")
        self.name = name or f"runneld{Broker._count}"
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.work_dir = tempfile.mkdtemp(prefix=f"runnel-it-{self.name}-", dir=os.environ.get("RUNNEL_IT_TMP"))
        self.data_dir = os.path.join(self.work_dir, "data")
        self.config_path = os.path.join(self.work_dir, "server.properties")
        self.proc = None
        self.port = None
        self.port_changed = False
        self.starts = 0
        self.log_path = None
        self.expected_running = False
        Broker.live.append(self)
        Broker.all.append(self)

    # -- lifecycle

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def _write_config(self, port):
        config = dict(DEFAULT_CONFIG)
        config["listeners"] = f"PLAINTEXT://127.0.0.1:{port}"
        config["log.dirs"] = self.data_dir
        with open(self.config_path, "w") as f:
            f.write("# written by tests/integration/harness.py\n")
            for k, v in config.items():
                f.write(f"{k}={v}\n")

    def command(self):
        cmd = [self.binary, self.config_path]
        for k, v in self.overrides.items():
            cmd += ["--override", f"{k}={v}"]
        return cmd

    def start(self, port=0):
        """Starts runneld on `port` (0 = ephemeral); returns once it printed its listening line."""
        if self.proc is not None and self.proc.poll() is None:
            raise BrokerError(f"{self.name} is already running")
        self._write_config(port)
        self.starts += 1
        self.log_path = os.path.join(self.work_dir, f"runneld-{self.starts}.log")
        log = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         cwd=self.work_dir, preexec_fn=_die_with_parent)
        finally:
            log.close()
        self.expected_running = True
        deadline = time.monotonic() + self.start_timeout
        while True:
            with open(self.log_path, "rb") as f:
                m = LISTENING_RE.search(f.read())
            if m:
                bound = int(m.group(1))
                if port and bound != port:
                    raise BrokerError(f"{self.name}: asked for port {port}, it says it listens on {bound}")
                self.port = bound
                print(f"   {self.name} (pid {self.proc.pid}) listening on {self.bootstrap}", flush=True)
                return self
            if self.proc.poll() is not None:
                self.expected_running = False
                raise BrokerError(f"{self.name} exited with status {self.proc.returncode} before listening\n"
                                  f"command: {' '.join(self.command())}\n" + self.log_tail(40))
            if time.monotonic() > deadline:
                self.kill_quietly()
                raise BrokerError(f"{self.name} printed no 'listening on 127.0.0.1:<port>' line within "
                                  f"{self.start_timeout}s\n" + self.log_tail(40))
            time.sleep(0.02)

    def stop(self, check_status=True):
        """SIGTERM, then waits; a clean shutdown exits 0 within stop_timeout. Returns the status."""
        if self.proc is None or self.proc.poll() is not None:
            self.expected_running = False
            status = self.proc.returncode if self.proc else None
            if check_status:
                raise BrokerError(f"{self.name} was not running at stop (exit status {status})\n"
                                  + self.log_tail(40))
            return status
        self.expected_running = False
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.kill_quietly()
            raise BrokerError(f"{self.name} did not exit within {self.stop_timeout}s of SIGTERM (killed)\n"
                              + self.log_tail(40))
        if check_status and status != 0:
            raise BrokerError(f"{self.name} exited with status {status} after SIGTERM, expected 0\n"
                              + self.log_tail(40))
        return status

    def kill9(self):
        """SIGKILL: a crash. The data dir stays as the kernel left it."""
        if self.proc is None or self.proc.poll() is not None:
            raise BrokerError(f"{self.name} was not running at kill -9\n" + self.log_tail(40))
        self.expected_running = False
        self.proc.kill()
        self.proc.wait(timeout=30)

    def restart(self, kill=False):
        """Stops (SIGTERM, or SIGKILL with kill=True) and starts on the same data dir and port.

        If the old port cannot be bound again, starts on a new one and sets .port_changed."""
        if kill:
            self.kill9()
        else:
            self.stop()
        return self.start_again()

    def start_again(self):
        """Starts a stopped broker on its data dir and old port (a new one, with .port_changed, if
        the old one cannot be bound)."""
        old = self.port
        try:
            return self.start(port=old)
        except BrokerError as e:
            if self.proc is not None and self.proc.poll() is None:
                raise
            print(f"WARNING: {self.name} could not start again on port {old}; trying a new port.\n{e}",
                  flush=True)
        self.port_changed = True
        return self.start(port=0)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_running(self):
        if self.expected_running and not self.alive():
            self.expected_running = False
            raise Abort(f"{self.name} died (exit status {self.proc.returncode})\n" + self.log_tail(40))

    def kill_quietly(self):
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - cleanup path
            pass
        self.expected_running = False

    def close(self):
        """Kills the process if still running and removes the directory (unless RUNNEL_IT_KEEP=1)."""
        self.kill_quietly()
        if self in Broker.live:
            Broker.live.remove(self)
        if os.environ.get("RUNNEL_IT_KEEP"):
            print(f"   kept {self.work_dir}", flush=True)
        else:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    # -- inspection

    def log_text(self):
        out = []
        for n in range(1, self.starts + 1):
            path = os.path.join(self.work_dir, f"runneld-{n}.log")
            try:
                with open(path, "rb") as f:
                    out.append(f"--- {self.name} start {n} ({path})\n" + f.read().decode("utf-8", "replace"))
            except OSError:
                pass
        return "\n".join(out)

    def log_tail(self, lines=40):
        text = self.log_text()
        if not text:
            return f"--- {self.name}: no log"
        tail = text.splitlines()[-lines:]
        return f"--- last {len(tail)} log lines of {self.name}:\n" + "\n".join(tail)

    def rss_bytes(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def partition_dir(self, topic, partition):
        return os.path.join(self.data_dir, f"{topic}-{partition}")

    def segment_files(self, topic, partition):
        return sorted(glob.glob(os.path.join(self.partition_dir(topic, partition), "*.log")))


def _cleanup_at_exit():
    for b in list(Broker.live):
        b.close()


atexit.register(_cleanup_at_exit)


# --- running clients ----------------------------------------------------------------

def run_command(cmd, input=None, timeout=60, env=None, check_status=True, what=None):
    """subprocess.run with a timeout; a non-zero exit or a timeout is a CheckFailed with stderr."""
    what = what or os.path.basename(cmd[0])
    try:
        res = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout, env=env,
                             preexec_fn=_die_with_parent)
    except subprocess.TimeoutExpired as e:
        raise CheckFailed(f"{what} did not finish within {timeout}s: {' '.join(map(str, cmd))}\n"
                          f"stderr: {(e.stderr or b'').decode('utf-8', 'replace')[-3000:]}")
    if check_status and res.returncode != 0:
        raise CheckFailed(f"{what} exited with status {res.returncode}: {' '.join(map(str, cmd))}\n"
                          f"stderr: {res.stderr.decode('utf-8', 'replace')[-3000:]}")
    return res


# kcat -f output: one record per line, fields separated by US (0x1f). Test data never contains
# US or a newline. %K and %S are -1 for a null key / value.
KCAT_FIELDS = ["topic", "partition", "offset", "timestamp", "key_len", "key", "value_len", "value", "headers"]
KCAT_FORMAT = "\x1f".join(["%t", "%p", "%o", "%T", "%K", "%k", "%S", "%s", "%h"]) + "\n"


class Kcat:
    """kcat 1.7.1 (librdkafka) against one broker, each call bounded by a timeout."""

    def __init__(self, path, bootstrap):
        self.path = path
        self.bootstrap = bootstrap

    def base(self):
        # -F none: ignore any ~/.config/kcat.conf; -m: metadata timeout in seconds.
        return [self.path, "-F", "none", "-b", self.bootstrap, "-m", "15"]

    def run(self, args, input=None, timeout=60, check_status=True):
        return run_command(self.base() + list(args), input=input, timeout=timeout, check_status=check_status,
                           what="kcat")

    def produce(self, topic, records, partition=None, codec=None, headers=(), props=None, null_empty=False,
                timeout=60):
        """Produces (key, value) text records, one line each (key, TAB, value), acks=all.

        headers: (name, value|None) for every record (-H name=value; -H name = null value).
        null_empty: -Z, an empty key or value is sent as null. Returns (ms before, ms after)."""
        lines = []
        for key, value in records:
            k = "" if key is None else key
            v = "" if value is None else value
            assert "\t" not in k and "\n" not in k + v and "\x1f" not in k + v, "bad test data"
            lines.append(f"{k}\t{v}\n")
        args = ["-P", "-t", topic, "-K", "\t", "-X", "acks=all", "-X", "message.timeout.ms=30000"]
        if partition is not None:
            args += ["-p", str(partition)]
        if codec is not None:
            args += ["-z", codec]
        for name, value in headers:
            args += ["-H", name if value is None else f"{name}={value}"]
        for k, v in (props or {}).items():
            args += ["-X", f"{k}={v}"]
        if null_empty:
            args.append("-Z")
        before = int(time.time() * 1000)
        self.run(args, input="".join(lines).encode(), timeout=timeout)
        return before, int(time.time() * 1000)

    def consume(self, topic, offset="beginning", partition=None, extra=(), timeout=60):
        """All records from `offset` to the end (-e) of every partition (or one), in output order."""
        args = ["-C", "-t", topic, "-o", str(offset), "-e", "-f", KCAT_FORMAT]
        if partition is not None:
            args += ["-p", str(partition)]
        res = self.run(list(args) + list(extra), timeout=timeout)
        return parse_kcat_records(res.stdout)

    def metadata_json(self, topic=None):
        args = ["-L", "-J"] + (["-t", topic] if topic else [])
        return json.loads(self.run(args, timeout=30).stdout)

    def metadata_text(self, topic=None):
        args = ["-L"] + (["-t", topic] if topic else [])
        return self.run(args, timeout=30).stdout.decode()


def parse_kcat_headers(text):
    if not text:
        return []
    out = []
    for item in text.split(","):
        name, _, value = item.partition("=")
        out.append((name, None if value == "NULL" else value.encode()))
    return out


def parse_kcat_records(stdout):
    records = []
    for line in stdout.split(b"\n"):
        if not line:
            continue
        fields = line.split(b"\x1f")
        if len(fields) != len(KCAT_FIELDS):
            raise CheckFailed(f"kcat output line with {len(fields)} fields, expected {len(KCAT_FIELDS)}: {line!r}")
        f = dict(zip(KCAT_FIELDS, fields))
        records.append({
            "topic": f["topic"].decode(),
            "partition": int(f["partition"]),
            "offset": int(f["offset"]),
            "timestamp": int(f["timestamp"]),
            "key": None if int(f["key_len"]) == -1 else f["key"],
            "value": None if int(f["value_len"]) == -1 else f["value"],
            "headers": parse_kcat_headers(f["headers"].decode()),
        })
    return records


def by_partition(records):
    """{partition: [records in offset order]}; also checks the output had each partition in order."""
    out = {}
    for r in records:
        out.setdefault(r["partition"], []).append(r)
    for p, rs in out.items():
        offsets = [r["offset"] for r in rs]
        check(offsets == sorted(offsets), f"partition {p}: records not in offset order: {offsets}")
    return out


def sorted_records(records):
    return sorted(records, key=lambda r: (r["topic"], r["partition"], r["offset"]))


def without(records, *fields):
    return [{k: v for k, v in r.items() if k not in fields} for r in records]


# --- runnel dump-log ------------------------------------------------------------------

def json_bytes(v):
    """dump-log JSON bytes: a string is the UTF-8 text, {"base64": ...} the raw bytes, null is None."""
    if v is None:
        return None
    if isinstance(v, dict):
        return base64.b64decode(v["base64"])
    return v.encode("utf-8")


def dump_log(runnel, paths, print_data=True, timeout=60):
    """`runnel dump-log --output json` as a list of objects (JSON Lines)."""
    cmd = [runnel, "dump-log", "--output", "json"] + (["--print-data-log"] if print_data else []) + list(paths)
    res = run_command(cmd, timeout=timeout, what="runnel dump-log")
    out = []
    for line in res.stdout.decode().splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise CheckFailed(f"runnel dump-log printed a line that is not JSON ({e}): {line!r}")
    return out


def stored_batches(runnel, broker, topic, partition, print_data=True):
    """The batches stored for a partition, oldest first; fails on invalid or torn content."""
    files = broker.segment_files(topic, partition)
    check(files, f"no segment file in {broker.partition_dir(topic, partition)} "
                 f"(directory has: {sorted(os.listdir(broker.data_dir)) if os.path.isdir(broker.data_dir) else []})")
    batches = []
    for obj in dump_log(runnel, files, print_data=print_data):
        if "file" in obj:
            continue
        check("validationStoppedAt" not in obj, f"{topic}-{partition}: dump-log stopped validating: {obj}")
        check(obj.get("isvalid") is True, f"{topic}-{partition}: invalid stored batch: {obj}")
        batches.append(obj)
    return batches


def stored_records(batches, topic, partition):
    """Records of dump-log batches in the record dict shape used by the tests."""
    out = []
    for b in batches:
        for r in b.get("records", []):
            out.append({
                "topic": topic, "partition": partition, "offset": r["offset"], "timestamp": r["timestamp"],
                "key": json_bytes(r["key"]), "value": json_bytes(r["payload"]),
                "headers": [(h["key"] if isinstance(h["key"], str) else json_bytes(h["key"]).decode("utf-8", "replace"),
                             json_bytes(h["value"])) for h in r["headers"]],
            })
    return out


def check_codec(runnel, broker, topic, partitions, codec):
    """Every stored batch of the partitions has compresscodec == codec; returns {partition: batches}."""
    found = {}
    for p in partitions:
        batches = stored_batches(runnel, broker, topic, p)
        codecs = sorted({b["compresscodec"] for b in batches})
        check(codecs == [codec], f"{topic}-{p}: stored batches have compresscodec {codecs}, expected only "
                                 f"['{codec}'] (did the client fall back to no compression?)")
        found[p] = batches
    return found


# --- partitioning -----------------------------------------------------------------------

def murmur2(data):
    """Kafka's murmur2 (Java Utils.murmur2) as a signed 32-bit int."""
    length = len(data)
    seed, m, r = 0x9747B28C, 0x5BD1E995, 24
    h = (seed ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    tail = length % 4
    base = length - tail
    if tail >= 3:
        h ^= data[base + 2] << 16
    if tail >= 2:
        h ^= data[base + 1] << 8
    if tail >= 1:
        h ^= data[base]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def java_partition(key, num_partitions):
    """The Java client's (and murmur2_random's) partition for a non-null key."""
    return (murmur2(key) & 0x7FFFFFFF) % num_partitions


# Test vectors from apache/kafka UtilsTest (kafka-compat.md §3).
assert murmur2(b"21") == -973932308
assert murmur2(b"foobar") == -790332482
assert murmur2(b"a-little-bit-long-string") == -985981536
assert murmur2(b"abc") == 479470107
assert murmur2(b"kafka") == -798503068


def compressible_value(prefix, i, size=300):
    """A text value compressors shrink (clients send uncompressed when compression does not help)."""
    filler = f" {prefix} record {i} lorem ipsum dolor sit amet"
    return (f"{prefix}-{i}" + filler * (size // len(filler) + 1))[:size]


def now_ms():
    return int(time.time() * 1000)


def read_to_end(bootstrap, topic, timeout=30, start=0):
    """Every record of `topic` from offset `start` (confluent_kafka.OFFSET_BEGINNING: the log start)
    to the end of each partition, read with confluent-kafka (assign, no group): a list of
    (partition, offset, key, value) in each partition's order, and the partition count. Fails the
    check if a partition's end is not reached within `timeout`."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "runnel-it-reader", "enable.partition.eof": True,
                  "enable.auto.commit": False})
    try:
        partitions = c.list_topics(topic, timeout=10).topics[topic].partitions
        c.assign([TopicPartition(topic, p, start) for p in partitions])
        records, eofs = [], set()
        deadline = time.monotonic() + timeout
        while len(eofs) < len(partitions) and time.monotonic() < deadline:
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                eofs.add(m.partition())
                continue
            records.append((m.partition(), m.offset(), m.key(), m.value()))
    finally:
        c.close()
    check_equal(len(eofs), len(partitions), f"{topic}: read to the end of every partition")
    return records, len(partitions)

