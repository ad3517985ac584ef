#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# execban daemon: events into the systemd journal (a systemd-journald started in the guest)
# with structured fields, and into a JSON log that logrotate rotates (dist/execban.logrotate).
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-daemon.XXXXXX)
"$EB" unload >/dev/null 2>&1
unique_copy /bin/true "$W/banned" daemon-banned
"$EB" hash "$W/banned" | sed 's/label=banned/label=daemon-ban/' >"$W/p"
"$EB" load "$W/p" >/dev/null

JOURNALD=/lib/systemd/systemd-journald
if [ -x "$JOURNALD" ]; then
	# journald needs the cgroup2 hierarchy, which the bare test VM does not mount.
	grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts || mount -t cgroup2 none /sys/fs/cgroup
	mkdir -p /run/systemd/journal /run/log/journal
	"$JOURNALD" >/dev/null 2>&1 &
	jpid=$!
	for _ in $(seq 50); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
fi
check "systemd-journald runs in the guest" [ -S /run/systemd/journal/socket ]

"$EB" daemon --log "$W/events.json" 2>"$W/daemon.err" &
dpid=$!
sleep 1
decisions() { cat "$@" 2>/dev/null | grep -c '"type":"decision"'; }
wait_decisions() { # N FILE...: until the files hold N decisions (5 s at most)
	local n=$1
	shift
	for _ in $(seq 50); do
		[ "$(decisions "$@")" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}
for i in 1 2 3; do "$TRYEXEC" "$W/banned" >/dev/null; done
wait_decisions 3 "$W/events.json"
# logrotate with the shipped configuration (/etc/logrotate.d/execban): rename and create, and
# no signal to the daemon, which must notice the rename itself.
sed "s|^/var/log/execban/events.json {|$W/events.json {|" "$top/dist/execban.logrotate" >"$W/lr.conf"
logrotate -f -s "$W/lr.state" "$W/lr.conf"
check "logrotate rotated the JSON log (events.json.1, a new events.json)" \
	bash -c "[ -s '$W/events.json.1' ] && [ -e '$W/events.json' ]"
for i in 4 5 6; do "$TRYEXEC" "$W/banned" >/dev/null; done
wait_decisions 3 "$W/events.json"
sleep 0.5
kill -TERM $dpid
wait $dpid
check "the daemon stops cleanly on SIGTERM" [ $? = 0 ]
check "the daemon said where it writes" grep -q "consuming events (journal, JSON log" "$W/daemon.err"

check "after the rotation the daemon wrote to the new file: 3 events in each, none lost" \
	bash -c "[ \"\$(grep -c '\"type\":\"decision\"' '$W/events.json.1')\" = 3 ] && [ \"\$(grep -c '\"type\":\"decision\"' '$W/events.json')\" = 3 ]"
check "JSON log lines are events with path, sha256 and rule" event_has "$W/events.json" \
	"e['path']=='$W/banned' and e['sha256']=='$(sha256 "$W/banned")' and e['rule']=='daemon-ban'"
check "log files are private (0600)" [ "$(stat -c %a "$W/events.json")" = 600 ]

journalctl --no-pager -o json SYSLOG_IDENTIFIER=execban >"$W/journal.json" 2>/dev/null
check "the journal holds 6 execban entries" [ "$(grep -c EXECBAN_SHA256 "$W/journal.json")" = 6 ]
check "journal entries carry structured fields" python3 -c "
import json
es = [json.loads(l) for l in open('$W/journal.json') if l.strip()]
e = es[0]
assert e['EXECBAN_ACTION'] == 'exec' and e['EXECBAN_VERDICT'] == 'denied'
assert e['EXECBAN_PATH'] == '$W/banned' and e['EXECBAN_RULE'] == 'daemon-ban'
assert e['EXECBAN_SHA256'] == '$(sha256 "$W/banned")' and e['PRIORITY'] == '4'
assert e['MESSAGE'].startswith('execban: exec denied')
"
[ -n "${jpid:-}" ] && kill "$jpid" 2>/dev/null
"$EB" unload >/dev/null
rm -rf "$W"
finish
