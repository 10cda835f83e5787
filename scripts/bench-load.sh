#!/usr/bin/env bash
# ENGINE_LOAD_CMD for ../shared/bench: load <data.lp> into a fresh store at <store_dir>,
# bucket "b" (what the harness's queries read).
set -euo pipefail
# FLUXI_BIN: the binary to run (export FLUXI_BIN=$(scripts/build.sh): the binary as
# shipped); else target/release/fluxi (cargo build --release -p fluxi-cli).
fluxi="${FLUXI_BIN:-$(dirname "$0")/../target/release/fluxi}"
"$fluxi" bucket create --data "$2" b >/dev/null
"$fluxi" write --data "$2" --bucket b "$1"
