#!/usr/bin/env bash
# The README's main command: the whole ngen-build story on the hello-app sample.
#   1. install Mono from Debian when missing, build ngen-build (release);
#   2. compile the sample's C# with mcs;
#   3. inspect it and resolve its dependencies as the CLR loader would;
#   4. build its native images from samples/hello-app/ngen.toml (a second build is a no-op);
#   5. run it from its images next to mono and compare: every method comes from a native image
#      except the one marked [BypassNGen], which the runtime JIT-compiles (NGEN_LOG shows it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tests/setup.sh

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Building ngen-build (release)"
cargo build --release --quiet -p ngen-build
ngen="${CARGO_TARGET_DIR:-$root/target}/release/ngen-build"

app="$root/samples/hello-app"
step "Compiling the sample with mcs"
"$app/build.sh" "$app/out"
# The sample's strong-named Checksum.dll lives in a GAC-like folder, found as mono finds it.
export MONO_GAC_PREFIX="$app/out/gac"

step "ngen-build inspect out/App.exe"
"$ngen" inspect "$app/out/App.exe"

step "ngen-build deps out/App.exe"
"$ngen" deps "$app/out/App.exe"

step "ngen-build build (ngen.toml)"
"$ngen" build --manifest-path "$app/ngen.toml"
step "ngen-build build again: nothing changed, nothing rebuilt"
"$ngen" build --manifest-path "$app/ngen.toml"

step "Running under mono"
mono_rc=0; mono_out="$(mono "$app/out/App.exe" 21)" || mono_rc=$?
printf '%s\n(exit %d)\n' "$mono_out" "$mono_rc"

step "Running from its native images (ngen-build run; images found through ngen.toml's cache)"
ngen_rc=0; ngen_out="$(cd "$app" && NGEN_LOG=binding "$ngen" run out/App.exe 21 2>"$app/out/run-log.txt")" || ngen_rc=$?
printf '%s\n(exit %d)\n' "$ngen_out" "$ngen_rc"
echo "--- NGEN_LOG=binding: images used, methods JIT-compiled ---"
# sed reads to the end: `head` would exit after 12 lines, and grep's next write would die of
# SIGPIPE, which pipefail turns into the script's failure (exit 141) when the log is long.
grep -E "image|JIT" "$app/out/run-log.txt" | sed -n '1,12p'

if [[ "$mono_out" == "$ngen_out" && $mono_rc -eq $ngen_rc ]]; then
  step "Same output and exit code as mono."
else
  step "MISMATCH with mono"; exit 1
fi
