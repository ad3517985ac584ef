#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The customize step of scripts/sysimage.sh, run by mmdebstrap as a --customize-hook with the
# new root file system as $1 (its /proc, /sys and /dev are mounted). Everything it needs comes
# from SYSIMG_* variables that sysimage.sh exports; sysimage.sh's header says what goes in.
set -euo pipefail

r=$1
top=$SYSIMG_TOP
me=sysimage-customize.sh
die() { echo "$me: $*" >&2; exit 1; }
in_root() { chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# --- identity, file systems ---------------------------------------------------------------------
echo execban-sys >"$r/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\texecban-sys\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
# A fixed machine ID: every boot of a fresh overlay is then not a "first boot", and
# systemd-firstboot does not stop at the console to ask for a locale and a root password.
echo 6578656362616e2d7379732d696d6167 >"$r/etc/machine-id"
# The root is mounted read-write by the initramfs (rw on the kernel command line); no fsck: the
# disk is a fresh overlay of a file system mke2fs has just written.
echo 'LABEL=execban-root / ext4 rw,relatime 0 0' >"$r/etc/fstab"
mkdir -p "$r/var/log/journal" # persistent journal, as on a workstation

# --- the test kernels' modules, with execban.ko --------------------------------------------------
for rel in $SYSIMG_RELEASES; do
	v=SYSIMG_KDIR_${rel//[^A-Za-z0-9]/_}
	kdir=${!v}
	[ -f "$kdir/lib/modules/$rel/modules.dep" ] || die "no modules in $kdir"
	mkdir -p "$r/lib/modules" "$r/boot"
	cp -a "$kdir/lib/modules/$rel" "$r/lib/modules/$rel"
	# Links into the tree (build, source) point at headers the image does not have.
	rm -f "$r/lib/modules/$rel/build" "$r/lib/modules/$rel/source"
	for f in config System.map; do
		cp -L "$kdir/boot/$f-$rel" "$r/boot/$f-$rel"
	done
	if [ -f "$top/build/kmod/$rel/execban.ko" ]; then
		install -D -m 0644 "$top/build/kmod/$rel/execban.ko" "$r/lib/modules/$rel/extra/execban.ko"
	fi
	in_root depmod "$rel"
done

# --- execban, when there are no .debs: make install (TEMPORARY, until make deb is merged) --------
if [ "$SYSIMG_FALLBACK" = 1 ]; then
	make -C "$top" --no-print-directory -s install DESTDIR="$r" >/dev/null
	# What the package's postinst does (dh_installsystemd): enable, do not start.
	in_root systemctl enable execban.service execban-events.service
fi
[ -x "$r/usr/sbin/execban" ] || die "execban is not installed in the image"

# --- a ban policy in force from the first boot ---------------------------------------------------
install -D -m 0644 "$top/policy/example.policy" "$r/etc/execban/policy.d/example.policy"
for f in wechat kaspersky-agent text-editor; do
	install -m 0755 "$top/demo/$f" "$r/usr/local/bin/$f"
done

# --- the test hook: tests/system/run's command, once the system is up ----------------------------
install -D -m 0755 "$top/tests/system/image/execban-systemtest" "$r/usr/local/lib/execban-systemtest/run"
install -D -m 0644 "$top/tests/system/image/execban-systemtest.service" \
	"$r/etc/systemd/system/execban-systemtest.service"
in_root systemctl enable execban-systemtest.service

# --- the initramfs (see sysimage.sh) --------------------------------------------------------------
printf 'MODULES=list\nCOMPRESS=zstd\n' >"$r/etc/initramfs-tools/conf.d/execban-sysimage.conf"
# shellcheck disable=SC2086 # a list of names
printf '%s\n' $SYSIMG_INITRD_MODULES >>"$r/etc/initramfs-tools/modules"
for rel in $SYSIMG_RELEASES; do
	in_root mkinitramfs -o "/boot/initrd.img-$rel" "$rel"
done

# --- boot time under TCG ----------------------------------------------------------------------------
# A workstation boots to multi-user.target (nothing graphical is installed). The hardware
# database and the dynamic linker's cache are built here, once, and /etc/.updated and
# /var/.updated say so: otherwise every boot of a fresh overlay would be one that "needs update"
# (ConditionNeedsUpdate=) and run systemd-hwdb-update.service and ldconfig.service.
in_root systemctl set-default multi-user.target
in_root systemd-hwdb update
in_root ldconfig
touch "$r/etc/.updated" "$r/var/.updated"
