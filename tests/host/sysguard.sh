#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test (issue 19): check, load and import refuse a ban list that names a file the system
# needs to boot and to be repaired, naming the rule's file:line and the system file; --force
# passes with a warning. The system is a fake root (EXECBAN_SYSROOT): a dpkg database whose
# Essential and required packages, and what they depend on, are protected, an init reached
# through an absolute symlink with its libraries and loader, a shell; then this host's own
# files, as in the issue (a .deb bundling /bin/true and libz). Protected digests are cached:
# a second run hashes nothing, a changed file is hashed again, a corrupt cache is rebuilt.
set -u
cd "$(dirname "$0")/../.." || exit 1
EB=${EB:-$PWD/build/execban}
pass=0 fail=0
t() { if "${@:2}"; then echo "ok - sysguard: $1"; pass=$((pass + 1)); else echo "not ok - sysguard: $1"; fail=$((fail + 1)); fi; }
skip() { echo "ok - sysguard: $1 # SKIP $2"; pass=$((pass + 1)); }
has() { grep -qF -- "$2" "$1" || { echo "#   no '$2' in $1:"; sed 's/^/#   /' "$1"; return 1; }; }
hasnt() { ! grep -qF -- "$2" "$1" || { echo "#   '$2' in $1"; return 1; }; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
R=$tmp/root
export EXECBAN_SYSROOT=$R EXECBAN_SYSGUARD_CACHE=$tmp/cache/sysguard.cache
# A copy with a tail of its own: runs the same, hashes differently from the host's file.
uniq() { mkdir -p "$(dirname "$2")"; cp "$1" "$2"; printf '\nexecban-sysguard-test:%s\n' "$3" >>"$2"; chmod 755 "$2"; }
so() { ls /lib/x86_64-linux-gnu/"$1"* | awk 'NR == 1'; }

# ---- the fake root ----
mkdir -p "$R/sbin" "$R/bin" "$R/etc/ld.so.conf.d" "$R/var/lib/dpkg/info" "$R/usr/share/fakecore"
uniq /bin/ls "$R/lib/systemd/systemd" init		# needs libselinux.so.1 and libc.so.6
ln -s /lib/systemd/systemd "$R/sbin/init"		# absolute: resolved inside the root
uniq "$(so libselinux.so.1)" "$R/usr/lib/x86_64-linux-gnu/libselinux.so.1" selinux
uniq "$(so libc.so.6)" "$R/usr/lib/x86_64-linux-gnu/libc.so.6" libc
uniq /lib64/ld-linux-x86-64.so.2 "$R/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" ld
mkdir -p "$R/lib64" && ln -s /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$R/lib64/"
printf 'include /etc/ld.so.conf.d/*.conf\n' >"$R/etc/ld.so.conf"
printf '# multiarch\n/usr/lib/x86_64-linux-gnu\n' >"$R/etc/ld.so.conf.d/x86_64-linux-gnu.conf"
uniq /bin/dash "$R/bin/dash" dash
ln -s dash "$R/bin/sh"
# packages
uniq /bin/true "$R/usr/bin/true" true
printf '#!/bin/sh\necho helper\n' >"$R/usr/bin/helper" && chmod 755 "$R/usr/bin/helper"
{ printf '#!/bin/sh\n'; cat tests/unit/fixtures/openssl-skid.signed; } >"$R/usr/bin/signed"
echo "just text" >"$R/usr/share/fakecore/README"
uniq /bin/true "$R/usr/share/doc/fakecore/examples/demo" demo	# an ELF in a data tree
uniq "$(so libz.so.1)" "$R/usr/lib/x86_64-linux-gnu/libfake.so.1" libfake
uniq /bin/true "$R/usr/bin/prov" prov
uniq /bin/true "$R/usr/bin/req" req
uniq /bin/true "$R/usr/bin/opt" opt
uniq /bin/true "$R/usr/bin/gone" gone
cat >"$R/var/lib/dpkg/status" <<'EOF'
Package: fakecore
Essential: yes
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 1.0
Depends: fakelib (>= 1.0) | nothere, virt-thing:any,
 libc6
Description: the essential one
 with a long description

Package: fakelib
Status: install ok installed
Priority: optional
Multi-Arch: same
Architecture: amd64
Version: 1.0

Package: provider
Status: install ok installed
Priority: optional
Architecture: amd64
Provides: virt-thing (= 1)
Version: 1.0

Package: reqpkg
Status: install ok installed
Priority: required
Architecture: amd64
Version: 1.0

Package: optpkg
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 1.0

Package: gonepkg
Essential: yes
Status: deinstall ok config-files
Priority: required
Architecture: amd64
Version: 1.0
EOF
printf '/.\n/usr\n/usr/bin\n/usr/bin/true\n/usr/bin/helper\n/usr/bin/signed\n/usr/share\n/usr/share/fakecore\n/usr/share/fakecore/README\n/usr/share/doc/fakecore/examples/demo\n' \
	>"$R/var/lib/dpkg/info/fakecore.list"
printf '/.\n/usr/lib/x86_64-linux-gnu/libfake.so.1\n' >"$R/var/lib/dpkg/info/fakelib:amd64.list"
printf '/usr/bin/prov\n' >"$R/var/lib/dpkg/info/provider.list"
printf '/usr/bin/req\n' >"$R/var/lib/dpkg/info/reqpkg.list"
printf '/usr/bin/opt\n' >"$R/var/lib/dpkg/info/optpkg.list"
printf '/usr/bin/gone\n' >"$R/var/lib/dpkg/info/gonepkg.list"

# rule FILE: the rule execban hash prints for a copy of FILE elsewhere (same bytes)
rule() { cp "$1" "$tmp/copy"; "$EB" hash "$tmp/copy" | awk 'NR == 1'; }
P=$tmp/ban.policy

# ---- check: each kind of protected file, named with the rule's line ----
expect_refused() { # NAME FILE WHY
	{ echo 'name "t"'; rule "$R$2"; } >"$P"
	"$EB" check "$P" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	t "check refuses a rule banning $1 (exit 1, $P:2 and the file named)" \
		bash -c "[ $rc = 1 ] && grep -qF '$P:2: error: this rule bans $R$2, $3, which the system needs to boot and to be repaired; --force to ban it anyway' '$tmp/err' || { sed 's/^/#   /' '$tmp/err'; exit 1; }"
}
expect_refused "a file of an Essential package" /usr/bin/true "package fakecore (Essential)"
expect_refused "a script of an Essential package" /usr/bin/helper "package fakecore (Essential)"
expect_refused "a file of a package an Essential one depends on (Multi-Arch list name)" \
	/usr/lib/x86_64-linux-gnu/libfake.so.1 "package fakelib (needed by fakecore)"
expect_refused "a file of the installed provider of a virtual package depended on" \
	/usr/bin/prov "package provider (provides virt-thing, needed by fakecore)"
expect_refused "a file of a Priority: required package" /usr/bin/req "package reqpkg (Priority: required)"
expect_refused "init, through an absolute symlink resolved inside the root" \
	/lib/systemd/systemd "the init system (/sbin/init)"
expect_refused "a library init needs (DT_NEEDED through ld.so.conf's include)" \
	/usr/lib/x86_64-linux-gnu/libselinux.so.1 "a library of the init system (/sbin/init)"
expect_refused "libc" /usr/lib/x86_64-linux-gnu/libc.so.6 "a library of the init system (/sbin/init)"
expect_refused "the dynamic loader (PT_INTERP)" /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
	"the dynamic loader of the init system (/sbin/init)"
expect_refused "the shell /bin/sh points to" /bin/dash "the shell (/bin/sh)"

{ rule "$EB"; } >"$P"
"$EB" check "$P" >/dev/null 2>"$tmp/err"
t "check refuses a rule banning the running execban itself" \
	bash -c "[ $? = 1 ] && grep -qF 'execban itself (running)' '$tmp/err'"

for f in "/usr/bin/opt:an optional package nothing needs" \
	 "/usr/bin/gone:an Essential package whose files are gone (config-files)" \
	 "/usr/share/fakecore/README:an Essential package, but neither ELF nor #!" \
	 "/usr/share/doc/fakecore/examples/demo:an Essential package, but in /usr/share/doc"; do
	{ rule "$R${f%%:*}"; } >"$P"
	t "not protected: ${f%%:*}, of ${f#*:}" bash -c "'$EB' check '$P' >/dev/null 2>&1"
done

# several rules: each is named; every rule of the list checked at once
{ echo "# a list"; rule "$R/usr/bin/opt"; rule "$R/usr/bin/true"; rule "$R/bin/dash"; } >"$P"
"$EB" check "$P" >"$tmp/out" 2>"$tmp/err"
t "a list with two protected files: exit 1, both named at their lines" bash -c \
	"[ $? = 1 ] && [ \"\$(grep -c ': error: this rule bans ' '$tmp/err')\" = 2 ] &&
	 grep -q '^$P:3: error: this rule bans $R/usr/bin/true' '$tmp/err' &&
	 grep -q '^$P:4: error: this rule bans $R/bin/dash' '$tmp/err'"
t "... and nothing on stdout" test ! -s "$tmp/out"
"$EB" check --force "$P" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "--force: exit 0" test $rc = 0
t "--force: a warning names each (on stderr)" bash -c \
	"[ \"\$(grep -c '^$P:[34]: warning: this rule bans .*: banned anyway (--force)$' '$tmp/err')\" = 2 ]"
t "--force: ok (with warnings)" has "$tmp/out" "$P: ok: 3 rules (with warnings)"
"$EB" check --json "$P" >"$tmp/json" 2>"$tmp/err"
t "check --json: ok false, the refusals in diagnostics, nothing on stderr" python3 - "$tmp/json" "$tmp/err" "$P" "$R" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["ok"] and d["errors"] == 2, d
assert "%s:3: error: this rule bans %s/usr/bin/true, package fakecore (Essential)" % (sys.argv[3], sys.argv[4]) in d["diagnostics"][0], d
assert open(sys.argv[2]).read() == ""
PY

# a sha256 rule whose size is not the file's: the kernel never hashes a file of another size
{ rule "$R/usr/bin/true" | sed 's/size=[0-9]*/size=7/'; } >"$P"
"$EB" check "$P" >/dev/null 2>&1
t "a rule with the digest but another size= does not ban it (size filter): accepted" test $? = 0
{ rule "$R/usr/bin/true" | sed 's/ size=[0-9]*//'; } >"$P"
"$EB" check "$P" >/dev/null 2>"$tmp/err"
t "without size=, the digest alone bans it: refused" bash -c "[ $? = 1 ] && grep -q 'bans $R/usr/bin/true' '$tmp/err'"
{ rule "$R/usr/bin/true" | sed 's/^deny/audit/'; } >"$P"
"$EB" check "$P" >/dev/null 2>"$tmp/err"
t "an audit rule counts too (mode enforce must not make a passed list unsafe)" test $? = 1

# signer rules: the signer of a protected file
echo 'deny signer-skid=bbb12b014a510678994ab1e497ba1bd20587288f label=vendor' >"$P"
"$EB" check "$P" >/dev/null 2>"$tmp/err"
t "a signer rule naming the signer of a protected file is refused, naming both" bash -c \
	"[ $? = 1 ] && grep -qF \"$P:1: error: this rule's signer-skid=bbb12b014a510678994ab1e497ba1bd20587288f signs $R/usr/bin/signed, package fakecore (Essential)\" '$tmp/err'"
echo 'deny signer-skid=0102030405 label=other' >"$P"
t "a signer rule naming another signer passes" bash -c "'$EB' check '$P' >/dev/null 2>&1"
# a protected file whose signature cannot be read: refused by the kernel while signer rules are in force
python3 - tests/unit/fixtures/openssl-skid.signed "$R/usr/bin/badsig" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
sig_len = struct.unpack(">I", d[-32:-28])[0]
d[len(d) - 40 - sig_len] ^= 0xff		# the PKCS#7's first byte: no longer a SEQUENCE
open(sys.argv[2], "wb").write(b"#!/bin/sh\n" + bytes(d))
PY
echo /usr/bin/badsig >>"$R/var/lib/dpkg/info/fakecore.list"
touch "$R/var/lib/dpkg/status"		# as dpkg does whenever it changes a package
{ rule "$R/usr/bin/opt"; echo 'deny signer-skid=0102030405 label=other'; } >"$P"
"$EB" check "$P" >/dev/null 2>"$tmp/err"
t "with signer rules, a protected file whose signature cannot be read is refused at the signer rule" \
	bash -c "[ $? = 1 ] && grep -q '^$P:2: error: with signer rules in force the kernel refuses $R/usr/bin/badsig, package fakecore (Essential), .*: its signature cannot be read' '$tmp/err' || { sed 's/^/#   /' '$tmp/err'; exit 1; }"
{ rule "$R/usr/bin/opt"; } >"$P"
t "... and without signer rules it is not" bash -c "'$EB' check '$P' >/dev/null 2>&1"
sed -i '/badsig/d' "$R/var/lib/dpkg/info/fakecore.list"
touch "$R/var/lib/dpkg/status"

# ---- load: refused before anything changes ----
{ rule "$R/usr/bin/true"; } >"$P"
"$EB" load "$P" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "load refuses it: exit 1, the rule's file:line and the system file, nothing loaded" bash -c \
	"[ $rc = 1 ] && grep -q '^$P:1: error: this rule bans $R/usr/bin/true' '$tmp/err' &&
	 grep -q 'nothing loaded: the policy in force is unchanged' '$tmp/err' &&
	 ! grep -qi 'bpf\|lsm' '$tmp/err'"

# ---- import: no rules for protected files ----
mkdir -p "$tmp/pkg/usr/bin" "$tmp/pkg/usr/lib"
cp "$R/usr/bin/true" "$tmp/pkg/usr/bin/frob"
cp "$R/usr/lib/x86_64-linux-gnu/libfake.so.1" "$tmp/pkg/usr/lib/libz.so.1"
cp "$R/usr/bin/opt" "$tmp/pkg/usr/bin/fine"
"$EB" import --package "$tmp/pkg" >"$tmp/out" 2>"$tmp/err"
rc=$?
t "import --package refuses: exit 1, nothing on stdout" bash -c "[ $rc = 1 ] && [ ! -s '$tmp/out' ]"
t "import --package names each file and the system file it copies" bash -c \
	"grep -qF '$tmp/pkg: error: /usr/bin/frob has the bytes of $R/usr/bin/true, package fakecore (Essential)' '$tmp/err' &&
	 grep -qF '$tmp/pkg: error: /usr/lib/libz.so.1 has the bytes of $R/usr/lib/x86_64-linux-gnu/libfake.so.1, package fakelib (needed by fakecore)' '$tmp/err' &&
	 ! grep -q '/usr/bin/fine' '$tmp/err'"
"$EB" import --package "$tmp/pkg" --force >"$tmp/out" 2>"$tmp/err"
rc=$?
t "import --force: exit 0, all 3 rules printed" bash -c "[ $rc = 0 ] && [ \"\$(grep -c '^deny ' '$tmp/out')\" = 3 ]"
t "import --force: a warning names each" bash -c \
	"[ \"\$(grep -c '^$tmp/pkg: warning: .* has the bytes of .*: its rule is printed anyway (--force)$' '$tmp/err')\" = 2 ]"
(cd "$tmp/pkg" && sha256sum usr/bin/fine usr/bin/frob >"$tmp/sums")
"$EB" import --sha256sum "$tmp/sums" >"$tmp/out" 2>"$tmp/err"
t "import --sha256sum names the line: sums:2" bash -c \
	"[ $? = 1 ] && [ ! -s '$tmp/out' ] && grep -qF '$tmp/sums:2: error: usr/bin/frob has the bytes of $R/usr/bin/true' '$tmp/err'"

# ---- the digest cache ----
rm -rf "$tmp/cache"
{ rule "$R/usr/bin/opt"; rule "$R/usr/bin/true" | sed 's/ size=[0-9]*//'; } >"$P"	# no size: hash all
timing() { EXECBAN_TIMING=1 "$EB" check "$P" 2>&1 >/dev/null | grep 'timing: sysguard'; }
hashed() { sed -n 's/.* \([0-9]*\) hashed,.*/\1/p' <<<"$1"; }
first=$(timing)
echo "# cold: $first"
t "cold: every protected file hashed, the cache written" bash -c \
	"[ \"$(hashed "$first")\" -ge 10 ] && grep -q 'cache new, written' <<<'$first'"
t "the cache folder is created 0700, the cache 0600" bash -c \
	"[ \"\$(stat -c %a '$tmp/cache')\" = 700 ] && [ \"\$(stat -c %a '$tmp/cache/sysguard.cache')\" = 600 ]"
second=$(timing)
echo "# warm: $second"
t "warm: nothing hashed, every digest from the cache, the cache not rewritten" bash -c \
	"[ \"$(hashed "$second")\" = 0 ] && grep -q 'cache used (ms' <<<'$second'"
t "warm: the same verdict" bash -c "! '$EB' check '$P' >/dev/null 2>&1"
printf '\n# changed\n' >>"$R/usr/bin/helper"
third=$(timing)
t "a changed protected file is hashed again, alone" bash -c \
	"[ \"$(hashed "$third")\" = 1 ] && grep -q 'cache used, written' <<<'$third'"
python3 - "$tmp/cache/sysguard.cache" <<'PY'
import sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read()); d[len(d) // 2] ^= 1; open(p, "wb").write(d)
PY
fourth=$(timing)
t "a corrupt cache is ignored and written again" bash -c \
	"[ \"$(hashed "$fourth")\" -ge 10 ] && grep -q 'cache corrupt: ignored, written' <<<'$fourth'"
"$EB" check "$P" >/dev/null 2>"$tmp/err"
t "... with the same verdict" grep -q "bans $R/usr/bin/true" "$tmp/err"
t "... and it is used again next time" bash -c "grep -q 'cache used (ms' <<<\"\$(EXECBAN_TIMING=1 '$EB' check '$P' 2>&1)\""
chmod 666 "$tmp/cache/sysguard.cache"
fifth=$(timing)
t "a cache others can write is not trusted" bash -c \
	"[ \"$(hashed "$fifth")\" -ge 10 ] && grep -q 'cache not private: ignored' <<<'$fifth'"
truncate -s 100 "$tmp/cache/sysguard.cache"; chmod 600 "$tmp/cache/sysguard.cache"
t "a truncated cache is ignored" bash -c "grep -q 'cache corrupt' <<<\"\$(EXECBAN_TIMING=1 '$EB' check '$P' 2>&1)\""

# While the dpkg status is unchanged, package files are taken from the cache: a list whose
# sizes none of them has looks at none of them; one whose size a rule bans is checked again.
echo "deny sha256=$(python3 -c 'import os; print(os.urandom(32).hex())') size=7" >"$P"
EXECBAN_TIMING=1 "$EB" check "$P" >/dev/null 2>&1	# the cache, for this dpkg status
out=$(EXECBAN_TIMING=1 "$EB" check "$P" 2>&1 >/dev/null | grep 'timing: sysguard')
echo "# a sized list, warm: $out"
t "a sized list, warm: no package file looked at (the dpkg status is unchanged)" bash -c \
	"grep -q 'from the dpkg status unchanged, programs too; 0 looked at again, 0 opened, 0 hashed' <<<\"\$1\"" - "$out"
uniq /bin/true "$tmp/same-size" Req	# the size of req, other bytes
uniq /bin/true "$tmp/other-size" other-size
P2=$tmp/other-size.policy
rule "$tmp/same-size" >"$P"
rule "$tmp/other-size" >"$P2"
t "a list banning bytes no protected file has passes" bash -c "'$EB' check '$P' >/dev/null 2>&1"
cp "$R/usr/bin/req" "$tmp/req.orig"
cp "$tmp/same-size" "$R/usr/bin/req"	# by hand: the dpkg status does not change
"$EB" check "$P" >/dev/null 2>"$tmp/err"
t "a package file changed by hand, to bytes of its own size that a rule bans: refused" bash -c \
	"[ $? = 1 ] && grep -q 'bans $R/usr/bin/req, package reqpkg' '$tmp/err'"
cp "$tmp/req.orig" "$R/usr/bin/req"
"$EB" check "$P" >/dev/null 2>&1
cp "$tmp/other-size" "$R/usr/bin/req"
"$EB" check "$P2" >/dev/null 2>&1
t "changed by hand to a size it did not have: not seen until dpkg runs (documented limit)" test $? = 0
EXECBAN_SYSGUARD_CACHE=off "$EB" check "$P2" >/dev/null 2>"$tmp/err"
t "... seen with the cache off" bash -c "[ $? = 1 ] && grep -q 'bans $R/usr/bin/req' '$tmp/err'"
touch "$R/var/lib/dpkg/status"
"$EB" check "$P2" >/dev/null 2>"$tmp/err"
t "... and once the dpkg status changes" bash -c "[ $? = 1 ] && grep -q 'bans $R/usr/bin/req' '$tmp/err'"
cp "$tmp/req.orig" "$R/usr/bin/req"

# The programs and libraries found are reused while nothing they rest on changed: /bin/sh
# pointed elsewhere is seen at once.
uniq /bin/dash "$R/bin/mksh" mksh
{ rule "$R/bin/mksh"; } >"$P"
t "another shell, not the one /bin/sh names: not protected" bash -c "'$EB' check '$P' >/dev/null 2>&1"
ln -sfn mksh "$R/bin/sh"
"$EB" check "$P" >/dev/null 2>"$tmp/err"
t "once /bin/sh names it, it is (the programs found before are not reused)" bash -c \
	"[ $? = 1 ] && grep -q 'bans $R/bin/mksh, the shell (/bin/sh)' '$tmp/err'"
ln -sfn dash "$R/bin/sh"

# Libraries through /etc/ld.so.cache (ldconfig -r): found there before the default folders.
if command -v ldconfig >/dev/null || [ -x /sbin/ldconfig ]; then
	mkdir -p "$R/opt/lib"
	mv "$R/usr/lib/x86_64-linux-gnu/libselinux.so.1" "$R/opt/lib/"
	echo /opt/lib >"$R/etc/ld.so.conf.d/opt.conf"
	PATH=$PATH:/sbin ldconfig -r "$R" 2>/dev/null
	rm "$R/etc/ld.so.conf.d/opt.conf"	# now only ld.so.cache knows /opt/lib
	{ rule "$R/opt/lib/libselinux.so.1"; } >"$P"
	"$EB" check "$P" >/dev/null 2>"$tmp/err"
	t "a library init needs, found through ld.so.cache only, is protected" bash -c \
		"[ $? = 1 ] && grep -q 'bans $R/opt/lib/libselinux.so.1, a library of the init system' '$tmp/err' ||
		 { sed 's/^/#   /' '$tmp/err'; exit 1; }"
else
	skip "ld.so.cache" "no ldconfig"
fi

# ---- this host, as in the issue: a .deb bundling /bin/true and libz.so.1 ----
unset EXECBAN_SYSROOT
if [ -s /var/lib/dpkg/status ] && command -v dpkg-deb >/dev/null &&
   grep -q '^Package: coreutils$' /var/lib/dpkg/status; then
	deb=$tmp/deb
	mkdir -p "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/lib/frob"
	printf 'Package: frob\nVersion: 1\nArchitecture: amd64\nMaintainer: t <t@execban.invalid>\nDescription: t\n' \
		>"$deb/DEBIAN/control"
	cp /bin/true "$deb/usr/bin/frob"
	cp "$(so libz.so.1)" "$deb/usr/lib/frob/libz.so.1"
	dpkg-deb --build --root-owner-group "$deb" "$tmp/frob.deb" >/dev/null 2>&1
	"$EB" import --package "$tmp/frob.deb" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	t "this host: import of a .deb bundling /bin/true and libz.so.1 is refused, naming both" bash -c \
		"[ $rc = 1 ] && [ ! -s '$tmp/out' ] &&
		 grep -q '^$tmp/frob.deb: error: /usr/bin/frob has the bytes of /.*bin/true, package coreutils (Essential)' '$tmp/err' &&
		 grep -q '^$tmp/frob.deb: error: /usr/lib/frob/libz.so.1 has the bytes of /.*libz.so' '$tmp/err' ||
		 { sed 's/^/#   /' '$tmp/err'; exit 1; }"
	"$EB" hash /bin/true /bin/sh >"$P"
	"$EB" check "$P" >/dev/null 2>"$tmp/err"
	t "this host: check refuses /bin/true and /bin/sh" bash -c \
		"[ $? = 1 ] && [ \"\$(grep -c ': error: this rule bans ' '$tmp/err')\" = 2 ]"
else
	skip "this host's own files" "no dpkg database with coreutils here"
fi

echo "# sysguard: $pass passed, $fail failed"
[ $fail = 0 ]
