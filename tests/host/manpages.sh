#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: the man pages (make man: scripts/md2man renders docs/*.md into build/man) render
# without a single groff or man warning, keep what matters (every verb and option of
# execban --help in execban(8), every policy keyword in execban.policy(5), every event field in
# execban-events(7), a NAME line whatis can read), are rebuilt when their source changes and
# are installed gzipped; md2man refuses markdown it cannot render, with FILE:LINE.
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

for tool in groff man lexgrog; do
	if ! command -v $tool >/dev/null; then
		echo "not ok - man: $tool is installed (make deps: groff-base, man-db)"
		exit 1
	fi
done

# Warnings of both man-db (as a user's "man" runs it) and groff with every warning enabled.
warnings() { # PAGE: print every warning rendering PAGE gives
	# shellcheck disable=SC2069 # stderr to the pipe, stdout thrown away
	LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 "$1" 2>&1 >/dev/null
	groff -t -man -Tutf8 -ww -z "$1" 2>&1
}
# The page as plain text, on long lines (no line breaks or hyphenation in what we grep for).
render() {
	groff -t -man -Tutf8 -rcR=1 -rLL=2000n -P-cbou "$1" 2>/dev/null | sed 's/[[:space:]]\+/ /g'
}
no_warnings() { # PAGE
	local w
	w=$(warnings "$1")
	[ -z "$w" ] || { sed 's/^/#   /' <<<"$w"; return 1; }
}
mentions() { # TEXTFILE WORD...: every WORD is in the text
	local w rc=0
	for w in "${@:2}"; do
		grep -qF -- "$w" "$1" || { echo "#   missing: $w"; rc=1; }
	done
	return $rc
}

# ---- build ----
out=$(make --no-print-directory man 2>&1)
rc=$?
t "make man builds the pages" test $rc = 0 -a -s "${pages[0]}" -a -s "${pages[1]}" -a -s "${pages[2]}"
[ $rc = 0 ] || { sed 's/^/#   /' <<<"$out"; echo "# man: $pass passed, $fail failed"; exit 1; }
t "md2man prints no warning on docs/*.md" bash -c '! grep -E "(warning|error):" <<<"$1"' - "$out"
ascii_tbl() { # PAGE: first line asks man for tbl; nothing but ASCII after it
	[ "$(head -n 1 "$1")" = "'\\\" t" ] && ! LC_ALL=C grep -q '[^[:print:][:space:]]' "$1"
}
for p in "${pages[@]}"; do
	t "$p renders without warnings (man --warnings, groff -ww)" no_warnings "$p"
	t "$p is ASCII roff with a tbl preprocessor line" ascii_tbl "$p"
	render "$p" >"$tmp/$(basename "$p").txt"
	t "whatis reads the NAME line of $p" bash -c "grep -q ' - ' <<<\"\$(lexgrog '$p')\""
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
	t "execban(8)'s SYNOPSIS has every verb execban --help lists" mentions "$txt8" "${syn[@]}"
	t "execban(8) mentions every option of every verb's --help" mentions "$txt8" "${opts[@]}"
else
	skip "execban(8) has every verb of execban --help" "no $EB (make cli)"
fi
t "execban(8) has its sections" mentions "$txt8" NAME "execban - enforce" SYNOPSIS DESCRIPTION \
	"EXIT STATUS" FILES "SEE ALSO" "execban.policy(5)" /etc/execban/execban.policy
t "execban.policy(5) names every keyword" mentions "$txt5" "execban.policy - " signer-skid= \
	sha256= size= label= reason= signer= signer-issuer-serial= signer-cert-sha256= ima-keyid= \
	include interpreter "mode enforce" "mode audit" version "deny|audit"
