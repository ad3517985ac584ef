#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Compressed kernel modules (issue 17 item 6): execban hash of a .ko.xz prints the rule of the
# module image inside it, and with that rule alone loaded (and execban.ko), modprobe of the
# module is refused with EPERM and an event carrying the image's digest. 6.12's modules are
# .ko.xz (Debian 12's kmod 30 decompresses them itself and calls init_module(2)); 6.1's are
# plain .ko (finit_module(2)), and an .xz made here goes through insmod's init_module. Also
# what finit_module(2) with MODULE_INIT_COMPRESSED_FILE (the kernel decompressing) does.
set -u
. "$(dirname "$0")/../lib.sh"

W=$(mktemp -d /tmp/execban-modules.XXXXXX)
KO=$top/build/kmod/$(uname -r)/execban.ko
"$EB" unload >/dev/null 2>&1
rmmod execban 2>/dev/null

unload_module() { # NAME
	local _
	for _ in $(seq 20); do
		[ -e "/sys/module/$1" ] || return 0
		rmmod "$1" 2>/dev/null || sleep 0.2
	done
	[ ! -e "/sys/module/$1" ]
}
# finit_module(fd, "", flags) from python: prints "ok" or the errno's name.
finit() { # FILE FLAGS
	python3 - "$1" "$2" <<'PY'
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open(sys.argv[1], os.O_RDONLY)
r = libc.syscall(313, fd, b"", int(sys.argv[2]))    # SYS_finit_module on x86_64
print("ok" if r == 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno())))
PY
}
MODULE_INIT_COMPRESSED_FILE=4

mod=$(modinfo -n dummy 2>/dev/null)
ctl=
for m in nls_cp437 nls_iso8859_1 crc_itu_t crc7 tea; do
	[ -e "/sys/module/$m" ] && continue
	f=$(modinfo -n "$m" 2>/dev/null) || continue
	[ -z "$(modinfo -F depends "$f")" ] || continue
	ctl=$m
	break
done
check "the dummy module of this kernel: $mod" [ -f "$mod" ]
check "a control module without dependencies: $ctl" [ -n "$ctl" ]
unload_module dummy
echo "# $(modprobe --version | awk 'NR == 1'); /sys/module/compression: $(cat /sys/module/compression 2>/dev/null || echo absent)"

# The image: what modprobe hands the kernel.
case $mod in
*.xz) xz -dc "$mod" >"$W/dummy.ko" ;;
*.zst) zstd -qdc "$mod" >"$W/dummy.ko" ;;
*.gz) gzip -dc "$mod" >"$W/dummy.ko" ;;
*) cp "$mod" "$W/dummy.ko" ;;
esac
img_sum=$(sha256 "$W/dummy.ko")
img_size=$(stat -c %s "$W/dummy.ko")
"$EB" hash "$mod" >"$W/hash"
sed 's/^/# /' "$W/hash"
grep -m1 '^deny ' "$W/hash" >"$W/image.policy"
label=$(sed -n 's/.* label=\([^ ]*\).*/\1/p' "$W/image.policy")
check "hash: the first rule is the image's (sha256sum of the decompressed module, its size)" \
	grep -q "^deny sha256=$img_sum size=$img_size " "$W/image.policy"
case $mod in
*.xz | *.zst | *.gz)
	check "hash: then the compressed file's own rule" \
		grep -q "^deny sha256=$(sha256 "$mod") size=$(stat -c %s "$mod") " "$W/hash"
	# --all-mounts: under the harness's overlay a module and its folder may report
	# different devices, which --xdev would not cross
	"$EB" scan --all-mounts --policy "$W/image.policy" "$(dirname "$mod")" >"$W/scan" 2>/dev/null; rc=$?
	check "scan of the module's folder reports it by its image (exit 1)" \
		bash -c "[ $rc = 1 ] && grep -qx 'BANNED $mod sha256=$img_sum rule=$label image=xz' '$W/scan'"
	[ "$rc" = 1 ] || sed 's/^/# scan: /' "$W/scan"
	;;
esac

# ---- with execban.ko: the image's rule refuses modprobe ----------------------------------------
check "execban.ko loads" insmod "$KO"
out=$("$EB" load "$W/image.policy" 2>&1)
check "the image's rule alone loads, hashing with execban.ko" grep -q "hashing with execban.ko" <<<"$out"
"$EB" events >/dev/null
modprobe dummy 2>"$W/modprobe.err"; rc=$?
check "modprobe dummy is refused with EPERM ($(head -1 "$W/modprobe.err"))" \
	bash -c "[ $rc != 0 ] && grep -q 'Operation not permitted' '$W/modprobe.err' && [ ! -e /sys/module/dummy ]"
drain_events "$W/ev1"
case $mod in
*.ko) want_fn=$(readlink -f "$mod") ;;	# plain .ko: finit_module reads the file
*) want_fn=init_module ;;	# kmod decompresses and hands over the image
esac
check "event: module load denied by the image's sha256 rule, with the image's digest and size" \
	event_has "$W/ev1" "e['action']=='module' and e['verdict']=='denied' and e['identity']=='sha256' and e['sha256']=='$img_sum' and e['size']==$img_size and e['rule']=='$label' and e['comm']=='modprobe'"
