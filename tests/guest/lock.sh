#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lock mode: every tamper action first succeeds unlocked (the control: the attack is real),
# then fails as root once locked, with a "tamper" event; signed policy updates still load,
# unsigned, wrongly signed, altered and older ones do not. Lock mode lasts until reboot:
# tests/run runs this suite last in its boot.
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-lock.XXXXXX)
KO=$top/build/kmod/$(uname -r)/execban.ko
PIN=/sys/fs/bpf/execban
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null
insmod "$KO"

mkcert() { # NAME CN
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=$2/O=execban test" \
		-addext subjectKeyIdentifier=hash -keyout "$W/$1.key" -out "$W/$1.pem" 2>/dev/null
}
mkcert lock "Central IT policy key"
mkcert other "Someone else"
unique_copy /bin/true "$W/banned1" lock-1
unique_copy /bin/true "$W/banned2" lock-2
unique_copy /bin/true "$W/allowed" lock-ok

policy() { # FILE VERSION [MODE] FILES...: a named policy banning FILES
	local f=$1 v=$2 m=enforce
	shift 2
	case "${1:-}" in enforce|audit) m=$1; shift ;; esac
	{
		echo "name \"lock-test\""
		echo "version $v"
		echo "mode $m"
		for b in "$@"; do
			echo "deny sha256=$(sha256 "$b") label=$(basename "$b") reason=\"lock test\""
		done
	} >"$f"
}
policy "$W/v1" 1 "$W/banned1"
"$EB" load "$W/v1" >/dev/null
expect_exec "loaded: banned1 is refused" "exec-error EPERM" "$W/banned1"
# jsonl FILE EXPR: every line of FILE is a strict JSON object with "schema": 1, and EXPR holds
# (o: the objects, d: the first)
jsonl() {
	python3 - "$1" "$2" <<'PY'
import json, sys
o = [json.loads(l.decode("utf-8", errors="strict")) for l in open(sys.argv[1], "rb").read().splitlines()]
assert o and all(isinstance(x, dict) and x.get("schema") == 1 for x in o), o
d = o[0]
if not eval(sys.argv[2]):
    print("#   " + repr(o)[:1500])
    sys.exit(1)
PY
}

# The package's maintainer scripts (debian/execban.*) on the real state, with this execban in
# PATH (the guest has no systemd: the units are not touched). Unlocked: an upgrade leaves the
# ban in force; a removal lifts it.
mkdir -p "$W/debbin"
ln -s "$EB" "$W/debbin/execban"
deb_script() { # SCRIPT ARG...: run debian/execban.SCRIPT as dpkg would; output in $W/deb.out
	PATH="$W/debbin:$PATH" sh "$top/debian/execban.$1" "${@:2}" >"$W/deb.out" 2>&1
}
deb_script prerm upgrade 9.9
check "unlocked: the package's prerm upgrade exits 0" [ $? = 0 ]
deb_script postinst configure 0.1
check "unlocked: its postinst configure (an upgrade) exits 0" [ $? = 0 ]
expect_exec "unlocked: after an upgrade's maintainer scripts banned1 is still refused" "exec-error EPERM" "$W/banned1"
deb_script prerm remove
check "unlocked: the package's prerm remove exits 0 and says it lifts the ban" \
	bash -c "[ $? = 0 ] && grep -q 'lifting the ban' '$W/deb.out'"
check "unlocked: ... and nothing is loaded any more" [ ! -e "$PIN" ]
"$EB" unload --json >"$W/unload0.json" 2>"$W/unload0.err"
check "unload --json, nothing loaded: exit 0" [ $? = 0 ]
check "unload --json, nothing loaded: was_loaded false, ok" jsonl "$W/unload0.json" \
	'len(o) == 1 and d["ok"] and not d["was_loaded"] and not d["unloaded"] and d["messages"] == []'
"$EB" load "$W/v1" >/dev/null
"$EB" unload -j >"$W/unload1.json" 2>"$W/unload1.err"
check "unload -j, loaded: exit 0" [ $? = 0 ]
check "unload -j, loaded: was_loaded, unloaded, not locked" jsonl "$W/unload1.json" \
	'len(o) == 1 and d["ok"] and d["was_loaded"] and d["unloaded"] and not d["locked"]'
check "unload -j: ... and nothing is loaded any more" [ ! -e "$PIN" ]
"$EB" load --json "$W/v1" >"$W/load.json"
check "load --json: ok, loaded, version 1, its warning (no size=) as a message" jsonl "$W/load.json" \
	'd["ok"] and d["loaded"] and d["version"] == 1 and [(m["severity"], "no size=" in m["message"]) for m in d["messages"]] == [("warning", True)]'
