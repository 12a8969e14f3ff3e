#!/usr/bin/env bash
# Byte-for-byte comparison of the native images and reports two ngen-build binaries produce:
# the acceptance check of compiler refactors ("images and reports byte-identical").
#
# Usage:
#   tests/bench/compare-images.sh OLD_BIN NEW_BIN   compile the corpus with both, diff -r
#   tests/bench/compare-images.sh --compile BIN OUT compile the corpus with BIN into OUT
#
# The corpus: mscorlib, System, System.Core and System.Xml from /usr/lib/mono/4.5, and the
# C# and IL fixtures of tests/fixtures/codegen (built once with mcs/ilasm, as the tests do).
# Each binary's outputs are kept under $NGEN_COMPARE_DIR (default /tmp/ngen-image-compare),
# keyed by the binary's SHA-256, so a saved "before" binary is compiled only once.
#
# Compiler identity: an image header records the compiler's name, version and Cranelift
# settings string, not the executable's build-id (only the cache's fingerprints hash that),
# so two builds of the same source give identical files and nothing is masked here: any
# difference, header included, fails the comparison.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${NGEN_COMPARE_DIR:-/tmp/ngen-image-compare}"
framework=/usr/lib/mono/4.5
threads="${NGEN_COMPARE_THREADS:-2}"

# The fixture assemblies, compiled once into $work/bin.
build_fixtures() {
  local bin="$work/bin" src="$root/tests/fixtures/codegen"
  [[ -f "$bin/.done" ]] && return
  rm -rf "$bin" && mkdir -p "$bin"
  local mcs=(mcs -nologo -deterministic -debug-)
  "${mcs[@]}" -target:library -out:"$bin/MathLib.dll" "$src/mathlib.cs" >/dev/null
  for name in arith floats checked control refs excluded corlib_gaps arrays; do
    "${mcs[@]}" -target:exe -out:"$bin/$name.exe" "$src/$name.cs" >/dev/null
  done
  "${mcs[@]}" -target:exe -unsafe -out:"$bin/unsafe.exe" "$src/unsafe.cs" >/dev/null
  "${mcs[@]}" -target:exe -r:"$bin/MathLib.dll" -out:"$bin/crossasm.exe" "$src/crossasm.cs" >/dev/null
  ilasm "$src/literal_folding.il" -output:"$bin/literal_folding.exe" >/dev/null
  touch "$bin/.done"
}

# compile_corpus BIN OUT: every corpus assembly into OUT (images and reports).
compile_corpus() {
  local ngen="$1" out="$2"
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  for asm in mscorlib System System.Core System.Xml; do
    "$ngen" compile "$framework/$asm.dll" --out "$out.tmp" --threads "$threads" >/dev/null
  done
  for file in "$work"/bin/*.dll "$work"/bin/*.exe; do
    "$ngen" compile "$file" --out "$out.tmp" --app-base "$work/bin" --threads "$threads" >/dev/null
  done
  rm -rf "$out" && mv "$out.tmp" "$out"
}

# outputs_of BIN: the (cached) output directory of BIN.
outputs_of() {
  local ngen="$1" key
  key="$(sha256sum "$ngen" | cut -c1-16)"
  if [[ ! -d "$work/out-$key" ]]; then
    echo "compiling the corpus with $ngen ($key)" >&2
    compile_corpus "$ngen" "$work/out-$key"
  fi
  echo "$work/out-$key"
}

mkdir -p "$work"
build_fixtures
if [[ "${1:-}" == "--compile" ]]; then
  [[ $# -eq 3 ]] || { echo "usage: $0 --compile BIN OUT" >&2; exit 2; }
  compile_corpus "$2" "$3"
  exit 0
fi
[[ $# -eq 2 ]] || { echo "usage: $0 OLD_BIN NEW_BIN | --compile BIN OUT" >&2; exit 2; }
old="$(outputs_of "$1")"
new="$(outputs_of "$2")"
count="$(find "$old" -type f | wc -l)"
if diff -r "$old" "$new" >/dev/null; then
  echo "identical: $count files ($(du -sh "$old" | cut -f1)) in $old and $new"
else
  echo "DIFFERENT: $old vs $new" >&2
  diff -rq "$old" "$new" >&2 || true
  exit 1
fi
