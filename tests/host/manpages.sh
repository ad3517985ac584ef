#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: the man pages (make man: Debian's pandoc renders docs/*.md into build/man, with
# scripts/pandoc-man.lua) are well formed: a .TH line with name, section, date, version and
# manual; NAME (read by whatis), SYNOPSIS and SEE ALSO; not a single groff or man warning; no
# markdown left in them; nothing wider than an 80-column terminal, no option split at a hyphen;
# SEE ALSO names pages, never a file of the repository. They keep what matters (every verb and
# option of execban --help in execban(8), every policy keyword in execban.policy(5), every event
# field in execban-events(7)), are rebuilt when their source changes and installed gzipped.
# Each check is also shown failing on a broken page, and make man failing on a failed conversion.
set -u
cd "$(dirname "$0")/../.." || exit 1
EB=build/execban
MAN=build/man
pages=("$MAN/execban.8" "$MAN/execban.policy.5" "$MAN/execban-events.7")
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - man: $1"; pass=$((pass + 1)); else echo "not ok - man: $1"; fail=$((fail + 1)); fi; }
skip() { echo "ok - man: $1 # SKIP $2"; pass=$((pass + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in groff man lexgrog pandoc; do
	if ! command -v $tool >/dev/null; then
		echo "not ok - man: $tool is installed (make deps: groff-base, man-db, pandoc)"
		exit 1
	fi
done

# Warnings of both man-db (as a user's "man" runs it) and groff with every warning enabled.
warnings() { # PAGE: print every warning rendering PAGE gives
	# shellcheck disable=SC2069 # stderr to the pipe, stdout thrown away
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 "$1" 2>&1 >/dev/null
	groff -t -man -Tutf8 -ww -z "$1" 2>&1
}
# The page as plain text, a paragraph a line (no line breaks in what we grep for).
render() {
	groff -t -man -Tutf8 -rcR=1 -rLL=2000n -P-cbou "$1" 2>/dev/null | sed 's/[[:space:]]\+/ /g'
}
# The page as a user reads it on an 80-column terminal.
render80() {
	LC_ALL=C.UTF-8 MANWIDTH=80 MAN_KEEP_FORMATTING='' man -E UTF-8 -l "$1" 2>/dev/null
}
show() { sed 's/^/#   /' <<<"$1"; }
mentions() { # TEXTFILE WORD...: every WORD is in the text
	local w rc=0
	for w in "${@:2}"; do
		grep -qF -- "$w" "$1" || { echo "#   missing: $w"; rc=1; }
	done
	return $rc
}

# ---- the checks every page passes (PAGE is NAME.SECTION) ----
no_warnings() { # PAGE
	local w
	w=$(warnings "$1")
	[ -z "$w" ] || { show "$w"; return 1; }
}
th_line() { # PAGE: .TH "NAME" "SECTION" "YYYY-MM-DD" "execban VERSION" "<manual>", NAME in capitals
	local f=${1##*/} th name
	th=$(grep '^\.TH ' "$1")
	name=${f%.*} && name=${name^^} && name=${name//./\\.}
	grep -qxE "\\.TH \"$name\" \"${f##*.}\" \"[0-9]{4}-[0-9]{2}-[0-9]{2}\" \"execban [^\"]+\" \"[^\"]+ Manual\"" \
		<<<"$th" || { show "$th"; return 1; }
}
sections() { # PAGE: NAME, then SYNOPSIS (not in section 7), DESCRIPTION, SEE ALSO
	local f=${1##*/} want=(NAME SYNOPSIS DESCRIPTION "SEE ALSO") got
	[ "${f##*.}" != 7 ] || want=(NAME DESCRIPTION "SEE ALSO")
	got=$(sed -n 's/^\.SH "*\([^"]*\)"*$/\1/p' "$1")
	[ "$(head -n 1 <<<"$got")" = NAME ] || { show "first section: $(head -n 1 <<<"$got")"; return 1; }
	local s rc=0
	for s in "${want[@]}"; do grep -qx "$s" <<<"$got" || { show "no $s section"; rc=1; }; done
	return $rc
}
whatis() { # PAGE: lexgrog reads "name - description" for the page's own name
	local f=${1##*/} l
	l=$(lexgrog "$1" 2>&1)
	grep -qF "\"${f%.*} - " <<<"$l" || { show "$l"; return 1; }
}
no_markdown() { # PAGE: nothing in the rendered text still reads as markdown or raw tbl/roff
	local m
	m=$(render "$1" | grep -nE '```|\*\*|\]\(|^ ?#{2,6} |^ ?\|.*\| ?$|\|:?-{3,}|T\{|T\}|\\f|\\\(')
	[ -z "$m" ] || { show "$m"; return 1; }
}
fits_80() { # PAGE: no line wider than an 80-column terminal
	local w
	w=$(render80 "$1" | LC_ALL=C.UTF-8 grep -nE '^.{81,}')
	[ -z "$w" ] || { show "$w"; return 1; }
}
ascii_tbl() { # PAGE: ASCII roff; a tbl preprocessor line first exactly when it has a table
	local first=no tbl=no
	! LC_ALL=C grep -n '[^[:print:][:space:]]' "$1" || return 1
	[ "$(head -n 1 "$1")" != "'\\\" t" ] || first=yes
	! grep -q '^\.TS' "$1" || tbl=yes
	[ $first = $tbl ] || { show "tbl line first: $first; a table: $tbl"; return 1; }
}
see_also() { # PAGE: SEE ALSO is a list of name(section), no file or path
	local l e rc=0
	l=$(render "$1" | sed -n '/^SEE ALSO$/,$p' | sed -n '2p')
	[ -n "$l" ] || { show "SEE ALSO is empty"; return 1; }
	while IFS= read -r e; do
		grep -qxE '[a-z0-9_][a-z0-9_.+-]*\([1-9][a-z]*\)' <<<"$e" || { show "not a page: '$e'"; rc=1; }
	done < <(sed 's/^ *//; s/ *$//; s/\.$//; s/ *, */\n/g' <<<"$l")
	return $rc
}
checks=(no_warnings th_line sections whatis no_markdown fits_80 ascii_tbl see_also)
declare -A what=([no_warnings]="renders without warnings (man --warnings, groff -ww)"
	[th_line]="has its .TH line (name, section, date, version, manual)"
	[sections]="has NAME first, SYNOPSIS, DESCRIPTION and SEE ALSO"
	[whatis]="has a NAME line whatis reads" [no_markdown]="has no markdown left in it"
	[fits_80]="fits an 80-column terminal" [ascii_tbl]="is ASCII roff, with a tbl line if it has a table"
	[see_also]="names only pages in SEE ALSO (no repository file)")

# ---- build ----
out=$(make --no-print-directory man 2>&1)
rc=$?
t "make man builds the pages" test $rc = 0 -a -s "${pages[0]}" -a -s "${pages[1]}" -a -s "${pages[2]}"
[ $rc = 0 ] || { show "$out"; echo "# man: $pass passed, $fail failed"; exit 1; }
t "pandoc prints no warning on docs/*.md" bash -c '! grep -iE "(warning|error)" <<<"$1"' - "$out"
for p in "${pages[@]}"; do
	for c in "${checks[@]}"; do
		t "$p ${what[$c]}" "$c" "$p"
	done
	render "$p" >"$tmp/$(basename "$p").txt"
	render80 "$p" >"$tmp/$(basename "$p").80"
done
txt8=$tmp/execban.8.txt txt5=$tmp/execban.policy.5.txt txt7=$tmp/execban-events.7.txt

# ---- content ----
if [ -x $EB ]; then
	verbs=$($EB --help | awk '/^  [a-z]+  /{print $1}')
	t "execban --help lists verbs" test -n "$verbs"
	syn=()
	opts=()
	for v in $verbs; do
		syn+=("execban $v")
		mapfile -t -O ${#opts[@]} opts < <($EB "$v" --help 2>&1 | grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u)
	done
	sed -n '/^SYNOPSIS$/,/^DESCRIPTION$/p' "$txt8" >"$tmp/synopsis8"
	t "execban(8)'s SYNOPSIS has every verb execban --help lists" mentions "$tmp/synopsis8" "${syn[@]}"
	t "execban(8) mentions every option of every verb's --help" mentions "$txt8" "${opts[@]}"
	t "execban(8) on 80 columns: no option split at a hyphen" mentions "$tmp/execban.8.80" "${opts[@]}"
else
	skip "execban(8) has every verb of execban --help" "no $EB (make cli)"
fi
t "execban(8) has its sections" mentions "$txt8" NAME "execban - enforce" SYNOPSIS DESCRIPTION \
	"EXIT STATUS" FILES "SEE ALSO" "execban.policy(5)" /etc/execban/execban.policy
sed -n '/^SEE ALSO$/,$p' "$txt8" >"$tmp/seealso8"
t "execban(8)'s SEE ALSO names the other pages" mentions "$tmp/seealso8" \
	"execban.policy(5)" "execban-events(7)" "bpftool(8)"
hanging() { # SYNOPSIS-TEXT: "execban VERB ..." at the indent, continued further in, nothing else
	grep -q '^       execban load \[' "$1" && grep -qE '^ {9,}\[--' "$1" &&
		! grep -vE '^(       execban ([a-z]+( |$)|--version$|\[VERB\] --help$)| {9,}\[|$|SYNOPSIS|DESCRIPTION|       Every)' "$1"
}
sed -n '/^SYNOPSIS$/,/^$/p' "$tmp/execban.8.80" >"$tmp/synopsis8.80"
t "execban(8)'s SYNOPSIS: a synopsis a verb, wrapped with a hanging indent" hanging "$tmp/synopsis8.80"
t "execban.policy(5) names every keyword" mentions "$txt5" "execban.policy - " signer-skid= \
	sha256= size= label= reason= signer= signer-issuer-serial= signer-cert-sha256= ima-keyid= \
	include interpreter "mode enforce" "mode audit" version "deny|audit"
t "execban.policy(5) keeps the policy escapes \\\" and \\\\" mentions "$txt5" '\" and \\ are'
# every field of the table in docs/events.md, rendered by tbl (no raw T{ or | left)
mapfile -t fields < <(sed -n 's/^| *\(`[^|]*\) |.*/\1/p' docs/events.md | grep -o '`[^`]*`' | tr -d '`')
t "docs/events.md has a field table" test ${#fields[@]} -gt 20
t "execban-events(7) has every event field" mentions "$txt7" "execban-events - " "${fields[@]}"
t "execban-events(7)'s table fills the line (the meaning column is the wide one)" bash -c \
	"grep -qE '^       schema {10,25}1\$' '$tmp/execban-events.7.80'"

# ---- each check fails on a broken page ----
fails() { ! "$@" >/dev/null; }
broken() { # CHECK SED-SCRIPT: CHECK fails on execban.8 edited by SED-SCRIPT
	mkdir -p "$tmp/bad" && sed "$2" "${pages[0]}" >"$tmp/bad/execban.8" && fails "$1" "$tmp/bad/execban.8"
}
t "no_warnings fails on a page calling an undefined macro" broken no_warnings '/^\.SH DESCRIPTION/a .nosuchmacro'
t "th_line fails on a page with no date" broken th_line 's/^\(\.TH "[^"]*" "8"\) "[^"]*"/\1 ""/'
t "th_line fails on a page with the wrong section" broken th_line 's/^\(\.TH "[^"]*"\) "8"/\1 "1"/'
t "th_line fails on a page with a lower-case title" broken th_line 's/^\.TH "EXECBAN"/.TH "execban"/'
t "sections fails on a page without NAME" broken sections 's/^\.SH NAME$/.SH NOM/'
t "sections fails on a page without SEE ALSO" broken sections 's/^\.SH "*SEE ALSO"*$/.SH ALSO/'
t "whatis fails on a NAME line without ' - '" broken whatis '/^\.SH NAME$/,/^\.SH SYN/s/ - / /'
t "no_markdown fails on a page with **bold** left" broken no_markdown '/^\.SH DESCRIPTION/a **load** loads'
t "no_markdown fails on a page with a fence left" broken no_markdown '/^\.SH DESCRIPTION/a ```'
t "fits_80 fails on a page with a code line of 90 columns" broken fits_80 \
	"/^\\.SH DESCRIPTION/a .nf\\n$(printf 'x%.0s' $(seq 90))\\n.fi"
t "ascii_tbl fails on a page with a raw UTF-8 character" broken ascii_tbl '/^\.SH DESCRIPTION/a caf\xc3\xa9'
t "see_also fails on a page naming README.md" broken see_also '$a , README.md'
t "see_also fails on a page naming docs/lock-mode.md" broken see_also '$a , docs/lock-mode.md'
# what pandoc makes of docs/events.md's table without the gfm reader: raw pipes
pandoc --from=commonmark --to=man --standalone docs/events.md -o "$tmp/bad/execban-events.7"
t "no_markdown fails on a table pandoc did not convert" fails no_markdown "$tmp/bad/execban-events.7"

# ---- make man: a failed conversion leaves no page; no pandoc says what to do ----
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "[WARNING] pandoc says no" >&2\nexit 3\n' >"$tmp/bin/pandoc"
chmod +x "$tmp/bin/pandoc"
out=$(PATH="$tmp/bin:$PATH" make --no-print-directory OUT="$tmp/o" man 2>&1)
t "make man fails when pandoc fails" test $? != 0
t "a failed conversion leaves no page behind" test -z "$(ls -A "$tmp/o/man" 2>/dev/null)"
rm "$tmp/bin/pandoc"
out=$(PATH="$tmp/bin:/nonexistent" /usr/bin/make --no-print-directory OUT="$tmp/o" man 2>&1)
t "make man without pandoc fails, saying make deps installs it" bash -c \
	"grep -q 'no pandoc (make deps installs it)' <<<\"\$1\"" - "$out"

# ---- rebuilt when the source changes: a page older than its markdown is out of date ----
touch -d '2000-01-01' $MAN/execban.policy.5
t "make man rebuilds a page older than its docs/*.md" bash -c \
	"! make -q man && make --no-print-directory man >/dev/null && make -q man"
touch -d '2000-01-01' $MAN/execban.8
t "SOURCE_DATE_EPOCH sets the date" bash -c \
	"SOURCE_DATE_EPOCH=86400 make --no-print-directory man >/dev/null &&
	 grep -q '^\\.TH \"EXECBAN\" \"8\" \"1970-01-02\"' $MAN/execban.8"
touch -d '2000-01-01' $MAN/execban.8
make --no-print-directory man >/dev/null

# ---- install: gzipped pages under \$(DESTDIR)/usr/share/man/manN ----
if [ -x $EB ] && [ -f build/execban.bpf.o ]; then
	out=$(make --no-print-directory -o cli install DESTDIR="$tmp/inst" 2>&1)
	t "make install DESTDIR= succeeds" test $? = 0
	for p in man8/execban.8.gz man5/execban.policy.5.gz man7/execban-events.7.gz; do
		f=$tmp/inst/usr/share/man/$p
		t "make install puts $p there, gzip -9n, mode 0644" bash -c \
			"gzip -t '$f' && [ \$(stat -c %a '$f') = 644 ] &&
			 cmp -s <(gzip -dc '$f') $MAN/$(basename "$p" .gz)"
	done
	t "man finds execban(8) in the install tree" bash -c \
		"grep -q man8/execban.8.gz <<<\"\$(MANPATH='$tmp/inst/usr/share/man' man -w 8 execban)\""
	t "man finds execban-events(7), named in SEE ALSO, in the install tree" bash -c \
		"grep -q man7/execban-events.7.gz <<<\"\$(MANPATH='$tmp/inst/usr/share/man' man -w execban-events)\""
else
	skip "make install DESTDIR=" "no $EB or build/execban.bpf.o (make cli)"
fi

echo "# man: $pass passed, $fail failed"
[ $fail = 0 ]
