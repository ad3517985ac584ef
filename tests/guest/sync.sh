#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# execban sync against a Santa sync server on the guest's loopback (tests/helpers/syncserver.py,
# which fails any request whose fields the protocol does not define): a clean sync over
# several ruledownload pages enforces its BINARY block rules beside the local policy; a
# REMOVE lifts one; a server failing mid-ruledownload (an error, garbage, a truncated page,
# a closed connection) changes nothing; plain http to a non-loopback address is refused.
# execban-test-kernels: newest
# (what this suite checks is userspace's: tests/run runs it on the newest test kernel only;
# the kernel behaviour it relies on is checked on every kernel by the other suites)
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-sync.XXXXXX)
chmod 755 "$W"
SP=/var/lib/execban/sync.policy
"$EB" unload >/dev/null 2>&1
rm -f "$SP"

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
h1=$(sha256 "$W/bad1") h2=$(sha256 "$W/bad2") h3=$(sha256 "$W/bad3")
echo "deny sha256=$(sha256 "$W/local") label=local" >"$W/local.policy"
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

# 1. a clean sync, three pages: BINARY blocks enforced, ALLOWLIST and TEAMID ignored
scenario <<EOF
{"preflight": {"sync_type": "CLEAN", "batch_size": 50, "client_mode": "MONITOR",
               "full_sync_interval": 600},
 "pages": [
   [{"identifier": "$h1", "policy": "BLOCKLIST", "rule_type": "BINARY",
     "custom_msg": "blocked by the fleet", "custom_url": "https://fleet.example/b1"}],
   [{"identifier": "EQHXZ8M8AV", "policy": "ALLOWLIST", "rule_type": "TEAMID"},
    {"identifier": "$h2", "policy": "SILENT_BLOCKLIST", "rule_type": "BINARY"}],
   [{"identifier": "$h3", "policy": "ALLOWLIST", "rule_type": "BINARY"},
    {"identifier": "$(printf 'ab%.0s' $(seq 32))", "policy": "BLOCKLIST",
     "rule_type": "CERTIFICATE", "custom_msg": "bad signer"}]]}
EOF
sync_once
rc=$?
check "clean sync: exit 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$W/err"
check "clean sync: no protocol violation" no_violations
check "clean sync: summary line" \
	grep -q 'CLEAN, 5 rules received, 3 applied, 2 ignored; 3 synced rules in force' "$W/out"
check "clean sync: three ruledownload pages" \
	[ "$(grep -c '"ruledownload"' "$S/requests.jsonl")" = 3 ]
check "clean sync: the cursor sent back" last_req ruledownload "r.get('cursor') == 'page-2'"
check "preflight: machine id, MONITOR, clean sync requested" last_req preflight \
	"r['machine_id'] == 'test-machine-1' and r['client_mode'] == 'MONITOR' and r['request_clean_sync'] is True and r['santa_version'].startswith('execban ')"
check "postflight: counts and sync type" last_req postflight \
	"r['rules_received'] == 5 and r['rules_processed'] == 3 and r['sync_type'] == 'CLEAN'"
expect_exec "BINARY BLOCKLIST: refused" "exec-error EPERM" "$W/bad1"
expect_exec "BINARY SILENT_BLOCKLIST: refused" "exec-error EPERM" "$W/bad2"
expect_exec "BINARY ALLOWLIST: ignored, runs" "exit 0" "$W/bad3"
expect_exec "the local policy: still enforced" "exec-error EPERM" "$W/local"
check "sync.policy: the BINARY rule with custom_msg and custom_url as reason" \
	grep -qx "deny sha256=$h1 label=santa reason=\"blocked by the fleet https://fleet.example/b1\"" "$SP"
check "sync.policy: CERTIFICATE as signer-cert-sha256" \
	grep -q "^deny signer-cert-sha256=abab.* label=santa reason=\"bad signer\"" "$SP"

# 2. a normal sync: REMOVE lifts a rule, the others stay
scenario <<EOF
{"preflight": {},
 "pages": [[{"identifier": "$h1", "policy": "REMOVE", "rule_type": "BINARY"}]]}
EOF
sync_once
check "REMOVE: exit 0" [ $? = 0 ]
check "REMOVE: preflight reports the synced rule counts" last_req preflight \
	"r['binary_rule_count'] == 2 and r['certificate_rule_count'] == 1 and r['request_clean_sync'] is False"
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

kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
"$EB" unload >/dev/null
rm -f "$SP"
rm -rf "$W"
finish
