#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: scripts/lint-sh.sh passes the repository's shell code, and fails (naming the file
# and line) on each reader that exits early after a pipe (SIGPIPE under pipefail), but not on
# the rewrites that read to the end, nor on comments and here-documents.
set -u
cd "$(dirname "$0")/../.."
lint=scripts/lint-sh.sh
pass=0 fail=0
ok() { echo "ok - lint-sh: $1"; pass=$((pass + 1)); }
not_ok() {
	echo "not ok - lint-sh: $1"
	shift
	[ $# = 0 ] || sed 's/^/#   /' <<<"$*"
	fail=$((fail + 1))
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$lint" 2>&1)
rc=$?
if [ $rc = 0 ] && [ -z "$out" ]; then ok "the repository's shell code passes"; else not_ok "the repository's shell code passes (exit $rc)" "$out"; fi

# tests/run runs each suite as a program: one without its execute bit "exits 126" in CI only.
noexec=$(find tests/host tests/guest -maxdepth 1 -name '*.sh' ! -name lib.sh ! -perm -u+x)
if [ -z "$noexec" ]; then ok "every test suite is executable"; else not_ok "every test suite is executable" "$noexec"; fi

# The forbidden forms are written with the word PIPE for the pipe (so that this file passes the lint).
unpipe() { sed 's/\<PIPE\>/|/g'; }
# bad NAME LINE: a file with LINE on line 3 (after the shebang and a comment) fails, named.
bad() {
	local line out rc
	line=$(unpipe <<<"$2")
	printf '#!/bin/bash\n# %s\n%s\necho done\n' "$1" "$line" >"$tmp/$1.sh"
	out=$("$lint" "$tmp/$1.sh" 2>&1)
	rc=$?
	if [ $rc = 1 ] && [ "$out" = "$tmp/$1.sh:3: reader exits early after a pipe (SIGPIPE under pipefail): $line" ]; then
		ok "fails on $line"
	else
		not_ok "fails on $line (exit $rc)" "$out"
	fi
}
bad head1 'x PIPE head -1'
bad headn 'v=$(x PIPE head -n 3)'
bad grepq 'x PIPE grep -q y'
bad grepqx 'if x PIPE LC_ALL=C grep -qxF y; then :; fi'
bad grepsq 'x PIPE grep -s -q y'
bad grepquiet 'x PIPE grep --quiet y'
bad grepm1 'x PIPE grep -m1 y'
bad grepl 'x PIPE grep -l y'
bad awkexit "x PIPE awk '/a/ {print; exit}'"
bad awkbegin "x PIPE awk 'BEGIN {exit 1}'"
bad sedq 'x PIPE sed 1q'
bad sedpq "x PIPE sed -n '/a/{p;q}'"
bad bashc "check \"n\" bash -c \"'\$EB' status --json PIPE grep -q '\\\"kmod\\\":true'\""
bad shc "t \"n\" sh -c 'x PIPE grep -q y'"
bad subst 'echo "v=$(x PIPE head -1)"'
bad escnoreason 'x PIPE head -1 # lint-sh: sigpipe-ok'

# The reader on the line after the pipe, and in a Makefile recipe: the reader's line is named.
unpipe >"$tmp/cont.sh" <<'EOF'
#!/bin/bash
x PIPE
	grep -q y
y PIPE \
	head -2
EOF
out=$("$lint" "$tmp/cont.sh" 2>&1)
want=$(unpipe <<EOF
$tmp/cont.sh:3: reader exits early after a pipe (SIGPIPE under pipefail): grep -q y
$tmp/cont.sh:5: reader exits early after a pipe (SIGPIPE under pipefail): head -2
EOF
)
if [ "$out" = "$want" ]; then ok "names the reader's line of a pipe over two lines"; else not_ok "names the reader's line of a pipe over two lines" "$out"; fi
unpipe >"$tmp/Makefile" <<'EOF'
# a PIPE head -1 in a comment
V := $(shell x PIPE head -1)
all:
	x PIPE grep -c y # PIPE head
	@x PIPE \
	  grep -q y
EOF
out=$("$lint" "$tmp/Makefile" 2>&1)
want=$(unpipe <<EOF
$tmp/Makefile:2: reader exits early after a pipe (SIGPIPE under pipefail): V := \$(shell x PIPE head -1)
$tmp/Makefile:6: reader exits early after a pipe (SIGPIPE under pipefail): grep -q y
EOF
)
if [ "$out" = "$want" ]; then ok "checks a Makefile's recipes and \$(shell), not its comments"; else not_ok "checks a Makefile's recipes and \$(shell), not its comments" "$out"; fi

# The allowed rewrites, comments and here-documents that are not shell code.
cat >"$tmp/good.sh" <<'EOF'
#!/bin/bash
# x | head -1 and x | grep -q y in a comment are not code
set -o pipefail
x | grep -c y	# counts: reads to the end (| head here is a comment)
x | awk '/a/ && v == "" {v = $2} END {print v}'
x | awk 'NR == 1'
x | awk '/a/ {f = 1} END {exit !f}'
x | sed -n '1,5s/^/# /p'
x | sed -n 's/quux/q/p'
out=$(x) && grep -q y <<<"$out"
grep -q y <<<"$(x)"
[[ $(x) == *y* ]]
check "n" bash -c "grep -q '\"kmod\":true' <<<\"\$('$EB' status --json)\""
head -c 16 /dev/urandom >f
sed -n '/^model/{p;q}' /proc/cpuinfo
grep -q y f || head -1 f
case $a in -h|--help) ;; esac
grep -c '^deny\|^audit' f
echo "${#a} $# it's" | cat # x | head
python3 - <<'PY'
print("don't | head -1")
PY
cat <<EOF2 | grep y
it's | head -1 | grep -q
EOF2
x | head -1 # lint-sh: sigpipe-ok x writes one short line
EOF
out=$("$lint" "$tmp/good.sh" 2>&1)
rc=$?
if [ $rc = 0 ] && [ -z "$out" ]; then ok "passes the rewrites that read to the end"; else not_ok "passes the rewrites that read to the end (exit $rc)" "$out"; fi
echo "# lint-sh: $pass passed, $fail failed"
[ $fail = 0 ]
