# SPDX-License-Identifier: GPL-2.0
# tests/host/lib.sh - what host tests share. Set suite=NAME, then source this file: it moves to
# the checkout's top (top), names the CLI (EB, and eb as older tests spell it), makes a
# temporary folder (tmp) removed at exit, and defines the checks, each printing
# "ok - NAME: ..." or "not ok - NAME: ..." and counting them in pass and fail:
#   ok NAME / not_ok NAME [DETAIL...] / t NAME COMMAND... (ok if COMMAND succeeds)
#   has FILE REGEX: a line of FILE matches (grep reads it all: no early exit after a pipe)
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
top=$PWD
EB=$top/build/execban
eb=$EB
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $suite: $1"; pass=$((pass + 1)); }
not_ok() {
	echo "not ok - $suite: $1"
	shift
	local l
	for l in "$@"; do printf '#   %s\n' "$l"; done
	fail=$((fail + 1))
}
t() { # NAME COMMAND...: ok if the command succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}
has() { grep -E -- "$2" "$1" >/dev/null; }
