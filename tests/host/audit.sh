#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: an administrative verb's audit record (docs/execban.8.md, AUDIT). The kernel's
# audit netlink socket takes user records from root with CAP_AUDIT_WRITE; without that
# capability (a sandbox that forgot it) the record is lost, and root is told so on stderr, with
# the verb's own exit status unchanged; with it nothing extra is said. --help is not recorded.
# Needs root and an audit netlink socket (a kernel with audit); the records it sends are a
# refused load of a file that does not exist.
set -u
suite=audit
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v capsh >/dev/null ||
	! python3 -c 'import socket; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)' 2>/dev/null; then
	echo "ok - $suite: # SKIP needs root, capsh and an audit netlink socket"
	echo "# $suite: $pass passed, $fail failed"
	exit 0
fi

# run NAME [capsh args] -- ARGS...: execban ARGS with stderr in $tmp/NAME.err, status in rc
run() {
	local name=$1
	shift
	local pre=()
	while [ "$1" != -- ]; do pre+=("$1"); shift; done
	shift
	rc=0
	capsh "${pre[@]}" -- -c '"$0" "$@"' "$EB" "$@" >/dev/null 2>"$tmp/$name.err" || rc=$?
}

run nocap --drop=cap_audit_write -- load "$tmp/none.policy"
if [ "$rc" = 1 ] && has "$tmp/nocap.err" '^execban: warning: load: no audit record written: Operation not permitted \(the process has no CAP_AUDIT_WRITE; a systemd unit.s CapabilityBoundingSet= must hold it\)$'; then
	ok "without CAP_AUDIT_WRITE, root is told the record was lost; the load's own status (1) stands"
else
	not_ok "without CAP_AUDIT_WRITE, root is told the record was lost; the load's own status (1) stands" \
		"exit $rc" "$(cat "$tmp/nocap.err")"
fi

run cap -- load "$tmp/none.policy"
if [ "$rc" = 1 ] && ! has "$tmp/cap.err" 'audit'; then
	ok "with CAP_AUDIT_WRITE, the refused load says nothing about audit"
else
	not_ok "with CAP_AUDIT_WRITE, the refused load says nothing about audit" "exit $rc" "$(cat "$tmp/cap.err")"
fi

run help --drop=cap_audit_write -- unload --help
if [ "$rc" = 0 ] && ! has "$tmp/help.err" 'audit'; then
	ok "unload --help is not an administrative action: no record, nothing said"
else
	not_ok "unload --help is not an administrative action: no record, nothing said" "exit $rc" "$(cat "$tmp/help.err")"
fi

echo "# $suite: $pass passed, $fail failed"
[ "$fail" = 0 ]