expect_exec "reloaded after the removal: banned1 is refused" "exec-error EPERM" "$W/banned1"
slot() { echo $(($(status_json "d['generation']") & 1)); }

# ---- controls: unlocked, root can do each of these ---------------------------------------------
POKE=$top/tests/helpers/bpfpoke.py
# A load freezes each rule array before it goes into its slot: even unlocked, only a load (a
# new array) changes the rules, never a write in place, by syscall or by a shared mapping.
check "unlocked: overwriting a rule of the active rule array in place fails (frozen)" \
	[ "$(python3 "$POKE" zero "$PIN/rules@$(slot)" "$(sha256 "$W/banned1")")" = "errno 1 (EPERM)" ]
check "unlocked: ... and the kernel still holds it" [ "$("$EB" show | grep -c label=banned1)" = 1 ]
check "unlocked: mapping the active rule array for writing fails (frozen)" \
	[ "$(python3 "$POKE" mmap-write "$PIN/rules@$(slot)")" = "errno 1 (EPERM)" ]
expect_exec "unlocked: ... banned1 still refused" "exec-error EPERM" "$W/banned1"
policy "$W/v0" 2 "$W/banned1"
"$EB" load "$W/v0" >/dev/null

rm "$PIN"/link_*
check "unlocked: root can unpin every hook" [ -z "$(ls "$PIN" | grep ^link_)" ]
# The last reference to a sleepable program's link goes after an RCU-tasks-trace grace period.
for _ in $(seq 40); do
	[ "$("$TRYEXEC" "$W/banned1" 2>/dev/null | tail -1)" = "exit 0" ] && break
	sleep 0.25
done
expect_exec "unlocked: ... and banned1 then runs" "exit 0" "$W/banned1"
"$EB" load "$W/v1" >/dev/null
expect_exec "reloaded: banned1 is refused again" "exec-error EPERM" "$W/banned1"

# daemon --json: its notices as JSON lines on stdout, started and (SIGTERM) stopped
"$EB" daemon --no-syslog --json --socket "$W/dj.sock" >"$W/dj.json" 2>"$W/dj.err" &
dj=$!
for _ in $(seq 100); do grep -q '"started"' "$W/dj.json" && break; sleep 0.1; done
kill -TERM $dj
wait $dj
check "daemon --json: exit 0 after SIGTERM" [ $? = 0 ]
check "daemon --json: a started line (its pid, socket, no journal) and a stopped line" \
	jsonl "$W/dj.json" '[x["type"] for x in o] == ["started", "stopped"] and d["pid"] == '$dj' and d["socket"] == "'"$W/dj.sock"'" and not d["journal"] and o[1]["exit"] == 0 and "events" in o[1]'
"$EB" daemon --no-syslog 2>"$W/d0.err" &
d0=$!
sleep 1
python3 -c "open('/proc/$d0/mem','rb')" 2>/dev/null
check "unlocked: root can open the daemon's memory (ptrace attach access)" [ $? = 0 ]
kill -KILL $d0 2>/dev/null
wait $d0 2>/dev/null
check "unlocked: root can SIGKILL the daemon" [ ! -d /proc/$d0 ]

for a in map-in-map prog-using iter; do
	check "unlocked: a read-only fd of a rule array is enough for: $a" \
		[ "$(python3 "$POKE" $a "$PIN/rules@$(slot)")" = ok ]
done
# A program fd of execban's own is what an fentry, fexit or freplace program on it needs.
PROG_ID=$(bpftool link show pinned "$PIN/link_execban_bprm_check_security" --json |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["prog_id"])')
check "unlocked: root can get an fd of execban's bprm_check program (id $PROG_ID)" \
	[ "$(python3 "$POKE" prog-fd "$PROG_ID")" = ok ]
# An fd of the active rule array opened for writing before the lock, used after it.
python3 "$POKE" old-fd "$PIN/rules@$(slot)" "$(sha256 "$W/banned1")" "$W/go" >"$W/oldfd.out" &
oldfd=$!
for _ in $(seq 100); do [ -e "$W/go.ready" ] && break; sleep 0.1; done

