#!/usr/bin/env bash
# What image verification costs at startup (docs/BENCHMARKS.md, section 5): a program that
# references System.Xml and System.Core runs from framework images (8 images, 13 MB, loaded and
# verified at startup), next to b3sum hashing the same image files on one thread.
#
# Usage: tests/bench/bench-integrity.sh
#   NGEN_BUILD=path          the binary to measure (default: target/release/ngen-build, else debug)
#   NGEN_BUILD_BEFORE=path   optionally, a binary without verification, measured side by side
# Needs: hyperfine, b3sum, mcs.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${NGEN_BUILD:-$ROOT/target/release/ngen-build}
[ -x "$BIN" ] || BIN=$ROOT/target/debug/ngen-build
for tool in hyperfine b3sum mcs; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/ngen-bench-integrity.XXXXXX)
cd "$WORK"
mcs -nologo -deterministic -debug- -r:System.Xml.dll -r:System.Core.dll -out:Startup.exe \
  "$ROOT/tests/fixtures/integrity/bench/Startup.cs"
printf 'compile-framework = true\n[[root]]\npath = "Startup.exe"\n' > ngen.toml
"$BIN" build >/dev/null 2>&1
# The images the runtime maps (mscorlib is served by the BCL surface).
IMAGES=$(NGEN_LOG=binding "$BIN" run --jit never Startup.exe 2>&1 >/dev/null \
  | sed -n 's/.*: using image //p' | tr '\n' ' ')
echo "images mapped: $(echo $IMAGES | wc -w), $(du -cb $IMAGES | tail -1 | cut -f1) bytes" >&2
ARGS=(-n "ngen-build run --jit never (verifies)" "$BIN run --jit never Startup.exe")
if [ -n "${NGEN_BUILD_BEFORE:-}" ]; then
  ARGS+=(-n "before (no verification)" "$NGEN_BUILD_BEFORE run --jit never Startup.exe")
fi
hyperfine -N --warmup 3 --runs 30 "${ARGS[@]}" \
  -n "b3sum --no-mmap --num-threads 1 (same images)" "b3sum --no-mmap --num-threads 1 $IMAGES"
echo "work dir: $WORK" >&2
