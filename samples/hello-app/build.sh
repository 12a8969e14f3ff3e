#!/usr/bin/env bash
# Builds the hello-app sample with mcs into OUT (default: samples/hello-app/out):
#   OUT/App.exe, OUT/App.exe.config     the application and its binding config
#   OUT/Greeter.dll                     Greeter 2.0.0.0 (App.exe references 1.0.0.0: redirected)
#   OUT/bin/MathLib.dll                 found through <probing privatePath="bin">
#   OUT/gac/lib/mono/gac/Checksum/1.0.0.0__f181aad948abdde8/Checksum.dll
#                                       a GAC-like folder (Mono's layout, MONO_GAC_PREFIX=OUT/gac)
#   OUT/ref/Greeter.dll                 Greeter 1.0.0.0, compile-time reference only
# Deterministic: the same sources give byte-identical outputs (mcs -deterministic, fixed key).
# Run with:  MONO_GAC_PREFIX=OUT/gac mono OUT/App.exe
#      and:  ngen-build deps OUT/App.exe --gac OUT/gac/lib/mono/gac
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
key="$here/keys/sample.snk"
token=f181aad948abdde8   # sn -tp of keys/sample.snk's public key
gac="$out/gac/lib/mono/gac"

command -v mcs >/dev/null || { echo "build.sh: mcs not found (apt-get install mono-mcs)" >&2; exit 1; }

csc() { mcs -nologo -deterministic -debug- -optimize+ "$@"; }

rm -rf "$out/bin" "$out/ref" "$out/gac"
mkdir -p "$out/bin" "$out/ref" "$gac/Checksum/1.0.0.0__$token"

csc -target:library -out:"$out/bin/MathLib.dll" "$here/src/MathLib.cs"
csc -target:library -keyfile:"$key" -out:"$out/ref/Greeter.dll" "$here/src/Greeter.cs"
csc -target:library -keyfile:"$key" -define:V2 -out:"$out/Greeter.dll" "$here/src/Greeter.cs"
csc -target:library -keyfile:"$key" -out:"$gac/Checksum/1.0.0.0__$token/Checksum.dll" "$here/src/Checksum.cs"
csc -target:exe -out:"$out/App.exe" \
    -r:"$out/bin/MathLib.dll" -r:"$out/ref/Greeter.dll" -r:"$gac/Checksum/1.0.0.0__$token/Checksum.dll" \
    "$here/src/App.cs"
cp "$here/App.exe.config" "$out/App.exe.config"
echo "built $out/App.exe"
