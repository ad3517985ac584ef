#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Hashing through IMA (no execban.ko) where an IMA policy is in force: IMA then answers with
# the digest it stored when it measured the file, until the file's last writer closes it.
# A user who keeps a writer open and rewrites the file in place must not have the new bytes
# judged by the old digest (ld.so and mmap need no exec, so no ETXTBSY stops them).
# An IMA policy cannot be removed until reboot: tests/run runs this suite after all the others
# but lock.sh (which hashes through execban.ko), and its rules are for one uid of its own.
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-ima.XXXXXX)
chmod 755 "$W"
U=4242
LDSO=$(readlink -f /lib64/ld-linux-x86-64.so.2)
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null

# Twins of one size (lib.sh): their --version says which bytes ran.
twins "$W/good" "$W/bad"
"$EB" hash "$W/bad" >"$W/ban.policy"
"$EB" load "$W/ban.policy" >/dev/null
check "policy loads, hashing through IMA (no execban.ko)" \
	[ "$(status_json "d['kmod_hashing']")" = False ]

# The user's files on an ext4: there, every change to a file needs a writer IMA sees close.
mkdir "$W/u"
modprobe loop 2>/dev/null
truncate -s 16M "$W/u.img" && mkfs.ext4 -q -F "$W/u.img" && mount -o loop "$W/u.img" "$W/u" ||
	not_ok "an ext4 for the user's files" "mkfs.ext4 or the loop mount failed"
chown $U "$W/u"
cp "$W/good" "$W/u/x"
chown $U "$W/u/x"
POL=/sys/kernel/security/ima/policy
if printf 'measure func=MMAP_CHECK mask=MAY_EXEC uid=%s\nmeasure func=BPRM_CHECK uid=%s\n' $U $U \
	>"$POL" 2>"$W/pol.err"; then
	ok "an IMA policy measuring uid $U's executable mappings is in force"
else
	not_ok "an IMA policy measuring uid $U's executable mappings is in force" "$(cat "$W/pol.err")"
fi

# What a twin's --version printed, as a word (sourced by the user's scripts below).
cat >"$W/u/mark.sh" <<'SH'
mark() {
	case "$1" in
	*"(BAN coreutils)"*) echo BAN ;; *"(GNU coreutils)"*) echo GNU ;;
	*"not permitted"*|*"failed to map segment"*) echo EPERM ;; *) echo "other: ${1:0:100}" ;;
	esac
}
SH
cat >"$W/u/run.sh" <<'SH'
set -u
X=$1 GOOD=$2 BAD=$3 LDSO=$4
. "$(dirname "$0")/mark.sh"
r() { mark "$("$LDSO" "$X" --version 2>&1)"; }
echo "first $(r)"				# measured by IMA: its digest stored
exec 3<>"$X"					# a writer, kept open
dd if="$BAD" of="$X" conv=notrunc status=none	# same inode, same size, banned bytes
echo "writer-open $(r)"
exec 3>&-					# the last writer closes: IMA drops its digest
echo "closed $(r)"
dd if="$GOOD" of="$X" conv=notrunc status=none
echo "good-again $(r)"
SH
out=$(setpriv --reuid=$U --regid=$U --clear-groups -- bash "$W/u/run.sh" "$W/u/x" "$W/good" "$W/bad" "$LDSO" 2>&1)
sed 's/^/# /' <<<"$out"
got() { sed -n "s/^$1 //p" <<<"$out"; }
check "ld.so of the benign file runs (IMA measures it)" [ "$(got first)" = GNU ]
check "rewritten with banned bytes while a writer holds it open: refused, not judged by IMA's stored digest" \
	[ "$(got writer-open)" = EPERM ]
check "the writer closed: still refused (IMA hashes the new bytes)" [ "$(got closed)" = EPERM ]
check "control: the benign bytes back: runs" [ "$(got good-again)" = GNU ]
drain_events "$W/ev"
check "the refusal with a writer open is a hash_error event for the file" \
	event_has "$W/ev" "e.get('path')=='$W/u/x' and e.get('hash_error') and e.get('verdict')=='denied'"

# tmpfs: its pages can be written with no writer at all (io_uring fixed buffers: adv.py
# pinned), so IMA's stored digest is not trusted there either: a file of a banned size is
# refused; one of another size runs.
mkdir "$W/t"
cp "$W/good" "$W/t/x"
unique_copy /bin/true "$W/t/other" ima-tmpfs
chown -R $U "$W/t"
out=$(setpriv --reuid=$U --regid=$U --clear-groups -- bash -c \
	". '$W/u/mark.sh'; echo \"banned-size \$(mark \"\$('$LDSO' '$W/t/x' --version 2>&1)\")\"
	 echo \"other-size \$(mark \"\$('$LDSO' '$W/t/other' --version 2>&1)\")\"" 2>&1)
sed 's/^/# tmpfs: /' <<<"$out"
check "tmpfs, IMA policy, no execban.ko: a file of a banned size is refused ($(got banned-size))" \
	[ "$(got banned-size)" = EPERM ]
check "control: a tmpfs file of another size runs ($(got other-size))" [ "$(got other-size)" = GNU ]

# An overlay file whose layer is written directly: IMA keeps the digest it stored on the
# overlay inode (6.1 never looks at the layer; 6.12 looks in its own hook, after execban's), so
# with an IMA policy its digest is unknown to execban without execban.ko: a file of a banned
# size there is refused, before and after its layer changes; one of another size runs.
mkdir -p "$W/o/lower" "$W/o/upper" "$W/o/work" "$W/o/merged"
cp "$W/good" "$W/o/lower/x"
unique_copy /bin/true "$W/o/lower/other" ima-overlay
chown -R $U "$W/o"
if mount -t overlay -o "lowerdir=$W/o/lower,upperdir=$W/o/upper,workdir=$W/o/work" overlay "$W/o/merged"; then
	cat >"$W/u/ovl.sh" <<'SH'
set -u
M=$1 L=$2 BAD=$3 LDSO=$4
. "$(dirname "$0")/mark.sh"
echo "first $(mark "$("$LDSO" "$M/x" --version 2>&1)")"
dd if="$BAD" of="$L/x" conv=notrunc status=none	# the lower layer, not through the overlay
echo "layer-written $(mark "$("$LDSO" "$M/x" --version 2>&1)")"
echo "other-size $(mark "$("$LDSO" "$M/other" --version 2>&1)")"
SH
	out=$(setpriv --reuid=$U --regid=$U --clear-groups -- bash "$W/u/ovl.sh" "$W/o/merged" "$W/o/lower" "$W/bad" "$LDSO" 2>&1)
	sed 's/^/# overlay: /' <<<"$out"
	check "overlay, IMA policy, no execban.ko: a file of a banned size is refused ($(got first))" \
		[ "$(got first)" = EPERM ]
	check "... and still once its lower layer holds the banned bytes, not run on IMA's stored digest ($(got layer-written))" \
		[ "$(got layer-written)" = EPERM ]
	check "control: an overlay file of another size runs ($(got other-size))" [ "$(got other-size)" = GNU ]
	umount "$W/o/merged"
else
	not_ok "an overlay mounts over $W/o"
fi

"$EB" unload >/dev/null
umount "$W/u"
rm -rf "$W"
finish
