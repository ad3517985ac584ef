#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Events, field by field: for every action execban reports (exec, mmap, mprotect, rename,
# link, chmod, module from a file and from memory, an interpreter's open, install), the
# process that acts (tests/helpers/evfields.py) checks every field of the one event it caused
# against what it knows of itself, the file, the rule and the policy in force. Then paths:
# a file opened through a directory fd, and files seen through a bind mount in another mount
# namespace, for hooks that resolve paths with bpf_d_path and for those that walk dentries.
set -u
. "$(dirname "$0")/../lib.sh"

# The files on an ext4 of their own: mprotect's event comes from a cached digest, and tmpfs's
# are never cached (bpf/check.bpf.h, fs_class_of()).
W=$(mktemp -d /tmp/execban-events.XXXXXX)
modprobe loop 2>/dev/null
truncate -s 32M "$W.img" && mkfs.ext4 -q -F "$W.img" && mount -o loop "$W.img" "$W" ||
	not_ok "events: an ext4 for the files" "mkfs.ext4 or the loop mount failed"
KO=$top/build/kmod/$(uname -r)/execban.ko
# evfields.py prints its own "ok - events: ..." line; count it for this suite's summary.
ev() {
	python3 "$top/tests/helpers/evfields.py" "$@" >"$W/ev.out" 2>&1
	local rc=$?
	cat "$W/ev.out"
	if [ $rc = 0 ]; then
		T_PASS=$((T_PASS + 1))
	else
		T_FAIL=$((T_FAIL + 1))
		grep -q '^not ok' "$W/ev.out" || echo "not ok - events: evfields.py $* exited $rc"
	fi
}
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null
insmod "$KO"

# A cgroup of its own, so that cgroup_id is not the root's.
grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts || mount -t cgroup2 none /sys/fs/cgroup
mkdir -p /sys/fs/cgroup/execban-events
echo $$ >/sys/fs/cgroup/execban-events/cgroup.procs

i=0
for a in exec mmap mprotect rename link chmod module init_module install open dirfd ns nswalk; do
	i=$((i + 1))
	unique_copy /bin/true "$W/b-$a" "events-$a"
	echo "deny sha256=$(sha256 "$W/b-$a") size=$(stat -c %s "$W/b-$a") label=ev-$a reason=\"banned for the $a test ($i)\""
done >"$W/p1"
printf 'name "events-test"\nversion 42\n' >>"$W/p1"
chmod 644 "$W/b-chmod"
check "the policy loads" "$EB" load "$W/p1"

# The path of a file from the root of its filesystem, as the dentry-only hooks report it.
fsrel() { local m; m=$(stat -c %m "$1"); echo "/${1#"$m"/}"; }

ev "$EB" "$W/p1" exec "$W/b-exec"
ev "$EB" "$W/p1" mmap "$W/b-mmap"
# mapped without PROT_EXEC first, which caches the digest: mprotect cannot hash
ev --cached yes "$EB" "$W/p1" mprotect "$W/b-mprotect"
ev --new "$W/ren-new" --path-fs-relative "$(fsrel "$W/b-rename")" "$EB" "$W/p1" rename "$W/b-rename"
ev --new "$W/link-new" --path-fs-relative "$(fsrel "$W/b-link")" "$EB" "$W/p1" link "$W/b-link"
ev --path-fs-relative "$(fsrel "$W/b-chmod")" "$EB" "$W/p1" chmod "$W/b-chmod"
ev "$EB" "$W/p1" module "$W/b-module"
ev "$EB" "$W/p1" init_module "$W/b-init_module"
ev --new "$W/b-install.installed" "$EB" "$W/p1" install "$W/b-install"

# An interpreter reading a banned script: python3 itself, named by the policy. Marks are set
# at exec, so the actor is started after this load.
{ cat "$W/p1"; echo "interpreter $(readlink -f /usr/bin/python3)"; } >"$W/p2"
"$EB" load "$W/p2" >/dev/null
ev --digest "$(sha256 "$W/b-open")" "$EB" "$W/p2" open "$W/b-open"
"$EB" load "$W/p1" >/dev/null

# Paths: a file opened relative to a directory fd is still reported by its full path.
python3 - "$W" <<'PY' >"$W/dirfd.out" 2>&1
import ctypes, json, os, subprocess, sys
w = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
d = os.open(w, os.O_RDONLY | os.O_DIRECTORY)
os.chdir("/")
fd = os.open("b-dirfd", os.O_RDONLY, dir_fd=d)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
r = libc.mmap(None, os.fstat(fd).st_size, 5, 2, fd, 0)
print("mmap", "refused" if r == ctypes.c_void_p(-1).value else "allowed", os.getpid())
PY
drain_events "$W/ev"
pid=$(awk '{print $3}' "$W/dirfd.out")
check "a file opened through a directory fd: PROT_EXEC mapping refused" grep -q refused "$W/dirfd.out"
check "its event has the full path, not the name relative to the fd" event_has "$W/ev" \
	"e['pid']==$pid and e['action']=='mmap' and e['path']=='$W/b-dirfd'"

# Another mount namespace, the banned files seen through a bind mount there: bpf_d_path
# (exec) and the dentry walk (mprotect, which cannot use bpf_d_path) both give the path in
# the namespace of the process that acted.
mkdir -p /mnt/execban-ns
unshare -m bash -c "
	mount --bind '$W' /mnt/execban-ns || exit 1
	python3 '$top/tests/helpers/evfields.py' --name 'exec in another mount namespace, through a bind mount' \
		'$EB' '$W/p1' exec /mnt/execban-ns/b-ns
	python3 '$top/tests/helpers/evfields.py' --cached yes --name 'mprotect there (dentry walk)' \
		'$EB' '$W/p1' mprotect /mnt/execban-ns/b-nswalk" >"$W/ns.out" 2>&1
cat "$W/ns.out"
check "both checks ran in the other namespace" [ "$(grep -c '^ok - ' "$W/ns.out")" = 2 ]
check "the bind mount was private to that namespace" bash -c "! mountpoint -q /mnt/execban-ns"

echo $$ >/sys/fs/cgroup/cgroup.procs
rmdir /sys/fs/cgroup/execban-events 2>/dev/null
"$EB" unload >/dev/null
for _ in $(seq 30); do rmmod execban 2>/dev/null && break; sleep 0.2; done
umount "$W" 2>/dev/null
rm -rf "$W" "$W.img"
finish
