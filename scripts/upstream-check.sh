#!/usr/bin/env bash
# Compare fluxi with upstream Flux's own files (never committed here).
# Usage: scripts/upstream-check.sh /path/to/influxdata/flux [fluxi binary]
# Prints: how many upstream stdlib .flux files parse, and how many *_test.flux files of each
# package directory type-check; lists the files that fail.
set -uo pipefail
root=${1:?usage: upstream-check.sh FLUX_CHECKOUT [FLUXI_BIN]}
fluxi=${2:-target/debug/fluxi}
[ -x "$fluxi" ] || { echo "build fluxi first: cargo build -p fluxi-cli" >&2; exit 2; }
fluxi=$(cd "$(dirname "$fluxi")" && pwd)/$(basename "$fluxi")
cd "$root/stdlib" || exit 2

total=0; parsed=0
while IFS= read -r f; do
  total=$((total + 1))
  if "$fluxi" check --syntax-only "$f" >/dev/null 2>&1; then parsed=$((parsed + 1)); else echo "syntax: $f"; fi
done < <(find . -name '*.flux' | sort)
echo "parse: $parsed of $total stdlib .flux files"

for dir in ${DIRS:-universe}; do
  pass=0; n=0
  for f in "$dir"/*_test.flux; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    if "$fluxi" check "$f" >/dev/null 2>&1; then pass=$((pass + 1)); else echo "types: $f"; fi
  done
  echo "type-check: $pass of $n $dir/*_test.flux"
done
