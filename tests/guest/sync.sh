#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# execban sync against a Santa sync server on the guest's loopback (tests/helpers/syncserver.py,
# which fails any request whose fields the protocol does not define): a clean sync over
# several ruledownload pages enforces its BINARY and CERTIFICATE block rules beside the local
# policy (a binary signed by the certificate, execban.ko reading its signer); a synced
# ALLOWLIST exempts one file from a local signer ban but cannot weaken a local digest ban;
# show names each rule's origin (file:line, or the server and the Santa rule); a REMOVE
# lifts one; a server failing mid-ruledownload (an error, garbage, a truncated page, a closed
# connection) changes nothing; a failed eventupload still applies the rules (PARTIAL); plain
# http to a non-loopback address is refused.
# The event queue and eventupload, with the daemon: a denial uploaded with the protocol's
# fields and removed from the queue; a server down for a while (events queued, uploaded once it
# is back, none lost, none twice; the daemon retrying on its schedule); the queue full (oldest
# dropped and counted, across a daemon restart); status showing the sync and --check failing
# past max_sync_age.
# execban-test-kernels: one
# execban-test-cost: 115
# (what this suite checks is userspace's: tests/run runs it on one test kernel, where it
# balances the run; the kernel behaviour it relies on is checked on every kernel by the other
# suites; EXECBAN_ALL_SUITES_EVERYWHERE=1 runs it on every kernel)
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-sync.XXXXXX)
chmod 755 "$W"
SP=/var/lib/execban/sync.policy
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null
Q=/var/lib/execban/queue
STATE=/var/lib/execban/sync.state
rm -rf "$SP" "$Q" "$STATE"

S=$W/srv
mkdir "$S"
echo '{}' >"$S/scenario.json"
python3 "$top/tests/helpers/syncserver.py" --dir "$S" &
srv=$!
for _ in $(seq 50); do [ -e "$S/port" ] && break; sleep 0.1; done
port=$(cat "$S/port")

unique_copy /bin/true "$W/bad1" sync-bad1
unique_copy /bin/true "$W/bad2" sync-bad2
unique_copy /bin/true "$W/bad3" sync-bad3
unique_copy /bin/true "$W/local" sync-local
h1=$(sha256 "$W/bad1") h2=$(sha256 "$W/bad2") h3=$(sha256 "$W/bad3") hl=$(sha256 "$W/local")

# Signed binaries for CERTIFICATE rules: a PKCS#7 (openssl cms) that embeds its signer's
# certificate, appended in the module-signature format (tests/guest/signer.sh); execban.ko
# reads the signer. One key, three certificates: fleet (banned by the server), vendor (banned
# locally), tool (allowed by the server).
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/k.pem" 2>/dev/null
for n in fleet vendor tool; do
	openssl req -x509 -new -key "$W/k.pem" -sha256 -days 30 -subj "/CN=execban sync $n/O=execban test" \
		-addext basicConstraints=critical,CA:FALSE -addext keyUsage=digitalSignature \
		-out "$W/$n.pem" 2>/dev/null
done
certsha() { openssl x509 -in "$W/$1.pem" -outform DER | sha256sum | cut -c1-64; }
cf=$(certsha fleet) cv=$(certsha vendor) ct=$(certsha tool)
signed() { # CERT NAME: $W/NAME, a unique copy of /bin/true signed by CERT
	unique_copy /bin/true "$W/$2" "sync-$2"
	openssl cms -sign -binary -noattr -md sha256 -outform DER -in "$W/$2" -signer "$W/$1.pem" \
		-inkey "$W/k.pem" -out "$W/$2.p7s" &&
		python3 - "$W/$2" "$W/$2.p7s" <<'PY'
import struct, sys
sig = open(sys.argv[2], 'rb').read()
trailer = struct.pack('>BBBBB3xI', 0, 0, 2, 0, 0, len(sig)) + b'~Module signature appended~\n'
open(sys.argv[1], 'ab').write(sig + trailer)
PY
}
for f in fleet:by-fleet vendor:vend-keep vendor:vend-other tool:tool-denied tool:tool-other; do
	signed "${f%%:*}" "${f#*:}"
done
check "signed binaries made, the certificate embedded" \
	grep -q "^# signer-cert-sha256=$cf\$" <<<"$("$EB" hash "$W/by-fleet")"
check "execban.ko loads (signer rules)" insmod "$top/build/kmod/$(uname -r)/execban.ko"
hvk=$(sha256 "$W/vend-keep") htd=$(sha256 "$W/tool-denied")
cat >"$W/local.policy" <<EOF
deny sha256=$hl label=local
deny signer-cert-sha256=$cv label=vendor-ban
deny sha256=$htd label=tool-digest
EOF
cat >"$W/sync.conf" <<EOF
# the test's sync configuration
server = http://127.0.0.1:$port
policy = $W/local.policy
machine_id = test-machine-1
timeout = 10
EOF

