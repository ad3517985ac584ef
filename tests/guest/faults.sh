#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Files that cannot be read. The documented choice: a file that could be banned (its size is a
# banned size) and cannot be hashed is refused (fail closed), at once, with an event; a file
# that cannot be banned is not read at all. Never a hang or a kernel warning (the harness
# fails the run on one). A squashfs image with a corrupt block gives read errors on a
# filesystem execban reads; a FUSE filesystem whose reads fail (tests/helpers/failfs.c) is one
# it does not trust at all: a file of a banned size there is refused unread
# (docs/threat-model.md), one of another size is not read.
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-faults.XXXXXX)
KO=$top/build/kmod/$(uname -r)/execban.ko
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null
insmod "$KO"

if [ ! -c /dev/fuse ]; then
	fko=$(find "$top/.cache/kernels/$(uname -r)" -name 'fuse.ko*' | awk 'NR == 1')
	case "$fko" in
	*.xz) xz -dc "$fko" >"$W/fuse.ko" ;;
	*.zst) zstd -qdc "$fko" >"$W/fuse.ko" ;;
	*) cp "$fko" "$W/fuse.ko" ;;
	esac
	insmod "$W/fuse.ko"
fi
check "FUSE is available in the guest" [ -c /dev/fuse ]

unique_copy /bin/true "$W/src" faults
unique_copy /bin/true "$W/twin" twinsz	# same size, other digest
mkdir "$W/mnt"
"$top/build/tests/failfs" "$W/src" "$W/mnt" -f 2>"$W/failfs.err" &
fpid=$!
for _ in $(seq 100); do [ -e "$W/mnt/good" ] && break; sleep 0.1; done
check "failfs serves the file" cmp -s "$W/src" "$W/mnt/good"
check "failfs: reads of 'bad' past 4 KiB fail" sh -c "! cat '$W/mnt/bad' >/dev/null 2>&1"

# A policy whose size filter makes both FUSE files candidates (the twin's size).
"$EB" hash "$W/twin" >"$W/p"
"$EB" load "$W/p" >/dev/null
"$EB" events --json >/dev/null
expect_exec "readable FUSE file of a banned size, other digest: refused unread (FUSE is not trusted)" \
	"exec-error EPERM" "$W/mnt/good"
got=$(timeout 60 "$TRYEXEC" "$W/mnt/bad" 2>/dev/null | tail -1)
check "unreadable FUSE file of a banned size: refused at once, no hang" \
	[ "$got" = "exec-error EPERM" ]
drain_events "$W/ev.json"
check "... with an event: untrusted_fs, the path, no digest" event_has "$W/ev.json" \
	"e['action']=='exec' and e['verdict']=='denied' and e['untrusted_fs'] and not e['hash_error'] and e['path']=='$W/mnt/bad' and e['sha256']==''"
check "status counts them (unverifiable)" \
	[ "$(counter unverifiable)" -ge 2 ]

# The FUSE file's own digest banned: refused, still unread.
"$EB" hash "$W/src" >"$W/p2"
"$EB" load "$W/p2" >/dev/null
expect_exec "a banned binary served by FUSE is refused" "exec-error EPERM" "$W/mnt/good"

# Read errors where execban reads: a squashfs image whose last data block is corrupt (the ELF
# header, in the first block, still reads).
modprobe squashfs 2>/dev/null
modprobe loop 2>/dev/null
mkdir "$W/sq" "$W/sqmnt"
cp "$W/src" "$W/sq/x"
if mksquashfs "$W/sq" "$W/sq.img" -b 4096 -noappend -quiet -comp gzip -no-fragments >/dev/null &&
   python3 - "$W/sq.img" <<'PY' && mount -o loop,ro "$W/sq.img" "$W/sqmnt" 2>/dev/null
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
inode_table = struct.unpack_from("<Q", d, 64)[0]	# struct squashfs_super_block
for k in range(40, 60):
    d[inode_table - k] ^= 0xff			# inside the last data block
open(sys.argv[1], "wb").write(d)
PY
then
	"$EB" load "$W/p" >/dev/null		# the size is banned, the digest is not
	"$EB" events --json >/dev/null
	before=$(counter hash_errors)
	check "squashfs: the corrupt block does not read" sh -c "! cat '$W/sqmnt/x' >/dev/null 2>&1"
	got=$(timeout 60 "$TRYEXEC" "$W/sqmnt/x" 2>/dev/null | tail -1)
	check "unreadable file of a banned size: refused at once (fail closed), no hang" \
		[ "$got" = "exec-error EPERM" ]
	drain_events "$W/ev3.json"
	check "... with an event: hash_error, the path, no digest" event_has "$W/ev3.json" \
		"e['action']=='exec' and e['verdict']=='denied' and e['hash_error'] and e['path']=='$W/sqmnt/x' and e['sha256']==''"
	check "status counts the hash error" [ "$(counter hash_errors)" -gt "$before" ]
	umount "$W/sqmnt"
else
	not_ok "squashfs image with a corrupt block: set-up" "mksquashfs, squashfs.ko or the loop mount failed"
fi

# Not a candidate (no banned size): execban reads nothing; the exec fails on its own.
unique_copy /bin/true "$W/other" other-size-xx
"$EB" hash "$W/other" >"$W/p3"
"$EB" load "$W/p3" >/dev/null
"$EB" events --json >/dev/null
got=$(timeout 60 "$TRYEXEC" "$W/mnt/bad" 2>/dev/null | tail -1)
check "unreadable FUSE file of no banned size: not read by execban, the kernel fails the exec" \
	[ -n "$got" ] && [ "$got" != "exec-error EPERM" ]
drain_events "$W/ev2.json"
check "... and no execban event for it" sh -c "! grep -q '$W/mnt/bad' '$W/ev2.json'"

kill "$fpid" 2>/dev/null
umount "$W/mnt" 2>/dev/null
wait "$fpid" 2>/dev/null

"$EB" unload >/dev/null
rm -rf "$W"
finish
