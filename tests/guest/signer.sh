#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Signer rules end to end (execban.ko's signer kfuncs, the BPF lookups, the CLI's key
# derivation): binaries signed with sign-file and evmctl by certificates made here, a forged
# and a malformed signature, the per-inode cache, the kernel's own modules (Debian's build
# key), interpreters reading through execban.ko, and what happens without the module.
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-signer.XXXXXX)
KO=$top/build/kmod/$(uname -r)/execban.ko
SIGN_FILE=$(ls /usr/lib/linux-kbuild-*/scripts/sign-file 2>/dev/null | awk 'NR == 1')
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null

# ---- keys and signed binaries -----------------------------------------------------------------
mkcert() { # NAME CN
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=$2/O=execban test" \
		-addext subjectKeyIdentifier=hash -addext basicConstraints=critical,CA:FALSE \
		-addext keyUsage=digitalSignature -keyout "$W/$1.key" -out "$W/$1.pem" 2>/dev/null
	openssl x509 -in "$W/$1.pem" -outform DER -out "$W/$1.der"
}
mkcert banned "Banned Vendor"
mkcert other "Some Other Vendor"
check "test certificates made with openssl" [ -s "$W/banned.der" ] && [ -s "$W/other.der" ]
check "sign-file found ($SIGN_FILE)" [ -x "$SIGN_FILE" ]

# sign KEY OUT TAG [-k]: a unique copy of /bin/true signed by KEY (issuer+serial, or SKID with -k)
sign() {
	unique_copy /bin/true "$W/$2" "$3"
	"$SIGN_FILE" ${4:-} sha256 "$W/$1.key" "$W/$1.der" "$W/$2"
	chmod 755 "$W/$2"	# sign-file writes a new file
}
sign banned by-banned-is is
sign banned by-banned-skid skid -k
sign other by-other other
unique_copy /bin/true "$W/unsigned" unsigned
unique_copy /bin/true "$W/ima-banned" ima
evmctl ima_sign --hashalgo sha256 --key "$W/banned.key" "$W/ima-banned" >/dev/null 2>&1
check "evmctl wrote a security.ima signature" \
	bash -c "grep -q '=0x0302' <<<\"\$(getfattr -n security.ima -e hex '$W/ima-banned' 2>/dev/null)\""

# A forged signature: other bytes, followed by a real signature of the banned vendor.
unique_copy /bin/true "$W/forged" forged
python3 - "$W/by-banned-is" "$W/forged" <<'PY'
import struct, sys
signed = open(sys.argv[1], 'rb').read()
sig_len = struct.unpack('>I', signed[-28 - 4:-28])[0]
block = signed[-(28 + 12 + sig_len):]          # PKCS#7, struct module_signature, magic
open(sys.argv[2], 'ab').write(block)
PY
unique_copy /bin/true "$W/ima-forged" ima-forged
python3 -c "import os, sys; os.setxattr(sys.argv[2], 'security.ima', os.getxattr(sys.argv[1], 'security.ima'))" \
	"$W/ima-banned" "$W/ima-forged"
# A malformed one: a well-formed trailer around bytes that are not PKCS#7.
unique_copy /bin/true "$W/malformed" malformed
python3 - "$W/malformed" <<'PY'
import struct, sys
junk = b'\x30\x82\x01\x00' + b'\xa5' * 64
trailer = struct.pack('>BBBBB3xI', 0, 0, 2, 0, 0, len(junk)) + b'~Module signature appended~\n'
open(sys.argv[1], 'ab').write(junk + trailer)
PY

# ---- signer= : every identity of one certificate --------------------------------------------
cat >"$W/p" <<EOF
name "signer test"
deny signer=banned.pem label=banned-vendor reason="vendor banned by directive"
EOF
check "execban.ko loads" insmod "$KO"
out=$("$EB" load "$W/p" 2>&1)
check "a signer= policy loads with execban.ko" grep -q "loaded" <<<"$out"
check "load does not warn that signer rules are inactive" bash -c "! grep -q 'NOT enforced' <<<'$out'"
st=$("$EB" status)
check "status: signer rules enforced" grep -q "signer rules\?, enforced" <<<"$st"

