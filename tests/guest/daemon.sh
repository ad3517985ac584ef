#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# execban daemon: events into the systemd journal (a systemd-journald started in the guest)
# with structured fields, and into a JSON log that logrotate rotates (dist/execban.logrotate).
# Then (issue 19) every reader sees every event: with the daemon running, two concurrent
# "execban events --follow --json" readers, one filtered by --rule, the JSON log and the
# journal all have the same denials with the same sequence numbers; readers remove nothing;
# only one daemon runs, and no reader touches the ring next to it; without the daemon
# "events" reads the ring and says so.
# execban-test-kernels: one
# execban-test-cost: 50
# (what this suite checks is userspace's: tests/run runs it on one test kernel, where it
# balances the run; the kernel behaviour it relies on is checked on every kernel by the other
# suites; EXECBAN_ALL_SUITES_EVERYWHERE=1 runs it on every kernel)
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
# ---- every reader sees every event (issue 19) ----
SOCK=/run/execban/events.sock
unique_copy /bin/true "$W/ra" daemon-ra
unique_copy /bin/true "$W/rb" daemon-rb
{
	"$EB" hash "$W/ra" | sed 's/label=[^ ]*/label=rule-a/'
	"$EB" hash "$W/rb" | sed 's/label=[^ ]*/label=rule-b/'
} >"$W/p2"
"$EB" load "$W/p2" >/dev/null
"$EB" events >/dev/null 2>&1	# start from an empty ring

"$EB" daemon --log "$W/all.json" 2>"$W/daemon2.err" &
dpid=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "the daemon listens on $SOCK, 0600 root" [ "$(stat -c '%a %U %F' "$SOCK" 2>&1)" = "600 root socket" ]

"$EB" daemon --no-syslog >"$W/second.out" 2>"$W/second.err"
rc=$?
check "a second daemon is refused (exit 3)" [ $rc = 3 ]
check "... naming the running one" grep -q "another execban daemon is running (pid $dpid" "$W/second.err"

"$EB" events --follow --json >"$W/r1" 2>"$W/r1.err" &
r1=$!
"$EB" events --follow --json --rule rule-b >"$W/r2" 2>"$W/r2.err" &
r2=$!
# N denials, of both rules, while both readers read.
N=20
for i in $(seq $N); do
	if [ $((i % 3)) = 0 ]; then "$TRYEXEC" "$W/rb" >/dev/null; else "$TRYEXEC" "$W/ra" >/dev/null; fi
done
NB=$((N / 3))
# A reader that cannot reach the daemon must not read the ring in its place.
"$EB" events --json --socket /run/execban/nowhere.sock >"$W/nowhere" 2>"$W/nowhere.err"
rc=$?
check "with the daemon running, a reader that cannot reach it exits 3 ..." [ $rc = 3 ]
check "... and does not read the ring (says the daemon holds it)" grep -q "an execban daemon holds the event buffer" "$W/nowhere.err"
ours() { # FILE: our denials in a JSON-lines file
	grep -c "\"path\":\"$W/r[ab]\"" "$1"
}
for _ in $(seq 100); do
	[ "$(ours "$W/all.json")" -ge $N ] && [ "$(ours "$W/r1")" -ge $N ] && [ "$(ours "$W/r2")" -ge $NB ] && break
	sleep 0.1
done
"$EB" events --json >"$W/once1" 2>"$W/once1.err"
"$EB" events --json --rule rule-a >"$W/once2" 2>"$W/once2.err"
kill -TERM $r1 $r2
wait $r1
rc1=$?
wait $r2
rc2=$?
check "the readers stop cleanly on SIGTERM" [ "$rc1 $rc2" = "0 0" ]
check "the readers read from the daemon (nothing on stderr)" [ ! -s "$W/r1.err" -a ! -s "$W/r2.err" ]

# (cpu, seq) of our denials in a JSON-lines file, or in the journal's JSON, with the rule.
seqs() {
	python3 - "$1" "$W" <<'PY'
import json, sys
w = sys.argv[2]
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("type") == "decision" and e["path"] in (w + "/ra", w + "/rb"):
        print(e["cpu"], e["seq"], e["rule"])
    elif e.get("EXECBAN_PATH") in (w + "/ra", w + "/rb"):
        print(e["EXECBAN_CPU"], e["EXECBAN_SEQ"], e["EXECBAN_RULE"])
PY
}
seqs "$W/all.json" | sort >"$W/s.log"
seqs "$W/r1" | sort >"$W/s.r1"
seqs "$W/r2" | sort >"$W/s.r2"
seqs "$W/once1" | sort >"$W/s.once1"
grep ' rule-b$' "$W/s.log" >"$W/s.log-b"
check "the daemon's JSON log has all $N denials" [ "$(wc -l <"$W/s.log")" = $N ]
check "the unfiltered reader has the same $N, with the same sequence numbers" cmp -s "$W/s.log" "$W/s.r1"
check "the --rule rule-b reader has exactly the rule-b ones ($NB)" cmp -s "$W/s.log-b" "$W/s.r2"
check "... and nothing else" [ "$(grep -c '"type":"decision"' "$W/r2")" = $NB ]
check "events without --follow prints the daemon's backlog: all $N" cmp -s "$W/s.log" "$W/s.once1"
check "... and removes nothing (a second, filtered, read has the rule-a ones)" \
	[ "$(grep -c '"rule":"rule-a"' "$W/once2")" = $((N - NB)) ]
