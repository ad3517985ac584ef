#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: the CLI follows the conventions (issue 19). --version and -V print the VERSION
# the Makefile built with; every verb's -h and --help print its help on stdout and exit 0; a
# usage error (unknown option, missing argument, unknown verb) is one line naming the problem
# and one "Try 'execban VERB --help'." line on stderr, nothing on stdout, exit 2; hash -j is
# --json; bash completion offers every option of every verb's --help; text output escapes
# control characters in file names (a file named "a<newline>BANNED x" cannot fake a BANNED
# line in scan's output, nor a line of hash's or import's messages); and status run by a user
# who cannot read bpffs says permission denied (exit 3), not NOT LOADED.
set -u
cd "$(dirname "$0")/../.."
EB=$PWD/build/execban
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - cli: $1"; pass=$((pass + 1)); else echo "not ok - cli: $1"; fail=$((fail + 1)); fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

verbs=$("$EB" --help | awk '/^  [a-z]+ / {print $1}')
t "execban --help lists the verbs" test -n "$verbs"

# --version: the Makefile's VERSION, the one place it is defined (make VERSION=X sets it; the
# Makefile writes the value it built with to build/cli/version; tests/host/dkms.sh builds 9.9).
version=$(cat build/cli/version)
t "build/cli/version names a version" test -n "$version"
for v in --version -V; do
	out=$("$EB" $v 2>"$tmp/err"); rc=$?
	t "$v: exit 0" test $rc = 0
	t "$v: 'execban $version' (the VERSION it was built with)" test "$out" = "execban $version"
	t "$v: nothing on stderr" test ! -s "$tmp/err"
done

# Every verb: -h and --help on stdout, exit 0, nothing on stderr, starting "usage: execban VERB".
for v in $verbs; do
	for h in -h --help; do
		"$EB" "$v" "$h" >"$tmp/out" 2>"$tmp/err"; rc=$?
		t "$v $h: exit 0" test $rc = 0
		t "$v $h: help on stdout" grep -q "^usage: execban $v" "$tmp/out"
		t "$v $h: nothing on stderr" test ! -s "$tmp/err"
	done
done

