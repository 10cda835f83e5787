#!/usr/bin/env python3
"""Start-up of `fluxi run`: how long a fresh process spends outside executing the query.

    scripts/startup-bench.py [FLUXI_BINARY] [RUNS]

Builds nothing: give a release binary (default target/release/fluxi). Makes a three-point
store in a temporary directory, then runs `fluxi run --timing -e '... |> last()'` RUNS
times (default 51) and reports medians of
  * wall: the whole process as the parent sees it (fork/exec/wait included),
  * cpu: user + system time of the process (getrusage of the child),
  * execute: the query's execution and printing as `--timing` reports it,
and the same wall/cpu for `fluxi --version` (the binary's own start-up, no engine).
"Outside execution" is wall (or cpu) minus execute.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

fluxi = sys.argv[1] if len(sys.argv) > 1 else "target/release/fluxi"
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 51
QUERY = 'from(bucket: "m") |> range(start: 2023-01-01T00:00:00Z) |> last()'
POINTS = "cpu,host=a v=1 1672531200000000000\ncpu,host=a v=2 1672531201000000000\ncpu,host=b v=3 1672531202000000000\n"


def timed(args):
    """(wall ms, cpu ms, stderr) of one run."""
    start = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - start) * 1e3
    if status != 0:
        sys.exit(f"{' '.join(args)} failed: {err.decode(errors='replace')}")
    p.returncode = 0
    return wall, (usage.ru_utime + usage.ru_stime) * 1e3, err.decode()


def median_of(args, parse_execute=False):
    walls, cpus, execs = [], [], []
    for _ in range(runs):
        wall, cpu, err = timed(args)
        walls.append(wall)
        cpus.append(cpu)
        if parse_execute:
            m = re.search(r"execute and print ([0-9.]+) ms", err)
            if not m:
                sys.exit(f"no --timing line in: {err}")
            execs.append(float(m.group(1)))
    med = statistics.median
    return med(walls), med(cpus), (med(execs) if execs else 0.0)


with tempfile.TemporaryDirectory() as store:
    subprocess.run([fluxi, "bucket", "create", "--data", store, "m"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([fluxi, "write", "--data", store, "--bucket", "m", "-"], input=POINTS.encode(),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    v_wall, v_cpu, _ = median_of([fluxi, "--version"])
    wall, cpu, execute = median_of([fluxi, "run", "--data", store, "--timing", "-e", QUERY], True)
print(f"{fluxi}, {runs} runs, medians (ms):")
print(f"  fluxi --version        wall {v_wall:6.2f}  cpu {v_cpu:6.2f}")
print(f"  fluxi run ... last()   wall {wall:6.2f}  cpu {cpu:6.2f}  execute {execute:6.2f}")
print(f"  outside execution      wall {wall - execute:6.2f}  cpu {cpu - execute:6.2f}")
