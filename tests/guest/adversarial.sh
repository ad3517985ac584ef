#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The adversarial suite (issue 17): ways an unprivileged user could make banned bytes run
# through a digest that was cached, or read, from other bytes. Every attack runs as an
# unprivileged user (uid 65534) where it needs no privilege, once with execban hashing
# through IMA and once through execban.ko. Twin files of one size (a copy of /bin/true whose
# --version says "GNU coreutils", and one patched to say "BAN coreutils", which the policy
# bans) show in their output which bytes ran: GNU, BAN, or EPERM (refused). Every attack has
# a control: the same technique with bytes that are not banned works. Racy attacks are
# looped; their attempt counts are "# " lines. The design: docs/threat-model.md.
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-adv.XXXXXX)
chmod 755 "$W"
KO=$top/build/kmod/$(uname -r)/execban.ko
ADV=$top/tests/helpers/adv.py
SWAPFS=$top/build/tests/swapfs
LDSO=$(readlink -f /lib64/ld-linux-x86-64.so.2)
PY=/usr/bin/python3	# the user cannot run root's own python (pyenv under /root)
export LDSO
U=65534
RACE_N=${ADV_RACE_N:-30}
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null

as_user() { setpriv --reuid=$U --regid=$U --clear-groups -- "$@"; }
# mark OUTPUT: which bytes ran.
mark() {
	case "$1" in
	*"(BAN coreutils)"*) echo BAN ;;
	*"(GNU coreutils)"*) echo GNU ;;
	*"not permitted"*|*"failed to map segment"*) echo EPERM ;;
	*) echo "other: ${1:0:120}" ;;
	esac
}
run() { mark "$("$@" --version 2>&1)"; }		# run PATH (exec)
run_ld() { mark "$("$LDSO" "$@" --version 2>&1)"; }	# run through ld.so (mmap PROT_EXEC)
fns="true; $(declare -f mark run run_ld)"	# for bash -c as the user
# want NAME WANT GOT
want() { if [ "$3" = "$2" ]; then ok "$1"; else not_ok "$1" "want: $2" "got:  $3"; fi; }
adv() { local out; out=$(as_user "$PY" "$ADV" "$@" 2>&1); printf '%s\n' "$out" | grep '^# '; printf '%s\n' "${out##*$'\n'}"; }
advr() { local out; out=$(python3 "$ADV" "$@" 2>&1); printf '%s\n' "$out" | grep '^# '; printf '%s\n' "${out##*$'\n'}"; }
last() { printf '%s\n' "${1##*$'\n'}"; }
details() { printf '%s\n' "$1" | grep '^# ' || true; }

# The twins, and "other": not banned, of another size.
twins "$W/good" "$W/bad"
unique_copy /bin/true "$W/other" adversarial-other
chmod 644 "$W/good" "$W/bad" "$W/other"
chmod 755 "$W/good" "$W/bad" "$W/other"
check "the twins have one size" [ "$(stat -c %s "$W/good")" = "$(stat -c %s "$W/bad")" ]
# For the race: 1 MiB twins (a hash takes long enough for a writer to act inside it) that
# differ in the ELF header's padding (read first).
python3 - "$W/good" "$W/rgood" "$W/rbad" <<'PY'
import sys
d = open(sys.argv[1], "rb").read() + bytes(1 << 20)
open(sys.argv[2], "wb").write(d)
e = bytearray(d)
e[9:16] = b"execban"	# e_ident's padding
open(sys.argv[3], "wb").write(e)
PY
chmod 755 "$W/rgood" "$W/rbad"
"$EB" hash "$W/bad" "$W/rbad" >"$W/ban.policy"

# /dev/fuse for users, as udev's rule makes it; FUSE from the test kernel's own tree.
if [ ! -c /dev/fuse ]; then
	fko=$(find "$top/.cache/kernels/$(uname -r)" -name 'fuse.ko*' -print -quit)
	case "$fko" in
	*.xz) xz -dc "$fko" >"$W/fuse.ko" ;;
	*.zst) zstd -qdc "$fko" >"$W/fuse.ko" ;;
	*) cp "$fko" "$W/fuse.ko" ;;
	esac
	insmod "$W/fuse.ko"
