#!/usr/bin/env bash
# A local Apache Ballista cluster on loopback: one scheduler (serving Arrow Flight SQL)
# and two executors.
#
#   scripts/ballista-cluster.sh up DIR     # start; state and logs in DIR; the last line
#                                          # printed is the Flight SQL address
#   scripts/ballista-cluster.sh down DIR   # stop what `up DIR` started
#
# The binaries come from scripts/ballista-install.sh (built once, cached), or from
# $FLUXI_BALLISTA_BIN. EXECUTORS (default 2) sets how many executors start.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-}
dir=${2:-}
if [[ -z $cmd || -z $dir ]]; then
    echo "usage: $0 up|down DIR" >&2
    exit 2
fi

# Free TCP ports on loopback, one per argument.
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Wait (at most $2 seconds) until a TCP port on loopback accepts connections.
wait_port() {
    python3 - "$1" "$2" <<'PY'
import socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + limit
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

# Wait (at most $2 seconds) until an executor's health server says it is ready.
wait_ready() {
    python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request
port, limit = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + limit
while time.time() < end:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
sys.exit(1)
PY
}

stop_pid() {
    local pid=$1
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

case $cmd in
up)
    bin=${FLUXI_BALLISTA_BIN:-$("$here/ballista-install.sh")}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ -f $dir/pids ]]; then
        echo "$dir/pids exists: a cluster may be running there (run: $0 down $dir)" >&2
        exit 1
    fi
    n=${EXECUTORS:-2}
    read -r -a ports <<<"$(free_ports $((1 + 3 * n)))"
    sched=${ports[0]}
    "$bin/ballista-scheduler" --bind-host 127.0.0.1 --external-host 127.0.0.1 \
        --bind-port "$sched" --flight-sql \
        >"$dir/scheduler.log" 2>&1 &
    echo $! >>"$dir/pids"
    if ! wait_port "$sched" 60; then
        echo "the scheduler did not start; its log:" >&2
        tail -20 "$dir/scheduler.log" >&2
        "$0" down "$dir"
        exit 1
    fi
    for i in $(seq 1 "$n"); do
        p=${ports[$((3 * i - 2))]} g=${ports[$((3 * i - 1))]} h=${ports[$((3 * i))]}
        mkdir -p "$dir/executor-$i"
        "$bin/ballista-executor" --bind-host 127.0.0.1 --external-host 127.0.0.1 \
            --bind-port "$p" --bind-grpc-port "$g" --bind-health-port "$h" \
            --scheduler-host 127.0.0.1 --scheduler-port "$sched" \
            --scheduler-connect-timeout-seconds 30 \
            --work-dir "$dir/executor-$i" --vcores 1 \
            >"$dir/executor-$i.log" 2>&1 &
        echo $! >>"$dir/pids"
        echo "$h" >>"$dir/health-ports"
    done
    while read -r h; do
        if ! wait_ready "$h" 60; then
            echo "an executor did not become ready; the logs are in $dir" >&2
            "$0" down "$dir"
            exit 1
        fi
    done <"$dir/health-ports"
    url="flightsql://127.0.0.1:$sched"
    echo "$url" >"$dir/url"
    echo "Ballista: scheduler on 127.0.0.1:$sched with $n executors; logs in $dir" >&2
    echo "$url"
    ;;
down)
    if [[ ! -f $dir/pids ]]; then
        echo "no cluster in $dir" >&2
        exit 0
    fi
    # Executors first, then the scheduler.
    tac "$dir/pids" | while read -r pid; do stop_pid "$pid"; done
    rm -f "$dir/pids" "$dir/health-ports" "$dir/url"
    ;;
*)
    echo "usage: $0 up|down DIR" >&2
    exit 2
    ;;
esac
