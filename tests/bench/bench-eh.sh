#!/usr/bin/env bash
# The cost of exception handling when nothing throws (issue 7, EH v1 "check after call"):
# tests/bench/codegen/eh_calls.cs runs the same call-heavy loop plain and with every call in
# try/catch and try/finally, under mono, `ngen-build run --jit never` (images) and
# `--jit always` (JIT), in one hyperfine run.
# Uses a release build unless NGEN_BUILD names an ngen-build binary to measure instead.
# Usage: tests/bench/bench-eh.sh [iterations]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
iterations="${1:-100000000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [[ -z "${NGEN_BUILD:-}" ]]; then
  cargo build --release -p ngen-build --manifest-path "$root/Cargo.toml" >&2
  NGEN_BUILD="$target/release/ngen-build"
fi
ngen="$NGEN_BUILD"

mcs -nologo -deterministic -debug- -optimize+ -out:"$work/eh_calls.exe" "$root/tests/bench/codegen/eh_calls.cs"
"$ngen" compile "$work/eh_calls.exe" --out "$work/img" >/dev/null
exe="$work/eh_calls.exe"
for variant in plain handlers; do
  for cmd in "mono $exe" "$ngen run --images $work/img --jit never $exe" "$ngen run --jit always $exe"; do
    echo "$variant | $cmd: $($cmd $variant "$iterations" | tr '\n' ' ')"
  done
done
hyperfine --warmup 1 --runs 5 \
  -n "mono plain" "mono $exe plain $iterations" \
  -n "mono handlers" "mono $exe handlers $iterations" \
  -n "ngen images plain" "$ngen run --images $work/img --jit never $exe plain $iterations" \
  -n "ngen images handlers" "$ngen run --images $work/img --jit never $exe handlers $iterations" \
  -n "ngen JIT plain" "$ngen run --jit always $exe plain $iterations" \
  -n "ngen JIT handlers" "$ngen run --jit always $exe handlers $iterations"
