#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# System test (runs inside the system image: tests/system/run -- tests/system/journal.sh):
# denials reach the journal with execban's structured fields (docs/execban.8.md, JOURNAL).
#   - a shell execs the banned /usr/local/bin/wechat, and a renamed copy of the banned
#     kaspersky-agent in /tmp; each is refused;
#   - journalctl MESSAGE_ID=9d5b2f8c4e7a4c0fa1c3b6e2d8f04a11 -o json finds each denial, written
#     by execban-events.service, with EXECBAN_SHA256 (the file's sha256sum), EXECBAN_RULE (the
#     rule's label), EXECBAN_PATH, EXECBAN_ACTION=exec, EXECBAN_VERDICT=denied, EXECBAN_PID and
#     EXECBAN_PPID (the shell and its parent), EXECBAN_UID, EXECBAN_COMM, EXECBAN_POLICY_VERSION,
#     EXECBAN_SEQ and EXECBAN_CPU (the same event as in the daemon's JSON log), priority warning.
# Prints "ok - ..." / "not ok - ..." lines and "# suite: N passed, N failed".
set -uo pipefail

SUITE=system-journal
# shellcheck source=tests/system/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MID=9d5b2f8c4e7a4c0fa1c3b6e2d8f04a11
LOG=/var/log/execban/events.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if systemctl is-active --quiet execban-events.service; then
	ok "execban-events.service is running"
else
	not_ok "execban-events.service is running" "$(systemctl status --no-pager execban-events.service 2>&1 | sed -n 1,15p)"
fi

# deny_in_journal NAME FILE RULE: a shell (sh -c) prints its pid and execs FILE; the exec must
# fail, and the journal must hold its denial with every field.
deny_in_journal() {
	local name=$1 file=$2 rule=$3 out rc pid ppid sha json e i want f
	# The shell's parent is the command substitution's subshell, not this script: it says both.
	out=$(sh -c 'echo $$ $PPID; exec "$1"' sh "$file" 2>&1)
	rc=$?
	read -r pid ppid <<<"$(sed -n 1p <<<"$out")"
	if [ "$rc" = 126 ] && grep -q 'Operation not permitted' <<<"$out"; then
		ok "$name: exec refused (exit 126, Operation not permitted)"
	else
		not_ok "$name: exec refused (exit 126, Operation not permitted)" "exit $rc: $out"
	fi
	sha=$(sha256sum "$file" | cut -d' ' -f1)
	json=
	for ((i = 0; i < 100; i++)); do
		json=$(journalctl -b -o json --no-pager MESSAGE_ID=$MID EXECBAN_PATH="$file" EXECBAN_PID="$pid")
		[ -z "$json" ] || break
		sleep 0.1
	done
	if [ -z "$json" ]; then
		not_ok "$name: journalctl MESSAGE_ID=$MID EXECBAN_PATH=$file EXECBAN_PID=$pid finds the denial" \
			"$(journalctl -b --no-pager -t execban 2>&1 | tail -n 10)"
		return
	fi
	ok "$name: journalctl MESSAGE_ID=$MID EXECBAN_PATH=$file finds the denial"
	e=$(sed -n 1p <<<"$json")
	want=(
		"SYSLOG_IDENTIFIER=execban" "PRIORITY=4" "_SYSTEMD_UNIT=execban-events.service"
		"EXECBAN_ACTION=exec" "EXECBAN_VERDICT=denied" "EXECBAN_PATH=$file"
		"EXECBAN_SHA256=$sha" "EXECBAN_RULE=$rule" "EXECBAN_PID=$pid" "EXECBAN_PPID=$ppid"
		"EXECBAN_UID=0" "EXECBAN_COMM=sh" "EXECBAN_POLICY_VERSION=1"
	)
	local bad=()
	for f in "${want[@]}"; do
		got=$(jq -r --arg f "${f%%=*}" '.[$f] // "(missing)"' <<<"$e")
		[ "$got" = "${f#*=}" ] || bad+=("${f%%=*}: want '${f#*=}', got '$got'")
	done
	for f in EXECBAN_SEQ EXECBAN_CPU; do
		got=$(jq -r --arg f "$f" '.[$f] // "(missing)"' <<<"$e")
		[[ "$got" =~ ^[0-9]+$ ]] || bad+=("$f: want a number, got '$got'")
	done
	msg=$(jq -r '.MESSAGE' <<<"$e")
	[[ "$msg" == execban:* && "$msg" == *"$file"* ]] || bad+=("MESSAGE: want 'execban: ...$file...', got '$msg'")
	if [ ${#bad[@]} = 0 ]; then
		ok "$name: the entry's fields: SHA256 $sha (sha256sum), RULE $rule, PATH, ACTION exec, VERDICT denied, PID/PPID/UID/COMM of the shell, POLICY_VERSION, SEQ, CPU, priority warning"
	else
		not_ok "$name: the entry's fields" "${bad[@]}"
	fi
	# The same event in the daemon's JSON log, by its CPU and sequence number (sequence numbers
	# are per CPU: two events of one boot may both be 1).
	seq=$(jq -r '.EXECBAN_SEQ' <<<"$e")
	cpu=$(jq -r '.EXECBAN_CPU' <<<"$e")
	logged=$(jq -c --argjson s "$seq" --argjson c "$cpu" 'select(.seq == $s and .cpu == $c)' "$LOG" 2>&1)
	if [ -n "$logged" ] && [ "$(jq -r '.sha256' <<<"$logged")" = "$sha" ]; then
		ok "$name: EXECBAN_CPU $cpu, EXECBAN_SEQ $seq is the same event in $LOG"
	else
		not_ok "$name: EXECBAN_CPU $cpu, EXECBAN_SEQ $seq is the same event in $LOG" "found: ${logged:-nothing}"
	fi
}

deny_in_journal "banned wechat" /usr/local/bin/wechat wechat
# A banned file is banned by its contents: a copy under another name and path is the same denial.
cp /usr/local/bin/kaspersky-agent "$tmp/renamed-agent"
chmod 755 "$tmp/renamed-agent"
deny_in_journal "a renamed copy of kaspersky-agent" "$tmp/renamed-agent" kaspersky

suite_end
