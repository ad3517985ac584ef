#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: execban sync over TLS and mutual TLS, against tests/helpers/syncserver.py on
# loopback with a CA, server and client certificates made here with openssl. A sync on the
# host has no kernel to load rules into, so it runs (in a private mount namespace with a tmpfs
# over /var/lib: nothing of the host's is touched) up to its apply stage: with the right CA
# (ca_file=) and, where the server requires one, the client certificate (client_cert=,
# client_key=), the server logs preflight and ruledownload and the sync fails only at apply.
# A CA that did not issue the server's certificate, or no client certificate for a server
# that requires one, fails at preflight, naming the certificate problem and the stage: exit 1,
# no ruledownload, nothing applied. Plain http to an address that is not loopback is refused
# before any connection. And what the host can check of ALLOWLIST rules (the guest suite,
# tests/guest/sync.sh, checks them enforced): a server's allow of an identity the local policy
# denies or audits is dropped with a warning naming the local rule, before anything is loaded;
# a sync.policy holding allow rules is read back for a normal sync.
set -u
cd "$(dirname "$0")/../.."
top=$PWD
eb=$top/build/execban
pass=0 fail=0
tmp=$(mktemp -d)
srv=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
t() { # NAME COMMAND...: ok if the command succeeds
	local name=$1
	shift
	if "$@"; then
		echo "ok - sync tls: $name"
		pass=$((pass + 1))
	else
		echo "not ok - sync tls: $name"
		echo "#   failed: $*"
		sed 's/^/#   stderr: /' "$tmp/err"
		fail=$((fail + 1))
	fi
}
if ! command -v openssl >/dev/null || ! unshare -m true 2>/dev/null; then
	echo "ok - sync tls: # skip needs openssl and unshare -m (root)"
	exit 0
fi

