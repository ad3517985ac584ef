#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: tests/system/run, tests/system/all and scripts/sysimage.sh refuse bad arguments with
# exit status 2 and a message naming what is wrong, before building an image or booting anything
# (the system tests themselves: make check-system).
set -u
cd "$(dirname "$0")/../.." || exit 1
pass=0 fail=0
ok() { echo "ok - system-run: $1"; pass=$((pass + 1)); }
not_ok() {
	echo "not ok - system-run: $1"
	shift
	[ $# = 0 ] || sed 's/^/#   /' <<<"$*"
	fail=$((fail + 1))
}

# refused NAME WANT-TEXT COMMAND...: exits 2 within seconds, stderr contains WANT-TEXT.
refused() {
	local name=$1 want=$2 out rc
	shift 2
	out=$(timeout 20 "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$want" <<<"$out"; then
		ok "$name"
	else
		not_ok "$name" "exit $rc (want 2), stderr:" "$out"
	fi
}

refused "no command: usage" "tests/system/run [--kernel 6.1|6.12]" tests/system/run
refused "no command after --: usage" "tests/system/run [--kernel 6.1|6.12]" tests/system/run --kernel 6.1 --
refused "a kernel the image has no modules for" "system: --kernel wants 6.1 or 6.12 (the image has their modules), not '5.10'" \
	tests/system/run --kernel 5.10 -- true
refused "a timeout of 0" "system: --timeout wants whole seconds, not '0'" tests/system/run --timeout 0 -- true
refused "memory that is not a number" "system: --mem wants megabytes, not '2G'" tests/system/run --mem 2G -- true
refused "an unknown option" "system: unknown option '--kernels'" tests/system/run --kernels 6.1 -- true
refused "a bad EXECBAN_VM_ACCEL" "system: EXECBAN_VM_ACCEL wants auto, kvm or tcg, not 'hvf'" \
	env EXECBAN_VM_ACCEL=hvf tests/system/run -- true
refused "tests/system/all: an unknown option" "usage: tests/system/all [--kernels LIST]" tests/system/all --kernel 6.1
refused "scripts/sysimage.sh: an unknown option" "usage: scripts/sysimage.sh [--force]" scripts/sysimage.sh --rebuild

[ "$fail" = 0 ]
