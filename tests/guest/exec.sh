#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The first vertical slice, in the VM: SHA-256 bans at exec, events, replace, unload, bad
# policies. Runs as root in the guest: tests/vm/run --kernel K -- tests/guest/exec.sh
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-exec.XXXXXX)
mkdir -p "$W/bin" "$W/other"
"$EB" unload >/dev/null 2>&1

# A system binary banned by its bytes: factor. Its copies under any name must be refused.
# factor is in coreutils, an Essential package: a list banning it loads only with --force
# (execban(8), PROTECTED FILES; tests/guest/sysguard.sh shows the refusal).
SYS=/usr/bin/factor
cp "$SYS" "$W/banned"
unique_copy /usr/bin/true "$W/sibling" sibling	# unbanned, same folder
unique_copy /bin/cat "$W/interp" interp	# a banned interpreter
printf '#!%s\nhello from script\n' "$W/interp" >"$W/script"
chmod 755 "$W/script"
unique_copy /bin/cat "$W/interp-ok" interp-ok
printf '#!%s\nhello\n' "$W/interp-ok" >"$W/script-ok"
chmod 755 "$W/script-ok"

# Renamed and hard-linked copies are made before the policy is loaded: with it, renaming
# or linking a banned file is itself refused (tests/guest/install.sh).
cp "$W/banned" "$W/other/copied-early"
mv "$W/other/copied-early" "$W/other/renamed"
ln "$W/banned" "$W/other/hardlink"

POL=$W/ban.policy
{
	echo "# test policy"
	echo 'name "exec-test"'
	echo "version 3"
	"$EB" hash "$W/banned" | sed 's/label=banned/label=factor reason="banned in test"/'
	"$EB" hash "$W/interp" | sed 's/label=interp/label=bad-interp/'
} >"$POL"

out=$("$EB" load --force "$POL" 2>&1)
check "load succeeds" [ $? = 0 ]
check "load reports the rule count" grep -q "loaded 2 rules of exec-test" <<<"$out"

expect_exec "banned copy of a system binary is refused (EPERM)" "exec-error EPERM" "$W/banned" 6
expect_exec "the system binary itself (same bytes) is refused" "exec-error EPERM" "$SYS" 6
expect_exec "unbanned sibling runs" "exit 0" "$W/sibling"
cp "$W/banned" "$W/other/copied"
expect_exec "a copy is refused" "exec-error EPERM" "$W/other/copied"
expect_exec "a renamed file is refused" "exec-error EPERM" "$W/other/renamed"
expect_exec "a hard link is refused" "exec-error EPERM" "$W/other/hardlink"
ln -s "$W/banned" "$W/other/symlink"
expect_exec "a symlink is refused" "exec-error EPERM" "$W/other/symlink"
cp "$W/banned" "$W/bin/innocent-name"
PATH="$W/bin:$PATH" expect_exec "a PATH lookup is refused" "exec-error EPERM" innocent-name
expect_exec "a script whose interpreter is banned is refused" "exec-error EPERM" "$W/script"
expect_exec "a script with an unbanned interpreter runs" "exit 0" "$W/script-ok"
expect_fd_exec "fexecve of the banned file is refused" "exec-error EPERM" "$W/banned"

# Events: every denial above, with the right fields.
EV=$W/events.json
drain_events "$EV"
sha=$(sha256 "$W/banned")
isha=$(sha256 "$W/interp")
check "event for the banned copy: sha256, path, label, reason" event_has "$EV" \
	"e['action']=='exec' and e['verdict']=='denied' and e['sha256']=='$sha' and e['path']=='$W/banned' and e['rule']=='factor' and e['reason']=='banned in test'"
check "event for the symlink names the real file and the requested name" event_has "$EV" \
	"e['path']=='$W/banned' and e['filename']=='$W/other/symlink'"
check "event for the hard link carries its own path" event_has "$EV" \
	"e['path']=='$W/other/hardlink' and e['sha256']=='$sha'"
check "event for the banned interpreter" event_has "$EV" \
	"e['path']=='$W/interp' and e['sha256']=='$isha' and e['rule']=='bad-interp' and e['filename']=='$W/script'"
check "event process fields (pid, ppid, uid, comm)" event_has "$EV" \
	"e['comm']=='tryexec' and e['uid']==0 and e['pid']>1 and e['ppid']>1 and e['pid']!=e['ppid']"
check "event names the acting process's executable" event_has "$EV" \
	"e['exe']=='$TRYEXEC' and e['type']=='decision'"
check "event policy fields (version, digest)" event_has "$EV" \
	"e['policy_version']==3 and len(e['policy_digest'])==64 and e['identity']=='sha256'"
n=$(grep -c '"verdict":"denied"' "$EV")
check "one event per denial (9)" [ "$n" = 9 ]
check "no event for allowed execs" bash -c "! grep -q '\"path\":\"$W/sibling\"' '$EV'"