# ---- storage under a mounted file system: controls (unlocked, root can rewrite a file's bytes
# behind its file system's back: through the loop device's backing file or the block device,
# then drop the page cache) ----
STORE=$W/store
mkdir -p "$STORE/mnt"
modprobe loop 2>/dev/null
truncate -s 8M "$STORE/disk.img" && mkfs.ext4 -q -F "$STORE/disk.img"
LOOP=$(losetup -f --show "$STORE/disk.img")
mount -t ext4 "$LOOP" "$STORE/mnt"
unique_copy /bin/true "$STORE/mnt/tool" store-ok	# twins of one size: "ok" and "no"
unique_copy /bin/true "$STORE/twin" store-no
sync
# Where the file's tail is, in the image and so on the loop device.
at=$(LC_ALL=C grep -obUa "execban-test:store-ok" "$STORE/disk.img" | awk -F: 'NR == 1 {print $1}')
at=$((at + 19))	# the "ok" of "execban-test:store-ok"
rewrite() { # TARGET WORD: write WORD over the tail's tag through TARGET, then drop caches
	printf '%s' "$2" | dd of="$1" bs=1 seek="$at" conv=notrunc status=none 2>"$W/dd.err"
	local rc=$?
	sync
	echo 3 >/proc/sys/vm/drop_caches
	return $rc
}
rewrite "$STORE/disk.img" no
check "unlocked: a write to the loop device's backing file rewrites a file under its file system" \
	[ "$(sha256 "$STORE/mnt/tool")" = "$(sha256 "$STORE/twin")" ]
rewrite "$STORE/disk.img" ok
check "unlocked: ... and back" [ "$(sha256 "$STORE/mnt/tool")" != "$(sha256 "$STORE/twin")" ]
rewrite "$LOOP" no
check "unlocked: a write to the mounted block device rewrites a file under its file system" \
	[ "$(sha256 "$STORE/mnt/tool")" = "$(sha256 "$STORE/twin")" ]
rewrite "$LOOP" ok
check "unlocked: ... and back" [ "$(sha256 "$STORE/mnt/tool")" != "$(sha256 "$STORE/twin")" ]
L2=$(losetup -f --show "$STORE/disk.img" 2>/dev/null)
check "unlocked: a second writable loop device over the backing file can be set up" [ -n "$L2" ]
[ -z "$L2" ] || losetup -d "$L2"
good=$(sha256 "$STORE/mnt/tool")

# ---- lock ------------------------------------------------------------------------------------------
# A program loaded outside execban that holds one of its maps (a read-only fd is enough) could
# write it from the kernel after the lock, past every hook: lock refuses while one exists.
check "unlocked: root loads and pins a program of its own that uses execban's state map" \
	[ "$(python3 "$POKE" prog-pin "$PIN/state" /sys/fs/bpf/execban-test-foreign)" = ok ]
"$EB" lock --policy-key "$W/lock.pem" >"$W/lock0.out" 2>&1; rc=$?
check "lock is refused while that program exists (exit 3), naming it" \
	bash -c "[ $rc = 3 ] && grep -q 'was loaded outside execban and uses its map' '$W/lock0.out' && grep -q 'not locked' '$W/lock0.out'"
