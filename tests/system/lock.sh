#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# System test (runs inside the system image: tests/system/run -- tests/system/lock.sh): lock
# mode from boot, and real shutdowns, locked and not. Five boots of the same disk:
#   1  unlocked: nothing locks (no /etc/execban/lock.pem); then "systemctl reboot";
#   2  installs a lock key as /etc/execban/lock.pem; then "systemctl poweroff";
#   3  locked at boot by execban.service; the event daemon refuses signals; "dpkg -r execban"
#      is refused; then "systemctl reboot";
#   4  locked again at boot; then "systemctl poweroff";
#   5  reports.
# Each shutdown is measured by tests/system/run (host clock, from the request to qemu's exit)
# and checked in the next boot: it must not wait out a stop timeout (no unit's stop "timed
# out" in that boot's journal, and it took less than the daemon's TimeoutStopSec), and the
# event daemon stopped cleanly, saying why.
# Prints "ok - ..." / "not ok - ..." lines and "# suite: N passed, N failed".
set -uo pipefail

SUITE=system-lock
# shellcheck source=tests/system/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
boot=${EXECBAN_SYSTEM_BOOT:?}
share=${EXECBAN_SYSTEM_SHARE:?}
KEYDIR=/root/execban-lock-test

# Counts of this boot's checks are kept on the disk, so the last boot prints the run's.
tally=/root/execban-lock-test.tally
if [ -f "$tally" ]; then read -r T_PASS T_FAIL <"$tally"; fi
save_tally() { echo "$T_PASS $T_FAIL" >"$tally"; }

# shut_down KIND: ask systemd for a real reboot or poweroff, measured by tests/system/run.
shut_down() {
	save_tally
	echo "# boot $boot: systemctl $1"
	echo "$1" >"$share/shutdown"
	sync
	systemctl "$1" --no-block
	exit 0
}

locked() { # prints true or false: what execban status --json says
	local st
	st=$(execban status --json 2>/dev/null)
	jq -r '.locked // false' <<<"$st"
}

daemon_pid() { systemctl show -p MainPID --value execban-events.service; }

# check_shutdown N WHAT: the shutdown that ended boot N, seen from this boot.
stop_timeout_s=
check_shutdown() {
	local n=$1 what=$2 line kind secs slow j timeouts said
	line=$(awk -v n="$n" '$1 == n' "$share/shutdowns")
	if [ -z "$line" ]; then
		not_ok "$what: measured" "no line for boot $n in $share/shutdowns: $(cat "$share/shutdowns" 2>&1)"
		return
	fi
	read -r _ kind secs slow <<<"$line"
	[ -n "$stop_timeout_s" ] || stop_timeout_s=$(( $(systemctl show -p TimeoutStopUSec --value execban-events.service |
		sed -E 's/^([0-9]+)min ?/\1*60+/; s/s$//; s/\+$//') ))
	# Journal of that boot: this is boot $boot, so it is -($boot - n).
	j=$(journalctl -b "-$((boot - n))" -o cat --no-pager _PID=1)
	# (PID 1's "Killing process ... with signal SIGKILL" for the locked daemon is its attempt,
	# refused at once: no wait. A wait is a timeout, or systemd-shutdown's "Waiting for
	# process" on the console.)
	timeouts=$(grep -E 'timed out|Processes still around' <<<"$j")
	if [ -z "$timeouts" ] && [ "$slow" = 0 ] &&
		awk -v s="$secs" -v t="$stop_timeout_s" 'BEGIN { exit !(s + 0 < t + 0) }'; then
		ok "$what: ${secs}s, no stop timeout waited out (the daemon's TimeoutStopSec: ${stop_timeout_s}s; no 'A stop job is running' or 'Waiting for process' on the console)"
	else
		not_ok "$what: completes without waiting out a stop timeout" \
			"took ${secs}s (the daemon's TimeoutStopSec: ${stop_timeout_s}s)" \
			"console lines 'A stop job is running' or 'Waiting for process': $slow" \
			"PID 1 said:" "${timeouts:-nothing about a timeout}"
	fi
	echo "$kind $secs" >>/root/execban-lock-test.times
	# Locked, no signal reaches the daemon: it must leave by itself, and say why. Unlocked,
	# systemd's SIGTERM may come first.
	said=$(journalctl -b "-$((boot - n))" -o cat --no-pager -u execban-events.service)
	case "$what" in
	locked*)
		if grep -q 'the system is shutting down' <<<"$said" && grep -q 'execban daemon: stopped after' <<<"$said"; then
			ok "$what: the event daemon stopped by itself (signals are refused), saying why"
		else
			not_ok "$what: the event daemon stopped by itself (signals are refused), saying why" "$(tail -n 8 <<<"$said")"
		fi ;;
	*)
		if grep -q 'execban daemon: stopped after' <<<"$said"; then
			ok "$what: the event daemon stopped"
		else
			not_ok "$what: the event daemon stopped" "$(tail -n 8 <<<"$said")"
		fi ;;
	esac
}

