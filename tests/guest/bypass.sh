#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bypass suite: every way to run banned bytes that execban covers so far, each expecting
# denial and its event, each with a control showing the same technique works for an unbanned
# file (so a pass proves the technique is blocked, not that the setup is broken).
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-bypass.XXXXXX)
"$EB" unload >/dev/null 2>&1
LDSO=$(readlink -f /lib64/ld-linux-x86-64.so.2)
LIBZ=$(python3 -c 'import ctypes.util; print(ctypes.util.find_library("z"))')
LIBZ=$(ldconfig -p | awk -v n="$LIBZ" '$1 == n && /x86-64/ && v == "" {v = $NF} END {print v}')

unique_copy /bin/true "$W/banned" banned
unique_copy /bin/true "$W/allowed" allowed
unique_copy "$LIBZ" "$W/libbanned.so" libbanned
unique_copy "$LIBZ" "$W/liballowed.so" liballowed
KO=$top/build/kmod/$(uname -r)/execban.ko
unique_copy "$KO" "$W/banned.ko" banned-ko
printf 'echo BANNED-SCRIPT-RAN\n' >"$W/banned.sh"
printf 'print("BANNED-PY-RAN")\n' >"$W/banned.py"
printf 'print "BANNED-PL-RAN\\n";\n' >"$W/banned.pl"
printf 'print "allowed-pl-ran\\n";\n' >"$W/allowed.pl"
printf 'echo allowed-script-ran\n' >"$W/allowed.sh"
"$EB" hash "$W/banned" "$W/libbanned.so" "$W/banned.ko" "$W/banned.sh" "$W/banned.py" \
	"$W/banned.pl" >"$W/ban.policy"
# Interpreters refuse to read banned files at all (even bash's own "exec 7<file"), so the
# interpreter lines are loaded only for their own section below.
{
	cat "$W/ban.policy"
	echo "interpreter $(readlink -f /bin/bash)"
	echo "interpreter $(readlink -f "$(command -v python3)")"
	echo "interpreter $(readlink -f "$(command -v perl)")"
	echo "interpreter /usr/bin/no-such-interpreter"
} >"$W/interp.policy"
"$EB" load "$W/ban.policy" >/dev/null
check "policy loads" [ $? = 0 ]

# event_for ACTION PATH: a denied event of that action for that path arrived.
event_for() {
	drain_events "$W/ev.$1"
	event_has "$W/ev.$1" "e['action']=='$1' and e['verdict']=='denied' and e['path']=='$2'"
}

event_has_open() {
	drain_events "$W/ev.open"
	event_has "$W/ev.open" "e['action']=='open' and e['verdict']=='denied' and e['path']=='$W/banned.sh' and e['exe']=='$(readlink -f /bin/bash)'"
}

# ---- exec paths ----
expect_exec "execve absolute path" "exec-error EPERM" "$W/banned"
(cd "$W" && expect_exec "execve relative path" "exec-error EPERM" ./banned)
expect_fd_exec "fexecve / execveat(fd, \"\", AT_EMPTY_PATH)" "exec-error EPERM" "$W/banned"
expect_fd_exec "control: fexecve of an allowed file" "exit 0" "$W/allowed"
exec 7<"$W/banned"
expect_exec "/proc/self/fd/N of the banned file" "exec-error EPERM" /proc/self/fd/7
exec 7<&-
check "exec events" event_for exec "$W/banned"

# ---- fileless: memfd_create + write + fexecve ----
memfd_run() {
	python3 - "$1" <<'PY'
import os, sys
data = open(sys.argv[1], "rb").read()
fd = os.memfd_create("innocent")
os.write(fd, data)
pid = os.fork()
if pid == 0:
    try:
        os.execve(fd, ["innocent"], os.environ)
    except PermissionError:
        os._exit(77)
    os._exit(78)
_, st = os.waitpid(pid, 0)
print({0: "ran", 77: "EPERM"}.get(os.waitstatus_to_exitcode(st), "other"))
PY
}
check "memfd_create + fexecve of banned bytes is refused" [ "$(memfd_run "$W/banned")" = EPERM ]
check "control: memfd exec of allowed bytes runs" [ "$(memfd_run "$W/allowed")" = ran ]
drain_events "$W/ev.memfd"
check "memfd event names the memfd" event_has "$W/ev.memfd" \
	"e['action']=='exec' and 'memfd:innocent' in e['path']"

