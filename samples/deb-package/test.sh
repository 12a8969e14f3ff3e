#!/usr/bin/env bash
# Tests the Debian package sample end to end, in a scratch root (never the real system):
# builds the .deb (build-deb.sh), installs it with `dpkg --root` (maintainer scripts run
# chroot-less, so they use this ngen-build and $NGEN_CACHE, a scratch cache standing in for
# /var/cache/ngen-build), runs the app through its launcher from the installed images with
# mono's output and exit code, runs the install the postinst queued, removes the package and
# checks nothing is left; then checks that removing it before the queue ran cancels the
# queued install. Needs root (dpkg --root) and mono. Usage: samples/deb-package/test.sh [ngen-build]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-${NGEN_BUILD:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/ngen-build}}
BIN=$(realpath "$BIN")
W=$(mktemp -d /tmp/ngen-deb.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$HERE/build-deb.sh" "$W/out" "$BIN" > "$W/build.log" 2>&1 || { cat "$W/build.log"; fail "build-deb.sh"; }
deb=$(ls "$W"/out/hello-app_1.0.0_*.deb)
# The same inputs give the same package.
"$HERE/build-deb.sh" "$W/again" "$BIN" > /dev/null 2>&1
cmp -s "$deb" "$W/again/$(basename "$deb")" || fail "two builds of the package differ"

R="$W/root"
mkdir -p "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/info" "$W/bin"
touch "$R/var/lib/dpkg/status"
ln -s "$BIN" "$W/bin/ngen-build"
export PATH="$W/bin:$PATH" NGEN_CACHE="$W/machine-cache"
dpkg_() { dpkg --root="$R" --force-script-chrootless --force-depends --log=/dev/null "$@"; }

dpkg_ -i "$deb" > "$W/install.log" 2>&1 || { cat "$W/install.log"; fail "dpkg -i"; }
[[ -x "$R/usr/bin/hello-app" && -f "$R/usr/lib/hello-app/App.exe" ]] || fail "files not installed"
ngen-build queue status | grep -q "install $R/usr/lib/hello-app/App.exe (default)" ||
  { ngen-build queue status; fail "postinst did not queue the install"; }

# The launcher runs the program from the images the package installed.
mono_rc=0; mono_out=$(mono "$R/usr/lib/hello-app/App.exe" 21) || mono_rc=$?
run_rc=0; run_out=$(NGEN_LOG=binding "$R/usr/bin/hello-app" 21 2> "$W/run.log") || run_rc=$?
[[ "$mono_out" == "$run_out" && $mono_rc -eq $run_rc ]] ||
  { cat "$W/run.log"; fail "hello-app: '$run_out' ($run_rc), mono: '$mono_out' ($mono_rc)"; }
for a in App MathLib Greeter Checksum; do
  grep -q "$a: using image $R/usr/lib/hello-app/ngen/default/$a/" "$W/run.log" ||
    { cat "$W/run.log"; fail "$a not run from the installed image"; }
done

# What the native image service would do: the queued install fills the machine cache, and
# the program runs from there too (here without the shipped images).
ngen-build executeQueuedItems > "$W/eqi.log" 2>&1 || { cat "$W/eqi.log"; fail "executeQueuedItems"; }
ngen-build display | grep -qx "$R/usr/lib/hello-app/App.exe" || { ngen-build display; fail "not installed as a root"; }
only_rc=0; only_out=$(NGEN_LOG=binding ngen-build run "$R/usr/lib/hello-app/App.exe" 21 2> "$W/run2.log") || only_rc=$?
[[ "$only_out" == "$mono_out" && $only_rc -eq $mono_rc ]] || fail "run from the machine cache differs from mono"
grep -q "App: using image $NGEN_CACHE/default/App/" "$W/run2.log" || { cat "$W/run2.log"; fail "machine cache not used"; }

# Removal: the prerm uninstalls the root, dpkg removes every file.
dpkg_ -r hello-app > "$W/remove.log" 2>&1 || { cat "$W/remove.log"; fail "dpkg -r"; }
[[ ! -e "$R/usr/lib/hello-app" && ! -e "$R/usr/bin/hello-app" ]] || fail "files left after removal"
ngen-build display > "$W/display.txt" 2>/dev/null
grep -q "hello-app" "$W/display.txt" && { cat "$W/display.txt"; fail "roots or images left in the cache"; }
[[ -z "$(ls "$NGEN_CACHE/default" 2>/dev/null)" ]] || fail "images left in the machine cache"
dpkg_ --purge hello-app > /dev/null 2>&1

# Installed then removed before the service ran: the queued install is cancelled, and the
# removal (prerm under set -e) succeeds.
dpkg_ -i "$deb" > /dev/null 2>&1 || fail "second dpkg -i"
dpkg_ -r hello-app > "$W/remove2.log" 2>&1 || { cat "$W/remove2.log"; fail "removal with a queued install"; }
ngen-build queue status | grep -q "Pending items: 0" || { ngen-build queue status; fail "queued install not cancelled"; }
echo "deb-package: OK"
