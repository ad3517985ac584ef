#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Installation: a banned file put in place to run. Renaming it into place (RENAME_EXCHANGE
# too), adding an execute bit, and hard-linking it are refused (lsm.s/inode_rename,
# lsm.s/inode_setattr, lsm/inode_link; execban.ko reads the bytes through the page cache, as
# those hooks have no open file; a link, which cannot sleep, only from what it holds), on the
# guest's overlay root (tmpfs upper), tmpfs and ext4; and a real package: dpkg -i of a .deb
# shipping a banned binary fails and leaves nothing runnable. A banned file written under any
# name is reported ("install") when its last writer closes it (execban.ko's close watch). Each
# with a control.
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-install.XXXXXX)
KO=$top/build/kmod/$(uname -r)/execban.ko
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null
insmod "$KO"

unique_copy /bin/true "$W/banned" install-banned
unique_copy /bin/true "$W/allowed" install-allowed
"$EB" hash "$W/banned" >"$W/p"
"$EB" load "$W/p" >/dev/null
"$EB" events >/dev/null

# ---- rename: how dpkg, install(1) and downloaders finish writing a file ----
cp "$W/banned" "$W/dl.part"
mv "$W/dl.part" "$W/dl" 2>"$W/mv.err"; rc=$?
check "rename of a banned file is refused (EPERM)" \
	bash -c "[ $rc != 0 ] && grep -q 'not permitted' '$W/mv.err'"
check "after the refused rename the file is still under its temporary name only" \
	bash -c "[ -e '$W/dl.part' ] && [ ! -e '$W/dl' ]"
cp "$W/allowed" "$W/ok.part"
check "control: rename of an allowed file works" mv "$W/ok.part" "$W/ok"
drain_events "$W/ev"
# These hooks have a dentry and no mount: the path is from the root of the file's filesystem
# (/tmp is its own tmpfs in the guest), flagged path_fs_relative.
check "rename event: action, verdict, the file's path and the new name" event_has "$W/ev" \
	"e['action']=='rename' and e['verdict']=='denied' and '$W/dl.part'.endswith(e['path']) and e['path'].endswith('/dl.part') and e['path_fs_relative'] and e['filename']=='dl' and e['sha256']=='$(sha256 "$W/banned")'"

# RENAME_EXCHANGE swaps two names: the kernel calls the rename hook for each of the two files,
# so a banned file is refused as either of them.
exchange() { # A B: renameat2(A, B, RENAME_EXCHANGE); prints ok or the errno name
	python3 - "$1" "$2" <<'PY'
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, sys.argv[1].encode(), -100, sys.argv[2].encode(), 2)
print("ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
PY
}
cp "$W/allowed" "$W/xa"
cp "$W/banned" "$W/xb"
check "RENAME_EXCHANGE with the banned file second is refused (EPERM)" \
	[ "$(exchange "$W/xa" "$W/xb")" = EPERM ]
check "RENAME_EXCHANGE with the banned file first is refused (EPERM)" \
	[ "$(exchange "$W/xb" "$W/xa")" = EPERM ]
check "the refused exchange left both names as they were" \
	bash -c "cmp -s '$W/xa' '$W/allowed' && cmp -s '$W/xb' '$W/banned'"
cp "$W/allowed" "$W/xc"
printf 'other' >>"$W/xc"
check "control: RENAME_EXCHANGE of two allowed files works" [ "$(exchange "$W/xa" "$W/xc")" = ok ]
rm -f "$W/xa" "$W/xb" "$W/xc"

