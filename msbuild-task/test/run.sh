#!/usr/bin/env bash
# Tests NgenBuild.targets with xbuild (apt-get install mono-xbuild): publishes the build-tool
# fixture app, checks images were built from a generated ngen.toml, republishes (all fresh),
# then checks a bad manifest fails the build. Usage: msbuild-task/test/run.sh [ngen-build]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-${NGEN_BUILD:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/ngen-build}}
BIN=$(realpath "$BIN")
W=$(mktemp -d /tmp/ngen-msbuild.XXXXXX)
trap 'rm -rf "$W"' EXIT
F=$ROOT/tests/fixtures/build
mkdir -p "$W/app"
cd "$W/app"
sn -q -k key.snk
mcs -nologo -deterministic -debug- -target:library -keyfile:key.snk -out:Leaf.dll "$F/Leaf.cs"
mcs -nologo -deterministic -debug- -target:library -keyfile:key.snk -r:Leaf.dll -out:Lib.dll "$F/Lib.cs"
mcs -nologo -deterministic -debug- -r:Lib.dll -r:Leaf.dll -out:App.exe "$F/App.cs"
cp "$HERE/Sample.proj" "$W/Sample.proj"
cp "$HERE/../NgenBuild.targets" "$W/../NgenBuild.targets" 2>/dev/null || true
sed -i "s#../NgenBuild.targets#$HERE/../NgenBuild.targets#" "$W/Sample.proj"
cd "$W"
xbuild /nologo /v:minimal /p:NgenBuildExe="$BIN" /p:NgenBuildPackage="$W/images.tar" Sample.proj | tee first.log
test -f publish/ngen.toml || { echo "FAIL: no ngen.toml generated"; exit 1; }
ls publish/target/ngen/default/App/1.0.0.0/*/App.ni.so >/dev/null || { echo "FAIL: no App image"; exit 1; }
test -f images.tar || { echo "FAIL: no package"; exit 1; }
grep -q "Compiled 3 images" first.log || { echo "FAIL: expected 3 images compiled"; exit 1; }
xbuild /nologo /v:minimal /p:NgenBuildExe="$BIN" /p:NgenBuildVerbose=true Sample.proj | tee second.log
grep -q "Compiled 0 images, 3 fresh" second.log || { echo "FAIL: republish should be fresh"; exit 1; }
sed -i '1i jbos = 1' publish/ngen.toml
if xbuild /nologo /v:minimal /p:NgenBuildExe="$BIN" Sample.proj > bad.log 2>&1; then
  echo "FAIL: a bad ngen.toml must fail the build"; cat bad.log; exit 1
fi
grep -q "did you mean" bad.log || { echo "FAIL: diagnostic not shown"; cat bad.log; exit 1; }
echo "msbuild-task: OK"
