#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# System test (runs inside the system image: tests/system/run -- tests/system/audit.sh): with
# auditd running, execban writes audit records through libaudit (docs/execban.8.md, AUDIT):
#   - a denial: USER_AVC, with the file's path and sha256, the rule and the acting process;
#   - execban load: USER_MAC_POLICY_LOAD res=success; a refused load (a bad policy):
#     USER_MAC_POLICY_LOAD res=failed naming the file; execban unload: USER_MAC_STATUS;
#     each with who did it (uid=0 auid=... as the kernel filled them in);
#   - after unload and a re-load, the banned file is refused again.
# Prints "ok - ..." / "not ok - ..." lines and "# suite: N passed, N failed".
set -uo pipefail

[ "${EXECBAN_SYSTEM:-}" = 1 ] || { echo "$0: runs inside the system image (tests/system/run)" >&2; exit 2; }
SUITE=system-audit
T_PASS=0 T_FAIL=0
ok() { T_PASS=$((T_PASS + 1)); echo "ok - $SUITE: $1"; }
not_ok() {
	T_FAIL=$((T_FAIL + 1))
	echo "not ok - $SUITE: $1"
	shift
	local l
	for l in "$@"; do printf '#   %s\n' "${l//$'\n'/$'\n'#   }"; done
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
POLICY=/etc/execban/execban.policy

# records TYPE: every raw record of TYPE in the audit log (none: nothing, not an error).
records() { ausearch -m "$1" --raw 2>/dev/null || true; }
# expect NAME TYPE PATTERN...: a record of TYPE matching every PATTERN (grep -E) appears
# within 5 s.
expect() {
	local name=$1 type=$2 i r p
	shift 2
	for ((i = 0; i < 50; i++)); do
		r=$(records "$type")
		for p in "$@"; do r=$(grep -E -e "$p" <<<"$r"); done
		[ -z "$r" ] || break
		sleep 0.1
	done
	if [ -n "$r" ]; then
		ok "$name: $(tail -n1 <<<"$r" | grep -oE "type=$type .*" | cut -c1-400)"
	else
		not_ok "$name: ausearch -m $type finds a record matching: $*" \
			"records of $type: $(records "$type" | tail -n 5)"
	fi
}

if systemctl is-active --quiet auditd.service; then
	ok "auditd.service is running"
else
	not_ok "auditd.service is running" "$(systemctl status --no-pager auditd.service 2>&1 | sed -n 1,15p)"
fi

# --- a denial ---------------------------------------------------------------------------------
sha=$(sha256sum /usr/local/bin/wechat | cut -d' ' -f1)
out=$(sh -c 'echo $$; exec /usr/local/bin/wechat' 2>&1)
pid=$(sed -n 1p <<<"$out")
expect "a denial is a USER_AVC record" USER_AVC "op=exec verdict=denied" \
	'path="?/usr/local/bin/wechat"?' "sha256=$sha" 'rule="?wechat"?' "subj_pid=$pid " "subj_uid=0 " \
	"res=failed"

# --- administrative actions ---------------------------------------------------------------------
if out=$(execban load "$POLICY" 2>&1); then :; else not_ok "execban load $POLICY" "$out"; fi
expect "execban load: USER_MAC_POLICY_LOAD, res=success, who" USER_MAC_POLICY_LOAD \
	" uid=0 auid=[0-9]+ " "op=load" "args=\"?$POLICY\"?" "res=success"

printf 'deny sha256=nothex label=bad\n' >"$tmp/bad-$$.policy"
if out=$(execban load "$tmp/bad-$$.policy" 2>&1); then
	not_ok "a bad policy is refused" "execban load succeeded: $out"
fi
expect "a refused load: USER_MAC_POLICY_LOAD, res=failed, naming the file" USER_MAC_POLICY_LOAD \
	" uid=0 auid=[0-9]+ " "op=load" "bad-$$.policy" "res=failed"

if out=$(execban unload 2>&1); then :; else not_ok "execban unload" "$out"; fi
expect "execban unload: USER_MAC_STATUS, res=success, who" USER_MAC_STATUS \
	" uid=0 auid=[0-9]+ " "op=unload" "res=success"

n_before=$(records USER_MAC_POLICY_LOAD | grep -c 'op=load.*res=success')
if out=$(execban load "$POLICY" 2>&1); then :; else not_ok "execban load again" "$out"; fi
n_after=$(records USER_MAC_POLICY_LOAD | grep -c 'op=load.*res=success')
if [ "$n_after" -gt "$n_before" ]; then
	ok "the re-load is one more USER_MAC_POLICY_LOAD res=success ($n_before -> $n_after)"
else
	not_ok "the re-load is one more USER_MAC_POLICY_LOAD res=success" "before $n_before, after $n_after"
fi
if sh -c 'exec /usr/local/bin/wechat' 2>/dev/null; then
	not_ok "after unload and re-load, wechat is refused again" "it ran"
else
	ok "after unload and re-load, wechat is refused again"
fi

echo "# suite: $T_PASS passed, $T_FAIL failed"
[ "$T_FAIL" = 0 ]
