#!/usr/bin/env bash
# Builds a Debian package of the hello-app sample with its native images:
#   OUT/hello-app_1.0.0_<arch>.deb   (default OUT: samples/deb-package/out)
# installing
#   /usr/lib/hello-app/               App.exe, App.exe.config, Greeter.dll, Checksum.dll, bin/MathLib.dll
#   /usr/lib/hello-app/ngen/          the images, built here (`ngen-build build`) and archived
#                                     under that prefix (`ngen-build package --prefix`)
#   /usr/bin/hello-app                the launcher (`ngen-build launcher`): runs App.exe from the
#                                     images, `hello-app 21` instead of `ngen-build run …`
# and maintainer scripts (debian/postinst, debian/prerm) that queue the program for the
# machine's native image cache on installation and remove it on removal.
# Reproducible: the same sources and ngen-build give the same .deb (SOURCE_DATE_EPOCH, default 0).
# Usage: samples/deb-package/build-deb.sh [OUT] [path/to/ngen-build]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
samples="$(cd "$here/.." && pwd)"
out="${1:-$here/out}"
ngen="${2:-ngen-build}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}"
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb not found (apt-get install dpkg)" >&2; exit 1; }
mkdir -p "$out"
work="$(mktemp -d /tmp/hello-app-deb.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# 1. The program, laid out as installed. Checksum.dll is strong-named; the sample's own build
#    puts it in a GAC-like folder, the package next to App.exe (the loader probes there too).
"$samples/hello-app/build.sh" "$work/build" >/dev/null
stage="$work/stage"
lib="$stage/usr/lib/hello-app"
mkdir -p "$lib/bin" "$stage/usr/bin" "$stage/DEBIAN"
cp "$work/build/App.exe" "$work/build/App.exe.config" "$work/build/Greeter.dll" "$lib/"
cp "$work/build/bin/MathLib.dll" "$lib/bin/"
cp "$work/build/gac/lib/mono/gac/Checksum/1.0.0.0__f181aad948abdde8/Checksum.dll" "$lib/"

# 2. Its native images, built from the staged files and archived under their installed prefix.
cat > "$work/ngen.toml" <<'TOML'
scenarios = ["default"]
cache-dir = "cache"
[[root]]
path = "stage/usr/lib/hello-app/App.exe"
TOML
"$ngen" build --manifest-path "$work/ngen.toml"
"$ngen" package --manifest-path "$work/ngen.toml" --prefix usr/lib/hello-app/ngen --out "$work/images.tar"
tar -xf "$work/images.tar" -C "$stage"

# 3. The launcher: paths relative to /usr/bin, so it also works under `dpkg --root`.
"$ngen" launcher ../lib/hello-app/App.exe --cache-dir ../lib/hello-app/ngen --out "$stage/usr/bin/hello-app"

# 4. Control file and maintainer scripts.
arch="$(dpkg --print-architecture)"   # the images are native code for this machine
size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
sed -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/debian/control" > "$stage/DEBIAN/control"
install -m 0755 "$here/debian/postinst" "$here/debian/prerm" "$stage/DEBIAN/"
find "$stage" -type d -exec chmod 0755 {} +
find "$stage/usr/lib" -type f -exec chmod 0644 {} +

deb="$out/hello-app_1.0.0_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "built $deb"
