# Sourced by tests/bench/bench-shared-pages.sh and tests/bench/startup-order.sh: builds the
# hello-app sample and tests/bench/shared-pages/Resident.cs (which runs the sample's Main, then
# waits on stdin) into "$work/out", exports MONO_GAC_PREFIX for the sample's GAC folder, and
# installs the images of the program and its dependencies into "$work/cache" with "$bin".
# Expects: $work (a scratch directory) and $bin (an ngen-build binary); sets $out.
samples/hello-app/build.sh "$work/out" >/dev/null
out="$work/out"
token=f181aad948abdde8
mcs -nologo -out:"$out/Resident.exe" -r:"$out/App.exe" -r:"$out/bin/MathLib.dll" \
  -r:"$out/ref/Greeter.dll" -r:"$out/gac/lib/mono/gac/Checksum/1.0.0.0__$token/Checksum.dll" \
  tests/bench/shared-pages/Resident.cs
cp "$out/App.exe.config" "$out/Resident.exe.config"
export MONO_GAC_PREFIX="$out/gac"

# Images of the program and its dependencies (the framework stays on the BCL surface).
"$bin" install "$out/Resident.exe" --cache-dir "$work/cache" --silent
