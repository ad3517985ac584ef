#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Policy administration in the VM: show round trip, diff, include folders, stable rule ids,
# unchanged reloads, full maps, a fresh load's failure leaving nothing.
# execban-test-kernels: one
# execban-test-cost: 100
# (what this suite checks is userspace's: tests/run runs it on one test kernel, where it
# balances the run; the kernel behaviour it relies on (loads, switches, kills mid-load) is
# checked on every kernel by policy.sh; EXECBAN_ALL_SUITES_EVERYWHERE=1 runs it on every kernel)
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-policy-admin.XXXXXX)
"$EB" unload >/dev/null 2>&1
unique_copy /bin/true "$W/x" x		# banned in every policy below
unique_copy /bin/true "$W/a" a
unique_copy /bin/true "$W/b" b

# The policies the sections below switch between.
{ rule "$W/x" x; rule "$W/a" a; } >"$W/A.policy"
{ rule "$W/x" x; rule "$W/b" b; echo "version 2"; } >"$W/B.policy"

# ---- show: read back from the kernel, loadable again, same digest ----
{
	echo 'name "round trip"'; echo "version 42"
	rule "$W/x" xrule | sed 's/$/ reason="a \\"quoted\\" reason"/'
	rule "$W/a" arule | sed 's/^deny/audit/'
	echo "deny sha256=$(sha256 "$W/b")"	# no size
	echo "interpreter $W/interp"
	echo "quarantine $W/quar"
} >"$W/rt.policy"
cp /bin/bash "$W/interp"
mkdir -m 700 "$W/quar"
"$EB" load "$W/rt.policy" >/dev/null 2>&1
"$EB" show >"$W/shown.policy"
check "show prints the loaded rules" bash -c "[ \"\$(grep -c '^deny\|^audit' '$W/shown.policy')\" = 3 ]"
check "show output is a valid policy" "$EB" check "$W/shown.policy"
"$EB" diff "$W/shown.policy" >"$W/diff.out"
check "diff of the shown policy: no change (exit 0)" [ $? = 0 ]
d1=$("$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"]["digest"])')
"$EB" load "$W/shown.policy" >/dev/null 2>&1
d2=$("$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["policy"]["digest"])')
check "load -> show -> load keeps the same digest" [ "$d1" = "$d2" ]
"$EB" show --json >"$W/show.json"
check "show --json has the rules with sizes, labels and reasons" python3 -c "
import json; s = json.load(open('$W/show.json'))
r = {x['label']: x for x in s['rules']}
assert s['name'] == 'round trip' and s['version'] == 42 and len(s['rules']) == 3
assert s['schema'] == 1
assert r['xrule']['reason'] == 'a \"quoted\" reason' and r['xrule']['size'] == $(stat -c %s "$W/x")
assert r['arule']['action'] == 'audit' and r[''.join([])]['size'] is None if '' in r else True
"
check "show lists the interpreter and the quarantine folder, as loadable lines" \
	bash -c "grep -qx 'interpreter $W/interp' '$W/shown.policy' && grep -qx 'quarantine $W/quar' '$W/shown.policy'"
check "show --json: both marked in the kernel" python3 -c "
import json; s = json.load(open('$W/show.json'))
assert s['marks'] == [{'kind': 'interpreter', 'path': '$W/interp', 'marked': True},
                      {'kind': 'quarantine', 'path': '$W/quar', 'marked': True}], s['marks']
"
# Another file at the interpreter's path (a package upgrade): its mark is not there.
cp /bin/bash "$W/interp.new" && mv "$W/interp.new" "$W/interp"
check "show says when the file at an interpreter's path is not the one marked" \
	bash -c "grep -q '^interpreter $W/interp  # NOT marked: another file is there now' <<<\"\$('$EB' show)\""
check "show --json: marked false" bash -c "grep -q '\"path\":\"$W/interp\",\"marked\":false' <<<\"\$('$EB' show --json)\""
"$EB" load "$W/rt.policy" >/dev/null 2>&1
check "after a reload the new file is marked" bash -c "grep -q '\"path\":\"$W/interp\",\"marked\":true' <<<\"\$('$EB' show --json)\""

# ---- diff ----
{ rule "$W/x" xrule; rule "$W/b" brule; } >"$W/next.policy"
"$EB" diff "$W/next.policy" >"$W/diff.out"
rc=$?
check "diff reports changes (exit 1)" [ $rc = 1 ]
check "diff shows removed and changed rules" bash -c \
	"grep -q '^~ deny sha256=$(sha256 "$W/b") size=' '$W/diff.out' && grep -q '^- audit sha256=$(sha256 "$W/a")' '$W/diff.out' && grep -q '^~ deny sha256=$(sha256 "$W/x") size=[0-9]* label=xrule  # $W/next.policy:1; was: ' '$W/diff.out'"
check "diff: a removed rule, read back from the kernel, has no file:line" \
	grep -q "^- audit sha256=$(sha256 "$W/a") size=[0-9]* label=arule$" "$W/diff.out"
unique_copy /bin/true "$W/c" c
rule "$W/c" crule >>"$W/next.policy"
"$EB" diff "$W/next.policy" >"$W/diff.out"
check "diff shows an added rule, with its file:line" \
	grep -q "^+ deny sha256=$(sha256 "$W/c") size=[0-9]* label=crule  # $W/next.policy:3$" "$W/diff.out"
check "diff did not load anything" bash -c "grep -q 'version 42' <<<\"\$('$EB' show)\""
"$EB" diff --json "$W/next.policy" >"$W/diff.json"
check "diff --json: the same changes as one object" python3 - "$W/diff.json" "$(sha256 "$W/c")" "$(sha256 "$W/a")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ops = {(c['op'], c['key']) for c in d['changes']}
assert ('added', sys.argv[2]) in ops and ('removed', sys.argv[3]) in ops, ops
assert d['added'] >= 1 and d['removed'] >= 1 and d['version']['from'] == 42, d
assert all(c['rule'].startswith(('deny ', 'audit ')) for c in d['changes'])
assert d['schema'] == 1 and d['from'] == 'kernel', d
assert all(c['file'] is None for c in d['changes'] if c['op'] == 'removed'), d
assert all(c['file'].endswith('/next.policy') for c in d['changes'] if c['op'] != 'removed'), d
PY
"$EB" load --json "$W/next.policy" >"$W/load.json" 2>/dev/null
check "load --json: one object with the result" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['loaded'] and d['rules'] == 3 and len(d['digest']) == 64 and d['mode'] == 'enforce', d
assert d['schema'] == 1, d
" "$W/load.json"

# ---- include: a policy folder ----
mkdir -p "$W/etc/policy.d"
echo 'name "folder"' >"$W/etc/main.policy"
echo "include policy.d/*.policy" >>"$W/etc/main.policy"
rule "$W/a" from-10 >"$W/etc/policy.d/10-a.policy"
rule "$W/b" from-20 >"$W/etc/policy.d/20-b.policy"
echo "version 30" >"$W/etc/policy.d/30-v.policy"	# set once: a second one is an error (sysguard.sh)
"$EB" load "$W/etc/main.policy" >/dev/null 2>&1
check "a policy folder loads through include" [ $? = 0 ]
expect_exec "rule from the first included file is enforced" "exec-error EPERM" "$W/a"
expect_exec "rule from the second included file is enforced" "exec-error EPERM" "$W/b"
check "the version set in one file of the folder applies" bash -c "grep -qx 'version 30' <<<\"\$('$EB' show)\""

# ---- stable rule ids; a reload writes what changed ----
# v1: x among 200 random rules with two reasons, 6 rules whose digests share their first 4
# bytes and 4 that share their first 8 (ids taken in turn; the read-back sorts them apart);
# v2: v1 with one rule added on the first line, with a new reason; v3: v2 without one of the
# random rules.
python3 - "$(sha256 "$W/x")" "$(stat -c %s "$W/x")" >"$W/v1.policy" <<'PY'
import os, sys
print('name "ids"')
for i in range(200):
    print('deny sha256=%s size=%d reason="%s"' % (os.urandom(32).hex(), 5000 + i,
                                                   "reason %d" % (i % 2)))
p4, p8 = os.urandom(4), os.urandom(8)
for i in range(6):
    print('deny sha256=%s size=%d' % ((p4 + os.urandom(28)).hex(), 6000 + i))
for i in range(4):
    print('deny sha256=%s size=%d' % ((p8 + os.urandom(24)).hex(), 7000 + i))
print('deny sha256=%s size=%s label=xrule reason="reason 1"' % (sys.argv[1], sys.argv[2]))
PY
unique_copy /bin/true "$W/n" n
{ rule "$W/n" nrule | sed 's/$/ reason="a new reason"/'; cat "$W/v1.policy"; } >"$W/v2.policy"
awk '!(/^deny/ && ++n == 7)' "$W/v2.policy" >"$W/v3.policy"
"$EB" unload >/dev/null
"$EB" load --json "$W/v1.policy" >"$W/load1.json" 2>&1
check "ids: 211 rules store 3 texts: the 2 reasons without a label, and x's label with its reason" \
	python3 -c "
import json; d = json.load(open('$W/load1.json'))
assert d['loaded'] and d['rule_entries_written'] == 211 and d['text_entries_written'] == 3, d"
"$EB" load --full "$W/v1.policy" >"$W/load.out" 2>&1	# the other copy
expect_exec "ids: x is banned under v1" "exec-error EPERM" "$W/x"
drain_events "$W/ev1"
xid=$((16#$(sha256 "$W/x" | cut -c1-8)))
check "ids: x's event names rule id = the first 32 bits of its digest ($xid)" 	event_has "$W/ev1" "e['path'] == '$W/x' and e['rule_id'] == $xid and e['reason'] == 'reason 1'"
"$EB" show --json >"$W/show1.json"
"$EB" load --json "$W/v2.policy" >"$W/load2.json" 2>&1
check "ids: adding one rule (first line, new reason) writes a new array of 212 rules, replacing 211" python3 -c "
import json; d = json.load(open('$W/load2.json'))
assert d['loaded'] and d['rule_entries_written'] == 212 and d['rule_entries_removed'] == 211, d"
check "ids: ... and 1 text entry (its label and new reason), the 200 rules' 2 reasons kept" \
	python3 -c "
import json; d = json.load(open('$W/load2.json'))
assert d['text_entries_written'] == 1 and d['text_entries_removed'] == 0, d"
expect_exec "ids: the added rule is enforced" "exec-error EPERM" "$W/n"
expect_exec "ids: x is still banned" "exec-error EPERM" "$W/x"
drain_events "$W/ev2"
check "ids: after the reload x's event names the same rule id and reason" 	event_has "$W/ev2" "e['path'] == '$W/x' and e['rule_id'] == $xid and e['reason'] == 'reason 1'"
"$EB" show --json >"$W/show2.json"
check "ids: show gives every rule kept the same id, and its new line" python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
a = {r["key"]: r for r in json.load(open(w + "/show1.json"))["rules"]}
b = {r["key"]: r for r in json.load(open(w + "/show2.json"))["rules"]}
assert len(a) == 211 and len(b) == 212, (len(a), len(b))
shared = [k[:8] for k in a]
for k, r in a.items():
    p = int(k[:8], 16)
    assert b[k]["id"] == r["id"], (k, r["id"], b[k]["id"])
    if shared.count(k[:8]) == 1:
        assert r["id"] == p, (k, r["id"])
    else:		# 32 bits shared: consecutive ids from the prefix on
        assert p <= r["id"] < p + shared.count(k[:8]), (k, r["id"])
    assert b[k]["reason"] == r["reason"], (r, b[k])
    assert b[k]["origin"]["line"] == r["origin"]["line"] + 1, (r["origin"], b[k]["origin"])
new = [r for k, r in b.items() if k not in a]
assert len(new) == 1 and new[0]["reason"] == "a new reason" and new[0]["origin"]["line"] == 1, new
PY
"$EB" load --full "$W/v2.policy" >/dev/null 2>&1	# the other copy catches up
"$EB" load --full --json "$W/v2.policy" >"$W/load2b.json" 2>&1
check "ids: reloading the policy in force writes nothing" python3 -c "
import json; d = json.load(open('$W/load2b.json'))
assert d['loaded'] and d['rule_entries_written'] == 0 and d['rule_entries_removed'] == 0, d
assert d['text_entries_written'] == 0 and d['text_entries_removed'] == 0, d"
"$EB" load "$W/v3.policy" >"$W/load3.out" 2>&1
check "ids: removing one rule writes a new array of 211, replacing 212" \
	grep -q ': 211 rule entries written, 212 removed$' "$W/load3.out"
expect_exec "ids: x is still banned after the removal" "exec-error EPERM" "$W/x"

# ---- an unchanged reload: the same files as the policy in force, nothing compiled or written ----
mkdir -p "$W/u/d"
cp "$(readlink -f /bin/bash)" "$W/u/sh"
printf 'echo BANNED-U-RAN\n' >"$W/u/banned.sh"
{
	echo 'name "unchanged"'
	rule "$W/x" xrule
	rule "$W/u/banned.sh" script
	echo "interpreter $W/u/sh"
	echo "include d/*.policy"
} >"$W/u/main.policy"
rule "$W/a" from-d >"$W/u/d/10.policy"
gen() { "$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'; }
# A file is trusted unchanged only if its ctime was over a second old when it was read
# (userspace/loadcache.c): let the files age, then load them so that a record is kept.
fresh_record() { sleep 1.5; "$EB" load "$W/u/main.policy" >/dev/null 2>&1; }
reload_is() { # full|unchanged NAME: load main.policy again, say which kind of load it was
	"$EB" load "$W/u/main.policy" >"$W/u/l.out" 2>&1
	if [ "$1" = unchanged ]; then
		check "unchanged: $2" grep -q 'the files are unchanged since this policy was loaded' "$W/u/l.out"
	else
		check "unchanged: $2" bash -c "grep -q '^execban: loaded' '$W/u/l.out' && ! grep -q 'files are unchanged' '$W/u/l.out'"
	fi
}
fresh_record
g1=$(gen)
"$EB" load --json "$W/u/main.policy" >"$W/u/l2.json" 2>&1
check "unchanged: the same files again: loaded, unchanged, no entry written, generation $g1 kept" \
	python3 -c "
import json; d = json.load(open('$W/u/l2.json'))
assert d['ok'] and d['loaded'] and d['unchanged'] and d['generation'] == $g1, d
assert d['rules'] == 3 and d['name'] == 'unchanged' and d['rule_entries_written'] == 0, d"
check "unchanged: status: generation $g1 still" [ "$(gen)" = "$g1" ]
expect_exec "unchanged: x is still banned" "exec-error EPERM" "$W/x"
expect_exec "unchanged: a (from the folder) is still banned" "exec-error EPERM" "$W/a"
out=$("$W/u/sh" "$W/u/banned.sh" 2>&1)
check "unchanged: the interpreter cannot read the banned script" \
	bash -c "! grep -q BANNED-U-RAN <<<'$out' && grep -q 'not permitted' <<<'$out'"
# An upgrade replaces an interpreter with a new inode: an unchanged reload marks it again.
cp "$W/u/sh" "$W/u/sh.new" && mv "$W/u/sh.new" "$W/u/sh"
out=$("$W/u/sh" "$W/u/banned.sh" 2>&1)
check "control: the replaced interpreter is not marked yet: it reads the banned script" \
	grep -q BANNED-U-RAN <<<"$out"
reload_is unchanged "the interpreter replaced: the policy files are unchanged"
out=$("$W/u/sh" "$W/u/banned.sh" 2>&1)
check "unchanged: the reload marked the new interpreter: it cannot read the banned script" \
	bash -c "! grep -q BANNED-U-RAN <<<'$out' && grep -q 'not permitted' <<<'$out'"
# Any change to an input is a full load, which enforces the change.
python3 -c "import sys; f = open(sys.argv[1], 'r+'); f.write(sys.argv[2])" "$W/u/d/10.policy" \
	"$(rule "$W/b" from-d)"	# b's rule over a's, the same size, written in place
reload_is full "a folder file rewritten in place, the same size: a full load"
expect_exec "unchanged: ... which bans b" "exec-error EPERM" "$W/b"
expect_exec "unchanged: ... and no longer a" "exit 0" "$W/a"
fresh_record
reload_is unchanged "the rewritten file, aged, and loaded: unchanged again"
rule "$W/a" from-d20 >"$W/u/d/20.policy"
reload_is full "a new file in the included folder: a full load"
expect_exec "unchanged: ... which bans a again" "exec-error EPERM" "$W/a"
fresh_record
rm "$W/u/d/20.policy"
reload_is full "a file removed from the included folder: a full load"
expect_exec "unchanged: ... which lets a run" "exit 0" "$W/a"
fresh_record
# A file written just before it is read could be written again within the same clock tick,
# leaving the same ctime: the record says so, and the next load is a full one.
echo "# touched" >>"$W/u/d/10.policy"
"$EB" load "$W/u/main.policy" >/dev/null 2>&1
check "unchanged: a file read within a second of its last write is recorded as racy" \
	bash -c "grep -q '^f .* 1 $W/u/d/10.policy\$' /run/execban/load.inputs && grep -q '^f .* 0 $W/u/main.policy\$' /run/execban/load.inputs"
reload_is full "... and the load after it is a full one"
fresh_record
"$EB" load --full "$W/u/main.policy" >"$W/u/l.out" 2>&1
check "unchanged: --full compiles and writes anyway (a new generation)" \
	bash -c "grep -q '^execban: loaded' '$W/u/l.out' && ! grep -q 'files are unchanged' '$W/u/l.out'"
# The record only saves work: a policy in force other than the one recorded means a full load.
fresh_record
cp /run/execban/load.inputs "$W/u/record"
"$EB" load "$W/A.policy" >/dev/null 2>&1
cp "$W/u/record" /run/execban/load.inputs
reload_is full "another policy put in force behind the record: a full load"
expect_exec "unchanged: ... which enforces main.policy again (a, banned by the other, runs)" "exit 0" "$W/a"

# ---- full maps: a policy larger than the maps is refused, the old one stays ----
"$EB" unload >/dev/null
"$EB" load --max-rules 4 "$W/A.policy" >/dev/null
python3 -c "import os; [print('deny sha256=%s size=%d' % (os.urandom(32).hex(), 100 + i)) for i in range(5)]" >"$W/five.policy"
"$EB" load "$W/five.policy" >/dev/null 2>"$W/full.err"; rc=$?
check "a policy larger than the maps is refused with a clear error" \
	bash -c "[ $rc = 3 ] && grep -q '5 rules do not fit: the loaded policy maps hold 4' '$W/full.err'"
expect_exec "after the refused load, the old policy is still enforced" "exec-error EPERM" "$W/a"
"$EB" unload >/dev/null

# ---- a fresh load verifies its programs while compiling: a failure leaves nothing ----
# (load.c, early_open). 200,000 rules then a bad line: the compile fails while the second
# thread has maps made and programs loaded; none of it may stay, nothing may be pinned.
execban_objs() { # the BPF programs and rule maps of any execban left in the kernel
	bpftool prog show 2>/dev/null | grep -c ' name execban_' || true
}
python3 - >"$W/bad-fresh.policy" <<'PY'
import os
for i in range(200000):
    print("deny sha256=%s size=%d" % (os.urandom(32).hex(), 5000 + i))
print("deny sha256=1234 size=5")
PY
before=$(execban_objs)
"$EB" load "$W/bad-fresh.policy" >/dev/null 2>"$W/bad-fresh.err"; rc=$?
check "fresh load of a bad 200,001-rule policy: refused at its line, nothing loaded" \
	bash -c "[ $rc = 1 ] && grep -q 'bad-fresh.policy:200001:' '$W/bad-fresh.err' && grep -q 'nothing loaded' '$W/bad-fresh.err'"
check "... no pins, and no execban program left in the kernel ($(execban_objs) vs $before before)" \
	bash -c "[ ! -e /sys/fs/bpf/execban ] && [ \"\$(bpftool prog show | grep -c ' name execban_')\" = '$before' ]"
expect_exec "... nothing enforced: a binary banned by the earlier policy runs" "exit 0" "$W/a"
head -n 200000 "$W/bad-fresh.policy" >"$W/good-fresh.policy"
rule "$W/b" b >>"$W/good-fresh.policy"
EXECBAN_TEST_STOP_AFTER_COMPILE=1 "$EB" load "$W/good-fresh.policy" >/dev/null 2>"$W/kill.err" &
kpid=$!
for _ in $(seq 300); do grep -q "stopping after the compile" "$W/kill.err" && break; sleep 0.1; done
kill -KILL $kpid; wait $kpid 2>/dev/null; rc=$?
check "fresh load killed after its compile, with its programs verified on the side: nothing pinned" \
	bash -c "[ $rc = 137 ] && grep -q 'programs verifying beside it' '$W/kill.err' && [ ! -e /sys/fs/bpf/execban/state ]"
"$EB" unload >/dev/null 2>&1
check "... and no execban program left in the kernel" [ "$(execban_objs)" = "$before" ]
EXECBAN_TIMING=1 "$EB" load "$W/good-fresh.policy" >/dev/null 2>"$W/good-fresh.err"; rc=$?
check "fresh load of the same policy, with the programs verified beside the compile: loaded" [ $rc = 0 ]
expect_exec "... and it enforces its rule" "exec-error EPERM" "$W/b"
sed -n 's/^execban: timing: \(prepare\|parse\|digest\) /# fresh, overlapped: \1 /p' "$W/good-fresh.err"
"$EB" unload >/dev/null
EXECBAN_NO_OVERLAP=1 EXECBAN_TIMING=1 "$EB" load "$W/good-fresh.policy" >/dev/null 2>"$W/serial.err"; rc=$?
check "EXECBAN_NO_OVERLAP=1: the same load, verified after the compile, loads too" [ $rc = 0 ]
expect_exec "... and enforces its rule" "exec-error EPERM" "$W/b"
sed -n 's/^execban: timing: \(prepare\|parse\|digest\) /# fresh, serial: \1 /p' "$W/serial.err"
"$EB" unload >/dev/null

rm -rf "$W"
finish