# Per-rule counters: kept in the kernel, whatever happens to events.
check "status counts hits per rule (factor: 8 denials)" python3 -c "
import json, subprocess
s = json.loads(subprocess.run(['$EB', 'status', '--json'], capture_output=True).stdout)
h = {x['rule']: x for x in s['rule_hits']}
assert h['factor']['hits'] == 8 and h['factor']['sha256'] == '$sha', h
assert h['bad-interp']['hits'] == 1 and h['factor']['last_hit'].endswith('Z')
"
check "status --check passes while fully enforcing" "$EB" status --check
# Counted digests are bounded (EXECBAN_RULE_HITS_MAX): a hash map's buckets cost kernel memory
# for its whole capacity, whatever the policy's size. The rules are an array of the policy's
# size (48 bytes a rule), in the active slot of "rules".
check "the hit counters hold 65,536 digests; the active rule array exactly the policy's rules" python3 -c "
import json, subprocess
def bt(*a):
    return json.loads(subprocess.run(['bpftool', '--json'] + list(a), capture_output=True,
                                     check=True).stdout)
pin = '/sys/fs/bpf/execban/'
s = json.loads(subprocess.run(['$EB', 'status', '--json'], capture_output=True).stdout)
slot = s['generation'] & 1
inner = bt('map', 'lookup', 'pinned', pin + 'rules', 'key', str(slot), '0', '0', '0')
iid = inner.get('inner_map_id', inner.get('value'))
if isinstance(iid, list):	# no BTF: the id's bytes, little-endian
    iid = int.from_bytes(bytes(int(x, 16) for x in iid), 'little')
arr = bt('map', 'show', 'id', str(iid))
n = s['policy']['rules']
assert bt('map', 'show', 'pinned', pin + 'rule_hits')['max_entries'] == 65536
assert bt('map', 'show', 'pinned', pin + 'texts_0')['max_entries'] == 1048576
assert (arr['name'], arr['type'], arr['max_entries'], arr['bytes_value']) == ('execban_rules', 'array', n, 48), (arr, n)
"

# Event filters (each call consumes what it reads).
chmod 755 "$W"
drain_events "$W/ev.none"
as_nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
"$TRYEXEC" "$W/banned" >/dev/null
as_nobody "$TRYEXEC" "$W/script" >/dev/null
"$EB" events --json --uid 65534 >"$W/ev.uid"
check "events --uid keeps only that user's events" bash -c \
	"[ \$(grep -c decision '$W/ev.uid') = 1 ] && grep -q '\"uid\":65534,.*\"rule\":\"bad-interp\"' '$W/ev.uid'"
"$TRYEXEC" "$W/banned" >/dev/null
as_nobody "$TRYEXEC" "$W/script" >/dev/null
"$EB" events --json --rule factor --since 10m >"$W/ev.rule"
check "events --rule and --since keep only matching events" bash -c \
	"[ \$(grep -c decision '$W/ev.rule') = 1 ] && grep -q '\"rule\":\"factor\"' '$W/ev.rule'"
"$TRYEXEC" "$W/banned" >/dev/null
"$EB" events --json --since 2099-01-01T00:00:00Z >"$W/ev.future"
check "events --since a future time keeps nothing" [ ! -s "$W/ev.future" ]
"$EB" events --since yesterday >/dev/null 2>&1
check "events --since rejects a bad time (exit 2)" [ $? = 2 ]

# The cache: an allowed, cached file rewritten in place into banned bytes is refused next.
cp /usr/bin/true "$W/changing"
expect_exec "file runs before it changes" "exit 0" "$W/changing"
expect_exec "file runs again (cached digest)" "exit 0" "$W/changing"
cat "$W/banned" >"$W/changing"
expect_exec "the same inode rewritten with banned bytes is refused" "exec-error EPERM" "$W/changing"
truncate -s 0 "$W/changing"; cat /usr/bin/true >"$W/changing"
expect_exec "and runs again once rewritten back" "exit 0" "$W/changing"

# Bad policies: clear error naming file:line, nothing loaded, the old policy still enforced.
digest_before=$("$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"]["digest"])')
bad_policy() { # NAME WANT-IN-STDERR CONTENT
	local f=$W/bad.policy err rc
	printf '%b' "$3" >"$f"
	err=$("$EB" load "$f" 2>&1 >/dev/null)
	rc=$?
	if [ $rc = 1 ] && grep -q -- "$2" <<<"$err" && grep -q "policy in force is unchanged" <<<"$err"; then
		ok "bad policy refused: $1"
	else
		not_ok "bad policy refused: $1" "rc=$rc" "stderr: $err"
	fi
	expect_exec "after bad policy ($1): ban still enforced" "exec-error EPERM" "$W/banned"
}
bad_policy "short digest" "bad.policy:2: error: sha256=abc: expected 64 hex" "# c\ndeny sha256=abc\n"
bad_policy "non-hex digest" "bad.policy:1: error: sha256=" "deny sha256=$(printf 'z%.0s' $(seq 64))\n"
bad_policy "unknown keyword" "bad.policy:3: error: unknown keyword 'permit'" "deny sha256=$sha\n\npermit sha256=$sha\n"
bad_policy "one identity both banned and allowed" \
	"bad.policy:3: error: allowed here but denied at " "deny sha256=$sha\n\nallow sha256=$sha\n"
