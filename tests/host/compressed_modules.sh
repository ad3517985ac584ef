#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: execban hash, import --package and scan see through compressed kernel modules
# (.ko.xz, .ko.zst, .ko.gz, told by content): the rule they print or match is the module image's
# (what init_module is given: sha256sum of the decompressed file, its size, the signer of the
# signature appended to it), beside the compressed file's own. Corrupt data and decompression
# bombs are refused with an error naming the file.
set -u
cd "$(dirname "$0")/../.."
EB=$PWD/build/execban
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - compressed modules: $1"; pass=$((pass + 1)); else echo "not ok - compressed modules: $1"; fail=$((fail + 1)); fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A real, signed module of the 6.1 test kernel (Debian ships 6.1's uncompressed).
k61=$(scripts/kernels.sh dir 6.1)
src=$(ls "$k61"/lib/modules/*/kernel/drivers/net/dummy.ko 2>/dev/null | awk 'NR == 1')
if [ -z "$src" ]; then
	echo "not ok - compressed modules: dummy.ko of the 6.1 test kernel (make deps; scripts/kernels.sh fetch 6.1)"
	exit 1
fi
cp "$src" "$tmp/dummy.ko"
xz -kc "$tmp/dummy.ko" >"$tmp/dummy.ko.xz"
zstd -qc "$tmp/dummy.ko" >"$tmp/dummy.ko.zst"
gzip -nc "$tmp/dummy.ko" >"$tmp/dummy.ko.gz"

img_sum=$(sha256sum <"$tmp/dummy.ko" | cut -c1-64)
img_size=$(stat -c %s "$tmp/dummy.ko")
"$EB" hash "$tmp/dummy.ko" >"$tmp/plain.hash"
signer=$(grep '^# signer-issuer-serial=' "$tmp/plain.hash")
t "the uncompressed module names its signer (issuer and serial)" test -n "$signer"

for z in xz zst gz; do
	f=$tmp/dummy.ko.$z
	out=$("$EB" hash "$f" 2>"$tmp/err"); rc=$?
	file_sum=$(sha256sum <"$f" | cut -c1-64)
	t "hash .ko.$z: exit 0, nothing on stderr" test "$rc" = 0 -a ! -s "$tmp/err"
	t "hash .ko.$z: first rule is the image's (sha256sum of the decompressed module, its size)" \
		test "$(grep -m1 '^deny ' <<<"$out")" = "deny sha256=$img_sum size=$img_size label=dummy.ko.$z"
	t "hash .ko.$z: the image's signer is the uncompressed module's" \
		test "$(grep -m1 '^# signer-issuer-serial=' <<<"$out")" = "$signer"
	t "hash .ko.$z: then the compressed file's own rule" \
		grep -qx "deny sha256=$file_sum size=$(stat -c %s "$f") label=dummy.ko.$z" <<<"$out"
	echo "$out" >"$tmp/$z.policy"
	t "hash .ko.$z: two rules, both loadable (execban check)" \
		bash -c "[ \$(grep -c '^deny ' '$tmp/$z.policy') = 2 ] && '$EB' check '$tmp/$z.policy' >/dev/null"
done

# The format is told by content, not by name.
cp "$tmp/dummy.ko.zst" "$tmp/module.bin"
out=$("$EB" hash "$tmp/module.bin")
t "hash: a zstd module under another name is still seen through" \
	grep -qx "deny sha256=$img_sum size=$img_size label=module.bin" <<<"$out"
out=$("$EB" hash --json "$tmp/dummy.ko.xz")
t "hash --json: image with format, digest, size and the signer" python3 -c '
import json, sys
o = json.loads(sys.argv[1]); i = o["image"]
assert o["sha256"] == sys.argv[2] and o["modsig"] is None
assert i["format"] == "xz" and i["sha256"] == sys.argv[3] and i["size"] == int(sys.argv[4])
assert "signer-issuer-serial=" + i["modsig"]["signer-issuer-serial"] == sys.argv[5].lstrip("# ")
' "$out" "$(sha256sum <"$tmp/dummy.ko.xz" | cut -c1-64)" "$img_sum" "$img_size" "$signer"
out=$("$EB" hash --json "$tmp/dummy.ko")
t "hash --json: an uncompressed file has image null" \
	python3 -c 'import json, sys; assert json.loads(sys.argv[1])["image"] is None' "$out"

# A compressed file that is no module: its own rule only.
printf 'just a manual page\n' | gzip -nc >"$tmp/page.1.gz"
out=$("$EB" hash "$tmp/page.1.gz"); rc=$?
t "hash: a gzip'd text file gives its own rule only" \
	test "$rc" = 0 -a "$(grep -c '^deny ' <<<"$out")" = 1 -a "$(grep -c '^# ' <<<"$out")" = 0

# Corrupt input: an error naming the file and what failed, exit 1, no rule.
head -c 2000 "$tmp/dummy.ko.xz" >"$tmp/short.ko.xz"
head -c 3000 "$tmp/dummy.ko.zst" >"$tmp/short.ko.zst"
cp "$tmp/dummy.ko.gz" "$tmp/bad.ko.gz"
printf '\377\377\377\377\377\377\377\377' | dd of="$tmp/bad.ko.gz" bs=1 seek=1500 conv=notrunc 2>/dev/null
for f in short.ko.xz short.ko.zst bad.ko.gz; do
	out=$("$EB" hash "$tmp/$f" 2>"$tmp/err"); rc=$?
	t "hash $f (corrupt): exit 1, no rule, the error names it: $(cat "$tmp/err")" \
		bash -c "[ $rc = 1 ] && [ -z '$out' ] && grep -q '$tmp/$f: .*cannot be decompressed' '$tmp/err'"
done
out=$("$EB" hash "$tmp/dummy.ko" "$tmp/short.ko.xz" "$tmp/dummy.ko.gz" 2>/dev/null); rc=$?
t "hash: the other files of the command line are still hashed (exit 1)" \
	bash -c "[ $rc = 1 ] && [ \$(grep -c '^deny ' <<<'$out') = 3 ]"

# Decompression bombs: a module's ELF header, then zeros.
(head -c 64 "$tmp/dummy.ko"; head -c 600M /dev/zero) | zstd -q -1 >"$tmp/bomb.ko.zst"
out=$("$EB" hash "$tmp/bomb.ko.zst" 2>"$tmp/err"); rc=$?
t "hash: a zstd bomb of 600 MiB is refused at the 512 MiB bound: $(cat "$tmp/err")" \
	bash -c "[ $rc = 1 ] && [ -z '$out' ] && grep -q '$tmp/bomb.ko.zst: .*more than 512 MiB.*decompression bomb' '$tmp/err'"
(head -c 64 "$tmp/dummy.ko"; head -c 3M /dev/zero) | xz -c >"$tmp/bomb.ko.xz"
out=$(EXECBAN_IMAGE_MAX=2M "$EB" hash "$tmp/bomb.ko.xz" 2>"$tmp/err"); rc=$?
t "hash: EXECBAN_IMAGE_MAX=2M refuses an image of 3 MiB: $(cat "$tmp/err")" \
	bash -c "[ $rc = 1 ] && [ -z '$out' ] && grep -q 'more than 2 MiB (EXECBAN_IMAGE_MAX)' '$tmp/err'"
out=$(EXECBAN_IMAGE_MAX=4M "$EB" hash "$tmp/bomb.ko.xz"); rc=$?
t "hash: EXECBAN_IMAGE_MAX=4M lets it through" \
	bash -c "[ $rc = 0 ] && grep -q '^deny sha256=.* size=$((3 * 1048576 + 64)) ' <<<'$out'"
EXECBAN_IMAGE_MAX=lots "$EB" hash "$tmp/dummy.ko.xz" >/dev/null 2>"$tmp/err"; rc=$?
t "hash: a malformed EXECBAN_IMAGE_MAX is an error" \
	bash -c "[ $rc = 1 ] && grep -q 'EXECBAN_IMAGE_MAX=lots' '$tmp/err'"

# scan: the image's rule and the signer's find every compressed copy, renamed too.
mkdir -p "$tmp/tree/lib/modules/x/net" "$tmp/tree/other"
cp "$tmp/dummy.ko.xz" "$tmp/dummy.ko.zst" "$tmp/dummy.ko.gz" "$tmp/tree/lib/modules/x/net/"
cp "$tmp/page.1.gz" "$tmp/short.ko.xz" "$tmp/tree/other/"
cp "$tmp/dummy.ko.xz" "$tmp/tree/other/renamed"
grep -m1 '^deny ' "$tmp/plain.hash" >"$tmp/img.policy"
out=$("$EB" scan --policy "$tmp/img.policy" "$tmp/tree" 2>"$tmp/err"); rc=$?
for z in xz:xz zst:zstd gz:gzip; do
	t "scan: the image's sha256 rule finds dummy.ko.${z%%:*} (image=${z#*:})" \
		grep -qx "BANNED $tmp/tree/lib/modules/x/net/dummy.ko.${z%%:*} sha256=$img_sum rule=dummy.ko image=${z#*:}" <<<"$out"
done
t "scan: exit 1, and the corrupt module is warned about: $(head -1 "$tmp/err")" \
	bash -c "[ $rc = 1 ] && grep -q 'short.ko.xz: .*cannot be decompressed' '$tmp/err'"
echo "deny ${signer#\# } label=build-key" >"$tmp/signer.policy"
out=$("$EB" scan --policy "$tmp/signer.policy" "$tmp/tree" 2>/dev/null); rc=$?
t "scan: the signer rule finds the 3 modules and the renamed copy (told by content)" \
	bash -c "[ $rc = 1 ] && [ \$(grep -c ' image=' <<<'$out') = 4 ] && grep -q '^BANNED $tmp/tree/other/renamed signer-issuer-serial=.* image=xz\$' <<<'$out'"
out=$("$EB" scan --json --policy "$tmp/img.policy" "$tmp/tree/lib/modules/x/net/dummy.ko.gz")
t "scan --json: the file's own digest, and the image's" python3 -c '
import json, sys
o = json.loads(sys.argv[1])
assert o["sha256"] == sys.argv[2] and o["match"] == "sha256=" + sys.argv[3]
assert o["image"] == {"format": "gzip", "sha256": sys.argv[3], "size": int(sys.argv[4])}
' "$out" "$(sha256sum <"$tmp/dummy.ko.gz" | cut -c1-64)" "$img_sum" "$img_size"
printf 'deny sha256=%064d size=%s label=other\n' 1 "$img_size" >"$tmp/other.policy"
"$EB" scan --policy "$tmp/other.policy" "$tmp/tree" >/dev/null 2>&1; rc=$?
t "scan: control: another digest of the image's size finds nothing (exit 0)" test "$rc" = 0

# import --package: a .deb shipping a compressed module.
pkg=$tmp/pkg
mkdir -p "$pkg/DEBIAN" "$pkg/lib/modules/6.12.0-test/kernel/drivers/net"
printf 'Package: dummy-module\nVersion: 1.0\nArchitecture: amd64\nMaintainer: execban tests <tests@execban.invalid>\nDescription: test\n' >"$pkg/DEBIAN/control"
cp "$tmp/dummy.ko.xz" "$pkg/lib/modules/6.12.0-test/kernel/drivers/net/"
dpkg-deb --build --root-owner-group "$pkg" "$tmp/mod.deb" >/dev/null 2>&1
out=$("$EB" import --package "$tmp/mod.deb" 2>"$tmp/err"); rc=$?
t "import --package: exit 0" test "$rc" = 0
t "import --package: a rule for the image inside the .ko.xz" \
	grep -q "^deny sha256=$img_sum size=$img_size label=dummy-module reason=\"package dummy-module 1.0: /lib/modules/6.12.0-test/kernel/drivers/net/dummy.ko.xz (the module image inside, xz)\"\$" <<<"$out"
t "import --package: and one for the file itself" \
	grep -q "^deny sha256=$(sha256sum <"$tmp/dummy.ko.xz" | cut -c1-64) size=$(stat -c %s "$tmp/dummy.ko.xz") label=dummy-module " <<<"$out"
echo "$out" >"$tmp/import.policy"
t "import --package: the rules load (execban check)" bash -c "'$EB' check '$tmp/import.policy' >/dev/null"
cp "$tmp/short.ko.xz" "$pkg/lib/modules/6.12.0-test/kernel/drivers/net/"
dpkg-deb --build --root-owner-group "$pkg" "$tmp/bad.deb" >/dev/null 2>&1
out=$("$EB" import --package "$tmp/bad.deb" 2>"$tmp/err"); rc=$?
t "import --package: a corrupt module: nothing printed, non-zero, named: $(head -1 "$tmp/err")" \
	bash -c "[ $rc != 0 ] && [ -z '$out' ] && grep -q 'short.ko.xz: xz-compressed, cannot be decompressed' '$tmp/err'"

echo "# compressed modules: $pass passed, $fail failed"
[ "$fail" = 0 ]
