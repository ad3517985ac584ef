#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find in the cache) the execban system-test image: a real Debian 12 root file system,
# made with Debian's own tools, that tests/system/run boots from a virtio disk.
#
#   scripts/sysimage.sh [--force]    print the image's directory (building it first if needed)
#
# The directory ($EXECBAN_CACHE/sysimage/<hash>/) holds:
#   root.img               a raw, sparse ext4 file system labelled execban-root (the base image;
#                          tests/system/run boots a fresh qcow2 overlay of it every time)
#   initrd.img-REL         the initramfs of each test kernel, made inside the image by its own
#                          initramfs-tools (see below)
#   releases               the kernel releases the image has modules for, one per line
#   build.log, build-time  mmdebstrap's output and the build's wall time in seconds
#
# What is in it: mmdebstrap --variant=apt (Essential: yes + apt) plus systemd as PID 1
# (systemd-sysv), udev, dbus, journald, auditd, initramfs-tools, kmod and the few tools the tests
# use (the list is $pkgs below). Then:
#   - the test kernels' modules: /lib/modules/REL copied from scripts/kernels.sh's extracted trees
#     for 6.1 and 6.12 (the kernel packages are not installed: nothing in the image needs them,
#     and their postinst would build initramfs images and touch a boot loader we do not have),
#     with execban.ko from `make kmod` (build/kmod/REL/) in /lib/modules/REL/extra;
#   - execban itself. If build/deb/*.deb exist (`make deb`), they are installed by apt and dpkg
#     through mmdebstrap (--include=/path/x.deb), dependencies from Debian 12's archive. Otherwise
#     -- TEMPORARY, until `make deb` is merged -- `make install DESTDIR=<image>` installs the
#     build outputs, its libraries come from $fallback_pkgs and the units are enabled with
#     systemctl enable, as the package's postinst will do;
#   - policy/example.policy as /etc/execban/policy.d/example.policy and the demo stand-ins it
#     bans (demo/wechat, demo/kaspersky-agent) and one it does not (demo/text-editor) in
#     /usr/local/bin, so the ban is in force from the first boot;
#   - the test hook tests/system/image/execban-systemtest.service (+ its script), which runs
#     tests/system/run's command once the system is up.
# The initramfs: Debian's kernels build virtio_blk and ext4 as modules, so the root disk needs an
# initramfs. It is made by the image's own initramfs-tools (mkinitramfs in a chroot), as
# update-initramfs would make it on a workstation, with MODULES=list (virtio_pci, virtio_blk,
# ext4: MODULES=dep would look at the build host's disks) so it stays small: TCG unpacks every
# byte of it at each boot.
#
# The image is rebuilt when an input changes: the hash names the directory and covers this
# script, the package lists, tests/system/image/*, the kernel releases, the .debs (or, in the
# fallback, every file `make install` copies) and the policy and demo files. Old images are
# removed after a successful build, but for the three used last. Builds are serialised by a lock
# in $EXECBAN_CACHE/sysimage. The archive's state is not an input: a security update in Debian
# reaches the image with the next rebuild, or at once with --force.
#
# The mirror is the host's own: the Debian entries of /etc/apt/sources.list.d/debian.sources (or
# EXECBAN_SYSIMAGE_MIRROR, a sources.list line or URL). Downloaded packages are kept in
# $EXECBAN_CACHE/sysimage/archives, so a rebuild downloads only what changed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd -P)
cache=${EXECBAN_CACHE:-$top/.cache}
me=sysimage.sh
die() { echo "$me: $*" >&2; exit 1; }

force=0
case "${1:-}" in
--force) force=1 ;;
'') ;;
*) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap --mode=root, chroot, mke2fs -d)"
for tool in mmdebstrap mke2fs dpkg-deb depmod sha256sum flock eatmydata; do
	command -v "$tool" >/dev/null || die "$tool is missing (make deps)"
done