check "... read from the daemon (nothing on stderr)" [ ! -s "$W/once1.err" ]
journalctl --no-pager -o json -t execban EXECBAN_VERDICT=denied >"$W/journal2.json" 2>/dev/null
seqs "$W/journal2.json" | sort >"$W/s.journal"
check "the journal ('journalctl -t execban EXECBAN_VERDICT=denied') has the same $N" cmp -s "$W/s.log" "$W/s.journal"

# A reader reading the ring without a daemon moves to a daemon that starts.
kill -TERM $dpid
wait $dpid
check "the daemon stops cleanly" [ $? = 0 ]
check "... and removes its socket" [ ! -e "$SOCK" ]
"$EB" events --follow --json >"$W/r3" 2>"$W/r3.err" &
r3=$!
sleep 1
"$TRYEXEC" "$W/ra" >/dev/null
for _ in $(seq 50); do [ "$(ours "$W/r3")" -ge 1 ] && break; sleep 0.1; done
check "without a daemon, events reads the ring itself ..." [ "$(ours "$W/r3")" = 1 ]
check "... and says so on stderr, in one line" grep -qx "execban: no daemon at $SOCK (No such file or directory): reading the kernel's event buffer directly, which removes what is read" "$W/r3.err"
"$EB" daemon --no-syslog --log "$W/after.json" 2>"$W/daemon3.err" &
dpid=$!
for _ in $(seq 100); do grep -q "consuming events" "$W/daemon3.err" && break; sleep 0.1; done
check "a daemon starting takes the ring over from that reader" grep -q "a daemon started: reading from $SOCK" "$W/r3.err"
"$TRYEXEC" "$W/rb" >/dev/null
for _ in $(seq 50); do [ "$(ours "$W/r3")" -ge 2 ] && break; sleep 0.1; done
check "... and the reader, now on the socket, sees the next denial, as the daemon's log does" \
	[ "$(ours "$W/r3")" = 2 -a "$(ours "$W/after.json")" = 1 ]
kill -TERM $r3 $dpid
wait $r3 $dpid

# A reader of the ring that never lets go (here: a process holding its lock) does not keep the
# daemon from starting: after 10 s it consumes anyway, and says so.
flock -o -s /run/execban/ring.lock sleep 30 &	# -o: the lock is flock's, gone when it is
holder=$!
sleep 0.5
"$EB" daemon --no-syslog --log "$W/stuck.json" 2>"$W/daemon4.err" &
dpid=$!
for _ in $(seq 300); do grep -q "consuming events" "$W/daemon4.err" && break; sleep 0.1; done
check "a stuck reader of the ring delays the daemon, does not stop it" grep -q "consuming events" "$W/daemon4.err"
check "... which says so" grep -q "did not let go in 10 s: consuming anyway" "$W/daemon4.err"
"$TRYEXEC" "$W/ra" >/dev/null
for _ in $(seq 50); do [ "$(ours "$W/stuck.json")" -ge 1 ] && break; sleep 0.1; done
check "... and logs the next denial" [ "$(ours "$W/stuck.json")" = 1 ]
kill "$holder" 2>/dev/null
kill -TERM $dpid
wait $dpid

# Unload, then load: the load pins a new event buffer. The daemon follows it, and a reader
# connected to the daemon stays connected and sees the denials after it.
"$EB" daemon --no-syslog --json --log "$W/follow.json" >"$W/follow.notices" 2>"$W/daemon5.err" &
dpid=$!
for _ in $(seq 100); do grep -q "consuming events" "$W/daemon5.err" && break; sleep 0.1; done
"$EB" events --follow --json >"$W/r5" 2>"$W/r5.err" &
r5=$!
sleep 0.5
"$TRYEXEC" "$W/ra" >/dev/null
for _ in $(seq 50); do [ "$(ours "$W/follow.json")" -ge 1 ] && break; sleep 0.1; done
"$EB" unload >/dev/null
for _ in $(seq 50); do grep -q "was unloaded" "$W/daemon5.err" && break; sleep 0.1; done
check "the daemon notices an unload, says so, and keeps running" \
	bash -c "grep -q 'execban was unloaded: waiting for the next load' '$W/daemon5.err' && kill -0 $dpid"
"$EB" load "$W/p2" >/dev/null
for _ in $(seq 50); do grep -q "loaded again" "$W/daemon5.err" && break; sleep 0.1; done
check "... and follows the next load to its new event buffer" \
	grep -q "execban was loaded again: consuming its new event buffer" "$W/daemon5.err"
"$TRYEXEC" "$W/rb" >/dev/null
for _ in $(seq 50); do [ "$(ours "$W/follow.json")" -ge 2 ] && break; sleep 0.1; done
check "a denial after unload and load reaches the daemon's log" [ "$(ours "$W/follow.json")" = 2 ]
for _ in $(seq 50); do [ "$(ours "$W/r5")" -ge 2 ] && break; sleep 0.1; done
check "... and the reader that stayed connected through both" [ "$(ours "$W/r5")" = 2 ]
notes=$(grep -o '"type":"[a-z_]*"' "$W/follow.notices" | tr '\n' ' ')
check "the --json notices: started, unloaded, reloaded" [ "$notes" = '"type":"started" "type":"unloaded" "type":"reloaded" ' ]
kill -TERM $r5 $dpid
wait $r5 $dpid
"$EB" load "$W/p" >/dev/null

[ -n "${jpid:-}" ] && kill "$jpid" 2>/dev/null
"$EB" unload >/dev/null
rm -rf "$W"
finish