# ---- chmod: adding an execute bit ----
install -m 644 "$W/banned" "$W/noexec"
chmod +x "$W/noexec" 2>"$W/chmod.err"; rc=$?
check "chmod +x of a banned file is refused" bash -c "[ $rc != 0 ] && grep -q 'not permitted' '$W/chmod.err'"
check "the banned file kept its mode" [ "$(stat -c %a "$W/noexec")" = 644 ]
check "chmod that adds no execute bit is allowed (go-r)" chmod 600 "$W/noexec"
python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY); os.fchmod(fd, 0o755)" "$W/noexec" 2>/dev/null
check "fchmod 755 of a banned file is refused too" [ "$(stat -c %a "$W/noexec")" = 600 ]
install -m 644 "$W/allowed" "$W/okexec"
check "control: chmod +x of an allowed file works" chmod +x "$W/okexec"
drain_events "$W/ev"
check "chmod event names the file" event_has "$W/ev" \
	"e['action']=='chmod' and e['verdict']=='denied' and '$W/noexec'.endswith(e['path']) and e['path'].endswith('/noexec')"

# ---- a POSIX access ACL, which sets the mode's bits without a chmod (setfacl -m u::rwx) ----
# acl755 FILE: the ACL of mode 755 (user::rwx group::r-x other::r-x) as setfacl writes it
cat >"$W/acl755.py" <<'PY'
import os, struct, sys
acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, perm, 0xffffffff)
                                      for tag, perm in ((0x01, 7), (0x04, 5), (0x20, 5)))
try:
    os.setxattr(sys.argv[1], "system.posix_acl_access", acl)
    print("set")
except OSError as e:
    print("refused" if e.errno == 1 else "error %d" % e.errno)
PY
chmod 644 "$W/noexec"
install -m 644 "$W/allowed" "$W/okacl"
"$EB" events >/dev/null
check "an access ACL with execute bits on a banned file is refused, its mode kept" \
	[ "$(python3 "$W/acl755.py" "$W/noexec") $(stat -c %a "$W/noexec")" = "refused 644" ]
check "control: the same ACL on an allowed file makes it 755" \
	[ "$(python3 "$W/acl755.py" "$W/okacl") $(stat -c %a "$W/okacl")" = "set 755" ]
drain_events "$W/ev"
check "the refused ACL is a chmod event naming the file" event_has "$W/ev" \
	"e['action']=='chmod' and e['verdict']=='denied' and e['path'].endswith('/noexec')"

# ---- hard link: decided from the cache (the hook cannot sleep) ----
expect_exec "the banned file is refused when run (and its digest cached)" "exec-error EPERM" "$W/banned"
ln "$W/banned" "$W/hardlink" 2>"$W/ln.err"; rc=$?
check "hard link of a banned (cached) file is refused" \
	bash -c "[ $rc != 0 ] && grep -q 'not permitted' '$W/ln.err' && [ ! -e '$W/hardlink' ]"
check "control: hard link of an allowed file works" ln "$W/allowed" "$W/allowed-link"
drain_events "$W/ev"
check "link event names the file and the new name" event_has "$W/ev" \
	"e['action']=='link' and '$W/banned'.endswith(e['path']) and e['path'].endswith('/banned') and e['filename']=='hardlink'"
# Not checked before (nothing cached): hashed from the page cache, which holds what cp wrote.
unique_copy /bin/true "$W/fresh" install-banned
unique_copy /bin/true "$W/decoy" install-bannex
check "the decoy has the banned size and other bytes" \
	bash -c "[ $(stat -c %s "$W/decoy") = $(stat -c %s "$W/banned") ] && ! cmp -s '$W/decoy' '$W/banned'"
check "hard link of a banned file never checked before is refused (page cache)" \
	bash -c "! ln '$W/fresh' '$W/fresh-link' 2>/dev/null && [ ! -e '$W/fresh-link' ]"
check "control: hard link of a same-size allowed file works" ln "$W/decoy" "$W/decoy-link"
drain_events "$W/ev"
check "its link event has the digest, not from the cache" event_has "$W/ev" \
	"e['action']=='link' and e['filename']=='fresh-link' and e['sha256']=='$(sha256 "$W/banned")' and not e['cached'] and not e['hash_error']"