fi
chmod 666 /dev/fuse
check "unprivileged user namespaces are on" as_user unshare -Urm true

# ---- attacks that need a policy in force; run once per way of hashing ----
attacks() { # MODE
	local m=$1 D out got n
	D=$W/$m
	mkdir "$D"
	chown $U:$U "$D"

	# -- 1. overlayfs mounted by the user: the lower and upper files rewritten directly --
	cat >"$D/ovl.sh" <<'SH'
set -u
D=$1 GOOD=$2 BAD=$3 OTHER=$4 LDSO=$5 ADV=$6 PY=$7
cd "$D" && mkdir lower upper work m
mark() {
	case "$1" in
	*"(BAN coreutils)"*) echo BAN ;; *"(GNU coreutils)"*) echo GNU ;;
	*"not permitted"*|*"failed to map segment"*) echo EPERM ;; *) echo "other: ${1:0:100}" ;;
	esac
}
r() { mark "$("$@" --version 2>&1)"; }
put() { dd if="$1" of="$2" conv=notrunc status=none; }	# rewrite in place: same inode, same size
cp "$GOOD" lower/prog; cp "$GOOD" lower/sprog; cp "$OTHER" lower/oprog; cp "$OTHER" lower/zprog
cp "$GOOD" lower/gprog
mount -t overlay -o lowerdir=lower,upperdir=upper,workdir=work ovl m || { echo "mount failed"; exit 1; }
echo "first $(r m/prog) $(r "$LDSO" m/prog)"
put "$BAD" lower/prog
echo "lower $(r m/prog) $(r "$LDSO" m/prog) $("$PY" "$ADV" mmapx m/prog)"
put "$GOOD" lower/prog
echo "lower-back $(r m/prog) $(r "$LDSO" m/prog)"
chmod 755 m/prog					# copied up
echo "upper-first $(r m/prog)"
put "$BAD" upper/prog
echo "upper $(r m/prog) $(r "$LDSO" m/prog) $("$PY" "$ADV" mmapx m/prog)"
put "$GOOD" upper/prog
echo "upper-back $(r m/prog) $(r "$LDSO" m/prog)"
# an fd opened before a copy-up maps the lower file while reads go to the upper one: the
# lower file rewritten with banned bytes after the copy-up
out=$("$PY" "$ADV" stalefd m/sprog lower/sprog "$BAD"); echo "stale ${out##*$'\n'}"
out=$("$PY" "$ADV" stalefd m/oprog lower/oprog "$OTHER"); echo "stale-control ${out##*$'\n'}"
# ... and the copy grown by a byte, to a size no rule has: the size of what is mapped counts
out=$("$PY" "$ADV" stalefd m/gprog lower/gprog "$BAD" upper/gprog); echo "stale-grown ${out##*$'\n'}"
# the overlay inode's size goes stale when the lower file changes size under it
echo "zsize-first $(r m/zprog)"
cp "$BAD" lower/zprog
echo "zsize $(r m/zprog) $(r "$LDSO" m/zprog)"
umount m
SH
	out=$(as_user unshare -Urm bash "$D/ovl.sh" "$D" "$W/good" "$W/bad" "$W/other" "$LDSO" "$ADV" "$PY" 2>&1)
	details "$(sed 's/^/# ovl: /' <<<"$out")"
	got() { sed -n "s/^$1 //p" <<<"$out"; }
	want "$m: overlay (user ns): first exec and ld.so of the benign file run" "GNU GNU" "$(got first)"
	want "$m: overlay: lower file rewritten directly with banned bytes: exec, ld.so, mmap refused" \
		"EPERM EPERM EPERM" "$(got lower)"
	want "$m: overlay: control: lower file rewritten back: runs" "GNU GNU" "$(got lower-back)"
	want "$m: overlay: copied up, runs" "GNU" "$(got upper-first)"
	want "$m: overlay: upper file rewritten directly with banned bytes: exec, ld.so, mmap refused" \
		"EPERM EPERM EPERM" "$(got upper)"
	want "$m: overlay: control: upper file rewritten back: runs" "GNU GNU" "$(got upper-back)"
	want "$m: overlay: fd opened before a copy-up, lower rewritten banned (maps lower, reads upper): mmap refused" \
		"EPERM" "$(got stale)"
	want "$m: overlay: control: the same with a file of no banned size: mapped" "mapped:GNU" \
		"$(got stale-control)"
	want "$m: overlay: the same, the copy then grown to a size no rule has: mmap refused" \
		"EPERM" "$(got stale-grown)"
	want "$m: overlay: control: a file of no banned size runs" "GNU" "$(got zsize-first)"
	want "$m: overlay: lower file grown to a banned size under a stale overlay size: refused" \
		"EPERM EPERM" "$(got zsize)"
	drain_events "$D/ev.ovl"
	check "$m: overlay: a stale_layer event for the fd opened before the copy-up" \
		event_has "$D/ev.ovl" "e.get('stale_layer') and e.get('action')=='mmap' and e.get('verdict')=='denied'"

	# -- a write through an overlay: overlayfs opens the upper file itself, on 6.1 with
	# FMODE_NONOTIFY, the mark of execban.ko's own read-only opens; that open must still
	# move the upper file's write generation, or bytes written through the overlay within a
	# clock tick (timestamps unchanged) would run under the old digest. The tick cannot be
	# hit on purpose here: this checks the outcome, banned bytes written through the
	# overlay into a cached file are refused when the upper file is run. --
	mkdir -p "$D/wo/lower" "$D/wo/upper" "$D/wo/work" "$D/wo/m"
	cp "$W/good" "$D/wo/upper/prog"
	if mount -t overlay -o "lowerdir=$D/wo/lower,upperdir=$D/wo/upper,workdir=$D/wo/work" ovl "$D/wo/m"; then
		got="$(run "$D/wo/upper/prog") $(run "$D/wo/upper/prog")"	# hashed, then cached
		dd if="$W/bad" of="$D/wo/m/prog" conv=notrunc status=none
		got="$got $(run "$D/wo/upper/prog") $(run_ld "$D/wo/upper/prog")"
		dd if="$W/good" of="$D/wo/m/prog" conv=notrunc status=none
		got="$got $(run "$D/wo/upper/prog")"
		umount "$D/wo/m"
		want "$m: overlay: banned bytes written through the overlay into a cached upper file: exec, ld.so refused; benign back: runs" \
			"GNU GNU EPERM EPERM GNU" "$got"
	else
		not_ok "$m: overlay write: mount" "mount -t overlay failed"
	fi

	# -- tmpfs: a cached file rewritten in place, by every way of writing --
	cp "$W/good" "$D/f"
	chown $U "$D/f"
	want "$m: tmpfs: benign file runs (digest cached)" "GNU" "$(as_user bash -c "true; $(declare -f mark run run_ld); run '$D/f'")"
	as_user dd if="$W/bad" of="$D/f" conv=notrunc status=none
	want "$m: tmpfs: rewritten in place within the tick: exec refused" "EPERM" "$(run "$D/f")"
	want "$m: tmpfs: ... mprotect refused" "EPERM" "$(last "$(adv mprot "$D/f")")"
	for how in copy_file_range sendfile splice iouring; do
		cp "$W/good" "$D/c.$how"; cp "$W/bad" "$D/k.$how"
		chown $U "$D/c.$how" "$D/k.$how"
		run "$D/c.$how" >/dev/null			# cached
		got=$(adv copy "$how" "$W/bad" "$D/c.$how")
		want "$m: tmpfs: banned bytes written by $how into a cached file: exec, ld.so refused" \
			"done EPERM EPERM" "$(last "$got") $(run "$D/c.$how") $(run_ld "$D/c.$how")"
		got=$(adv copy "$how" "$W/good" "$D/k.$how")
		want "$m: tmpfs: control: benign bytes written by $how over banned ones: run" \
			"done GNU" "$(last "$got") $(run "$D/k.$how")"
	done

	# a shared writable mapping kept across the check
	cp "$W/good" "$D/s"; chown $U "$D/s"
	want "$m: tmpfs: shared writable mapping across the check: benign mapped, banned refused (mmap, mprotect)" \
		"first:mapped:GNU second:EPERM mprot:EPERM" "$(last "$(adv sharedmap "$D/s" "$W/bad")")"

	# tmpfs pages pinned by io_uring (a fixed buffer), the mapping and the file closed: a
	# READ_FIXED writes the file through no hook, so tmpfs digests are never cached
	cp "$W/good" "$D/pin"; chown $U "$D/pin"
	want "$m: tmpfs: pages pinned by io_uring, written banned by READ_FIXED after an allowed run: mmap, exec refused" \
		"first:mapped:GNU:GNU reads:BAN second:EPERM:EPERM" "$(last "$(adv pinned "$D/pin" "$W/bad")")"

	# -- item 4: the timing window of the cache fills --
	for mode in before during; do
		cp "$W/rgood" "$D/r.$mode"; chown $U "$D/r.$mode"
		out=$(adv race "$D/r.$mode" "$W/rbad" "$RACE_N" "$mode")
		details "$out"
		echo "# $m: race ($mode): $RACE_N attempts, $(last "$out")"
		want "$m: a writer open $mode the fill rewrites the file while it is hashed: never allowed after" \
			"escapes:0" "$(last "$out")"
	done
	timeout 20 bash -c "echo go >'$W/go.$m'"
	wait "$prepid"
	out=$(<"$W/pre.$m.out")
	details "$out"
	echo "# $m: race (writers opened before the load): $RACE_N attempts, $(last "$out")"
	want "$m: writers opened before execban was loaded rewrite the file while it is hashed, then close: never allowed after" \
		"escapes:0" "$(last "$out")"
	check "$m: control: after the race the benign bytes run" bash -c "true; $(declare -f mark run run_ld); \
		dd if='$W/rgood' of='$D/r.before' conv=notrunc status=none; [ \"\$(run '$D/r.before')\" = GNU ]"

	# -- memfd and SysV shared memory: written through fds that hold no write access --
	out=$(adv memfd "$W/good" "$W/bad" 30)
	details "$out"
	echo "# $m: memfd: 30 attempts, $(last "$out")"
	want "$m: memfd rewritten within the tick after an allowed fexecve: refused" "escapes:0 ran:30" "$(last "$out")"
	# SysV shm: written through a writable attach, never cached. An SHM_EXEC attach of a
	# segment of a banned size is hashed where the segment can be read (execban.ko on 6.12),
	# else refused as a file that cannot be hashed (its file has no read method).
	out=$(last "$(adv shm "$W/good" "$W/bad")")
	echo "# $m: SysV shm: $out"
	check "$m: SysV shm: SHM_EXEC of benign bytes (mapped, or refused unreadable), then of banned bytes written through another attach: refused" \
		grep -qxE "first:(mapped:GNU|EPERM) second:EPERM" <<<"$out"
	want "$m: SysV shm: control: SHM_EXEC of a segment of no banned size: mapped" \
		"first:mapped:GNU second:mapped:GNU" "$(last "$(adv shm "$W/other" "$W/other")")"

	# -- a tmpfs mounted in a user namespace: local, cached, and invalidated the same way --
	out=$(as_user unshare -Urm bash -c "true; $(declare -f mark run run_ld)
		mkdir '$D/ut' && mount -t tmpfs t '$D/ut' && cp '$W/good' '$D/ut/p' && cp '$W/bad' '$D/ut/b' &&
		echo \"first \$(run '$D/ut/p') \$(run '$D/ut/b')\" &&
		dd if='$W/bad' of='$D/ut/p' conv=notrunc status=none && echo \"rewritten \$(run '$D/ut/p')\"" 2>&1)
	want "$m: tmpfs mounted in a user namespace: benign runs, banned refused" "GNU EPERM" "$(got first)"
	want "$m: ... a cached file rewritten there: refused" "EPERM" "$(got rewritten)"

	# -- reflink (FICLONE) on xfs, as root (mounting needs it) --
	if [ -n "${XFS:-}" ]; then
		cp "$W/good" "$XFS/c.$m"; cp "$W/bad" "$XFS/k.$m"
		want "$m: xfs: benign runs" "GNU" "$(run "$XFS/c.$m")"
		got=$(advr copy ficlone "$W/bad" "$XFS/c.$m")
		cp "$W/bad" "$XFS/src.$m"
		got=$(advr copy ficlone "$XFS/src.$m" "$XFS/c.$m")
		want "$m: xfs: banned extents reflinked into a cached file: exec, ld.so refused" \
			"done EPERM EPERM" "$(last "$got") $(run "$XFS/c.$m") $(run_ld "$XFS/c.$m")"
		cp "$W/good" "$XFS/gsrc.$m"
		got=$(advr copy ficlone "$XFS/gsrc.$m" "$XFS/k.$m")
		want "$m: xfs: control: benign extents reflinked over banned ones: run" "done GNU" \
			"$(last "$got") $(run "$XFS/k.$m")"
	fi

	# -- 2 and 3: FUSE, mounted by the user through fusermount3 --
	fuse_attacks "$m"
}