scenario() { cat >"$S/scenario.json"; }
sync_once() { "$EB" sync --config "$W/sync.conf" --once >"$W/out" 2>"$W/err"; }
# the last request of a stage, as JSON, for python checks
last_req() {
	python3 - "$S/requests.jsonl" "$1" "$2" <<'PY'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [x for x in rs if x["stage"] == sys.argv[2]][-1]
sys.exit(0 if eval(sys.argv[3], {}, {"r": r["body"]}) else 1)
PY
}
no_violations() { [ ! -s "$S/violations" ] || { cat "$S/violations"; false; }; }

# 1. a clean sync, three pages: BINARY and CERTIFICATE blocks enforced, BINARY ALLOWLIST an
# allow rule, TEAMID ignored; an ALLOWLIST of a file the local policy denies is dropped (the
# local ban wins); ALLOWLIST and the local policy as execban.policy(5), Exceptions, ranks them
scenario <<EOF
{"preflight": {"sync_type": "CLEAN", "batch_size": 50, "client_mode": "MONITOR",
               "full_sync_interval": 600},
 "pages": [
   [{"identifier": "$h1", "policy": "BLOCKLIST", "rule_type": "BINARY",
     "custom_msg": "blocked by the fleet", "custom_url": "https://fleet.example/b1"}],
   [{"identifier": "EQHXZ8M8AV", "policy": "ALLOWLIST", "rule_type": "TEAMID"},
    {"identifier": "$h2", "policy": "SILENT_BLOCKLIST", "rule_type": "BINARY"},
    {"identifier": "$hl", "policy": "ALLOWLIST", "rule_type": "BINARY"}],
   [{"identifier": "$h3", "policy": "ALLOWLIST", "rule_type": "BINARY"},
    {"identifier": "$cf", "policy": "BLOCKLIST", "rule_type": "CERTIFICATE",
     "custom_msg": "bad signer"},
    {"identifier": "$hvk", "policy": "ALLOWLIST", "rule_type": "BINARY"},
    {"identifier": "$ct", "policy": "ALLOWLIST", "rule_type": "CERTIFICATE"},
    {"identifier": "$cv", "policy": "ALLOWLIST", "rule_type": "CERTIFICATE"}]]}
EOF
"$EB" events >/dev/null
sync_once
rc=$?
check "clean sync: exit 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$W/err"
check "clean sync: no protocol violation" no_violations
check "clean sync: summary line" \
	grep -q 'CLEAN, 9 rules received, 6 applied, 3 ignored; 6 synced rules in force' "$W/out"
check "clean sync: three ruledownload pages" \
	[ "$(grep -c '"ruledownload"' "$S/requests.jsonl")" = 3 ]
check "clean sync: the cursor sent back" last_req ruledownload "r.get('cursor') == 'page-2'"
check "preflight: machine id, MONITOR, clean sync requested" last_req preflight \
	"r['machine_id'] == 'test-machine-1' and r['client_mode'] == 'MONITOR' and r['request_clean_sync'] is True and r['santa_version'].startswith('execban ')"
check "postflight: counts and sync type" last_req postflight \
	"r['rules_received'] == 9 and r['rules_processed'] == 6 and r['sync_type'] == 'CLEAN'"
expect_exec "BINARY BLOCKLIST: refused" "exec-error EPERM" "$W/bad1"
expect_exec "BINARY SILENT_BLOCKLIST: refused" "exec-error EPERM" "$W/bad2"
expect_exec "BINARY ALLOWLIST: runs" "exit 0" "$W/bad3"
check "sync.policy: BINARY ALLOWLIST as an allow sha256= rule" \
	grep -qx "allow sha256=$h3 label=santa" "$SP"
expect_exec "the local policy: still enforced" "exec-error EPERM" "$W/local"
expect_exec "an ALLOWLIST of a locally denied file: the local ban wins" "exec-error EPERM" "$W/local"
check "an ALLOWLIST of a locally denied file: not in sync.policy" \
	[ "$(grep -c "$hl" "$SP")" = 0 ]
check "an ALLOWLIST of a locally denied file: warned, naming the local rule" \
	grep -q "the server's allow of sha256=$hl is not applied: the local policy denies it at $W/local.policy:1" "$W/err"
check "sync.policy: the BINARY rule with custom_msg and custom_url as reason" \
	grep -qx "deny sha256=$h1 label=santa reason=\"blocked by the fleet https://fleet.example/b1\"" "$SP"
check "sync.policy: CERTIFICATE as signer-cert-sha256" \
	grep -qx "deny signer-cert-sha256=$cf label=santa reason=\"bad signer\"" "$SP"
