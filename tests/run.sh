#!/usr/bin/env bash
# The README's test command: every test in the workspace. Unit tests, the monodis metadata
# oracle, differential tests against mono (native images, JIT only, and fallback), build-tool
# end-to-end tests and Ngen's actions. Installs Mono from Debian first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
tests/setup.sh
# Integration tests drive the ngen-build binary, so build it before the test binaries run.
cargo build --workspace --bins

# cargo prints one "test result" line per test binary and ends on the last crate's doc-tests
# (often "0 passed"), so close with the workspace total on one line. A test that cannot run
# here (say, Mono's test sources cannot be fetched) prints "SKIPPED: name: why" and counts as
# skipped, not passed.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace "$@" 2>&1 | tee "$log" || status=$?
awk '/^test result:/ { passed += $4; failed += $6; ignored += $8 }
     /^SKIPPED: / { skipped_loudly += 1 }
     END { printf "Summary: %d passed, %d failed, %d skipped\n", passed - skipped_loudly, failed, ignored + skipped_loudly }' "$log"
exit "$status"
