#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# System test (runs inside the system image: tests/system/run -- tests/system/audit.sh): with
# auditd running, execban writes audit records through libaudit (docs/execban.8.md, AUDIT):
#   - a denial (an unprivileged user, nobody, execs the banned wechat): one USER_AVC record,
#     written by execban-events.service (the record's pid is the daemon's MainPID, its exe
#     /usr/sbin/execban), carrying what an auditor needs, as "ausearch -m USER_AVC -i" prints it:
#     op=exec verdict=denied, path (the file, decoded), sha256 (its sha256sum), rule (the label),
#     subj_pid/subj_uid/subj_comm (the refused process: nobody's shell), res=failed;
#   - execban load: USER_MAC_POLICY_LOAD res=success; a refused load (a bad policy):
#     USER_MAC_POLICY_LOAD res=failed naming the file; execban unload: USER_MAC_STATUS; each with
#     who did it (uid=0 auid=... as the kernel filled them in);
#   - after unload and a re-load, the banned file is refused again, and audited again.
# Every wait is bounded: a command that hangs is killed (timeout) and is a failed check.
# Prints "ok - ..." / "not ok - ..." lines and "# suite: N passed, N failed".
set -uo pipefail

SUITE=system-audit
# shellcheck source=tests/system/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
POLICY=/etc/execban/execban.policy
WECHAT=/usr/local/bin/wechat
WAIT=30	# seconds a record may take to reach audit.log (TCG is slow)

# records TYPE [-i]: every record of TYPE in the audit log, raw (or interpreted with -i), none
# being nothing. --input-logs: ausearch reads audit.log even when its stdin is a pipe.
records() {
	local fmt=--raw
	[ "${2:-}" != -i ] || fmt=-i
	timeout 20 ausearch --input-logs -m "$1" "$fmt" </dev/null 2>/dev/null || true
}
# matching TYPE FMT PATTERN...: the records of TYPE (FMT: --raw or -i) matching every PATTERN
matching() {
	local r p
	r=$(records "$1" "$2")
	shift 2
	for p in "$@"; do r=$(grep -E -e "$p" <<<"$r"); done
	printf '%s' "$r"
}
# await TYPE FMT PATTERN...: the records matching, once some appear within $WAIT seconds
await() {
	local deadline=$((SECONDS + WAIT)) r
	while :; do
		r=$(matching "$@")
		[ -z "$r" ] && [ "$SECONDS" -lt "$deadline" ] || break
		sleep 0.5
	done
	printf '%s' "$r"
}
# expect NAME TYPE PATTERN...: a raw record of TYPE matching every PATTERN appears in time
expect() {
	local name=$1 type=$2 r
	shift 2
	r=$(await "$type" --raw "$@")
	if [ -n "$r" ]; then
		ok "$name: $(tail -n1 <<<"$r" | grep -oE "type=$type .*" | cut -c1-300)"
	else
		not_ok "$name: within ${WAIT}s, ausearch -m $type finds a record matching: $*" \
			"records of $type: $(records "$type" | tail -n 5)"
	fi
}
# eb NAME ARGS...: execban ARGS, killed after 60 s; its output in $out, its status in $rc
eb() {
	rc=0
	out=$(timeout 60 execban "$@" 2>&1 </dev/null) || rc=$?
	[ "$rc" != 124 ] || out="execban $*: killed after 60 s: $out"
}

if systemctl is-active --quiet auditd.service; then
	ok "auditd.service is running"
else
	not_ok "auditd.service is running" "$(systemctl status --no-pager auditd.service 2>&1 | sed -n 1,15p)"
fi
daemon=$(systemctl show -P MainPID execban-events.service)
if systemctl is-active --quiet execban-events.service && [ "${daemon:-0}" != 0 ]; then
	ok "execban-events.service is running (pid $daemon): it writes the denials' records"
else
	not_ok "execban-events.service is running" \
		"$(systemctl status --no-pager execban-events.service 2>&1 | sed -n 1,15p)"
fi

# --- a denial, as an auditor reads it ---------------------------------------------------------------
# deny: nobody's shell prints its pid and execs the banned file; pid in $pid.
deny() {
	local o r
	o=$(timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		sh -c 'echo $$; exec "$1"' sh "$WECHAT" 2>&1 </dev/null)
	r=$?
	pid=$(sed -n 1p <<<"$o")
	if [ "$r" = 126 ] && grep -q 'Operation not permitted' <<<"$o"; then
		ok "$1: nobody's exec of $WECHAT is refused (exit 126, Operation not permitted)"
	else
		not_ok "$1: nobody's exec of $WECHAT is refused (exit 126, Operation not permitted)" "exit $r: $o"
	fi
}
sha=$(sha256sum "$WECHAT" | cut -d' ' -f1)
nobody=$(id -u nobody)
deny "a denial"
rec=$(await USER_AVC -i "subj_pid=$pid ")
if [ -z "$rec" ]; then
	not_ok "a denial: within ${WAIT}s, ausearch -m USER_AVC -i finds its record (subj_pid=$pid)" \
		"USER_AVC records: $(records USER_AVC -i | tail -n 5)" \
		"execban-events: $(journalctl -b --no-pager -u execban-events.service 2>&1 | tail -n 8)"
