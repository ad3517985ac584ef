#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: every verb has --json (issue 19). Each verb's --help names --json; and what the
# host can run of the verbs that got it last: sign, verify and compile (valid, invalid, a bad
# policy, a bad key), sync against the test server (tests/helpers/syncserver.py; no kernel
# here, so up to its apply stage, in a private mount namespace with a tmpfs over /var/lib),
# daemon (no execban loaded: its error as a JSON line), unload and lock (in a private bpffs:
# nothing loaded, an empty pin folder, and as a user who cannot read bpffs), and load of a bad
# policy. Every output is parsed strictly (python3's json on UTF-8 bytes), each object with
# "schema": 1, errors as {file, line, severity, message}; exit statuses are those without
# --json; a usage error stays text on stderr, nothing on stdout.
set -u
suite=json-verbs
. "$(dirname "$0")/lib.sh"

# jcheck FILE EXPRESSION: every line of FILE is a JSON object with "schema": 1 (o: the
# objects, d: the first), and the Python expression holds
jcheck() {
	python3 - "$1" "$2" <<'PY'
import json, os, sys
raw = open(sys.argv[1], "rb").read()
o = [json.loads(l.decode("utf-8", errors="strict")) for l in raw.splitlines()]
assert o, "no output"
assert all(isinstance(x, dict) and x.get("schema") == 1 for x in o), o
d = o[0]
E = os.environ
def msgs_ok(x):
    return isinstance(x["messages"], list) and all(
        set(m) == {"file", "line", "severity", "message"} and m["severity"] in ("error", "warning")
        for m in x["messages"])
if not eval(sys.argv[2]):
    print("#   " + repr(o)[:2000])
    sys.exit(1)
PY
}
# run NAME WANT-RC COMMAND...: run it (stdout in $tmp/out, stderr in $tmp/err), check the status
run() {
	local name=$1 want=$2 rc
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$name: exit $want"; else not_ok "$name: exit $want" "got $rc" "$(cat "$tmp/err")"; fi
}

# Every verb's help names --json.
for v in $("$EB" --help | awk '/^  [a-z]+ / {print $1}'); do
	"$EB" "$v" --help >"$tmp/help"
	t "$v --help names --json" has "$tmp/help" -- '--json'
done

# ---- sign, verify, compile ----
W=$tmp/keys
mkdir "$W"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=json test/O=execban" \
	-addext subjectKeyIdentifier=hash -keyout "$W/k.pem" -out "$W/c.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=other" \
	-keyout "$W/o.pem" -out "$W/oc.pem" 2>/dev/null
SKID=$(openssl x509 -in "$W/c.pem" -noout -ext subjectKeyIdentifier | sed -n '2s/[ :]//gp' | tr A-F a-f)
CSHA=$(openssl x509 -in "$W/c.pem" -outform DER | sha256sum | cut -c1-64)
export SKID CSHA W
h=$(printf 'a%.0s' $(seq 64))
printf 'name "j"\nversion 7\nmode audit\ndeny sha256=%s label=x\n' "$h" >"$W/p"

run "sign --json" 0 "$EB" sign --json --key "$W/k.pem" --cert "$W/c.pem" -o "$W/s" "$W/p"
t "sign --json: the signature, the files, the signer (subject, skid, cert_sha256), the policy" jcheck "$tmp/out" \
	'len(o) == 1 and d["ok"] and d["signature"] == E["W"] + "/s" and d["files"] == [E["W"] + "/p"] and d["signer"] == {"subject": "/CN=json test/O=execban", "skid": E["SKID"], "cert_sha256": E["CSHA"]} and (d["name"], d["version"], d["mode"], d["rules"]) == ("j", 7, "audit", 1) and len(d["digest"]) == 64 and d["messages"] == []'
t "sign --json: the signature is written (DER PKCS#7)" openssl cms -cmsout -inform DER -in "$W/s" -noout
t "sign --json: nothing but the object on stdout" test "$(wc -l <"$tmp/out")" = 1

