#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: execban sign with a passphrase-protected key (--pass in each of openssl's -passin
# forms; a wrong or missing passphrase is a clear error, exit 1, and no signature file), and
# execban verify: a signature checked against a certificate without a kernel, over the same
# manifest execban compile writes (good, a policy changed after signing, another key, a
# truncated signature, a DER certificate, openssl cms's own signature).
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
		echo "ok - sign_verify: $name"
		pass=$((pass + 1))
	else
		echo "not ok - sign_verify: $name"
		echo "#   failed: $*"
		fail=$((fail + 1))
	fi
}
cd "$tmp" || exit 1
openssl req -x509 -newkey rsa:2048 -passout pass:'s3cret word' -sha256 -days 30 \
	-subj "/CN=policy key" -keyout k.pem -out c.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=another key" \
	-keyout k2.pem -out c2.pem 2>/dev/null
d1=$(printf '1%.0s' {1..64})
printf 'name "gov-ban"\nversion 7\ndeny sha256=%s size=1234 label=one\n' "$d1" >p

# ---- sign --pass ----
"$eb" sign --key k.pem --cert c.pem -o s.none p >out 2>err
rc=$?
t "encrypted key without --pass: exit 1, says to give --pass, no file" \
	bash -c "[ $rc = 1 ] && grep -q 'k.pem: the key is encrypted: give its passphrase with --pass' err && [ ! -e s.none ]"
"$eb" sign --key k.pem --pass pass:Zq9bogus --cert c.pem -o s.wrong p >out 2>err
rc=$?
t "wrong passphrase: exit 1, 'wrong passphrase', no file written" \
	bash -c "[ $rc = 1 ] && grep -q 'k.pem: wrong passphrase' err && [ ! -e s.wrong ] && [ ! -s out ]"
t "... and the passphrase given is not echoed" bash -c "! grep -q Zq9bogus err"
echo old >s.keep
"$eb" sign --key k.pem --pass pass:wrong --cert c.pem -o s.keep p 2>/dev/null
t "wrong passphrase: an existing output file is left as it was" [ "$(cat s.keep)" = old ]

"$eb" sign --key k.pem --pass 'pass:s3cret word' --cert c.pem -o s.pass p >out 2>err
t "--pass pass:TEXT signs" bash -c "[ $? = 0 ] && grep -q 'signed gov-ban version 7' out"
PW='s3cret word' "$eb" sign --key k.pem --pass env:PW --cert c.pem -o s.env p >/dev/null 2>&1
t "--pass env:VAR signs" [ -s s.env ]
printf 's3cret word\nsecond line\n' >pwfile
"$eb" sign --key k.pem --pass file:pwfile --cert c.pem -o s.file p >/dev/null 2>&1
t "--pass file:PATH signs (its first line)" [ -s s.file ]
printf 's3cret word\r\n' >pwcrlf
"$eb" sign --key k.pem --pass file:pwcrlf --cert c.pem -o s.crlf p >/dev/null 2>&1
t "--pass file:PATH with a CRLF line end signs" [ -s s.crlf ]
"$eb" sign --key k.pem --pass fd:7 --cert c.pem -o s.fd p >/dev/null 2>&1 7<pwfile
t "--pass fd:N signs" [ -s s.fd ]
"$eb" sign --key k.pem --pass stdin --cert c.pem -o s.stdin p >/dev/null 2>&1 <pwfile
t "--pass stdin signs" [ -s s.stdin ]
"$eb" sign --key k.pem --pass env:EXECBAN_NO_SUCH_VAR --cert c.pem -o s.nv p >/dev/null 2>err
rc=$?
t "--pass env: of a variable not set: exit 1, named, no file" \
	bash -c "[ $rc = 1 ] && grep -q 'no environment variable EXECBAN_NO_SUCH_VAR' err && [ ! -e s.nv ]"
"$eb" sign --key k.pem --pass file:/nonexistent --cert c.pem -o s.nf p >/dev/null 2>err
t "--pass file: of a missing file: exit 1, no file" bash -c "[ $? = 1 ] && [ ! -e s.nf ]"
"$eb" sign --key k.pem --pass 'secret' --cert c.pem -o s.bad p >/dev/null 2>err
rc=$?
t "--pass in no known form: exit 1, lists the forms" \
	bash -c "[ $rc = 1 ] && grep -q 'expected pass:TEXT, env:VAR, file:PATH, fd:N or stdin' err"
