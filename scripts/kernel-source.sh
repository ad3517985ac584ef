#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Extract the few parts of a test kernel's own source that the build needs, from Debian's
# linux-source package, into the cache; print the extracted tree:
#   scripts/kernel-source.sh 6.1|6.12|7.2|sid|RELEASE
#
# Parts: the sources of tools/bpf/resolve_btfids (with the tools/ libraries it builds from, and
# scripts/bpf_doc.py, which its build requires) and scripts/checkpatch.pl with its data files:
# about 5 MB out of a 140 MB archive. The source package is the one of the same Debian version
# as the kernel image when the archive still has it, else the current one (the tools barely
# change within a stable series). The .deb is not kept: extracting again takes ~10 s.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${EXECBAN_CACHE:-$top/.cache}

die() { echo "kernel-source.sh: $*" >&2; exit 1; }

[ $# = 1 ] || { echo "usage: $0 6.1|6.12|RELEASE" >&2; exit 2; }
rel=$("$top/scripts/kernels.sh" version "$1")
# apt against the archive of that kernel (the host's, or sid's private state: kernels.sh).
kapt() { "$top/scripts/kernels.sh" apt "$rel" "$@"; }

# Paths inside the source tarball (below linux-source-X.Y/). Changing this list re-extracts.
parts=(
	tools/bpf/resolve_btfids tools/build tools/include tools/lib tools/scripts
	tools/arch/x86/include scripts/bpf_doc.py
	scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
)

ver=$(kapt apt-cache show "linux-image-$rel" 2>/dev/null | awk '/^Version:/ && v == "" {v = $2} END {print v}')
[ -n "$ver" ] || die "apt-cache knows no linux-image-$rel (run apt-get update?)"
series=${rel%%-*}          # 6.1.0 (from 6.1.0-56-amd64) or 6.12.117+deb12
series=${series%.*}        # 6.1 or 6.12
pkg=linux-source-$series

dir=$cache/linux-source/$ver
stamp=$dir/.complete
want="${parts[*]}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache/linux-source"
tmp=$(mktemp -d "$cache/linux-source/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "kernel-source.sh: fetching $pkg ($ver) for ${parts[*]}" >&2
# apt's _apt user cannot write into the cache: download as root without the sandbox warning.
if ! (cd "$tmp" && kapt apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2); then
	echo "kernel-source.sh: $pkg=$ver is gone from the archive, using the current $pkg" >&2
	(cd "$tmp" && kapt apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
		die "cannot download $pkg"
fi
deb=$(echo "$tmp"/"$pkg"_*.deb)
[ -f "$deb" ] || die "no $pkg .deb downloaded"
mkdir "$tmp/tree"
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$pkg.tar.xz" | xz -dc |
	tar -x -C "$tmp/tree" --strip-components=1 "${parts[@]/#/$pkg/}" ||
	die "cannot extract ${parts[*]} from $deb"
echo "$want" >"$tmp/tree/.complete"
rm -rf "$dir"
mv "$tmp/tree" "$dir"
echo "$dir"
