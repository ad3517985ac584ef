#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/lint-sh.sh - no reader that exits early after a pipe.
#
#   scripts/lint-sh.sh [FILE...]
#
# A reader that stops before the end of its input (head, grep -q/-m/-l/-L, awk ... exit,
# sed ...q) leaves its writer to die of SIGPIPE; under set -o pipefail the pipeline then fails
# at random (status 141). Read to the end instead, e.g. awk 'c && v == "" {v = $2} END {print v}',
# or take the writer's output whole first: out=$(cmd) && grep -q pat <<<"$out".
#
# Without FILE: every tracked shell script (*.sh, *.bash, files with a sh/bash shebang) and the
# Makefiles' recipes. Prints "file:line: reader exits early after a pipe ...: <line>" for each
# and exits 1 if any. Comments and here-documents fed to anything but a shell are not code.
# A line that truly needs it may say why: "# lint-sh: sigpipe-ok <reason>".
set -uo pipefail

me=lint-sh.sh
files=()
case ${1:-} in
-h | --help) sed -n '3,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
--) shift ;;
esac
if [ $# -gt 0 ]; then
	files=("$@")
else
	top=$(git rev-parse --show-toplevel) || { echo "$me: not in a git checkout: name the files" >&2; exit 2; }
	cd "$top" || exit 2
	while IFS= read -r -d '' f; do
		[ -f "$f" ] || continue
		case ${f##*/} in
		*.sh | *.bash | Makefile | GNUmakefile | *.mk) files+=("$f"); continue ;;
		*.*) continue ;;
		esac
		first=
		IFS= read -r first <"$f" || true
		if [[ $first =~ ^#![[:space:]]*[^[:space:]]*/(env[[:space:]]+)?(ba|da)?sh([[:space:]]|$) ||
			$first =~ ^#![[:space:]]*[^[:space:]]*/busybox[[:space:]]+sh([[:space:]]|$) ]]; then
			files+=("$f")
		fi
	done < <(git ls-files -z)
fi
[ ${#files[@]} -gt 0 ] || exit 0
for f in "${files[@]}"; do
	[ -r "$f" ] || { echo "$me: cannot read $f" >&2; exit 2; }
done

awk '
function reset_file() {
	sp = 1; st[1] = "N"; L = ""; LC = ""; np = 0; cont = 0; hn = 0; hb = 0; hi = 0
	fn = FILENAME
	make = (FILENAME ~ /(^|\/)(GNUmakefile|Makefile|[^\/]*\.mk)$/)
}
function emit(t, c,    k) {
	L = L t
	for (k = 1; k <= length(t); k++) LC = LC c
}
function push(c) { st[++sp] = c; pd[sp] = 0 }
function isword(c) { return c ~ /[A-Za-z0-9_]/ }
# cmdword(S): the command name of the last simple command in code S (for a here-document).
function cmdword(s,    w) {
	while (match(s, /[|;&(`]/)) s = substr(s, RSTART + 1)
	sub(/^[[:space:]]+/, "", s)
	while (match(s, /^([A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*|!|exec|command|env|time)[[:space:]]+/))
		s = substr(s, RLENGTH + 1)
	if (!match(s, /^[A-Za-z0-9_.\/+-]+/)) return ""
	w = substr(s, 1, RLENGTH)
	sub(/.*\//, "", w)
	return w
}
# heredoc(S, I): S has "<<" at I (not "<<<"): queue its delimiter, return the operator length.
function heredoc(s, i,    j, n, c, d, strip) {
	n = length(s); j = i + 2; strip = 0; d = ""
	if (substr(s, j, 1) == "-") { strip = 1; j++ }
	while (j <= n && substr(s, j, 1) ~ /[ \t]/) j++
	while (j <= n) {
		c = substr(s, j, 1)
		if (c ~ /[ \t;&|<>()]/) break
		if (c == "\047" || c == "\"") {
			j++
			while (j <= n && substr(s, j, 1) != c) d = d substr(s, j++, 1)
		} else if (c == "\\") {
			d = d substr(s, ++j, 1)
		} else d = d c
		j++
	}
	if (d != "") {
		hn++; hd[hn] = d; hs[hn] = strip
		hcode[hn] = (cmdword(L) ~ /^(ba|da)?sh$/)
	}
	return j - i
}
# scan(S): append the code of one physical line (comments removed) to L, its quoting to LC.
function scan(s,    i, n, c, nx, top, pv, k) {
	n = length(s); bs = 0; pv = ""
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1); nx = substr(s, i + 1, 1); top = st[sp]
		if (top == "S") { emit(c, "S"); if (c == "\047") sp--; pv = c; continue }
		if (top == "A") {
			emit(c, "S")
			if (c == "\\") { emit(nx, "S"); i++ } else if (c == "\047") sp--
			pv = c; continue
		}
		if (top == "D") {
			if (c == "\\") { if (i == n) { bs = 1; break } emit(c nx, "D"); i++; pv = nx; continue }
			if (c == "\"") sp--
			else if (c == "$" && nx == "(") { emit("$(", "D"); push("C"); i++; pv = "("; continue }
			else if (c == "`") push("B")
			emit(c, "D"); pv = c; continue
		}
		# unquoted: top level, $(...) or `...`
		if (c == "\\") { if (i == n) { bs = 1; break } emit(c nx, "N"); i++; pv = nx; continue }
		if (c == "#" && (pv == "" || pv ~ /[ \t;&|(<>]/)) break
		if (c == "\047") push("S")
		else if (c == "$" && nx == "\047") { emit("$\047", "N"); push("A"); i++; pv = nx; continue }
		else if (c == "\"") push("D")
		else if (c == "$" && nx == "(") { emit("$(", "N"); push("C"); i++; pv = "("; continue }
		else if (c == "`") { if (top == "B") sp--; else push("B") }
		else if (top == "C" && c == "(") pd[sp]++
		else if (top == "C" && c == ")") { if (pd[sp] == 0) sp--; else pd[sp]-- }
		else if (c == "<" && substr(s, i, 3) == "<<<") { emit("<<<", "N"); i += 2; pv = "<"; continue }
		else if (c == "<" && nx == "<") {
			k = heredoc(s, i); emit(substr(s, i, k), "N"); i += k - 1; pv = "x"; continue
		}
		emit(c, "N"); pv = c
	}
}
# segment(S, OC): the words of the command that starts S, up to its end (|, ;, &, ), `) or
# the end of the quoted string it sits in (OC: S or D) when it runs in a "sh -c" string.
function segment(s, oc,    i, n, c, iq) {
	n = length(s); iq = ""
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (oc == "D" && c == "\\") { i++; continue }
		if (oc == "D" && c == "\"") break
		if (oc == "S" && c == "\047") break
		if (iq == "S") { if (c == "\047") iq = ""; continue }
		if (iq == "D") { if (c == "\\") i++; else if (c == "\"") iq = ""; continue }
		if (c == "\\") { i++; continue }
		if (c == "\047") iq = "S"
		else if (c == "\"") iq = "D"
		else if (c ~ /[|;&)`]/) break
	}
	return substr(s, 1, i - 1)
}
function grep_stops(seg,    w, m, k, j, t, ch, skip) {
	m = split(seg, w, /[ \t]+/); skip = 0
	for (k = 1; k <= m; k++) {
		t = w[k]; gsub(/[\047"\\]/, "", t)
		if (skip) { skip = 0; continue }
		if (t == "--") return 0
		if (t ~ /^--(quiet|silent|max-count|files-with-matches|files-without-match)/) return 1
		if (t == "-e" || t == "-f") { skip = 1; continue }
		if (t !~ /^-[A-Za-z0-9]+$/) continue
		for (j = 2; j <= length(t); j++) {
			ch = substr(t, j, 1)
			if (ch ~ /[qlLm]/) return 1
			if (ch ~ /[efABCdD]/) break
		}
	}
	return 0
}
# wordat(S, W): the position of the first word W in S, 0 if none.
function wordat(s, w,    p, off) {
	off = 0
	while ((p = index(s, w)) > 0) {
		if ((p == 1 || !isword(substr(s, p - 1, 1))) && !isword(substr(s, p + length(w), 1)))
			return off + p
		s = substr(s, p + length(w)); off += p + length(w) - 1
	}
	return 0
}
function awk_stops(seg,    e, d) {
	if (wordat(seg, "nextfile")) return 1
	e = wordat(seg, "exit"); d = wordat(seg, "END")
	return e > 0 && (d == 0 || d > e)
}
function sed_stops(seg,    i, n, c, p, x) {
	n = length(seg)
	for (i = 1; i <= n; i++) {
		c = substr(seg, i, 1)
		if (c != "q" && c != "Q") continue
		p = i > 1 ? substr(seg, i - 1, 1) : " "
		x = i < n ? substr(seg, i + 1, 1) : " "
		if (p ~ /[0-9\/$;{} \t\047"]/ && x ~ /[;} \t\047"0-9]/) return 1
	}
	return 0
}
function lineof(pos,    k) {
	for (k = np; k > 1; k--) if (pos > lstart[k]) return k
	return 1
}
function ok_line(k) { return raw[k] ~ /#[[:space:]]*lint-sh:[[:space:]]*sigpipe-ok[[:space:]]+[^[:space:]]/ }
# check(): every pipe in the logical line L whose reader stops early.
function check(    p, n, c, j, s, w, cmd, oc, seg, bad, kr, kp, t) {
	n = length(L)
	for (p = 1; p <= n; p++) {
		if (substr(L, p, 1) != "|") continue
		if (substr(L, p + 1, 1) == "|" || (p > 1 && substr(L, p - 1, 1) ~ /[|\\]/)) continue
		j = p + 1
		if (substr(L, j, 1) == "&") j++
		s = substr(L, j)
		while (match(s, /^([[:space:]]+|[({][[:space:]]*|[A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*[[:space:]]+|(command|env|exec|time|nice)[[:space:]]+)/)) {
			j += RLENGTH; s = substr(s, RLENGTH + 1)
		}
		if (substr(s, 1, 1) == "\\") { j++; s = substr(s, 2) }
		if (!match(s, /^[A-Za-z0-9_.\/+-]+/)) continue
		cmd = substr(s, 1, RLENGTH); sub(/.*\//, "", cmd)
		t = substr(LC, p, 1); oc = (t == "S" || t == "D") ? t : "N"
		seg = segment(substr(s, RLENGTH + 1), oc)
		bad = 0
		if (cmd == "head") bad = 1
		else if (cmd ~ /^[efz]?grep$/) bad = grep_stops(seg)
		else if (cmd ~ /^[gmn]?awk$/) bad = awk_stops(seg)
		else if (cmd ~ /^g?sed$/) bad = sed_stops(seg)
		if (!bad) continue
		kr = lineof(j); kp = lineof(p)
		if (ok_line(kr) || ok_line(kp)) continue
		t = raw[kr]; sub(/^[[:space:]]+/, "", t)
		printf "%s:%d: reader exits early after a pipe (SIGPIPE under pipefail): %s\n", fn, lno[kr], t
		found = 1
	}
}
function flush() {
	if (np > 0) check()
	L = ""; LC = ""; np = 0
}
FNR == 1 {
	if (NR > 1) flush()
	reset_file()
}
{
	line = $0
	sub(/\r$/, "", line)
	if (hb) {	# in a here-document body
		t = line
		if (hs[hi]) sub(/^\t+/, "", t)
		if (t == hd[hi]) {
			if (hcode[hi]) { flush(); sp = 1 }
			if (++hi > hn) { hb = 0; hn = 0 }
			else if (hcode[hi]) { flush(); sp = 1 }
			next
		}
		if (!hcode[hi]) next
	}
	s = line
	if (make) {
		if (!cont) {
			sp = 1
			if (substr(s, 1, 1) == "\t") s = substr(s, 2)
			else if (match(s, /(^|[^\\])#/)) s = substr(s, 1, RSTART)
		} else sub(/^\t/, "", s)
	}
	np++; lstart[np] = length(L); lno[np] = FNR; raw[np] = line
	if (np > 1) emit(" ", "N")
	lstart[np] = length(L)
	scan(s)
	if (make) cont = (line ~ /\\$/)
	else {
		t = L; sub(/[[:space:]]+$/, "", t)
		cont = bs || sp > 1 || t ~ /(\||&&)$/
	}
	if (hn > 0 && !hb && !bs) {	# the bodies start on the next line
		hb = 1; hi = 1
		if (hcode[1]) { flush(); sp = 1; cont = 0 }
	}
	if (!cont && !hb) { flush(); if (make) sp = 1 }
	else if (!cont && hb && !hcode[hi]) { flush() }
}
END { flush(); exit found }
' "${files[@]}"