expect_exec "CERTIFICATE BLOCKLIST: a binary signed by the certificate is refused" \
	"exec-error EPERM" "$W/by-fleet"
drain_events "$W/ev1"
check "CERTIFICATE BLOCKLIST: the denial names the synced rule and its custom_msg" \
	event_has "$W/ev1" "e['path'] == '$W/by-fleet' and e['verdict'] == 'denied' and e['identity'] == 'signer-cert-sha256' and e['rule'] == 'santa' and e['reason'] == 'bad signer'"
expect_exec "synced ALLOWLIST BINARY: exempts its file from the local signer ban" \
	"exit 0" "$W/vend-keep"
expect_exec "synced ALLOWLIST BINARY: the local signer ban holds for the signer's other files" \
	"exec-error EPERM" "$W/vend-other"
check "synced ALLOWLIST CERTIFICATE: applied (an allow signer-cert-sha256= rule)" \
	grep -qx "allow signer-cert-sha256=$ct label=santa" "$SP"
expect_exec "synced ALLOWLIST CERTIFICATE: cannot weaken a local digest deny (the narrower rule wins)" \
	"exec-error EPERM" "$W/tool-denied"
expect_exec "synced ALLOWLIST CERTIFICATE: the certificate's other files run" "exit 0" "$W/tool-other"
check "synced ALLOWLIST of the locally banned certificate: dropped, warned with the local rule" \
	grep -q "the server's allow of signer-cert-sha256=$cv is not applied: the local policy denies it at $W/local.policy:2" "$W/err"

# show: each rule's origin, a local file:line or the server and its Santa rule
"$EB" show >"$W/show"
check "show: a local rule's origin is its file:line" \
	grep -qx "deny sha256=$hl label=local  # $W/local.policy:1" "$W/show"
check "show: a synced BINARY rule's origin is the server and the Santa rule" \
	grep -qxF "deny sha256=$h1 label=santa reason=\"blocked by the fleet https://fleet.example/b1\"  # synced from http://127.0.0.1:$port (Santa BINARY rule $h1)" "$W/show"
check "show: a synced CERTIFICATE rule names the certificate the kernel keeps only a key of" \
	grep -q "kind=signer-cert-sha256 label=santa reason=\"bad signer\"  # synced from http://127.0.0.1:$port (Santa CERTIFICATE rule $cf)\$" "$W/show"
show_origins() { # PYTHON-EXPR over s, the show --json object
	"$EB" show --json | python3 -c 'import json, sys
s = json.load(sys.stdin)
ok = eval(sys.argv[1])
if not ok:
    print("#   %s" % [r.get("origin") for r in s["rules"]])
sys.exit(0 if ok else 1)' "$1"
}
check "show --json: origin of a local rule (schema 1, one field added)" show_origins \
	"s['schema'] == 1 and any(r['origin'] == {'source': 'local', 'file': '$W/local.policy', 'line': 3} and r['label'] == 'tool-digest' for r in s['rules'])"
check "show --json: origin of a synced rule" show_origins \
	"any(r['origin'] == {'source': 'sync', 'server': 'http://127.0.0.1:$port', 'rule_type': 'CERTIFICATE', 'identifier': '$cf'} and r['identity'] == 'signer-cert-sha256' for r in s['rules'])"
check "show --json: every rule has its origin" show_origins "all(r['origin'] for r in s['rules'])"
cp /run/execban/policy.origins "$W/origins"
sed -i "s/^digest .*/digest $(printf '0%.0s' $(seq 64))/" /run/execban/policy.origins
check "show: a record of another policy is not trusted (no origin, said so)" \
	grep -q "^# (where each rule came from is not recorded for this policy" <<<"$("$EB" show)"
check "show --json: a record of another policy: origin null" show_origins \
	"all(r['origin'] is None for r in s['rules'])"
# The rules' records are binary (format 3): one byte short, or one too many, is not that record.
head -c "$(($(stat -c %s "$W/origins") - 1))" "$W/origins" >/run/execban/policy.origins
check "show --json: a record cut short is not trusted: origin null" show_origins \
	"all(r['origin'] is None for r in s['rules'])"
{ cat "$W/origins"; printf x; } >/run/execban/policy.origins
check "show --json: a record with bytes after its last rule is not trusted: origin null" \
	show_origins "all(r['origin'] is None for r in s['rules'])"
cp "$W/origins" /run/execban/policy.origins
check "show --json: the record put back: origins again" show_origins \
	"all(r['origin'] for r in s['rules'])"

# 2. a normal sync: REMOVE lifts a rule, the others stay
scenario <<EOF
{"preflight": {},
 "pages": [[{"identifier": "$h1", "policy": "REMOVE", "rule_type": "BINARY"}]]}
