#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test (issue 18): the systemd units. systemd-analyze security (offline, on the unit files
# as shipped) scores the event daemon at most 4.0 and the loader at most 4.0 as well; both are
# sandboxed the way current Debian units are and create their folders through systemd
# (LogsDirectory=, RuntimeDirectory=, CacheDirectory=), not mkdir; execban.service loads with
# --allow-empty (a fresh install is "no ban list installed", not a failed unit), and
# execban-events.service is skipped, not failed, while nothing is loaded.
set -u
cd "$(dirname "$0")/../.." || exit 1
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - units: $1"; pass=$((pass + 1)); else echo "not ok - units: $1"; fail=$((fail + 1)); fi; }

score() { # UNIT: the overall exposure systemd-analyze prints, e.g. 1.1
	local out
	out=$(systemd-analyze security --offline=yes "$1" 2>&1) || return 1
	sed -n 's/^→ Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' <<<"$out"
}
if ! systemd-analyze security --offline=yes dist/execban-events.service >/dev/null 2>&1; then
	echo "ok - units: # SKIP systemd-analyze security --offline is not supported here (systemd < 250)"
else
	for u in execban-events execban; do
		s=$(score "dist/$u.service")
		echo "# units: $u.service exposure $s"
		t "$u.service: systemd-analyze security exposure $s <= 4.0" \
			awk -v s="$s" 'BEGIN { exit !(s != "" && s + 0 <= 4.0) }'
	done
fi
for u in dist/execban.service dist/execban-events.service; do
	t "$u: no mkdir in an Exec line" bash -c "! grep -E '^Exec.*mkdir' '$u' >/dev/null"
	for k in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes SystemCallArchitectures=native \
		CapabilityBoundingSet=; do
		t "$u: $k" grep -q "^$k" "$u"
	done
done
t "execban-events.service: LogsDirectory=execban, RuntimeDirectory=execban (kept across restarts)" \
	bash -c "grep -qx LogsDirectory=execban dist/execban-events.service &&
		grep -qx RuntimeDirectory=execban dist/execban-events.service &&
		grep -qx RuntimeDirectoryPreserve=yes dist/execban-events.service"
# The daemon reads the ring (CAP_BPF) and writes each denial as an audit record
# (CAP_AUDIT_WRITE); the "execban sync" it runs when sync.conf names a server applies rules as
# "execban load" does. Never module loading, never DAC overrides, never CAP_AUDIT_CONTROL.
t "execban-events.service: the bounding set holds the loader's BPF capabilities and CAP_AUDIT_WRITE only" \
	grep -qx 'CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYS_ADMIN CAP_MAC_ADMIN CAP_SYS_RESOURCE CAP_AUDIT_WRITE' \
	dist/execban-events.service
t "execban-events.service: StateDirectory=execban (the sync's queue and state), mode 0700" \
	bash -c "grep -qx StateDirectory=execban dist/execban-events.service &&
		grep -qx StateDirectoryMode=0700 dist/execban-events.service"
t "execban-events.service: skipped while nothing is loaded" \
	grep -qx 'ConditionPathExists=/sys/fs/bpf/execban' dist/execban-events.service
t "execban.service: CacheDirectory=execban (the protected files' digests)" \
	grep -qx CacheDirectory=execban dist/execban.service
t "execban.service: loads with --allow-empty, at start and on reload" \
	bash -c "grep -q '^ExecStart=.* || exec /usr/sbin/execban load --allow-empty /etc/execban/execban.policy'\''\$' dist/execban.service &&
		grep -q '^ExecReload=.*load --allow-empty /etc/execban/execban.policy' dist/execban.service"
echo "# units: $pass passed, $fail failed"
[ "$fail" = 0 ]
