#!/usr/bin/env bash
# Framework coverage (docs/BENCHMARKS.md, "Framework coverage"): for mscorlib, System,
# System.Core and System.Xml from /usr/lib/mono/4.5, side by side and one after another:
#   - `ngen-build compile`: methods compiled out of the MethodDefs with an IL body, from each
#     image's report (<Name>.ni.report.json);
#   - `mono --aot=stats` (into a temp dir, never over the GAC): mono's `Compiled: N/M`;
#   - wall time and peak RSS of both (/usr/bin/time -v);
# then a ranked table of the reasons methods were not compiled, normalised (type, field and
# member names, tokens and IL offsets stripped) so that reasons group: the work list for
# issues 7, 8; and one of the reasons generic instances the images hold failed.
#
# The unit. Mono's `Compiled: N` counts the methods it compiled, generic ones once as shared
# code (`Instance` in its method stats); it equals the assembly's MethodDefs with an IL body
# (it does for Mono 6.8's four; the script checks). Ours is the same unit: a MethodDef with
# an IL body counts when the image holds its code, and a generic one (it or its type has
# generic parameters; the report's `generic` flag) when the image holds at least one compiled
# instance of it (the report's `instances`, full specialisation) or its canonical shared code
# (the report's `shared`: one body per canonical form, as mono's
# `__Canon` sharing). P/Invoke stubs (the report's `pinvoke`; no IL body) are not counted,
# as mono compiles those wrappers apart. Instances of other assemblies' generics an image
# holds (`List<Uri>` in System's) count for the table's instance column only (a line after
# the table says what they would add, and the reasons rank them apart). The ratio is
# issue 8's target (>= 95% of what mono --aot compiles).
#
# Usage: tests/bench/bench-coverage.sh [ASSEMBLY...]      (default: the four above)
# Env:   NGEN_BUILD=path (default: the newer of target/release/ngen-build and
#        target/debug/ngen-build, the latter built with `cargo build --bins` when missing; the
#        counts do not depend on the profile, the walls do), SKIP_MONO=1 (ours only: mono's counts are
#        then the recorded ones), KEEP=1 (keep the work dir).
# Needs: mono, python3, /usr/bin/time (apt-get install time).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
# The newer of the release and debug binaries, so a stale release build is never measured.
BIN=${NGEN_BUILD:-$ROOT/target/debug/ngen-build}
if [ -z "${NGEN_BUILD:-}" ] && [ "$ROOT/target/release/ngen-build" -nt "$BIN" ]; then
  BIN=$ROOT/target/release/ngen-build
