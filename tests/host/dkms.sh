#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host test: packaging (issue 18). make install lays out the module's sources and
# dist/dkms.conf under usr/src/execban-VERSION, as execban-dkms installs them, with the
# source of resolve_btfids for 6.1 (kernel-tools/6.1: Debian's 6.1 headers lack the tool).
# Debian's dkms builds execban.ko from there, with the dkms.conf as shipped, for both Debian 12
# kernels (6.1 and 6.12) whose headers are installed, inside a network namespace with no
# network at all (unshare -n): from installed packages and the shipped sources only. Each
# module has the BTF that makes its kfuncs usable (checked by scripts/kmod-build.sh and here).
# Nothing is installed into the host's kernel: dkms runs with its own tree in a temporary
# folder, and each kernel's vmlinuz is taken from the test kernels' cache through
# EXECBAN_BOOT_DIR (a workstation has it in /boot).
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
export EXECBAN_CACHE=${EXECBAN_CACHE:-$top/.cache}
if ! unshare -n true 2>/dev/null; then
	echo "ok - dkms: # SKIP no network namespaces here (unshare -n)"
	exit 0
fi
# Its own OUT: the shared build/ keeps the version it was built with.
make -s install DESTDIR="$tmp/root" VERSION=9.9 OUT="$tmp/build" >"$tmp/install.log" 2>&1
src=$tmp/root/usr/src/execban-9.9
t "the installed execban says the VERSION it was built with" \
	[ "$("$tmp/root/usr/sbin/execban" --version)" = "execban 9.9" ]
t "make install lays out the sources and dkms.conf" \
	[ -f "$src/dkms.conf" ] && [ -f "$src/kmod/kfuncs.c" ] && [ -x "$src/scripts/kmod-build.sh" ]
t "dkms.conf names the version" grep -q '^PACKAGE_VERSION="9.9"' "$src/dkms.conf"
t "the sources carry resolve_btfids' source for 6.1, and whose it is" \
	bash -c "[ -f '$src/kernel-tools/6.1/tools/bpf/resolve_btfids/main.c' ] &&
		grep -q '^linux-source-6.1 6\.1\.' '$src/kernel-tools/6.1/SOURCE'"
mkdir -p "$tmp/dkms" "$tmp/boot"
dkms add --dkmstree "$tmp/dkms" --sourcetree "$tmp/root/usr/src" -m execban -v 9.9 >"$tmp/add.log" 2>&1
t "dkms add accepts it" [ $? = 0 ]

for k in 6.1 6.12; do
	rel=$(scripts/kernels.sh version "$k")
	kdir=$(scripts/kernels.sh dir "$k")
	ln -sf "$kdir/boot/vmlinuz-$rel" "$tmp/boot/vmlinuz-$rel"
	log=$tmp/build-$k.log
	# No network: only the loopback interface, and down.
	EXECBAN_BOOT_DIR=$tmp/boot unshare -n sh -c 'cat /proc/net/dev; exec "$@"' sh \
		dkms build --dkmstree "$tmp/dkms" --sourcetree "$tmp/root/usr/src" -m execban -v 9.9 \
		-k "$rel" >"$log" 2>&1
	rc=$?
	t "$k: dkms build makes execban.ko for $rel with no network" [ $rc = 0 ]
	if [ $rc != 0 ]; then
		tail -20 "$log" "$tmp"/dkms/execban/9.9/build/build/kmod/"$rel"/*.log 2>/dev/null | sed 's/^/#   /'
	fi
	t "$k: the build ran in a namespace without network" \
		bash -c "! grep -E '^ *(eth|en|wl)[^:]*:' '$log' >/dev/null && grep -q '^ *lo:' '$log'"
	# kmod-build.sh's messages are in dkms's make.log, kept with the built module.
	mlog=$tmp/dkms/execban/9.9/$rel/x86_64/log/make.log
	t "$k: nothing was fetched" bash -c "[ -f '$mlog' ] &&
		! grep -E 'apt-get|fetching|Get:[0-9]' '$log' '$mlog' >/dev/null"
	if [ "$k" = 6.1 ]; then
		t "6.1: resolve_btfids was built from the shipped source, into DKMS's cache" \
			bash -c "grep -q 'building resolve_btfids from .*/kernel-tools/6.1' '$mlog' &&
				[ -x '$tmp'/dkms/execban/9.9/cache/resolve_btfids/linux-source-6.1_*/resolve_btfids ]"
	fi
	ko=$(find "$tmp/dkms/execban/9.9/$rel" -name 'execban.ko*' | awk 'NR == 1')
	# dkms compresses the module as the kernel's own are (6.12: .ko.xz); bpftool reads ELF.
	case "$ko" in
	*.xz) xz -dc "$ko" >"$tmp/execban-$k.ko" && ko=$tmp/execban-$k.ko ;;
	*.zst) zstd -qdc "$ko" >"$tmp/execban-$k.ko" && ko=$tmp/execban-$k.ko ;;
	esac
	t "$k: the built module has the kfuncs in its BTF" bash -c "[ -n '$ko' ] &&
		grep -q \"FUNC 'execban_file_sha256'\" <<<\"\$(bpftool btf dump file '$ko' --base-btf '$(scripts/vmlinux.sh "$k")')\""
	t "$k: its vermagic is $rel's" bash -c "[ -n '$ko' ] && grep -q '^$rel ' <<<\"\$(modinfo -F vermagic '$ko')\""
done
echo "# dkms: $pass passed, $fail failed"
[ "$fail" = 0 ]
