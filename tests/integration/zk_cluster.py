"""A scripts/cluster.sh cluster (ZooKeeper and runneld brokers on 127.0.0.1) for integration tests."""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import wire  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER_SH = os.path.join(ROOT, "scripts", "cluster.sh")

# For tests that stop brokers: a follower leaves the ISR 1.5 s after it stops fetching, well
# before its ZooKeeper session (6 s) expires.
SESSION_TIMEOUT_MS = 6000
LAG_MS = 1500
REPLICATION_OVERRIDES = [f"zookeeper.session.timeout.ms={SESSION_TIMEOUT_MS}", f"replica.lag.time.max.ms={LAG_MS}",
                         "replica.fetch.wait.max.ms=100", "replica.fetch.backoff.ms=200", "num.partitions=1"]


class Cluster:
    """The brokers of one scripts/cluster.sh directory."""

    def __init__(self, runneld):
        self.dir = tempfile.mkdtemp(prefix="runnel-it-cluster-", dir=os.environ.get("RUNNEL_IT_TMP", "/var/tmp"))
        self.env = dict(os.environ, RUNNELD=runneld, ZOOKEEPER_OWNER_PID=str(os.getpid()))
        self.started = False

    def script(self, *args, timeout=90, check_status=True):
        return harness.run_command(["bash", CLUSTER_SH, *args], timeout=timeout, env=self.env,
                                   check_status=check_status, what="cluster.sh")

    def start(self, n=3, overrides=()):
        self.started = True
        out = self.script("start", self.dir, str(n), *overrides).stdout.decode()
        print("   " + out.strip(), flush=True)
        return out

    def stop(self):
        if self.started:
            self.script("stop", self.dir, check_status=False)
            self.started = False

    def close(self):
        self.stop()
        if os.environ.get("RUNNEL_IT_KEEP"):
            print(f"   kept {self.dir}", flush=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def close_after(self, run, diagnose=None):
        """The end of a test run on this cluster: when a case failed, `diagnose(self)` (if given; its
        own failure is printed, not raised), the last lines of every broker log and the run's recap
        of its failures; then close()."""
        if run.failed:
            if diagnose:
                try:
                    diagnose(self)
                except Exception as e:  # noqa: BLE001 - the report goes on
                    print(f"   diagnose: {e!r}", flush=True)
            print(self.logs(), flush=True)
            print(run.recap(), flush=True)
        self.close()

    def restart(self, node):
        return self.script("broker", self.dir, str(node)).stdout.decode()

    def file(self, node, name):
        with open(os.path.join(self.dir, f"broker-{node}", name)) as f:
            return f.read()

    def port(self, node):
        return int(self.file(node, "port"))

    def pid(self, node):
        return int(self.file(node, "pid"))

    def log(self, node):
        return self.file(node, "runneld.log")

    @property
    def zookeeper(self):
        with open(os.path.join(self.dir, "zookeeper", "port")) as f:
            return f"127.0.0.1:{int(f.read())}"

    @property
    def bootstrap(self):
        with open(os.path.join(self.dir, "bootstrap")) as f:
            return f.read().strip()

    def sanitizer_reports(self):
        """Every AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer report in any broker's
        log, earlier incarnations' kept logs (runneld.log.<n>) included: [(path, report start)]. A
        broker that was stopped or restarted may have reported on its way out, unseen by a check of
        the running processes."""
        found = []
        for name in sorted(os.listdir(self.dir)):
            bdir = os.path.join(self.dir, name)
            if not name.startswith("broker-") or not os.path.isdir(bdir):
                continue
            for log in sorted(f for f in os.listdir(bdir) if f.startswith("runneld.log")):
                with open(os.path.join(bdir, log), errors="replace") as f:
                    text = f.read()
                for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                    at = text.find(marker)
                    if at >= 0:
                        found.append((os.path.join(name, log), text[max(0, at - 200):at + 3000]))
        return found

    def logs(self):
        out = []
        for name in sorted(os.listdir(self.dir)):
            path = os.path.join(self.dir, name, "runneld.log")
            if os.path.isfile(path):
                with open(path, errors="replace") as f:
                    out.append(f"--- {path} (last lines)\n" + "".join(f.readlines()[-25:]))
        return "\n".join(out)


def exited(pid):
    """True once the process is gone (or a zombie: runneld's parent, cluster.sh, has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def metadata(port):
    """Metadata v1 from one broker: ([(id, host, port, rack)], controller id)."""
    with wire.Conn(port) as c:
        _, body = c.roundtrip(wire.metadata_request_v1(1, []))
    r = wire.Reader(body)
    brokers = r.array(lambda: (r.i32(), r.string(), r.i32(), r.string()))
    return brokers, r.i32()
