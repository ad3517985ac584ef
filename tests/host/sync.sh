#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: what execban sync refuses before it talks to any server or touches a file (the
# syncs themselves run in the VM, tests/guest/sync.sh): plain http to an address that is not
# loopback, a scheme other than https or http, an unknown key in sync.conf (file:line), a
# missing configuration named with --config, no server at all (a usage error), a missing
# local policy; new sync.conf keys with a bad value (jitter= among them). And the test server's own checks
# (tests/helpers/syncserver.py): an eventupload request is held to santa.sync.v1's Event.
set -u
cd "$(dirname "$0")/../.."
top=$PWD
eb=$top/build/execban
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t() { # NAME COMMAND...: ok if the command succeeds
	local name=$1
	shift
	if "$@"; then
		echo "ok - sync: $name"
		pass=$((pass + 1))
	else
		echo "not ok - sync: $name"
		echo "#   failed: $*"
		fail=$((fail + 1))
	fi
}
run() { "$eb" sync "$@" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"; }
rc() { [ "$(cat "$tmp/rc")" = "$1" ]; }
said() { grep -qF -- "$1" "$tmp/err"; }

echo "policy = $tmp/local.policy" >"$tmp/empty.conf"
for url in http://10.0.0.1 http://example.org:8080/santa http://[::2]/ http://127.example.org/; do
	run --config "$tmp/empty.conf" --server "$url" --machine-id m
	t "$url: exit 1" rc 1
	t "$url: refused, plain http only to loopback" \
		said "sync: $url: plain http is allowed only to a loopback address; use https"
done
run --config "$tmp/empty.conf" --server ftp://127.0.0.1/ --machine-id m
t "ftp: exit 1" rc 1
t "ftp: refused" said "scheme ftp: expected https"
run --config "$tmp/empty.conf" --server 'not a url' --machine-id m
t "not a URL: exit 1" rc 1

printf '# a comment\nserver = https://s.example\nsever = x\n' >"$tmp/bad.conf"
run --config "$tmp/bad.conf"
t "unknown key: exit 1" rc 1
t "unknown key: file:line" said "$tmp/bad.conf:3: unknown key 'sever'"
printf 'timeout = 0\n' >"$tmp/bad.conf"
run --config "$tmp/bad.conf"
t "timeout=0: file:line" said "$tmp/bad.conf:1: timeout=0: expected 1 to 3600 seconds"
run --config "$tmp/none.conf"
t "--config FILE missing: exit 1" rc 1
t "--config FILE missing: named" said "$tmp/none.conf"
run --config "$tmp/empty.conf"
t "no server: usage error (exit 2)" rc 2
t "no server: says how to give one" said "no server: give --server or set server="

run --config "$tmp/empty.conf" --server http://127.0.0.1:1 --machine-id m
t "missing local policy: exit 1" rc 1
t "missing local policy: named" said "$tmp/local.policy: the local policy"

printf 'server = https://s.example\nqueue_max = many\n' >"$tmp/bad.conf"
run --config "$tmp/bad.conf"
t "queue_max=many: file:line" said "$tmp/bad.conf:2: queue_max=many: expected 1 to 1000000 events"
printf 'retry = 0\n' >"$tmp/bad.conf"
run --config "$tmp/bad.conf"
t "retry=0: file:line" said "$tmp/bad.conf:1: retry=0: expected 1 second to 1 day"
printf 'jitter = 2d\n' >"$tmp/bad.conf"
run --config "$tmp/bad.conf"
t "jitter=2d: exit 1, file:line" bash -c '[ "$(cat "$0/rc")" = 1 ]' "$tmp"
t "jitter=2d: says what is expected" \
	said "$tmp/bad.conf:1: jitter=2d: expected 0 to 1 day (90, 90s, 10m, 2h, 1d; 0: sync at once)"
printf 'event_extras = maybe\n' >"$tmp/bad.conf"
run --config "$tmp/bad.conf"
t "event_extras=maybe: file:line" said "$tmp/bad.conf:1: event_extras=maybe: expected yes or no"
printf 'compress_requests = zlib\n' >"$tmp/bad.conf"
run --config "$tmp/bad.conf"
t "compress_requests=zlib: file:line" \
	said "$tmp/bad.conf:1: compress_requests=zlib: expected yes or no"

# The test server's eventupload checks, which the guest suite relies on.
srvcheck() { # EXPECTED-VIOLATION-SUBSTRING ("" for none) EVENT-JSON
	python3 - "$top/tests/helpers" "$1" "$2" <<'PY'
import json, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import syncserver
bad = syncserver.check("eventupload", "m", {"machine_id": "m",
                                            "events": [json.loads(sys.argv[3])]})
want = sys.argv[2]
ok = not bad if not want else any(want in b for b in bad)
if not ok:
    print("#   violations: %s" % bad)
sys.exit(0 if ok else 1)
PY
}
good='"file_sha256": "'$(printf 'a%.0s' $(seq 64))'", "file_path": "/usr/bin", "file_name": "x", "executing_user": "root", "execution_time": 1.5, "decision": "BLOCK_BINARY", "pid": 2, "ppid": 1'
t "test server: a complete Event passes" srvcheck "" "{$good, \"execban\": {}}"
t "test server: a signing chain checked too" srvcheck "" \
	"{$good, \"signing_chain\": [{\"sha256\": \"ab\", \"cn\": \"x\"}]}"
t "test server: an unknown Event field fails" srvcheck "unknown field 'rule'" "{$good, \"rule\": \"x\"}"
t "test server: a missing required field fails" srvcheck "required field 'decision' missing" \
	"{$(echo "$good" | sed 's/, "decision": "BLOCK_BINARY"//')}"
t "test server: a decision outside the enum fails" srvcheck "'decision'" \
	"{$(echo "$good" | sed 's/BLOCK_BINARY/DENIED/')}"
t "test server: an unknown Certificate field fails" srvcheck "unknown field 'subject'" \
	"{$good, \"signing_chain\": [{\"sha256\": \"ab\", \"subject\": \"x\"}]}"

echo "# sync: $pass passed, $fail failed"
[ "$fail" = 0 ]
