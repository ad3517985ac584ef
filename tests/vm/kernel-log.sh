# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What in a guest's kernel log fails a run, shared by tests/vm/run and tests/system/run (sourced).
#
# kernel_problems FILE: print the lines of FILE (as "LINE:TEXT") that report a kernel problem
# (a warning, a BUG, an oops, a lockdep report, a stall, a sanitizer's finding, a panic), less
# those matching EXECBAN_VM_ALLOW_DMESG (an extended regex); nothing if there are none.
kernel_problems() {
	local bad hits
	bad='WARNING:|BUG:|Oops|general protection fault|possible circular locking|lockdep|soft lockup|hard LOCKUP|rcu_sched self-detected stall|rcu: INFO|kernel BUG|UBSAN|KASAN|list_add corruption|list_del corruption|blocked for more than [0-9]+ seconds|Kernel panic'
	hits=$(grep -nE "$bad" "$1" || true)
	if [ -n "$hits" ] && [ -n "${EXECBAN_VM_ALLOW_DMESG:-}" ]; then
		hits=$(grep -vE "$EXECBAN_VM_ALLOW_DMESG" <<<"$hits" || true)
	fi
	[ -z "$hits" ] || printf '%s\n' "$hits"
}
