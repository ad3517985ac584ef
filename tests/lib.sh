# SPDX-License-Identifier: GPL-2.0
# tests/lib.sh - helpers for guest-side test suites (sourced; runs inside the VM).
#
# Every check prints "ok - NAME" or "not ok - NAME" (with "#" detail lines); tests/run counts
# them. A suite ends with "# suite: N passed, N failed" and exits non-zero on any failure.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EB=$top/build/execban
TRYEXEC=$top/build/tests/tryexec
TOP_EXECLOOP=$top/build/tests/execloop
T_PASS=0
T_FAIL=0
SUITE=${SUITE:-$(basename "$0" .sh)}

[ "${EXECBAN_VM:-}" = 1 ] || { echo "$0: runs inside the test VM (tests/vm/run)" >&2; exit 2; }

ok() { T_PASS=$((T_PASS + 1)); echo "ok - $SUITE: $1"; }
not_ok() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $SUITE: $1"
	shift
	local l
	for l in "$@"; do printf '#   %s\n' "$l"; done
}

# check NAME CONDITION-COMMAND... : ok if the command succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

# expect_exec NAME WANT PATH [ARG...]: WANT is tryexec's line ("exec-error EPERM", "exit 0").
expect_exec() {
	local name=$1 want=$2 got
	shift 2
	got=$("$TRYEXEC" "$@" 2>/dev/null | tail -1)
	if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name" "want: $want" "got:  $got"; fi
}

# expect_fd_exec NAME WANT PATH: the same through fexecve.
expect_fd_exec() {
	local name=$1 want=$2 got
	got=$("$TRYEXEC" --fd "$3" 2>/dev/null | tail -1)
	if [ "$got" = "$want" ]; then ok "$name"; else not_ok "$name" "want: $want" "got:  $got"; fi
}

# A file with the bytes of $1 plus a unique tail: runs the same, hashes differently.
unique_copy() { # SRC DST TAG
	cp "$1" "$2"
	printf '\nexecban-test:%s\n' "$3" >>"$2"
	chmod 755 "$2"
}

# Twins of one size: a copy of /bin/true whose --version says "GNU coreutils" (GOOD), and
# one patched to say "BAN coreutils" (BAD). What --version prints tells which bytes ran.
twins() { # GOOD BAD
	cp /bin/true "$1"
	python3 - "$1" "$2" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
assert d.count(b"GNU coreutils") == 1
open(sys.argv[2], "wb").write(d.replace(b"GNU coreutils", b"BAN coreutils"))
PY
	chmod 755 "$1" "$2"
}

sha256() { sha256sum "$1" | cut -c1-64; }
# The digest rule of FILE (execban hash), labelled LABEL: its first line.
rule() { "$EB" hash "$1" | sed "s/label=[^ ]*/label=$2/" | awk 'NR == 1'; }

# Drain the event buffer into $1 (JSON lines).
drain_events() { "$EB" events --json >"$1"; }
counter() { # NAME: one of the kernel's counters, as execban status --json reports it
	"$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"][sys.argv[1]])' "$1"
}

status_json() { # PYTHON-EXPR: its value, d being execban status --json
	"$EB" status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}

# event_has FILE PYTHON-EXPR: some event e (a dict) in FILE satisfies the expression.
event_has() {
	python3 - "$1" "$2" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sys.exit(0 if any(eval(sys.argv[2], {}, {"e": e}) for e in evs) else 1)
PY
}

finish() {
	echo "# $SUITE: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ]
}