# ---- install: a banned file written under any name, reported at its last writer's close ----
# cp of an executable creates it 0755 under its final name: no rename, no chmod to refuse.
"$EB" events >/dev/null
before=$(counter install_checks)
cp "$W/banned" "$W/cp-copy"
cp "$W/allowed" "$W/cp-allowed"
drain_events "$W/ev"
check "install: status says install reports are on" \
	bash -c "grep -q '\"install_reports\":true' <<<\"\$('$EB' status --json)\""
check "install: cp of a banned file is reported when cp closes it" event_has "$W/ev" \
	"e['action']=='install' and e['verdict']=='audited' and e['path']=='$W/cp-copy' and e['sha256']=='$(sha256 "$W/banned")' and e['comm']=='cp' and e['size']==$(stat -c %s "$W/banned") and e['ino']==$(stat -c %i "$W/cp-copy")"
check "install: exactly one event for the copy, none for the allowed copy" python3 - "$W/ev" "$W" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
inst = [e for e in evs if e.get('action') == 'install']
sys.exit(0 if [e['path'] for e in inst] == [sys.argv[2] + '/cp-copy'] else 1)
PY
after=$(counter install_checks)
check "install: the install_checks counter counts both closes ($before -> $after)" [ $((after - before)) -ge 2 ]
expect_exec "install: the reported copy is refused when run" "exec-error EPERM" "$W/cp-copy"
expect_exec "install: control: the allowed copy runs" "exit 0" "$W/cp-allowed"

# Kernel interfaces are not watched: writing a sysfs attribute (a page-sized "file") is not
# checked at its close (execban.ko would have to read it to hash it).
before=$(counter install_checks)
cat /sys/kernel/mm/transparent_hugepage/enabled | grep -o '\[[a-z]*\]' | tr -d '[]' \
	>/sys/kernel/mm/transparent_hugepage/enabled
after=$(counter install_checks)
check "install: a sysfs attribute written and closed is not checked ($before -> $after)" \
	[ "$after" = "$before" ]

# Two writers: only the last close is the end of the writing.
"$EB" events >/dev/null
python3 - "$W/banned" "$W/two-writers" "$W/ev.mid" "$EB" <<'PY'
import os, subprocess, sys
data = open(sys.argv[1], 'rb').read()
a = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT, 0o755)
b = os.open(sys.argv[2], os.O_WRONLY)
os.write(a, data)
os.close(a)
with open(sys.argv[3], 'w') as f:
    subprocess.run([sys.argv[4], 'events', '--json'], stdout=f)
os.close(b)
PY
drain_events "$W/ev"
check "install: no report while another writer still has the file open" \
	bash -c "! grep -q '\"action\":\"install\"' '$W/ev.mid'"
check "install: reported at the last writer's close" event_has "$W/ev" \
	"e['action']=='install' and e['path']=='$W/two-writers' and e['comm']=='python3'"

# A writer that exits without closing: its files are closed at exit, after its fs is gone.
python3 -c 'import os,sys; fd=os.open(sys.argv[2], os.O_WRONLY|os.O_CREAT, 0o644); os.write(fd, open(sys.argv[1],"rb").read()); os._exit(0)' \
	"$W/banned" "$W/exit-writer"
drain_events "$W/ev"
check "install: a writer's close at its exit is reported too, with the full path" event_has "$W/ev" \
	"e['action']=='install' and e['path']=='$W/exit-writer' and e['sha256']=='$(sha256 "$W/banned")'"
check "install: the file written at exit holds the banned bytes" cmp -s "$W/banned" "$W/exit-writer"