check "... and nothing is locked" [ "$(status_json "d['locked']")" = False ]
foreign=$(sed -n 's/.*BPF program \([0-9]*\) .*/\1/p' "$W/lock0.out")
rm /sys/fs/bpf/execban-test-foreign
# (the pin's reference is dropped after an RCU grace period)
for _ in $(seq 50); do bpftool prog show id "${foreign:-0}" >/dev/null 2>&1 || break; sleep 0.1; done
# The same for what reaches a map without naming it: an array of maps holding it (a program
# loaded after the lock would name only the outer map), an iterator over it.
# lock_refused_while OP KIND WHAT MESSAGE: root pins its own OP object (bpfpoke) over the state
# map; lock must refuse (exit 3) naming it by id ("MESSAGE" follows the id); then it is removed.
lock_refused_while() {
	local pin=/sys/fs/bpf/execban-test-$1 id rc
	check "unlocked: root pins $3 of its own over execban's state map" \
		[ "$(python3 "$POKE" "$1" "$PIN/state" "$pin")" = ok ]
	id=$(bpftool "$2" show pinned "$pin" --json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
	"$EB" lock --policy-key "$W/lock.pem" >"$W/lock-$1.out" 2>&1; rc=$?
	check "lock is refused while $3 reaches it (exit 3), naming it" \
		bash -c "[ $rc = 3 ] && grep -q '$id $4' '$W/lock-$1.out' && grep -q 'not locked' '$W/lock-$1.out'"
	rm "$pin"
	# freed an RCU grace period after its last pin
	for _ in $(seq 50); do bpftool "$2" show id "$id" >/dev/null 2>&1 || break; sleep 0.1; done
}
lock_refused_while map-in-map map "an array of maps" '("[a-z_]*") was made outside execban and holds its map id'
lock_refused_while iter link "a map iterator" '(program [0-9]*) iterates execban'
check "... and nothing is locked" [ "$(status_json "d['locked']")" = False ]
gen=$(status_json "d['generation']")
# The scan runs before the switch; a program loaded in between (test hook: lock waits for a
# file after its scan) is found by a second scan once locked: the lock holds, and says so.
rm -f "$W/lock.go"
EXECBAN_TEST_LOCK_PAUSE="$W/lock.go" "$EB" lock --json --policy-key "$W/lock.pem" \
	>"$W/lock.json" 2>"$W/lock.err" &
lockpid=$!
for _ in $(seq 100); do grep -q 'paused before the lock' "$W/lock.err" && break; sleep 0.1; done
check "lock paused after its scan (test hook)" grep -q 'paused before the lock' "$W/lock.err"
check "meanwhile root loads a program of its own that uses execban's state map" \
	[ "$(python3 "$POKE" prog-pin "$PIN/state" /sys/fs/bpf/execban-test-foreign)" = ok ]
foreign=$(bpftool prog show pinned /sys/fs/bpf/execban-test-foreign --json |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
touch "$W/lock.go"
wait "$lockpid"; rc=$?
check "lock --json: locked, yet a failure (exit 3) naming the program loaded while locking" \
	bash -c "[ $rc = 3 ] && grep -q 'BPF program $foreign ' '$W/lock.json' && grep -q 'made while locking' '$W/lock.json'"
check "lock --json: ok false, locked, the key's SHA-256, the policy in force (lock-test 1, enforce), its generation" \
	jsonl "$W/lock.json" 'len(o) == 1 and not d["ok"] and d["locked"] and d["key_sha256"] == "'"$(openssl x509 -in "$W/lock.pem" -outform DER | sha256sum | cut -c1-64)"'" and d["min_version"] == 1 and d["version"] == 1 and d["mode"] == "enforce" and d["name"] == "lock-test" and d["generation"] == '"$gen"' and d["keyring"] > 0 and [m["severity"] for m in d["messages"]] == ["error", "error"]'
rm /sys/fs/bpf/execban-test-foreign
check "status --json: locked, key named" [ "$(status_json "d['locked'], d['lock']['key_sha256'][:8]")" = \
	"True $(openssl x509 -in "$W/lock.pem" -outform DER | sha256sum | cut -c1-8)" ]
"$EB" lock --policy-key "$W/other.pem" >"$W/lock2.out" 2>&1
check "a second lock (another key) is refused" [ $? = 1 ]
check "... saying already locked" grep -q "already locked" "$W/lock2.out"
"$EB" lock -j --policy-key "$W/other.pem" >"$W/lock2.json" 2>/dev/null
check "lock -j again: exit 1" [ $? = 1 ]
check "lock -j again: ok false, still locked by the first key, the error as a message" \
	jsonl "$W/lock2.json" 'not d["ok"] and d["locked"] and d["key_sha256"] == "'"$(openssl x509 -in "$W/lock.pem" -outform DER | sha256sum | cut -c1-64)"'" and [m["severity"] for m in d["messages"]] == ["error"] and "already locked" in d["messages"][0]["message"]'
grep -q "LOCKED until reboot" <<<"$("$EB" status)"
check "status shows the lock" [ $? = 0 ]
"$EB" events --json >/dev/null	# drain

# ---- tamper attempts, as root, while locked ---------------------------------------------------------
check "locked: overwriting a rule of the active rule array fails" \
	[ "$(python3 "$POKE" zero "$PIN/rules@$(slot)" "$(sha256 "$W/banned1")")" = "errno 1 (EPERM)" ]
check "locked: mapping either copy's rule array for writing fails" \
	[ "$(python3 "$POKE" mmap-write "$PIN/rules@$(slot)")$(python3 "$POKE" mmap-write "$PIN/rules@$(( $(slot) ^ 1 ))")" = "errno 1 (EPERM)errno 1 (EPERM)" ]
bpftool map delete pinned "$PIN/rules" key $(slot) 0 0 0 2>"$W/err"
check "locked: removing the active rule array from its slot with bpftool fails" [ $? != 0 ]
inactive=$(( $(slot) ^ 1 ))
bpftool map delete pinned "$PIN/rules" key $inactive 0 0 0 2>"$W/err"
check "locked: removing the other copy's rule array fails" [ $? != 0 ]
bpftool map update pinned "$PIN/rule_index" key 0 0 0 0 value 0 0 0 0 2>"$W/err"
check "locked: rewriting the rule index fails" [ $? != 0 ]
expect_exec "locked: banned1 still refused" "exec-error EPERM" "$W/banned1"
bpftool map update pinned "$PIN/state" key 0 0 0 0 value hex 00 00 00 00 00 00 00 00 \
	05 00 00 00 00 00 00 00 2>/dev/null
check "locked: rewriting the generation fails" [ $? != 0 ]
bpftool map update pinned "$PIN/lock" key 0 0 0 0 value hex $(printf '00 %.0s' $(seq 96)) 2>/dev/null
check "locked: clearing the lock map fails" [ $? != 0 ]

touch "$W/go"
wait $oldfd
# execban lock put a copy of the rules in an array of the locked capacity: the fd opened before
# names an array no longer in use (the write lands nowhere), or, were it still in its slot, the
# write is refused.
check "locked: a write through an fd opened before the lock changes nothing enforced" \
	bash -c "grep -qx 'ok\|errno 1 (EPERM)' '$W/oldfd.out' && [ \"\$('$EB' show | grep -c label=banned1)\" = 1 ]"
expect_exec "locked: ... banned1 still refused" "exec-error EPERM" "$W/banned1"
for a in map-in-map prog-using iter; do
	check "locked: a read-only fd of a rule array no longer does for: $a" \
		[ "$(python3 "$POKE" $a "$PIN/rules@$(slot)")" = "errno 1 (EPERM)" ]
	check "locked: ... nor of the other copy's: $a" \
		[ "$(python3 "$POKE" $a "$PIN/rules@$(( $(slot) ^ 1 ))")" = "errno 1 (EPERM)" ]
done
check "locked: an fd of execban's bprm_check program is refused (no fentry, fexit or freplace on it)" \
	[ "$(python3 "$POKE" prog-fd "$PROG_ID")" = "errno 1 (EPERM)" ]
rm "$PIN"/link_* 2>/dev/null
check "locked: unpinning the hooks fails" [ "$(ls "$PIN" | grep -c ^link_)" = "$(status_json "d['hooks_expected']")" ]
mv "$PIN/link_execban_mmap_file" "$PIN/x" 2>/dev/null
check "locked: renaming a pin fails" [ -e "$PIN/link_execban_mmap_file" ]
rm -rf "$PIN" 2>/dev/null
check "locked: rm -rf of the pin folder fails" [ -e "$PIN/state" ]
umount /sys/fs/bpf 2>/dev/null
check "locked: unmounting the bpffs of the pins fails" [ -e "$PIN/state" ]
umount -l /sys/fs/bpf 2>/dev/null
check "locked: a lazy unmount fails too" [ -e "$PIN/state" ]
"$EB" unload >/dev/null 2>&1
check "locked: execban unload fails" [ $? = 3 ] && [ -e "$PIN/link_execban_bprm_check_security" ]
"$EB" unload --json >"$W/unload2.json" 2>/dev/null
check "locked: unload --json exits 3" [ $? = 3 ]
check "locked: unload --json: ok false, was_loaded, locked, not unloaded, the error as a message" \
	jsonl "$W/unload2.json" 'not d["ok"] and d["was_loaded"] and d["locked"] and not d["unloaded"] and "lock mode" in d["messages"][0]["message"]'
rmmod execban 2>/dev/null
check "locked: rmmod execban fails" [ -d /sys/module/execban ]
expect_exec "locked: after all that banned1 is still refused" "exec-error EPERM" "$W/banned1"
expect_exec "locked: an allowed binary runs" "exit 0" "$W/allowed"

# The daemon consumes every event from here on (it cannot be stopped): they are checked in its log.
"$EB" daemon --no-syslog --log "$W/d1.json" 2>"$W/d1.err" &
d1=$!
# it protects itself, then says "consuming events": wait for that (a fixed sleep loses the race
# on a loaded TCG host, where loading execban's shared libraries over 9p is slow)
for _ in $(seq 100); do grep -q 'consuming events' "$W/d1.err" && break; sleep 0.1; done
kill -KILL $d1 2>/dev/null
check "locked: SIGKILL of the daemon fails" [ $? != 0 ]
kill -STOP $d1 2>/dev/null
check "locked: SIGSTOP of the daemon fails" [ "$(awk '{print $3}' /proc/$d1/stat)" != T ]
python3 -c "open('/proc/$d1/mem','rb')" 2>/dev/null
check "locked: opening the daemon's memory (ptrace attach) fails" [ $? != 0 ]
check "locked: the daemon still runs" kill -0 $d1

# ---- storage under a mounted file system, locked ----
rewrite "$STORE/disk.img" no
check "locked: a write to the loop device's backing file is refused" grep -q "Operation not permitted" "$W/dd.err"
rewrite "$LOOP" no
check "locked: a write to the mounted block device is refused" grep -q "Operation not permitted" "$W/dd.err"
check "locked: ... the file under the file system kept its bytes" [ "$(sha256 "$STORE/mnt/tool")" = "$good" ]
expect_exec "locked: ... and runs" "exit 0" "$STORE/mnt/tool"
python3 - "$STORE/disk.img" "$at" >"$W/mmap.out" 2>&1 <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
except OSError as e:
    print("mmap-error", e.errno)
    sys.exit(0)
m[int(sys.argv[2]):int(sys.argv[2]) + 2] = b"no"
print("mapped-and-written")
PY
check "locked: a shared writable mapping of the backing file is refused" grep -q "^mmap-error 1$" "$W/mmap.out"
L2=$(losetup -f --show "$STORE/disk.img" 2>"$W/losetup.err")
check "locked: a second writable loop device over the backing file is refused" [ -z "$L2" ]
L3=$(losetup -r -f --show "$STORE/disk.img" 2>/dev/null)
check "locked: a read-only loop device over it is still allowed" [ -n "$L3" ]
[ -z "$L3" ] || losetup -d "$L3"
python3 -c "
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.ioctl(fd, 0x2285, bytearray(88))
except OSError as e:
    print(e.errno)
" "$LOOP" >"$W/sgio.out" 2>&1
check "locked: SG_IO to the mounted block device is refused (EPERM)" [ "$(cat "$W/sgio.out")" = 1 ]
check "locked: reading the backing file still works" cmp -s <(head -c 4096 "$STORE/disk.img") <(head -c 4096 "$LOOP")
echo plain >"$W/plain.txt"
check "locked: ordinary files are still written" [ "$(cat "$W/plain.txt")" = plain ]
# Every field of a tamper event, checked by the process that made the attempt (the daemon
# reads the ring buffer now: the event is taken from its log).
"$EB" hash "$W/banned1" >"$W/evf.policy"
python3 "$top/tests/helpers/evfields.py" --name "tamper: every field of an unpin attempt's event" \
	--events-from "$W/d1.json" "$EB" "$W/evf.policy" unpin "$PIN/link_execban_task_free" \
	>"$W/evf.out" 2>&1
rc=$?
cat "$W/evf.out"
if [ $rc = 0 ]; then T_PASS=$((T_PASS + 1)); else
	T_FAIL=$((T_FAIL + 1))
	grep -q '^not ok' "$W/evf.out" || echo "not ok - lock: evfields.py exited $rc"
fi

policy "$W/audit" 5 audit "$W/banned1"
"$EB" load "$W/audit" >"$W/audit.out" 2>&1
check "locked: an unsigned switch to audit mode is refused" [ $? = 3 ]
check "locked: ... the mode stays enforce" [ "$(status_json "d['policy']['mode']")" = enforce ]
"$EB" sign --key "$W/other.key" --cert "$W/other.pem" -o "$W/audit.sig" "$W/audit" >/dev/null
"$EB" load --signature "$W/audit.sig" "$W/audit" >"$W/other.out" 2>&1
check "locked: a policy signed by another key is refused" [ $? = 3 ]
check "locked: ... the error names the key" grep -q "not by the lock key" "$W/other.out"
expect_exec "locked: banned1 still refused" "exec-error EPERM" "$W/banned1"

# ---- signed updates ---------------------------------------------------------------------------------
policy "$W/v3" 3 "$W/banned1" "$W/banned2"
expect_exec "before the signed update: banned2 runs" "exit 0" "$W/banned2"
"$EB" sign --key "$W/lock.key" --cert "$W/lock.pem" -o "$W/v3.sig" "$W/v3" >/dev/null
check "execban sign writes a DER signature" openssl cms -cmsout -inform DER -in "$W/v3.sig" -noout
"$EB" load --signature "$W/v3.sig" "$W/v3" >"$W/v3.out" 2>&1
check "locked: a policy signed by the lock key loads" [ $? = 0 ]
check "locked: ... and says what the kernel wrote: 2 rule entries into the empty copy" \
	grep -q "2 rule entries written, 0 removed" "$W/v3.out"
expect_exec "signed update: banned2 is refused" "exec-error EPERM" "$W/banned2"
expect_exec "signed update: banned1 still refused" "exec-error EPERM" "$W/banned1"
check "status: version 3 in force" [ "$(status_json "d['policy']['version']")" = 3 ]
check "show reads the signed rules back from the kernel" \
	[ "$("$EB" show | grep -c "label=banned")" = 2 ]
"$EB" load --signature "$W/v3.sig" "$W/v3" >"$W/again.out" 2>&1
check "loading the policy in force again is a no-op" grep -q "already in force" "$W/again.out"

policy "$W/v4" 4 "$W/banned2"
"$EB" compile -o "$W/v4.manifest" "$W/v4"
openssl cms -sign -binary -noattr -md sha256 -outform DER -in "$W/v4.manifest" \
	-signer "$W/lock.pem" -inkey "$W/lock.key" -out "$W/v4.sig"
"$EB" load --signature "$W/v4.sig" "$W/v4" >/dev/null 2>&1
check "locked: a policy signed with plain openssl cms -sign loads" [ $? = 0 ]
expect_exec "v4: banned1 (dropped by the signed policy) runs" "exit 0" "$W/banned1"
expect_exec "v4: banned2 refused" "exec-error EPERM" "$W/banned2"

"$EB" load --signature "$W/v3.sig" "$W/v3" >"$W/rollback.out" 2>&1
check "locked: a validly signed older version is refused (rollback)" [ $? = 3 ]
check "... the error says rollback" grep -q "rollback refused" "$W/rollback.out"

policy "$W/v5" 5 "$W/banned1" "$W/banned2"
"$EB" sign --key "$W/lock.key" --cert "$W/lock.pem" -o "$W/v5.sig" "$W/v5" >/dev/null
policy "$W/v5" 5 "$W/banned1"	# altered after signing: banned2 dropped
"$EB" load --signature "$W/v5.sig" "$W/v5" >/dev/null 2>&1
check "locked: a policy altered after signing is refused" [ $? = 3 ]
policy "$W/v5" 5 "$W/banned1" "$W/banned2"
EXECBAN_TEST_CORRUPT_BODY=1 "$EB" load --signature "$W/v5.sig" "$W/v5" >"$W/corrupt.out" 2>&1
check "locked: rules that differ from the signed manifest are refused by the kernel" [ $? = 3 ]
expect_exec "... and the previous policy is whole: banned2 refused" "exec-error EPERM" "$W/banned2"
expect_exec "... banned1 allowed (v4)" "exit 0" "$W/banned1"
check "status: version 4 still in force" [ "$(status_json "d['policy']['version']")" = 4 ]
"$EB" load --signature "$W/v5.sig" "$W/v5" >/dev/null 2>&1
check "the same signed policy, uncorrupted, loads" [ $? = 0 ]
expect_exec "v5: banned1 refused" "exec-error EPERM" "$W/banned1"

# SIGKILL of the CLI during a signed load: the kernel installs a policy within one bpf() call,
# so the old policy or the new one is in force, whole, wherever the kill lands.
python3 - "$W/big" "$W/banned1" "$W/banned2" <<'PY'
import hashlib, os, sys
with open(sys.argv[1], "w") as f:
    f.write('name "lock-test"\nversion 6\n')
    for b in sys.argv[2:]:
        f.write("deny sha256=%s label=big\n" % hashlib.sha256(open(b, "rb").read()).hexdigest())
    for i in range(20000):
        f.write("deny sha256=%s\n" % os.urandom(32).hex())
PY
"$EB" sign --key "$W/lock.key" --cert "$W/lock.pem" -o "$W/big.sig" "$W/big" >/dev/null
for delay in 0.3 0.6 0.9 1.2 1.5 2 3; do
	"$EB" load --signature "$W/big.sig" "$W/big" >/dev/null 2>&1 &
	lp=$!
	sleep $delay
	kill -KILL $lp 2>/dev/null
	wait $lp 2>/dev/null
	v=$(status_json "d['policy']['version'], d['policy']['rules']")
	case "$v" in "5 2"|"6 20002") ;; *) break ;; esac
	[ "$v" = "6 20002" ] && break