bad_policy "unterminated quote" "bad.policy:1: error: unterminated quote" "deny sha256=$sha reason=\"oops\n"
bad_policy "empty file" "bad.policy: error: no rules" ""
# execban.service's --allow-empty (no ban list installed yet) never replaces a policy in force.
"$EB" load --allow-empty "$W/bad.policy" >"$W/out" 2>"$W/err"; rc=$?
check "load --allow-empty of an empty policy while one is in force is refused (exit 1)" \
	bash -c "[ $rc = 1 ] && grep -q 'bad.policy: error: no rules' '$W/err' && ! grep -q 'no ban list' '$W/out'"
expect_exec "after an empty policy with --allow-empty: ban still enforced" "exec-error EPERM" "$W/banned"
head -c 3000000 /dev/urandom >"$W/random.bin"
cp "$W/random.bin" "$W/bad.policy"
"$EB" load "$W/bad.policy" >/dev/null 2>"$W/err"; rc=$?
check "megabytes of random bytes refused with line numbers" \
	bash -c "[ $rc = 1 ] && grep -aq 'bad.policy:[0-9]*: error' '$W/err'"
expect_exec "after random bytes: ban still enforced" "exec-error EPERM" "$W/banned"
err=$("$EB" load "$W/does-not-exist.policy" 2>&1 >/dev/null); rc=$?
check "a missing file is refused" bash -c "[ $rc = 1 ] && grep -q 'does-not-exist.policy: error: cannot open' <<<'$err'"
digest_after=$("$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"]["digest"])')
check "the policy in force is unchanged (same digest)" [ "$digest_before" = "$digest_after" ]

# Replace: a new policy that no longer bans factor but bans the sibling.
"$EB" hash "$W/sibling" >"$W/new.policy"
out=$("$EB" load "$W/new.policy" 2>&1)
check "replacing the policy succeeds" [ $? = 0 ]
expect_exec "after replace: the newly banned file is refused" "exec-error EPERM" "$W/sibling"
expect_exec "after replace: the unbanned file runs" "exit 0" "$W/banned" 6
check "status reports enforcing with 1 rule" bash -c "grep -q '\"enforcing\":true' <<<\"\$('$EB' status --json)\" && grep -q '\"rules\":1,' <<<\"\$('$EB' status --json)\""

# The bpf LSM check: the CLI refuses where bpf is not an active LSM.
echo -n "capability,apparmor" >"$W/lsm"
if mount --bind "$W/lsm" /sys/kernel/security/lsm; then
	"$EB" load --force "$POL" >/dev/null 2>"$W/err"; rc=$?
	umount /sys/kernel/security/lsm
	check "load refuses without the bpf LSM, with a hint" \
		bash -c "[ $rc = 3 ] && grep -q 'bpf LSM is not active' '$W/err' && grep -q 'lsm=' '$W/err'"
else
	not_ok "load refuses without the bpf LSM" "cannot bind-mount a fake LSM list"
fi

# Loss is evident: a tiny ring buffer (one event fits), five denials, nobody reading.
"$EB" unload >/dev/null
"$EB" load --force --ringbuf-size 16384 "$POL" >/dev/null 2>&1
# One CPU, so the per-CPU sequence numbers show the gap to this reader.
for _ in 1 2 3 4 5; do taskset -c 0 "$TRYEXEC" "$W/banned" >/dev/null; done
drain_events "$W/ev1"
taskset -c 0 "$TRYEXEC" "$W/banned" >/dev/null
drain_events "$W/ev2"
check "a full ring buffer never changes the verdict" bash -c "[ \"\$('$TRYEXEC' '$W/banned')\" = 'exec-error EPERM' ]"
check "only the event that fitted was delivered" [ "$(grep -c '"type":"decision"' "$W/ev1")" = 1 ]
check "the next event reveals the loss as a lost record (count 4)" \
	grep -q '"type":"lost","cpu":0,"count":4,' "$W/ev2"
check "status counts the lost events" bash -c "grep -q '\"events_lost\":4' <<<\"\$('$EB' status --json)\""
"$EB" status --check >"$W/check.out"; rc=$?
check "status --check fails and says why after lost events" \
	bash -c "[ $rc = 1 ] && grep -q 'check: events were lost' '$W/check.out'"

# Unload restores exec.
"$EB" unload >/dev/null
check "unload succeeds and removes the pins" [ ! -e /sys/fs/bpf/execban ]
expect_exec "after unload: the banned file runs" "exit 0" "$W/sibling"
expect_exec "after unload: the previously banned system binary runs" "exit 0" "$SYS" 6

rm -rf "$W"
finish
