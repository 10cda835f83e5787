#!/usr/bin/env bash
# Run every test: installs the InfluxDB client libraries the server's tests drive
# (Python influxdb-client from PyPI, Node @influxdata/influxdb-client from npm) into
# .cache/ (git-ignored; FLUXI_CACHE overrides the place), then runs `cargo test --workspace`
# with FLUXI_TEST_PYTHON and FLUXI_TEST_NODE_PATH pointing at them. Extra arguments go to
# cargo test.
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

export FLUXI_TEST_PYTHON="$venv/bin/python"
export FLUXI_TEST_NODE_PATH="$node_dir/node_modules"
cargo test --workspace "$@"
