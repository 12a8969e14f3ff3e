# Shared by the benchmark scripts that time with hyperfine (sourced, not run): reading its JSON
# export back as table cells. Every function reads "$work/$name/times.json", the export of
# the current program's runs, whose commands are named by label ("ngen", "mono", ...).
median_ms() { # median_ms JSON NAME [FIELD]: hyperfine's median wall time of the command named
  # NAME in ms, or with FIELD=cpu its mean user + system CPU time (steadier on a shared machine)
  python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["results"]:
    if r["command"] == sys.argv[2]:
        t = r["user"] + r["system"] if sys.argv[3] == "cpu" else r["median"]
        print("%.1f" % (t * 1000))' "$1" "$2" "${3:-wall}"
}

cell() { # cell LABEL: "wall (CPU)" of LABEL for the current $name, or "not runnable yet"
  local wall cpu
  wall="$(median_ms "$work/$name/times.json" "$1")"
  cpu="$(median_ms "$work/$name/times.json" "$1" cpu)"
  if [[ -n "$wall" ]]; then echo "$wall ($cpu) ms"; else echo "not runnable yet"; fi
}

ratio() { # ratio FIELD: ngen's time over mono's
  local a b
  a="$(median_ms "$work/$name/times.json" ngen "$1")"
  b="$(median_ms "$work/$name/times.json" mono "$1")"
  if [[ -n "$a" ]]; then awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f×", a / b }'; else echo "–"; fi
}