fi
FW=/usr/lib/mono/4.5
ASSEMBLIES=("$@")
[ ${#ASSEMBLIES[@]} -gt 0 ] || ASSEMBLIES=(mscorlib System System.Core System.Xml)
if [ ! -x "$BIN" ]; then
  cargo build --bins >&2
fi
for tool in mono python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/ngen-coverage.XXXXXX)
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
echo "work dir: $WORK" >&2

for asm in "${ASSEMBLIES[@]}"; do
  [ -f "$FW/$asm.dll" ] || { echo "no $FW/$asm.dll" >&2; exit 1; }
  mkdir -p "$WORK/ngen/$asm" "$WORK/aot/$asm"
  echo "ngen-build compile $asm ..." >&2
  /usr/bin/time -v "$BIN" compile "$FW/$asm.dll" --out "$WORK/ngen/$asm" \
    > "$WORK/ngen/$asm/log" 2> "$WORK/ngen/$asm/time" || echo "  (failed: $WORK/ngen/$asm/time)" >&2
  if [ "${SKIP_MONO:-}" != 1 ]; then
    echo "mono --aot=stats $asm ..." >&2
    # mono compiles framework assemblies only where they are (it refuses a copy of mscorlib);
    # the output file and the temporary assembler files go to the work dir.
    ( cd "$WORK/aot/$asm" && TMPDIR="$WORK/aot/$asm" /usr/bin/time -v \
        mono --aot=outfile="$WORK/aot/$asm/$asm.dll.so",temp-path="$WORK/aot/$asm",stats \
        "$FW/$asm.dll" > log 2> time ) || echo "  (failed: $WORK/aot/$asm/log)" >&2
  fi
done

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
case "$BIN" in */debug/*) PROFILE=" (debug build)" ;; *) PROFILE="" ;; esac
python3 - "$WORK" "$LOAD" "$("$BIN" -V)$PROFILE" "${ASSEMBLIES[@]}" <<'PY'
import collections, json, re, sys

work, load, version, assemblies = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def time_v(path):
    """(wall seconds, peak RSS MB) from /usr/bin/time -v, or (None, None)."""
    try:
        text = open(path).read()
    except OSError:
        return None, None
    wall = rss = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock)"):
            parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
            wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
        elif line.startswith("Maximum resident set size"):
            rss = int(line.rsplit(" ", 1)[1]) / 1024
    return wall, rss

# Mono 6.8's `Compiled: N` and `Instance:` on this machine (docs/BENCHMARKS.md section 12),
# used when mono is not run.
MONO_68 = {"mscorlib": (24395, 2743), "System": (15637, 720), "System.Core": (6492, 2401),
           "System.Xml": (16604, 191)}

def mono_stats(path):
    """mono --aot=stats: (methods compiled, of which generic instances), or (None, None)."""
    try:
        text = open(path).read()
    except OSError:
        return None, None
    compiled = re.search(r"^Compiled: (\d+)/(\d+)", text, re.M)
    instances = re.search(r"^\s*Instance:\s+(\d+)", text, re.M)
    return (int(compiled.group(1)) if compiled else None,
            int(instances.group(1)) if instances else None)

TYPE = r"[A-Z_$][\w$]*(?:[.`/+][\w$`.!<>,\[\]/+]*)+"
RULES = [
    (r" at IL_[0-9a-fA-F]+", ""),
    (r" ?\(token 0x[0-9a-fA-F]+\)", ""),
    (r"^(callee: )?(static )?field [^ :]+ of ", r"\1\2field of "),
    (r"^(callee: )?(static )?field [^ :]+: ", r"\1\2field: "),
    (r"^thread-static field \S+", "thread-static field"),
    (r"cast to !!?\d+", "cast to a generic parameter type"),
    (r"'[^']*\[,+\]\.\.ctor'", "<T>[,]..ctor (multi-dimensional array constructor)"),
    (r"\S+::\S+", "<method>"),
    (r"the generic type instance", "a generic type instance"),
    (TYPE, "<type>"),
    (r"(generic (?:value )?type(?: instance)?) <type>$", r"\1"),
    (r"'[^']*'", "<name>"),
    (r"\b0x[0-9a-fA-F]+\b", "<n>"),
    (r"\b\d+\b", "<n>"),
]

def normalise(reason):
    for pattern, repl in RULES:
        reason = re.sub(pattern, repl, reason)
    return reason.strip()

def fmt_wall(s):
    return "n/a" if s is None else f"{int(s // 60)}:{s % 60:04.1f}"

def fmt_mb(m):
    return "n/a" if m is None else f"{m:.0f}"

def n(x):
    return "n/a" if x is None else f"{x:,}"

def pct(part, whole):
    return f"{100 * part / whole:.1f}%" if part is not None and whole else "n/a"

def tokens(entries):
    return {int(e["token"], 16) for e in entries}

# Compiled instances in any measured image, by (defining assembly, token): the generics an
# assembly's own image lacks but another's holds (mscorlib's `List<Uri>` in System's).
anywhere = set()
for asm in assemblies:
    try:
        held = json.load(open(f"{work}/ngen/{asm}/{asm}.ni.report.json")).get("instances", [])
    except (OSError, ValueError):
        held = []
    anywhere.update((i["assembly"].lower(), int(i["token"], 16)) for i in held if "code_size" in i)
elsewhere = {}

rows, notes = [], []
reasons = collections.defaultdict(collections.Counter)
instance_reasons = collections.defaultdict(collections.Counter)
sums = collections.Counter()
recorded = False
for asm in assemblies:
    try:
        report = json.load(open(f"{work}/ngen/{asm}/{asm}.ni.report.json"))
    except (OSError, ValueError):
        report = {"compiled": [], "excluded": []}
    compiled, excluded = report["compiled"], report["excluded"]
    instances = report.get("instances", [])
    total = len(compiled) + len(excluded)
    pinvoke = sum(1 for m in compiled if m.get("pinvoke"))
    no_body = [e for e in excluded if e["reason"].startswith("no IL body")]
    bodies = total - len(no_body) - pinvoke
    # A generic MethodDef is compiled, as for mono's shared code, when this image holds at
    # least one compiled instance of it; one whose instances all failed shows their reason.
    own = [i for i in instances if i["assembly"].lower() == asm.lower()]
    own_ok = tokens(i for i in own if "code_size" in i)
    # One entry per (MethodDef, canonical form): the column counts MethodDefs.
    shared = report.get("shared", [])
    shared_ok = tokens(s for s in shared if "code_size" in s)
    shared_failed = {int(s["token"], 16): s["reason"] for s in shared if "code_size" not in s}
    failed = {}
    for i in own:
        if "code_size" not in i:
            failed.setdefault(int(i["token"], 16), i["reason"])
    by_instance = 0
    by_shared_only = 0
    for e in excluded:
        token = int(e["token"], 16)
        if e["reason"].startswith("no IL body"):
            reason = e["reason"]
        elif e.get("generic") and (token in own_ok or token in shared_ok):
            by_instance += 1
            if token not in own_ok:
                by_shared_only += 1
            continue
        elif e.get("generic") and (asm.lower(), token) in anywhere:
            elsewhere[asm] = elsewhere.get(asm, 0) + 1
            reason = "generic, instances only in another image measured"
        elif e.get("generic") and token in failed:
            reason = "generic, every instance failed: " + normalise(failed[token])
        elif e.get("generic") and token in shared_failed:
            reason = "generic, no instance, shared code refused: " + normalise(shared_failed[token])
        elif e.get("generic"):
            reason = "generic, no instance in the image"
        else:
            reason = e["reason"]
        reasons[normalise(reason)][asm] += 1
    for i in instances:
        if "code_size" not in i:
            instance_reasons[normalise(i["reason"])][asm] += 1
    ours = len(compiled) - pinvoke + by_instance
    held_ok = sum(1 for i in instances if "code_size" in i)
    mono, generic_shared = mono_stats(f"{work}/aot/{asm}/log")
    if mono is None and asm in MONO_68:
        (mono, generic_shared), recorded = MONO_68[asm], True
    elif mono is not None and mono != bodies:
        notes.append(f"{asm}: mono compiled {mono:,}, not the {bodies:,} MethodDefs with an IL body")
    to_95 = None if mono is None else max(0, -(-95 * mono // 100) - ours)
    ow, orss = time_v(f"{work}/ngen/{asm}/time")
    mw, mrss = time_v(f"{work}/aot/{asm}/time")
    sums.update(ours=ours, bodies=bodies, by_instance=by_instance, mono=mono or 0,
                by_shared_only=by_shared_only, shared_ok=len(shared_ok),
                generic_shared=generic_shared or 0, held=len(instances), held_ok=held_ok,
                to_95=to_95 or 0, ours_wall=ow or 0, mono_wall=mw or 0)
    rows.append(f"| {asm} | {n(mono)} ({n(generic_shared)}) | {ours:,} of {bodies:,} "
                f"({pct(ours, bodies)}) | {by_instance:,} ({by_shared_only:,}) "
                f"| {len(shared_ok):,} of {len(tokens(shared)):,} | {held_ok:,} of {len(instances):,} "
                f"| {pct(ours, mono)} | {n(to_95)} | {fmt_wall(ow)} | {fmt_mb(orss)} "
                f"| {fmt_wall(mw)} | {fmt_mb(mrss)} |")

print(f"Framework coverage ({version}; load average before the table: {load})\n")
print("| assembly | mono --aot compiled (of which generic, shared) "
      "| ngen-build compiled, of MethodDefs with an IL body "
      "| of which generic, by an instance or shared code (by shared code only) "
      "| generic MethodDefs with shared code, of those tried | generic instances compiled, of those the image holds | ours / mono's "
      "| methods short of 95% of mono's | ngen-build wall | ngen-build peak RSS MB "
      "| mono --aot wall | mono --aot peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for row in rows:
    print(row)
if len(assemblies) > 1:
    print(f"| **total** | {sums['mono']:,} ({sums['generic_shared']:,}) "
          f"| {sums['ours']:,} of {sums['bodies']:,} ({pct(sums['ours'], sums['bodies'])}) "
          f"| {sums['by_instance']:,} ({sums['by_shared_only']:,}) | {sums['shared_ok']:,} "
          f"| {sums['held_ok']:,} of {sums['held']:,} "
          f"| {pct(sums['ours'], sums['mono'])} | {sums['to_95']:,} "
          f"| {fmt_wall(sums['ours_wall'])} | | {fmt_wall(sums['mono_wall'])} | |")
if elsewhere:
    print("\nCounting a generic MethodDef compiled when any image measured holds a compiled "
          "instance of it: " + "; ".join(
              f"{a} +{k:,}" for a, k in elsewhere.items()) + ".")
if recorded:
    print("\nmono was not run (SKIP_MONO=1): its counts are the ones recorded for Mono 6.8 on "
          "this machine, which equal each assembly's MethodDefs with an IL body.")
if notes:
    print("\n" + "\n".join(notes))
elif any(mono_stats(f"{work}/aot/{a}/log")[0] for a in assemblies):
    print("\nmono's count equals each assembly's MethodDefs with an IL body: it compiles them all "
          "(generic ones once, as shared code).")

def ranked_table(title, table, limit):
    print(f"\n{title}\n")
    if not table:
        print("(none)")
        return
    print("| # | reason | " + " | ".join(assemblies) + " | total |")
    print("|---:|---|" + "---:|" * (len(assemblies) + 1))
    ranked = sorted(table.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    for i, (reason, per) in enumerate(ranked[:limit], 1):
        cells = " | ".join(f"{per[a]:,}" for a in assemblies)
        print(f"| {i} | {reason.replace('|', '/')} | {cells} | {sum(per.values()):,} |")
    rest = ranked[limit:]
    if rest:
        cells = " | ".join(f"{sum(per[a] for _, per in rest):,}" for a in assemblies)
        total = sum(sum(per.values()) for _, per in rest)
        print(f"| | {len(rest)} other reasons | {cells} | {total:,} |")

ranked_table("MethodDefs not compiled, by reason (normalised), most methods first:", reasons, 30)
excluded = sum(sum(per.values()) for per in reasons.values())
generic = sum(sum(per.values()) for r, per in reasons.items() if r.startswith("generic, "))
body = sum(sum(per.values()) for r, per in reasons.items() if r.startswith("no IL body"))
print(f"\nOf {excluded:,} MethodDefs not compiled, {generic:,} ({pct(generic, excluded)}) are "
      f"generic without a compiled instance and {body:,} ({pct(body, excluded)}) have no IL body; "
      f"{excluded - generic - body:,} ({pct(excluded - generic - body, excluded)}) are for "
      f"other reasons.")
ranked_table("Generic instances the images hold but left to the JIT, by reason:",
             instance_reasons, 15)
PY
