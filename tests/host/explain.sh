#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: allow rules (exceptions) through the CLI, and execban explain --policy (offline).
# Files signed here with sign-file by a "banned vendor": a signer ban refuses them; "allow
# sha256=" of one exempts that one; a deny by digest beats an allow by signer; an allow and a
# deny of one identity is an error naming both lines; check counts allow rules and --keys
# prints them back in a form that compiles to the same policy; scan and explain agree with
# the precedence, and explain says why (size, digest, signers, rule file:line, exemption).
set -u
suite=explain
. "$(dirname "$0")/lib.sh"

sign_file=$(ls /usr/lib/linux-kbuild-*/scripts/sign-file 2>/dev/null | awk 'NR == 1')
if [ -z "$sign_file" ]; then
	echo "ok - explain: # skip: no sign-file (linux-kbuild) on this host"
	exit 0
fi

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=Banned Vendor/O=execban test" \
	-addext subjectKeyIdentifier=hash -keyout "$tmp/banned.key" -out "$tmp/banned.pem" 2>/dev/null
openssl x509 -in "$tmp/banned.pem" -outform DER -out "$tmp/banned.der"
mk() { # NAME: a unique copy of /bin/true signed by the banned vendor
	cp /bin/true "$tmp/$1"
	printf '\nexecban-test:%s\n' "$1" >>"$tmp/$1"
	"$sign_file" sha256 "$tmp/banned.key" "$tmp/banned.der" "$tmp/$1"
}
mk keep
mk other
cp /bin/true "$tmp/plain"
printf '\nexecban-test:plain\n' >>"$tmp/plain"
keep=$(sha256sum "$tmp/keep" | cut -c1-64)
other=$(sha256sum "$tmp/other" | cut -c1-64)
is=$("$eb" hash "$tmp/keep" | sed -n 's/^# \(signer-issuer-serial=[0-9a-f/]*\)$/\1/p')
t "execban hash names the signer of a signed file" [ -n "$is" ]

cat >"$tmp/except.policy" <<EOF
name "vendor ban"
deny signer=banned.pem label=vendor-ban reason="vendor banned"
allow sha256=$keep label=keep-ok reason="still needed"
EOF
cat >"$tmp/digest-wins.policy" <<EOF
allow $is label=vendor-ok
deny sha256=$other size=$(stat -c %s "$tmp/other") label=other-banned
EOF
printf 'deny sha256=%s label=a\n\nallow sha256=%s label=b\n' "$keep" "$keep" >"$tmp/conflict.policy"

# ---- check ---------------------------------------------------------------------------------
"$eb" check "$tmp/except.policy" >"$tmp/out" 2>&1
t "check: a signer ban with an exception is valid" has "$tmp/out" "ok: 5 rules"
t "check: counts the allow rule" has "$tmp/out" "rules 5: 4 deny, 0 audit, 1 allow;"
"$eb" check --json "$tmp/except.policy" >"$tmp/out.json" 2>&1
t "check --json: \"allow\":1" has "$tmp/out.json" '"deny":4,"audit":0,"allow":1,'
"$eb" check "$tmp/conflict.policy" >"$tmp/out" 2>&1; rc=$?
t "check: allow and deny of one digest is refused (exit 1)" [ "$rc" = 1 ]
t "check: ... naming both file:lines" \
	has "$tmp/out" "conflict.policy:3: error: allowed here but denied at $tmp/conflict.policy:1"
sed "s|^deny sha256=$keep label=a|deny $is label=a|; s|^allow sha256=$keep label=b|allow $is label=b|" \
	"$tmp/conflict.policy" >"$tmp/conflict2.policy"
"$eb" check "$tmp/conflict2.policy" >"$tmp/out" 2>&1; rc=$?
t "check: allow and deny of one signer is refused, naming both lines" \
	bash -c "[ $rc = 1 ] && grep -q 'conflict2.policy:3: error: signer-issuer-serial=.*: allowed here but denied at .*conflict2.policy:1' '$tmp/out'"
