#!/usr/bin/env bash
# The main job: build fluxi, load two hours of example metrics into a fresh embedded store
# and run examples/monitoring.flux against it.
#   scripts/demo.sh [STORE_DIR]     (default: target/demo-store, recreated on each run)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p fluxi-cli
fluxi=target/release/fluxi
store="${1:-target/demo-store}"
rm -rf "$store"
"$fluxi" bucket create --data "$store" metrics
"$fluxi" write --data "$store" --bucket metrics --precision s examples/data/metrics.lp
"$fluxi" run --data "$store" examples/monitoring.flux