run "sign -j with the wrong certificate" 1 "$EB" sign -j --key "$W/k.pem" --cert "$W/oc.pem" -o "$W/s2" "$W/p"
t "sign -j, wrong certificate: ok false, the error names the certificate, no signature" jcheck "$tmp/out" \
	'not d["ok"] and msgs_ok(d) and d["messages"][0]["severity"] == "error" and "not the certificate of" in d["messages"][0]["message"] and not os.path.exists(E["W"] + "/s2")'
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes-128-cbc -pass pass:sesame \
	-out "$W/enc.pem" 2>/dev/null
run "sign -j, an encrypted key without --pass" 1 "$EB" sign -j --key "$W/enc.pem" --cert "$W/c.pem" -o "$W/s2" "$W/p"
t "sign -j, encrypted key: the message says to give --pass, never a passphrase" jcheck "$tmp/out" \
	'not d["ok"] and "give its passphrase with --pass" in d["messages"][0]["message"] and d["signer"] is None'
printf 'deny sha256=nothex label=x\n' >"$W/bad"
run "sign -j of a bad policy" 1 "$EB" sign -j --key "$W/k.pem" --cert "$W/c.pem" -o "$W/s3" "$W/bad"
t "sign -j, bad policy: the policy error as {file, line: 1, severity: error}" jcheck "$tmp/out" \
	'not d["ok"] and msgs_ok(d) and (d["messages"][0]["file"], d["messages"][0]["line"], d["messages"][0]["severity"]) == (E["W"] + "/bad", 1, "error")'
t "sign -j, bad policy: the text still on stderr" has "$tmp/err" "bad:1: error: "

run "verify --json, valid" 0 "$EB" verify --json --signature "$W/s" --cert "$W/c.pem" "$W/p"
t "verify --json, valid: verdict valid, the signer, the signature, the policy" jcheck "$tmp/out" \
	'd["ok"] and d["verdict"] == "valid" and d["why"] is None and d["signer"]["skid"] == E["SKID"] and d["signature"] == E["W"] + "/s" and d["cert"] == E["W"] + "/c.pem" and d["version"] == 7'
run "verify --json, another key" 1 "$EB" verify --json --signature "$W/s" --cert "$W/oc.pem" "$W/p"
t "verify --json, another key: verdict invalid, why, that certificate as signer" jcheck "$tmp/out" \
	'not d["ok"] and d["verdict"] == "invalid" and "not signed by this certificate" in d["why"] and d["signer"]["subject"] == "/CN=other" and d["signer"]["skid"] != E["SKID"]'
sed 's/version 7/version 8/' "$W/p" >"$W/p8"
run "verify --json, the policy changed" 1 "$EB" verify --json --signature "$W/s" --cert "$W/c.pem" "$W/p8"
t "verify --json, changed policy: invalid, why says it does not match" jcheck "$tmp/out" \
	'd["verdict"] == "invalid" and "does not match this policy" in d["why"] and d["version"] == 8'
run "verify --json, a bad policy" 1 "$EB" verify --json --signature "$W/s" --cert "$W/c.pem" "$W/bad"
t "verify --json, bad policy: no verdict, the error as a message" jcheck "$tmp/out" \
	'd["verdict"] is None and d["messages"][0]["line"] == 1 and msgs_ok(d)'
run "verify --json, a missing signature" 1 "$EB" verify --json --signature "$W/none" --cert "$W/c.pem" "$W/p"
t "verify --json, missing signature: no verdict, the file named" jcheck "$tmp/out" \
	'd["verdict"] is None and E["W"] + "/none" in d["messages"][0]["message"]'

run "compile --json" 0 "$EB" compile --json -o "$W/m" "$W/p"
MSHA=$(sha256sum "$W/m" | cut -c1-64) && export MSHA
t "compile --json: the manifest and its SHA-256 (of the file written), the policy" jcheck "$tmp/out" \
	'd["ok"] and d["manifest"] == E["W"] + "/m" and d["manifest_sha256"] == E["MSHA"] and d["rules"] == 1 and d["messages"] == []'