expect_exec "signed by the banned certificate (issuer+serial): refused" "exec-error EPERM" "$W/by-banned-is"
expect_exec "signed by the banned certificate (subject key id): refused" "exec-error EPERM" "$W/by-banned-skid"
expect_exec "IMA signature by the banned key: refused" "exec-error EPERM" "$W/ima-banned"
expect_exec "forged banned signature (does not verify): refused all the same" "exec-error EPERM" "$W/forged"
expect_exec "forged IMA signature (another file's): refused all the same" "exec-error EPERM" "$W/ima-forged"
expect_exec "malformed signature: refused (fail closed)" "exec-error EPERM" "$W/malformed"
expect_exec "control: the same binary signed by another certificate runs" "exit 0" "$W/by-other"
expect_exec "control: unsigned copy runs" "exit 0" "$W/unsigned"
expect_exec "control: /bin/true runs" "exit 0" /bin/true

drain_events "$W/ev"
skid=$(openssl x509 -in "$W/banned.pem" -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :' | tr A-F a-f)
check "event: issuer+serial signer, verified against the banned certificate" event_has "$W/ev" \
	"e['path']=='$W/by-banned-is' and e['verdict']=='denied' and e['identity']=='signer-issuer-serial' and e['signer']['verified'] is True and e['rule']=='banned-vendor' and e['reason']=='vendor banned by directive' and e['sha256']=='$(sha256 "$W/by-banned-is")'"
check "event: subject key id signer, verified" event_has "$W/ev" \
	"e['path']=='$W/by-banned-skid' and e['identity']=='signer-skid' and e['signer']['skid']=='$skid' and e['signer']['verified'] is True and e['match']=='signer-skid=$skid'"
check "event: IMA key id names the banned key's id, and the IMA signature verified" event_has "$W/ev" \
	"e['path']=='$W/ima-banned' and e['identity']=='ima-keyid' and e['signer']['ima_keyid']=='${skid: -8}' and e['signer']['verified'] is True"
check "event: the forged IMA signature (another file's) is reported as not verifying" event_has "$W/ev" \
	"e['path']=='$W/ima-forged' and e['verdict']=='denied' and e['identity']=='ima-keyid' and e['signer']['verified'] is False"
check "event: the forged signature is reported as not verifying" event_has "$W/ev" \
	"e['path']=='$W/forged' and e['verdict']=='denied' and e['signer']['verified'] is False and e['signer']['verify_result']=='bad signature'"
check "event: the malformed signature is a signature error" event_has "$W/ev" \
	"e['path']=='$W/malformed' and e['verdict']=='denied' and e['signature_error'] and e['signer']['modsig']!='ok'"
check "no event for the files that ran" bash -c "! grep -q -e '$W/by-other\"' -e '$W/unsigned\"' '$W/ev'"

# ---- the identities execban hash prints, one rule at a time: CLI and kernel agree -------------
for f in by-banned-is by-banned-skid ima-banned; do
	"$EB" hash "$W/$f" | sed -n 's/^# \(signer-[a-z-]*=[0-9a-f/]*\|ima-keyid=[0-9a-f]*\)$/\1/p' |
	while read -r ident; do
		echo "deny $ident label=from-hash" >"$W/one"
		if ! "$EB" load "$W/one" >/dev/null 2>"$W/one.err"; then
			echo "LOADFAIL $ident $(cat "$W/one.err")"
		elif [ "$("$TRYEXEC" "$W/$f" 2>/dev/null | tail -1)" != "exec-error EPERM" ]; then
			echo "ALLOWED $f $ident"
		else
			echo "DENIED $f $ident"
		fi
	done
done >"$W/agree"
check "every identity execban hash prints is enforced by the kernel (3 files)" \
	bash -c "[[ \$(grep -c '^DENIED' '$W/agree') == [3-9] ]] && ! grep -v '^DENIED' '$W/agree'"
sed 's/^/# /' "$W/agree"
echo "deny ima-keyid=${skid: -8} label=colon-form" | sed 's/=\(..\)\(..\)\(..\)\(..\)/=\1:\2:\3:\4/' >"$W/colon"
"$EB" load "$W/colon" >/dev/null 2>&1
expect_exec "ima-keyid written with colons matches too" "exec-error EPERM" "$W/ima-banned"

# ---- the cache: a cached allowed file rewritten in place into a banned one ---------------------
"$EB" load "$W/p" >/dev/null
unique_copy /bin/true "$W/mutable" mutable
expect_exec "cache: unsigned file runs (and is cached)" "exit 0" "$W/mutable"
expect_exec "cache: runs again (from the cache)" "exit 0" "$W/mutable"
ino=$(stat -c %i "$W/mutable")
cat "$W/by-banned-is" >"$W/mutable"
check "cache: rewritten in place (same inode)" [ "$(stat -c %i "$W/mutable")" = "$ino" ]
expect_exec "cache: the rewritten file is refused" "exec-error EPERM" "$W/mutable"

# ---- hash rules and signer rules together; audit loses to deny ---------------------------------
{
	echo "audit sha256=$(sha256 "$W/by-banned-skid") size=$(stat -c %s "$W/by-banned-skid") label=hash-audit"
	echo "deny signer-skid=$skid label=skid-deny"
	echo "audit sha256=$(sha256 "$W/by-other") size=$(stat -c %s "$W/by-other") label=other-audit"
} >"$W/mixed"
"$EB" load "$W/mixed" >/dev/null
"$EB" events >/dev/null
expect_exec "a signer deny beats a hash audit on the same file" "exec-error EPERM" "$W/by-banned-skid"
expect_exec "a hash audit alone lets the file run" "exit 0" "$W/by-other"
drain_events "$W/ev2"
check "event: the deny is the signer rule's" event_has "$W/ev2" \
	"e['path']=='$W/by-banned-skid' and e['rule']=='skid-deny' and e['verdict']=='denied'"
check "event: the audit is recorded" event_has "$W/ev2" \
	"e['path']=='$W/by-other' and e['rule']=='other-audit' and e['verdict']=='audited'"

# ---- without signer rules, signatures are not read: a malformed one runs ----------------------
"$EB" hash "$W/unsigned" >"$W/hashonly"
"$EB" load "$W/hashonly" >/dev/null
expect_exec "a hash-only policy does not judge signatures (malformed runs)" "exit 0" "$W/malformed"

# ---- interpreters reading through execban.ko (the open is not complete in file_open) ----------
printf '#!/bin/sh\necho BANNED-SCRIPT\n' >"$W/banned.sh"
printf '#!/bin/sh\necho ALLOWD-SCRIPT\n' >"$W/same-size.sh"
{
	"$EB" hash "$W/banned.sh"
	echo "interpreter $(readlink -f /bin/bash)"
	echo "deny signer=banned.pem"
} >"$W/interp"
"$EB" load "$W/interp" >/dev/null
"$EB" events >/dev/null
out=$(bash "$W/same-size.sh" 2>&1)
check "interpreter: a script of a banned script's size runs (read through execban.ko)" \
	grep -q ALLOWD-SCRIPT <<<"$out"
out=$(bash "$W/banned.sh" 2>&1)
check "interpreter: the banned script is refused" bash -c "! grep -q BANNED-SCRIPT <<<'$out'"
drain_events "$W/ev3"
check "interpreter: the refusal is a digest match, not a read error" event_has "$W/ev3" \
	"e['action']=='open' and e['path']=='$W/banned.sh' and not e['hash_error'] and e['sha256']=='$(sha256 "$W/banned.sh")'"

# ---- the kernel's own modules: Debian's build key --------------------------------------------
mods=/lib/modules/$(uname -r)
mod=
for m in fs/nls/nls_cp437 fs/nls/nls_iso8859-1 lib/crc-itu-t lib/crc7 crypto/tea; do
	for f in "$mods/kernel/$m.ko" "$mods/kernel/$m.ko.xz" "$mods/kernel/$m.ko.zst"; do
		[ -e "$f" ] || continue
		name=$(basename "$m" | tr - _)
		[ -e "/sys/module/$name" ] && continue
		[ -z "$(modinfo -F depends "$f")" ] || continue
		mod=$f
		break 2
	done
done
if [ -z "$mod" ]; then
	not_ok "a loadable module of this kernel without dependencies" "none of the candidates"
else
	case $mod in
	*.xz) xz -dc "$mod" >"$W/mod.ko" ;;
	*.zst) zstd -qdc "$mod" >"$W/mod.ko" ;;
	*) cp "$mod" "$W/mod.ko" ;;
	esac
	name=$(modinfo -F name "$W/mod.ko")
	sig_key=$(modinfo -F sig_key "$W/mod.ko" | tr -d ':' | tr A-F a-f)
	"$EB" hash "$W/mod.ko" >"$W/mod.hash"
	sed 's/^/# /' "$W/mod.hash"
	check "modinfo's sig_key is the serial in the issuer+serial execban hash prints" \
		grep -q "^# signer-issuer-serial=[0-9a-f]*/0*$sig_key\$" "$W/mod.hash"
	issuer_cn=$(sed -n 's/^#   issuer "CN=\([^",]*\).*/\1/p' "$W/mod.hash" | awk 'NR == 1')
	# /proc/keys: "... asymmetri <CN>: <skid> X509.rsa ..." for the key in .builtin_trusted_keys
	kskid=$(grep -F "asymmetri $issuer_cn: " /proc/keys | awk 'NR == 1' | sed "s/.*$issuer_cn: \([0-9a-f]*\).*/\1/")
	check "the signer's certificate is in the kernel's keyring ($issuer_cn: $kskid)" [ -n "$kskid" ]
	check "hash prints the key id the kernel's keyrings give that issuer and serial" \
		grep -q "^# signer-skid=$kskid\$" "$W/mod.hash"
	echo "deny signer-skid=$(sed 's/\(..\)/\1:/g; s/:$//' <<<"$kskid" | tr a-f A-F) label=distro-build-key" >"$W/modp"
	out=$("$EB" load "$W/modp" 2>&1)
	check "a signer-skid= rule for the kernel's build key loads" grep -q loaded <<<"$out"
	# scan must report what the kernel refuses: it asks execban.ko the same question.
	mkdir -p "$W/scanmod" && cp "$W/mod.ko" "$W/scanmod/"
	"$EB" scan --policy "$W/modp" --json "$W/scanmod" >"$W/scanmod.json"; rc=$?
	check "scan finds the module by the signer-skid rule, through the keyrings (exit 1)" \
		bash -c "[ $rc = 1 ] && grep -q '\"identity\":\"signer-skid\"' '$W/scanmod.json' && grep -q 'scanmod/mod.ko' '$W/scanmod.json'"
	printf 'deny signer-skid=%s label=other-key\n' "$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$W/modq"
	"$EB" scan --policy "$W/modq" "$W/scanmod" >/dev/null; rc=$?
	check "control: scan with another key id's rule finds nothing (exit 0)" [ $rc = 0 ]
	"$EB" events >/dev/null
	insmod "$W/mod.ko" 2>"$W/insmod.err"; rc=$?
	check "loading a module signed by the banned build key fails with EPERM" \
		bash -c "[ $rc != 0 ] && grep -q 'not permitted' '$W/insmod.err' && [ ! -e /sys/module/$name ]"
	expect_exec "the rest of the system works (/bin/true)" "exit 0" /bin/true
	check "the rest of the system works (python3)" python3 -c 'import json'
	drain_events "$W/ev4"
	check "event: module load refused by the signer-skid rule, resolved through the keyring" \
		event_has "$W/ev4" "e['action']=='module' and e['verdict']=='denied' and e['identity']=='signer-skid' and e['signer']['skid']=='$kskid' and e['signer']['skid_from']=='keyring'"
	# init_module(2): kmod decompresses a .ko.xz itself and hands the kernel the image in
	# memory; no file is read (lsm/kernel_post_load_data).
	xz -kc "$W/mod.ko" >"$W/mod.ko.xz"
	ident=$(sed -n 's/^# \(signer-issuer-serial=.*\)$/\1/p' "$W/mod.hash")
	echo "deny $ident label=distro-build-key-is" >"$W/modis"
	"$EB" load "$W/modis" >/dev/null
	"$EB" events >/dev/null
	insmod "$W/mod.ko.xz" 2>"$W/insmod.err"; rc=$?
	check "init_module (insmod of a .ko.xz) of a module whose signer is banned fails with EPERM" \
		bash -c "[ $rc != 0 ] && grep -q 'not permitted' '$W/insmod.err' && [ ! -e /sys/module/$name ]"
	drain_events "$W/ev5"
	check "event: init_module refused by the issuer+serial rule, size of the image" \
		event_has "$W/ev5" "e['action']=='module' and e['filename']=='init_module' and e['identity']=='signer-issuer-serial' and e['size']==$(stat -c %s "$W/mod.ko")"
	grep '^deny sha256' "$W/mod.hash" >"$W/modsha"
	"$EB" load "$W/modsha" >/dev/null
	insmod "$W/mod.ko.xz" 2>"$W/insmod.err"; rc=$?
	check "init_module of a module whose image's SHA-256 is banned fails with EPERM" \
		bash -c "[ $rc != 0 ] && grep -q 'not permitted' '$W/insmod.err' && [ ! -e /sys/module/$name ]"
	drain_events "$W/ev6"
	check "event: init_module refused by the hash rule, with the image's digest" \
		event_has "$W/ev6" "e['action']=='module' and e['identity']=='sha256' and e['sha256']=='$(sha256 "$W/mod.ko")'"
	"$EB" load "$W/hashonly" >/dev/null
	check "control: init_module of the same .ko.xz works without those rules" insmod "$W/mod.ko.xz"
	rmmod "$name" 2>/dev/null

	echo "# system_keyrings: $(cat /sys/module/execban/parameters/system_keyrings)"
	grep -E 'keyring +\.(builtin|secondary)' /proc/keys | sed 's/^/# /'
	"$EB" load "$W/hashonly" >/dev/null
	check "control: without the rule the same module loads" insmod "$W/mod.ko"
	rmmod "$name" 2>/dev/null
fi

# ---- without the module: signer rules say plainly they are inactive --------------------------
"$EB" unload >/dev/null
for _ in $(seq 30); do rmmod execban 2>/dev/null && break; sleep 0.2; done
check "execban.ko removed after unload" [ ! -e /sys/module/execban ]
out=$("$EB" load "$W/p" 2>&1)
check "load without execban.ko warns that signer rules are not enforced" \
	grep -q "signer rule.*NOT enforced: execban.ko is not loaded" <<<"$out"
"$EB" status --check >"$W/st" 2>&1; rc=$?
check "status --check fails and says why" \
	bash -c "[ $rc != 0 ] && grep -q 'signer rules are loaded but not enforced' '$W/st'"
check "status --json: signers_enforced false" \
	bash -c "grep -q '\"signers_enforced\":false' <<<\"\$('$EB' status --json)\""

"$EB" unload >/dev/null
rm -rf "$W"
finish