suite=bookworm
kernel_series=(6.1 6.12)
# The system: systemd as PID 1 with journald, udev and D-Bus (logind needs it), auditd, apt
# (Priority: required in the apt variant) and what the initramfs and the tests need.
pkgs=(
	systemd-sysv udev dbus auditd initramfs-tools zstd kmod procps iproute2 e2fsprogs
	ca-certificates less jq openssl
)
# The libraries and tools execban's binaries need when they come from `make install` (the
# fallback); with the .debs, their Depends say it.
fallback_pkgs=(libbpf1 libelf1 zlib1g liblzma5 libzstd1 libssl3 libsystemd0 libjson-c5 libcurl4 logrotate)
initrd_modules=(virtio_pci virtio_blk ext4)

# --- inputs -------------------------------------------------------------------------------------
mapfile -t debs < <(find "$top/build/deb" -maxdepth 1 -name '*.deb' 2>/dev/null | LC_ALL=C sort)
declare -A kdirs=()
releases=()
for k in "${kernel_series[@]}"; do
	d=$("$top/scripts/kernels.sh" dir "$k") || die "cannot get test kernel $k (scripts/kernels.sh)"
	rel=$(basename "$d")
	kdirs[$rel]=$d
	releases+=("$rel")
done
ko_files=()
for rel in "${releases[@]}"; do
	[ ! -f "$top/build/kmod/$rel/execban.ko" ] || ko_files+=("$top/build/kmod/$rel/execban.ko")
