#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the kernel's checkpatch.pl, then kernel-doc, over execban's kernel code:
#   scripts/checkpatch.sh [FILE...]        default: kmod/*.c kmod/*.h
# Exits non-zero on any ERROR or WARNING (and CHECK, with --strict, which is not used), and on
# any kernel-doc warning (a malformed /** comment, an undocumented parameter or return).
# checkpatch.pl comes from the newest test kernel's source (scripts/kernel-source.sh 6.12), so
# it knows the newest deprecations.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

ksrc=$("$top/scripts/kernel-source.sh" 6.12) || { echo "checkpatch.sh: cannot fetch checkpatch.pl" >&2; exit 1; }
cd "$top"
if [ $# = 0 ]; then
	set -- kmod/*.c kmod/*.h
fi
# --no-tree: no kernel tree around us; -f: whole files, not a patch.
# --ignore FILE_PATH_CHANGES: only meaningful for patches.
# --ignore LINUX_VERSION_CODE: execban.ko is built out of tree for two kernels; a version test
# stays where no macro marks a change (KF_TRUSTED_ARGS semantics in kfuncs.c). Review each one.
if ! perl "$ksrc/scripts/checkpatch.pl" --no-tree --quiet --show-types --terse \
	--ignore FILE_PATH_CHANGES,LINUX_VERSION_CODE -f "$@"; then
	echo "checkpatch.sh: checkpatch.pl found problems (above)" >&2
	exit 1
fi

# kernel-doc ships with the headers (Debian's linux-kbuild package).
kdoc=/usr/src/linux-headers-$("$top/scripts/kernels.sh" version 6.12)/scripts/kernel-doc
[ -f "$kdoc" ] || { echo "checkpatch.sh: $kdoc missing (make deps)" >&2; exit 1; }
if ! kdoc_out=$(perl "$kdoc" -none -Wall "$@" 2>&1) || [ -n "$kdoc_out" ]; then
	printf '%s\n' "$kdoc_out" >&2
	echo "checkpatch.sh: kernel-doc found problems (above)" >&2
	exit 1
fi
echo "checkpatch.sh: $# files clean (checkpatch.pl, kernel-doc)"