# fuse_mount DIR [SWAPFS OPTIONS]: swapfs over DIR serving good then bad, as the user if
# fusermount3 works for the user here, else as root with allow_other.
fuse_mount() {
	local dir=$1
	shift
	mkdir -p "$dir"; chown $U "$dir"
	as_user "$SWAPFS" "$@" "$W/good" "$W/bad" "$W/other" "$dir" -f 2>>"$W/swapfs.err" &
	fpid=$!
	# Without allow_other only the user who mounted it may look (not even root).
	for _ in $(seq 50); do as_user test -e "$dir/prog" && return 0; sleep 0.1; done
	kill $fpid 2>/dev/null; wait $fpid 2>/dev/null
	sed 's/^/# swapfs: /' "$W/swapfs.err"
	echo "# fusermount3 did not mount for the user; mounting as root with allow_other"
	"$SWAPFS" "$@" "$W/good" "$W/bad" "$W/other" "$dir" -f -o allow_other 2>>"$W/swapfs.err" &
	fpid=$!
	for _ in $(seq 50); do [ -e "$dir/prog" ] && return 0; sleep 0.1; done
	sed 's/^/# swapfs: /' "$W/swapfs.err"
	return 1
}
fuse_umount() { # DIR
	fusermount3 -u "$1" 2>/dev/null || umount "$1" 2>/dev/null
	kill $fpid 2>/dev/null; wait $fpid 2>/dev/null
}