printf 'allow sha256=%s label=x\n' "$keep" >"$tmp/only-allow.policy"
t "check: a policy of allow rules only is valid (it bans nothing)" \
	bash -c "\"$eb\" check \"$tmp/only-allow.policy\" >/dev/null"

# round trip: the rules check --keys prints compile to the same policy
"$eb" check --keys "$tmp/except.policy" | sed -n 's/^[0-9a-f]\{64\} \(.*\)  # .*/\1/p' >"$tmp/rt.policy"
sed -i '1i name "vendor ban"' "$tmp/rt.policy"
t "check --keys prints the allow rule in policy syntax" \
	has "$tmp/rt.policy" "^allow sha256=$keep label=keep-ok reason=\"still needed\"$"
"$eb" check --keys "$tmp/except.policy" | sed -n 's/  # .*//p' >"$tmp/keys1"
"$eb" check --keys "$tmp/rt.policy" | sed -n 's/  # .*//p' >"$tmp/keys2"
t "check --keys output compiles to the same map entries" \
	bash -c "[ \$(wc -l <'$tmp/keys1') = 5 ] && cmp -s '$tmp/keys1' '$tmp/keys2'"

# ---- scan: the exception is not a finding ---------------------------------------------------
"$eb" scan --policy "$tmp/except.policy" "$tmp" >"$tmp/scan" 2>/dev/null; rc=$?
t "scan: the other signed file is banned (exit 1)" \
	bash -c "[ $rc = 1 ] && grep -q '^BANNED $tmp/other signer-issuer-serial=' '$tmp/scan'"
t "scan: the exempted file is not reported" bash -c "! grep -q '$tmp/keep' '$tmp/scan'"

# ---- explain --policy ------------------------------------------------------------------------
"$eb" explain --policy "$tmp/except.policy" "$tmp/keep" "$tmp/other" "$tmp/plain" >"$tmp/ex" 2>&1; rc=$?
sed 's/^/# /' "$tmp/ex"
t "explain: exit 1 when some file would be denied" [ "$rc" = 1 ]
t "explain: the exempted file: allowed, by which exception, from which rule" \
	has "$tmp/ex" "^$tmp/keep: allowed: exception allow sha256=$keep \\(keep-ok\\) exempts it from rule vendor-ban$"
t "explain: its rule with file:line" \
	has "$tmp/ex" "^  rule      allow sha256=$keep label=keep-ok reason=\"still needed\" \\($tmp/except.policy:3\\)$"
t "explain: what it is exempted from, with file:line" \
	has "$tmp/ex" "^  exempted  from deny signer-issuer-serial=[0-9a-f/]+ label=vendor-ban reason=\"vendor banned\" \\($tmp/except.policy:2\\)$"
t "explain: the other file is denied by the signer rule" \
	has "$tmp/ex" "^$tmp/other: denied: rule vendor-ban matches its signer-issuer-serial$"
t "explain: size, sha256 and signers are printed" \
	bash -c "grep -q '^  size      $(stat -c %s "$tmp/other") bytes: no digest rule' '$tmp/ex' &&
		 grep -q '^  sha256    $other\$' '$tmp/ex' &&
		 grep -q '^  signer    signer-issuer-serial=.*: deny\$' '$tmp/ex'"
t "explain: an unsigned file: why no rule matches" \
	has "$tmp/ex" "^$tmp/plain: allowed: no digest rule; it is not signed$"

# an unreadable signature is refused whatever allow sha256= says (as the kernel: it refuses
# before looking an exception up)
cp /bin/true "$tmp/malformed"
python3 - "$tmp/malformed" <<'PY'
import struct, sys
junk = b'\x30\x82\x01\x00' + b'\xa5' * 64
trailer = struct.pack('>BBBBB3xI', 0, 0, 2, 0, 0, len(junk)) + b'~Module signature appended~\n'
open(sys.argv[1], 'ab').write(junk + trailer)
PY
{ sed -n 2p "$tmp/except.policy"; echo "allow sha256=$(sha256sum "$tmp/malformed" | cut -c1-64) label=m-ok"; } \
	>"$tmp/unreadable.policy"
