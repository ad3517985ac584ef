#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Policy loads where the kernel enforces: audit mode, atomic replacement under an exec storm,
# kills mid-load leaving the old policy whole (administration: policy_admin.sh; the
# million-rule load: scale.sh).
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-policy.XXXXXX)
"$EB" unload >/dev/null 2>&1
unique_copy /bin/true "$W/x" x		# banned in every policy below
unique_copy /bin/true "$W/a" a
unique_copy /bin/true "$W/b" b

# ---- audit ----
{ echo "mode audit"; rule "$W/x" xrule; } >"$W/audit.policy"
"$EB" load "$W/audit.policy" >/dev/null 2>&1
check "audit-mode policy loads" [ $? = 0 ]
expect_exec "audit mode: a banned binary runs" "exit 0" "$W/x"
drain_events "$W/ev"
check "audit mode: its event says audited" event_has "$W/ev" \
	"e['verdict']=='audited' and e['path']=='$W/x' and e['rule']=='xrule'"
"$EB" status --check >"$W/check.out"; rc=$?
check "status --check fails in audit mode, saying so" \
	bash -c "[ $rc = 1 ] && grep -q 'check: audit mode' '$W/check.out'"
check "status says audit mode (not enforcing)" bash -c "grep -q '\"enforcing\":false' <<<\"\$('$EB' status --json)\" && grep -q '\"mode\":\"audit\"' <<<\"\$('$EB' status --json)\""
{ rule "$W/x" xrule; rule "$W/a" arule | sed 's/^deny/audit/'; } >"$W/mixed.policy"
"$EB" load "$W/mixed.policy" >/dev/null 2>&1
expect_exec "enforce mode: the deny rule denies" "exec-error EPERM" "$W/x"
expect_exec "enforce mode: an audit rule lets it run" "exit 0" "$W/a"
drain_events "$W/ev"
check "audit rule event says audited, deny rule event denied" bash -c \
	"grep -q '\"verdict\":\"audited\".*\"path\":\"$W/a\"' '$W/ev' && grep -q '\"verdict\":\"denied\".*\"path\":\"$W/x\"' '$W/ev'"

# ---- atomic replacement: reload in a loop while another process execs x ----
{ rule "$W/x" x; rule "$W/a" a; } >"$W/A.policy"
{ rule "$W/x" x; rule "$W/b" b; echo "version 2"; } >"$W/B.policy"
"$EB" load "$W/A.policy" >/dev/null
(
	n=0
	while [ ! -e "$W/stop" ]; do
		"$EB" load "$W/B.policy" >/dev/null 2>&1 || echo "load B failed" >>"$W/loaderr"
		"$EB" load "$W/A.policy" >/dev/null 2>&1 || echo "load A failed" >>"$W/loaderr"
		n=$((n + 2))
	done
	echo "$n" >"$W/reloads"
) &
loader=$!
res=$("$TRYEXEC" /bin/true >/dev/null; "$TOP_EXECLOOP" "$W/x" 3000)
touch "$W/stop"
wait $loader
reloads=$(cat "$W/reloads")
echo "# atomic swap: $res while $reloads reloads"
check "no escape while reloading: 3000 of 3000 execs denied" [ "$res" = "denied=3000 ran=0 other=0" ]
check "the reload loop really ran concurrently (>= 10 reloads)" [ "$reloads" -ge 10 ]
check "every reload succeeded" [ ! -e "$W/loaderr" ]
retries=$(counter policy_switch_retries)
echo "# policy switches that raced a lookup (and were retried): $retries"