done
check "SIGKILL during a signed load: version 5 or 6, whole ($v)" \
	sh -c "[ '$v' = '5 2' ] || [ '$v' = '6 20002' ]"
expect_exec "... banned1 refused either way" "exec-error EPERM" "$W/banned1"
expect_exec "... banned2 refused either way" "exec-error EPERM" "$W/banned2"
"$EB" load --signature "$W/big.sig" "$W/big" >/dev/null 2>&1
check "the signed load completes when not killed" [ "$(status_json "d['policy']['version']")" = 6 ]

# ---- tamper events -----------------------------------------------------------------------------------
sleep 1
cp "$W/d1.json" "$W/ev.json"
check "the locked daemon logged every event (tamper events included)" \
	[ "$(grep -c '"action":"tamper"' "$W/ev.json")" -ge 10 ]
check "tamper events: a map write, with the map named" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['verdict']=='denied' and 'bpf map' in e['filename'] and e['path']=='map rules' and e['comm']=='bpftool'"
check "tamper events: unpin, with the pin named" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename']=='unpin' and e['path']=='$PIN/link_execban_bprm_check_security'"
check "tamper events: the old fd, the map-in-map insert, the program, the iterator" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['comm']=='python3' and 'map-in-map' in e['filename']"
check "tamper events: a program using the maps" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename']=='bpf program using' and e['path']=='map rule array'"
check "tamper events: the iterator" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename']=='bpf iterator over'"
check "tamper events: umount" event_has "$W/ev.json" \
	"e['action']=='tamper' and 'umount' in e['filename']"
