#!/usr/bin/env bash
# Issue 9's multi-threaded benchmarks, side by side with mono in one run:
#   - parallel_spectralnorm: spectral-norm with its row loops in Parallel.For,
#   - producer_consumer: two producer and two consumer threads through a bounded
#     BlockingCollection,
# each built with mcs and timed with hyperfine as `ngen-build run --jit never` from native
# images (the program's and the framework's: mscorlib, System, System.Core, compiled by the
# same binary) and as `mono` (its default JIT). Every run's stdout must equal mono's before it
# is timed; a program ngen-build cannot run yet is reported as "not runnable yet" with its
# first error line, and mono is still timed. Times are "wall median (mean user + system CPU)":
# CPU over wall shows how many cores each kept busy. Prints a Markdown table and the load
# average before and after, since the machine may be shared.
# Usage: tests/bench/bench-threads.sh [NGEN_BUILD_BINARY] [RUNS]
#        (default: target/release/ngen-build, built when missing; 5 runs after 1 warm-up)
set -euo pipefail
cd "$(dirname "$0")/../.."
NGEN_SETUP_BENCH=1 tests/setup.sh
bin="${1:-target/release/ngen-build}"
runs="${2:-5}"
[[ -x "$bin" ]] || cargo build --release -p ngen-build
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
src=tests/bench/programs
framework=/usr/lib/mono/4.5

# program and its argument (the workload).
programs=(
  "parallel_spectralnorm 2000"
  "producer_consumer 1000000"
)

mkdir -p "$work/framework"
for asm in mscorlib System System.Core; do
  "$bin" compile "$framework/$asm.dll" --out "$work/framework" >/dev/null
done

# median_ms, cell and ratio: hyperfine's results as table cells.
source tests/bench/hyperfine-cells.sh

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
rows=()
for entry in "${programs[@]}"; do
  read -r name arg <<<"$entry"
  mkdir -p "$work/$name/img"
  exe="$work/$name/$name.exe"
  mcs -nologo -optimize+ -debug- -out:"$exe" "$src/$name.cs"
  "$bin" compile "$exe" --out "$work/$name/img" >/dev/null
  mono "$exe" "$arg" >"$work/$name/expected"
  ngen=("$bin" run --jit never --images "$work/$name/img" --images "$work/framework" "$exe" "$arg")
  hf=(-n mono "$(printf '%q ' mono "$exe" "$arg")")
  if "${ngen[@]}" >"$work/$name/out" 2>"$work/$name/err" && cmp -s "$work/$name/out" "$work/$name/expected"; then
    hf=(-n ngen "$(printf '%q ' "${ngen[@]}")" "${hf[@]}")
  else
    echo "$name: ngen not runnable yet: $(grep -m1 . "$work/$name/err" || echo 'output differs from mono')" >&2
  fi
  hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/$name/times.json" "${hf[@]}" >&2
  rows+=("| $name $arg | $(cell ngen) | $(cell mono) | $(ratio wall) | $(ratio cpu) |")
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

echo "| program (argument) | ngen-build --jit never | mono (JIT) | ngen / mono, wall | ngen / mono, CPU |"
echo "| --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