# ---- other filesystems: ext4 through its page cache ----
modprobe loop 2>/dev/null
mkdir -p "$W/mnt"
if truncate -s 16M "$W/ext4.img" && mkfs.ext4 -q -F "$W/ext4.img" 2>/dev/null &&
   mount -o loop "$W/ext4.img" "$W/mnt" 2>/dev/null; then
	"$EB" events >/dev/null
	cp "$W/banned" "$W/mnt/tool.tmp"
	cp "$W/allowed" "$W/mnt/ok.tmp"
	drain_events "$W/ev"
	check "ext4: the banned copy is reported (install)" event_has "$W/ev" \
		"e['action']=='install' and e['path']=='$W/mnt/tool.tmp'"
	# Files left open at exit are closed by the exiting task's task work, one after another:
	# on 6.1 a struct file in that chain had a pointer where its read flags are (a union),
	# and reading the closing file through itself locked a folio through a NULL pointer
	# (an Oops). Here for files written, synced and dropped from the page cache, so that
	# each read goes to the disk.
	"$EB" events >/dev/null
	python3 - "$W/banned" "$W/mnt" 24 <<'PY'
import os, sys
data = open(sys.argv[1], "rb").read()
fds = []
for i in range(int(sys.argv[3])):
    fd = os.open("%s/atexit%02d" % (sys.argv[2], i), os.O_RDWR | os.O_CREAT, 0o755)
    os.write(fd, data)
    os.fsync(fd)
    fds.append(fd)
with open("/proc/sys/vm/drop_caches", "w") as f:
    f.write("1")
os._exit(0)
PY
	drain_events "$W/ev"
	check "ext4: 24 banned files left open at exit, read back from disk: each reported at its close" \
		python3 - "$W/ev" "$W/mnt" "$(sha256 "$W/banned")" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
got = {e["path"] for e in evs if e["action"] == "install" and e.get("sha256") == sys.argv[3]
       and e["path"].startswith(sys.argv[2] + "/atexit")}
print("# %d of 24 reported" % len(got))
sys.exit(0 if len(got) == 24 else 1)
PY
	sync; echo 3 >/proc/sys/vm/drop_caches	# read back from disk, not from what cp left
	check "ext4: rename of a banned file is refused" bash -c "! mv '$W/mnt/tool.tmp' '$W/mnt/tool' 2>/dev/null"
	check "ext4: control: rename of an allowed file works" mv "$W/mnt/ok.tmp" "$W/mnt/ok"
	# A hard link cannot sleep, so it cannot read from disk: a file that could be banned
	# (its size is) and is not in the page cache is refused, whatever its bytes.
	cp "$W/decoy" "$W/mnt/decoy"
	truncate -s 100 "$W/mnt/small"
	sync; echo 3 >/proc/sys/vm/drop_caches
	"$EB" events >/dev/null
	check "ext4: hard link of a banned-size file not in the page cache is refused (fail closed)" \
		bash -c "! ln '$W/mnt/decoy' '$W/mnt/decoy-link' 2>/dev/null"
	drain_events "$W/ev"
	check "ext4: that refusal is a hash_error link event" event_has "$W/ev" \
		"e['action']=='link' and e['verdict']=='denied' and e['hash_error'] and e['filename']=='decoy-link'"
	check "ext4: control: hard link of a file of no banned size works uncached" \
		ln "$W/mnt/small" "$W/mnt/small-link"
	cat "$W/mnt/decoy" >/dev/null
	check "ext4: once read into the page cache, the same-size allowed file links" \
		ln "$W/mnt/decoy" "$W/mnt/decoy-link"
	umount "$W/mnt"
else
	not_ok "ext4 set-up" "mkfs.ext4 or loop mount failed"
fi

