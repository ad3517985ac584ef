#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# System test (runs inside the system image: tests/system/run -- tests/system/boot.sh): the
# first boot of a workstation with execban installed and an example ban list in
# /etc/execban/policy.d (policy/example.policy, put there by scripts/sysimage.sh).
#   - the system booted to "running";
#   - execban.service finished loading the policy (a successful start job) before
#     systemd-user-sessions.service and every getty started, proven by the journal's monotonic
#     times (journalctl -o json, systemd's own job messages);
#   - execban status --check is clean and names the example policy;
#   - a banned file (/usr/local/bin/wechat) is refused (execve: EPERM) and one that is not
#     banned (/usr/local/bin/text-editor) runs, in this first boot.
# Prints "ok - ..." / "not ok - ..." lines and "# suite: N passed, N failed".
set -uo pipefail

SUITE=system-boot
# shellcheck source=tests/system/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TRYEXEC=$top/build/tests/tryexec

# systemd's job messages (sd-messages.h): a unit's start job began, and a start job finished.
MID_STARTING=7d4958e842da4a758f6c1cdc7b36dcc5
MID_DONE=39f53479d3a045ac8e11786248231fbf

# --- the boot ---------------------------------------------------------------------------------
if [ "$EXECBAN_SYSTEM_STATE" = running ]; then
	ok "booted to running ($(uname -r))"
else
	mapfile -t failed < <(systemctl --failed --plain --no-legend --no-pager)
	not_ok "booted to running ($(uname -r))" "is-system-running: $EXECBAN_SYSTEM_STATE" \
		"failed units:" "${failed[@]}"
fi

# --- execban.service before user sessions and gettys -------------------------------------------
# json_field FIELD: the field's value on each JSON line of stdin.
json_field() { jq -r --arg f "$1" '.[$f] // empty'; }
boot_journal() { journalctl -b -o json --no-pager _PID=1 "$@"; }

done_json=$(boot_journal MESSAGE_ID=$MID_DONE UNIT=execban.service JOB_TYPE=start)
t_loaded=$(json_field __MONOTONIC_TIMESTAMP <<<"$done_json" | sed -n 1p)
result=$(json_field JOB_RESULT <<<"$done_json" | sed -n 1p)
if [ "$result" = "done" ] && [ -n "$t_loaded" ]; then
	ok "execban.service started successfully in this boot (at ${t_loaded} us monotonic)"
else
	not_ok "execban.service started successfully in this boot" "its start job's result: '${result:-none}'" \
		"$(systemctl status --no-pager execban.service 2>&1 | sed -n 1,15p)"
fi

# When systemd-user-sessions.service and each getty (getty@, serial-getty@ ...) started in this
# boot, as "MONOTONIC UNIT": the first of its "Starting" message and its start job's "Started"
# (a Type=simple or idle unit like a getty has only the latter, logged right after the fork). PID
# 1 logs them all, in the order it acts, on one stream: their receive times keep that order.
starts=$(boot_journal MESSAGE_ID=$MID_STARTING + _PID=1 MESSAGE_ID=$MID_DONE JOB_TYPE=start |
	jq -rs 'map(select(.UNIT // "" | test("^(systemd-user-sessions\\.service|.*getty@.*\\.service)$")))
		| group_by(.UNIT) | map(min_by(.__MONOTONIC_TIMESTAMP | tonumber))
		| .[] | "\(.__MONOTONIC_TIMESTAMP) \(.UNIT)"')
if ! grep -q 'systemd-user-sessions.service' <<<"$starts" || ! grep -q 'getty@' <<<"$starts"; then
	not_ok "the journal has the starts of systemd-user-sessions.service and a getty" "found: ${starts:-nothing}"
elif [ -n "$t_loaded" ]; then
	early=$(awk -v t="$t_loaded" '$1 + 0 <= t + 0' <<<"$starts")
	if [ -z "$early" ]; then
		ok "execban.service had loaded the policy before $(awk '{ printf "%s%s (+%.3f s)", s, $2, ($1 - t) / 1e6; s = ", " }' t="$t_loaded" <<<"$starts") started"
	else
		not_ok "execban.service had loaded the policy before user sessions and gettys started" \
			"execban.service finished at $t_loaded us; started before it:" "$early"
	fi
fi

# execban's own line, from the service: which policy it loaded.
loaded=$(journalctl -b -o json --no-pager _SYSTEMD_UNIT=execban.service |
	jq -r 'select(.MESSAGE | tostring | test("loaded .* of example-gc-2023")) | "\(.__MONOTONIC_TIMESTAMP) \(.MESSAGE)"')
if [ -n "$loaded" ]; then
	ok "execban.service logged loading the example policy: ${loaded#* }"
else
	not_ok "execban.service logged loading the example policy" \
		"$(journalctl -b --no-pager -u execban.service 2>&1 | tail -n 10)"
fi

# --- the policy in force ------------------------------------------------------------------------
if out=$(execban status --check 2>&1); then
	ok "execban status --check: enforcement complete"
else
	not_ok "execban status --check: enforcement complete" "$out"
fi
st=$(execban status 2>&1)
if grep -q 'example-gc-2023' <<<"$st"; then
	ok "execban status names the example policy (example-gc-2023)"
else
	not_ok "execban status names the example policy (example-gc-2023)" "$st"
fi

# --- exec in the first boot -------------------------------------------------------------------------
expect_exec() { # NAME WANT PATH: WANT is tryexec's line ("exec-error EPERM", "exit 0")
	local got
	got=$("$TRYEXEC" "$3" 2>/dev/null | tail -n1)
	if [ "$got" = "$2" ]; then ok "$1"; else not_ok "$1" "want: $2" "got:  $got"; fi
}
expect_exec "the banned /usr/local/bin/wechat is refused: EPERM" "exec-error EPERM" /usr/local/bin/wechat
expect_exec "the banned /usr/local/bin/kaspersky-agent is refused: EPERM" "exec-error EPERM" /usr/local/bin/kaspersky-agent
expect_exec "the unbanned /usr/local/bin/text-editor runs" "exit 0" /usr/local/bin/text-editor
# What a user at a shell sees.
out=$(/usr/local/bin/wechat 2>&1)
rc=$?
if [ "$rc" = 126 ] && grep -q 'Operation not permitted' <<<"$out"; then
	ok "a shell running wechat: exit 126, \"Operation not permitted\""
else
	not_ok "a shell running wechat: exit 126, \"Operation not permitted\"" "exit $rc: $out"
fi

suite_end
