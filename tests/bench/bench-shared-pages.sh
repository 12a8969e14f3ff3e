#!/usr/bin/env bash
# Ngen's memory argument, measured: N concurrent instances (default 10) of the same program,
# once run from native images by `ngen-build run` and once under `mono`; the summed PSS
# (proportional set size: a page shared by k processes counts 1/k in each) from
# /proc/PID/smaps_rollup while all are alive. The program is the hello-app sample
# (samples/hello-app: App.exe with MathLib, Greeter and Checksum) called from
# tests/bench/shared-pages/Resident.cs, which then waits on stdin so that all instances are
# alive while measured. Both sides run the same assemblies with the same config and GAC.
# Usage: tests/bench/bench-shared-pages.sh [NGEN_BUILD_BINARY] [N]
#        (default binary: target/release/ngen-build, built when missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
tests/setup.sh
bin="${1:-target/release/ngen-build}"
n="${2:-10}"
[[ -x "$bin" ]] || cargo build --release -p ngen-build
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
work="$(mktemp -d)"
pids=()
cleanup() {
  if ((${#pids[@]})); then kill "${pids[@]}" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The sample app, the resident caller next to App.exe with the same binding config, and the
# images of both (sets $out).
source tests/bench/shared-pages/setup.sh

# Starts N instances of "$@" reading a FIFO nobody writes to (so they wait in ReadLine),
# waits until every one printed its marker, prints "<sum Pss> <sum Pss_Anon> <sum Pss_File>
# <sum Rss>" in KiB into $result, then closes the FIFO: each reads the end of input and exits.
measure() {
  pids=()
  local i
  rm -f "$work/stdin" && mkfifo "$work/stdin"
  exec 3<>"$work/stdin"
  for ((i = 0; i < n; i++)); do
    "$@" >"$work/out.$i" 2>&1 <"$work/stdin" 3>&- &
    pids+=($!)
  done
  for ((i = 0; i < n; i++)); do
    local waited=0
    until grep -q '^resident: ready' "$work/out.$i"; do
      sleep 0.1
      waited=$((waited + 1))
      if ((waited > 1200)); then
        echo "instance $i never got ready:" >&2
        cat "$work/out.$i" >&2
        exit 1
      fi
    done
  done
  local pid pss=0 anon=0 file=0 rss=0
  for pid in "${pids[@]}"; do
    read -r p a f r < <(awk '/^Pss:/ {p=$2} /^Pss_Anon:/ {a=$2} /^Pss_File:/ {f=$2} /^Rss:/ {r=$2}
                             END {print p+0, a+0, f+0, r+0}' "/proc/$pid/smaps_rollup")
    pss=$((pss + p)) anon=$((anon + a)) file=$((file + f)) rss=$((rss + r))
  done
  exec 3>&-
  wait "${pids[@]}" 2>/dev/null || true
  pids=()
  result="$pss $anon $file $rss"
}

# The two sides must print the same thing.
diff <(mono "$out/Resident.exe" </dev/null) \
     <("$bin" run --images "$work/cache/default" "$out/Resident.exe" </dev/null)

measure mono "$out/Resident.exe"
read -r m_pss m_anon m_file m_rss <<<"$result"
measure "$bin" run --images "$work/cache/default" "$out/Resident.exe"
read -r i_pss i_anon i_file i_rss <<<"$result"
measure "$bin" run --jit always "$out/Resident.exe"
read -r j_pss j_anon j_file j_rss <<<"$result"

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "| $n instances of Resident.exe (hello-app) | summed PSS | of which anonymous | of which file-backed | summed RSS |"
echo "| --- | --- | --- | --- | --- |"
echo "| \`mono\` | $(mib "$m_pss") MiB | $(mib "$m_anon") MiB | $(mib "$m_file") MiB | $(mib "$m_rss") MiB |"
echo "| \`ngen-build run\` (native images) | $(mib "$i_pss") MiB | $(mib "$i_anon") MiB | $(mib "$i_file") MiB | $(mib "$i_rss") MiB |"
echo "| \`ngen-build run --jit always\` (no images) | $(mib "$j_pss") MiB | $(mib "$j_anon") MiB | $(mib "$j_file") MiB | $(mib "$j_rss") MiB |"
awk -v i="$i_pss" -v m="$m_pss" 'BEGIN { printf "images / mono summed PSS: %.2f\n", i / m }'