# The attacks themselves work: with no policy in force, banned bytes run.
fuse_demo() {
	fuse_mount "$W/fd1" || { not_ok "FUSE: swapfs mounts"; return; }
	want "without a policy: swapfs swaps content between opens (first GNU, then BAN)" "GNU BAN" \
		"$(as_user bash -c "true; $(declare -f mark run run_ld); echo \$(run '$W/fd1/prog') \$(run '$W/fd1/prog')")"
	fuse_umount "$W/fd1"
	fuse_mount "$W/fd2" --direct-io || { not_ok "FUSE: swapfs --direct-io mounts"; return; }
	want "without a policy: direct_io swapfs maps BAN after one full read pass" "GNU BAN" \
		"$(as_user bash -c "true; $(declare -f mark run run_ld); a=\$(run '$W/fd2/prog'); cat '$W/fd2/prog' >/dev/null; echo \$a \$(run '$W/fd2/prog')")"
	fuse_umount "$W/fd2"
}

fuse_attacks() { # MODE
	local m=$1 d
	for opt in "" --direct-io; do
		d=$W/$m.fuse${opt}
		fuse_mount "$d" $opt || { not_ok "$m: FUSE$opt: swapfs mounts"; continue; }
		"$EB" events >/dev/null
		want "$m: FUSE$opt: a file of a banned size is refused unread: exec, ld.so, mmap, again" \
			"EPERM EPERM EPERM EPERM" \
			"$(as_user bash -c "$fns; echo \$(run '$d/prog') \$(run_ld '$d/prog') \$('$PY' '$ADV' mmapx '$d/prog') \$(run '$d/prog')")"
		want "$m: FUSE$opt: control: a file of no banned size runs" "GNU" \
			"$(as_user bash -c "true; $(declare -f mark run run_ld); run '$d/other'")"
		drain_events "$W/ev.fuse"
		check "$m: FUSE$opt: the event says untrusted_fs, no digest" event_has "$W/ev.fuse" \
			"e.get('untrusted_fs') and e.get('sha256')=='' and e.get('path')=='$d/prog' and e.get('verdict')=='denied'"
		fuse_umount "$d"
	done
}

