#!/usr/bin/env bash
# Tests NgenBuild.targets on an ordinary old-style solution built by a plain `xbuild`:
# test/oldstyle/Hello/Hello.csproj (an .exe with Properties/AssemblyInfo.cs, App.config, a
# framework reference and a ProjectReference to test/oldstyle/Greeting, a library) imports the
# targets. Checks: images after `xbuild Hello.csproj` (Debug, relative OutDir bin\Debug\) and
# after a Release build invoked from another directory; no "target not found" warning; the
# generated manifest and the image cache under obj/, nothing added to bin/; the program runs
# from its images (--jit never) with mono's output and exit code; a bad committed ngen.toml
# or an unresolved root fails the build with a canonical MSBuild error that xbuild counts,
# and no "Command … exited with code" error of Exec's after it.
# Usage: msbuild-task/test/oldstyle.sh [ngen-build]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-${NGEN_BUILD:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/ngen-build}}
BIN=$(realpath "$BIN")
W=$(mktemp -d /tmp/ngen-oldstyle.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# The projects import ..\..\..\NgenBuild.targets: keep msbuild-task's layout.
mkdir -p "$W/msbuild-task/test"
cp "$ROOT/msbuild-task/NgenBuild.targets" "$W/msbuild-task/"
cp -r "$HERE/oldstyle" "$W/msbuild-task/test/"
P="$W/msbuild-task/test/oldstyle/Hello"
cd "$P"

xbuild /nologo /v:minimal /p:NgenBuildExe="$BIN" Hello.csproj > debug.log 2>&1 || { cat debug.log; fail "xbuild Hello.csproj failed"; }
cat debug.log
if grep -qi "not found" debug.log; then fail "a target was not found"; fi
grep -q "warning" debug.log && fail "the build warned"
test -f obj/Debug/ngen/ngen.toml || fail "no manifest generated under obj/Debug/ngen/"
grep -q 'path = "../../../bin/Debug/Hello.exe"' obj/Debug/ngen/ngen.toml || { cat obj/Debug/ngen/ngen.toml; fail "the generated root is not relative"; }
ls obj/Debug/ngen/target/ngen/default/Hello/1.2.0.0/*/Hello.ni.so > /dev/null || fail "no Hello image"
ls obj/Debug/ngen/target/ngen/default/Greeting/2.0.0.0/*/Greeting.ni.so > /dev/null || fail "no Greeting image"
grep -q "Compiled 2 images" debug.log || fail "expected 2 images compiled"
for f in bin/Debug/*; do
  case "$(basename "$f")" in
    Hello.exe|Hello.exe.config|Hello.exe.mdb|Hello.pdb|Greeting.dll|Greeting.dll.mdb|Greeting.pdb) ;;
    *) fail "bin/Debug holds $f, not an output of the C# build" ;;
  esac
done

mono_rc=0; mono_out=$(mono bin/Debug/Hello.exe 4) || mono_rc=$?
ngen_rc=0; ngen_out=$("$BIN" run --jit never --manifest-path obj/Debug/ngen/ngen.toml bin/Debug/Hello.exe 4) || ngen_rc=$?
[[ "$mono_out" == "$ngen_out" && $mono_rc -eq $ngen_rc ]] || fail "ngen-build run: '$ngen_out' ($ngen_rc), mono: '$mono_out' ($mono_rc)"
[[ $mono_rc -eq 4 ]] || fail "Main's return value should be the exit code, got $mono_rc"

# A rebuild is all fresh.
xbuild /nologo /v:minimal /p:NgenBuildExe="$BIN" Hello.csproj > again.log 2>&1 || { cat again.log; fail "rebuild failed"; }
grep -q "Compiled 0 images, 2 fresh" again.log || { cat again.log; fail "a rebuild should be fresh"; }

# Release, from another directory: OutDir bin\Release\ is still the project's.
(cd "$W" && xbuild /nologo /v:minimal /p:Configuration=Release /p:NgenBuildExe="$BIN" "$P/Hello.csproj") > release.log 2>&1 || { cat release.log; fail "Release build failed"; }
ls obj/Release/ngen/target/ngen/default/Hello/1.2.0.0/*/Hello.ni.so > /dev/null || { cat release.log; fail "no Release image"; }
[[ ! -e "$W/obj" && ! -e "$W/ngen.toml" ]] || fail "state written to the working directory"

# A committed ngen.toml next to the project is used instead; a typo in it is an MSBuild error.
printf 'jbos = 1\n[[root]]\npath = "bin/Debug/Hello.exe"\n' > ngen.toml
if xbuild /nologo /v:minimal /p:NgenBuildExe="$BIN" Hello.csproj > bad.log 2>&1; then
  cat bad.log; fail "a bad ngen.toml must fail the build"
fi
cat bad.log
grep -q ": error : $P/ngen.toml(1,1): error NGEN1002: unknown key" bad.log || fail "no counted canonical error"
# Only ngen-build's diagnostics and the target's one-line verdict: not Exec's "Command … exited".
grep -q "exited with code" bad.log && fail "Exec added its own error after ngen-build's"
grep -q ": error : NgenBuild: no native images for Hello (ngen-build exit code 2)" bad.log || fail "no verdict line"
[[ $(grep -c ": error : " bad.log) -eq 2 ]] || fail "expected 2 error lines (the diagnostic and the verdict)"
# A root whose dependency is missing: one canonical NGEN2001 error naming the assembly.
mkdir -p lone && cp bin/Debug/Hello.exe lone/
printf '[[root]]\npath = "lone/Hello.exe"\n' > ngen.toml
if xbuild /nologo /v:minimal /p:NgenBuildExe="$BIN" Hello.csproj > unresolved.log 2>&1; then
  cat unresolved.log; fail "an unresolved root must fail the build"
fi
grep -q ": error : ngen-build: error NGEN2001: lone/Hello.exe (default): .*'Greeting, Version=2.0.0.0" unresolved.log || { cat unresolved.log; fail "no counted NGEN2001 error"; }
grep -q "exited with code" unresolved.log && fail "Exec added its own error after NGEN2001"
# ngen-build missing: Exec's own error is then the only word on it, and the build fails.
rm ngen.toml
if xbuild /nologo /v:minimal /p:NgenBuildExe=/nonexistent/ngen-build Hello.csproj > missing.log 2>&1; then
  cat missing.log; fail "a missing ngen-build must fail the build"
fi
grep -q "exited with code: 127" missing.log || { cat missing.log; fail "no error for a missing ngen-build"; }
echo "msbuild-task oldstyle: OK"