"$eb" sign --key k2.pem --pass pass:ignored --cert c2.pem -o s.plain p >/dev/null 2>&1
t "--pass with a key that is not encrypted: signs" [ -s s.plain ]
"$eb" sign --key k2.pem --cert c.pem -o s.mismatch p >/dev/null 2>err
t "a key that is not the certificate's: exit 1, said" \
	bash -c "[ $? = 1 ] && grep -q 'not the certificate of' err && [ ! -e s.mismatch ]"
for f in s.pass s.env s.file s.crlf s.fd s.stdin; do
	cmp -s s.pass $f || echo "$f differs"
done >differ
t "every form gives the same signature (RSA PKCS#1 v1.5 is deterministic)" [ ! -s differ ]
"$eb" compile -o m p
t "openssl verifies the signature made with an encrypted key" \
	openssl cms -verify -binary -inform DER -in s.pass -content m -certfile c.pem \
	-CAfile c.pem -purpose any -out /dev/null 2>/dev/null

# ---- verify ----
"$eb" verify --signature s.pass --cert c.pem p >out 2>err
rc=$?
t "verify: a good signature: exit 0, 'valid', names the signer and the policy" \
	bash -c "[ $rc = 0 ] && grep -q 's.pass: valid: signed by /CN=policy key, over gov-ban version 7 (1 rules)' out"
openssl x509 -in c.pem -outform DER -out c.der
"$eb" verify --signature s.pass --cert c.der p >/dev/null 2>&1
t "verify: a DER certificate (as lock --policy-key takes)" [ $? = 0 ]
sed 's/size=1234/size=1235/' p >p.tampered
"$eb" verify --signature s.pass --cert c.pem p.tampered >out 2>err
rc=$?
t "verify: a policy changed after signing: exit 1, INVALID, why" \
	bash -c "[ $rc = 1 ] && grep -q 'INVALID: it does not match this policy' out"
sed 's/version 7/version 8/' p >p.v8
"$eb" verify --signature s.pass --cert c.pem p.v8 >out 2>err
t "verify: another version: exit 1" bash -c "[ $? = 1 ] && grep -q INVALID out"
"$eb" verify --signature s.pass --cert c2.pem p >out 2>err
rc=$?
t "verify: the wrong certificate: exit 1, 'not signed by this certificate's key'" \
	bash -c "[ $rc = 1 ] && grep -q \"INVALID: not signed by this certificate's key\" out"
"$eb" verify --signature s.plain --cert c.pem p >out 2>err
t "verify: signed by another key, checked against ours: exit 1" [ $? = 1 ]
head -c 100 s.pass >s.trunc
"$eb" verify --signature s.trunc --cert c.pem p >out 2>err
rc=$?
t "verify: a truncated signature: exit 1, not a signature" \
	bash -c "[ $rc = 1 ] && grep -q 'INVALID: not a PKCS#7/CMS signature' out"
cp s.pass s.flip
printf '\x01' | dd of=s.flip bs=1 seek=$(($(stat -c %s s.flip) - 5)) conv=notrunc 2>/dev/null
"$eb" verify --signature s.flip --cert c.pem p >out 2>err
t "verify: a signature with a flipped byte: exit 1" bash -c "[ $? = 1 ] && grep -q INVALID out"
openssl cms -sign -binary -noattr -md sha256 -outform DER -in m -signer c.pem -inkey k.pem \
	-passin 'pass:s3cret word' -out s.openssl
"$eb" verify --signature s.openssl --cert c.pem p >/dev/null 2>&1
t "verify: openssl cms's signature over execban compile's manifest is valid" [ $? = 0 ]
printf 'deny sha256=zz\n' >bad
"$eb" verify --signature s.pass --cert c.pem bad >out 2>err
rc=$?
t "verify: a bad policy: exit 1, file:line" bash -c "[ $rc = 1 ] && grep -q '^bad:1: ' err"
"$eb" verify --signature s.pass p >/dev/null 2>&1
t "verify without --cert: usage (exit 2)" [ $? = 2 ]
"$eb" verify --help >out
t "verify --help: exit 0, usage" bash -c "[ $? = 0 ] && grep -q 'usage: execban verify' out"

echo "# sign_verify: $pass passed, $fail failed"
[ "$fail" = 0 ]
