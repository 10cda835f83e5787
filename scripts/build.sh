#!/usr/bin/env bash
# Build the `fluxi` command as it is shipped (release profile) and print the binary's
# absolute path on standard output (cargo's progress goes to standard error):
#   fluxi=$(scripts/build.sh)
#
# On Linux with glibc the binary is a static PIE (`-C target-feature=+crt-static`, built
# for the host's target triple explicitly, so build scripts and proc macros stay dynamic
# as they must): nothing for the dynamic loader to find, load and link at start-up, which
# makes every `fluxi` process start about half a millisecond sooner. Name lookups (a
# server or Flight SQL endpoint given by host name) still go through glibc's NSS modules,
# loaded at run time, so such a binary looks names up only where the same glibc version
# is installed; set FLUXI_DYNAMIC=1 for an ordinary dynamically linked build (as plain
# `cargo build --release -p fluxi-cli` makes). Other systems get the ordinary build.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
host=$(rustc -vV | sed -n 's/^host: //p')
case "$host" in
    *-linux-gnu)
        if [ -z "${FLUXI_DYNAMIC:-}" ]; then
            RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
                cargo build --release -p fluxi-cli --target "$host" >&2
            echo "$target_dir/$host/release/fluxi"
            exit 0
        fi
        ;;
esac
cargo build --release -p fluxi-cli >&2
echo "$target_dir/release/fluxi"
