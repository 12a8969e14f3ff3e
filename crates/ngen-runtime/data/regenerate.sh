#!/bin/sh
# Regenerates cultures.txt, the culture tables the runtime's globalization icalls serve, by
# running CultureDump.cs under mono 6.8 (see that file for what it observes and the format).
# Usage: crates/ngen-runtime/data/regenerate.sh [output]   (default: cultures.txt beside this)
# The test culture_data_drift (tests/tests/corlib_cultures.rs) runs this and compares.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/cultures.txt}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mcs -nologo -unsafe -out:"$work/CultureDump.exe" "$here/CultureDump.cs"
# The dump must not depend on the caller's locale.
LC_ALL=C LANG=C mono "$work/CultureDump.exe" >"$work/cultures.txt"
mv "$work/cultures.txt" "$out"
