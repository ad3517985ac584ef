#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install everything execban's build, tests and demo need, from Debian's archive only.
# Idempotent: installs only what is missing, and is silent when nothing is.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

pkgs=(
	make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev liblzma-dev libzstd-dev bpftool
	dwarves pkg-config logrotate
	kmod cpio busybox-static qemu-system-x86 xz-utils zstd python3 openssl
	libsystemd-dev libjson-c-dev bc flex bison libssl-dev libclang-rt-14-dev squashfs-tools
	ima-evm-utils attr groff-base man-db libfuse3-dev gnuplot-nox dkms fuse3 xfsprogs
	pandoc libcurl4-openssl-dev libjson-c-dev
	# audit records (userspace/audit.c): libaudit
	libaudit-dev
	# make deb (tests/host/deb.sh): Debian's own packaging tools
	debhelper dh-dkms lintian fakeroot dpkg-dev
	# tests/system: a Debian 12 image built with Debian's tools, booted from a disk
	mmdebstrap qemu-utils e2fsprogs eatmydata
)

missing=()
need() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ] || missing+=("$1")
}

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: run as root (make deps) to install build dependencies" >&2
	exit 1
fi

for p in "${pkgs[@]}"; do need "$p"; done
updated=
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	apt-get update -qq
	updated=1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Headers of each test kernel build the module for it. Debian 12's are installed (6.1 and 6.12
# always: scripts/checkpatch.sh and tests/host/dkms.sh use them too).
missing=()
for k in 6.1 6.12; do
	rel=$("$top/scripts/kernels.sh" version "$k")
	need "linux-headers-$rel"
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	[ -n "$updated" ] || apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A kernel from sid in KERNELS (make check KERNELS="6.1 6.12 7.2"): its image and its headers
# are extracted into the cache, never installed (scripts/kernel-headers.sh says why).
for k in ${KERNELS:-}; do
	case "$k" in 6.1 | 6.12) continue ;; esac
	"$top/scripts/kernels.sh" fetch "$k" >/dev/null
	"$top/scripts/kernel-headers.sh" "$k" >/dev/null
done
