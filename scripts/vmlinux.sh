#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Print the path of an ELF vmlinux (with its .BTF and .BTF_ids sections) for a test kernel,
# extracted once from Debian's bzImage into the cache:
#   scripts/vmlinux.sh 6.1|6.12|RELEASE
# It is the base BTF for vmlinux.h and for the module's BTF (pahole --btf_base, resolve_btfids).
# For a full RELEASE (DKMS) an installed /boot/vmlinuz-RELEASE is used when there is one
# ($EXECBAN_BOOT_DIR instead of /boot: tests/host/dkms_offline.sh), with no network.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${EXECBAN_CACHE:-$top/.cache}
boot=${EXECBAN_BOOT_DIR:-/boot}
case "$1" in
*-*)
	if [ -f "$boot/vmlinuz-$1" ]; then
		rel=$1
		tree=$cache/vmlinux/$rel
		mkdir -p "$tree"
		vmlinuz=$boot/vmlinuz-$rel
	fi
	;;
esac
if [ -z "${tree:-}" ]; then
	tree=$("$top/scripts/kernels.sh" dir "$1")
	rel=$(basename "$tree")
	vmlinuz=$tree/boot/vmlinuz-$rel
fi
out=$tree/vmlinux
has_btf() {
	local sections
	sections=$(readelf -S "$1" 2>/dev/null) && grep -q '\.BTF ' <<<"$sections"
}
if [ ! -s "$out" ]; then
	# The payload is xz (6.1) or zstd (6.12): find a stream's magic, decompress from there.
	for m in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd'; do
		tool=${m%%:*}
		off=$(LC_ALL=C grep -obUaP "${m#*:}" "$vmlinuz" | awk -F: 'NR == 1 {print $1}' || true)
		[ -n "$off" ] || continue
		# The decompressor may stop at the end of the stream (and fail on what follows): the
		# section check below decides.
		tail -c +$((off + 1)) "$vmlinuz" | "$tool" -dc 2>/dev/null >"$out.tmp" || true
		has_btf "$out.tmp" && break
	done
	if ! has_btf "$out.tmp"; then
		rm -f "$out.tmp"
		echo "vmlinux.sh: extracted payload of $vmlinuz has no .BTF section" >&2
		exit 1
	fi
	mv "$out.tmp" "$out"
fi
echo "$out"
