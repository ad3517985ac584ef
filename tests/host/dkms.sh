#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: packaging. make install lays out the module's sources and dist/dkms.conf under
# usr/src/execban-VERSION; Debian's dkms builds execban.ko from there for a Debian kernel whose
# headers are installed (the 6.1 test kernel), with the module BTF that makes its kfuncs
# usable (checked by scripts/kmod-build.sh and here). Nothing is installed into the host's
# kernel: dkms runs with its own tree in a temporary folder.
set -u
cd "$(dirname "$0")/../.."
top=$PWD
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t() {
	local name=$1
	shift
	if "$@"; then echo "ok - dkms: $name"; pass=$((pass + 1)); else echo "not ok - dkms: $name"; fail=$((fail + 1)); fi
}
rel=$(scripts/kernels.sh version 6.1)
# Its own OUT: the shared build/ keeps the version it was built with.
make -s install DESTDIR="$tmp/root" VERSION=9.9 OUT="$tmp/build" >"$tmp/install.log" 2>&1
src=$tmp/root/usr/src/execban-9.9
t "the installed execban says the VERSION it was built with" \
	[ "$("$tmp/root/usr/sbin/execban" --version)" = "execban 9.9" ]
t "make install lays out the sources and dkms.conf" \
	[ -f "$src/dkms.conf" ] && [ -f "$src/kmod/kfuncs.c" ] && [ -x "$src/scripts/kmod-build.sh" ]
t "dkms.conf names the version" grep -q '^PACKAGE_VERSION="9.9"' "$src/dkms.conf"
# dkms's own state under $tmp; the module cache (vmlinux, kernel source) is the project's.
mkdir -p "$tmp/dkms"
export EXECBAN_CACHE=$top/.cache
sed -i 's|^MAKE\[0\]="EXECBAN_CACHE=[^ ]* |MAKE[0]="|' "$src/dkms.conf"
dkms add --dkmstree "$tmp/dkms" --sourcetree "$tmp/root/usr/src" -m execban -v 9.9 >"$tmp/add.log" 2>&1
t "dkms add accepts it" [ $? = 0 ]
dkms build --dkmstree "$tmp/dkms" --sourcetree "$tmp/root/usr/src" -m execban -v 9.9 -k "$rel" \
	>"$tmp/build.log" 2>&1
rc=$?
t "dkms build makes execban.ko for $rel" [ $rc = 0 ]
[ $rc = 0 ] || tail -20 "$tmp/build.log" "$tmp"/dkms/execban/9.9/build/make.log 2>/dev/null
ko=$(find "$tmp/dkms/execban/9.9/$rel" -name 'execban.ko*' | awk 'NR == 1')
t "the built module has the kfuncs in its BTF" bash -c "[ -n '$ko' ] &&
	grep -q \"FUNC 'execban_file_sha256'\" <<<\"\$(bpftool btf dump file '$ko' --base-btf '$(scripts/vmlinux.sh 6.1)')\""
t "its vermagic is $rel's" bash -c "grep -q '^$rel ' <<<\"\$(modinfo -F vermagic '$ko')\""
echo "# dkms: $pass passed, $fail failed"
[ "$fail" = 0 ]
