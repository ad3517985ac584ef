#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench/chart.sh RESULTS.json OUT.svg: the scaling figures of a `make bench` run (per-exec
# overhead against the ban list's size, execban and fapolicyd) as an SVG chart, with gnuplot.
set -euo pipefail
in=$1 out=$2
dat=$(mktemp)
trap 'rm -f "$dat"' EXIT
python3 - "$in" >"$dat" <<'PY'
import json, sys
figs = {f["name"]: f for f in json.load(open(sys.argv[1]))}
sizes = sorted({int(n.rsplit(".", 1)[1]) for n in figs if n.startswith("scale.baseline.")})
for n in sizes:
    row = [str(n)]
    for tool in ("execban", "fapolicyd"):
        f = figs.get("scale.%s.%d" % (tool, n))
        # overhead in ms; never below 0.001 ms on a log axis (noise around zero)
        row.append("%.4f" % max(f["overhead"] / 1000.0, 0.001) if f else "NaN")
    print(" ".join(row))
PY
[ -s "$dat" ] || { echo "chart.sh: no scaling figures in $in" >&2; exit 1; }
gnuplot <<G
set terminal svg size 720,420 dynamic font "sans,12"
set output "$out"
set title "Per-exec overhead vs. ban list size (TCG guest, one boot)"
set logscale xy
set xlabel "hash rules in the policy"
set ylabel "overhead per fork+exec+wait (ms)"
set format x "10^{%T}"
set key top left
set grid
plot "$dat" using 1:2 with linespoints lw 2 pt 7 title "execban (cached path)", \
     "$dat" using 1:3 with linespoints lw 2 pt 5 title "fapolicyd 1.1.7"
G
echo "chart.sh: wrote $out"
