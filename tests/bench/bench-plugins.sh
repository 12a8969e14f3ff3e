#!/usr/bin/env bash
# Issue 9's reflection-heavy startup benchmark, side by side with mono in one run: a plugin
# host (tests/bench/programs/pluginhost/host.cs) that LoadFroms 5 plugin assemblies, finds
# their 50 plugin types by reflection (GetTypes, IsAssignableFrom, custom attributes), creates
# each with Activator.CreateInstance, sets a property through PropertyInfo and invokes it
# through its interface and MethodInfo.Invoke. The plugins are written by generate.cs (run
# with mono) and built with mcs; the host and its contract assembly are the program's closure.
# Timed with hyperfine:
#   - mono: `mono host.exe` (its default JIT);
#   - ngen, plugin images: `ngen-build run --jit never`, the host, its contract, the plugins
#     and the framework (mscorlib, System, System.Core) all from native images;
#   - ngen, plugins JIT: `ngen-build run` (the default), the plugins without images: the
#     runtime JIT-compiles whatever they run (their closure and the framework from images).
# Every run's stdout must equal mono's before it is timed; a run ngen-build cannot do yet is
# reported with its first error line. Times are "wall median (mean user + system CPU)"; peak
# RSS is the median of 5 runs of /usr/bin/time's maximum resident set size. Prints a
# Markdown table and the load average before and after, since the machine may be shared.
# Usage: tests/bench/bench-plugins.sh [NGEN_BUILD_BINARY] [RUNS]
#        (default: target/release/ngen-build, built when missing; 10 runs after 1 warm-up)
#        PLUGINS=50 ASSEMBLIES=5 WORK=1000 in the environment change the workload.
set -euo pipefail
cd "$(dirname "$0")/../.."
NGEN_SETUP_BENCH=1 tests/setup.sh
bin="${1:-target/release/ngen-build}"
runs="${2:-10}"
plugins="${PLUGINS:-50}"
assemblies="${ASSEMBLIES:-5}"
n="${WORK:-1000}"
[[ -x "$bin" ]] || cargo build --release -p ngen-build
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
src=tests/bench/programs/pluginhost
framework=/usr/lib/mono/4.5
name=pluginhost

mkdir -p "$work/framework" "$work/bin" "$work/plugins" "$work/img" "$work/img-plugins" "$work/$name"
for asm in mscorlib System System.Core; do
  "$bin" compile "$framework/$asm.dll" --out "$work/framework" >/dev/null
done

mcs -nologo -out:"$work/generate.exe" "$src/generate.cs"
mono "$work/generate.exe" "$work/src" "$plugins" "$assemblies"
mcs -nologo -optimize+ -debug- -target:library -out:"$work/bin/PluginContract.dll" "$src/contract.cs"
mcs -nologo -optimize+ -debug- -r:"$work/bin/PluginContract.dll" -out:"$work/bin/host.exe" "$src/host.cs"
args=("$n")
for ((a = 0; a < assemblies; a++)); do
  dll="$work/plugins/Plugins$a.dll"
  mcs -nologo -optimize+ -debug- -target:library -r:"$work/bin/PluginContract.dll" -out:"$dll" "$work/src/Plugins$a.cs"
  # The plugin's reference to the contract binds in the host's AppBase.
  "$bin" compile "$dll" --app-base "$work/bin" --out "$work/img-plugins" >/dev/null
  args+=("$dll")
done
for asm in PluginContract.dll host.exe; do
  "$bin" compile "$work/bin/$asm" --out "$work/img" >/dev/null
done
exe="$work/bin/host.exe"

mono "$exe" "${args[@]}" >"$work/$name/expected"
declare -A commands=(
  [mono]="$(printf '%q ' mono "$exe" "${args[@]}")"
  [ngen-images]="$(printf '%q ' "$bin" run --jit never --images "$work/img" --images "$work/img-plugins" --images "$work/framework" "$exe" "${args[@]}")"
  [ngen-jit]="$(printf '%q ' "$bin" run --images "$work/img" --images "$work/framework" "$exe" "${args[@]}")"
)
labels=(ngen-images ngen-jit mono)
hf=()
for label in "${labels[@]}"; do
  if bash -c "${commands[$label]}" >"$work/$name/$label.out" 2>"$work/$name/$label.err" &&
    cmp -s "$work/$name/$label.out" "$work/$name/expected"; then
    hf+=(-n "$label" "${commands[$label]}")
  else
    echo "$label: not runnable yet: $(grep -m1 . "$work/$name/$label.err" || echo 'output differs from mono')" >&2
  fi
done

# median_ms and cell: hyperfine's results as table cells.
source tests/bench/hyperfine-cells.sh

peak_rss_mb() { # the median of 5 runs' maximum resident set size, in MB
  for _ in 1 2 3 4 5; do bash -c "/usr/bin/time -f %M ${commands[$1]} 2>&1 >/dev/null | tail -1"; done |
    sort -n | sed -n 3p | awk '{ printf "%.1f MB", $1 / 1024 }'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/$name/times.json" "${hf[@]}" >&2
mono_wall="$(median_ms "$work/$name/times.json" mono)"
declare -A describe=(
  [mono]="mono (JIT)"
  [ngen-images]="ngen-build run --jit never: host, plugins and framework from images"
  [ngen-jit]="ngen-build run: host and framework from images, plugins JIT-compiled"
)
rows=()
for label in "${labels[@]}"; do
  wall="$(median_ms "$work/$name/times.json" "$label")"
  if [[ -z "$wall" ]]; then
    rows+=("| ${describe[$label]} | not runnable yet | – | – |")
    continue
  fi
  rows+=("| ${describe[$label]} | $(cell "$label") | $(awk -v a="$wall" -v b="$mono_wall" 'BEGIN { printf "%.2f×", a / b }') | $(peak_rss_mb "$label") |")
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

echo "| $plugins plugin types in $assemblies assemblies, Run($n) each | wall median (mean CPU) | wall / mono | peak RSS |"
echo "| --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