check "tamper events: SIGKILL of the daemon, pid and signal" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename']=='signal' and e['path']=='pid $d1 signal 9'"
check "tamper events: ptrace" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename']=='ptrace' and e['path']=='pid $d1'"
check "tamper events: the wrongly signed load" event_has "$W/ev.json" \
	"e['action']=='tamper' and 'signature' in e['filename'] and e['comm']=='execban'"
check "tamper events: the rollback" event_has "$W/ev.json" \
	"e['action']=='tamper' and 'rollback' in e['filename'] and e['path']=='version 3, in force 4'"
check "tamper events: the corrupted rules" event_has "$W/ev.json" \
	"e['action']=='tamper' and 'differ' in e['filename']"
check "tamper events: a write to the loop backing file, named" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename']=='write to storage under a file system' and e['path']=='loop device backing file: disk.img' and e['comm']=='dd'"
check "tamper events: a write to the mounted block device, named" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename']=='write to storage under a file system' and e['path']=='block device in use: $(basename "$LOOP")'"
check "tamper events: the shared writable mapping" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename'].startswith('shared writable mapping') and e['comm']=='python3'"
check "tamper events: the writable loop device" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename'].startswith('writable loop device') and e['comm']=='losetup'"
check "tamper events: the passthrough command" event_has "$W/ev.json" \
	"e['action']=='tamper' and e['filename'].startswith('passthrough command')"