# ---- kill during load: SIGKILL before the switch leaves the old policy whole ----
"$EB" load "$W/A.policy" >/dev/null
gen_before=$("$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
EXECBAN_TEST_STOP_BEFORE_SWITCH=1 "$EB" load "$W/B.policy" >/dev/null 2>"$W/kill.err" &
kpid=$!
for _ in $(seq 100); do grep -q "stopping before the switch" "$W/kill.err" && break; sleep 0.1; done
kill -KILL $kpid; wait $kpid 2>/dev/null
gen_after=$("$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
check "killed load: the generation did not move" [ "$gen_before" = "$gen_after" ]
expect_exec "killed load: the old policy's own rule is still enforced" "exec-error EPERM" "$W/a"
expect_exec "killed load: the new policy's rule is not in force" "exit 0" "$W/b"
"$EB" load "$W/B.policy" >/dev/null
expect_exec "the next load after a kill works" "exec-error EPERM" "$W/b"

# ---- loads run one at a time: a load waits for one still compiling, whose files it may
# have changed (userspace/load.c, load_run()) ----
EXECBAN_TEST_STOP_AFTER_COMPILE=1 "$EB" load "$W/A.policy" >/dev/null 2>"$W/first.err" &
kpid=$!
for _ in $(seq 100); do grep -q "stopping after the compile" "$W/first.err" && break; sleep 0.1; done
"$EB" load "$W/B.policy" >/dev/null 2>"$W/second.err" &
bpid=$!
sleep 1
check "a load waits while another is between its compile and its switch" \
	bash -c "kill -0 $bpid && grep -q 'another load is running: waiting for it' '$W/second.err'"
kill -KILL $kpid; wait $kpid 2>/dev/null
wait $bpid; rc=$?
check "... and goes on once that one is gone" [ $rc = 0 ]
expect_exec "... its policy in force" "exec-error EPERM" "$W/b"
expect_exec "... not the killed one's" "exit 0" "$W/a"

# ---- SIGKILL at every batch of a large load: old or new, never a mix ----
python3 - "$W/b" >"$W/big-B.policy" <<'PY'
import hashlib, os, sys
for i in range(20000):
    print("deny sha256=%s size=%d" % (os.urandom(32).hex(), 5000 + i))
d = open(sys.argv[1], "rb").read()
print("deny sha256=%s size=%d label=b" % (hashlib.sha256(d).hexdigest(), len(d)))
PY
# A load writes only what differs from what the inactive copy holds (the policy before, or
# what an earlier killed load left there), so how many batches a load takes varies: each
# attempt is killed after its nth, and either was killed with the old policy whole, or had
# fewer batches than that and completed with the new one whole; never a mix.
"$EB" load "$W/A.policy" >/dev/null
killed_ok=0 completed=0 mixed=0
for n in 0 1 2 3 4 5 6; do
	gen0=$("$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
	EXECBAN_TEST_KILL_AFTER_BATCH=$n "$EB" load "$W/big-B.policy" >/dev/null 2>&1
	rc=$?
	gen1=$("$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
	ra=$("$TRYEXEC" "$W/a" | tail -1); rb=$("$TRYEXEC" "$W/b" | tail -1)
	if [ $rc = 137 ] && [ "$gen0" = "$gen1" ] && [ "$ra" = "exec-error EPERM" ] && [ "$rb" = "exit 0" ]; then
		killed_ok=$((killed_ok + 1))
	elif [ $rc = 0 ] && [ "$gen1" = $((gen0 + 1)) ] && [ "$ra" = "exit 0" ] && [ "$rb" = "exec-error EPERM" ]; then
		completed=$((completed + 1))
		"$EB" load "$W/A.policy" >/dev/null
	else
		mixed=$((mixed + 1))
		echo "# kill after batch $n: rc=$rc gen $gen0 -> $gen1, a: $ra, b: $rb"
	fi
done
echo "# kills: $killed_ok with the old policy whole, $completed loads completed before their kill point"
check "SIGKILL after each batch of a 20001-rule load: old policy whole or new policy whole, every time" \
	[ $mixed = 0 ]
check "... and at least 3 of the 7 attempts were killed mid-load" [ $killed_ok -ge 3 ]
"$EB" load "$W/big-B.policy" >/dev/null 2>&1
expect_exec "after the kills, a complete load of the new policy works" "exec-error EPERM" "$W/b"
expect_exec "and the old policy's rule is gone" "exit 0" "$W/a"

rm -rf "$W"
finish
