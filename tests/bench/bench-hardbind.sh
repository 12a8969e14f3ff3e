#!/usr/bin/env bash
# Hard vs soft binding on a call-heavy cross-assembly loop (docs/BENCHMARKS.md, "Hard binding"),
# side by side with mono's JIT on the same program:
#   Bench.exe calls BenchLib's Step.Next (static) and Acc.Add (instance, sealed) N times each;
#   both are NoInlining and too big for our inliner, so every iteration makes two calls into
#   the other assembly's image.
#   - soft: BenchLib without hints: the calls go through import cells (load, test, call);
#   - hard: BenchLib with [assembly: DefaultDependency(LoadHint.Always)]: Bench's image is
#     hard-bound to BenchLib's (DT_NEEDED) and calls its exported code through the GOT;
#   - mono: `mono Bench.exe N` (mono's JIT, its own cross-assembly calls).
# Both images are built by `ngen-build build` from a manifest; the framework is left to the
# JIT in all three (the same few methods at startup and for the final WriteLine).
#
# Usage: tests/bench/bench-hardbind.sh [N]   (default 200000000)
# Needs: a release build (cargo build --release -p ngen-build; or set NGEN_BUILD=path),
#        hyperfine, mcs, mono, readelf.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${NGEN_BUILD:-$TARGET_DIR/release/ngen-build}
N=${1:-200000000}
[ -x "$BIN" ] || { echo "no ngen-build at $BIN: cargo build --release -p ngen-build" >&2; exit 1; }
for tool in hyperfine mcs mono readelf; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
F=$ROOT/tests/fixtures/hardbind
WORK=$(mktemp -d /tmp/ngen-bench-hardbind.XXXXXX)
echo "work dir: $WORK" >&2
cd "$WORK"
for kind in soft hard; do
  mkdir "$kind"
  define=""
  [ "$kind" = hard ] && define="-define:HARD"
  mcs -nologo -deterministic -debug- -optimize+ -target:library $define -out:$kind/BenchLib.dll "$F/BenchLib.cs"
  mcs -nologo -deterministic -debug- -optimize+ -r:$kind/BenchLib.dll -out:$kind/Bench.exe "$F/Bench.cs"
  printf '[[root]]\npath = "Bench.exe"\n' > "$kind/ngen.toml"
  (cd "$kind" && env -u NGEN_IMAGE_PATH "$BIN" build -q)
  image=$(ls "$kind"/target/ngen/default/Bench/*/*/Bench.ni.so)
  echo "$kind: $image NEEDED: $(readelf -d "$image" | grep -c NEEDED || true)" >&2
done
expected=$(mono soft/Bench.exe "$N")
for kind in soft hard; do
  got=$(env -u NGEN_IMAGE_PATH "$BIN" run --manifest-path $kind/ngen.toml $kind/Bench.exe "$N")
  [ "$got" = "$expected" ] || { echo "$kind prints '$got', mono '$expected'" >&2; exit 1; }
done
echo "# bench-hardbind ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, N=$N)"
hyperfine -N --warmup 1 --min-runs 5 --export-markdown hardbind.md \
  -n "ngen-build run, soft (import cells)" "env -u NGEN_IMAGE_PATH $BIN run --manifest-path soft/ngen.toml soft/Bench.exe $N" \
  -n "ngen-build run, hard-bound" "env -u NGEN_IMAGE_PATH $BIN run --manifest-path hard/ngen.toml hard/Bench.exe $N" \
  -n "mono (JIT)" "mono soft/Bench.exe $N" >&2
cat hardbind.md
