#!/usr/bin/env bash
# Installs what ngen-build's build, demo and tests need on Debian 12, when it is missing:
# Mono 6.8 from Debian (mcs compiles C# fixtures, mono is the behaviour oracle, monodis the
# metadata oracle, xbuild the MSBuild engine), a C linker for images, and b3sum/hyperfine
# for the benchmarks. Runs apt-get as root (directly, or through sudo when available).
set -euo pipefail

packages=(mono-mcs mono-runtime mono-utils mono-devel mono-xbuild gcc libc6-dev)
# nginx (built with the WebDAV module) is the real server of tests/tests/remote_cache.rs.
packages+=(nginx)
[[ "${NGEN_SETUP_BENCH:-0}" == 1 ]] && packages+=(b3sum hyperfine time)

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

if ! command -v cargo >/dev/null; then
  echo "setup: cargo is not on PATH; install Rust (rustup) first" >&2
  exit 1
fi
