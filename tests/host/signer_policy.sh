#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: signer rules in the policy language, through the CLI. signer=<certificate> (PEM
# and DER, relative to the policy file) compiles to one map entry per identity, whose keys
# "execban check --keys" prints; they are recomputed here independently (python3 walking the
# certificate's DER, openssl's own printouts) and compared with what "execban hash" reads from
# files signed by that certificate. Bad certificates are file:line errors and nothing passes.
set -u
suite='signer policy'
. "$(dirname "$0")/lib.sh"
fx=$top/tests/unit/fixtures

mkcert() { # NAME SUBJECT [openssl req options...]: $tmp/pol/certs/NAME.pem and .der
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/$1.key" -days 30 -subj "$2" \
		-out "$tmp/pol/certs/$1.pem" "${@:3}" 2>/dev/null &&
	openssl x509 -in "$tmp/pol/certs/$1.pem" -outform DER -out "$tmp/pol/certs/$1.der"
}

# The identity keys of a DER certificate, computed without execban and without OpenSSL's
# library: a small DER walk for the issuer Name, serial and SKID; key = SHA-256("execban-
# signer\0" || kind || id). Prints "kind-name id-hex key-hex" lines, sorted by key.
expected_keys() { # DER-FILE
	python3 - "$1" <<'PY'
import hashlib, sys
der = open(sys.argv[1], "rb").read()

def tlv(b, i):
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, i, i + n          # tag, content start, content end

_, c, _ = tlv(der, 0)             # Certificate
_, tbs, tbs_end = tlv(der, c)     # tbsCertificate
i = tbs
tag, s, e = tlv(der, i)
if tag == 0xa0:                   # [0] version
    i = e
    tag, s, e = tlv(der, i)
assert tag == 0x02
serial = der[s:e]                 # content octets as encoded
i = e
i = tlv(der, i)[2]                # signature AlgorithmIdentifier
tag, s, e = tlv(der, i)
issuer = der[i:e]                 # the whole Name, tag and length included
skid = None
i = e
while i < tbs_end:
    tag, s, e = tlv(der, i)
    if tag == 0xa3:               # [3] extensions
        _, xs, xe = tlv(der, s)
        j = xs
        while j < xe:
            _, es, ee = tlv(der, j)
            _, os, oe = tlv(der, es)
            if der[os:oe] == bytes([0x55, 0x1d, 0x0e]):       # 2.5.29.14
                k = oe
                t, vs, ve = tlv(der, k)
                if t == 0x01:     # critical BOOLEAN
                    t, vs, ve = tlv(der, ve)
                _, ss, se = tlv(der, vs)      # the OCTET STRING inside extnValue
                skid = der[ss:se]
            j = ee
    i = e

ids = [("signer-issuer-serial", 3, hashlib.sha256(issuer).digest() + serial),
       ("signer-cert-sha256", 4, hashlib.sha256(der).digest())]
if skid:
    ids += [("signer-skid", 2, skid), ("ima-keyid", 5, skid[-4:])]
out = []
for name, kind, ident in ids:
    key = hashlib.sha256(b"execban-signer\0" + bytes([kind]) + ident).hexdigest()
    idhex = ident.hex()
    if kind == 3:
        idhex = idhex[:64] + "/" + idhex[64:]
    out.append("%s %s %s" % (key, name, idhex))
print("\n".join(sorted(out)))
PY
}

# "key identity=value" of every entry of execban check --keys, sorted by key.
compiled_keys() { # POLICY
	"$eb" check --keys "$1" 2>/dev/null | sed -n 's/^\([0-9a-f]\{64\}\) [a-z]* \([a-z0-9-]*\)=\([0-9a-f/]*\).*/\1 \2 \3/p' | sort
}

mkdir -p "$tmp/pol/certs" "$tmp/elsewhere"
if ! mkcert a "/CN=execban test vendor A" -addext subjectKeyIdentifier=hash ||
   ! mkcert noskid "/CN=execban test no SKID" -addext subjectKeyIdentifier=none ||
   ! mkcert neg "/CN=execban test serial" -addext subjectKeyIdentifier=hash \
	-set_serial 0x8a0102030405060708090a0b0c0d0e0f10111213; then
	not_ok "openssl makes test certificates" "openssl req -x509 failed"
	echo "# signer policy: $pass passed, $fail failed"
	exit 1
fi