# Bash completion offers every option of every verb's --help (import's help names
# sha256sum's --tag, not an option of its own).
for v in $verbs; do
	want=$("$EB" "$v" --help | grep -o -- '--[a-z0-9][a-z0-9-]*' | grep -vx -- '--tag' | sort -u)
	got=$(bash -c 'source dist/execban.bash-completion
		COMP_WORDS=(execban "$1" --); COMP_CWORD=2; _execban
		printf "%s\n" "${COMPREPLY[@]}"' sh "$v" | sort -u)
	t "completion of $v offers every option of its --help" \
		test -z "$(comm -23 <(echo "$want") <(echo "$got"))"
done
got=$(bash -c 'source dist/execban.bash-completion
	COMP_WORDS=(execban --); COMP_CWORD=1; _execban; printf "%s\n" "${COMPREPLY[@]}"')
t "completion offers --version and --help before a verb" \
	test "$(sort <<<"$got" | tr '\n' ' ')" = "--help --version "

# usage_error NAME WANT-VERB WANT-TEXT ARGS...: exactly two lines on stderr, the first naming
# the problem (containing WANT-TEXT), the second the hint; nothing on stdout; exit 2.
usage_error() {
	local name=$1 verb=$2 text=$3 rc hint
	shift 3
	"$EB" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	hint="Try 'execban${verb:+ $verb} --help'."
	t "$name: exit 2" test $rc = 2
	t "$name: nothing on stdout" test ! -s "$tmp/out"
	t "$name: two lines on stderr" test "$(wc -l <"$tmp/err")" = 2
	t "$name: names the problem" grep -qF -- "$text" "$tmp/err"
	t "$name: then the hint" test "$(sed -n 2p "$tmp/err")" = "$hint"
}
for v in $verbs; do
	usage_error "$v --no-such-option" "$v" "unrecognized option '--no-such-option'" \
		"$v" --no-such-option
done
usage_error "unknown verb" "" "unknown verb 'frobnicate'" frobnicate
usage_error "no verb" "" "no verb" 
usage_error "unknown global option" "" "--frob" --frob
usage_error "load without POLICY" load "POLICY" load
usage_error "load --max-rules without its argument" load "requires an argument" load --max-rules
usage_error "load --max-rules 0" load "--max-rules" load --max-rules 0 x.policy
# strtoul() reads a minus sign as 2^64 minus the number: these once came out as 1 and 2^31
usage_error "load --max-rules -18446744073709551615" load "--max-rules" \
	load --max-rules -18446744073709551615 x.policy
usage_error "load --ringbuf-size -2147483648" load "expected a power of two" \
	load --ringbuf-size -2147483648 x.policy
usage_error "load --ringbuf-size 2^31 (over 1 GiB)" load "expected a power of two" \
	load --ringbuf-size 2147483648 x.policy
usage_error "hash without FILE" hash "FILE" hash
usage_error "show with an argument" show "unexpected argument 'x'" show x
usage_error "status with an argument" status "unexpected argument 'x'" status x
usage_error "unload with an argument" unload "unexpected argument 'x'" unload x
usage_error "events --uid with a name" events "--uid" events --uid root
usage_error "daemon with an argument" daemon "unexpected argument 'x'" daemon x
usage_error "scan without PATH" scan "PATH" scan
usage_error "scan --jobs 0" scan "--jobs" scan --jobs 0 /
usage_error "check without POLICY" check "POLICY" check
usage_error "diff without POLICY" diff "POLICY" diff
usage_error "import without input" import "--sha256sum" import
usage_error "sign without --key" sign "--key" sign x.policy
usage_error "compile without -o" compile "-o" compile x.policy
usage_error "lock without --policy-key" lock "--policy-key" lock

# hash -j is --json (it used to be read as a file name).
printf 'x' >"$tmp/f"
"$EB" hash -j "$tmp/f" >"$tmp/out" 2>"$tmp/err"; rc=$?
t "hash -j: exit 0" test $rc = 0
t "hash -j: JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"
t "hash -j: nothing on stderr" test ! -s "$tmp/err"
"$EB" hash "$tmp/f" --json >"$tmp/out2"
t "hash FILE --json: the same (options anywhere)" cmp -s "$tmp/out" "$tmp/out2"
"$EB" hash -- -j >"$tmp/out" 2>"$tmp/err"; rc=$?
t "hash -- -j: -j is a file name after --" test $rc = 1
t "hash -- -j: the file is named" grep -qF -- "-j: No such file or directory" "$tmp/err"

# Control characters in file names are escaped in text output.
bad=$tmp/tree/$'a\nBANNED x'
mkdir -p "$tmp/tree"
cp /bin/true "$bad"
cp /bin/true "$tmp/tree/"$'tab\there'
"$EB" hash /bin/true >"$tmp/ban.policy"
"$EB" scan --policy "$tmp/ban.policy" "$tmp/tree" >"$tmp/out" 2>"$tmp/err"; rc=$?
t "scan: banned files found (exit 1)" test $rc = 1
t "scan: one line per banned file" test "$(wc -l <"$tmp/out")" = 2
t "scan: no line starts with the name's fake 'BANNED x'" \
	test "$(grep -c '^BANNED x' "$tmp/out")" = 0
t "scan: the newline printed as \\n" \
	grep -qF "BANNED $tmp/tree/a\\nBANNED x sha256=" "$tmp/out"
t "scan: the tab printed as \\t" grep -qF "BANNED $tmp/tree/tab\\there sha256=" "$tmp/out"
"$EB" scan --json --policy "$tmp/ban.policy" "$tmp/tree" >"$tmp/json"
t "scan --json: the real name, unescaped" python3 -c '
import json, sys
paths = {json.loads(l)["path"] for l in open(sys.argv[1])}
sys.exit(0 if sys.argv[2] in paths else 1)' "$tmp/json" "$bad"
"$EB" scan --policy "$tmp/ban.policy" "$tmp/nonexistent"$'\n'"BANNED y" >"$tmp/out" 2>"$tmp/err"
t "scan: a bad PATH argument's error escaped too" \
	grep -qF "nonexistent\\nBANNED y: No such file or directory" "$tmp/err"
t "scan: the error is one line" test "$(wc -l <"$tmp/err")" = 1

# hash prints names only in its errors (labels keep only the characters a label allows).
for n in $'no\nfile' $'esc-\033[2J' $'bad\xffutf8' $'\xc3\xa9t\xc3\xa9' 'back\slash'; do
	"$EB" hash "$tmp/$n" 2>>"$tmp/hash.err"
done
t "hash: one line per missing file" test "$(wc -l <"$tmp/hash.err")" = 5
t "hash: a newline printed as \\n" \
	grep -qxF "execban: error: $tmp/no\\nfile: No such file or directory" "$tmp/hash.err"
t "hash: an ESC byte printed as \\x1b" grep -qF 'esc-\x1b[2J: ' "$tmp/hash.err"
t "hash: no raw ESC byte" test "$(grep -c $'\033' "$tmp/hash.err")" = 0
t "hash: invalid UTF-8 printed as \\xff" grep -qF 'bad\xffutf8: ' "$tmp/hash.err"
t "hash: valid UTF-8 printed as is" grep -qF $'/\xc3\xa9t\xc3\xa9: ' "$tmp/hash.err"
t "hash: a backslash doubled (no escape is ambiguous)" grep -qF 'back\\slash: ' "$tmp/hash.err"

# import --package: a module that cannot be decompressed is warned about in one escaped line.
mkdir -p "$tmp/pkg/lib/modules"
printf '\3757zXZ\0garbage' >"$tmp/pkg/lib/modules/"$'m\nBANNED z.ko.xz'
"$EB" import --package "$tmp/pkg" >"$tmp/out" 2>"$tmp/err"
t "import: the warning names the module, escaped" \
	grep -qF 'modules/m\nBANNED z.ko.xz: ' "$tmp/err"
t "import: no line of its stderr starts with the name's 'BANNED z'" \
	test "$(grep -c '^BANNED' "$tmp/err")" = 0

# status by a user who cannot read bpffs: permission denied, exit 3 (not "NOT LOADED").
# A private mount namespace with a bpffs of mode 0700 (as systemd mounts it) stands for the
# real one; root sees an empty one (not loaded), nobody cannot look.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	unshare -m sh -c '
		mount -t bpf -o mode=0700 bpf /sys/fs/bpf || exit 99
		"$1" status >"$2/root.out" 2>"$2/root.err"; echo $? >"$2/root.rc"
		setpriv --reuid=65534 --regid=65534 --clear-groups "$1" status \
			>"$2/user.out" 2>"$2/user.err"
		echo $? >"$2/user.rc"
		setpriv --reuid=65534 --regid=65534 --clear-groups "$1" status --json \
			>"$2/userj.out" 2>"$2/userj.err"
		echo $? >"$2/userj.rc"' sh "$EB" "$tmp"
	t "status as root, nothing loaded: NOT LOADED, exit 1" \
		test "$(cat "$tmp/root.rc")" = 1 -a "$(head -c 20 "$tmp/root.out")" = "execban: NOT LOADED"
	t "status as nobody: exit 3" test "$(cat "$tmp/user.rc")" = 3
	t "status as nobody: says permission denied" grep -q "permission denied" "$tmp/user.err"
	t "status as nobody: says to run it as root" grep -q "as root" "$tmp/user.err"
	t "status as nobody: never NOT LOADED" \
		test "$(cat "$tmp/user.out" "$tmp/user.err" | grep -c "NOT LOADED")" = 0
	t "status --json as nobody: exit 3, nothing on stdout" \
		test "$(cat "$tmp/userj.rc")" = 3 -a ! -s "$tmp/userj.out"
else
	echo "# skip: status as non-root needs root and unshare -m on the host"
fi

echo "# cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
