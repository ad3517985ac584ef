#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Resolve the test kernels and fetch their images into a cache.
#
#   scripts/kernels.sh version 6.1|6.12   print the concrete kernel release (e.g. 6.1.0-56-amd64)
#   scripts/kernels.sh fetch   6.1|6.12   download + extract the image into $EXECBAN_CACHE/kernels/
#   scripts/kernels.sh dir     6.1|6.12   print the extracted tree (fetching it first if needed)
#
# The concrete version is resolved from Debian's meta-package every time, so a security update of
# linux-image-amd64 is picked up. The image is never installed on the host: apt-get download +
# dpkg-deb -x into the cache only.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${EXECBAN_CACHE:-$top/.cache}

meta_of() {
	case "$1" in
	6.1) echo linux-image-amd64 ;;
	6.12) echo linux-image-6.12-amd64 ;;
	*) echo "kernels.sh: unknown test kernel '$1' (expected 6.1 or 6.12)" >&2; exit 2 ;;
	esac
}

# linux-image-amd64 -> linux-image-6.1.0-56-amd64 -> 6.1.0-56-amd64. A full release (as uname
# -r prints it: DKMS builds for installed kernels) is taken as it is.
release_of() {
	local meta pkg
	case "$1" in
	*-*) echo "$1"; return ;;
	esac
	meta=$(meta_of "$1")
	pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ && p == "" {p = $2} END {print p}')
	if [ -z "$pkg" ]; then
		# apt lists may be empty on a fresh machine: refresh once and retry.
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ && p == "" {p = $2} END {print p}')
	fi
	[ -n "$pkg" ] || { echo "kernels.sh: cannot resolve $meta with apt-cache" >&2; exit 1; }
	echo "${pkg#linux-image-}"
}

fetch() {
	local rel dir pkgdir tmp
	rel=$(release_of "$1")
	dir=$cache/kernels/$rel
	if [ -f "$dir/.complete" ]; then
		echo "$dir"
		return
	fi
	tmp=$(mktemp -d "$cache/kernels/.fetch.XXXXXX" 2>/dev/null || { mkdir -p "$cache/kernels"; mktemp -d "$cache/kernels/.fetch.XXXXXX"; })
	(cd "$tmp" && apt-get download -q "linux-image-$rel" >&2)
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
	# modprobe inside the guest needs an index of the modules as extracted.
	depmod -b "$tmp/root" "$rel"
	rm -f "$tmp"/*.deb
	rm -rf "$dir"
	mv "$tmp/root" "$dir"
	rmdir "$tmp"
	touch "$dir/.complete"
	echo "$dir"
}

case "${1:-}" in
version) release_of "$2" ;;
fetch | dir) fetch "$2" ;;
*) echo "usage: $0 version|fetch|dir 6.1|6.12|RELEASE" >&2; exit 2 ;;
esac
