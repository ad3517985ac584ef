#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# execban scan and the kernel agree: over one tree of executables, the set of files scan
# reports (reading the policy back from the kernel) is exactly the set whose exec the kernel
# refuses. Both with sizes (prefiltered) and without (every file hashed), and with signer rules
# (execban.ko): a file signed by a banned certificate, one whose signature cannot be read.
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-scan.XXXXXX)
"$EB" unload >/dev/null 2>&1
T=$W/tree
mkdir -p "$T/a/b/c" "$T/d"
i=0
for src in /bin/true /bin/false /bin/cat /usr/bin/env /usr/bin/id; do
	i=$((i + 1))
	unique_copy "$src" "$W/src$i" "scan$i"
done
# Banned: src1 and src3 (in several places, under other names); the rest are decoys,
# including same-size files (src2 vs src1: both copies of tiny binaries) and a hard link.
cp "$W/src1" "$T/one"; cp "$W/src1" "$T/a/b/c/renamed"; ln "$T/one" "$T/d/hardlink"
cp "$W/src3" "$T/a/cat-copy"
cp "$W/src2" "$T/two"; cp "$W/src4" "$T/a/b/four"; cp "$W/src5" "$T/d/five"
head -c "$(stat -c %s "$W/src1")" /dev/urandom >"$T/a/same-size-as-banned"
chmod 755 "$T"/one "$T"/two "$T"/a/* "$T"/a/b/* "$T"/a/b/c/* "$T"/d/* 2>/dev/null

agree() { # NAME POLICY [N-FILES]
	"$EB" load "$2" >/dev/null 2>&1 || { not_ok "$1: load"; return; }
	"$EB" scan --json "$T" >"$W/scan.json"
	local rc=$?
	python3 -c "import json,sys; print('\n'.join(sorted(json.loads(l)['path'] for l in open(sys.argv[1]) if l.strip())))" \
		"$W/scan.json" >"$W/scan.set"
	: >"$W/kernel.set"
	while IFS= read -r f; do
		[ "$("$TRYEXEC" "$f" 2>/dev/null | tail -1)" = "exec-error EPERM" ] && echo "$f" >>"$W/kernel.set"
	done < <(find "$T" -type f | sort)
	sort -o "$W/kernel.set" "$W/kernel.set"
	if [ "$rc" = 1 ] && diff -u "$W/kernel.set" "$W/scan.set" >"$W/diff" && [ "$(wc -l <"$W/scan.set")" = "${3:-4}" ]; then
		ok "$1: scan and the kernel agree on the same ${3:-4} files"
	else
		not_ok "$1: scan and the kernel agree" "scan rc=$rc" "$(cat "$W/diff")"
	fi
}

"$EB" hash "$W/src1" "$W/src3" >"$W/sized.policy"
agree "with sizes" "$W/sized.policy"
"$EB" hash "$W/src1" "$W/src3" | sed 's/ size=[0-9]*//' >"$W/unsized.policy"
agree "without sizes (every file hashed)" "$W/unsized.policy"
"$EB" scan --policy "$W/sized.policy" "$T" >/dev/null
check "scan --policy FILE finds them too (exit 1)" [ $? = 1 ]
"$EB" hash "$W/src5" | sed 's/^deny sha256=[0-9a-f]*/deny sha256=0000000000000000000000000000000000000000000000000000000000000000/' >"$W/none.policy"
"$EB" scan --policy "$W/none.policy" "$T" >/dev/null
check "scan with a policy matching nothing exits 0" [ $? = 0 ]

# Signer rules: the 4 files above, plus one signed by the banned certificate (sign-file) and
# one with a malformed signature (refused: fail closed); one signed by another is neither.
KO=$top/build/kmod/$(uname -r)/execban.ko
SIGN_FILE=$(ls /usr/lib/linux-kbuild-*/scripts/sign-file 2>/dev/null | awk 'NR == 1')
for c in banned other; do
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=scan $c" \
		-addext subjectKeyIdentifier=hash -keyout "$W/$c.key" -out "$W/$c.pem" 2>/dev/null
	openssl x509 -in "$W/$c.pem" -outform DER -out "$W/$c.der" 2>/dev/null
done
unique_copy /bin/true "$T/a/signed" scan-signed
unique_copy /bin/true "$T/d/other-signed" scan-other
unique_copy /bin/true "$T/d/malformed" scan-malformed
"$SIGN_FILE" sha256 "$W/banned.key" "$W/banned.der" "$T/a/signed"
"$SIGN_FILE" sha256 "$W/other.key" "$W/other.der" "$T/d/other-signed"
python3 - "$T/d/malformed" <<'PY'
import struct, sys
junk = b'\x30\x82\x01\x00' + b'\xa5' * 64
trailer = struct.pack('>BBBBB3xI', 0, 0, 2, 0, 0, len(junk)) + b'~Module signature appended~\n'
open(sys.argv[1], 'ab').write(junk + trailer)
PY
chmod 755 "$T/a/signed" "$T/d/other-signed" "$T/d/malformed"
{ cat "$W/sized.policy"; echo "deny signer=$W/banned.pem label=banned-vendor"; } >"$W/signer.policy"
"$EB" unload >/dev/null 2>&1	# programs load with signer support only once execban.ko is in
inserted=false
insmod "$KO" 2>/dev/null && inserted=true
if $inserted || [ -e /sys/module/execban ]; then
	agree "with signer rules (execban.ko)" "$W/signer.policy" 6

	# Quarantine: the kernel refuses renaming a banned file, except into a folder the policy
	# names with "quarantine", where the rename is allowed and audited.
	Q=$W/quarantine
	mkdir -m 700 "$Q"
	{ cat "$W/sized.policy"; echo "quarantine $Q"; } >"$W/q.policy"
	"$EB" load "$W/q.policy" >/dev/null
	check "a banned file cannot be renamed elsewhere" bash -c "! mv '$T/one' '$W/elsewhere' 2>/dev/null"
	"$EB" events >/dev/null
	"$EB" scan --quarantine "$Q" "$T" >"$W/q.out" 2>&1
	check "scan --quarantine exits 1 (banned files found)" [ $? = 1 ]
	check "the banned files are gone from the tree" \
		bash -c "[ ! -e '$T/one' ] && [ ! -e '$T/a/cat-copy' ] && [ ! -e '$T/a/b/c/renamed' ]"
	check "the manifest records every move as a rename (the kernel allowed it)" python3 -c "
import json, sys
m = [json.loads(l) for l in open(sys.argv[1])]
assert len(m) == 4 and all(e['method'] == 'rename' for e in m), m
" "$Q/manifest.jsonl"
	drain_events "$W/ev.q"
	check "each move into quarantine is an audited rename event" event_has "$W/ev.q" \
		"e['action']=='rename' and e['verdict']=='audited' and e['path'].endswith('/one')"
	"$EB" unload >/dev/null
	$inserted && for _ in $(seq 30); do rmmod execban 2>/dev/null && break; sleep 0.2; done
else
	not_ok "with signer rules: execban.ko loads" "insmod $KO failed"
fi

"$EB" unload >/dev/null
rm -rf "$W"
finish
