#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: execban hash prints the signer identities of signed files (lib/sigparse.c through
# the CLI) on the fixtures of tests/unit/fixtures/, and a security.ima key id when the host lets
# root set one.
cd "$(dirname "$0")/../.."
eb=build/execban
fx=tests/unit/fixtures
rc=0

# expect FILE LINE: execban hash FILE prints LINE
expect() {
	local out
	out=$("$eb" hash "$1" 2>&1)
	if grep -qxF -- "$2" <<<"$out"; then
		echo "ok - hash signers: $(basename "$1"): $2"
	else
		echo "not ok - hash signers: $(basename "$1"): no line '$2' in:"
		sed 's/^/#   /' <<<"$out"
		rc=1
	fi
}

expect $fx/debian-6.1-nhc_ipv6.ko.tail \
	'# signer-issuer-serial=7379d0f124b2440941308edc9ed063b517c40f96826df97e4af08de3904d81ae/66f54e1566a043cc3030420e181cf850fb9f42ac'
expect $fx/openssl-serial.signed \
	'# signer-issuer-serial=887f67c8df4b200c90dcea8851b4cbedf240519ae8b4896b240e37a1aac59b86/008f0102030405060708090a0b0c0d0e0f10111213'
expect $fx/openssl-skid.signed '# signer-skid=bbb12b014a510678994ab1e497ba1bd20587288f'
expect $fx/openssl-skid.signed \
	'# signer-cert-sha256=bf72ce71cf03f263ced259aca7903c893d6668bfd1fdc8e5dee461da8ff677f5'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp $fx/openssl-skid.signed "$tmp/f"
if python3 -c "import os,sys; os.setxattr(sys.argv[1], 'security.ima', bytes.fromhex('030204deadbeef000401020304'))" "$tmp/f" 2>/dev/null; then
	expect "$tmp/f" '# ima-keyid=deadbeef'
	expect "$tmp/f" '# signer-skid=bbb12b014a510678994ab1e497ba1bd20587288f'
else
	echo "# hash signers: cannot set security.ima here (not root, or the filesystem refuses): skipped"
fi
printf 'plain file\n' >"$tmp/plain"
if grep -q '^#' <<<"$("$eb" hash "$tmp/plain")"; then
	echo "not ok - hash signers: an unsigned file printed signer comments"
	rc=1
else
	echo "ok - hash signers: an unsigned file prints its rule only"
fi
exit $rc