# ---- a real package ----
mkdeb() { # NAME BINARY
	local d=$W/deb-$1
	mkdir -p "$d/DEBIAN" "$d/usr/local/bin" "$d/usr/share/doc/$1"
	cat >"$d/DEBIAN/control" <<CTL
Package: $1
Version: 1.0
Architecture: all
Maintainer: execban tests <root@localhost>
Description: execban install test package
CTL
	cp "$2" "$d/usr/local/bin/$1"	# created 0755 by cp: adding x later would be refused
	echo "test package" >"$d/usr/share/doc/$1/README"
	dpkg-deb --root-owner-group -Zgzip --build "$d" "$W/$1.deb" >/dev/null
}
mkdeb execban-test-banned "$W/banned"
mkdeb execban-test-allowed "$W/allowed"
check "test packages built with dpkg-deb" [ -s "$W/execban-test-banned.deb" ]
"$EB" events >/dev/null
dpkg -i "$W/execban-test-banned.deb" >"$W/dpkg.out" 2>&1; rc=$?
sed 's/^/# dpkg: /' "$W/dpkg.out" | tail -5
check "dpkg -i of a package shipping a banned binary fails" [ $rc != 0 ]
check "the banned binary is not at its final path" [ ! -e /usr/local/bin/execban-test-banned ]
left=$(ls /usr/local/bin/execban-test-banned* 2>/dev/null)
check "nothing runnable is left under a temporary name" \
	bash -c "for f in $left; do [ -x \"\$f\" ] && exit 1; done; exit 0"
st=$(dpkg-query -W -f='${db:Status-Status}' execban-test-banned 2>/dev/null)
check "dpkg's database is consistent: the package is not installed ($st)" \
	bash -c "[ '$st' != installed ]"
dpkg --audit >"$W/audit" 2>&1
sed -n '1,5s/^/# audit: /p' "$W/audit"
if [ "$st" = not-installed ] || [ -z "$st" ]; then
	ok "dpkg --audit: nothing half-installed to explain (dpkg rolled the unpack back)"
else
	check "dpkg --audit explains the half-installed package" grep -q execban-test-banned "$W/audit"
fi
check "dpkg --purge cleans up" dpkg --purge execban-test-banned
st=$(dpkg-query -W -f='${db:Status-Status}' execban-test-banned 2>/dev/null)
check "after the purge dpkg knows nothing of it (${st:-unknown})" \
	bash -c "[ -z '$st' ] || [ '$st' = not-installed ]"
drain_events "$W/ev"
check "event names the packaged binary's path and the action" event_has "$W/ev" \
	"e['action'] in ('chmod','rename') and e['verdict']=='denied' and e['path'].startswith('/usr/local/bin/execban-test-banned')"
check "dpkg writing the banned binary is reported as an install, with its full path" \
	event_has "$W/ev" \
	"e['action']=='install' and e['path'].startswith('/usr/local/bin/execban-test-banned') and e['comm']=='dpkg'"
check "control: dpkg -i of a package with an allowed binary works" \
	dpkg -i "$W/execban-test-allowed.deb"
expect_exec "control: the installed allowed binary runs" "exit 0" /usr/local/bin/execban-test-allowed
dpkg --purge execban-test-allowed >/dev/null 2>&1

# ---- signer rules apply to installation too ----
SIGN_FILE=$(ls /usr/lib/linux-kbuild-*/scripts/sign-file 2>/dev/null | awk 'NR == 1')
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=Install Test Vendor/" \
	-addext subjectKeyIdentifier=hash -keyout "$W/v.key" -out "$W/v.pem" 2>/dev/null
unique_copy /bin/true "$W/signed" install-signed
"$SIGN_FILE" sha256 "$W/v.key" "$W/v.pem" "$W/signed"
chmod 644 "$W/signed"
echo "deny signer=$W/v.pem label=vendor" >"$W/sp"
"$EB" load "$W/sp" >/dev/null
check "signer rule: chmod +x of a file signed by a banned vendor is refused" \
	bash -c "! chmod +x '$W/signed' 2>/dev/null"
check "signer rule: renaming it into place is refused" \
	bash -c "! mv '$W/signed' '$W/signed-final' 2>/dev/null"
check "signer rule: control: renaming an unsigned file works" mv "$W/ok" "$W/ok2"

"$EB" unload >/dev/null
for _ in $(seq 30); do rmmod execban 2>/dev/null && break; sleep 0.2; done
rm -rf "$W"
finish