# 1. signer= with a PEM certificate, relative to the policy file, checked from elsewhere.
cat >"$tmp/pol/pem.policy" <<'EOF'
name "signers"
deny signer=certs/a.pem label=vendor-a reason="vendor A's signing certificate"
EOF
out=$(cd "$tmp/elsewhere" && "$eb" check ../pol/pem.policy 2>&1)
rc=$?
if [ $rc = 0 ] && grep -q '^../pol/pem.policy: ok: 4 rules (4 signer identities, 1 certificate)$' <<<"$out"; then
	ok "signer=<PEM> relative to the policy file: 4 map entries, 1 certificate"
else
	not_ok "signer=<PEM> relative to the policy file: 4 map entries, 1 certificate" "rc=$rc" "$out"
fi

want=$(expected_keys "$tmp/pol/certs/a.der")
got=$(compiled_keys "$tmp/pol/pem.policy")
if [ -n "$want" ] && [ "$want" = "$got" ]; then
	ok "PEM: keys and identities equal an independent DER walk + SHA-256"
else
	not_ok "PEM: keys and identities equal an independent DER walk + SHA-256" \
		"want:" "$want" "got:" "$got"
fi

# 2. The same certificate in DER gives the same entries.
sed 's/a\.pem/a.der/' "$tmp/pol/pem.policy" >"$tmp/pol/der.policy"
t "signer=<DER> is accepted" "$eb" check "$tmp/pol/der.policy"
t "signer=<DER> compiles to the same keys as the PEM" \
	test "$(compiled_keys "$tmp/pol/der.policy")" = "$want"

# 3. The identities as openssl prints them.
skid=$(openssl x509 -in "$tmp/pol/certs/a.pem" -noout -ext subjectKeyIdentifier |
       sed -n '2s/[ :]//gp' | tr A-F a-f)
fp=$(openssl x509 -in "$tmp/pol/certs/a.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
     tr A-F a-f)
t "signer-skid is the SKID openssl prints" grep -q " signer-skid $skid\$" <<<"$got"
t "ima-keyid is the SKID's last 4 bytes" grep -q " ima-keyid ${skid: -8}\$" <<<"$got"
t "signer-cert-sha256 is openssl's SHA-256 fingerprint" grep -q " signer-cert-sha256 $fp\$" <<<"$got"

# 4. Written by hand, in openssl's spelling, they are the same map entries (duplicates).
skid_colons=$(openssl x509 -in "$tmp/pol/certs/a.pem" -noout -ext subjectKeyIdentifier |
	      sed -n '2s/ //gp')
cat >"$tmp/pol/hand.policy" <<EOF
deny signer=certs/a.pem
deny signer-skid=$skid_colons
audit ima-keyid=$(tr a-f A-F <<<"${skid: -8}")
deny signer-cert-sha256=$fp
EOF
out=$("$eb" check --keys "$tmp/pol/hand.policy" 2>&1)
if grep -q 'hand.policy: ok: 4 rules' <<<"$out" &&
   grep -q "hand.policy:2: warning: signer-skid=$skid: duplicate of the rule at .*hand.policy:1" <<<"$out" &&
   grep -q "hand.policy:3: warning: ima-keyid=${skid: -8}: audit rule for an identity also denied at .*hand.policy:1: deny wins" <<<"$out"; then
	ok "hand-written identities (openssl's upper case and colons) are duplicates of signer="
else
	not_ok "hand-written identities (openssl's upper case and colons) are duplicates of signer=" "$out"
fi

# 5. No SKID: a warning naming the line, and the two other identities.
printf '# no key id\ndeny signer=certs/noskid.pem\n' >"$tmp/pol/noskid.policy"
out=$("$eb" check "$tmp/pol/noskid.policy" 2>&1)
if [ $? = 0 ] && grep -q 'noskid.policy:2: warning: signer=certs/noskid.pem: the certificate has no subjectKeyIdentifier' <<<"$out" &&
   grep -q 'ok: 2 rules' <<<"$out" &&
   [ "$(compiled_keys "$tmp/pol/noskid.policy")" = "$(expected_keys "$tmp/pol/certs/noskid.der")" ]; then
	ok "a certificate without SKID: warning at file:line, issuer+serial and cert keys only"
else
	not_ok "a certificate without SKID: warning at file:line, issuer+serial and cert keys only" "$out"
fi

# 6. A serial with its top bit set keeps DER's leading 00.
printf 'deny signer=certs/neg.der\n' >"$tmp/pol/neg.policy"
got=$(compiled_keys "$tmp/pol/neg.policy")
if [ "$got" = "$(expected_keys "$tmp/pol/certs/neg.der")" ] &&
   grep -q ' signer-issuer-serial [0-9a-f]\{64\}/008a0102030405060708090a0b0c0d0e0f10111213$' <<<"$got"; then
	ok "a serial starting with 8a is keyed with DER's leading 00"
else
	not_ok "a serial starting with 8a is keyed with DER's leading 00" "$got"