check "status counts the refusals" [ "$(status_json "d['counters']['tamper_refused'] >= 10")" = True ]
check "status counts the signed loads" [ "$(status_json "d['counters']['signed_loads']")" = 4 ]

# ---- a sync while locked (docs/sync.md "Lock mode"): nothing applied, not even an added ban ----
unique_copy /bin/true "$W/synced" lock-sync
mkdir "$W/srv"
rm -f /var/lib/execban/sync.policy
cat >"$W/srv/scenario.json" <<EOF
{"preflight": {"sync_type": "CLEAN"},
 "pages": [[{"identifier": "$(sha256 "$W/synced")", "policy": "BLOCKLIST", "rule_type": "BINARY"}]]}
EOF
python3 "$top/tests/helpers/syncserver.py" --dir "$W/srv" &
srv=$!
for _ in $(seq 50); do [ -e "$W/srv/port" ] && break; sleep 0.1; done
printf 'server = http://127.0.0.1:%s\npolicy = %s\nmachine_id = lock-test\n' \
	"$(cat "$W/srv/port")" "$W/v3" >"$W/sync.conf"
"$EB" sync --json --config "$W/sync.conf" --once >"$W/sync.out" 2>"$W/sync.err"
check "locked: sync fails (exit 1)" [ $? = 1 ]
check "locked: sync --json: apply failed after preflight, eventupload, ruledownload; the rule received" \
	jsonl "$W/sync.out" 'not d["ok"] and [s["outcome"] for s in d["stages"]] == ["ok", "ok", "ok", "failed", "not_run"] and d["failed_stage"] == "apply" and "locked" in d["error"] and d["rules_received"] == 1 and d["synced_rules"] is None'