EOF
sync_once
check "REMOVE: exit 0" [ $? = 0 ]
check "REMOVE: preflight reports the synced rule counts" last_req preflight \
	"r['binary_rule_count'] == 4 and r['certificate_rule_count'] == 2 and r['request_clean_sync'] is False"
check "REMOVE: postflight NORMAL" last_req postflight "r['sync_type'] == 'NORMAL'"
expect_exec "REMOVE: the rule is lifted" "exit 0" "$W/bad1"
expect_exec "REMOVE: the other synced rule stays" "exec-error EPERM" "$W/bad2"
check "REMOVE: gone from sync.policy" [ "$(grep -c "$h1" "$SP")" = 0 ]

# 3. a server failing mid-ruledownload: nothing changes
cp "$SP" "$W/sp.before"
for how in 500 garbage truncate close; do
	scenario <<EOF
{"preflight": {"sync_type": "CLEAN"},
 "pages": [[{"identifier": "$h3", "policy": "BLOCKLIST", "rule_type": "BINARY"}], []],
 "fail": {"stage": "ruledownload", "page": 1, "how": "$how"}}
EOF
	sync_once
	check "fails mid-ruledownload ($how): exit 1" [ $? = 1 ]
	check "fails mid-ruledownload ($how): says so" grep -q 'ruledownload page 2\|ruledownload: ' "$W/err"
	check "fails mid-ruledownload ($how): sync.policy untouched" cmp -s "$SP" "$W/sp.before"
done
expect_exec "failed syncs: page 1's rule not applied" "exit 0" "$W/bad3"
expect_exec "failed syncs: the rules in force stay" "exec-error EPERM" "$W/bad2"
check "no postflight after a failed sync" \
	[ "$(grep -c '"postflight"' "$S/requests.jsonl")" = 2 ]

# 4. a server that answers preflight with an error, and one that is not there
echo '{"fail": {"stage": "preflight", "how": "500"}}' | scenario
sync_once
check "preflight HTTP 500: exit 1" [ $? = 1 ]
check "preflight HTTP 500: the status named" \
	grep -q 'preflight: the server answered HTTP 500' "$W/err"
"$EB" sync --config "$W/sync.conf" --server http://127.0.0.1:1 >"$W/out" 2>"$W/err"
check "no server: exit 1" [ $? = 1 ]
check "no server: sync.policy untouched" cmp -s "$SP" "$W/sp.before"

# 4b. normal syncs that change nothing: sync.policy is loaded as it stands, and once a load of
# it is on record (its files over a second old: userspace/loadcache.c) a sync of the same rules
# compiles and writes nothing: the generation stays
generation() { "$EB" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])'; }
cp "$SP" "$W/sp.same"
sleep 1.5
echo '{"preflight": {}, "pages": [[]]}' | scenario
sync_once
check "no change: exit 0" [ $? = 0 ]
g1=$(generation)
sync_once
check "no change, again: exit 0" [ $? = 0 ]
check "no change, again: the same generation ($g1): nothing compiled or written" [ "$(generation)" = "$g1" ]
check "no change: sync.policy the same bytes" cmp -s "$SP" "$W/sp.same"
expect_exec "no change: the synced rule stays enforced" "exec-error EPERM" "$W/bad2"

# 4c. what servers send that is odd but not wrong, and what is wrong
cp "$SP" "$W/sp.before"
echo '{"preflight": {}, "pages": ["null", "absent", []]}' | scenario
sync_once
check "\"rules\": null, and no \"rules\" (pages of none): exit 0" [ $? = 0 ]
check "pages of none: nothing changed" cmp -s "$SP" "$W/sp.before"
echo '{"preflight": {}, "pages": [[], []], "cursor_int": true}' | scenario
sync_once
check "a cursor that is a number: exit 1 (it would end the paging early)" [ $? = 1 ]
check "a cursor that is a number: says so" \
	grep -q 'ruledownload page 1: "cursor" is not a string' "$W/err"
check "a cursor that is a number: sync.policy untouched" cmp -s "$SP" "$W/sp.before"
echo '{"preflight": {"full_sync_interval": 9223372036854775807}, "pages": [[]]}' | scenario
sync_once
check "full_sync_interval far too long: exit 0" [ $? = 0 ]
check "full_sync_interval far too long: taken as a day, and said" bash -c \
	"grep -q 'full_sync_interval of 9223372036854775807 s is taken as 86400 s' '$W/err' &&
	 grep -qx interval=86400 '$STATE'"
