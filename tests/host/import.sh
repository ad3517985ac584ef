#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: execban import turns a .deb, a folder, an AppImage and sha256sum output into
# rules that execban check accepts, with the right digests, sizes and labels; bad input is
# refused with FILE:LINE and nothing on stdout; the temporary extraction folder is removed.
set -u
cd "$(dirname "$0")/../.."
EB=$PWD/build/execban
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - import: $1"; pass=$((pass + 1)); else echo "not ok - import: $1"; fail=$((fail + 1)); fi; }
skip() { echo "ok - import: $1 # SKIP $2"; pass=$((pass + 1)); }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/tmpdir"
export TMPDIR=$tmp/tmpdir	# where import extracts: must be empty again afterwards

# A package: an executable, a shared library, a script, a text file and a symlink.
pkg=$tmp/pkg
mkdir -p "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/lib/frob" "$pkg/usr/share/doc/frob"
cat >"$pkg/DEBIAN/control" <<'EOF'
Package: frob-tools
Version: 1:2.0-3
Architecture: amd64
Maintainer: execban tests <tests@execban.invalid>
Description: execban import test package
EOF
# Copies with a tail of their own: import refuses rules for the system's own files (execban(8),
# PROTECTED FILES; tests/host/sysguard.sh), and /bin/true and libz are among them.
uniq() { cp "$1" "$2"; printf '\nexecban-import-test:%s\n' "$3" >>"$2"; }
lib=$(ls /lib/x86_64-linux-gnu/libz.so.* | awk 'NR == 1')
uniq /bin/true "$pkg/usr/bin/frob" frob
uniq "$lib" "$pkg/usr/lib/frob/libz.so.1" libz
printf '#!/bin/sh\necho frob\n' >"$pkg/usr/bin/frob-helper"
chmod 755 "$pkg/usr/bin/frob-helper"
echo "just text" >"$pkg/usr/share/doc/frob/README"
ln -s frob "$pkg/usr/bin/frob-link"
dpkg-deb --build --root-owner-group "$pkg" "$tmp/frob.deb" >/dev/null 2>&1
t "test .deb built" test -s "$tmp/frob.deb"

# "sha256=<hex> size=<n>" for a file, as the rules must say it
ident() { echo "sha256=$(sha256sum <"$1" | cut -d' ' -f1) size=$(stat -L -c %s "$1")"; }

"$EB" import --package "$tmp/frob.deb" >"$tmp/deb.policy" 2>"$tmp/deb.err"
t "--package .deb exits 0" test $? = 0
t "--package .deb: exactly 3 rules (ELF, library, script)" \
	test "$(grep -c '^deny ' "$tmp/deb.policy")" = 3
for f in usr/bin/frob usr/lib/frob/libz.so.1 usr/bin/frob-helper; do
	t "--package .deb: /$f with its sha256 and size" \
		grep -q "^deny $(ident "$pkg/$f") label=frob-tools reason=\"package frob-tools 1:2.0-3: /$f\"$" \
		"$tmp/deb.policy"
done
t "--package .deb: no rule for the text file or the symlink" \
	bash -c "! grep -q -e README -e frob-link '$tmp/deb.policy'"
t "--package .deb: header comment counts the files" \
	grep -qx "# execban import of $tmp/frob.deb: 3 files" "$tmp/deb.policy"
t "--package .deb: rules sorted by path" bash -c \
	"grep -o 'frob-tools 1:2.0-3: [^\"]*' '$tmp/deb.policy' | cut -d' ' -f4 | sort -c"
t "--package .deb output passes execban check" "$EB" check "$tmp/deb.policy"
t "--package .deb: extraction folder removed" test -z "$(ls -A "$tmp/tmpdir")"

"$EB" import --package "$pkg/usr" --label-prefix ban- --action audit >"$tmp/dir.policy"
t "--package DIR exits 0" test $? = 0
t "--package DIR: 3 audit rules labelled with the folder's name and the prefix" \
	test "$(grep -c '^audit .* label=ban-usr reason="package usr: /' "$tmp/dir.policy")" = 3
t "--package DIR: the library's rule" \
	grep -q "^audit $(ident "$pkg/usr/lib/frob/libz.so.1") label=ban-usr reason=\"package usr: /lib/frob/libz.so.1\"" \
	"$tmp/dir.policy"
t "--package DIR output passes execban check" "$EB" check "$tmp/dir.policy"

cp "$pkg/usr/bin/frob" "$pkg/usr/bin/frob-copy"
"$EB" import --package "$pkg" >"$tmp/dup.policy"
t "--package: a digest found twice gives one rule" \
	test "$(grep -c "^deny $(ident "$pkg/usr/bin/frob") " "$tmp/dup.policy")" = 1
rm "$pkg/usr/bin/frob-copy"

# AppImage (type 2): the ELF runtime, then a squashfs at the end of its section headers.
if command -v mksquashfs >/dev/null && command -v unsquashfs >/dev/null; then
	mksquashfs "$pkg/usr" "$tmp/sq.img" -quiet -noappend -all-root >/dev/null
	python3 -c 'import sys