check "locked: sync says the policy is locked" \
	grep -q 'enforcement is locked: synced rules are not applied' "$W/sync.err"
expect_exec "locked: the synced ban is not applied" "exit 0" "$W/synced"
check "locked: no sync.policy written" [ ! -e /var/lib/execban/sync.policy ]
check "locked: no temporary file left" [ ! -e /var/lib/execban/sync.policy.tmp ]
check "locked: no postflight sent" [ "$(grep -c '"postflight"' "$W/srv/requests.jsonl")" = 0 ]
check "locked: still 4 signed loads, no other" \
	[ "$(status_json "d['counters']['signed_loads']")" = 4 ]
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null

# The package's maintainer scripts while locked: an upgrade leaves everything as it is, a
# removal is refused with what to do.
deb_script prerm upgrade 9.9
check "locked: the package's prerm upgrade exits 0" [ $? = 0 ]
deb_script postinst configure 0.1
check "locked: its postinst configure (an upgrade) exits 0, saying it leaves the ban as it is" \
	bash -c "[ $? = 0 ] && grep -q 'enforcement is locked until reboot' '$W/deb.out'"
deb_script prerm remove
check "locked: the package's prerm remove is refused (exit 1), saying why and what to do" \
	bash -c "[ $? = 1 ] && grep -q 'refusing to remove execban while enforcement is locked' '$W/deb.out' &&
		grep -q 'systemd.mask=execban.service' '$W/deb.out'"
check "locked: ... and the ban is still locked and enforced" \
	[ "$(status_json "d['locked'], d['enforcing']")" = "True True" ]

rm -rf "$W"
finish