# A fleet ban of a file the local policy allows: the local exception stays, the rest applies.
unique_copy /bin/true "$W/excepted" sync-excepted
unique_copy /bin/true "$W/fleet-ban" sync-fleet-ban
hx=$(sha256 "$W/excepted") hf=$(sha256 "$W/fleet-ban")
echo "allow sha256=$hx label=local-exception" >>"$W/local.policy"
n=$(wc -l <"$W/local.policy")
scenario <<EOF
{"preflight": {}, "pages": [[{"identifier": "$hx", "policy": "BLOCKLIST", "rule_type": "BINARY"},
                            {"identifier": "$hf", "policy": "BLOCKLIST", "rule_type": "BINARY"}]]}
EOF
sync_once
rc=$?
check "a ban of a locally allowed file: the sync succeeds" [ $rc = 0 ]
[ $rc = 0 ] || cat "$W/err"
check "a ban of a locally allowed file: warned, naming the local rule" \
	grep -q "the server's ban of sha256=$hx is not applied: the local policy allows it at $W/local.policy:$n" "$W/err"
expect_exec "a ban of a locally allowed file: the local exception stays" "exit 0" "$W/excepted"
expect_exec "... and the other ban of that sync applies" "exec-error EPERM" "$W/fleet-ban"
# A fleet ban of a file the system needs to boot (sysguard: coreutils is Essential) would have
# the load refuse the whole list at every sync: it is dropped, the rest applies.
unique_copy /bin/true "$W/fleet-ban2" sync-fleet-ban2
hs=$(sha256 "$(readlink -f /bin/true)") hf2=$(sha256 "$W/fleet-ban2")
scenario <<EOF
{"preflight": {}, "pages": [[{"identifier": "$hs", "policy": "BLOCKLIST", "rule_type": "BINARY"},
                            {"identifier": "$hf2", "policy": "BLOCKLIST", "rule_type": "BINARY"}]]}
EOF
sync_once
rc=$?
check "a ban of a file the system needs: the sync succeeds" [ $rc = 0 ]
[ $rc = 0 ] || cat "$W/err"
check "a ban of a file the system needs: warned, naming the file" \
	grep -qE "the server's ban of sha256=$hs is not applied: it bans (/usr)?/bin/true, package coreutils" "$W/err"
expect_exec "a ban of a file the system needs: it still runs" "exit 0" /bin/true
expect_exec "... and the other ban of that sync applies" "exec-error EPERM" "$W/fleet-ban2"

# 5. plain http only to loopback
"$EB" sync --config "$W/sync.conf" --server http://10.0.2.2:$port >"$W/out" 2>"$W/err"
check "http to a non-loopback address: exit 1" [ $? = 1 ]
check "http to a non-loopback address: refused, says why" \
	grep -q 'plain http is allowed only to a loopback address; use https' "$W/err"
"$EB" sync --config "$W/sync.conf" --server ftp://127.0.0.1/ >"$W/out" 2>"$W/err"
check "ftp: refused" [ $? = 1 ]
echo "sever=x" >"$W/bad.conf"
"$EB" sync --config "$W/bad.conf" >"$W/out" 2>"$W/err"
check "unknown key in sync.conf: exit 1" [ $? = 1 ]
check "unknown key in sync.conf: file:line" grep -q "$W/bad.conf:1: unknown key 'sever'" "$W/err"

