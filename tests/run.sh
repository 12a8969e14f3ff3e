#!/usr/bin/env bash
# The README's test command: every test in the workspace. Unit tests, the monodis metadata
# oracle, differential tests against mono (native images, JIT only, and fallback), build-tool
# end-to-end tests and Ngen's actions. Installs Mono from Debian first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/setup.sh
# Integration tests drive the ngen-build binary, so build it before the test binaries run.
cargo build --workspace --bins
cargo test --workspace "$@"