run "compile --json of a bad policy" 1 "$EB" compile --json -o "$W/m2" "$W/bad"
t "compile --json, bad policy: ok false, the message, no manifest" jcheck "$tmp/out" \
	'not d["ok"] and d["messages"][0]["line"] == 1 and not os.path.exists(E["W"] + "/m2")'

# ---- load: a bad policy is refused before any kernel is asked ----
run "load --json of a bad policy" 1 "$EB" load --json "$W/bad"
t "load --json, bad policy: ok false, loaded false, the file:line error" jcheck "$tmp/out" \
	'not d["ok"] and not d["loaded"] and (d["messages"][0]["file"], d["messages"][0]["line"]) == (E["W"] + "/bad", 1)'

# ---- usage errors stay text ----
for args in "lock --json" "unload --json x" "sign --json $W/p" "verify --json $W/p" \
	"compile --json $W/p" "daemon --json x" "sync --json x"; do
	# shellcheck disable=SC2086
	run "$args: a usage error" 2 "$EB" $args
	t "$args: nothing on stdout, the usage error on stderr" \
		sh -c '[ ! -s "$1/out" ] && grep -q "^Try .execban " "$1/err"' sh "$tmp"
done

# ---- sync, against the test server, up to apply ----
if unshare -m true 2>/dev/null; then
	S=$tmp/srv
	mkdir "$S"
	cat >"$S/scenario.json" <<EOF
{"preflight": {"sync_type": "CLEAN"},
 "pages": [[{"identifier": "$h", "policy": "BLOCKLIST", "rule_type": "BINARY"},
            {"identifier": "$(printf 'b%.0s' $(seq 64))", "policy": "BLOCKLIST", "rule_type": "SIGNINGID"}]]}
EOF
	python3 "$top/tests/helpers/syncserver.py" --dir "$S" 2>"$tmp/server.err" &
	srv=$!
	trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; rm -rf "$tmp"' EXIT
	for _ in $(seq 50); do [ -e "$S/port" ] && break; sleep 0.1; done
	echo "# nothing local" >"$tmp/local.policy"
	printf 'server = http://127.0.0.1:%s\npolicy = %s\nmachine_id = json-test\n' \
		"$(cat "$S/port")" "$tmp/local.policy" >"$tmp/sync.conf"
	priv_sync() { unshare -m sh -c 'mount -t tmpfs execban-test /var/lib && exec "$@"' sh "$EB" sync "$@"; }
	run "sync --json (no kernel: apply fails)" 1 priv_sync --json --config "$tmp/sync.conf"
	t "sync --json: preflight, eventupload, ruledownload ok, apply failed, postflight not run" jcheck "$tmp/out" \
		'len(o) == 1 and not d["ok"] and [(s["stage"], s["outcome"]) for s in d["stages"]] == [("preflight", "ok"), ("eventupload", "ok"), ("ruledownload", "ok"), ("apply", "failed"), ("postflight", "not_run")] and d["failed_stage"] == "apply"'
	t "sync --json: server, machine id, sync type, counts (2 received, 1 applied, 1 ignored), no upload" jcheck "$tmp/out" \
		'd["machine_id"] == "json-test" and d["server"].startswith("http://127.0.0.1:") and d["sync_type"] == "CLEAN" and (d["rules_received"], d["rules_applied"], d["rules_ignored"], d["events_uploaded"]) == (2, 1, 1, 0) and d["synced_rules"] is None'
	t "sync --json: error, and the messages, the load's own included" jcheck "$tmp/out" \
		'd["error"] and msgs_ok(d) and any("could not be loaded" in m["message"] for m in d["messages"]) and len(d["messages"]) >= 2'
	t "sync --json: nothing but the object on stdout (the load prints nothing there)" \
		test "$(wc -l <"$tmp/out")" = 1
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	run "sync --json, the server gone" 1 priv_sync --json --config "$tmp/sync.conf"
	t "sync --json, server gone: preflight failed, nothing after it run" jcheck "$tmp/out" \
		'd["failed_stage"] == "preflight" and [s["outcome"] for s in d["stages"]] == ["failed"] + ["not_run"] * 4 and d["error"] and d["sync_type"] is None'