# 6. the event queue: denials queued by the daemon while the server is down, then uploaded
start_server() {
	rm -f "$S/port"
	python3 "$top/tests/helpers/syncserver.py" --dir "$S" --port "$port" &
	srv=$!
	for _ in $(seq 50); do [ -e "$S/port" ] && break; sleep 0.1; done
}
stop_server() { kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }
start_daemon() { # CONF
	"$EB" daemon --no-syslog --log "$W/ev.json" --sync-config "$1" >>"$W/daemon.out" 2>>"$W/daemon.err" &
	dpid=$!
	sleep 1
}
stop_daemon() { kill -TERM "$dpid"; wait "$dpid"; }
# a value of status --json's "sync" object
sync_val() { # CONF KEY
	"$EB" status --json --sync-config "$1" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["sync"][sys.argv[1]])' "$2"
}
wait_until() { # SECONDS COMMAND...
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
queued_is() { [ "$(sync_val "$1" queued)" = "$2" ]; }
sync_val_is() { [ "$(sync_val "$1" "$2")" = "$3" ]; }	# CONF KEY VALUE
eventuploads_beyond() { [ "$(grep -c '"eventupload"' "$S/requests.jsonl")" -gt "$1" ]; }
not() { ! "$@"; }
# The denied executions of the daemon's log (from line FROM_LOG on) against the events the
# server accepted (from line FROM_ACCEPTED on): the same ones, by the kernel's (boot_id, cpu,
# seq: sequence numbers are per CPU), each once.
uploaded_exactly() { # FROM_LOG FROM_ACCEPTED
	python3 - "$W/ev.json" "$S/events.jsonl" "$1" "$2" <<'PY'
import json, sys
log = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[int(sys.argv[3]):] if l]
acc = [json.loads(l) for l in open(sys.argv[2]).read().splitlines()[int(sys.argv[4]):] if l]
want = sorted((e["boot_id"], e["cpu"], e["seq"]) for e in log
              if e.get("type") == "decision" and e["verdict"] == "denied" and e["action"] == "exec")
got = sorted((e["execban"]["boot_id"], e["execban"]["cpu"], e["execban"]["seq"]) for e in acc)
if want != got:
    print("#   denied in the log: %s\n#   accepted by the server: %s" % (want, got))
sys.exit(0 if want == got and len(set(got)) == len(got) else 1)
PY
}
lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }
log_beyond() { [ "$(lines "$W/ev.json")" -gt "$1" ]; }
fields_ok() {
	python3 - "$S/events.jsonl" "$W" "$h2" <<'PY'
import json, sys, time
es = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
b = [e for e in es if e["file_name"] == "bad2"]
loc = [e for e in es if e["file_name"] == "local"]
ok = len(b) == 2 and len(loc) == 1
for e in b + loc:
    ok = ok and e["file_path"] == sys.argv[2] and e["decision"] == "BLOCK_BINARY" and \
        e["executing_user"] == "root" and e["pid"] > 1 and e["ppid"] > 0 and \
        abs(e["execution_time"] - time.time()) < 600 and e["execban"]["action"] == "exec"
ok = ok and all(e["file_sha256"] == sys.argv[3] and e["execban"]["rule"] == "santa" for e in b)
ok = ok and loc[0]["execban"]["rule"] == "local"
if not ok:
    print("#   events: %s" % es)
sys.exit(0 if ok else 1)
PY
}

stop_server	# the server is down
: >"$S/violations"
drain_events "$W/before-daemon"	# the denials above are not the daemon's to queue
cat >"$W/d.conf" <<EOF
server = http://127.0.0.1:$port
policy = $W/local.policy
machine_id = test-machine-1
timeout = 5
retry = 1h
jitter = 0
EOF
start_daemon "$W/d.conf"
check "daemon: says it syncs, and where denials are queued" \
	grep -q "syncing with http://127.0.0.1:$port ($W/d.conf); denials queued in $Q; first sync in 0 s" "$W/daemon.err"
check "daemon: its first sync ran at start, and failed (server down)" \
	wait_until 10 grep -q "preflight: Couldn't connect to server" "$W/daemon.err"
wait_until 5 test -s "$STATE"
"$EB" status --sync-config "$W/d.conf" >"$W/st" 2>&1
check "status: the failed sync, its stage and message" grep -q \
	"^  sync         http://127.0.0.1:$port: last success .*; last error .*Z, preflight: Couldn't connect to server" \
	"$W/st"
"$TRYEXEC" "$W/bad2" >/dev/null
"$TRYEXEC" "$W/bad2" >/dev/null
"$TRYEXEC" "$W/local" >/dev/null
check "3 denials queued" wait_until 5 queued_is "$W/d.conf" 3
"$EB" status --sync-config "$W/d.conf" >"$W/st" 2>&1
check "status: the queue" grep -q "^  sync queue   3 events waiting, 0 dropped" "$W/st"
check "the queue is root's only (0700, its files 0600)" \
	[ "$(stat -c '%a %U' "$Q" "$Q/events" "$Q/lock" 2>&1 | sort -u | tr '\n' ' ')" = "600 root 700 root " ]
"$EB" sync --config "$W/d.conf" >"$W/out" 2>"$W/err"
check "server down: sync exits 1" [ $? = 1 ]
check "server down: the events stay queued" queued_is "$W/d.conf" 3

# a server that fails eventupload: the rules are still downloaded and applied, the events stay
# queued, the sync fails (exit 1) and says PARTIAL
unique_copy /bin/true "$W/bad4" sync-bad4
h4=$(sha256 "$W/bad4")
scenario <<EOF
{"preflight": {"batch_size": 2},
 "pages": [[{"identifier": "$h4", "policy": "BLOCKLIST", "rule_type": "BINARY"}]],
 "fail": {"stage": "eventupload", "how": "500"}}
EOF
start_server
"$EB" sync --config "$W/d.conf" >"$W/out" 2>"$W/err"
check "eventupload fails: sync exits 1" [ $? = 1 ]
check "eventupload fails: says the events stay queued and the rules are applied all the same" \
	grep -q "eventupload failed: 3 event(s) stay queued for the next sync; downloading and applying the rules all the same" "$W/err"
check "eventupload fails: the summary says PARTIAL" grep -q \
	"PARTIAL: eventupload failed, 3 event(s) stay queued (0 uploaded); NORMAL, 1 rules received, 1 applied" \
	"$W/out"