# The PKI: a CA, a server certificate for 127.0.0.1 and localhost, a client certificate, and
# a second CA that issued neither.
cd "$tmp"
ossl() { openssl "$@" 2>>"$tmp/openssl.log"; }
mkca() { # NAME
	ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-keyout "$1.key" -out "$1.pem" -subj "/CN=execban test $1" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
mkcert() { # NAME CN EXTENSIONS
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-out "$1.csr" -subj "/CN=$2" &&
		printf '%s\n' "$3" >"$1.ext" &&
		ossl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
			-extfile "$1.ext" -out "$1.pem"
}
if ! mkca ca || ! mkca other ||
	! mkcert server localhost "$(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth')" ||
	! mkcert client test-machine 'extendedKeyUsage=clientAuth'; then
	echo "not ok - sync tls: openssl made the test PKI"
	sed 's/^/#   /' "$tmp/openssl.log"
	exit 1
fi
cd "$top"

S=$tmp/srv
start_server() { # syncserver.py OPTIONS...
	[ -n "$srv" ] && kill "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	rm -rf "$S"
	mkdir "$S"
	echo '{"preflight": {}, "pages": [[{"identifier": "'"$(printf 'a%.0s' $(seq 64))"'", "policy": "BLOCKLIST", "rule_type": "BINARY"}]]}' >"$S/scenario.json"
	python3 "$top/tests/helpers/syncserver.py" --dir "$S" "$@" 2>"$tmp/server.err" &
	srv=$!
	for _ in $(seq 50); do [ -e "$S/port" ] && break; sleep 0.1; done
	port=$(cat "$S/port")
}
echo "# an empty local policy" >"$tmp/local.policy"
conf() { # sync.conf lines after server=, policy=, machine_id=
	{
		echo "server = https://${HOSTNAME_:-127.0.0.1}:$port/"
		echo "policy = $tmp/local.policy"
		echo "machine_id = tls-test"
		echo "timeout = 10"
		printf '%s\n' "$@"
	} >"$tmp/sync.conf"
}
# execban sync --once, its /var/lib a tmpfs of its own (SEED=FILE: its sync.policy)
run() {
	rm -f "$S/requests.jsonl"
	SEED=${SEED:-} unshare -m sh -c 'mount -t tmpfs execban-test /var/lib &&
		if [ -n "$SEED" ]; then
			mkdir /var/lib/execban && cp "$SEED" /var/lib/execban/sync.policy
		fi && exec "$@"' sh "$eb" sync --once --config "$tmp/sync.conf" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}
rc() { [ "$(cat "$tmp/rc")" = "$1" ]; }
said() { grep -qF -- "$1" "$tmp/err"; }
not_said() { ! grep -qiF -- "$1" "$tmp/err"; }
stages() { # the stages the server saw, in order, space-separated
	local got
	got=$(python3 -c 'import json, sys
print(" ".join(json.loads(l)["stage"] for l in open(sys.argv[1])))' "$S/requests.jsonl" 2>/dev/null)
	[ "$got" = "$1" ] || { echo "#   server saw: '$got', expected '$1'"; return 1; }
}
no_requests() { [ ! -s "$S/requests.jsonl" ]; }

# TLS: the server's certificate checked against ca_file=
start_server --tls-cert "$tmp/server.pem" --tls-key "$tmp/server.key"
conf "ca_file = $tmp/ca.pem"
run
t "right CA: preflight and ruledownload reach the server" stages "preflight ruledownload"
t "right CA: no certificate complaint" not_said "certificate"
t "right CA: fails only at apply (no kernel on the host)" said "synced rules could not be loaded"

conf "ca_file = $tmp/other.pem"
run
t "wrong CA: exit 1" rc 1
t "wrong CA: the stage and the certificate problem named" \
	said "sync: preflight: SSL peer certificate or SSH remote key was not OK (SSL certificate problem: unable to get local issuer certificate)"
t "wrong CA: no request reached the server" no_requests
t "wrong CA: nothing applied (no load attempted)" not_said "could not be loaded"

HOSTNAME_=localhost conf "ca_file = $tmp/ca.pem"
run
t "right CA, the server named localhost: reaches ruledownload" stages "preflight ruledownload"

# mTLS: the server requires a client certificate issued by the CA
start_server --tls-cert "$tmp/server.pem" --tls-key "$tmp/server.key" --client-ca "$tmp/ca.pem"
conf "ca_file = $tmp/ca.pem"
run
t "mTLS, no client certificate: exit 1" rc 1
t "mTLS, no client certificate: fails at preflight" \
	said "sync: preflight: "
t "mTLS, no client certificate: the missing certificate named" \
	said "no client certificate was presented: if the server requires one, set client_cert= and client_key="
t "mTLS, no client certificate: no request reached the server" no_requests
conf "ca_file = $tmp/ca.pem" "client_cert = $tmp/client.pem" "client_key = $tmp/client.key"
run
t "mTLS, client_cert= and client_key=: preflight and ruledownload reach the server" \
	stages "preflight ruledownload"
t "mTLS, with the client certificate: fails only at apply" said "synced rules could not be loaded"
# compress_requests = yes: bodies zlib-compressed, Content-Encoding: deflate (Moroz needs it)
conf "ca_file = $tmp/ca.pem" "client_cert = $tmp/client.pem" "client_key = $tmp/client.key" \
	"compress_requests = yes"
run
t "compress_requests=yes: preflight and ruledownload reach the server" \
	stages "preflight ruledownload"
t "compress_requests=yes: every body sent as deflate (zlib), the server read it" python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if all(r["encoding"] == "deflate" for r in rs) and
         rs[0]["body"]["machine_id"] == "tls-test" else 1)' "$S/requests.jsonl"
t "compress_requests=yes: no protocol violation" test ! -s "$S/violations"
conf "ca_file = $tmp/ca.pem" "client_cert = $tmp/other.pem" "client_key = $tmp/other.key"
run
t "mTLS, a client certificate the server's CA did not issue: exit 1" rc 1
t "mTLS, a foreign client certificate: no request reached the server" no_requests

# ALLOWLIST: a server's allow of what the local policy bans is dropped, the local ban wins
hl=$(printf 'b%.0s' $(seq 64)) hc=$(printf 'c%.0s' $(seq 64)) ha=$(printf 'd%.0s' $(seq 64))
printf '# the admin\ndeny sha256=%s label=local\naudit signer-cert-sha256=%s label=watch\n' \
	"$hl" "$hc" >"$tmp/local.policy"
start_server --tls-cert "$tmp/server.pem" --tls-key "$tmp/server.key"
cat >"$S/scenario.json" <<EOF
{"preflight": {"sync_type": "CLEAN"},
 "pages": [[{"identifier": "$hl", "policy": "ALLOWLIST", "rule_type": "BINARY"},
            {"identifier": "$hc", "policy": "ALLOWLIST_COMPILER", "rule_type": "CERTIFICATE"},
            {"identifier": "$ha", "policy": "ALLOWLIST", "rule_type": "BINARY"}]]}
EOF
conf "ca_file = $tmp/ca.pem"
run
t "ALLOWLIST of a locally denied sha256: dropped, the local rule named" \
	said "sync: the server's allow of sha256=$hl is not applied: the local policy denies it at $tmp/local.policy:2, and a local ban wins (counted as ignored)"
t "ALLOWLIST_COMPILER of a locally audited certificate: dropped" \
	said "sync: the server's allow of signer-cert-sha256=$hc is not applied: the local policy audits it at $tmp/local.policy:3"
t "ALLOWLIST of what the local policy does not name: kept" not_said "allow of sha256=$ha"
t "ALLOWLIST: the sync goes on to its apply stage" said "synced rules could not be loaded"
# a normal sync reads back the allow rules an earlier sync wrote
printf '# Written by execban sync\nallow sha256=%s label=santa\ndeny sha256=%s label=santa reason="x"\n' \
	"$ha" "$hc" >"$tmp/seed.policy"
echo '{"preflight": {}, "pages": [[]]}' >"$S/scenario.json"
SEED=$tmp/seed.policy run
t "a sync.policy with allow rules: read back (no complaint)" not_said "not a line 'execban sync' writes"
t "a sync.policy with allow rules: counted in preflight" python3 -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][0]["body"]
sys.exit(0 if r["binary_rule_count"] == 2 and r["request_clean_sync"] is False else 1)' "$S/requests.jsonl"
echo "# an empty local policy" >"$tmp/local.policy"

# Plain http: only to loopback, refused before any connection
printf 'server = http://192.0.2.1:%s/\npolicy = %s\nmachine_id = m\n' "$port" "$tmp/local.policy" >"$tmp/sync.conf"
run
t "plain http to a non-loopback address: exit 1" rc 1
t "plain http to a non-loopback address: refused" \
	said "sync: http://192.0.2.1:$port/: plain http is allowed only to a loopback address; use https"

echo "# sync tls: $pass passed, $fail failed"
[ "$fail" = 0 ]
