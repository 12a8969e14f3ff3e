#!/usr/bin/env bash
# Remote-cache benchmark (docs/BENCHMARKS.md, section 5): the framework closure of the
# fixture app BigApp (BigApp, Lib, Leaf + mscorlib, System, System.Core, System.Xml, ...;
# compile-framework = true), built into an empty local cache three ways, side by side:
#   1. cold: no remote cache, every image compiled here;
#   2. cold + upload: every image compiled and uploaded to an empty remote;
#   3. remote hits: every image fetched from a populated remote (nothing compiled).
# The remote is nginx with WebDAV PUT on a free 127.0.0.1 port with a temporary root, the
# server Bazel's documentation uses; it is stopped when the script exits. The script checks
# that runs 1 and 3 leave byte-identical trees.
#
# Usage: tests/bench/bench-remote-cache.sh   (NGEN_BUILD=path picks another binary; -j 2)
# Needs: a release build (cargo build --release -p ngen-build), hyperfine, nginx, mcs, sn,
#        b3sum (apt-get install hyperfine nginx b3sum mono-devel).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${NGEN_BUILD:-${CARGO_TARGET_DIR:-$ROOT/target}/release/ngen-build}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$BIN" ] || { echo "no ngen-build at $BIN: cargo build --release -p ngen-build" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "missing nginx (apt-get install nginx)" >&2; exit 1; }
for tool in hyperfine mcs sn b3sum python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/ngen-bench-remote.XXXXXX)
OUT=$WORK/results.md
F=$ROOT/tests/fixtures/build
echo "work dir: $WORK" >&2

# --- the server ---------------------------------------------------------------------------
SRV=$WORK/server
mkdir -p "$SRV/data" "$SRV/tmp"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$SRV/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $SRV/nginx.pid;
error_log $SRV/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $SRV/tmp/body;
  proxy_temp_path $SRV/tmp/proxy;
  fastcgi_temp_path $SRV/tmp/fastcgi;
  uwsgi_temp_path $SRV/tmp/uwsgi;
  scgi_temp_path $SRV/tmp/scgi;
  server {
    listen 127.0.0.1:$PORT;
    root $SRV/data;
    client_max_body_size 1g;
    location / { dav_methods PUT; create_full_put_path on; }
  }
}
CONF
"$NGINX" -p "$SRV" -c "$SRV/nginx.conf" -e "$SRV/error.log" </dev/null >/dev/null 2>&1 &
NGINX_PID=$!
trap 'kill $NGINX_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
  sleep 0.05
done
URL=http://127.0.0.1:$PORT/cache

# --- the fixture app and three runners ----------------------------------------------------
cd "$WORK"
sn -q -k key.snk
mcs -nologo -deterministic -debug- -target:library -keyfile:key.snk -out:Leaf.dll "$F/Leaf.cs"
mcs -nologo -deterministic -debug- -target:library -keyfile:key.snk -r:Leaf.dll -out:Lib.dll "$F/Lib.cs"
mcs -nologo -deterministic -debug- -r:Lib.dll -r:Leaf.dll -r:System.Xml.dll -r:System.Core.dll -out:BigApp.exe "$F/bench/BigApp.cs"
runner() { # runner DIR [remote-cache table]
  mkdir -p "$1" && cp Leaf.dll Lib.dll BigApp.exe "$1/"
  printf 'compile-framework = true\n[[root]]\npath = "BigApp.exe"\n%s' "${2:-}" > "$1/ngen.toml"
}
runner cold
runner upload "$(printf '[remote-cache]\nurl = "%s"\nupload = true\n' "$URL")"
runner hit "$(printf '[remote-cache]\nurl = "%s"\n' "$URL")"

"$BIN" build --manifest-path upload/ngen.toml -j 2 2>&1 | tail -1 >&2
"$BIN" build --manifest-path hit/ngen.toml -j 2 2>&1 | tail -1 > hit-line.txt
"$BIN" build --manifest-path cold/ngen.toml -j 2 2>&1 | tail -1 > cold-line.txt
tree() { (cd "$1/target/ngen" && find . -path ./.local -prune -o -type f -print | LC_ALL=C sort | xargs b3sum); }
if [ "$(tree cold)" = "$(tree hit)" ]; then SAME="byte-identical"; else SAME="DIFFERENT"; fi
IMAGES=$(find hit/target/ngen -name '*.ni.so' | wc -l)
BYTES=$(find hit/target/ngen -path '*/.local' -prune -o -type f -print | xargs du -cb | tail -1 | cut -f1)

{
  echo "# Remote cache: cold build vs remote hits ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $("$BIN" -V))"
  echo
  echo "Framework closure of BigApp.exe: $IMAGES images, $BYTES bytes of image directories;"
  echo "cold and remote-hit trees are $SAME."
  echo
  echo "    cold:  $(cat cold-line.txt)"
  echo "    hits:  $(cat hit-line.txt)"
  echo
} > "$OUT"

hyperfine -N --warmup 1 --min-runs 5 --export-markdown remote.md --export-json remote.json \
  -n "cold build (no remote)" --prepare "rm -rf $WORK/cold/target" \
    "$BIN build --manifest-path $WORK/cold/ngen.toml -j 2" \
  -n "cold build + upload to an empty remote" --prepare "rm -rf $WORK/upload/target $SRV/data/cache" \
    "$BIN build --manifest-path $WORK/upload/ngen.toml -j 2" \
  -n "remote hits into an empty local cache" --prepare "rm -rf $WORK/hit/target" \
    "$BIN build --manifest-path $WORK/hit/ngen.toml -j 2" >&2
cat remote.md >> "$OUT"
python3 - remote.json >> "$OUT" <<'PY'
import json, sys
print("\n| command | median | runs |\n| --- | --- | --- |")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| {r['command']} | {r['median'] * 1000:.0f} ms | {len(r['times'])} |")
PY
cat "$OUT"