case "$boot" in
1)
	rm -f "$tally" /root/execban-lock-test.times
	T_PASS=0 T_FAIL=0
	if [ "$(locked)" = false ] && [ ! -e /etc/execban/lock.pem ]; then
		ok "boot 1: no lock key, not locked"
	else
		not_ok "boot 1: no lock key, not locked" "$(execban status 2>&1)"
	fi
	if systemctl is-active --quiet execban-events.service; then
		ok "boot 1: the event daemon runs"
	else
		not_ok "boot 1: the event daemon runs" "$(systemctl status --no-pager execban-events.service 2>&1)"
	fi
	shut_down reboot
	;;
2)
	check_shutdown 1 "unlocked reboot"
	mkdir -p "$KEYDIR"
	if openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/CN=execban lock test/O=execban test" -keyout "$KEYDIR/lock.key" \
		-out "$KEYDIR/lock.pem" >/dev/null 2>&1; then
		install -m 0644 "$KEYDIR/lock.pem" /etc/execban/lock.pem
		ok "boot 2: installed a lock key as /etc/execban/lock.pem"
	else
		not_ok "boot 2: installed a lock key as /etc/execban/lock.pem" "openssl failed"
	fi
	shut_down poweroff
	;;
3 | 4)
	if [ "$boot" = 3 ]; then
		check_shutdown 2 "unlocked poweroff"
	else
		check_shutdown 3 "locked reboot"
	fi
	if [ "$(locked)" = true ]; then
		ok "boot $boot: locked from boot by execban.service (/etc/execban/lock.pem)"
	else
		not_ok "boot $boot: locked from boot by execban.service (/etc/execban/lock.pem)" \
			"$(execban status 2>&1)" "$(journalctl -b --no-pager -u execban.service 2>&1 | tail -n 10)"
	fi
	# Locked before any user could log in: the lock's start job is execban.service's.
	said=$(journalctl -b -o cat --no-pager -u execban.service)
	if grep -q 'locked until reboot' <<<"$said"; then
		ok "boot $boot: execban.service's journal says it locked"
	else
		not_ok "boot $boot: execban.service's journal says it locked" "$said"
	fi
	pid=$(daemon_pid)
	if [ -n "$pid" ] && [ "$pid" != 0 ]; then
		out=$(kill -TERM "$pid" 2>&1)
		rc=$?
		sleep 1
		if [ "$rc" != 0 ] && grep -q 'Operation not permitted' <<<"$out" && kill -0 "$pid" 2>/dev/null &&
			[ "$(daemon_pid)" = "$pid" ]; then
			ok "boot $boot: SIGTERM to the event daemon (pid $pid) is refused: $out"
		else
			not_ok "boot $boot: SIGTERM to the event daemon is refused" "kill: exit $rc: $out" \
				"daemon now: $(daemon_pid)"
		fi
	else
		not_ok "boot $boot: the event daemon runs" "$(systemctl status --no-pager execban-events.service 2>&1)"
	fi
	if [ "$boot" = 3 ]; then
		out=$(dpkg -r execban 2>&1)
		rc=$?
		st=$(dpkg-query -W -f '${Status}' execban 2>&1)
		if [ "$rc" != 0 ] && grep -q 'refusing to remove execban while enforcement is locked' <<<"$out" &&
			[[ "$st" == *" ok installed" ]] && [ "$(locked)" = true ] && [ -x /usr/sbin/execban ]; then
			ok "boot 3: dpkg -r execban is refused while locked; execban stays installed ($st) and enforcing"
		else
			not_ok "boot 3: dpkg -r execban is refused while locked" "dpkg: exit $rc" "$out" "status: $st"
		fi
		shut_down reboot
	fi
	shut_down poweroff
	;;
5)
	check_shutdown 4 "locked poweroff"
	mapfile -t times </root/execban-lock-test.times
	echo "# shutdown times (host clock, request to qemu's exit): ${times[*]} (unlocked reboot, unlocked poweroff, locked reboot, locked poweroff)"
	rm -f "$tally"
	suite_end
	exit
	;;
*)
	not_ok "an unexpected boot: $boot"
	;;
esac
suite_end
