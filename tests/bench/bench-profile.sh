#!/usr/bin/env bash
# The cost of the profile scenario's hooks: Fib(25) (242,785 calls of F) from default images,
# from profile images with NGEN_PROFILE=calls:FILE, next to mono and to mono's own per-call
# instrumentation (--trace=program to /dev/null; Debian's mono has no log profiler).
# Usage: tests/bench/bench-profile.sh [NGEN_BUILD_BINARY]   (default: target/release/ngen-build)
set -euo pipefail
cd "$(dirname "$0")/../.."
NGEN_SETUP_BENCH=1 tests/setup.sh
bin="${1:-target/release/ngen-build}"
[[ -x "$bin" ]] || cargo build --release -p ngen-build
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/FibN.cs" <<'CS'
public static class FibN
{
    static int F(int n) { return n < 2 ? n : F(n - 1) + F(n - 2); }
    public static void Main(string[] args) { System.Console.WriteLine(F(int.Parse(args[0]))); }
}
CS
mcs -nologo -out:"$work/FibN.exe" "$work/FibN.cs"
"$bin" compile "$work/FibN.exe" --out "$work/default" >/dev/null
"$bin" compile "$work/FibN.exe" --scenario profile --out "$work/profile" >/dev/null
hyperfine -N --warmup 2 --runs 10 \
  -n "mono" "mono $work/FibN.exe 25" \
  -n "mono -O=-inline --trace=program" "sh -c 'mono -O=-inline --trace=program $work/FibN.exe 25 >/dev/null'" \
  -n "ngen-build, default images" "$bin run --jit never --images $work/default $work/FibN.exe 25" \
  -n "ngen-build, profile images + NGEN_PROFILE" \
  "env NGEN_PROFILE=calls:$work/calls.txt $bin run --scenario profile --jit never --images $work/profile $work/FibN.exe 25"
cat "$work/calls.txt"
