#!/usr/bin/env bash
# Build-tool benchmarks (docs/BENCHMARKS.md records the figures), each measured side by side:
#   1. no-op build of the fixture app + its framework closure  vs  b3sum over the same files
#   2. cold build of the closure (framework included: compile-framework = true)
#   3. one changed leaf (Leaf.dll alternates between two builds)
#   4. cold compile of mscorlib, System, System.Core, System.Xml  vs  mono --aot
#      (wall time, peak RSS from /usr/bin/time -v, methods compiled)
#
# Usage: tests/bench/bench-build.sh [--quick]   (--quick: skip 2 and 4, the framework compiles)
# Needs: a release build (cargo build --release -p ngen-build; or set NGEN_BUILD=path),
#        hyperfine, b3sum, mcs, sn, mono, /usr/bin/time (apt-get install hyperfine b3sum time).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${NGEN_BUILD:-$TARGET_DIR/release/ngen-build}
QUICK=${1:-}
[ -x "$BIN" ] || { echo "no ngen-build at $BIN: cargo build --release -p ngen-build" >&2; exit 1; }
for tool in hyperfine b3sum mcs sn mono python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/ngen-bench.XXXXXX)
OUT=$WORK/results.md
F=$ROOT/tests/fixtures/build
echo "# ngen-build benchmarks ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $("$BIN" -V))" > "$OUT"
echo "work dir: $WORK" >&2

# --- fixture app: BigApp -> Lib -> Leaf (+ System, System.Core, System.Xml) ---------------
cd "$WORK"
sn -q -k key.snk
mcs -nologo -deterministic -debug- -target:library -keyfile:key.snk -out:Leaf.dll "$F/Leaf.cs"
mkdir -p v2 && mcs -nologo -deterministic -debug- -target:library -keyfile:key.snk -define:V2 -out:v2/Leaf.dll "$F/Leaf.cs"
cp Leaf.dll v1-Leaf.dll
mcs -nologo -deterministic -debug- -target:library -keyfile:key.snk -r:Leaf.dll -out:Lib.dll "$F/Lib.cs"
mcs -nologo -deterministic -debug- -r:Lib.dll -r:Leaf.dll -r:System.Xml.dll -r:System.Core.dll -out:BigApp.exe "$F/bench/BigApp.cs"
cat > ngen.toml <<'TOML'
[[root]]
path = "BigApp.exe"
TOML
mkdir -p full && cp Leaf.dll Lib.dll BigApp.exe full/ && cat > full/ngen.toml <<'TOML'
compile-framework = true
[[root]]
path = "BigApp.exe"
TOML

# The closure's files, as the binder resolves them.
"$BIN" deps BigApp.exe --json | python3 -c '
import json, sys, os
d = json.load(sys.stdin)
for a in [d["root"]] + d["assemblies"]:
    print(os.path.realpath(a["path"]))' > closure.txt
NFILES=$(wc -l < closure.txt)
BYTES=$(xargs -a closure.txt du -cbL | tail -1 | cut -f1)
{ echo; echo "Closure of BigApp.exe: $NFILES assemblies, $BYTES bytes (see closure.txt)."; } >> "$OUT"

# --- 1. no-op build vs b3sum -------------------------------------------------------------
# Files younger than 2 s are never memoised (same-tick edits); let the fresh fixtures age.
sleep 2.5
"$BIN" build >/dev/null 2>&1
{ echo; echo "## 1. No-op build vs b3sum over the same $NFILES files"; echo; } >> "$OUT"
FILES=$(tr '\n' ' ' < closure.txt)
hyperfine -N --warmup 3 --min-runs 20 --export-markdown noop.md \
  -n "ngen-build build (no-op)" "$BIN build" \
  -n "b3sum (closure)" "b3sum $FILES" \
  -n "b3sum --no-mmap --num-threads 1 (closure)" "b3sum --no-mmap --num-threads 1 $FILES" >&2
cat noop.md >> "$OUT"

# --- 3. one changed leaf -----------------------------------------------------------------
{ echo; echo "## 3. One changed leaf (Leaf.dll alternates v1/v2; Leaf, Lib and BigApp rebuild)"; echo; } >> "$OUT"
cat > toggle.sh <<'SH'
#!/bin/sh
if cmp -s Leaf.dll v1-Leaf.dll; then cp v2/Leaf.dll Leaf.dll; else cp v1-Leaf.dll Leaf.dll; fi
SH
chmod +x toggle.sh
hyperfine -N --warmup 1 --min-runs 10 --prepare ./toggle.sh --export-markdown leaf.md \
  -n "ngen-build build (Leaf changed)" "$BIN build" >&2
cat leaf.md >> "$OUT"
./toggle.sh && "$BIN" build 2>&1 | tail -1 | sed 's/^/    /' >> "$OUT"

if [ "$QUICK" != "--quick" ]; then
  # --- 2. cold build of the closure, framework included ----------------------------------
  { echo; echo "## 2. Cold build of the whole closure (compile-framework = true)"; echo; } >> "$OUT"
  ( cd full && /usr/bin/time -v "$BIN" build > ../cold.log 2> ../cold-time.txt ) || true
  grep -E "^Compiled|error" cold-time.txt | sed 's/^/    /' >> "$OUT" || true
  grep -E "Elapsed \(wall|Maximum resident" cold-time.txt | sed 's/^\s*/    /' >> "$OUT" || true

  # --- 4. framework assemblies vs mono --aot ----------------------------------------------
  { echo; echo "## 4. Cold compile of framework assemblies: ngen-build vs mono --aot"; echo;
    echo "| assembly | tool | wall (m:ss) | peak RSS MB | methods compiled |";
    echo "|---|---|---|---|---|"; } >> "$OUT"
  FW=/usr/lib/mono/4.5
  for asm in mscorlib System System.Core System.Xml; do
    mkdir -p "aot/$asm" "ngen/$asm"
    /usr/bin/time -v "$BIN" compile "$FW/$asm.dll" --out "ngen/$asm" > "ngen/$asm/log" 2> "ngen/$asm/time" || true
    wall=$(grep "Elapsed (wall" "ngen/$asm/time" | awk '{print $NF}')
    rss=$(grep "Maximum resident" "ngen/$asm/time" | awk '{printf "%.0f", $NF/1024}')
    methods=$(python3 - "ngen/$asm/$asm.ni.report.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    c, e = r.get("compiled", []), r.get("excluded", [])
    c = len(c) if isinstance(c, list) else c
    e = len(e) if isinstance(e, list) else e
    print(f"{c}/{c + e}")
except Exception:
    print("n/a")
PY
)
    echo "| $asm | ngen-build compile | $wall | $rss | $methods |" >> "$OUT"
    # mono must AOT framework assemblies in place (it refuses a copy of mscorlib); outfile elsewhere.
    ( cd "aot/$asm" && /usr/bin/time -v mono --aot=outfile=$PWD/$asm.so,stats "$FW/$asm.dll" > log 2> time ) || true
    wall=$(grep "Elapsed (wall" "aot/$asm/time" | awk '{print $NF}')
    rss=$(grep "Maximum resident" "aot/$asm/time" | awk '{printf "%.0f", $NF/1024}')
    methods=$(grep -hE "^Compiled:" "aot/$asm/log" | head -1 | awk '{print $2}' || true)
    echo "| $asm | mono --aot | $wall | $rss | ${methods:-n/a} |" >> "$OUT"
  done
fi

echo >&2
cat "$OUT"
echo "(results in $OUT)" >&2
