#!/usr/bin/env bash
# Installs what ngen-build's build, demo and tests need on Debian 12, when it is missing:
# Mono 6.8 from Debian (mcs compiles C# fixtures, mono is the behaviour oracle, monodis the
# metadata oracle, xbuild the MSBuild engine), a C linker for images, Boehm's collector
# (libgc-dev, linked by the runtime), and b3sum/hyperfine
# for the benchmarks. Runs apt-get as root (directly, or through sudo when available).
set -euo pipefail

packages=(mono-mcs mono-runtime mono-utils mono-devel mono-xbuild gcc libc6-dev libgc-dev)
# nginx (built with the WebDAV module) is the real server of tests/tests/remote_cache.rs.
packages+=(nginx)
# perf (cpu-clock sampling) checks that NGEN_PERF_MAP names JIT-compiled methods (profile_scenario).
packages+=(linux-perf)
# systemd-analyze verifies the service units in systemd/ (ngen_service).
packages+=(systemd)
# The debug scenario's gdb sessions (tests/tests/debug_scenario.rs).
packages+=(gdb)
[[ "${NGEN_SETUP_BENCH:-0}" == 1 ]] && packages+=(b3sum hyperfine time valgrind)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null; then
    as_root=(sudo)
  else
    echo "setup: need root (or sudo) to apt-get install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Mono's own regression tests (mono/mini/*.cs) are fetched at test time with `apt-get source
# mono`, which needs a deb-src entry: add one mirroring the Debian entry when there is none.
# Tests that need the sources skip loudly when this was not possible.
has_deb_src() {
  grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/
}
if ! has_deb_src && [[ $(id -u) -eq 0 || -n "$(command -v sudo)" ]]; then
  as_root=()
  [[ $(id -u) -eq 0 ]] || as_root=(sudo)
  entry=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # The deb822 stanza whose URIs is the Debian archive, with Types: deb-src.
    entry="$(awk 'BEGIN { RS = ""; ORS = "\n\n" }
                  /URIs:[ \t]*[^ \t]*\/debian[ \t]*(\n|$)/ {
                    sub(/Types:[^\n]*/, "Types: deb-src"); print; exit }' "$f")"
    [[ -n "$entry" ]] && { target=/etc/apt/sources.list.d/ngen-build-deb-src.sources; break; }
  done
  if [[ -z "$entry" && -f /etc/apt/sources.list ]]; then
    entry="$(sed -n 's|^deb \(.*/debian \)|deb-src \1|p' /etc/apt/sources.list | grep -v security || true)"
    target=/etc/apt/sources.list.d/ngen-build-deb-src.list
  fi
  if [[ -n "$entry" ]]; then
    echo "setup: adding a deb-src entry ($target) for Mono's test sources" >&2
    printf '%s\n' "$entry" | "${as_root[@]}" tee "$target" >/dev/null
    "${as_root[@]}" apt-get update -qq || true
  fi
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo is not on PATH; install Rust (rustup) first" >&2
  exit 1
fi