done
image_files=(
	"$top/policy/example.policy" "$top/demo/wechat" "$top/demo/kaspersky-agent" "$top/demo/text-editor"
)
mapfile -t hook_files < <(find "$top/tests/system/image" -type f | LC_ALL=C sort)
if [ ${#debs[@]} -gt 0 ]; then
	install_files=("${debs[@]}")
else
	# What `make install` copies (its recipe); it needs `make cli man` first.
	[ -x "$top/build/execban" ] || die "no build/deb/*.deb and no build/execban: run make deb, or make all"
	mapfile -t install_files < <(find "$top/build/execban" "$top/build/execban-sync" "$top/build/execban.bpf.o" \
		"$top/build/man" "$top/dist" "$top/docs/execban.8.md" "$top/docs/execban.policy.5.md" \
		"$top/Makefile" -type f | LC_ALL=C sort)
fi
hash=$(
	{
		sha256sum "${BASH_SOURCE[0]}" "$top/scripts/sysimage-customize.sh" "${hook_files[@]}" "${image_files[@]}" "${install_files[@]}" \
			${ko_files[@]+"${ko_files[@]}"} | sed "s| $top/| |"
		printf '%s\n' "$suite" "${pkgs[@]}" "${fallback_pkgs[@]}" "${initrd_modules[@]}" "${releases[@]}"
		printf 'mirror %s\n' "${EXECBAN_SYSIMAGE_MIRROR:-}"
	} | sha256sum | cut -c1-16
)
base=$cache/sysimage
out=$base/$hash
mkdir -p "$base"
exec 9>"$base/.lock"
flock 9
if [ "$force" = 0 ] && [ -f "$out/.complete" ]; then
	touch "$out" # in use: the cleanup below keeps the images used last
	echo "$out"
	exit 0
fi

# --- the mirror: the host's Debian sources --------------------------------------------------
sources=$base/.sources.$$
if [ -n "${EXECBAN_SYSIMAGE_MIRROR:-}" ]; then
	printf '%s\n' "$EXECBAN_SYSIMAGE_MIRROR" >"$sources"
else
	f=/etc/apt/sources.list.d/debian.sources
	[ -f "$f" ] || die "no $f: set EXECBAN_SYSIMAGE_MIRROR to a sources.list line for $suite"
	# Its deb822 stanzas, as they are: the same mirror, suites and keyrings as the host's apt.
	cp "$f" "$sources.sources"
	sources=$sources.sources
fi

start=$EPOCHREALTIME
stage=$(mktemp -d "$base/.build.XXXXXX")
# shellcheck disable=SC2064 # fixed paths
trap "rm -rf '$stage' '$sources'" EXIT
root=$stage/root
log=$stage/build.log
echo "$me: building the system image $out (log: $log)" >&2

includes=()
for p in "${pkgs[@]}"; do includes+=(--include "$p"); done
if [ ${#debs[@]} -gt 0 ]; then
	for d in "${debs[@]}"; do includes+=(--include "$d"); done
	install_mode="packages: ${debs[*]##*/}"
else
	for p in "${fallback_pkgs[@]}"; do includes+=(--include "$p"); done
	install_mode="make install (temporary fallback: no build/deb/*.deb)"
fi

# The customize step, run by mmdebstrap with $1 = the root (its /proc, /sys and /dev mounted).
export SYSIMG_TOP=$top SYSIMG_RELEASES="${releases[*]}" SYSIMG_INITRD_MODULES="${initrd_modules[*]}"
SYSIMG_FALLBACK=1
[ ${#debs[@]} -eq 0 ] || SYSIMG_FALLBACK=0
export SYSIMG_FALLBACK
for rel in "${releases[@]}"; do export "SYSIMG_KDIR_${rel//[^A-Za-z0-9]/_}=${kdirs[$rel]}"; done

mkdir -p "$base/archives"
# shellcheck disable=SC2016 # "$1" is for the hook's shell: mmdebstrap passes it the root
if ! mmdebstrap --mode=root --variant=apt --format=directory \
	"${includes[@]}" \
	--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	--hook-dir=/usr/share/mmdebstrap/hooks/eatmydata \
	--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/man/??/*' \
	--dpkgopt='path-exclude=/usr/share/man/??_*/*' \
	--skip=essential/unlink \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
	--setup-hook="sync-in $base/archives /var/cache/apt/archives/" \
	--customize-hook="$top/scripts/sysimage-customize.sh \"\$1\"" \
	--customize-hook="sync-out /var/cache/apt/archives $base/archives" \
	--customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
	"$suite" "$root" "$sources" >"$log" 2>&1; then
	tail -n 30 "$log" | sed "s/^/$me:   /" >&2
	cp "$log" "$base/failed-build.log"
	die "mmdebstrap failed (log: $base/failed-build.log)"
fi

# --- the ext4 image ------------------------------------------------------------------------------
# A quarter of free space over what the tree uses (and at least 1 GiB free): tests install
# packages and write journals into it (into their overlay, but a full file system still fails).
used_kb=$(du -sk "$root" | cut -f1)
size_mb=$((used_kb * 5 / 4 / 1024 + 1024))
cp "$root"/boot/initrd.img-* "$stage/" || die "the image has no initramfs"
mke2fs -q -t ext4 -L execban-root -d "$root" "$stage/root.img" "${size_mb}M" >>"$log" 2>&1 ||
	{ cp "$log" "$base/failed-build.log"; die "mke2fs -d failed (log: $base/failed-build.log)"; }
rm -rf "$root"
printf '%s\n' "${releases[@]}" >"$stage/releases"
printf '%s\n' "$install_mode" >"$stage/install-mode"
secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
echo "$secs" >"$stage/build-time"
touch "$stage/.complete"
rm -rf "$out"
mv "$stage" "$out"
trap 'rm -f "$sources"' EXIT
# Only the $keep images used last stay (checkouts on different branches share the cache, and
# each may need its own); a qemu still running from a removed one keeps its open file.
keep=3
mapfile -t old < <(find "$base" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended -regex '.*/[0-9a-f]{16}' -printf '%T@ %p\n' |
	sort -rn | awk -v k="$keep" 'NR > k { print $2 }')
[ ${#old[@]} = 0 ] || rm -rf "${old[@]}"
echo "$me: built $out in ${secs}s (${size_mb} MiB file system, $((used_kb / 1024)) MiB used; execban from $install_mode)" >&2
echo "$out"