check "event: the load it names ($want_fn)" \
	event_has "$W/ev1" "e['action']=='module' and (e['filename']=='$want_fn' or e['path']=='$want_fn')"
[ "$T_FAIL" = 0 ] || sed 's/^/# event: /' "$W/ev1"
modprobe "$ctl" 2>"$W/ctl.err"
check "control: another module ($ctl) still loads" [ -e "/sys/module/$ctl" ]
unload_module "$ctl"

# insmod of a .ko.xz (made here on 6.1): libkmod decompresses, init_module gets the image.
xz -kc "$W/dummy.ko" >"$W/dummy.ko.xz"
insmod "$W/dummy.ko.xz" 2>"$W/insmod.err"; rc=$?
check "insmod of an .xz of the image is refused with EPERM" \
	bash -c "[ $rc != 0 ] && grep -q 'not permitted' '$W/insmod.err' && [ ! -e /sys/module/dummy ]"

# finit_module with MODULE_INIT_COMPRESSED_FILE: the kernel reads the compressed file (the
# kernel_read_file hook sees that file only) and decompresses it itself.
if [ -e /sys/module/compression ]; then
	kc=$(cat /sys/module/compression)
	cp "$mod" "$W/inkernel.ko.$kc"
	[ "$kc" = xz ] && [ "${mod##*.}" != xz ] && cp "$W/dummy.ko.xz" "$W/inkernel.ko.$kc"
	got=$(finit "$W/inkernel.ko.$kc" $MODULE_INIT_COMPRESSED_FILE)
	echo "# finit_module(MODULE_INIT_COMPRESSED_FILE) of the $kc file under the image's rule: $got"
	check "finit_module(MODULE_INIT_COMPRESSED_FILE) of the $kc module is refused by the image's rule" \
		[ "$got" = EPERM ]
	drain_events "$W/ev2"
	check "event: finit_module of the compressed file denied by the image's digest" \
		event_has "$W/ev2" "e['action']=='module' and e['verdict']=='denied' and e['sha256']=='$img_sum' and e['path']=='$W/inkernel.ko.$kc'"
	[ "$got" = EPERM ] || sed 's/^/# event: /' "$W/ev2"
	unload_module dummy
	"$EB" hash "$W/inkernel.ko.$kc" | grep '^deny ' | tail -1 >"$W/file.policy"
	"$EB" load "$W/file.policy" >/dev/null
	got=$(finit "$W/inkernel.ko.$kc" $MODULE_INIT_COMPRESSED_FILE)
	check "finit_module(MODULE_INIT_COMPRESSED_FILE) is refused by the compressed file's own rule ($got)" \
		[ "$got" = EPERM ]
	unload_module dummy
	# The image's signer, named by issuer and serial (as Debian's build key signs).
	ident=$(sed -n 's/^# \(signer-issuer-serial=.*\)$/\1/p' "$W/hash" | awk 'NR == 1')
	echo "deny $ident label=build-key" >"$W/signer.policy"
	"$EB" load "$W/signer.policy" >/dev/null
	"$EB" events >/dev/null
	got=$(finit "$W/inkernel.ko.$kc" $MODULE_INIT_COMPRESSED_FILE)
	check "finit_module(MODULE_INIT_COMPRESSED_FILE) is refused by the image's signer rule ($got)" \
		[ "$got" = EPERM ]
	drain_events "$W/ev3"
	check "event: denied by the image's signer (signer-issuer-serial), naming the file" \
		event_has "$W/ev3" "e['action']=='module' and e['verdict']=='denied' and e['identity']=='signer-issuer-serial' and e['sha256']=='$img_sum' and e['path']=='$W/inkernel.ko.$kc'"
	unload_module dummy
	"$EB" load "$W/image.policy" >/dev/null
	# Control: another compressed module loads the same way under the image's rule.
	ctlf=$(modinfo -n "$ctl")
	if [ "${ctlf##*.}" = "$kc" ]; then
		cp "$ctlf" "$W/ctl.ko.$kc"
		got=$(finit "$W/ctl.ko.$kc" $MODULE_INIT_COMPRESSED_FILE)
		check "control: finit_module(MODULE_INIT_COMPRESSED_FILE) of $ctl loads ($got)" \
			bash -c "[ '$got' = ok ] && [ -e /sys/module/$ctl ]"
		unload_module "$ctl"
	fi
fi

# ---- without execban.ko: init_module images are not checked (documented) -----------------------
"$EB" unload >/dev/null
for _ in $(seq 30); do rmmod execban 2>/dev/null && break; sleep 0.2; done
check "execban.ko removed" [ ! -e /sys/module/execban ]
"$EB" load "$W/image.policy" >/dev/null 2>&1
insmod "$W/dummy.ko.xz" 2>/dev/null
check "without execban.ko, init_module of the image is not checked: it loads (README says so)" \
	[ -e /sys/module/dummy ]
unload_module dummy
insmod "$W/dummy.ko" 2>"$W/insmod.err"; rc=$?
check "without execban.ko, finit_module of the plain .ko is still refused (bpf_ima_file_hash)" \
	bash -c "[ $rc != 0 ] && grep -q 'not permitted' '$W/insmod.err' && [ ! -e /sys/module/dummy ]"
"$EB" unload >/dev/null
unload_module dummy
rm -rf "$W"
finish
