#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: kmod/ is checkpatch- and kernel-doc-clean (scripts/checkpatch.sh).
cd "$(dirname "$0")/../.."
if out=$(scripts/checkpatch.sh 2>&1); then
	echo "ok - checkpatch: kmod/ is checkpatch.pl and kernel-doc clean"
else
	echo "not ok - checkpatch: kmod/ is checkpatch.pl and kernel-doc clean"
	sed 's/^/#   /' <<<"$out"
	exit 1
fi
# lib/ is compiled into execban.ko too (kmod/Kbuild execban-lib-y): kernel style as well.
if out=$(scripts/checkpatch.sh lib/*.c lib/*.h 2>&1); then
	echo "ok - checkpatch: lib/ is checkpatch.pl and kernel-doc clean"
else
	echo "not ok - checkpatch: lib/ is checkpatch.pl and kernel-doc clean"
	sed 's/^/#   /' <<<"$out"
	exit 1
fi
