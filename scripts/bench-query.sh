#!/usr/bin/env bash
# ENGINE_CMD for ../shared/bench: run <query.flux> against the store at <store_dir> and
# print annotated CSV; FLUXI_TIMING=1 adds the in-process timings on standard error.
set -euo pipefail
# FLUXI_BIN: the binary to run (export FLUXI_BIN=$(scripts/build.sh): the binary as
# shipped); else target/release/fluxi (cargo build --release -p fluxi-cli).
fluxi="${FLUXI_BIN:-$(dirname "$0")/../target/release/fluxi}"
timing=()
[ -n "${FLUXI_TIMING:-}" ] && timing=(--timing)
exec "$fluxi" run --data "$2" --format csv "${timing[@]}" "$1"
