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
test -f obj/ngen/ngen.toml || { echo "FAIL: no ngen.toml generated under obj/"; exit 1; }
ls obj/ngen/target/ngen/default/App/1.0.0.0/*/App.ni.so >/dev/null || { echo "FAIL: no App image"; exit 1; }
if ls publish | grep -qv -e '\.exe$' -e '\.dll$'; then echo "FAIL: publish/ holds more than the app"; ls publish; exit 1; fi
if grep -q "not found" first.log; then echo "FAIL: a target was not found"; exit 1; fi
test -f images.tar || { echo "FAIL: no package"; exit 1; }
grep -q "Compiled 3 images" first.log || { echo "FAIL: expected 3 images compiled"; exit 1; }
xbuild /nologo /v:minimal /p:NgenBuildExe="$BIN" /p:NgenBuildVerbose=true Sample.proj | tee second.log
grep -q "Compiled 0 images, 3 fresh" second.log || { echo "FAIL: republish should be fresh"; exit 1; }
# A committed ngen.toml next to the project wins over the generated one; a typo in it fails
# the build with one MSBuild error pointing at its line.
sed '1i jbos = 1' obj/ngen/ngen.toml | sed 's#path = "../../publish/#path = "publish/#' > ngen.toml
if xbuild /nologo /v:minimal /p:NgenBuildExe="$BIN" Sample.proj > bad.log 2>&1; then
  echo "FAIL: a bad ngen.toml must fail the build"; cat bad.log; exit 1
fi
grep -q "did you mean" bad.log || { echo "FAIL: diagnostic not shown"; cat bad.log; exit 1; }
grep -q "ngen.toml(1,1): error NGEN1002: unknown key" bad.log || { echo "FAIL: no canonical error"; cat bad.log; exit 1; }
# xbuild counts it, and the target's one-line verdict follows (not Exec's "exited with code 2").
grep -q ": error : .*ngen.toml(1,1): error NGEN1002: unknown key" bad.log || { echo "FAIL: xbuild did not count the error"; cat bad.log; exit 1; }
if grep -q "exited with code" bad.log; then echo "FAIL: Exec added its own error"; cat bad.log; exit 1; fi
grep -q ": error : NgenBuild: no native images for Sample (ngen-build exit code 2)" bad.log || { echo "FAIL: no verdict line"; cat bad.log; exit 1; }
echo "msbuild-task: OK"