"$eb" explain --policy "$tmp/unreadable.policy" "$tmp/malformed" >"$tmp/ex3" 2>&1; rc=$?
sed 's/^/# /' "$tmp/ex3"
t "explain: allow sha256= does not rescue an unreadable signature (exit 1)" \
	bash -c "[ $rc = 1 ] && grep -q '^$tmp/malformed: denied: its signature cannot be read' '$tmp/ex3'"

"$eb" explain --policy "$tmp/digest-wins.policy" "$tmp/other" "$tmp/keep" >"$tmp/ex2" 2>&1; rc=$?
sed 's/^/# /' "$tmp/ex2"
t "explain: a deny by digest beats an allow by signer (exit 1)" \
	bash -c "[ $rc = 1 ] && grep -q '^$tmp/other: denied: rule other-banned matches its sha256\$' '$tmp/ex2'"
t "explain: the size of a digest rule is a banned size" has "$tmp/ex2" "a banned size \\(hashed at exec\\)"
t "explain: a file an allow by signer matches, with nothing to exempt it from" \
	bash -c "grep -q '^$tmp/keep: allowed: its size is not banned; no signer ban\$' '$tmp/ex2' &&
		 grep -q '^  signer    signer-issuer-serial=.*: allow (not consulted: the policy has no deny or audit signer rule)\$' '$tmp/ex2'"

"$eb" explain --policy "$tmp/except.policy" --json "$tmp/keep" "$tmp/other" >"$tmp/ex.json" 2>&1
t "explain --json: one object per file, with verdict, rule and exemption" python3 - "$tmp/ex.json" "$keep" <<'PY'
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
k, o = objs
assert k["verdict"] == "allowed" and k["sha256"] == sys.argv[2], k
assert k["rule"]["action"] == "allow" and k["rule"]["label"] == "keep-ok" and k["rule"]["line"] == 3, k
assert k["exempted"]["label"] == "vendor-ban" and k["exempted"]["action"] == "deny", k
assert o["verdict"] == "denied" and o["rule"]["match"].startswith("signer-issuer-serial="), o
assert o["signers"][0]["rule"]["label"] == "vendor-ban" and o["exempted"] is None, o
PY

"$eb" explain --policy "$tmp/only-allow.policy" "$tmp/keep" >/dev/null 2>&1; rc=$?
t "explain: exit 0 when every file would run" [ "$rc" = 0 ]
"$eb" explain --policy "$tmp/except.policy" "$tmp/missing" >/dev/null 2>"$tmp/err"; rc=$?
t "explain: a file that cannot be read: exit 3, said on stderr" \
	bash -c "[ $rc = 3 ] && grep -q 'missing: No such file or directory' '$tmp/err'"
"$eb" explain --policy "$tmp/conflict.policy" "$tmp/keep" >/dev/null 2>"$tmp/err"; rc=$?
t "explain: a policy with errors: exit 3, the errors with file:line" \
	bash -c "[ $rc = 3 ] && grep -q 'conflict.policy:3: error' '$tmp/err'"
"$eb" explain >/dev/null 2>"$tmp/err"; rc=$?
t "explain: no FILE is a usage error (exit 2): the problem, then the hint" \
	bash -c "[ $rc = 2 ] && [ \$(wc -l <'$tmp/err') = 2 ] && grep -q 'no FILE given' '$tmp/err' &&
		[ \"\$(sed -n 2p '$tmp/err')\" = \"Try 'execban explain --help'.\" ]"

echo "# explain: $pass passed, $fail failed"
[ $fail = 0 ]
