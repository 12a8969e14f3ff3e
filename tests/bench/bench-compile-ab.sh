#!/usr/bin/env bash
# Cold framework compiles of two ngen-build binaries (say main's and a branch's) next to
# `mono --aot`, interleaved per assembly and round so that a shared machine's load weighs on
# all three alike (docs/BENCHMARKS.md, "Compile CPU"): for each of mscorlib, System,
# System.Core and System.Xml from /usr/lib/mono/4.5, `A compile`, `B compile` (default
# workers) and `mono --aot` (outfile and temp-path in a temp dir, never over the GAC), each
# under GNU time; then a Markdown table of the medians of wall, CPU (user + system) and peak
# RSS, and the totals. With NGEN_COMPILE_STATS=1 in the environment, each compile's
# per-kind function and CLIF counts land in the work dir's logs.
#
# Usage: tests/bench/bench-compile-ab.sh A_BINARY B_BINARY [ROUNDS]   (default 3 rounds)
# Needs: mono, python3, /usr/bin/time.
set -euo pipefail
a_bin="$(realpath "$1")"
b_bin="$(realpath "$2")"
rounds="${3:-3}"
work="$(mktemp -d /tmp/ngen-compile-ab.XXXXXX)"
echo "work dir: $work (load average before: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
times="$work/times.txt"
for round in $(seq "$rounds"); do
  for asm in mscorlib System System.Core System.Xml; do
    for side in A B; do
      bin="$a_bin"
      [[ "$side" == B ]] && bin="$b_bin"
      rm -rf "$work/out" && mkdir -p "$work/out"
      /usr/bin/time -o "$work/t" -f "$round $asm $side %e %U %S %M" \
        "$bin" compile "/usr/lib/mono/4.5/$asm.dll" --out "$work/out" -q \
        >>"$work/$side.log" 2>&1
      cat "$work/t" >>"$times"
    done
    rm -rf "$work/aot" && mkdir -p "$work/aot"
    TMPDIR="$work/aot" /usr/bin/time -o "$work/t" -f "$round $asm mono %e %U %S %M" \
      mono --aot=outfile="$work/aot/$asm.dll.so",temp-path="$work/aot" \
      "/usr/lib/mono/4.5/$asm.dll" >>"$work/mono.log" 2>&1
    cat "$work/t" >>"$times"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$times" <<'PY'
import statistics as st, sys
rows = {}
for line in open(sys.argv[1]):
    r, asm, side, wall, user, system, rss = line.split()
    rows.setdefault((asm, side), []).append((float(wall), float(user) + float(system), int(rss) / 1024))
print("| assembly | A wall | A CPU | A peak RSS | B wall | B CPU | B peak RSS | mono --aot wall | mono CPU | mono peak RSS |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
total = {}
for asm in ["mscorlib", "System", "System.Core", "System.Xml"]:
    cells = [asm]
    for side in ["A", "B", "mono"]:
        xs = rows[(asm, side)]
        wall, cpu, rss = (st.median(x[i] for x in xs) for i in range(3))
        t = total.setdefault(side, [0.0, 0.0])
        t[0] += wall
        t[1] += cpu
        cells += [f"{wall:.1f} s", f"{cpu:.2f} s", f"{rss:.0f} MB"]
    print("| " + " | ".join(cells) + " |")
cells = ["**total**"]
for side in ["A", "B", "mono"]:
    cells += [f"**{total[side][0]:.1f} s**", f"**{total[side][1]:.2f} s**", ""]
print("| " + " | ".join(cells) + " |")
for side in ["A", "B"]:
    print(f"\n{side} / mono: wall {total[side][0] / total['mono'][0]:.2f}x, CPU {total[side][1] / total['mono'][1]:.2f}x")
PY