else
	ok "# skip: sync --json needs unshare -m (root)"
fi
run "sync --json, http to a non-loopback address" 1 "$EB" sync --json --config /dev/null \
	--server http://192.0.2.1/ --machine-id m
t "sync --json, refused URL: failed_stage config, every stage not run, the error" jcheck "$tmp/out" \
	'd["failed_stage"] == "config" and all(s["outcome"] == "not_run" for s in d["stages"]) and "plain http is allowed only to a loopback address" in d["error"]'

# ---- daemon, unload, lock: no execban in the kernel here ----
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	# shellcheck disable=SC2016
	unshare -m sh -c '
		mount -t tmpfs tmpfs /run && mount -t bpf -o mode=0700 bpf /sys/fs/bpf || exit 99
		cd "$2"
		"$1" daemon --json --no-syslog >d.out 2>d.err; echo $? >d.rc
		"$1" unload --json >u0.out 2>u0.err; echo $? >u0.rc
		mkdir /sys/fs/bpf/execban
		setpriv --reuid=65534 --regid=65534 --clear-groups "$1" unload -j >un.out 2>un.err
		echo $? >un.rc
		setpriv --reuid=65534 --regid=65534 --clear-groups "$1" lock -j --policy-key "$3" \
			>ln.out 2>ln.err
		echo $? >ln.rc
		"$1" lock --json --policy-key "$3" >l.out 2>l.err; echo $? >l.rc
		"$1" unload --json >u1.out 2>u1.err; echo $? >u1.rc
		[ -e /sys/fs/bpf/execban ]; echo $? >u1.gone' sh "$EB" "$tmp" "$W/c.pem"
	rc_is() { [ "$(cat "$tmp/$1.rc")" = "$2" ]; }
	t "daemon --json, execban not loaded: exit 3" rc_is d 3
	t "daemon --json, not loaded: one message line, type message, the error and what is missing" \
		jcheck "$tmp/d.out" 'len(o) == 1 and d["type"] == "message" and d["severity"] == "error" and "event buffer" in d["message"] and d["file"] is None and d["line"] is None'
	t "daemon --json: the text still on stderr" has "$tmp/d.err" "execban: error: cannot open the event buffer"
	t "unload --json, nothing loaded: exit 0" rc_is u0 0
	t "unload --json, nothing loaded: was_loaded false" jcheck "$tmp/u0.out" \
		'd["ok"] and not d["was_loaded"] and not d["unloaded"] and d["messages"] == []'
	t "unload -j as a user who cannot read bpffs: exit 3" rc_is un 3
	t "unload -j as nobody: permission denied, run as root, never 'not loaded'" jcheck "$tmp/un.out" \
		'not d["ok"] and "Permission denied: run '"'"'execban unload'"'"' as root" in d["messages"][0]["message"]'
	t "lock -j as nobody: exit 3" rc_is ln 3
	t "lock -j as nobody: permission denied, not locked" jcheck "$tmp/ln.out" \
		'not d["ok"] and not d["locked"] and "permission denied" in d["messages"][0]["message"]'
	t "lock --json, nothing enforcing: exit 3" rc_is l 3
	t "lock --json, nothing enforcing: not locked, nothing in force, says to load first" jcheck "$tmp/l.out" \
		'not d["ok"] and not d["locked"] and d["generation"] is None and d["policy_key"] == E["W"] + "/c.pem" and "run '"'"'execban load'"'"' first" in d["messages"][0]["message"]'
	t "unload --json, an (empty) pin folder: exit 0" rc_is u1 0
	t "unload --json, a pin folder: was_loaded, unloaded" jcheck "$tmp/u1.out" \
		'd["ok"] and d["was_loaded"] and d["unloaded"] and not d["locked"]'
	t "unload --json: the pin folder is gone" test "$(cat "$tmp/u1.gone")" = 1
else
	ok "# skip: daemon, unload and lock --json need root and unshare -m"
fi

echo "# json-verbs: $pass passed, $fail failed"
[ $fail = 0 ]
