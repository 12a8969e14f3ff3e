#!/usr/bin/env bash
# Benchmarks of the compiler and runtime (issue 3):
#  1. compile throughput on a generated assembly of 10,000 methods, threads=1 and all cores;
#  2. a numeric program (fib(32), integer loops, float loops) under mono, under
#     `ngen-build run --jit never` (images) and `--jit always` (JIT), in the same run.
# Uses a release build and hyperfine. Usage: tests/bench/bench-codegen.sh [methods]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
methods="${1:-10000}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release -p ngen-build --manifest-path "$root/Cargo.toml" >&2
ngen="$target/release/ngen-build"
cores="$(nproc)"

echo "== compile throughput: $methods generated methods"
python3 "$root/tests/bench/codegen/gen_methods.py" "$methods" > "$work/gen.cs"
mcs -nologo -deterministic -debug- -out:"$work/gen.exe" "$work/gen.cs"
"$ngen" compile "$work/gen.exe" --out "$work/img" --threads 1
hyperfine --warmup 1 --runs 5 --export-json "$work/compile.json" \
  -n "threads=1" "$ngen compile $work/gen.exe --out $work/img1 --threads 1" \
  -n "threads=$cores" "$ngen compile $work/gen.exe --out $work/imgN --threads $cores"
python3 - "$work/compile.json" "$methods" <<'PY'
import json, sys
data = json.load(open(sys.argv[1])); n = int(sys.argv[2])
for r in data["results"]:
    print(f"{r['command']}: {r['mean']:.3f} s mean -> {n / r['mean']:.0f} methods/s (whole command: read, compile, link, write)")
PY

echo "== runtime: numeric benchmark"
mcs -nologo -deterministic -debug- -optimize+ -out:"$work/numeric.exe" "$root/tests/bench/codegen/numeric.cs"
"$ngen" compile "$work/numeric.exe" --out "$work/nimg" >/dev/null
for cmd in "mono $work/numeric.exe" "$ngen run --images $work/nimg --jit never $work/numeric.exe" "$ngen run --jit always $work/numeric.exe"; do
  echo "$cmd: $($cmd | tr '\n' ' ')"
done
hyperfine --warmup 1 --runs 5 \
  -n "mono" "mono $work/numeric.exe" \
  -n "ngen --jit never (images)" "$ngen run --images $work/nimg --jit never $work/numeric.exe" \
  -n "ngen --jit always (JIT)" "$ngen run --jit always $work/numeric.exe"
