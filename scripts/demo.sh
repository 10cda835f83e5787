#!/usr/bin/env bash
# The main job: build fluxi (scripts/build.sh: the binary as shipped), load the example
# data (examples/data/NAME.lp into bucket NAME) into a fresh embedded store and run
# examples/monitoring.flux against it.
#   scripts/demo.sh [STORE_DIR]     (default: target/demo-store, recreated on each run)
set -euo pipefail
cd "$(dirname "$0")/.."
# Cargo's own progress goes to standard error, so a first build (several minutes) is seen
# to be working; an up-to-date build prints one "Finished" line.
echo "building fluxi (first build takes several minutes)..." >&2
fluxi=$(scripts/build.sh)
store="${1:-target/demo-store}"
rm -rf "$store"
for data in examples/data/*.lp; do
    bucket="$(basename "$data" .lp)"
    "$fluxi" bucket create --data "$store" "$bucket"
    "$fluxi" write --data "$store" --bucket "$bucket" --precision s "$data"
done
"$fluxi" run --data "$store" examples/monitoring.flux
echo
echo "The store is in $store; explore it with: $fluxi repl --data $store"