t "execban.policy(5) keeps the policy escapes \\\" and \\\\" mentions "$txt5" '\" and \\ are'
# every field of the table in docs/events.md, rendered by tbl (no raw T{ or | left)
mapfile -t fields < <(sed -n 's/^| *\(`[^|]*\) |.*/\1/p' docs/events.md | grep -o '`[^`]*`' | tr -d '`')
t "docs/events.md has a field table" test ${#fields[@]} -gt 20
t "execban-events(7) has every event field" mentions "$txt7" "execban-events - " "${fields[@]}"
t "execban-events(7)'s table went through tbl" bash -c "! grep -qE 'T\\{|T\\}|^ ?\\|' '$txt7'"

# ---- rebuilt when the source changes: a page older than its markdown is out of date ----
touch -d '2000-01-01' $MAN/execban.policy.5
t "make man rebuilds a page older than its docs/*.md" bash -c \
	"! make -q man && make --no-print-directory man >/dev/null && make -q man"

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
else
	skip "make install DESTDIR=" "no $EB or build/execban.bpf.o (make cli)"
fi

# ---- md2man itself: every construct it supports, and refusal of what it does not ----
cat >"$tmp/demo.1.md" <<'EOF'
# demo(1)

## NAME
demo - exercise md2man

## SYNOPSIS
```
demo [--flag N] FILE...
```

## DESCRIPTION
A line with **bold**, *italic*, _also italic_, snake_case, `code \ with -dash`, a
.leading dot and
'leading apostrophe, 2 * 3, a < b, &amp; and [a link](https://example.org/x-y), see demo(1).
EOF
for _ in $(seq 40); do printf "%s" ".xx 'yy " >>"$tmp/demo.1.md"; done	# some start a roff line
cat >>"$tmp/demo.1.md" <<'EOF'


### Lists
- one `--opt`
  continued
- two

1. first
2. second

```
.code line \n with 'quote
  indented
```

| a | b |
|---|--:|
| `x` | 1 |
| y \| z | 2 |
EOF
if scripts/md2man -o "$tmp/demo.1" "$tmp/demo.1.md" 2>"$tmp/err"; then
	render "$tmp/demo.1" >"$tmp/demo.txt"
	t "md2man: a page with every supported construct renders without warnings" \
		no_warnings "$tmp/demo.1"
	t "md2man: text survives escaping" mentions "$tmp/demo.txt" \
		"code \\ with -dash" ".leading dot" "'leading apostrophe" "2 * 3, a < b, & and" \
		"a link <https://example.org/x-y>" "snake_case" "$(printf ".xx 'yy %.0s" $(seq 39)).xx 'yy" \
		"demo [--flag N] FILE..." \
		".code line \\n with 'quote" "indented" "y | z" "--opt continued" "1. first"
else
	t "md2man: a page with every supported construct converts" false
	sed 's/^/#   /' "$tmp/err"
fi
refuse() { # NAME LINE MARKDOWN-BODY: md2man exits 1 with "FILE:LINE: error"
	printf '# bad(1)\n\n## NAME\nbad - bad\n\n## DESCRIPTION\n%b\n' "$3" >"$tmp/bad.1.md"
	rm -f "$tmp/bad.1"
	! scripts/md2man -o "$tmp/bad.1" "$tmp/bad.1.md" 2>"$tmp/err" &&
		grep -q "^$tmp/bad.1.md:$2: error: " "$tmp/err" && [ ! -e "$tmp/bad.1" ]
}
t "md2man refuses a nested list" refuse nested 10 'text\n\n- a\n  - b'
t "md2man refuses raw HTML" refuse html 7 'text <b>bold</b>'
t "md2man refuses an unclosed code span" refuse code 7 'a `b'
t "md2man refuses an unclosed emphasis" refuse em 7 'a **b'
t "md2man refuses a #### heading" refuse h4 7 '#### deep'
t "md2man refuses a block quote" refuse quote 7 '> quoted'
t "md2man refuses a setext heading" refuse setext 8 'Title\n====='
t "md2man refuses an indented code block" refuse indented 9 'text\n\n    code'
t "md2man refuses an unclosed fence" refuse fence 7 '```\ncode'
t "md2man refuses a thematic break" refuse hr 7 '***'
t "md2man refuses a ragged table" refuse table 9 '| a | b |\n|---|---|\n| 1 |'
t "md2man refuses a page without NAME" bash -c \
	"printf '# x(1)\n\ntext\n' >'$tmp/x.1.md'; ! scripts/md2man '$tmp/x.1.md' 2>/dev/null"
t "md2man refuses a title that is not the page" bash -c \
	"printf '# y(2)\n\n## NAME\nx - x\n' >'$tmp/x.1.md';
	 grep -q 'x.1.md:1: error: title says y(2)' <<<\"\$(scripts/md2man '$tmp/x.1.md' 2>&1)\""

echo "# man: $pass passed, $fail failed"
[ $fail = 0 ]