check "eventupload fails: ruledownload and postflight still ran" \
	python3 -c 'import json, sys
st = [json.loads(l)["stage"] for l in open(sys.argv[1])][-4:]
sys.exit(0 if st == ["preflight", "eventupload", "ruledownload", "postflight"] else 1)' "$S/requests.jsonl"
check "eventupload fails: the downloaded rule is in force (the kernel holds it)" \
	grep -q "^deny sha256=$h4 label=santa" <<<"$("$EB" show)"
check "eventupload fails: the events stay queued" queued_is "$W/d.conf" 3
check "eventupload fails: status names the stage, and that the rules were applied" \
	grep -q "eventupload: the server answered HTTP 500 (the rules were downloaded and applied; the events stay queued)" \
	<<<"$("$EB" status --sync-config "$W/d.conf")"
stop_server
: >"$S/requests.jsonl"

scenario <<EOF
{"preflight": {"batch_size": 2, "full_sync_interval": 600}, "pages": [[]]}
EOF
start_server
"$EB" sync --config "$W/d.conf" >"$W/out" 2>"$W/err"
rc=$?
check "server back: sync exits 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$W/err"
check "server back: no protocol violation (every Event field per the proto)" no_violations
check "server back: says so" grep -q "3 events uploaded" "$W/out"
check "server back: batches of batch_size (2 + 1)" \
	[ "$(grep -c '"eventupload"' "$S/requests.jsonl")" = 2 ]
check "server back: every denial uploaded, none twice" uploaded_exactly 0 0
check "server back: the queue is empty" queued_is "$W/d.conf" 0
check "the denials' fields (file_sha256, file_path, file_name, decision, user, pid, ppid, time)" \
	fields_ok
"$EB" status --sync-config "$W/d.conf" >"$W/st" 2>&1
check "status: the last success, no error" \
	grep -q "^  sync         http://127.0.0.1:$port: last success .*Z ([0-9]*s ago)$" "$W/st"
check "status: the queue empty" grep -q "^  sync queue   0 events waiting, 0 dropped" "$W/st"
stop_daemon

# 7. the daemon syncing by itself: retries doubling from retry=, uploads once the server is back
stop_server
cat >"$W/d2.conf" <<EOF
server = http://127.0.0.1:$port
policy = $W/local.policy
machine_id = test-machine-1
timeout = 5
retry = 1
jitter = 0
EOF
nlog=$(lines "$W/ev.json")
nacc=$(lines "$S/events.jsonl")
start_daemon "$W/d2.conf"
"$TRYEXEC" "$W/bad2" >/dev/null
"$TRYEXEC" "$W/local" >/dev/null
check "daemon, server down: retries, doubling" \
	wait_until 10 grep -q "sync failed (2 in a row): next in about 2 s" "$W/daemon.err"
check "daemon, server down: 2 denials queued" queued_is "$W/d2.conf" 2
start_server
check "daemon, server back: its next retry uploads them" wait_until 40 queued_is "$W/d2.conf" 0
check "daemon, server back: none lost, none twice" uploaded_exactly "$nlog" "$nacc"
check "daemon, server back: no protocol violation" no_violations
check "daemon, server back: the sync succeeded" \
	wait_until 10 sync_val_is "$W/d2.conf" last_error_stage ""
stop_daemon

# 8. the queue full: the oldest dropped and counted, across a daemon restart
stop_server
sed 's/^retry = 1$/retry = 1h/' "$W/d2.conf" >"$W/d3.conf"
echo "queue_max = 3" >>"$W/d3.conf"
nlog=$(lines "$W/ev.json")
nacc=$(lines "$S/events.jsonl")
start_daemon "$W/d3.conf"
for _ in 1 2 3 4 5; do "$TRYEXEC" "$W/bad2" >/dev/null; done
check "queue full: 3 kept" wait_until 5 queued_is "$W/d3.conf" 3
check "queue full: 2 dropped, counted" [ "$(sync_val "$W/d3.conf" dropped)" = 2 ]
stop_daemon
start_daemon "$W/d3.conf"
check "queue full: after a daemon restart, still 3 kept, 2 dropped" \
	[ "$(sync_val "$W/d3.conf" queued)/$(sync_val "$W/d3.conf" dropped)" = 3/2 ]
stop_daemon
# a sync stopped by SIGTERM while the server takes its time over the first batch: that batch
# finishes (answer, removal), the rest stays queued
scenario <<EOF
{"preflight": {"batch_size": 1}, "pages": [[]], "delay": {"stage": "eventupload", "seconds": 3}}
EOF
start_server
neu=$(grep -c '"eventupload"' "$S/requests.jsonl")
"$EB" sync --config "$W/d3.conf" >"$W/out" 2>"$W/err" &
spid=$!
wait_until 20 eventuploads_beyond "$neu"
kill -TERM "$spid"
wait "$spid"
check "SIGTERM mid-upload: sync exits 1" [ $? = 1 ]
check "SIGTERM mid-upload: says it was stopped" \
	grep -q "sync: eventupload: stopped by a signal" "$W/err"
