#!/usr/bin/env bash
# Installs Apache Ballista's scheduler (with its Flight SQL frontend) and
# executor from crates.io, once, into a cache directory, and prints the
# directory holding the two binaries.
#
#   scripts/ballista-install.sh            # build if not cached, print the bin dir
#
# The cache directory is $FLUXI_BALLISTA_CACHE, or else
# ${XDG_CACHE_HOME:-$HOME/.cache}/fluxi/ballista. A cold build compiles
# DataFusion twice over (scheduler and executor share one target directory)
# and takes a long time on a small machine; later calls return at once.
set -euo pipefail

VERSION=55.0.0
CACHE=${FLUXI_BALLISTA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fluxi/ballista}
ROOT=$CACHE/$VERSION
BIN=$ROOT/bin

if [[ -x $BIN/ballista-scheduler && -x $BIN/ballista-executor ]]; then
    echo "$BIN"
    exit 0
fi

mkdir -p "$ROOT"
# One target directory for both, so their shared dependencies build once.
# Without LTO and with more codegen units the build is much shorter; the
# engine is still an optimised build.
export CARGO_TARGET_DIR=$CACHE/target
export CARGO_PROFILE_RELEASE_LTO=false
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_PROFILE_RELEASE_DEBUG=0
export CARGO_PROFILE_RELEASE_INCREMENTAL=false

echo "building Ballista $VERSION into $ROOT (once; this takes a while)" >&2
cargo install --quiet --locked --root "$ROOT" "ballista-scheduler@$VERSION" \
    --no-default-features --features build-binary,flight-sql >&2
cargo install --quiet --locked --root "$ROOT" "ballista-executor@$VERSION" >&2
rm -rf "$CARGO_TARGET_DIR"
echo "$BIN"