fuse_demo

# An xfs with reflinks, for FICLONE (root: mounting a disk image needs it).
XFS=
modprobe xfs 2>/dev/null
modprobe loop 2>/dev/null
if truncate -s 320M "$W/xfs.img" && mkfs.xfs -q -m reflink=1 "$W/xfs.img" >"$W/xfs.err" 2>&1 &&
   mkdir "$W/xfs" && mount -o loop "$W/xfs.img" "$W/xfs" >>"$W/xfs.err" 2>&1; then
	XFS=$W/xfs
else
	sed 's/^/# xfs: /' "$W/xfs.err"
	not_ok "an xfs with reflinks for FICLONE: set-up" "mkfs.xfs (xfsprogs), xfs.ko or the loop mount failed"
fi

for m in ima kmod; do
	if [ $m = kmod ]; then
		insmod "$KO" || { not_ok "kmod: insmod execban.ko"; continue; }
	fi
	# item 4 as reported: writers opened before execban was loaded, seen by no hook
	cp "$W/rgood" "$W/pre.$m"; chown $U "$W/pre.$m"
	rm -f "$W/go.$m"; mkfifo "$W/go.$m"; chmod 666 "$W/go.$m"
	as_user "$PY" "$ADV" racepre "$W/pre.$m" "$W/rbad" "$RACE_N" "$W/go.$m" >"$W/pre.$m.out" 2>&1 &
	prepid=$!
	# Until its writers are open: the python process is the child of as_user's subshell.
	opened=0
	for _ in $(seq 150); do
		pypid=$(pgrep -n -f "racepre $W/pre.$m ") &&
			[ "$(ls /proc/$pypid/fd 2>/dev/null | wc -l)" -gt "$RACE_N" ] && opened=1 && break
		sleep 0.1
	done
	check "$m: $RACE_N writers opened before the load" [ $opened = 1 ]
	"$EB" load "$W/ban.policy" >/dev/null
	check "$m: policy loads" [ $? = 0 ]
	want "$m: the banned twin is refused, the benign one runs" "EPERM GNU" \
		"$(run "$W/bad") $(run "$W/good")"
	"$EB" events >/dev/null
	attacks $m
	n=$(counter unverifiable)
	echo "# $m: unverifiable counter: $n"
	"$EB" unload >/dev/null
	[ $m = kmod ] && for _ in $(seq 20); do rmmod execban 2>/dev/null && break; sleep 0.5; done
done

[ -n "$XFS" ] && umount "$XFS"
rm -rf "$W" 2>/dev/null
finish