check "SIGTERM mid-upload: the batch in flight finished: 2 left" queued_is "$W/d3.conf" 2
check "SIGTERM mid-upload: the state says so" \
	[ "$(sync_val "$W/d3.conf" last_error_stage): $(sync_val "$W/d3.conf" last_error)" = \
	  "eventupload: stopped by a signal" ]
scenario <<EOF
{"preflight": {"batch_size": 1}, "pages": [[]]}
EOF
"$EB" sync --config "$W/d3.conf" >"$W/out" 2>"$W/err"
check "queue full: sync exits 0" [ $? = 0 ]
check "queue full, and a stopped sync: the newest 3 uploaded once each, the oldest 2 not" \
	uploaded_exactly $((nlog + 2)) "$nacc"
"$EB" status --sync-config "$W/d3.conf" >"$W/st" 2>&1
check "status: the dropped count stays" \
	grep -q "^  sync queue   0 events waiting, 2 dropped (queue full)" "$W/st"

# jitter=: the daemon's first sync waits a random time (up to a day here), not at start
n_pre=$(grep -c '"preflight"' "$S/requests.jsonl")
sed 's/^jitter = 0$/jitter = 1d/' "$W/d3.conf" >"$W/d4.conf"
start_daemon "$W/d4.conf"
check "jitter=1d: the daemon says when its first sync is (0 to 86400 s)" grep -Eq \
	"syncing with http://127.0.0.1:$port \($W/d4.conf\); denials queued in $Q; first sync in ([0-9]|[1-9][0-9]{1,4}) s" \
	"$W/daemon.err"
check "jitter=1d: no sync at start" [ "$(grep -c '"preflight"' "$S/requests.jsonl")" = "$n_pre" ]
stop_daemon

# a sync configuration the daemon cannot use costs the sync, never the events
printf 'server = http://127.0.0.1:%s\nretry = never\n' "$port" >"$W/bad.conf"
nlog=$(lines "$W/ev.json")
start_daemon "$W/bad.conf"
"$TRYEXEC" "$W/bad2" >/dev/null
check "daemon, unusable sync.conf: says it does not sync" \
	grep -q "warning: $W/bad.conf: not syncing, and not queueing denials" "$W/daemon.err"
check "daemon, unusable sync.conf: still logs the denial" \
	wait_until 5 log_beyond "$nlog"
stop_daemon
check "daemon, unusable sync.conf: nothing queued" queued_is "$W/d3.conf" 0

# 9. status --check and max_sync_age
echo "max_sync_age = 1h" >>"$W/d3.conf"
"$EB" status --check --sync-config /dev/null >/dev/null 2>&1
base=$?
"$EB" status --check --sync-config "$W/d3.conf" >"$W/st" 2>&1
check "status --check, a fresh sync: as without sync" [ $? = $base ]
check "status --check, a fresh sync: no sync problem" not grep -q "check: .*sync" "$W/st"
sed -i "s/^last_success=.*/last_success=$(($(date +%s) - 7200))/" "$STATE"
"$EB" status --check --sync-config "$W/d3.conf" >"$W/st" 2>&1
check "status --check, the last success 2 h ago: exit 1" [ $? = 1 ]
check "status --check, the last success 2 h ago: says so" grep -q \
	"^execban: check: the last successful sync was 720[0-9]s ago, more than max_sync_age=3600s" \
	"$W/st"
rm -f "$STATE"
"$EB" status --check --sync-config "$W/d3.conf" >"$W/st" 2>&1
check "status --check, never synced: exit 1" [ $? = 1 ]
check "status --check, never synced: says so" \
	grep -q "^execban: check: no sync with http://127.0.0.1:$port has succeeded yet" "$W/st"

# A server that removed every rule: a clean sync of none lifts the fleet's bans.
echo '{"preflight": {"sync_type": "CLEAN"}, "pages": ["null"]}' | scenario
sync_once
check "a clean sync answered \"rules\": null: exit 0" [ $? = 0 ]
expect_exec "a clean sync of no rules: the fleet's bans are lifted" "exit 0" "$W/bad2"
expect_exec "a clean sync of no rules: the local policy stays" "exec-error EPERM" "$W/local"

stop_server
"$EB" unload >/dev/null
for _ in $(seq 30); do rmmod execban 2>/dev/null && break; sleep 0.2; done
rm -rf "$SP" "$Q" "$STATE" /var/lib/execban/sync.lock
rm -rf "$W"
finish
