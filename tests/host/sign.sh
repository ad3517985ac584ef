#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: what a lock-mode signature covers (execban compile, execban sign). The manifest is
# the same for the same policy, compiled anywhere; it changes when a rule, the version or the
# mode changes; it holds the SHA-256 of the records the kernel will hash, recomputed here
# independently (python3, from the layout in include/execban.h); execban sign's signature is a
# detached PKCS#7 that openssl verifies over the manifest; bad input is a clear error.
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
		echo "ok - sign: $name"
		pass=$((pass + 1))
	else
		echo "not ok - sign: $name"
		echo "#   failed: $*"
		fail=$((fail + 1))
	fi
}

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=policy key" \
	-keyout "$tmp/k.pem" -out "$tmp/c.pem" 2>/dev/null
d1=$(printf 'a%.0s' {1..64} | tr a 1)
d2=$(printf 'b%.0s' {1..64} | tr b 2)
cat >"$tmp/p" <<P
name "gov-ban"
version 7
deny sha256=$d1 size=1234 label=one reason="banned by order 1"
audit sha256=$d2 label=two
P
"$eb" compile -o "$tmp/m1" "$tmp/p"
t "compile writes a 224-byte manifest" [ "$(stat -c %s "$tmp/m1")" = 224 ]
(cd "$tmp" && "$eb" compile -o m2 p)
t "the same policy compiles to the same manifest (another directory, another run)" \
	cmp -s "$tmp/m1" "$tmp/m2"
t "the manifest starts with its magic, the maps ABI, the name and version" python3 - "$tmp/m1" <<'PY'
import struct, sys
m = open(sys.argv[1], "rb").read()
assert m[:16] == b"execban-policy1\0", m[:16]
version, mode, flags, n_rules, n_sizes, n_texts, n_signers = struct.unpack_from("<QIIIIII", m, 24)
assert (version, mode, n_rules, n_sizes, n_texts, n_signers) == (7, 1, 2, 1, 2, 0), \
	(version, mode, n_rules, n_sizes, n_texts, n_signers)
name = m[24 + 72:24 + 136].split(b"\0")[0]
assert name == b"gov-ban", name
PY
t "body_sha256 is the SHA-256 of the records, recomputed independently" python3 - "$tmp/m1" "$d1" "$d2" <<'PY'
import hashlib, struct, sys
m = open(sys.argv[1], "rb").read()
NO_SIZE = (1 << 48) - 1
def rule(rid, action, text_id, size):
	return struct.pack("<IIBBHI", rid, text_id, action, 1, size >> 32, size & 0xffffffff)
# ids are stable: a rule's is its key's first 32 bits, a text's (its label and reason) the
# first 32 bits of SHA-256 of label, NUL, reason
def text_id(label, reason):
	return int.from_bytes(hashlib.sha256(label + b"\0" + reason).digest()[:4], "big")
texts = sorted([(text_id(b"one", b"banned by order 1"), b"one", b"banned by order 1"),
                (text_id(b"two", b""), b"two", b"")])
keys = sorted([(bytes.fromhex(sys.argv[2]), 1, text_id(b"one", b"banned by order 1"), 1234),
               (bytes.fromhex(sys.argv[3]), 2, text_id(b"two", b""), NO_SIZE)])
rec = b""
for k, action, tid, size in keys:
	rid = int.from_bytes(k[:4], "big")
	rec += k + rule(rid, action, tid, size)
rec += struct.pack("<QII", 1234, 1, 0)
for tid, label, reason in texts:
	rec += struct.pack("<II", tid, 0) + label.ljust(32, b"\0") + reason.ljust(128, b"\0")
assert hashlib.sha256(rec).digest() == m[160:192], "body digest differs"
PY
sed 's/version 7/version 8/' "$tmp/p" >"$tmp/p8"
"$eb" compile -o "$tmp/m8" "$tmp/p8"
t "another version, another manifest" sh -c "! cmp -s '$tmp/m1' '$tmp/m8'"
sed 's/^audit/deny/' "$tmp/p" >"$tmp/pd"
"$eb" compile -o "$tmp/md" "$tmp/pd"
t "another action, another manifest" sh -c "! cmp -s '$tmp/m1' '$tmp/md'"

"$eb" sign --key "$tmp/k.pem" --cert "$tmp/c.pem" -o "$tmp/s" "$tmp/p" >"$tmp/out"
t "sign reports what it signed" grep -q 'signed gov-ban version 7 (2 rules)' "$tmp/out"
t "openssl verifies the signature over the manifest (detached, DER)" \
	openssl cms -verify -binary -inform DER -in "$tmp/s" -content "$tmp/m1" -certfile "$tmp/c.pem" \
	-CAfile "$tmp/c.pem" -purpose any -out /dev/null 2>/dev/null
t "... and not over another version's manifest" sh -c "! openssl cms -verify -binary -inform DER \
	-in '$tmp/s' -content '$tmp/m8' -certfile '$tmp/c.pem' -CAfile '$tmp/c.pem' -purpose any \
	-out /dev/null 2>/dev/null"
openssl cms -cmsout -print -inform DER -in "$tmp/s" >"$tmp/print"
t "the signature is detached, with no certificate and no signed attributes" \
	bash -c "grep -q ABSENT <<<\"\$(grep -A1 'eContent:' '$tmp/print')\" &&
	grep -q ABSENT <<<\"\$(grep -A1 'certificates:' '$tmp/print')\" &&
	grep -q ABSENT <<<\"\$(grep -A1 'signedAttrs:' '$tmp/print')\""

echo 'deny sha256=zz' >"$tmp/bad"
"$eb" sign --key "$tmp/k.pem" --cert "$tmp/c.pem" -o "$tmp/s2" "$tmp/bad" 2>"$tmp/err"
rc=$?
t "a bad policy is not signed: file:line error, exit 1, no signature written" \
	sh -c "[ $rc = 1 ] && grep -q '^$tmp/bad:1: ' '$tmp/err' && [ ! -e '$tmp/s2' ]"
"$eb" sign --key "$tmp/c.pem" --cert "$tmp/c.pem" -o "$tmp/s3" "$tmp/p" 2>"$tmp/err"
rc=$?
t "a certificate given as the key: clear error, exit 1" \
	sh -c "[ $rc = 1 ] && grep -q 'not a PEM private key' '$tmp/err'"
"$eb" sign --key "$tmp/k.pem" -o "$tmp/s4" "$tmp/p" 2>/dev/null
t "sign without --cert: usage error (exit 2)" [ $? = 2 ]
"$eb" compile "$tmp/p" 2>/dev/null
t "compile without -o: usage error (exit 2)" [ $? = 2 ]

echo "# sign: $pass passed, $fail failed"
[ "$fail" = 0 ]