else
	rec=$(tail -n1 <<<"$rec")
	ok "a denial: ausearch -m USER_AVC -i finds it: $(grep -oE 'type=USER_AVC .*' <<<"$rec" | cut -c1-400)"
	# What an auditor needs, as ausearch -i prints it (path decoded, res spelled out).
	# (path is a field ausearch decodes; rule and subj_comm stay as written: quoted.)
	want=("op=exec " "verdict=denied " "path=$WECHAT " "sha256=$sha " 'rule="wechat" '
		"subj_pid=$pid " "subj_uid=$nobody " 'subj_comm="sh" ' "res=failed")
	bad=()
	for f in "${want[@]}"; do [[ "$rec" == *" $f"* ]] || bad+=("no '$f'"); done
	# Who wrote it: the kernel's own fields name the daemon, not the refused process.
	[[ "$rec" == *" pid=$daemon "* ]] || bad+=("no 'pid=$daemon' (execban-events' MainPID)")
	[[ "$rec" == *" exe=/usr/sbin/execban "* ]] || bad+=("no 'exe=/usr/sbin/execban'")
	if [ ${#bad[@]} = 0 ]; then
		ok "a denial's record, as ausearch -i prints it: op=exec verdict=denied, path $WECHAT, sha256 $sha (sha256sum), rule wechat, the refused process (subj_pid $pid, subj_uid $nobody, subj_comm sh), res=failed; written by execban-events (pid $daemon, exe /usr/sbin/execban)"
	else
		not_ok "a denial's record, as ausearch -i prints it" "${bad[@]}" "record: $rec"
	fi
fi
# One record per denial.
n=$(matching USER_AVC --raw "subj_pid=$pid " | grep -c 'type=USER_AVC')
if [ "$n" = 1 ]; then
	ok "a denial is one USER_AVC record"
else
	not_ok "a denial is one USER_AVC record" "$n records with subj_pid=$pid"
fi

# --- administrative actions ---------------------------------------------------------------------
# The boot's own load (execban.service, ordered after auditd.service so the record is kept): the
# only load before this test's own.
expect "the boot's load by execban.service: USER_MAC_POLICY_LOAD, res=success" \
	USER_MAC_POLICY_LOAD "op=load" "res=success"

eb load "$POLICY"
[ "$rc" = 0 ] || not_ok "execban load $POLICY" "exit $rc: $out"
expect "execban load: USER_MAC_POLICY_LOAD, res=success, who" USER_MAC_POLICY_LOAD \
	" uid=0 auid=[0-9]+ " "op=load" "args=\"?$POLICY\"?" "res=success"

printf 'deny sha256=nothex label=bad\n' >"$tmp/bad-$$.policy"
eb load "$tmp/bad-$$.policy"
[ "$rc" != 0 ] || not_ok "a bad policy is refused" "execban load succeeded: $out"
expect "a refused load: USER_MAC_POLICY_LOAD, res=failed, naming the file" USER_MAC_POLICY_LOAD \
	" uid=0 auid=[0-9]+ " "op=load" "bad-$$.policy" "res=failed"

eb unload
[ "$rc" = 0 ] || not_ok "execban unload" "exit $rc: $out"
expect "execban unload: USER_MAC_STATUS, res=success, who" USER_MAC_STATUS \
	" uid=0 auid=[0-9]+ " "op=unload" "res=success"

n_before=$(matching USER_MAC_POLICY_LOAD --raw 'op=load.*res=success' | grep -c 'type=USER_MAC_POLICY_LOAD')
eb load "$POLICY"
[ "$rc" = 0 ] || not_ok "execban load again" "exit $rc: $out"
n_after=$(await USER_MAC_POLICY_LOAD --raw 'op=load.*res=success' | grep -c 'type=USER_MAC_POLICY_LOAD')
if [ "$n_after" -gt "$n_before" ]; then
	ok "the re-load is one more USER_MAC_POLICY_LOAD res=success ($n_before -> $n_after)"
else
	not_ok "the re-load is one more USER_MAC_POLICY_LOAD res=success" "before $n_before, after $n_after"
fi

# The re-load made a new event buffer; a daemon started before the unload still holds the old
# one (it does not move to a new buffer), so restart it to read the current one.
timeout 60 systemctl restart execban-events.service </dev/null ||
	not_ok "systemctl restart execban-events.service" "$(systemctl status --no-pager execban-events.service 2>&1 | sed -n 1,15p)"
deny "after unload and re-load"
if [ -n "$(await USER_AVC --raw "subj_pid=$pid " 'res=failed')" ]; then
	ok "after unload and re-load: the denial is audited again"
else
	not_ok "after unload and re-load: the denial is audited again" \
		"execban-events: $(systemctl is-active execban-events.service 2>&1); $(journalctl -b --no-pager -u execban-events.service 2>&1 | tail -n 8)"
fi

suite_end
