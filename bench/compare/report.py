#!/usr/bin/python3
"""Turns the comparison's results (one JSON object a line, bench/compare/common.sh) into the
markdown section of docs/benchmarks.md between <!-- compare:begin --> and <!-- compare:end -->
(added, under its own heading, when the markers are missing), with PNG plots beside it:
compare-throughput.png (W1, W2, W3 bars coloured by durability) and compare-latency.png (L1
percentiles, log scale). The goals of issue 7 are computed from the same results.

  /usr/bin/python3 bench/compare/report.py RESULTS.jsonl [--docs FILE] [--img DIR]
                                           [--command TEXT] [--check SYSTEM,...]

--check SYSTEMS: fail (exit 1) unless every listed system has W1, W2, W3-produce, W3-consume and
L1 in each of its variants with records > 0, and no result in the file lost a record.
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BEGIN, END = "<!-- compare:begin -->", "<!-- compare:end -->"
HEADING = "## Side by side: Runnel and the alternatives (issue 7)"
WORKLOADS = ["W1", "W2", "W3-produce", "W3-consume", "L1"]
TITLES = {  # the counts are in the tables (1,000,000, 200,000 and 10 s at 10,000/s in a full run)
    "W1": "W1: produce 100 B records from one producer",
    "W2": "W2: consume W1's records from the start with one consumer",
    "W3-produce": "W3: produce 1 KiB records",
    "W3-consume": "W3: consume them",
    "L1": "L1: end-to-end latency of 100 B records at a fixed rate, from each record's scheduled send time",
}
DURABLE, PAGE_CACHE = "fsync before ack", "page cache"
MB = 1 << 20


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def fmt(value, digits=1):
    if value is None:
        return "—"
    if isinstance(value, (int, float)) and abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def cpu_ms_per_mb(r):
    mb = r.get("records", 0) * r.get("record_bytes", 0) / MB
    return 1000 * r["server_cpu_s"] / mb if mb and "server_cpu_s" in r else None


def label(r):
    return f"{r['system']} {r.get('variant', '').split(' (')[0]}".strip()


def ordered(rows):
    """Runnel first, then the alternatives by name, each in the order they ran."""
    return sorted(rows, key=lambda r: (r["system"] != "runnel", r["system"]))


def workload_table(rows, workload):
    latency = workload == "L1"
    head = ["system", "variant", "durability", "records", "records/s", "MB/s"]
    if latency:
        head += ["p50 ms", "p99 ms", "p99.9 ms", "p99.99 ms", "max ms", "lost"]
    head += ["server CPU s", "CPU ms/MB", "peak RSS MiB", "client"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in ordered(x for x in rows if x.get("workload") == workload):
        cells = [r["system"], r.get("variant", ""), r.get("durability", ""), fmt(r.get("records")),
                 fmt(r.get("records_per_s")), fmt(r.get("mb_per_s"))]
        if latency:
            cells += [fmt(r.get(k), 2) for k in ("p50_ms", "p99_ms", "p999_ms", "p9999_ms", "max_ms")]
            cells.append(fmt(r.get("lost")))
        cells += [fmt(r.get("server_cpu_s"), 2), fmt(cpu_ms_per_mb(r), 2), fmt(r.get("server_peak_rss_mib")),
                  r.get("client", "")]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def machine_table(rows):
    m = {r["workload"]: r for r in rows if r["system"] == "machine"}
    if not m:
        return ["The machine's limits were not measured in this run."]
    lines = ["| limit | measured | how |", "|---|---|---|"]
    names = {"loopback-tcp": "loopback TCP", "disk-seq-fsync": "disk, 1 MiB writes + fdatasync each",
             "disk-seq": "disk, 1 MiB writes without sync", "disk-fsync-4k": "disk, 4 KiB write + fdatasync"}
    for key, name in names.items():
        r = m.get(key)
        if not r:
            lines.append(f"| {name} | not measured | |")
            continue
        value = f"{fmt(r.get('mb_per_s'))} MB/s"
        if key == "disk-fsync-4k":
            value = (f"{fmt(r.get('records_per_s'))} ops/s; fdatasync p50 {fmt(r.get('p50_ms'), 2)} ms, "
                     f"p99 {fmt(r.get('p99_ms'), 2)} ms, p99.9 {fmt(r.get('p999_ms'), 2)} ms")
        lines.append(f"| {name} | {value} | {r.get('variant', '')} |")
    return lines


def find(rows, system=None, workload=None, durability=None, alternatives=False):
    return [r for r in rows
            if r["system"] != "machine"
            and (system is None or r["system"] == system)
            and (not alternatives or r["system"] != "runnel")
            and (workload is None or r.get("workload") == workload)
            and (durability is None or r.get("durability") == durability)]


def goal_row(goal, measured, target, at_least):
    """measured: (ratio, text) or a sentence saying what is missing."""
    if isinstance(measured, str):
        return f"| {goal} | {measured} | — | not known |"
    ratio, text = measured
    met = ratio >= target if at_least else ratio <= target
    return f"| {goal} | {text} | {ratio:.2f} | {'met' if met else 'not met'} |"


def ratio_to(numerator, denominator, key, unit, what):
    """numerator, denominator: result rows or None; key: the figure compared."""
    if numerator is None:
        return "Runnel's figure is missing"
    if denominator is None or not denominator.get(key):
        return f"no {what} measured in this run"
    a, b = numerator[key], denominator[key]
    return a / b, f"{fmt(a)} {unit} / {fmt(b)} {unit} ({label(denominator)})"


def goals(rows):
    def one(rs):
        return rs[0] if rs else None

    def best(rs, key, lowest=False):
        rs = [r for r in rs if r.get(key) is not None]
        return (min if lowest else max)(rs, key=lambda r: r[key]) if rs else None

    machine = {r["workload"]: r for r in rows if r["system"] == "machine"}
    durable = {w: one(find(rows, "runnel", w, DURABLE)) for w in WORKLOADS}
    cached = {w: one(find(rows, "runnel", w, PAGE_CACHE)) for w in WORKLOADS}
    lines = ["| goal | measured | ratio | |", "|---|---|---|---|"]
    lines.append(goal_row("W1: Runnel durable ≥ 3× the fastest alternative (any durability)",
                          ratio_to(durable["W1"], best(find(rows, workload="W1", alternatives=True), "records_per_s"),
                                   "records_per_s", "records/s", "alternative"), 3, True))
    lines.append(goal_row("W2: Runnel (durable broker) ≥ 1.5× the fastest alternative",
                          ratio_to(durable["W2"], best(find(rows, workload="W2", alternatives=True), "records_per_s"),
                                   "records_per_s", "records/s", "alternative"), 1.5, True))
    lines.append(goal_row("W3: produce, Runnel durable ≥ 70% of the disk's fsync'd sequential bandwidth",
                          ratio_to(durable["W3-produce"], machine.get("disk-seq-fsync"), "mb_per_s", "MB/s",
                                   "disk-seq-fsync"), 0.7, True))
    lines.append(goal_row("W3: consume, Runnel (durable broker) ≥ 50% of loopback TCP bandwidth",
                          ratio_to(durable["W3-consume"], machine.get("loopback-tcp"), "mb_per_s", "MB/s",
                                   "loopback-tcp"), 0.5, True))
    lines.append(goal_row("L1: Runnel durable p99 ≤ 2× the disk's 4 KiB fdatasync p99",
                          ratio_to(durable["L1"], machine.get("disk-fsync-4k"), "p99_ms", "ms", "disk-fsync-4k"),
                          2, False))
    lines.append(goal_row("L1: Runnel page-cache p99 ≤ the best alternative's p99 (any durability)",
                          ratio_to(cached["L1"], best(find(rows, workload="L1", alternatives=True), "p99_ms", True),
                                   "p99_ms", "ms", "alternative"), 1, False))
    runnel = find(rows, "runnel")
    if runnel:
        rss = max(r.get("server_peak_rss_mib", 0) for r in runnel)
        cpu = [c for c in map(cpu_ms_per_mb, (r for r in runnel if r.get("workload") != "L1")) if c is not None]
        lines.append(f"| Broker memory bounded, CPU per MB reported | peak RSS {fmt(rss)} MiB over all workloads; "
                     f"server CPU {fmt(min(cpu, default=None), 2)}–{fmt(max(cpu, default=None), 2)} ms/MB in W1–W3 "
                     "| — | reported |")
    return lines


def machine_line():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
        with open("/proc/meminfo") as f:
            mem = int(next(line.split()[1] for line in f if line.startswith("MemTotal"))) / (1 << 20)
        with open("/etc/debian_version") as f:
            debian = "Debian " + f.read().strip()
    except (OSError, StopIteration):
        mem, debian = 0, platform.system()
    return f"{debian}, kernel {platform.release()}, {os.cpu_count()} cores ({cpu}), {mem:.1f} GiB RAM"


def commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty", "--abbrev=7"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def plot(rows, img_dir):
    try:
        import matplotlib
    except ImportError:
        print("report.py: matplotlib is missing (apt-get install python3-matplotlib): no plots", file=sys.stderr)
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matplotlib.ticker import FuncFormatter

    def short(value, _position=None):
        for unit, size in (("M", 1e6), ("k", 1e3)):
            if abs(value) >= size:
                return f"{value / size:g}{unit}"
        return f"{value:g}"

    os.makedirs(img_dir, exist_ok=True)
    colours = {DURABLE: "#1f5fa8", PAGE_CACHE: "#e39b2d"}
    panels = [("W1", "records_per_s", "W1 produce, records/s"), ("W2", "records_per_s", "W2 consume, records/s"),
              ("W3-produce", "mb_per_s", "W3 produce 1 KiB, MB/s"), ("W3-consume", "mb_per_s", "W3 consume 1 KiB, MB/s")]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    for ax, (workload, key, title) in zip(axes.flat, panels):
        rs = [r for r in ordered(find(rows, workload=workload)) if r.get(key) is not None][::-1]
        ax.barh([label(r) for r in rs], [r[key] for r in rs],
                color=[colours.get(r.get("durability"), "grey") for r in rs])
        ax.set_title(title)
        ax.xaxis.set_major_formatter(FuncFormatter(short))
        ax.tick_params(axis="y", labelsize=8)
        for i, r in enumerate(rs):
            ax.text(r[key], i, " " + fmt(r[key]), va="center", fontsize=7)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    fig.legend(handles, list(colours), loc="lower center", ncol=2)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(os.path.join(img_dir, "compare-throughput.png"), dpi=100)
    plt.close(fig)

    points = [("p50_ms", 50), ("p99_ms", 99), ("p999_ms", 99.9), ("p9999_ms", 99.99)]
    fig, ax = plt.subplots(figsize=(9, 6))
    for r in ordered(find(rows, workload="L1")):
        xs, ys = [], []
        for key, p in points:
            if r.get(key) is not None:
                xs.append(p)
                ys.append(max(r[key], 0.001))
        if r.get("max_ms") is not None:
            xs.append(99.999)
            ys.append(max(r["max_ms"], 0.001))
        nines = [-math.log10(1 - x / 100) for x in xs]
        ax.plot(nines, ys, marker="o", label=label(r), linestyle="-" if r.get("durability") == DURABLE else "--")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_xticks([0.30103, 2, 3, 4, 5])
    ax.set_xticklabels(["p50", "p99", "p99.9", "p99.99", "max"])
    ax.set_ylabel("end-to-end latency, ms (log scale)")
    ax.set_title("L1: latency percentiles at a fixed rate (solid: fsync before ack, dashed: page cache)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(img_dir, "compare-latency.png"), dpi=100)
    plt.close(fig)


def section(rows, args, docs):
    img = os.path.relpath(args.img, os.path.dirname(os.path.abspath(docs)))
    out = [BEGIN, "",
           f"Generated by `bench/compare/report.py` on {datetime.date.today().isoformat()}, commit `{commit()}`.",
           "",
           f"- Command: `{args.command}` (everything below comes from that one run; every server on 127.0.0.1,",
           "  client and server on the same machine).",
           f"- Machine: {machine_line()}.",
           "- Durability: \"fsync before ack\" means an acknowledged record was on disk (fsync/fdatasync)",
           "  before the answer; \"page cache\" means it was acknowledged from memory or the page cache (the",
           "  variant says how often it is synced). MB = 2^20 bytes of record values. Server CPU: user +",
           "  system seconds of the server process during the workload; CPU ms/MB is that per MB of values.",
           "  Peak RSS: the server's VmHWM after the workload.",
           "", "### Goals (issue 7), from this run", ""] + goals(rows) + [
           "", "### The machine's limits, same run", ""] + machine_table(rows)
    for workload in WORKLOADS:
        out += ["", f"### {TITLES[workload]}", ""] + workload_table(rows, workload)
    out += ["", f"![throughput: W1, W2, W3 per system and variant]({img}/compare-throughput.png)", "",
            f"![L1 latency percentiles per system and variant]({img}/compare-latency.png)", "", END]
    return "\n".join(out)


def write_docs(path, text):
    current = open(path).read() if os.path.exists(path) else ""
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        current = before + text + after
    else:
        current = current.rstrip("\n") + ("\n\n" if current else "") + HEADING + "\n\n" + text + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(current)


def check(rows, systems):
    problems = []
    for r in rows:
        if r.get("lost"):
            problems.append(f"{label(r)} {r.get('workload')}: {r['lost']} records lost")
    for system in systems:
        variants = sorted({r.get("variant") for r in find(rows, system)})
        if not variants:
            problems.append(f"{system}: no results")
        for variant in variants:
            for workload in WORKLOADS:
                rs = [r for r in find(rows, system, workload) if r.get("variant") == variant]
                if not rs or not all(r.get("records", 0) > 0 for r in rs):
                    problems.append(f"{system} {variant}: {workload} missing or without records")
    for p in problems:
        print("report.py --check: " + p, file=sys.stderr)
    return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results")
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    parser.add_argument("--img", default=os.path.join(ROOT, "docs", "img"))
    parser.add_argument("--command", default="bash bench/compare.sh")
    parser.add_argument("--check", metavar="SYSTEM,...", help="systems that must have every workload, none lost")
    args = parser.parse_args()
    rows = load(args.results)
    plot(rows, args.img)
    write_docs(args.docs, section(rows, args, args.docs))
    print(f"report.py: wrote {args.docs} and {args.img}/compare-{{throughput,latency}}.png", file=sys.stderr)
    if args.check and not check(rows, [s for s in re.split(r"[, ]+", args.check) if s]):
        sys.exit(1)


if __name__ == "__main__":
    main()