# ---- the dynamic loader run directly: exec sees only ld.so ----
out=$("$LDSO" "$W/banned" 2>&1); rc=$?
check "ld.so ./banned fails to map the banned file" bash -c "[ $rc != 0 ] && grep -qi 'map' <<<'$out'"
"$LDSO" "$W/allowed"
check "control: ld.so ./allowed runs" [ $? = 0 ]
check "mmap event for ld.so ./banned" event_for mmap "$W/banned"

# ---- dlopen and LD_PRELOAD ----
dl() { python3 -c "import ctypes,sys
try:
    ctypes.CDLL(sys.argv[1]); print('loaded')
except OSError as e:
    # ld.so reports the refused PROT_EXEC mapping as a failed segment map
    print('refused' if 'failed to map segment' in str(e) or 'not permitted' in str(e) else 'other: %s' % e)" "$1"; }
check "dlopen of a banned library is refused" [ "$(dl "$W/libbanned.so")" = refused ]
check "control: dlopen of an allowed library works" [ "$(dl "$W/liballowed.so")" = loaded ]
check "mmap event for dlopen" event_for mmap "$W/libbanned.so"
# ld.so may keep a read-only mapping of the headers; what matters is no executable one.
n=$(LD_PRELOAD="$W/libbanned.so" cat /proc/self/maps 2>/dev/null | grep libbanned.so | grep -c ' ..x. ')
check "LD_PRELOAD of a banned library: never mapped executable" [ "$n" = 0 ]
n=$(LD_PRELOAD="$W/liballowed.so" cat /proc/self/maps 2>/dev/null | grep liballowed.so | grep -c ' ..x. ')
check "control: LD_PRELOAD of an allowed library is mapped executable" [ "$n" -gt 0 ]

# ---- mmap(PROT_READ) then mprotect(PROT_EXEC) ----
mprot() { python3 - "$1" <<'PY'
import ctypes, mmap, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
fd = os.open(sys.argv[1], os.O_RDONLY)
p = libc.mmap(None, 4096, mmap.PROT_READ, mmap.MAP_PRIVATE, fd, 0)
r = libc.mprotect(p, 4096, mmap.PROT_READ | mmap.PROT_EXEC)
print("EPERM" if r and ctypes.get_errno() == 1 else "ok" if r == 0 else "errno %d" % ctypes.get_errno())
PY
}
check "mprotect(PROT_EXEC) of a banned file's mapping is refused" [ "$(mprot "$W/banned")" = EPERM ]
check "control: mprotect(PROT_EXEC) of an allowed file works" [ "$(mprot "$W/allowed")" = ok ]
check "mprotect event" event_for mprotect "$W/banned"

# ---- kernel modules: finit_module of a banned module file ----
out=$(insmod "$W/banned.ko" 2>&1); rc=$?
check "insmod of a banned module is refused" bash -c "[ $rc != 0 ] && grep -q 'not permitted' <<<'$out'"
check "module event" event_for module "$W/banned.ko"
if insmod "$KO" 2>/dev/null; then
	ok "control: insmod of an allowed module works"
	rmmod execban 2>/dev/null
else
	not_ok "control: insmod of an allowed module works"
fi

# ---- interpreters reading a banned script as data ----
"$EB" load "$W/interp.policy" >/dev/null 2>"$W/load.err"
check "a policy with interpreters loads" [ $? = 0 ]
check "a missing interpreter is a warning naming file:line" \
	grep -q "interp.policy:[0-9]*: interpreter /usr/bin/no-such-interpreter: No such file" "$W/load.err"
out=$(bash "$W/banned.sh" 2>&1); rc=$?
check "bash banned.sh is refused" bash -c "[ $rc != 0 ] && ! grep -q BANNED-SCRIPT-RAN <<<'$out' && grep -q 'not permitted' <<<'$out'"
python3 "$W/banned.py" >"$W/py.out" 2>&1; rc=$?
check "python3 banned.py is refused" \
	bash -c "[ $rc != 0 ] && ! grep -q BANNED-PY-RAN '$W/py.out' && grep -q 'Operation not permitted' '$W/py.out'"
perl "$W/banned.pl" >"$W/pl.out" 2>&1; rc=$?
check "perl banned.pl is refused" \
	bash -c "[ $rc != 0 ] && ! grep -q BANNED-PL-RAN '$W/pl.out' && grep -q 'not permitted' '$W/pl.out'"
check "control: perl allowed.pl runs" bash -c "grep -q allowed-pl-ran <<<\"\$(perl '$W/allowed.pl')\""
out=$(bash "$W/allowed.sh" 2>&1)
check "control: bash allowed.sh runs" grep -q allowed-script-ran <<<"$out"
check "other programs still read banned content (sha256sum)" bash -c "sha256sum '$W/banned.sh' >/dev/null"
check "other programs still read banned content (cp to a quarantine)" cp "$W/banned.sh" "$W/quarantined.sh"
check "open event names the script and the interpreter" event_has_open
# The interpreter run by ld.so: the process exec'd ld.so, and maps the interpreter (mmap_file
# marks it then). Without that, any user could read banned scripts through the loader.
"$LDSO" "$(readlink -f "$(command -v python3)")" "$W/banned.py" >"$W/py-ld.out" 2>&1; rc=$?
check "ld.so python3 banned.py (the interpreter mapped by ld.so, not exec'd) is refused" \
	bash -c "[ $rc != 0 ] && ! grep -q BANNED-PY-RAN '$W/py-ld.out' && grep -q 'Operation not permitted' '$W/py-ld.out'"
out=$("$LDSO" "$(readlink -f /bin/bash)" "$W/banned.sh" 2>&1); rc=$?
check "ld.so bash banned.sh is refused" \
	bash -c "[ $rc != 0 ] && ! grep -q BANNED-SCRIPT-RAN <<<'$out' && grep -q 'not permitted' <<<'$out'"
out=$("$LDSO" "$(readlink -f /bin/bash)" "$W/allowed.sh" 2>&1)
check "control: ld.so bash allowed.sh runs" grep -q allowed-script-ran <<<"$out"
out=$("$LDSO" "$(readlink -f /bin/bash)" -c "true; cat '$W/banned.sh' >/dev/null && echo ld-cat-ok" 2>&1)
check "control: a program ld.so bash then execs (cat) is no interpreter: reads the banned script" \
	grep -q ld-cat-ok <<<"$out"
"$EB" hash "$W/banned.sh" >"$W/no-interp.policy"
"$EB" load "$W/no-interp.policy" >/dev/null 2>&1
out=$(bash "$W/banned.sh" 2>&1)
check "a policy without the interpreter lines no longer refuses bash banned.sh" grep -q BANNED-SCRIPT-RAN <<<"$out"
"$EB" load "$W/interp.policy" >/dev/null 2>&1
out=$(bash -c "bash '$W/banned.sh'; (cat '$W/banned.sh' >/dev/null && echo child-cat-ok)" 2>&1)
check "a bash started after the load, and its children, are interpreters" \
	bash -c "! grep -q BANNED-SCRIPT-RAN <<<'$out' && grep -q child-cat-ok <<<'$out'"
# A marked interpreter already running when the policy changes stays one until its next exec:
# across a feed adding a digest, across changes of the interpreter and quarantine lines (a user
# keeping a shell open must not read banned scripts after the next sync), and across a policy
# that no longer names it, which frees only the interpreters started after it. Its children,
# forked after those loads, too.
running_py() { # GATE: a python3 started now that, once GATE exists, reads banned.py, then
	# has a child read it: "PARENT CHILD", each "refused" or "read"
	python3 - "$W/banned.py" "$1" <<'PY'
import os, sys, time
def attempt():
    try:
        open(sys.argv[1]).read()
        return "read"
    except PermissionError:
        return "refused"
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
parent = attempt()
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.write(w, attempt().encode())
    os._exit(0)
os.close(w)
os.waitpid(pid, 0)
print(parent, os.read(r, 16).decode())
PY
}
across() { # NAME GATE POLICY...: a python3 running across loads of each POLICY, in turn
	local name=$1 gate=$2 p
	shift 2
	rm -f "$gate"
	running_py "$gate" >"$W/$name.out" 2>&1 &
	local pid=$!
	sleep 1
	for p in "$@"; do
		"$EB" load "$p" >/dev/null 2>"$W/$name.err" || echo "load $p failed" >>"$W/$name.out"
	done
	touch "$gate"
	wait "$pid"
}
printf 'another banned file %s\n' "$RANDOM$RANDOM" >"$W/another"
{ cat "$W/interp.policy"; "$EB" hash "$W/another"; } >"$W/interp2.policy"
mkdir -p "$W/qdir"
{ cat "$W/interp.policy"; echo "quarantine $W/qdir"; } >"$W/interp-q.policy"
grep -v "interpreter $(readlink -f "$(command -v perl)")" "$W/interp.policy" >"$W/interp-noperl.policy"
across same "$W/gate1" "$W/interp2.policy"
check "a python3 running across a load that keeps the interpreters is still one: it and its child are refused ($(cat "$W/same.out"))" \
	grep -qx "refused refused" "$W/same.out"
"$EB" load "$W/interp.policy" >/dev/null 2>&1
across lines "$W/gate2" "$W/interp-q.policy" "$W/interp-noperl.policy"
check "a python3 running across two loads that change the interpreter and quarantine lines is still one: it and its child are refused ($(cat "$W/lines.out"))" \
	grep -qx "refused refused" "$W/lines.out"
"$EB" load "$W/interp.policy" >/dev/null 2>&1
across dropped "$W/gate3" "$W/ban.policy"
check "a python3 running across a load without interpreter lines is still one until its next exec ($(cat "$W/dropped.out"))" \
	grep -qx "refused refused" "$W/dropped.out"
out=$(python3 -c 'open("'"$W/banned.py"'").read(); print("read")' 2>&1)
check "a python3 started after that load is no interpreter: it reads banned.py ($out)" \
	[ "$out" = read ]
# A mark lives on the in-memory inode, which the kernel drops once no process runs the
# interpreter and memory runs short (any user can make it short): the next python3 meets a new
# inode, which must still be marked. drop_caches evicts it here. After a fresh load, as at
# boot: it marks the paths before it attaches the programs.
"$EB" unload >/dev/null 2>&1
"$EB" load "$W/interp.policy" >/dev/null 2>&1
py=$(readlink -f "$(command -v python3)")
sync; echo 2 >/proc/sys/vm/drop_caches
out=$(python3 -c 'open("'"$W/banned.py"'").read(); print("read")' 2>&1 | tail -1)
check "after a fresh load and the interpreter inode's eviction, python3 is still one: banned.py refused ($out)" \
	grep -q "Permission\|not permitted" <<<"$out"
check "... and show says it is marked" \
	bash -c "grep -q '\"path\":\"$py\",\"marked\":true' <<<\"\$('$EB' show --json)\""
# Marks die with their tasks (task_free): a marked python3 starting 20 threads and 20 children,
# all gone, leaves task_interp as it found it.
marks() { bpftool map dump pinned /sys/fs/bpf/execban/task_interp --json |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
before=$(marks)
out=$(python3 -c 'import os, threading
ts = [threading.Thread(target=lambda: None) for _ in range(20)]
for t in ts: t.start()
for t in ts: t.join()
for _ in range(20):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
print("forked")' 2>&1)
# A task is freed an RCU grace period after it is reaped.
for _ in $(seq 50); do
	after=$(marks)
	[ "$after" -le "$before" ] && break
	sleep 0.1
done
check "the marks of a marked interpreter's threads and children go with them ($before before, $after after: $out)" \
	bash -c "[ '$out' = forked ] && [ '$after' -le '$before' ]"
"$EB" load "$W/ban.policy" >/dev/null 2>&1

# ---- the same bytes on other filesystems and namespaces ----
mkdir -p "$W/mnt"
modprobe loop 2>/dev/null
if truncate -s 16M "$W/ext4.img" && mkfs.ext4 -q -F "$W/ext4.img" 2>/dev/null &&
   mount -o loop "$W/ext4.img" "$W/mnt" 2>/dev/null; then
	cp "$W/banned" "$W/mnt/banned"
	cp "$W/allowed" "$W/mnt/allowed"
	expect_exec "loop-mounted ext4: banned is refused" "exec-error EPERM" "$W/mnt/banned"
	expect_exec "control: loop-mounted ext4: allowed runs" "exit 0" "$W/mnt/allowed"
	umount "$W/mnt"
else
	not_ok "loop-mounted ext4 set-up" "mkfs.ext4 or loop mount failed"
fi
cp "$W/banned" /usr/local/bin/execban-banned-copy	# the guest's overlayfs root
expect_exec "overlayfs: banned is refused" "exec-error EPERM" /usr/local/bin/execban-banned-copy
rm -f /usr/local/bin/execban-banned-copy
got=$(unshare -m -U -r --fork "$TRYEXEC" "$W/banned" | tail -1)
check "inside a user+mount namespace: refused" [ "$got" = "exec-error EPERM" ]
got=$(unshare -m -U -r --fork "$TRYEXEC" "$W/allowed" | tail -1)
check "control: inside a user+mount namespace: allowed runs" [ "$got" = "exit 0" ]

# ---- event paths: a file opened relative to a directory fd, and in another mount namespace ----
"$EB" events >/dev/null
python3 - "$W" <<'PY'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
pid = os.fork()
if pid == 0:
    argv = (ctypes.c_char_p * 2)(b"banned", None)
    libc.syscall(322, d, b"banned", argv, None, 0)	# execveat(dirfd, "banned", ...)
    os._exit(77)
os.waitpid(pid, 0)
PY
drain_events "$W/ev.dirfd"
# The kernel names such an exec /dev/fd/N/banned (bprm->filename); the path is the real one.
check "execveat(dirfd, \"banned\"): the event has the full path" \
	event_has "$W/ev.dirfd" "e['path']=='$W/banned' and e['filename'].startswith('/dev/fd/') and e['filename'].endswith('/banned')"
mkdir -p /mnt/execban-ns
unshare -m --propagation private bash -c "mount --bind '$W' /mnt/execban-ns &&
	'$TRYEXEC' /mnt/execban-ns/banned >/dev/null 2>&1"
drain_events "$W/ev.ns"
check "in a private mount namespace: the path is the one seen there (bind mount)" \
	event_has "$W/ev.ns" "e['path']=='/mnt/execban-ns/banned' and e['verdict']=='denied'"
rmdir /mnt/execban-ns 2>/dev/null
mkdir -p "$W/root/bin" "$W/root/lib" "$W/root/lib64" "$W/root/usr"
for d in bin lib lib64 usr; do mount --bind "/$d" "$W/root/$d"; done
cp "$W/banned" "$W/root/banned"; cp "$W/allowed" "$W/root/allowed"
got=$(chroot "$W/root" /banned 2>&1; echo "rc=$?")
check "inside a chroot: refused" grep -q "rc=126" <<<"$got"
got=$(chroot "$W/root" /allowed 2>&1; echo "rc=$?")
check "control: inside a chroot: allowed runs" grep -q "rc=0" <<<"$got"
for d in bin lib lib64 usr; do umount "$W/root/$d"; done

# ---- binfmt_misc: a banned file run through a registered interpreter, and a banned interpreter ----
modprobe binfmt_misc 2>/dev/null
B=/proc/sys/fs/binfmt_misc
[ -e $B/register ] || mount -t binfmt_misc binfmt_misc $B 2>/dev/null
if [ -w $B/register ]; then
	printf 'echo EBT-BANNED-RAN\n' >"$W/banned.ebt"
	printf 'echo EBT-ALLOWED-RAN\n' >"$W/allowed.ebt"
	printf 'no-op\n' >"$W/any.ebi"
	cp "$W/any.ebi" "$W/any.ebo"
	chmod 755 "$W/banned.ebt" "$W/allowed.ebt" "$W/any.ebi" "$W/any.ebo"
	{ cat "$W/ban.policy"; "$EB" hash "$W/banned.ebt"; } >"$W/binfmt.policy"
	"$EB" load "$W/binfmt.policy" >/dev/null
	echo ':execban-ebt:E::ebt::/bin/sh:' >$B/register
	echo ":execban-ebi:E::ebi::$W/banned:" >$B/register
	echo ":execban-ebo:E::ebo::$W/allowed:" >$B/register
	expect_exec "binfmt_misc: a banned file run through its registered interpreter is refused" \
		"exec-error EPERM" "$W/banned.ebt"
	out=$("$W/allowed.ebt" 2>&1)
	check "control: binfmt_misc: an allowed file runs through the same interpreter" \
		grep -q EBT-ALLOWED-RAN <<<"$out"
	expect_exec "binfmt_misc: a file whose registered interpreter is banned is refused" \
		"exec-error EPERM" "$W/any.ebi"
	expect_exec "control: binfmt_misc: the same file with an allowed interpreter runs" \
		"exit 0" "$W/any.ebo"
	drain_events "$W/ev.binfmt"
	check "binfmt_misc event names the banned file" event_has "$W/ev.binfmt" \
		"e['action']=='exec' and e['path']=='$W/banned.ebt'"
	check "binfmt_misc event names the banned interpreter and the file asked for" \
		event_has "$W/ev.binfmt" "e['path']=='$W/banned' and e['filename']=='$W/any.ebi'"
	for h in execban-ebt execban-ebi execban-ebo; do echo -1 >$B/$h; done
else
	not_ok "binfmt_misc set-up" "cannot mount or write $B/register"
fi

# ---- the interpreter marks' map full: a marked interpreter's new thread or child is refused,
# never left unmarked (it could read a banned script unjudged) ----
"$EB" unload >/dev/null 2>&1
EXECBAN_TEST_TASK_INTERP_MAX=16 "$EB" load "$W/interp.policy" >/dev/null 2>&1
check "with a 16-entry task_interp (test hook): the policy loads" [ $? = 0 ]
check "task_interp holds 16 entries" python3 -c '
import json, subprocess, sys
m = json.loads(subprocess.check_output(["bpftool", "map", "show", "pinned",
                                        "/sys/fs/bpf/execban/task_interp", "--json"]))
sys.exit(m["max_entries"] != 16)'
# A python3 (a marked interpreter) starts 40 threads that each try to read the banned script
# and then wait: once the map is full a thread must fail to start; every thread that started
# must be refused the read. While they hold the map full, an exec of python3 from this
# (unmarked) shell must be refused too.
python3 - "$W/banned.py" "$W/full.gate" >"$W/full.out" 2>&1 <<'PY' &
import os, sys, threading, time
gate, lock = threading.Event(), threading.Lock()
read, refused, failed, other = [], [], [], []
def worker(i):
    try:
        with open(sys.argv[1]) as f:
            f.read()
        out = read
    except PermissionError:
        out = refused
    except OSError as e:
        out = other
    with lock:
        out.append(i)
    gate.wait()
threads = []
for i in range(40):
    t = threading.Thread(target=worker, args=(i,))
    try:
        t.start()
        threads.append(t)
    except RuntimeError:
        failed.append(i)
while True:			# every started thread has tried its read
    with lock:
        if len(read) + len(refused) + len(other) == len(threads):
            break
    gate.wait(0.05)
print("started %d read %d refused %d other %d failed %d" %
      (len(threads), len(read), len(refused), len(other), len(failed)), flush=True)
for _ in range(600):		# until the shell has tried its exec, at most 60 s
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.1)
gate.set()
for t in threads:
    t.join()
PY
filler=$!
for _ in $(seq 200); do grep -q '^started' "$W/full.out" 2>/dev/null && break; sleep 0.1; done
out=$(python3 -c 'print("PY-EXEC-RAN")' 2>&1)
# (no bash -c here: bash is a marked interpreter too, its exec is refused as well)
[[ $out != *PY-EXEC-RAN* && $out == *python3:\ Cannot\ allocate\ memory* ]]
check "map full: an exec of python3 (a marked interpreter) is refused (ENOMEM): $out" \
	test $? = 0
touch "$W/full.gate"
wait "$filler"
check "map full: some of the 40 threads could not start, none that started read the banned script" \
	python3 -c '
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r"started (\d+) read (\d+) refused (\d+) other (\d+) failed (\d+)", s)
print("#   " + s.strip().replace("\n", "\n#   "))
ok = m and int(m[2]) == 0 and int(m[5]) > 0 and int(m[1]) == int(m[3]) and int(m[1]) > 0
sys.exit(0 if ok else 1)' "$W/full.out"
# The same with processes: the children wait on a pipe until the forks are done.
out=$(python3 -c 'import os, sys
r, w = os.pipe()
pids = []
for i in range(40):
    try:
        pid = os.fork()
    except OSError as e:
        print("fork-failed", e.errno, flush=True)
        break
    if pid == 0:
        os.close(w)
        try:
            open(sys.argv[1]).read()
            print("child-read", flush=True)
        except PermissionError:
            pass
        os.read(r, 1)
        os._exit(0)
    pids.append(pid)
os.close(w)
for p in pids:
    os.waitpid(p, 0)' "$W/banned.py" 2>&1)
check "map full: a fork of the interpreter fails (ENOMEM) rather than leaving an unmarked child" \
	bash -c "grep -q 'fork-failed 12' <<<'$out' && ! grep -q child-read <<<'$out'"
"$EB" unload >/dev/null 2>&1
"$EB" load "$W/interp.policy" >/dev/null 2>&1
out=$(python3 "$W/banned.py" 2>&1)
check "control: with the map back to its size, python3 banned.py is refused as before" \
	bash -c "! grep -q BANNED-PY-RAN <<<'$out' && grep -q 'Operation not permitted' <<<'$out'"

# ---- the per-task maps are sized from kernel.threads-max: twice it, a power of two from 2^16
# to 2^22, so no set of live tasks fills them; raised later, status --check says so ----
tmax=$(cat /proc/sys/kernel/threads-max)
want=65536
while [ "$want" -lt 4194304 ] && [ $((want / 2)) -lt "$tmax" ]; do want=$((want * 2)); done
for m in task_interp signer_scratch; do
	got=$(bpftool map show pinned "/sys/fs/bpf/execban/$m" --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["max_entries"])')
	check "$m holds $want entries for threads-max $tmax (got $got)" [ "$got" = "$want" ]
done
"$EB" status --check >"$W/st.out" 2>&1
check "status --check: no threads-max problem at the size it was loaded for" \
	bash -c "! grep -q threads-max '$W/st.out'"
echo $((want / 2 + 1)) >/proc/sys/kernel/threads-max
"$EB" status --check >"$W/st.out" 2>&1
rc=$?
echo "$tmax" >/proc/sys/kernel/threads-max
check "status --check: threads-max raised past half the per-task maps is a problem (exit 1)" \
	bash -c "[ $rc = 1 ] && grep -q 'kernel.threads-max is $((want / 2 + 1)), more than half the $want tasks' '$W/st.out'"

"$EB" unload >/dev/null
rm -rf "$W"
finish
