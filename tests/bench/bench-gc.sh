#!/usr/bin/env bash
# The collector next to mono: tests/fixtures/gc/churn.cs allocates ~1.5 GB of short-lived
# arrays and strings (1,000,000 iterations) with a live set of a few hundred bytes;
# tests/fixtures/gc/object_churn.cs ~1.3 GB of short-lived object trees (20,000 rounds), some
# finalizable, with a weak reference per round; hello world is the floor. Wall time with hyperfine (medians), peak RSS with GNU time (median of 5).
# Usage: tests/bench/bench-gc.sh [NGEN_BUILD_BINARY]   (default: target/release/ngen-build)
set -euo pipefail
cd "$(dirname "$0")/../.."
NGEN_SETUP_BENCH=1 tests/setup.sh
bin="${1:-target/release/ngen-build}"
[[ -x "$bin" ]] || cargo build --release -p ngen-build
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mcs -nologo -out:"$work/churn.exe" tests/fixtures/gc/churn.cs
mcs -nologo -out:"$work/object_churn.exe" tests/fixtures/gc/object_churn.cs
printf 'class H { static void Main() { System.Console.WriteLine("Hello"); } }\n' > "$work/hello.cs"
mcs -nologo -out:"$work/hello.exe" "$work/hello.cs"
for exe in churn object_churn hello; do "$bin" compile "$work/$exe.exe" --out "$work/images" >/dev/null; done
# Every program runs mscorlib's IL (Console, Int32.ToString, GC, WeakReference): under
# --jit never each needs mscorlib's image.
"$bin" compile /usr/lib/mono/4.5/mscorlib.dll --out "$work/framework" >/dev/null
images() { # the image directories of program "$1"
  echo "--images $work/images --images $work/framework"
}

peak_rss() { # median peak RSS in KiB of 5 runs of "$@"
  for _ in 1 2 3 4 5; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 3p
}
for exe in churn object_churn hello; do
  echo "== $exe: peak RSS (KiB, median of 5)"
  echo "mono:                  $(peak_rss mono "$work/$exe.exe")"
  # shellcheck disable=SC2046 # images() gives separate words on purpose
  echo "ngen-build --jit never: $(peak_rss "$bin" run --jit never $(images $exe) "$work/$exe.exe")"
  hyperfine --warmup 1 --runs 9 --export-json "$work/$exe.json" \
    -n mono "mono $work/$exe.exe" \
    -n "ngen-build --jit never" "$bin run --jit never $(images $exe) $work/$exe.exe" >/dev/null
  python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("wall median %-24s %8.1f ms" % (r["command"] + ":", r["median"] * 1000))' "$work/$exe.json"
done
for exe in churn object_churn; do
  # shellcheck disable=SC2046
  NGEN_LOG=gc "$bin" run --jit never $(images $exe) "$work/$exe.exe" >/dev/null
done
