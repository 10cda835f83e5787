#!/usr/bin/env python3
"""The bench's three queries through a local Ballista cluster vs the embedded store.

    SIZE=M python3 scripts/bench-ballista.py [FLUXI_BINARY]

Needs the shared harness's data ($FLUXBENCH_DIR/data/$SIZE, from ../shared/bench/gen_data.py)
and the Ballista binaries (scripts/ballista-install.sh). Loads data.lp into a fluxi store
and exports it to Parquet (both kept under $FLUXBENCH_DIR/fluxi-ballista/$SIZE), starts
scripts/ballista-cluster.sh (EXECUTORS executors, default 2), then runs each query WARMUP
times untimed and RUNS times timed as whole `fluxi run --format csv` processes, with the
embedded store (`--data`) and over Flight SQL (`--storage ...?register=DIR`). Every answer
must be byte-identical to the embedded store's. Prints a Markdown table: wall time
(median, min-max), rows printed, statements sent and bytes of Arrow data received.
"""
import os
import statistics
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
fluxi = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "target/release/fluxi"))
size = os.environ.get("SIZE", "M")
bench = os.environ.get("FLUXBENCH_DIR", "/tmp/fluxbench")
runs = int(os.environ.get("RUNS", "5"))
warmup = int(os.environ.get("WARMUP", "1"))
data = os.path.join(bench, "data", size)
work = os.path.join(bench, "fluxi-ballista", size)
store = os.path.join(work, "store")
export = os.path.join(work, "export")


def sh(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


if not os.path.exists(os.path.join(data, "data.lp")):
    sys.exit(f"no data in {data}: run SIZE={size} ../shared/bench/gen_data.py first")
if not os.path.exists(os.path.join(store, "MANIFEST")):
    t = time.perf_counter()
    sh([fluxi, "bucket", "create", "b", "--data", store])
    sh([fluxi, "write", "--bucket", "b", "--data", store, os.path.join(data, "data.lp")])
    print(f"loaded the store in {time.perf_counter() - t:.1f} s", file=sys.stderr)
if not os.path.exists(os.path.join(export, "b", "fluxi-export.json")):
    t = time.perf_counter()
    out = sh([fluxi, "export", "--parquet", export, "--bucket", "b", "--data", store]).stdout
    print(out.strip(), file=sys.stderr)
    print(f"exported in {time.perf_counter() - t:.1f} s", file=sys.stderr)

cluster = os.path.join(work, "cluster")
url = sh([os.path.join(here, "ballista-cluster.sh"), "up", cluster]).stdout.strip().splitlines()[-1]
try:
    storage = f"{url}?register={export}"
    rows = []
    for q in ["q_window", "q_host", "q_last"]:
        path = os.path.join(data, "queries", q + ".flux")
        results = {}
        for name, where in [("embedded", ["--data", store]), ("ballista", ["--storage", storage])]:
            # A fixed now(): q_last reads up to now, and its _stop must not change between runs.
            cmd = [fluxi, "run", "--format", "csv", "--timing", "--now", "2030-01-01T00:00:00Z", *where, path]
            times, answer, wire = [], None, ""
            for i in range(warmup + runs):
                t = time.perf_counter()
                p = subprocess.run(cmd, capture_output=True, text=True)
                dt = time.perf_counter() - t
                if p.returncode != 0:
                    sys.exit(f"{q} {name} failed:\n{p.stderr}")
                if answer is None:
                    answer = p.stdout
                elif answer != p.stdout:
                    sys.exit(f"{q} {name}: the answer changed between runs")
                for line in p.stderr.splitlines():
                    if line.startswith("timing: flight sql:"):
                        wire = line[len("timing: flight sql: "):]
                if i >= warmup:
                    times.append(dt * 1e3)
            results[name] = (times, answer, wire)
        if results["embedded"][1] != results["ballista"][1]:
            sys.exit(f"{q}: the answer over Flight SQL differs from the embedded store's")
        printed = sum(1 for l in results["embedded"][1].splitlines()
                      if l and not l.startswith("#") and not l.startswith(",result,"))
        for name in ["embedded", "ballista"]:
            times, _, wire = results[name]
            rows.append((q, name, statistics.median(times), min(times), max(times), printed, wire))
finally:
    subprocess.run([os.path.join(here, "ballista-cluster.sh"), "down", cluster], capture_output=True)

print(f"| query | storage | whole `fluxi run`, ms (median, min-max of {runs}) | rows printed | over the wire |")
print("|---|---|---|---|---|")
for q, name, med, lo, hi, printed, wire in rows:
    print(f"| {q} | {name} | {med:.1f} ({lo:.1f}-{hi:.1f}) | {printed} | {wire or '-'} |")
