#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test (issue 19): "execban events" reads from the daemon's socket (a stand-in daemon
# here, speaking the protocol of docs/events.md) and never from the kernel's buffer then:
# without --follow it prints what the daemon keeps and stops at "end_of_backlog"; filters
# (--rule, --uid, --action, --verdict) apply in the reader, losses ("lost", "dropped") are
# printed whatever the filters; --json passes the daemon's lines through byte for byte; the
# text form is the usual one; a daemon's "error" is an exit 3. Without a daemon, one line on
# stderr says the kernel's buffer is read directly (in a private /run, so nothing is left).
set -u
cd "$(dirname "$0")/../.." || exit 1
EB=${EB:-$PWD/build/execban}
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - events socket: $1"; pass=$((pass + 1)); else echo "not ok - events socket: $1"; fail=$((fail + 1)); fi; }
show() { sed 's/^/#   /' "$1"; }
skip() { echo "ok - events socket: $1 # SKIP $2"; pass=$((pass + 1)); }
# A private /run (a mount namespace), so that a reader without a daemon leaves nothing behind.
private_run=1
unshare -m sh -c 'mount -t tmpfs tmpfs /run' 2>/dev/null || private_run=0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S=$tmp/events.sock

# A decision as the daemon sends it (docs/events.md), with this seq, rule, uid and action.
ev() { # SEQ RULE UID [ACTION]
	printf '{"schema":1,"type":"decision","time":"2026-12-03T10:00:0%s.000000000Z","time_ns":%s,"boot_id":"b","cpu":0,"seq":%s,"action":"%s","verdict":"denied","pid":10%s,"tid":10%s,"ppid":1,"uid":%s,"euid":%s,"gid":0,"loginuid":-1,"sessionid":-1,"cgroup_id":1,"comm":"tryexec","parent_comm":"bash","exe":"/usr/bin/tryexec","path":"/tmp/b-%s","filename":"/tmp/b-%s","dev":"0:1","ino":1,"size":10,"sha256":"%s","rule":"%s","rule_id":0,"reason":"","identity":"sha256","match":"sha256=%s","match_key":"","policy_version":1,"policy_digest":"","policy_generation":1,"cached":false,"hash_error":false,"path_truncated":false,"path_fs_relative":false,"untrusted_fs":false,"stale_layer":false,"signature_error":false,"signer":null}\n' \
		"$1" "$((1764756000 + $1))000000000" "$1" "${4:-exec}" "$1" "$1" "$3" "$3" "$1" "$1" \
		"$(printf '%064d' "$1")" "$2" "$(printf '%064d' "$1")"
}
{
	ev 1 alpha 0
	ev 2 beta 1000
	printf '{"schema":1,"type":"lost","cpu":1,"count":3,"before_seq":7}\n'
	ev 3 alpha 1000 mmap
	printf '{"schema":1,"type":"dropped","count":5}\n'
	ev 4 beta 0
	printf '{"schema":1,"type":"end_of_backlog"}\n'
	ev 5 alpha 0
} >"$tmp/lines"

# fake_daemon LINES [close]: serve one reader at $S: each line of LINES as one message; then
# wait for the reader to go (or, with "close", close after a moment, as a daemon that stops).
fake_daemon() {
	rm -f "$S" "$S.ready"
	python3 - "$S" "$1" "${2:-}" <<'PY' &
import os, socket, sys, time
path, lines, mode = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(path)
s.listen(1)
open(path + ".ready", "w").close()
s.settimeout(10)
c, _ = s.accept()
for l in open(lines, "rb"):
    c.send(l)
if mode == "close":
    time.sleep(0.5)
    os.unlink(path)
else:
    c.settimeout(10)
    try:
        while c.recv(100):
            pass
    except OSError:
        pass
c.close()
PY
	fpid=$!
	for _ in $(seq 100); do [ -e "$S.ready" ] && break; sleep 0.05; done
}
lines_before_end() { sed '/"end_of_backlog"/,$d' "$tmp/lines"; }

fake_daemon "$tmp/lines"
"$EB" events --json --socket "$S" >"$tmp/out" 2>"$tmp/err"
rc=$?
wait "$fpid"
t "--json without --follow: exit 0" test $rc = 0
t "... prints the daemon's lines up to end_of_backlog, byte for byte" cmp "$tmp/out" <(lines_before_end) || show "$tmp/out"
t "... and nothing on stderr (no notice: the daemon answered)" test ! -s "$tmp/err" || show "$tmp/err"

