#!/usr/bin/env bash
# ENGINE_LOAD_CMD for ../shared/bench: load <data.lp> into a fresh store at <store_dir>,
# bucket "b" (what the harness's queries read). Build first: cargo build --release -p fluxi-cli
set -euo pipefail
fluxi="${FLUXI_BIN:-$(dirname "$0")/../target/release/fluxi}"
"$fluxi" bucket create --data "$2" b >/dev/null
"$fluxi" write --data "$2" --bucket b "$1"
