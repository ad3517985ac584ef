#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# execban scan and the kernel agree: over one tree of executables, the set of files scan
# reports (reading the policy back from the kernel) is exactly the set whose exec the kernel
# refuses. Both with sizes (prefiltered) and without (every file hashed).
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-scan.XXXXXX)
"$EB" unload >/dev/null 2>&1
T=$W/tree
mkdir -p "$T/a/b/c" "$T/d"
i=0
for src in /bin/true /bin/false /bin/cat /usr/bin/env /usr/bin/id; do
	i=$((i + 1))
	unique_copy "$src" "$W/src$i" "scan$i"
done
# Banned: src1 and src3 (in several places, under other names); the rest are decoys,
# including same-size files (src2 vs src1: both copies of tiny binaries) and a hard link.
cp "$W/src1" "$T/one"; cp "$W/src1" "$T/a/b/c/renamed"; ln "$T/one" "$T/d/hardlink"
cp "$W/src3" "$T/a/cat-copy"
cp "$W/src2" "$T/two"; cp "$W/src4" "$T/a/b/four"; cp "$W/src5" "$T/d/five"
head -c "$(stat -c %s "$W/src1")" /dev/urandom >"$T/a/same-size-as-banned"
chmod 755 "$T"/one "$T"/two "$T"/a/* "$T"/a/b/* "$T"/a/b/c/* "$T"/d/* 2>/dev/null

agree() { # NAME POLICY
	"$EB" load "$2" >/dev/null 2>&1 || { not_ok "$1: load"; return; }
	"$EB" scan --json "$T" >"$W/scan.json"
	local rc=$?
	python3 -c "import json,sys; print('\n'.join(sorted(json.loads(l)['path'] for l in open(sys.argv[1]) if l.strip())))" \
		"$W/scan.json" >"$W/scan.set"
	: >"$W/kernel.set"
	while IFS= read -r f; do
		[ "$("$TRYEXEC" "$f" 2>/dev/null | tail -1)" = "exec-error EPERM" ] && echo "$f" >>"$W/kernel.set"
	done < <(find "$T" -type f | sort)
	sort -o "$W/kernel.set" "$W/kernel.set"
	if [ "$rc" = 1 ] && diff -u "$W/kernel.set" "$W/scan.set" >"$W/diff" && [ "$(wc -l <"$W/scan.set")" = 4 ]; then
		ok "$1: scan and the kernel agree on the same 4 files"
	else
		not_ok "$1: scan and the kernel agree" "scan rc=$rc" "$(cat "$W/diff")"
	fi
}

"$EB" hash "$W/src1" "$W/src3" >"$W/sized.policy"
agree "with sizes" "$W/sized.policy"
"$EB" hash "$W/src1" "$W/src3" | sed 's/ size=[0-9]*//' >"$W/unsized.policy"
agree "without sizes (every file hashed)" "$W/unsized.policy"
"$EB" scan --policy "$W/sized.policy" "$T" >/dev/null
check "scan --policy FILE finds them too (exit 1)" [ $? = 1 ]
"$EB" hash "$W/src5" | sed 's/^deny sha256=[0-9a-f]*/deny sha256=0000000000000000000000000000000000000000000000000000000000000000/' >"$W/none.policy"
"$EB" scan --policy "$W/none.policy" "$T" >/dev/null
check "scan with a policy matching nothing exits 0" [ $? = 0 ]

"$EB" unload >/dev/null
rm -rf "$W"
finish