fake_daemon "$tmp/lines"
"$EB" events --json --rule alpha --socket "$S" >"$tmp/out" 2>"$tmp/err"
wait "$fpid"
t "--rule alpha: the alpha events (seq 1, 3) and the loss notices, nothing else" python3 - "$tmp/out" <<'PY'
import json, sys
es = [json.loads(l) for l in open(sys.argv[1])]
got = [(e["type"], e.get("seq")) for e in es]
assert got == [("decision", 1), ("lost", None), ("decision", 3), ("dropped", None)], got
PY

fake_daemon "$tmp/lines"
"$EB" events --json --uid 1000 --action exec --verdict denied --socket "$S" >"$tmp/out" 2>"$tmp/err"
wait "$fpid"
t "--uid 1000 --action exec --verdict denied: seq 2 only (3 is an mmap)" test \
	"$(grep -o '"seq":[0-9]*' "$tmp/out" | tr '\n' ' ')" = '"seq":2 '

fake_daemon "$tmp/lines"
"$EB" events --socket "$S" >"$tmp/out" 2>"$tmp/err"
wait "$fpid"
t "text: one line per event, in the usual form" grep -qx \
	"2026-12-03T10:00:01.000000000Z exec denied pid=101 ppid=1 uid=0 comm=tryexec exe=/usr/bin/tryexec path=/tmp/b-1 sha256=$(printf '%064d' 1) rule=alpha" "$tmp/out" || show "$tmp/out"
t "text: the kernel's losses" grep -qx "LOST 3 event(s) on cpu 1: the ring buffer was full (see 'execban status')" "$tmp/out"
t "text: what this reader missed" grep -qx "DROPPED 5 event(s): this reader fell behind the daemon's backlog (the journal and the daemon's JSON log have them)" "$tmp/out"
t "text: 6 lines (4 events, 2 notices)" test "$(wc -l <"$tmp/out")" = 6

if [ $private_run = 1 ]; then
	# --follow: past end_of_backlog; when the daemon goes away, say so and read the kernel's
	# buffer directly (not there on this host: exit 3), in a private /run.
	fake_daemon "$tmp/lines" close
	unshare -m sh -c 'mount -t tmpfs tmpfs /run && exec "$0" events --follow --json --socket "$1"' \
		"$EB" "$S" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	wait "$fpid"
	t "--follow: the event after end_of_backlog too" grep -q '"seq":5' "$tmp/out"
	t "--follow: the daemon going away is said on stderr" grep -qx "execban: the daemon closed $S" "$tmp/err" || show "$tmp/err"
	t "... then the kernel's buffer is read directly (not loaded here: exit 3)" test $rc = 3
else
	skip "--follow past end_of_backlog, and after the daemon goes" "needs a mount namespace (root)"
fi

printf '{"schema":1,"type":"error","message":"too many readers: the daemon serves at most 64 at a time"}\n' >"$tmp/error"
fake_daemon "$tmp/error"
"$EB" events --socket "$S" >"$tmp/out" 2>"$tmp/err"
rc=$?
wait "$fpid"
t "a daemon's error line: exit 3, its message on stderr" test $rc = 3
t "... the message" grep -qx "execban: error: the execban daemon: too many readers: the daemon serves at most 64 at a time" "$tmp/err" || show "$tmp/err"

if [ $private_run = 1 ]; then
	# No daemon: one line on stderr says so, then the kernel's buffer (not loaded here).
	unshare -m sh -c 'mount -t tmpfs tmpfs /run && exec "$0" events' "$EB" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	t "no daemon: exit 3 here (execban is not loaded on the host)" test $rc = 3
	t "no daemon: one line on stderr says the kernel's buffer is read directly" grep -qx \
		"execban: no daemon at /run/execban/events.sock (No such file or directory): reading the kernel's event buffer directly, which removes what is read" "$tmp/err" || show "$tmp/err"
	t "... once" test "$(grep -c 'no daemon at' "$tmp/err")" = 1
else
	skip "no daemon: the stderr notice" "needs a mount namespace (root)"
fi

echo "# events socket: $pass passed, $fail failed"
[ $fail = 0 ]
