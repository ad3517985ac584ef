#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bench/chart.sh RESULTS.json OUT.svg: the scaling figures of a `make bench` run (per-exec
# overhead against the ban list's size, execban and fapolicyd) as an SVG chart, with gnuplot;
# and beside it, OUT-load.svg: load time (fresh, one rule added) and kernel memory against the
# ban list's size.
set -euo pipefail
in=$1 out=$2
dat=$(mktemp)
trap 'rm -f "$dat" "$dat.load"' EXIT
python3 - "$in" >"$dat" <<'PY'
import json, sys
figs = {f["name"]: f for f in json.load(open(sys.argv[1]))}
sizes = sorted({int(n.rsplit(".", 1)[1]) for n in figs if n.startswith("scale.baseline.")})
FLOOR = 0.01    # ms: where overheads not distinguishable from none are drawn
for n in sizes:
    # columns: n, execban (significant), execban (p >= 0.05: drawn at FLOOR), fapolicyd, in ms
    e = figs.get("scale.execban.%d" % n)
    f = figs.get("scale.fapolicyd.%d" % n)
    sig = e and e.get("p_value", 1) < 0.05 and e["overhead"] > 0
    print(n, "%.4f" % (e["overhead"] / 1000) if sig else "NaN",
          "%.4f" % FLOOR if e and not sig else "NaN",
          "%.4f" % (f["overhead"] / 1000) if f else "NaN")
PY
# The loads: n, fresh load (s), one rule added (s), kernel memory of one copy (MiB), unchanged
# reload (s). CPU time (user + system): the wall time also holds the guest clock's idle jumps
# (a process start waits on 9p for each library it opens), which are no work of execban's.
python3 - "$in" >"$dat.load" <<'PY'
import json, sys
figs = {f["name"]: f for f in json.load(open(sys.argv[1]))}
sizes = sorted({int(n.rsplit(".", 1)[1]) for n in figs if n.startswith("scale.load_fresh.")})
for n in sizes:
    g = lambda k: "%.4f" % figs[k]["median"] if k in figs else "NaN"
    print(n, g("scale.load_fresh_cpu.%d" % n), g("scale.load_add1_cpu.%d" % n),
          g("scale.kmem.%d" % n), g("scale.load_unchanged_cpu.%d" % n))
PY
if [ -s "$dat.load" ]; then
	gnuplot <<G
set terminal svg size 720,420 dynamic font "sans,12"
set output "${out%.svg}-load.svg"
set title "Loading the ban list vs. its size (TCG guest under icount, one boot)"
set logscale xy
set xlabel "rules in the policy"
set ylabel "execban load, CPU time (s)"
set y2label "kernel memory, one copy (MiB)"
set logscale y2
set ytics nomirror
set y2tics
set format x "10^{%T}"
set xrange [5:2e6]
set grid
set key left top box opaque
plot "$dat.load" using 1:2 with linespoints lw 2 pt 7 lc rgb "#9400d3" title "load, fresh", \\
     "$dat.load" using 1:3 with linespoints lw 2 pt 5 lc rgb "#d08000" title "load, one rule added", \\
     "$dat.load" using 1:5 with linespoints lw 2 pt 13 lc rgb "#4060c0" title "load, files unchanged", \\
     "$dat.load" using 1:4 axes x1y2 with linespoints lw 2 pt 9 lc rgb "#008060" title "kernel memory (right)"
G
	echo "chart.sh: wrote ${out%.svg}-load.svg"
fi
# A run that skipped the scaling figures (BENCH_SKIP=scaling) has no chart to draw: not an error.
[ -s "$dat" ] || { echo "chart.sh: no scaling figures in $in (BENCH_SKIP has scaling?): no chart drawn" >&2; exit 0; }
gnuplot <<G
set terminal svg size 720,420 dynamic font "sans,12"
set output "$out"
set title "Per-exec overhead vs. ban list size (TCG guest, one boot)"
set logscale xy
set xlabel "hash rules in the policy"
set ylabel "overhead per fork+exec+wait (ms)"
set format x "10^{%T}"
set yrange [0.005:*]
set key at graph 0.98, graph 0.42 right top Left reverse box opaque
set xrange [5:2e6]
set grid
plot "$dat" using 1:4 with linespoints lw 2 pt 5 lc rgb "#008060" title "fapolicyd 1.1.7", \\
     "$dat" using 1:2 with points pt 7 ps 1.5 lc rgb "#9400d3" title "execban (cached path)", \\
     "$dat" using 1:3 with points pt 6 ps 1.5 lc rgb "#9400d3" \\
	title "execban: no measurable overhead (MWU p >= 0.05)"
G
echo "chart.sh: wrote $out"
