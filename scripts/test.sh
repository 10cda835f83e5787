#!/usr/bin/env bash
# Run every test: installs the InfluxDB client libraries the server's tests drive
# (Python influxdb-client from PyPI, Node @influxdata/influxdb-client from npm) into
# .cache/ (git-ignored; FLUXI_CACHE overrides the place), builds Apache Ballista's scheduler
# and executor from crates.io once into ${XDG_CACHE_HOME:-$HOME/.cache}/fluxi/ballista
# (scripts/ballista-install.sh; FLUXI_BALLISTA_CACHE overrides the place) and starts a
# cluster of them on loopback for the Flight SQL tests, then runs `cargo test --workspace`
# with FLUXI_TEST_PYTHON, FLUXI_TEST_NODE_PATH and FLUXI_BALLISTA_URL pointing at them;
# then builds the binary as shipped (scripts/build.sh) and runs the tests that drive the
# binary as users do over it again (FLUXI_TEST_BIN). Extra arguments go to the first
# cargo test, and skip the second.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${FLUXI_CACHE:-$PWD/.cache}"
mkdir -p "$cache"

venv="$cache/venv"
if ! "$venv/bin/python" -c "import influxdb_client" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "influxdb-client>=1.40,<2"
fi

node_dir="$cache/node"
if [ ! -f "$node_dir/node_modules/@influxdata/influxdb-client/package.json" ]; then
    mkdir -p "$node_dir"
    [ -f "$node_dir/package.json" ] || echo '{"name":"fluxi-test-clients","private":true}' > "$node_dir/package.json"
    (cd "$node_dir" && npm install --silent --no-audit --no-fund "@influxdata/influxdb-client@^1.33")
fi

# A Ballista cluster (one scheduler serving Flight SQL, two executors) for the tests that
# run Flux over it; stopped when the tests end.
ballista_bin=$(scripts/ballista-install.sh)
cluster=$(mktemp -d "${TMPDIR:-/tmp}/fluxi-ballista.XXXXXX")
trap 'scripts/ballista-cluster.sh down "$cluster"; rm -rf "$cluster"' EXIT
FLUXI_BALLISTA_URL=$(FLUXI_BALLISTA_BIN="$ballista_bin" scripts/ballista-cluster.sh up "$cluster" | tail -1)
export FLUXI_BALLISTA_URL FLUXI_REQUIRE_BALLISTA=1

export FLUXI_TEST_PYTHON="$venv/bin/python"
export FLUXI_TEST_NODE_PATH="$node_dir/node_modules"
cargo test --workspace "$@"

# Then the binary as shipped (scripts/build.sh: a release build, a static PIE on Linux
# with glibc) through the tests that run it as users do: the store and every example's
# golden output, the client libraries against `fluxi serve`, Flux over the Ballista
# cluster. Skipped when arguments narrow the run above.
if [ $# -eq 0 ]; then
    shipped=$(scripts/build.sh) # (a failed build stops the script here)
    FLUXI_TEST_BIN="$shipped" cargo test -p fluxi-cli --test store --test clients --test ballista
fi