fi

# 7. signer= names what "execban hash" reads from files that certificate signed (the fixtures
#    of tests/unit: the same identities lib/sigparse.c finds, as execban.ko does).
printf 'deny signer=%s\n' "$fx/openssl-signer.pem" >"$tmp/pol/fixture.policy"
keys=$("$eb" check --keys "$tmp/pol/fixture.policy" 2>&1)
for f in openssl-skid.signed openssl-serial.signed; do
	"$eb" hash "$fx/$f" | sed -n 's/^# \(signer-[a-z0-9-]*=[0-9a-f/]*\)$/\1/p' >"$tmp/ids"
	if [ -s "$tmp/ids" ] && while read -r id; do grep -qF " deny $id " <<<"$keys" || exit 1; done <"$tmp/ids"; then
		ok "signer=<its certificate> has every identity execban hash reads from $f"
	else
		not_ok "signer=<its certificate> has every identity execban hash reads from $f" \
			"hash: $(tr '\n' ' ' <"$tmp/ids")" "$keys"
	fi
done

# 8. --json: counts and entries.
json=$("$eb" check --json --keys "$tmp/pol/pem.policy")
if python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert j["ok"] and j["rules"] == 4 and j["signer_rules"] == 4 and j["certificates"] == 1, j
assert j["size_filter"] is True and j["errors"] == 0, j
kinds = sorted(e["identity"] for e in j["entries"])
assert kinds == ["ima-keyid", "signer-cert-sha256", "signer-issuer-serial", "signer-skid"], kinds
assert all(e["label"] == "vendor-a" and e["signer"].endswith("certs/a.pem") and e["line"] == 2
           and e["size"] is None for e in j["entries"]), j["entries"]
' "$json"; then
	ok "check --json --keys: counts, kinds, label and source of every entry"
else
	not_ok "check --json --keys: counts, kinds, label and source of every entry" "$json"
fi

# 9. Errors: file:line, the load refused whole, nothing printed as ok.
printf 'not a certificate\n' >"$tmp/pol/certs/garbage.pem"
head -c 200 "$tmp/pol/certs/a.der" >"$tmp/pol/certs/truncated.der"
cat "$tmp/pol/certs/a.pem" "$tmp/pol/certs/noskid.pem" >"$tmp/pol/certs/two.pem"
cat >"$tmp/pol/bad.policy" <<'EOF'
deny sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef size=10
deny signer=certs/missing.pem
deny signer=certs/garbage.pem label=x
deny signer=certs/truncated.der
deny signer=certs/two.pem
deny signer=certs/a.pem size=4096
deny signer=certs
EOF
out=$("$eb" check "$tmp/pol/bad.policy" 2>&1)
rc=$?
bp="$tmp/pol/bad.policy"
expect_err() { # LINE TEXT
	if grep -qF "$bp:$1: error: $2" <<<"$out"; then ok "error at file:line: $2"
	else not_ok "error at file:line: $2" "$out"; fi
}
t "a policy with bad certificates is refused (exit 1, no ok line)" \
	bash -c "[ $rc = 1 ] && ! grep -q ': ok:' <<<'$out'"
expect_err 2 "signer=certs/missing.pem: No such file or directory"
expect_err 3 "signer=certs/garbage.pem: not an X.509 certificate (PEM or DER)"
expect_err 4 "signer=certs/truncated.der: not an X.509 certificate (PEM or DER)"
expect_err 5 "signer=certs/two.pem: holds 2 certificates"
expect_err 6 "size= applies to sha256= rules only"
expect_err 7 "signer=certs: not a regular file"
json=$("$eb" check --json "$bp" 2>&1)
t "check --json reports the errors as diagnostics, exit 1" python3 -c '
import json, sys
j = json.loads(sys.argv[1])
assert not j["ok"] and j["errors"] == 6, j
assert any(":2: error: signer=certs/missing.pem" in d for d in j["diagnostics"]), j
' "$json"

# 10. The policy digest covers the identities: two certificates, two digests.
d1=$("$eb" check --json "$tmp/pol/pem.policy" | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
sed 's/a\.pem/neg.pem/' "$tmp/pol/pem.policy" >"$tmp/pol/other.policy"
d2=$("$eb" check --json "$tmp/pol/other.policy" | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
d3=$("$eb" check --json "$tmp/pol/der.policy" | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"])')
t "the digest changes with the certificate, not with its encoding on disk (PEM, DER)" \
	bash -c "[ -n '$d1' ] && [ '$d1' != '$d2' ] && [ '$d1' = '$d3' ]"

echo "# signer policy: $pass passed, $fail failed"
[ $fail = 0 ]
