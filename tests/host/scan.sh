#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: execban scan finds exactly the banned files of a tree (renamed copies, in
# subfolders, hard links; never through symlinks), exits 1 when it finds any and 0 when not,
# prints JSON that parses, and warns about files it cannot read without failing.
set -u
cd "$(dirname "$0")/../.."
EB=$PWD/build/execban
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - scan: $1"; pass=$((pass + 1)); else echo "not ok - scan: $1"; fail=$((fail + 1)); fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
tree=$tmp/tree
mkdir -p "$tree/a/b/c" "$tree/opt/app" "$tree/empty"
cp /bin/true "$tree/a/b/c/innocent-name"
cp /bin/true "$tree/opt/app/.hidden"
ln "$tree/a/b/c/innocent-name" "$tree/hardlink"
cp /bin/ls "$tree/opt/app/lister"
cp /bin/cat "$tree/a/not-banned"
printf 'x' >"$tree/a/small"
ln -s a/b/c/innocent-name "$tree/symlink"
ln -s /bin "$tree/bin-link"		# banned files behind it must not be reported
"$EB" hash /bin/true /bin/ls >"$tmp/ban.policy"
expected=$(printf '%s\n' "$tree/a/b/c/innocent-name" "$tree/opt/app/.hidden" "$tree/hardlink" \
	"$tree/opt/app/lister" | sort)

"$EB" scan --policy "$tmp/ban.policy" "$tree" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "banned files found: exit 1" test $rc = 1
t "exactly the banned paths (copies, subfolders, hard link; no symlink)" \
	test "$(awk '{print $2}' "$tmp/out" | sort)" = "$expected"
t "human lines: BANNED <path> sha256=<hex> rule=<label>" \
	grep -qx "BANNED $tree/opt/app/lister sha256=$(sha256sum </bin/ls | cut -d' ' -f1) rule=ls" \
	"$tmp/out"
t "nothing on stderr when every file is readable" test ! -s "$tmp/err"

for j in 1 4; do
	"$EB" scan --policy "$tmp/ban.policy" --jobs $j "$tree" >"$tmp/out.$j"
	t "--jobs $j finds the same" test "$(awk '{print $2}' "$tmp/out.$j" | sort)" = "$expected"
done

# A policy without sizes: every file is hashed (no size filter).
"$EB" hash /bin/true | sed 's/ size=[0-9]*//' >"$tmp/nosize.policy"
"$EB" scan --policy "$tmp/nosize.policy" "$tree" >"$tmp/out.nosize"
t "rules without size=: still found (every file hashed)" \
	test "$(wc -l <"$tmp/out.nosize")" = 3

"$EB" hash /bin/sh >"$tmp/other.policy"
"$EB" scan --policy "$tmp/other.policy" "$tree" >"$tmp/none" 2>&1
rc=$?
t "a policy matching nothing: exit 0" test $rc = 0
t "a policy matching nothing: no output" test ! -s "$tmp/none"

"$EB" scan --policy "$tmp/ban.policy" --json "$tree" >"$tmp/json"
t "--json: exit 1" test $? = 1
t "--json: one object per banned file with every field" python3 -c '
import json, sys, os
want = set(sys.argv[2].split("\n"))
objs = [json.loads(l) for l in open(sys.argv[1])]
assert {o["path"] for o in objs} == want, objs
for o in objs:
    assert set(o) == {"path", "sha256", "size", "rule", "action", "uid", "mode"}, o
    st = os.stat(o["path"])
    assert o["size"] == st.st_size and o["uid"] == st.st_uid, o
    assert int(o["mode"], 8) == st.st_mode & 0o7777 and o["action"] == "deny", o
    assert o["rule"] in ("true", "ls") and len(o["sha256"]) == 64, o
' "$tmp/json" "$expected"

"$EB" scan --policy "$tmp/ban.policy" "$tree/opt/app/lister" >"$tmp/one"
t "a file as PATH is scanned itself" test "$(cat "$tmp/one")" = \
	"BANNED $tree/opt/app/lister sha256=$(sha256sum </bin/ls | cut -d' ' -f1) rule=ls"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir "$tree/locked"
	cp /bin/true "$tree/locked/inside"
	chmod 700 "$tree/locked"
	cp /bin/true "$tree/secret"
	chmod 600 "$tree/secret"
	chmod 644 "$tmp/ban.policy"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$EB" scan --policy "$tmp/ban.policy" "$tree" >"$tmp/out.user" 2>"$tmp/err.user"
	rc=$?
	t "unreadable file and folder: not fatal (exit 1 for the banned ones found)" test $rc = 1
	t "unreadable file and folder: a warning each, and a count" bash -c \
		"grep -q 'secret: Permission denied' '$tmp/err.user' &&
		 grep -q 'locked: Permission denied' '$tmp/err.user' &&
		 grep -q '2 files or folders could not be read' '$tmp/err.user'"
	t "unreadable: the readable banned files are still found" \
		test "$(awk '{print $2}' "$tmp/out.user" | sort)" = "$expected"
	rm -rf "$tree/locked" "$tree/secret"
fi

# Mounts: another filesystem below PATH is skipped unless --all-mounts (needs a private mount
# namespace: root, unshare).
mkdir "$tree/mnt"
if unshare --mount --propagation private mount -t tmpfs none "$tree/mnt" 2>/dev/null; then
	inner() { unshare --mount --propagation private bash -c \
		'mount -t tmpfs none "$1/mnt" && cp /bin/true "$1/mnt/on-tmpfs" && shift &&
		 "$@" | awk "{print \$2}" | grep -c on-tmpfs' _ "$tree" "$@"; }
	t "default --xdev: a file on another mount is not scanned" \
		test "$(inner "$EB" scan --policy "$tmp/ban.policy" "$tree")" = 0
	t "--all-mounts: a file on another mount is scanned" \
		test "$(inner "$EB" scan --policy "$tmp/ban.policy" --all-mounts "$tree")" = 1
else
	echo "ok - scan: --xdev and --all-mounts # SKIP cannot mount a tmpfs here"
	pass=$((pass + 1))
fi
rmdir "$tree/mnt"

"$EB" scan --policy "$tmp/ban.policy" "$tmp/does-not-exist" >/dev/null 2>&1
t "a PATH that does not exist: usage error (exit 2)" test $? = 2
"$EB" scan --policy "$tmp/ban.policy" >/dev/null 2>&1
t "no PATH: usage error (exit 2)" test $? = 2
printf 'deny sha256=12\n' >"$tmp/bad.policy"
"$EB" scan --policy "$tmp/bad.policy" "$tree" >/dev/null 2>"$tmp/bad.err"
t "a bad policy: exit 3 with the policy's file:line" \
	bash -c "[ $? = 3 ] && grep -q '^$tmp/bad.policy:1: error' '$tmp/bad.err'"
if [ ! -e /sys/fs/bpf/execban/state ]; then
	"$EB" scan "$tree" >/dev/null 2>"$tmp/nopol.err"
	t "no --policy and none enforced: exit 3 telling to pass --policy" \
		bash -c "[ $? = 3 ] && grep -q -- '--policy' '$tmp/nopol.err'"
fi

echo "# scan: $pass passed, $fail failed"
[ $fail = 0 ]
