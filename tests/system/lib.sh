# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What every system suite (tests/system/*.sh, inside the system image) starts with, sourced
# after setting SUITE: the refusal to run anywhere else, the checkout's root (top), and the
# check lines ("ok - SUITE: ..." / "not ok - SUITE: ..." with "#   " detail lines) that
# tests/system/all counts. suite_end prints "# suite: N passed, N failed" and returns 1 if any
# check failed.

[ "${EXECBAN_SYSTEM:-}" = 1 ] || { echo "$0: runs inside the system image (tests/system/run)" >&2; exit 2; }
# shellcheck disable=SC2034 # for the suites that source this
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T_PASS=0 T_FAIL=0
ok() { T_PASS=$((T_PASS + 1)); echo "ok - $SUITE: $1"; }
not_ok() { # NAME [DETAIL...]
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $SUITE: $1"
	shift
	local l
	for l in "$@"; do printf '#   %s\n' "${l//$'\n'/$'\n'#   }"; done
}
suite_end() {
	echo "# suite: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ]
}