d = bytearray(open("/bin/true", "rb").read()); d[8:11] = b"AI\x02"
open(sys.argv[2], "wb").write(bytes(d) + open(sys.argv[1], "rb").read())' "$tmp/sq.img" "$tmp/Frob-2.AppImage"
	"$EB" import --package "$tmp/Frob-2.AppImage" >"$tmp/ai.policy"
	t "--package AppImage: 3 files inside and the AppImage itself" \
		test "$(grep -c '^deny .* label=Frob-2 ' "$tmp/ai.policy")" = 4
	t "--package AppImage: the AppImage's own rule" \
		grep -q "^deny $(ident "$tmp/Frob-2.AppImage") label=Frob-2 " "$tmp/ai.policy"
	t "--package AppImage output passes execban check" "$EB" check "$tmp/ai.policy"
	t "--package AppImage: extraction folder removed" test -z "$(ls -A "$tmp/tmpdir")"
else
	skip "--package AppImage" "squashfs-tools not installed"
fi
if ! command -v rpm2cpio >/dev/null; then
	printf '\xed\xab\xee\xdb' >"$tmp/x.rpm"
	out=$("$EB" import --package "$tmp/x.rpm" 2>&1 >/dev/null)
	rc=$?
	t "--package .rpm without rpm2cpio: exit 3" test $rc = 3
	t "--package .rpm without rpm2cpio: the error names the package to install" \
		grep -q "apt-get install rpm2cpio" <<<"$out"
fi
echo "plain text" >"$tmp/notapkg"
"$EB" import --package "$tmp/notapkg" >"$tmp/out" 2>/dev/null
t "--package of an unknown format: exit 1, nothing on stdout" \
	bash -c "[ $? = 1 ] && [ ! -s '$tmp/out' ]"

# sha256sum round trip: text, binary (*) and --tag forms, a file that is gone, a duplicate.
uniq /bin/true "$tmp/t1" t1
uniq /bin/ls "$tmp/t 2" t2
uniq /bin/cat "$tmp/gone" gone
gone_sum=$(sha256sum <"$tmp/gone" | cut -d' ' -f1)
(cd "$tmp" && sha256sum t1 >sums && sha256sum -b "t 2" >>sums && sha256sum --tag gone >>sums &&
	sha256sum t1 >>sums)
rm "$tmp/gone"
(cd "$tmp" && "$EB" import --sha256sum sums >sums.policy 2>sums.err)
t "--sha256sum exits 0" test $? = 0
t "--sha256sum: one rule per distinct digest" test "$(grep -c '^deny ' "$tmp/sums.policy")" = 3
t "--sha256sum: sizes of the files present, label from the name" bash -c \
	"grep -q '^deny $(ident "$tmp/t1") label=t1 reason=\"imported from sums\"$' '$tmp/sums.policy' &&
	 grep -q '^deny $(ident "$tmp/t 2") label=t_2 ' '$tmp/sums.policy'"
t "--sha256sum: no size for the file that is gone, and a warning counting it" bash -c \
	"grep -q '^deny sha256=$gone_sum label=gone ' '$tmp/sums.policy' &&
	 grep -q '1 of 3 rules have no size=' '$tmp/sums.err'"
t "--sha256sum output passes execban check" "$EB" check "$tmp/sums.policy"
(cd "$tmp" && uniq /bin/cat gone gone && "$EB" import --sha256sum - <sums >stdin.policy 2>stdin.err)
t "--sha256sum - reads stdin; every rule sized when every file is there" bash -c \
	"[ \$(grep -c ' size=' '$tmp/stdin.policy') = 3 ] && [ ! -s '$tmp/stdin.err' ]"
"$EB" import --sha256sum "$tmp/deb.policy" >/dev/null 2>&1
t "--sha256sum of a policy (not sha256sum output) is refused" test $? = 1

printf '%s  ok\nnot a checksum line\n%s  md5\n' "$(sha256sum </bin/true | cut -d' ' -f1)" \
	d41d8cd98f00b204e9800998ecf8427e >"$tmp/bad.sums"
"$EB" import --sha256sum "$tmp/bad.sums" >"$tmp/bad.out" 2>"$tmp/bad.err"
rc=$?
t "bad sha256sum line: exit 1" test $rc = 1
t "bad sha256sum line: nothing on stdout" test ! -s "$tmp/bad.out"
t "bad sha256sum line: reported as FILE:LINE" grep -q "^$tmp/bad.sums:2: " "$tmp/bad.err"
t "bad sha256sum line: an MD5 line is named as such" grep -q "^$tmp/bad.sums:3: .*MD5" "$tmp/bad.err"
"$EB" import --package >/dev/null 2>&1
t "usage error: exit 2" test $? = 2

echo "# import: $pass passed, $fail failed"
[ $fail = 0 ]
