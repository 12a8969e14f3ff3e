#!/usr/bin/env bash
# The speed benchmarks of issues 7 and 8, side by side in one run: each program of
# tests/bench/programs/ (shaped as the Benchmarks Game programs) built with mcs, then timed with
# hyperfine as
#   - `ngen-build run --jit never` from its native images and mscorlib's (compiled once per
#     run; release build of ngen-build),
#   - `mono` (its default JIT),
#   - `mono` with the program AOT-compiled (`mono --aot`; the framework stays JIT-compiled),
#   - the scalar C twin built with `gcc -O2`, where the issue asks for one (spectral-norm,
#     mandelbrot).
# Every run's stdout must equal mono's before it is timed; a program ngen-build cannot run yet
# (it fails or prints something else) is reported as "not runnable yet" with its first error
# line, and mono is still timed. Wall times are hyperfine's medians; CPU is the mean user + system
# time (steadier than wall time when the machine is shared). Peak RSS: GNU time, median of 3.
# Prints a Markdown table, each time as "wall median (mean user + system CPU)" with the ratios
# to mono's JIT, and the load average before and after, since the machine may be shared.
# Usage: tests/bench/bench-speed.sh [NGEN_BUILD_BINARY] [RUNS]
#        (default: target/release/ngen-build, built when missing; 5 runs after 1 warm-up)
#        BENCH_PROGRAMS="nbody mandelbrot jit" limits the programs ("jit": the JIT-tier table,
#        hello world and 1,000 methods under `ngen-build run --jit always` and mono).
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
# median_ms, cell and ratio: hyperfine's results as table cells.
source tests/bench/hyperfine-cells.sh

# program, its argument (the workload), and whether it has a C twin.
programs=(
  "binarytrees 16 -"
  "nbody 5000000 -"
  "fannkuchredux 10 -"
  "spectralnorm 2000 c"
  "mandelbrot 3000 c"
  "wordcount 1000000 -"
  "hello - -"
)
selected="${BENCH_PROGRAMS:-}"

peak_rss() { # median peak RSS in KiB of 3 runs of "$@"
  for _ in 1 2 3; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 2p
}
# The commands to time for the current $name: a label each, and the command line.
add() { names+=("$1"); cmds+=("$2"); }
check() { # check LABEL COMMAND...: adds it to the timed commands only when its output equals mono's
  local label="$1"
  shift
  if "$@" >"$work/$name/out" 2>"$work/$name/err" && cmp -s "$work/$name/out" "$work/$name/expected"; then
    add "$label" "$(printf '%q ' "$@")"
    return 0
  fi
  echo "$name: $label not runnable yet: $(grep -m1 . "$work/$name/err" || echo 'output differs from mono')" >&2
  return 1
}
# The framework's native image, compiled once: under `--jit never` mscorlib's code (Console,
# Int32.Parse, Dictionary, ...) runs from it, as an installed app's would.
fw="$work/fw"
mkdir -p "$fw"
"$bin" compile /usr/lib/mono/4.5/mscorlib.dll --out "$fw" >/dev/null
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
rows=()
for entry in "${programs[@]}"; do
  read -r name arg twin <<<"$entry"
  [[ -z "$selected" || " $selected " == *" $name "* ]] || continue
  args=()
  [[ "$arg" != - ]] && args=("$arg")
  mkdir -p "$work/$name/aot" "$work/$name/img"
  exe="$work/$name/$name.exe"
  mcs -nologo -optimize+ -debug- -out:"$exe" "$src/$name.cs"
  cp "$exe" "$work/$name/aot/"
  mono --aot "$work/$name/aot/$name.exe" >/dev/null
  "$bin" compile "$exe" --out "$work/$name/img" >/dev/null
  mono "$exe" "${args[@]}" >"$work/$name/expected"

  names=() cmds=()
  ngen_ok=0
  check ngen "$bin" run --jit never --images "$work/$name/img" --images "$fw" "$exe" "${args[@]}" && ngen_ok=1
  check mono mono "$exe" "${args[@]}" || true
  check mono-aot mono "$work/$name/aot/$name.exe" "${args[@]}" || true
  if [[ "$twin" == c ]]; then
    gcc -O2 -o "$work/$name/c" "$src/$name.c" -lm
    check "gcc -O2" "$work/$name/c" "${args[@]}" || true
  fi

  hf=()
  for i in "${!names[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
  n_runs="$runs"
  [[ "$name" == hello ]] && n_runs=$((runs * 6)) # tens of milliseconds: more runs for a steady median
  hyperfine -N --warmup 1 --runs "$n_runs" --export-json "$work/$name/times.json" "${hf[@]}" >&2

  c_cell="–"
  [[ "$twin" == c ]] && c_cell="$(cell "gcc -O2")"
  rss_ngen="–"
  ((ngen_ok)) && rss_ngen="$(peak_rss "$bin" run --jit never --images "$work/$name/img" --images "$fw" "$exe" "${args[@]}") KiB"
  rss_mono="$(peak_rss mono "$exe" "${args[@]}") KiB"
  rows+=("| $name ${args[*]} | $(cell ngen) | $(cell mono) | $(cell mono-aot) | $c_cell | $(ratio wall) | $(ratio cpu) | $rss_ngen | $rss_mono |")
done

# Issue 8's JIT tier: hello world and a program that calls 1,000 small methods once each
# (tests/bench/programs/methods.py), everything JIT-compiled: `--jit always` against mono.
jit_rows=()
if [[ -z "$selected" || " $selected " == *" jit "* ]]; then
  for prog in hello methods; do
    name="jit-$prog"
    mkdir -p "$work/$name"
    if [[ "$prog" == methods ]]; then
      python3 "$src/methods.py" 1000 >"$work/$name/methods.cs"
      prog_src="$work/$name/methods.cs"
    else
      prog_src="$src/hello.cs"
    fi
    exe="$work/$name/$prog.exe"
    mcs -nologo -optimize+ -debug- -out:"$exe" "$prog_src"
    mono "$exe" >"$work/$name/expected"
    names=() cmds=()
    ngen_ok=0
    check ngen "$bin" run --jit always "$exe" && ngen_ok=1
    check mono mono "$exe" || true
    hf=()
    for i in "${!names[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
    hyperfine -N --warmup 1 --runs $((runs * 4)) --export-json "$work/$name/times.json" "${hf[@]}" >&2
    rss_ngen="–"
    ((ngen_ok)) && rss_ngen="$(peak_rss "$bin" run --jit always "$exe") KiB"
    jit_rows+=("| $prog | $(cell ngen) | $(cell mono) | $(ratio wall) | $(ratio cpu) | $rss_ngen | $(peak_rss mono "$exe") KiB |")
  done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

if ((${#rows[@]})); then
  echo "| program (argument) | ngen-build --jit never | mono (JIT) | mono --aot | gcc -O2 | ngen / mono, wall | ngen / mono, CPU | peak RSS ngen-build | peak RSS mono |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
fi
if ((${#jit_rows[@]})); then
  echo
  echo "| JIT only (program) | ngen-build --jit always | mono (JIT) | ngen / mono, wall | ngen / mono, CPU | peak RSS ngen-build | peak RSS mono |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${jit_rows[@]}"
fi
